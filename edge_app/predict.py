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
from dataclasses import dataclass, field
from pathlib import Path

import cv2

from edge_app.fileio import atomic_path
from edge_app.imageio import ImageError, Picture, read_picture
from edge_app.pipeline import Number, PipelineConfig, read_frame, scale_number
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
        picture = read_picture(path, min_side=config.work_side)
    except ImageError as error:
        return Prediction(path, error=str(error))
    numbers = read_frame(picture.image, classifier, config)
    prediction = Prediction(path, picture.width, picture.height, full_size(numbers, picture),
                            seconds=time.perf_counter() - started)
    if annotate is not None:
        target = annotate / (annotated_name or Path(path).with_suffix(".png").name)
        with atomic_path(target) as tmp:
            if not cv2.imwrite(str(tmp), draw_numbers(picture.image, numbers)):
                prediction.error = f"cannot write annotated copy {target}"
    return prediction


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
