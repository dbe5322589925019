"""Digits drawn as a phone camera sees them: dark ink on paper, uneven light, blur and noise.

One renderer serves three users, so what training learns from is what the demo
shows and what the tests measure: the augmentation's camera path
(train.augment.camera_crop), the built-in demo and the camera-like test scenes.

    grey, mask = photograph_digit(mnist_digit, rng)   # uint8 crop and its ink mask, or None
"""

import cv2
import numpy as np

MIN_SIZE = 24  # pixels: smallest digit height drawn
MAX_SIZE = 120  # pixels: largest


def photograph_digit(ink28: np.ndarray, rng: np.random.Generator, min_size: int = MIN_SIZE,
                     max_size: int = MAX_SIZE) -> tuple[np.ndarray, np.ndarray] | None:
    """A white-on-black digit (uint8, any size) -> (grey crop, ink mask) as photographed.

    The crop has a paper margin around the digit; the mask is an Otsu threshold of
    it, as a simple segmenter would give. Returns None when that threshold failed
    (ink found in the paper margin): such a blob would not reach the model.
    """
    size = int(rng.integers(min_size, max_size + 1))
    ink = cv2.resize(ink28, (size, size), interpolation=cv2.INTER_LINEAR).astype(np.float32) / 255.0
    # Pen width varies with the pen, not with the digit's size on the page.
    pen = int(rng.integers(-1, 3)) * max(1, size // 40)
    if pen:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (abs(pen) + 1, abs(pen) + 1))
        ink = cv2.dilate(ink, kernel) if pen > 0 else cv2.erode(ink, kernel)
    margin = size // 4
    ink = cv2.copyMakeBorder(ink, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=0.0)

    paper = rng.uniform(110.0, 250.0)
    ink_level = rng.uniform(0.0, paper - 50.0)  # from black marker to faint pencil
    contrast = paper - ink_level
    grey = paper - ink * contrast
    h, w = grey.shape
    direction = rng.uniform(-1.0, 1.0, size=2)
    ys, xs = np.indices((h, w), dtype=np.float32)
    ramp = (direction[0] * (ys / h - 0.5) + direction[1] * (xs / w - 0.5))
    # Uneven light, weaker than the ink's contrast: the app evens out stronger
    # gradients across the whole frame before it thresholds.
    grey = grey + rng.uniform(0.0, 0.25) * contrast * ramp
    sigma = rng.uniform(0.0, 1.2) * size / 56.0
    if sigma > 0.3:
        grey = cv2.GaussianBlur(grey, (0, 0), sigma)
    grey = grey + rng.normal(0.0, rng.uniform(0.0, 8.0), grey.shape)
    grey = np.clip(grey, 0, 255).astype(np.uint8)

    _, mask = cv2.threshold(grey, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    mask = mask.astype(bool)
    if mask[0].any() or mask[-1].any() or mask[:, 0].any() or mask[:, -1].any():
        return None
    return grey, mask
