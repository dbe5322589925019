"""Handwriting-like digits with no data set at all: polylines drawn with a jittered pen.

OpenCV 5's putText draws a filled font whatever the thickness, so the offline
demo draws its own strokes. Each glyph is a list of polylines in a unit box
(x right, y down); `draw` adds slant, wobble, size and pen width.
"""

import cv2
import numpy as np

GLYPHS = {
    "0": [[(0.5, 0), (0.15, 0.2), (0.1, 0.5), (0.15, 0.8), (0.5, 1), (0.85, 0.8), (0.9, 0.5), (0.85, 0.2), (0.5, 0)]],
    "1": [[(0.3, 0.2), (0.55, 0), (0.55, 1)]],
    "2": [[(0.1, 0.25), (0.3, 0.02), (0.7, 0.02), (0.88, 0.25), (0.8, 0.5), (0.1, 1), (0.9, 1)]],
    "3": [[(0.1, 0.1), (0.5, 0), (0.85, 0.2), (0.5, 0.48), (0.9, 0.72), (0.55, 1), (0.1, 0.9)]],
    "4": [[(0.7, 1), (0.7, 0), (0.05, 0.7), (0.95, 0.7)]],
    "5": [[(0.85, 0), (0.2, 0), (0.15, 0.45), (0.6, 0.4), (0.9, 0.7), (0.6, 1), (0.1, 0.9)]],
    "6": [[(0.8, 0.05), (0.4, 0.2), (0.12, 0.65), (0.3, 0.98), (0.7, 0.95), (0.85, 0.7), (0.55, 0.5), (0.15, 0.65)]],
    "7": [[(0.05, 0), (0.95, 0), (0.35, 1)]],
    "8": [[(0.5, 0.48), (0.15, 0.25), (0.5, 0), (0.85, 0.25), (0.5, 0.48), (0.1, 0.75), (0.5, 1), (0.9, 0.75),
           (0.5, 0.48)]],
    "9": [[(0.85, 0.35), (0.5, 0.6), (0.15, 0.35), (0.5, 0), (0.85, 0.35), (0.8, 1)]],
}


def draw(digit: int, rng: np.random.Generator, size: int = 28) -> np.ndarray:
    """One jittered handwritten-looking digit, white ink on black, uint8 size x size."""
    scale = 4  # draw at 4x and shrink, for smooth anti-aliased strokes
    canvas = np.zeros((size * scale, size * scale), np.uint8)
    height = size * scale * rng.uniform(0.55, 0.72)
    width = height * rng.uniform(0.5, 0.7)
    slant = rng.uniform(-0.25, 0.15)  # x shift per unit of height, right-leaning mostly
    left = (size * scale - width) / 2
    top = (size * scale - height) / 2
    pen = max(1, int(round(size * scale * rng.uniform(0.06, 0.11))))
    for line in GLYPHS[str(digit)]:
        points = np.array(line) + rng.normal(0.0, 0.03, size=(len(line), 2))  # wobble of a hand
        xs = left + (points[:, 0] + slant * (0.5 - points[:, 1])) * width
        ys = top + points[:, 1] * height
        cv2.polylines(canvas, [np.stack([xs, ys], axis=1).round().astype(np.int32)], False, 255, pen, cv2.LINE_AA)
    return cv2.resize(canvas, (size, size), interpolation=cv2.INTER_AREA)
