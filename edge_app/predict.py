"""Reading numbers from still images.

    python -m edge_app predict photo.jpg scan.png --json
    python -m edge_app predict sheets/*.jpg --annotate out/annotated
    python -m edge_app predict photos/                  # the images in a folder, by name

With --json, one line per image in input order (a folder's images by name), in the format the web API also uses:
{"source": "photo.jpg", "width": W, "height": H, "numbers": [{"text": "1247673",
"box": [x, y, w, h], "confidence": 0.97, "digits": [{"digit": 1, "confidence": 0.99,
"box": [x, y, w, h]}, ...]}, ...], "error": null}
"""

import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2

from edge_app.fileio import atomic_path
from edge_app.imageio import MAX_PIXELS, ImageError, Picture, decode_picture, read_bytes
from edge_app.pipeline import Number, PipelineConfig, finer_is_sure, finer_side, read_frame
from edge_app.vision.boxes import scale_number
from edge_app.visualize import draw_numbers


@dataclass
class Prediction:
    source: str
    width: int = 0
    height: int = 0
    numbers: list[Number] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {"source": self.source, "width": self.width, "height": self.height,
                "numbers": [n.as_dict() for n in self.numbers], "error": self.error}

    def summary(self) -> str:
        if self.error:
            return f"{self.source}: error: {self.error}"
        if not self.numbers:
            return f"{self.source}: no digits found ({self.seconds * 1000:.0f} ms)"
        found = ", ".join(f"{n.text} ({n.confidence:.2f})" for n in self.numbers)
        return f"{self.source}: {found} ({self.seconds * 1000:.0f} ms)"


def predict_file(path: str, classifier, config: PipelineConfig | None = None,
                 annotate: Path | None = None, annotated_name: str | None = None) -> Prediction:
    """One file; an unreadable one gives a Prediction with `error` set instead of raising."""
    config = config or PipelineConfig()
    started = time.perf_counter()
    try:
        picture, numbers = read_numbers(read_bytes(path), classifier, config)
    except ImageError as error:
        return Prediction(path, error=str(error))
    prediction = Prediction(path, picture.width, picture.height, full_size(numbers, picture),
                            seconds=time.perf_counter() - started)
    if annotate is not None:
        target = annotate / (annotated_name or Path(path).with_suffix(".png").name)
        with atomic_path(target) as tmp:
            if not cv2.imwrite(str(tmp), draw_numbers(picture.image, numbers)):
                prediction.error = f"cannot write annotated copy {target}"
    return prediction


def read_numbers(data: bytes, classifier, config: PipelineConfig,
                 max_pixels: int = MAX_PIXELS) -> tuple[Picture, list[Number]]:
    """The numbers in an encoded image, and the picture they were read on (boxes in its pixels).
    Raises ImageError with the reason.

    A large JPEG is decoded at a reduced scale, `work_side` at least; where its digits come out
    small there (finer_side: a whole sheet in small writing), it is decoded again as much larger as
    they need, and read again; that reading is kept when it is sure (finer_is_sure)."""
    picture = decode_picture(data, config.work_side, max_pixels)
    if picture.scale == 1:  # all its pixels decoded: read_frame reads it larger itself where need be
        return picture, read_frame(picture.image, classifier, config)
    # The file has more pixels than were decoded: not read larger from those decoded (a JPEG at half
    # size, 1,632 px of 3,264, would be read at 1,000, 1,632 and 2,000 px), but decoded again.
    numbers = read_frame(picture.image, classifier, replace(config, small_digits=None))
    side = finer_side(numbers, picture.image.shape, config, max(picture.width, picture.height))
    if side is not None:
        larger = decode_picture(data, side, max_pixels)
        finer = read_frame(larger.image, classifier, replace(config, work_side=side, small_digits=None))
        if finer_is_sure(finer, config):
            return larger, finer
    return picture, numbers


def full_size(numbers: list[Number], picture: Picture) -> list[Number]:
    """Numbers read on a picture decoded at reduced scale, with boxes in the full image's pixels."""
    return [scale_number(n, picture.scale) for n in numbers] if picture.scale != 1.0 else numbers


def annotated_names(paths: list[str]) -> list[str]:
    """A distinct output name per input, even when two inputs share a file name."""
    names, seen = [], {}
    for path in paths:
        stem = Path(path).stem or "image"
        count = seen.get(stem, 0)
        seen[stem] = count + 1
        names.append(f"{stem}.png" if count == 0 else f"{stem}-{count}.png")
    return names
