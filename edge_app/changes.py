"""Camera-like changes of a photo, to read real handwriting under conditions its own photos lack.

    python -m edge_app targets --realdev ../shared/data/realdev --changes

A few real photos (realdev) test the pipeline best, and they are few: each is read again
turned, darker, lighter, dim, blurred, noisy, dim and noisy, compressed, in perspective, shrunk
and under a hard-edged shadow, so a failure that only a tilted page or a dim room brings out shows up.
Every change is deterministic and keeps the photo's content whole: turning grows the canvas
with paper.
"""

from collections.abc import Callable

import cv2
import numpy as np

SMOOTH_SIDE = 200  # pixels: the added paper is smoothed at this size, where a wide blur is cheap
NOISE_SEED = 0


def turned(image: np.ndarray, degrees: float) -> np.ndarray:
    """The photo turned about its centre (positive: anticlockwise) on a canvas that holds all of it,
    the corners filled with paper: the photo's border carried outwards and smoothed."""
    h, w = image.shape[:2]
    cos, sin = abs(np.cos(np.deg2rad(degrees))), abs(np.sin(np.deg2rad(degrees)))
    pad = int(np.ceil(max(w * cos + h * sin - w, w * sin + h * cos - h) / 2)) + 2  # the turned photo fits
    grown = with_paper(image, pad)
    centre = (grown.shape[1] / 2, grown.shape[0] / 2)
    matrix = cv2.getRotationMatrix2D(centre, degrees, 1.0)
    return cv2.warpAffine(grown, matrix, (grown.shape[1], grown.shape[0]), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)


def with_paper(image: np.ndarray, pad: int) -> np.ndarray:
    """The photo, unchanged, with `pad` pixels of paper round it: its border pixels carried outwards and
    fading into a smoothed copy of them, so no streak of a digit at the border runs on to the edge."""
    carried = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    h, w = carried.shape[:2]
    scale = SMOOTH_SIDE / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    smooth = cv2.resize(cv2.GaussianBlur(cv2.resize(carried, size, interpolation=cv2.INTER_AREA), (0, 0),
                                         max(1.0, pad * scale / 4)), (w, h))
    outside = np.ones((h, w), np.uint8)
    outside[pad:h - pad, pad:w - pad] = 0
    # The photo as it is, its border carried out and fading into the smoothed paper within a third of the pad.
    inside = np.clip(1.0 - cv2.distanceTransform(outside, cv2.DIST_L2, 3) / max(1.0, pad / 3), 0.0, 1.0)
    if image.ndim == 3:
        inside = inside[..., None]
    return np.clip(carried * inside + smooth * (1 - inside), 0, 255).astype(np.uint8)


def gamma(image: np.ndarray, power: float) -> np.ndarray:
    """Levels raised to `power` (above 1 darker midtones, as in a dim room; below 1 lighter)."""
    table = np.clip(255.0 * (np.arange(256) / 255.0) ** power, 0, 255).astype(np.uint8)
    return cv2.LUT(image, table)


def dimmed(image: np.ndarray, factor: float) -> np.ndarray:
    """Less light: every level times `factor`."""
    return cv2.convertScaleAbs(image, alpha=factor)


def blurred(image: np.ndarray, sigma: float) -> np.ndarray:
    """Out of focus: a Gaussian of `sigma` pixels as seen at 640 pixels, whatever the photo's size."""
    return cv2.GaussianBlur(image, (0, 0), sigma * max(image.shape[:2]) / 640)


def compressed(image: np.ndarray, quality: int) -> np.ndarray:
    """Saved as a JPEG of `quality` (0-100) and decoded again: blocks and ringing."""
    _, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(data, cv2.IMREAD_UNCHANGED)


def noisy(image: np.ndarray, sigma: float) -> np.ndarray:
    """Sensor noise: Gaussian, `sigma` grey levels, the same every time."""
    noise = np.random.default_rng(NOISE_SEED).normal(0.0, sigma, image.shape)
    return np.clip(image + noise, 0, 255).astype(np.uint8)


def in_perspective(image: np.ndarray, share: float) -> np.ndarray:
    """Seen from below its bottom edge: the top edge narrowed by `share` of the width."""
    h, w = image.shape[:2]
    corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    seen = np.float32([[w * share / 2, 0], [w * (1 - share / 2), 0], [w, h], [0, h]])
    return cv2.warpPerspective(image, cv2.getPerspectiveTransform(corners, seen), (w, h),
                               borderMode=cv2.BORDER_REPLICATE)


def shrunk(image: np.ndarray, side: int) -> np.ndarray:
    """A small photo: the longer side `side` pixels (never enlarged)."""
    scale = min(1.0, side / max(image.shape[:2]))
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def shadowed(image: np.ndarray, light: float, softness: float) -> np.ndarray:
    """A shadow over the part left of a slanting edge (from 55% of the width at the top to 35% at the
    bottom), `light` of the light there, its edge blurred by `softness` of the longer side: a lamp's
    penumbra, across the middle of the photo and whatever is written there."""
    h, w = image.shape[:2]
    shade = np.ones((h, w), np.float32)
    edge = np.array([[0, 0], [round(0.55 * w), 0], [round(0.35 * w), h], [0, h]], np.int32)
    cv2.fillPoly(shade, [edge], light)
    shade = cv2.GaussianBlur(shade, (0, 0), max(1.0, softness * max(h, w)))
    if image.ndim == 3:
        shade = shade[..., None]
    return np.clip(image * shade, 0, 255).astype(np.uint8)


CHANGES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "turned -10 degrees": lambda image: turned(image, -10),
    "turned +10 degrees": lambda image: turned(image, 10),
    "turned +20 degrees": lambda image: turned(image, 20),
    "darker (gamma 2)": lambda image: gamma(image, 2.0),
    "lighter (gamma 0.5)": lambda image: gamma(image, 0.5),
    "dim (40% light)": lambda image: dimmed(image, 0.4),
    "blurred (2 px at 640)": lambda image: blurred(image, 2.0),
    "JPEG quality 20": lambda image: compressed(image, 20),
    "noisy (12 grey levels)": lambda image: noisy(image, 12.0),
    "a dim room (40% light, 12 grey levels of noise)": lambda image: noisy(dimmed(image, 0.4), 12.0),
    "in perspective (15%)": lambda image: in_perspective(image, 0.15),
    "shrunk to 320 px": lambda image: shrunk(image, 320),
    "hard shadow (half light)": lambda image: shadowed(image, 0.5, 1 / 150),
}
