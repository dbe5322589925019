"""The preprocessing contract: a crop of a digit becomes an MNIST-style 28x28 image.

MNIST digits were made by fitting each digit's ink into a 20x20 box, keeping its
aspect ratio, and placing that box in a 28x28 field so that the ink's centre of
mass sits at the centre; ink is white (255) on black (0). A camera crop is made
to look the same here, and every part of the project uses this module for it:
the app on each segmented digit, training for its camera-like augmentation,
conversion for the int8 calibration set and the benchmark for its scenes.

    from edge_app.preprocess import normalize_digit, to_model_input
    digit = normalize_digit(grey_crop, mask=component_mask)   # uint8 28x28
    batch = to_model_input(np.stack([digit]))                  # float32 (1, 28, 28, 1)

Real pens draw strokes from a hair's breadth to a marker's width at any size,
so the stroke is also brought to MNIST's typical width before the final resize.
"""

import math
from bisect import bisect_left

import cv2
import numpy as np

MNIST_SIZE = 28  # pixels: side of the image the model takes
BOX_SIZE = 20  # pixels: side of the box MNIST fits a digit's ink into
WORK_SIZE = 80  # pixels: side of the box stroke width is normalised in (4x BOX_SIZE)
STROKE_WIDTH = 2.4  # pixels at 28x28: median MNIST stroke, 2*area/perimeter of ink > 127
STROKE_TOLERANCE = 0.35  # strokes within +-35% of STROKE_WIDTH are left as drawn
INK_THRESHOLD = 0.25  # ink strength (0..1) from which a pixel counts toward the bounding box
MIN_CONTRAST = 12  # grey levels between paper and ink below which a crop is blank
MIN_ERODE_KEEP = 0.3  # never thin a stroke so far that less than this share of ink is left
_NEIGHBOURS = np.ones((3, 3), np.uint8)  # a pixel and the 8 round it
_INDICES = np.arange(MNIST_SIZE, dtype=np.float64)  # pixel rows (columns) 0..27, weights for a centre of mass


def to_model_input(digits: np.ndarray) -> np.ndarray:
    """uint8 digits (N, 28, 28) from this module -> float32 (N, 28, 28, 1) in [0, 1]."""
    digits = np.asarray(digits)
    if digits.ndim == 2:
        digits = digits[None]
    return (digits.astype(np.float32) / 255.0)[..., None]


def ink_from_paper(grey: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Dark ink on light paper (uint8) -> ink strength in [0, 1], paper at 0.

    The paper and ink levels are read from the crop itself, so faint pencil and
    dark marker both reach full strength. With `mask` (True on this digit's
    pixels) everything not next to the mask counts as paper, which keeps pieces
    of neighbouring digits that fall inside the crop out of the result.
    """
    grey = _check_image(grey)
    if grey.dtype != np.uint8:
        raise ValueError(f"expected a uint8 grey crop, got {grey.dtype}")
    everything = _histogram(grey)
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != grey.shape:
            raise ValueError(f"mask shape {mask.shape} differs from crop shape {grey.shape}")
        mask8 = mask.view(np.uint8)  # 0 and 1, for OpenCV, without a copy
        area = cv2.countNonZero(mask8)
        if area == 0:
            return np.zeros(grey.shape, np.float32)
        digit = _histogram(grey, mask)
        outside = everything - digit
        paper = _percentile(outside, 50) if grey.size - area >= 10 else _percentile(everything, 90)
        dark = _percentile(digit, 10)
    else:
        paper = _percentile(everything, 90)
        dark = _percentile(everything, 1)
    contrast = paper - dark
    if contrast < MIN_CONTRAST:
        return np.zeros(grey.shape, np.float32)
    ink = np.subtract(np.float32(paper), grey, dtype=np.float32)
    np.divide(ink, np.float32(contrast), out=ink)
    np.minimum(ink, 1.0, out=ink)
    np.maximum(ink, 0.0, out=ink)
    if mask is not None:
        # One pixel of margin keeps the anti-aliased rim of the digit's own strokes. Multiplying by
        # the 0/1 margin is exact here, as ink is never negative, and cheaper than a masked store.
        np.multiply(ink, cv2.dilate(mask8, _NEIGHBOURS), out=ink)
    return ink


def _histogram(grey: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """How many pixels of a uint8 image (where the bool `mask` is True) have each grey level 0..255."""
    return np.bincount(grey.ravel() if mask is None else grey[mask], minlength=256)


def _percentile(counts: np.ndarray, q: float) -> float:
    """np.percentile (linear interpolation) of the values a 256-level histogram counts."""
    # Two lookups in a list of 256 running totals: quicker than numpy's per-call overhead on arrays this small.
    cumulative = np.cumsum(counts).tolist()
    total = cumulative[-1]
    rank = q / 100.0 * (total - 1)
    below = math.floor(rank)
    low = bisect_left(cumulative, below + 1)
    high = bisect_left(cumulative, min(below + 1, total - 1) + 1)
    return float(low + (high - low) * (rank - below))


def normalize_ink(ink: np.ndarray, *, normalize_stroke: bool = True) -> np.ndarray:
    """White ink on black (uint8 0..255 or float 0..1) -> MNIST-style uint8 28x28.

    Returns an all-black image when there is no ink. Raises ValueError for an
    empty array or one that is not 2-D.
    """
    ink = _check_image(ink)
    # Never changed in place below (every step makes a new image), so float32 ink needs no copy.
    ink = ink.astype(np.float32) / 255.0 if ink.dtype == np.uint8 else ink.astype(np.float32, copy=False)
    x, y, w, h = _ink_box(ink >= INK_THRESHOLD)
    if w == 0:
        return np.zeros((MNIST_SIZE, MNIST_SIZE), np.uint8)
    ink = ink[y:y + h, x:x + w]

    ink = _fit(ink, WORK_SIZE)
    if normalize_stroke:
        ink = _normalize_stroke(ink, STROKE_WIDTH * WORK_SIZE / BOX_SIZE)
    ink = _fit(ink, BOX_SIZE)
    peak = float(ink.max())
    if peak <= 0.0:
        return np.zeros((MNIST_SIZE, MNIST_SIZE), np.uint8)
    return _place_by_centre_of_mass(ink / peak)


def normalize_digit(grey: np.ndarray, mask: np.ndarray | None = None, *,
                    normalize_stroke: bool = True) -> np.ndarray:
    """A crop of dark ink on light paper (uint8 grey) -> MNIST-style uint8 28x28."""
    return normalize_ink(ink_from_paper(grey, mask), normalize_stroke=normalize_stroke)


def normalize_mask(mask: np.ndarray, *, normalize_stroke: bool = True) -> np.ndarray:
    """A binary mask of a digit's ink (True or non-zero = ink) -> MNIST-style uint8 28x28."""
    mask = _check_image(mask)
    return normalize_ink((mask != 0).astype(np.float32), normalize_stroke=normalize_stroke)


def stroke_width(mask: np.ndarray) -> float:
    """Mean stroke width of a binary mask in pixels: 2 * area / perimeter.

    A stroke of width w and length L has area w*L and a perimeter of about 2*L.
    """
    mask = np.asarray(mask).astype(np.uint8)
    return _stroke_width(mask, int(mask.sum()))


def _stroke_width(mask8: np.ndarray, area: int) -> float:
    """stroke_width() of a uint8 mask whose `area` is already known."""
    if area == 0:
        return 0.0
    contours, _ = cv2.findContours(mask8, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    perimeter = sum(cv2.arcLength(c, True) for c in contours)
    return 2.0 * area / max(perimeter, 1.0)


def _check_image(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(f"expected a 2-D single-channel image, got shape {image.shape}")
    if image.size == 0:
        raise ValueError("empty image")
    return image


def _ink_box(mask: np.ndarray) -> tuple[int, int, int, int]:
    """x, y, w, h of the True pixels of a bool image; w and h are 0 when there are none."""
    return cv2.boundingRect(np.ascontiguousarray(mask).view(np.uint8))


def _fit(ink: np.ndarray, side: int) -> np.ndarray:
    """Resize so the longer side is `side` pixels, keeping the aspect ratio."""
    h, w = ink.shape
    scale = side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))  # cv2 wants (width, height)
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return cv2.resize(ink, size, interpolation=interpolation)


def _normalize_stroke(ink: np.ndarray, target: float) -> np.ndarray:
    """Thicken hairlines and thin marker strokes toward `target` pixels wide.

    Works on the binarised ink with distance transforms, whose cost does not grow
    with the amount of thickening; the final INTER_AREA downscale by 4 brings back
    soft, MNIST-like edges.
    """
    peak = float(ink.max())
    if peak <= 0.0:
        return ink
    # Area-downscaling leaves hairlines faint, so binarise relative to the strongest ink.
    mask8 = (ink >= 0.4 * peak).view(np.uint8)
    area = cv2.countNonZero(mask8)
    width = _stroke_width(mask8, area)
    if abs(width - target) <= STROKE_TOLERANCE * target:
        return ink
    if width < target:
        # Pad first so that thickening near the box's edge is not cut off.
        pad = int(np.ceil(target))
        mask8 = cv2.copyMakeBorder(mask8, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
        distance_to_ink = cv2.distanceTransform(1 - mask8, cv2.DIST_L2, 3)
        grown = distance_to_ink <= (target - width) / 2.0
        x, y, w, h = _ink_box(grown)
        return grown[y:y + h, x:x + w].astype(np.float32)
    distance_to_paper = cv2.distanceTransform(mask8, cv2.DIST_L2, 3)
    thinned = distance_to_paper > (width - target) / 2.0
    if cv2.countNonZero(thinned.view(np.uint8)) < MIN_ERODE_KEEP * area:
        return ink
    return thinned.astype(np.float32)


def _place_by_centre_of_mass(box: np.ndarray) -> np.ndarray:
    """Put a <=20x20 ink image (0..1) into 28x28 with its centre of mass at the centre."""
    h, w = box.shape
    rows, cols = box.sum(axis=1, dtype=np.float64), box.sum(axis=0, dtype=np.float64)
    total = float(rows.sum())
    # The same dot as rows @ np.arange(h), which casts its indices to float64 first, without making them each call.
    cy = float(np.dot(rows, _INDICES[:h])) / total
    cx = float(np.dot(cols, _INDICES[:w])) / total
    centre = MNIST_SIZE / 2.0  # MNIST puts the centre of mass at pixel (14, 14)
    top = min(max(round(centre - cy), 0), MNIST_SIZE - h)
    left = min(max(round(centre - cx), 0), MNIST_SIZE - w)
    out = np.zeros((MNIST_SIZE, MNIST_SIZE), np.uint8)
    out[top:top + h, left:left + w] = cv2.convertScaleAbs(box, alpha=255.0)  # rounds half to even, saturates
    return out
