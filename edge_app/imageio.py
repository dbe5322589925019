"""Reading still images as the camera would have seen them: upright, opaque, 8-bit BGR.

EXIF orientation is honoured (OpenCV's IMREAD_COLOR applies it); an image with an
alpha channel is composited on white paper; 16-bit images are brought to 8 bits; a
halftone (a photo saved with a few colours and dithered: a GIF, a palette or 1-bit PNG)
is smoothed back into tones, as its dots would otherwise be read as ink.
"""

import os
from dataclasses import dataclass

import cv2
import numpy as np

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".gif"}  # what a folder's images end in
MAX_PIXELS = 100_000_000  # a 10,000 x 10,000 image is the most we decode: 300 MB as BGR
_ALPHA_FORMATS = (b"\x89PNG", b"RIFF", b"II*\x00", b"MM\x00*")  # PNG, WebP, TIFF may carry alpha


HALFTONE_LEVELS = 64  # a halftone has at most this many grey levels ...
HALFTONE_DOTS = 0.05  # ... and at least this share of its pixels differ from their 3x3 median ...
HALFTONE_STEP = 16  # ... by this many grey levels (in photos and drawings up to 2.5%, in halftones 10-40%) ...
HALFTONE_SIDE = 64  # ... and its shorter side has this many pixels: a small scan's edges are a large share
HALFTONE_SIGMA = 1.0  # pixels: the blur that merges a halftone's dots into tones

_REDUCED = {2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4, 8: cv2.IMREAD_REDUCED_COLOR_8}


class ImageError(Exception):
    """The file cannot be read as an image; the message says why."""


@dataclass(frozen=True)
class Picture:
    """A decoded image, possibly at a reduced scale, with the full image's upright size."""

    image: np.ndarray
    width: int
    height: int

    @property
    def scale(self) -> float:
        """Full-image pixels per decoded pixel."""
        return self.width / self.image.shape[1]


def read_picture(path: str | os.PathLike, min_side: int | None = None) -> Picture:
    """Like read_image, but a JPEG larger than needed is decoded at 1/2, 1/4 or 1/8 scale.

    JPEG decodes straight to those scales, several times faster and in a fraction
    of the memory; the longer side stays at least `min_side` pixels.
    """
    return decode_picture(read_bytes(path), min_side)


def decode_picture(data: bytes, min_side: int | None = None, max_pixels: int = MAX_PIXELS) -> Picture:
    """read_picture on encoded bytes (an upload); images of more than `max_pixels` are refused."""
    size = declared_size(data)
    factor = 1
    if min_side and size and data.startswith(b"\xff\xd8") and size[0] * size[1] <= max_pixels:
        factor = max(f for f in (1, 2, 4, 8) if max(size) / f >= min_side or f == 1)
    if factor == 1:
        image = decode_image(data, max_pixels)
        return Picture(image, image.shape[1], image.shape[0])
    image = _imdecode(data, _REDUCED[factor])  # applies EXIF orientation too
    width, height = size
    if (image.shape[1] > image.shape[0]) != (width > height):  # EXIF turned it a quarter
        width, height = height, width
    return Picture(image, width, height)


def is_image_name(path: str | os.PathLike) -> bool:
    """Whether a file's name ends as an image's does (IMAGE_SUFFIXES, any case)."""
    return os.path.splitext(path)[1].lower() in IMAGE_SUFFIXES


def folder_images(folder: str) -> list[str]:
    """The image files in a folder, by name: not its subfolders, nor hidden files (as a glob's "*")."""
    paths = (os.path.join(folder, name) for name in sorted(os.listdir(folder)) if not name.startswith("."))
    return [path for path in paths if is_image_name(path) and os.path.isfile(path)]


def image_paths(paths: list[str]) -> list[str]:
    """`paths` with each folder replaced by its images (folder_images); a folder without images stays,
    for the reader to report."""
    listed = []
    for path in paths:
        listed.extend((folder_images(path) if os.path.isdir(path) else None) or [path])
    return listed


def read_image(path: str | os.PathLike) -> np.ndarray:
    """uint8 BGR (H, W, 3), upright. Raises ImageError with the reason."""
    return decode_image(read_bytes(path))


def read_bytes(path: str | os.PathLike) -> bytes:
    """A file's bytes. Raises ImageError with the reason."""
    try:
        with open(path, "rb") as stream:
            data = stream.read()
    except FileNotFoundError:
        raise ImageError("file not found") from None
    except IsADirectoryError:
        raise ImageError("is a folder, and holds no images") from None
    except OSError as error:
        raise ImageError(f"cannot read: {error.strerror or error}") from None
    return data


def decode_image(data: bytes, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Encoded image bytes -> uint8 BGR, upright, alpha composited on white."""
    if not data:
        raise ImageError("empty file")
    size = declared_size(data)
    if size is not None and size[0] * size[1] > max_pixels:
        raise ImageError(f"image too large: {size[0]}x{size[1]} pixels, the limit is {max_pixels:,}")
    if data.startswith(_ALPHA_FORMATS):
        try:
            image = _imdecode(data, cv2.IMREAD_UNCHANGED)
        except ImageError:
            image = None  # IMREAD_COLOR below gives the verdict
        if image is not None and (image.ndim == 3 and image.shape[2] == 4 or image.dtype != np.uint8
                                  or not _may_carry_orientation(data)):
            return smooth_halftone(_to_bgr8(image))  # decoded once: nothing for IMREAD_COLOR to turn
    image = _imdecode(data, cv2.IMREAD_COLOR)  # applies EXIF orientation
    return image if image_format(data) == "jpeg" else smooth_halftone(image)


def smooth_halftone(image: np.ndarray) -> np.ndarray:
    """A uint8 BGR image, blurred by HALFTONE_SIGMA when it is a halftone: few grey levels, and many pixels
    off their neighbours' median (dots), which a photo (many levels) and a clean drawing (few dots) are not."""
    if min(image.shape[:2]) < HALFTONE_SIDE:
        return image
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if np.count_nonzero(cv2.calcHist([grey], [0], None, [256], [0, 256])) > HALFTONE_LEVELS:
        return image
    dots = np.count_nonzero(cv2.absdiff(grey, cv2.medianBlur(grey, 3)) >= HALFTONE_STEP)
    if dots < HALFTONE_DOTS * grey.size:
        return image
    return cv2.GaussianBlur(image, (0, 0), HALFTONE_SIGMA)


def _may_carry_orientation(data: bytes) -> bool:
    """Whether a PNG, WebP or TIFF may hold an EXIF orientation, which IMREAD_COLOR applies and
    IMREAD_UNCHANGED does not: a PNG's eXIf chunk, a WebP's EXIF chunk; a TIFF's tags always may."""
    kind = image_format(data)
    return kind == "tiff" or (kind == "png" and b"eXIf" in data) or (kind == "webp" and b"EXIF" in data)


def _imdecode(data: bytes, flags: int) -> np.ndarray:
    """cv2.imdecode, with its failures (None or cv2.error) turned into ImageError."""
    try:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    except cv2.error as error:
        raise ImageError(f"cannot decode ({str(error).strip().splitlines()[-1][:120]})") from None
    if image is None:
        raise ImageError("not an image, or a truncated one (cannot decode)")
    return image


def _to_bgr8(image: np.ndarray) -> np.ndarray:
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    elif image.dtype != np.uint8:
        image = cv2.normalize(image, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.shape[2] == 4:
        alpha = image[:, :, 3:4].astype(np.float32) / 255.0
        white = np.full_like(image[:, :, :3], 255, dtype=np.float32)
        return (image[:, :, :3] * alpha + white * (1 - alpha)).round().astype(np.uint8)
    return image[:, :, :3]


def image_format(data: bytes) -> str | None:
    """"jpeg", "png", "webp", "bmp" or "tiff" from the first bytes; None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"BM"):
        return "bmp"
    if data.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    return None


def declared_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG, JPEG, WebP or BMP header, without decoding: to refuse bombs early.

    None when the format is another or the header cannot be read.
    """
    kind = image_format(data)
    if kind == "png" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if kind == "jpeg":
        for marker, at in _jpeg_segments(data):
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # start of frame
                if at + 9 > len(data):
                    return None
                return int.from_bytes(data[at + 7:at + 9], "big"), int.from_bytes(data[at + 5:at + 7], "big")
        return None
    if kind == "webp" and len(data) >= 30:
        chunk = data[12:16]
        if chunk == b"VP8 ":  # lossy: 14-bit sizes after the key frame's start code
            return (int.from_bytes(data[26:28], "little") & 0x3FFF,
                    int.from_bytes(data[28:30], "little") & 0x3FFF)
        if chunk == b"VP8L":  # lossless: 14 bits each of width - 1 and height - 1
            bits = int.from_bytes(data[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        if chunk == b"VP8X":  # extended: 24 bits each of canvas width - 1 and height - 1
            return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
        return None
    if kind == "bmp" and len(data) >= 26:
        if int.from_bytes(data[14:18], "little") == 12:  # the old OS/2 header: 16-bit sizes
            return int.from_bytes(data[18:20], "little"), int.from_bytes(data[20:22], "little")
        width = int.from_bytes(data[18:22], "little", signed=True)
        height = int.from_bytes(data[22:26], "little", signed=True)  # negative: stored top-down
        return abs(width), abs(height)
    return None


def jpeg_truncated(data: bytes) -> bool:
    """A JPEG that ends before its end-of-image marker (libjpeg would decode it with a grey bottom).

    The marker is looked for after the first start-of-scan, past any EXIF thumbnail
    (whose own end marker sits inside a header segment); entropy-coded data cannot
    contain it, so a marker found there is the image's own end.
    """
    if image_format(data) != "jpeg":
        return False
    for marker, at in _jpeg_segments(data):
        if marker == 0xDA:  # start of scan
            return data.find(b"\xff\xd9", at) == -1
    return True  # no scan at all


def _jpeg_segments(data: bytes):
    """(marker, offset) of each JPEG header segment, up to the first start of scan."""
    i = 2
    while i + 3 < len(data):
        if data[i] != 0xFF:
            return
        marker = data[i + 1]
        if marker in (0xD8, 0x01, 0xFF) or 0xD0 <= marker <= 0xD7:  # no length; 0xFF is fill
            i += 1 if marker == 0xFF else 2
            continue
        yield marker, i
        if marker == 0xDA:
            return
        i += 2 + int.from_bytes(data[i + 2:i + 4], "big")
