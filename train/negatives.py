"""Examples of what is not one digit: the model's eleventh class.

The pipeline hands the model every blob it finds and, for a wide blob, the pieces
of cutting it in two or three. A model that has only seen single digits reads two
touching digits, or half a digit, as some digit with high confidence, so the
pipeline cannot tell a right cut from a wrong one. These examples teach it to
say "not one digit" instead. They are made from training digits only:
  - pair, triple: digits written touching or overlapping, as one blob;
  - wrong cut: a digit with a large part of its neighbour, as a cut in the wrong place leaves it;
  - half: a wide digit cut near its middle, one side of a cut that should not have been made.
Each goes through the app's own contract (edge_app.preprocess), some through the camera path.

    image = not_one_digit(x_train, rng)   # uint8 28x28, labelled NOT_DIGIT
"""

import cv2
import numpy as np

from edge_app.preprocess import normalize_digit, normalize_ink
from edge_app.render import photograph_digit

NOT_DIGIT = 10  # the class index of "not one digit"
KINDS = ("pair", "triple", "wrong_cut", "half")
KIND_SHARES = (0.5, 0.15, 0.25, 0.1)
HEIGHT = 56  # pixels: digits are composed at this height, then normalised like any crop
INK_LEVEL = 40  # MNIST grey level from which a pixel counts as ink for cropping
MIN_HALF_ASPECT = 0.7  # only digits at least this wide (width / height) are cut in half ...
MIN_PIECE_ASPECT = 0.4  # ... and only pieces this wide kept: a thin strip of a digit is a fair "1"
P_CAMERA = 0.3  # share sent through the camera path


def not_one_digit(pool: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One uint8 28x28 image of something the pipeline may meet that is not one digit.

    `pool` is uint8 (N, 28, 28) training digits, white on black.
    """
    kind = KINDS[rng.choice(len(KINDS), p=KIND_SHARES)]
    if kind == "half":
        digit = _tight(pool[rng.integers(len(pool))])
        if digit.shape[1] >= MIN_HALF_ASPECT * digit.shape[0]:
            canvas, _ = compose([digit], rng)
            cut = int(round(rng.uniform(0.4, 0.6) * canvas.shape[1]))
            piece = _side(canvas, cut, rng)
            if piece.shape[1] >= MIN_PIECE_ASPECT * piece.shape[0]:
                return _normalise(piece, rng)
        kind = "pair"
    count = 3 if kind == "triple" else 2
    digits = [_tight(pool[i]) for i in rng.integers(len(pool), size=count)]
    canvas, spans = compose(digits, rng)
    if kind == "wrong_cut":
        # Keep one digit whole and 50-80% of the other.
        if rng.random() < 0.5:
            x0, x1 = spans[1]
            canvas = canvas[:, :x0 + max(1, int(rng.uniform(0.5, 0.8) * (x1 - x0)))]
        else:
            x0, x1 = spans[0]
            canvas = canvas[:, x0 + int(rng.uniform(0.2, 0.5) * (x1 - x0)):]
    return _normalise(canvas, rng)


def compose(digits: list[np.ndarray], rng: np.random.Generator) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Write tight-cropped digits left to right, touching or overlapping: (float ink 0..1, x span of each)."""
    scaled = []
    for digit in digits:
        height = int(HEIGHT * rng.uniform(0.8, 1.05))
        width = max(2, int(round(digit.shape[1] * height / digit.shape[0])))
        scaled.append(cv2.resize(digit, (width, height), interpolation=cv2.INTER_LINEAR).astype(np.float32) / 255)
    # Negative gaps overlap the boxes; slanted handwriting touches even then, upright digits may not.
    gaps = [int(rng.uniform(-0.3, 0.02) * HEIGHT) for _ in scaled[1:]]
    tops = [int(rng.uniform(0.0, 0.15) * HEIGHT) for _ in scaled]
    width = sum(d.shape[1] for d in scaled) + sum(gaps)
    height = max(top + d.shape[0] for top, d in zip(tops, scaled, strict=True))
    canvas = np.zeros((height, max(width, max(d.shape[1] for d in scaled))), np.float32)
    spans, x = [], 0
    for i, (digit, top) in enumerate(zip(scaled, tops, strict=True)):
        x = max(0, x)
        h, w = digit.shape
        w = min(w, canvas.shape[1] - x)
        region = canvas[top:top + h, x:x + w]
        np.maximum(region, digit[:, :w], out=region)
        spans.append((x, x + w))
        x += w + (gaps[i] if i < len(gaps) else 0)
    return canvas, spans


def _side(canvas: np.ndarray, cut: int, rng: np.random.Generator) -> np.ndarray:
    return canvas[:, :max(1, cut)] if rng.random() < 0.5 else canvas[:, min(cut, canvas.shape[1] - 1):]


def _tight(image: np.ndarray) -> np.ndarray:
    rows, cols = np.nonzero(image > INK_LEVEL)
    if rows.size == 0:
        return image
    return image[rows.min():rows.max() + 1, cols.min():cols.max() + 1]


def _normalise(canvas: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Through the contract as the app would see it; the camera path draws it on paper first."""
    if rng.random() < P_CAMERA:
        side = max(canvas.shape)
        square = np.zeros((side, side), np.float32)
        top, left = (side - canvas.shape[0]) // 2, (side - canvas.shape[1]) // 2
        square[top:top + canvas.shape[0], left:left + canvas.shape[1]] = canvas
        photo = photograph_digit((square * 255).astype(np.uint8), rng)
        if photo is not None:
            return normalize_digit(*photo)
    return normalize_ink(canvas)
