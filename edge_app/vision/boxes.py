"""What the pipeline reads (Digit, Number), the ink blobs it reads them from (Blob, Wall) and the box
arithmetic the stages share: overlap, union, touching the frame's border, scaling to the frame."""

from dataclasses import dataclass

import numpy as np

BORDER_MARGIN = 2  # pixels: a blob this close to the frame's edge touches it
BORDER_SHARE = 0.005  # ... or this share of the longer side, if more
Wall = tuple[float, float, float, float]  # a line between a table's cells: x, y at its top, x, y at its bottom


@dataclass(frozen=True)
class Digit:
    digit: int
    confidence: float
    box: tuple[int, int, int, int]  # x, y, w, h in the frame's pixels

    def as_dict(self) -> dict:
        return {"digit": self.digit, "confidence": round(self.confidence, 4), "box": list(self.box)}


@dataclass(frozen=True)
class Number:
    text: str
    confidence: float  # the least confident digit's
    box: tuple[int, int, int, int]
    digits: tuple[Digit, ...]

    def as_dict(self) -> dict:
        return {"text": self.text, "box": list(self.box), "confidence": round(self.confidence, 4),
                "digits": [d.as_dict() for d in self.digits]}


@dataclass(frozen=True)
class Blob:
    """One candidate digit: its box and the labels of the ink components it is made of."""

    box: tuple[int, int, int, int]
    labels: tuple[int, ...]


def _touches_border(box, frame_shape):
    """Within a hair of the frame's edge: paper edges and cut-off digits, after JPEG blur and shrinking.
    A box's x, y, w, h may be arrays (a component's statistics, transposed): then an array of answers."""
    x, y, w, h = box
    margin = max(BORDER_MARGIN, round(BORDER_SHARE * max(frame_shape[:2])))
    return (x < margin) | (y < margin) | (x + w > frame_shape[1] - margin) | (y + h > frame_shape[0] - margin)


def intersection(a, b) -> float:
    """The area two (x, y, w, h) boxes share."""
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(0, w) * max(0, h)


def _overlap(a, b) -> float:
    """The share of the smaller of boxes a and b that lies in both."""
    return intersection(a, b) / max(1, min(a[2] * a[3], b[2] * b[3]))


def _union(a, b):
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
    return (x0, y0, x1 - x0, y1 - y0)


def _root(parent: list[int], i: int) -> int:
    """The root of `i` in the union-find forest `parent` (each entry its parent, a root its own), halving
    the path walked as it goes."""
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _union_all(boxes):
    """The smallest box holding all of `boxes`."""
    boxes = iter(boxes)
    box = next(boxes)
    for other in boxes:
        box = _union(box, other)
    return box


def _blob_mask(labels: np.ndarray, blob: Blob, box) -> np.ndarray:
    x, y, w, h = box
    window = labels[y:y + h, x:x + w]
    mask = window == blob.labels[0]
    for label in blob.labels[1:]:  # a few labels: far quicker than np.isin on a small window
        mask |= window == label
    return mask


def scale_number(number: Number, factor: float) -> Number:
    """The same reading with every box scaled, as for a frame shown or read at another size."""
    digits = tuple(Digit(d.digit, d.confidence, _scale_box(d.box, factor, (0, 0))) for d in number.digits)
    return Number(number.text, number.confidence, _scale_box(number.box, factor, (0, 0)), digits)


def _clip_box(box, frame_shape, offset) -> tuple[int, int, int, int]:
    """Keep a box inside the frame it was read from (a re-read crop's box can reach into its margin)."""
    x, y, w, h = box
    x0, y0 = max(x, offset[0]), max(y, offset[1])
    x1 = min(x + w, offset[0] + frame_shape[1])
    y1 = min(y + h, offset[1] + frame_shape[0])
    return (x0, y0, max(1, x1 - x0), max(1, y1 - y0))


def _scale_box(box, factor: float, offset) -> tuple[int, int, int, int]:
    x, y, w, h = box
    return (int(round(x * factor)) + offset[0], int(round(y * factor)) + offset[1],
            max(1, int(round(w * factor))), max(1, int(round(h * factor))))
