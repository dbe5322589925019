"""Augmentation that makes MNIST look like what the camera pipeline hands the model.

Two kinds, both on uint8 28x28 digits (white ink on black) and both numpy/OpenCV:
  - MNIST-space changes: rotation, scale, shear, shift, elastic distortion,
    stroke thickness, blur and noise;
  - a camera path: the digit is photographed by edge_app.render (dark ink on
    paper, uneven light, blur, noise, thresholded) and passed back through the
    app's own preprocessing contract (edge_app.preprocess).

Every image gets its own draw from the generator it is given, so a batch is
reproducible from (seed, epoch, batch index) alone.
"""

from dataclasses import dataclass

import cv2
import numpy as np

from edge_app.preprocess import MNIST_SIZE, normalize_digit, normalize_ink
from edge_app.render import MAX_SIZE, MIN_SIZE, photograph_digit
from edge_app.scenes import DESCENDING, long_tail

MAX_STEM_WIDTH = 5.0  # pixels of ink per row at 28x28: a wider one is not a plain stem ...
BASE_ROW = 2.5  # ... nor is one with a row this many times as wide as its median row: it has a base or a flag


@dataclass(frozen=True)
class AugmentConfig:
    """Probabilities and ranges of each change; defaults suit the `edge` network."""

    p_affine: float = 0.85  # share of images rotated/scaled/sheared/shifted
    max_rotation: float = 12.0  # degrees, either way
    min_scale: float = 0.85
    max_scale: float = 1.12
    max_shear: float = 0.2  # horizontal shear factor, either way
    max_shift: float = 2.0  # pixels, either way, at 28x28
    p_elastic: float = 0.3
    elastic_alpha: float = 7.0  # pixels of displacement before smoothing
    elastic_sigma: float = 3.0  # pixels: smoothness of the displacement field
    p_thickness: float = 0.15  # share of images eroded or dilated by one pixel
    p_blur: float = 0.1
    p_noise: float = 0.1
    max_noise: float = 20.0  # grey levels, standard deviation
    p_camera: float = 0.2  # share of images sent through the camera path instead
    camera_min_size: int = MIN_SIZE  # pixels: smallest digit height the camera path draws
    camera_max_size: int = MAX_SIZE  # pixels: largest


def augment_batch(images: np.ndarray, rng: np.random.Generator,
                  config: AugmentConfig = AugmentConfig()) -> np.ndarray:
    """Augment each uint8 (N, 28, 28) image independently; returns a new array."""
    return np.stack([augment_one(image, rng, config) for image in images])


def augment_one(image: np.ndarray, rng: np.random.Generator,
                config: AugmentConfig = AugmentConfig()) -> np.ndarray:
    out = image
    if rng.random() < config.p_affine:
        out = random_affine(out, rng, config)
    if rng.random() < config.p_elastic:
        out = elastic(out, rng, config.elastic_alpha, config.elastic_sigma)
    if rng.random() < config.p_camera:
        return camera_crop(out, rng, config)
    if rng.random() < config.p_thickness:
        kernel = np.ones((2, 2), np.uint8)
        out = cv2.dilate(out, kernel) if rng.random() < 0.5 else cv2.erode(out, kernel)
    if rng.random() < config.p_blur:
        out = cv2.GaussianBlur(out, (3, 3), rng.uniform(0.4, 0.9))
    if rng.random() < config.p_noise:
        noisy = out.astype(np.float32) + rng.normal(0.0, rng.uniform(2.0, config.max_noise), out.shape)
        out = np.clip(noisy, 0, 255).astype(np.uint8)
    return out


def random_affine(image: np.ndarray, rng: np.random.Generator, config: AugmentConfig) -> np.ndarray:
    """Rotate, scale and shear about the image centre, then shift."""
    angle = np.deg2rad(rng.uniform(-config.max_rotation, config.max_rotation))
    scale = rng.uniform(config.min_scale, config.max_scale)
    shear = rng.uniform(-config.max_shear, config.max_shear)
    cos, sin = np.cos(angle) * scale, np.sin(angle) * scale
    linear = np.array([[cos, -sin], [sin, cos]]) @ np.array([[1.0, shear], [0.0, 1.0]])
    centre = np.array([MNIST_SIZE / 2.0, MNIST_SIZE / 2.0])
    shift = rng.uniform(-config.max_shift, config.max_shift, size=2)
    matrix = np.hstack([linear, (centre - linear @ centre + shift)[:, None]])
    return cv2.warpAffine(image, matrix, (MNIST_SIZE, MNIST_SIZE), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def elastic(image: np.ndarray, rng: np.random.Generator, alpha: float, sigma: float) -> np.ndarray:
    """Simard et al.'s elastic distortion: a smoothed random displacement field."""
    h, w = image.shape
    field = rng.uniform(-1.0, 1.0, size=(2, h, w)).astype(np.float32)
    dx = cv2.GaussianBlur(field[0], (0, 0), sigma) * alpha
    dy = cv2.GaussianBlur(field[1], (0, 0), sigma) * alpha
    ys, xs = np.indices((h, w), dtype=np.float32)
    return cv2.remap(image, xs + dx, ys + dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def camera_crop(image: np.ndarray, rng: np.random.Generator, config: AugmentConfig = AugmentConfig()) -> np.ndarray:
    """Draw the digit as a photographed crop, then normalise it as the app does.

    Falls back to the digit as given when the render's threshold failed.
    """
    photo = photograph_digit(image, rng, config.camera_min_size, config.camera_max_size)
    return image if photo is None else normalize_digit(*photo)


def cross_sevens(images: np.ndarray, labels: np.ndarray, rng: np.random.Generator, share: float) -> np.ndarray:
    """Draw the European bar across the stem of `share` of the sevens; returns a new array.

    MNIST's American writers rarely cross their sevens; unseen, a crossed 7 reads as a 4.
    """
    out = images.copy()
    for i in np.flatnonzero((labels == 7) & (rng.random(len(labels)) < share)):
        row = int(rng.integers(13, 18))
        columns = np.flatnonzero(out[i, row] > 128)
        if columns.size == 0:
            continue
        centre, half = columns.mean(), rng.uniform(3.5, 6.0)
        tilt = rng.uniform(-1.0, 1.0)
        start = (int(round((centre - half) * 16)), int(round((row - tilt) * 16)))
        end = (int(round((centre + half) * 16)), int(round((row + tilt) * 16)))
        cv2.line(out[i], start, end, 255, int(rng.integers(2, 4)), cv2.LINE_AA, shift=4)
    return out


def flag_ones(images: np.ndarray, labels: np.ndarray, rng: np.random.Generator, share: float) -> np.ndarray:
    """Draw the continental flag on `share` of the plain ones: a long stroke down and to the left
    from the top of the stem, a fifth to nearly half of the digit's height long, turned 30-70 degrees
    from the stem but kept 40-60 degrees below the horizontal (flatter, it is a 7's bar); then fit
    and centre the digit again as MNIST does. Returns a new array.

    MNIST's American writers give their ones a short flag or none; a long one, as most European
    writers draw it, reads as a 7. Ones with more than a stem (a base, a flag) are left as they are.
    """
    out = images.copy()
    for i in np.flatnonzero((labels == 1) & (rng.random(len(labels)) < share)):
        ink = out[i] > 128
        rows = np.flatnonzero(ink.any(axis=1))
        if rows.size < 2:
            continue
        top, bottom = int(rows[0]), int(rows[-1])
        per_row = np.count_nonzero(ink[top:bottom + 1], axis=1)
        width = float(np.median(per_row))  # a stem's ink per row
        if width > MAX_STEM_WIDTH or per_row.max() > BASE_ROW * width:
            continue
        start = (np.flatnonzero(ink[top]).mean(), float(top))
        stem = np.arctan2(bottom - top, np.flatnonzero(ink[bottom]).mean() - start[0])  # from +x toward +y (down)
        angle = np.clip(stem + np.deg2rad(rng.uniform(30.0, 70.0)), np.deg2rad(120.0), np.deg2rad(140.0))
        length = rng.uniform(0.2, 0.45) * (bottom - top + 1)
        end = (start[0] + length * np.cos(angle), start[1] + length * np.sin(angle))
        cv2.line(out[i], *((int(round(x * 16)), int(round(y * 16))) for x, y in (start, end)), 255,
                 int(np.clip(round(width), 1, 4)), cv2.LINE_AA, shift=4)
        out[i] = normalize_ink(out[i], normalize_stroke=False)
    return out


def long_tails(images: np.ndarray, labels: np.ndarray, rng: np.random.Generator, share: float) -> np.ndarray:
    """Give `share` of the 4s, 7s and 9s a long tail below the line (edge_app.scenes.DESCENDING): the rows
    below 55-75% of the ink's height stretched to add 20-70% of it, then fit and centre the digit again
    as MNIST does. Returns a new array.

    Many write these digits hanging below the others; fitted into MNIST's box by its height, such a
    digit's head shrinks and its stem grows, and a 9 or a 7 read as a 1, a 4 as a 9 (of 200 generated
    lines with every 4, 7 and 9 so drawn, 155 read right against 188 without).
    """
    out = images.copy()
    tailed = np.isin(labels, [int(c) for c in DESCENDING]) & (rng.random(len(labels)) < share)
    for i in np.flatnonzero(tailed):
        rows, columns = np.flatnonzero((out[i] > 0).any(axis=1)), np.flatnonzero((out[i] > 0).any(axis=0))
        if rows.size < 3:
            continue
        glyph = out[i, rows[0]:rows[-1] + 1, columns[0]:columns[-1] + 1].astype(np.float32) / 255.0
        out[i] = normalize_ink(long_tail(glyph, rng, (0.55, 0.75), (0.2, 0.7))[0], normalize_stroke=False)
    return out
