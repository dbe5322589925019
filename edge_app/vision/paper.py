"""Grey, and the paper's brightness under the ink (paper_estimate), divided out so that shadows and
gradients vanish (divide_paper): the first stages of edge_app.pipeline.find_blobs."""

from functools import lru_cache

import cv2
import numpy as np

from edge_app.vision.config import PipelineConfig

GRAIN_PAPER_STEP = 8  # _grain() takes the paper's level from every 8th pixel of every 8th row of its estimate


def to_grey(frame: np.ndarray) -> np.ndarray:
    """BGR (or BGRA) or grey -> grey. Luminance keeps red and blue ink well below paper; the
    darkest channel, tried too, loses pencil on yellow paper and reads no better."""
    if frame.ndim == 2:
        return frame
    return cv2.cvtColor(frame[:, :, :3], cv2.COLOR_BGR2GRAY)


def shrink(grey: np.ndarray, side: int) -> tuple[np.ndarray, float]:
    """Shrink so the longer side is at most `side`; returns the image and the scale used."""
    scale = min(1.0, side / max(grey.shape))
    if scale == 1.0:
        return grey, 1.0
    size = (max(1, round(grey.shape[1] * scale)), max(1, round(grey.shape[0] * scale)))
    return cv2.resize(grey, size, interpolation=cv2.INTER_AREA), scale


def even_illumination(grey: np.ndarray, config: PipelineConfig = PipelineConfig()) -> np.ndarray:
    """Divide out the paper's brightness, so shadows and gradients vanish: paper -> 255."""
    return divide_paper(grey, paper_estimate(grey, config)[0])


def paper_estimate(grey: np.ndarray, config: PipelineConfig = PipelineConfig()):
    """The paper's brightness under the ink: (smooth, sharp, wide), the first two images of grey's size,
    wide a function that makes the third when it is needed (None when `wide_kernel` is).

    A closing (max then min filter) removes dark strokes narrower than its kernel and
    keeps the step of a shadow's edge where it is; it is blurred to hide its blocks, and
    the blur leaves a dark halo inside a hard shadow's edge once divided out. The sharp
    estimate, the closing unblurred, has no halo: find_ink() lets only pixels that are
    ink against both seed a stroke. The wide estimate, a closing with a kernel
    `wide_kernel` times wider and unblurred, has no halo either and keeps thick marker
    strokes dark: _free_from_halo() parts a digit from a halo with it, which few frames
    need. It is eroded by a pixel before it is enlarged, since enlarging softens its
    steps: paper just on a step's dark side stays paper.
    """
    longer = min(max(grey.shape), config.background_side)  # shrink's longer side
    side = max(3, int(round(longer * config.background_kernel)) | 1)
    if config.max_closing is not None and side > config.max_closing:  # a wide kernel: as coarse an estimate
        longer = int(longer * config.max_closing / side)
    small, scale = shrink(grey, longer)
    side = max(3, int(round(max(small.shape) * config.background_kernel)) | 1)
    sharp = close_ellipse(small, side)
    smooth = cv2.GaussianBlur(sharp, (0, 0), side / 6)
    under = None
    if config.fill_strokes:
        filled = _under_strokes(small, smooth, side, config)
        under = np.where(filled > smooth, filled, 0).astype(np.uint8)  # the paper under a marker stroke
        sharp = np.maximum(sharp, under)
        smooth = filled
    size = (grey.shape[1], grey.shape[0])

    def wide() -> np.ndarray:
        wide_side = max(3, int(round(side * config.wide_kernel)) | 1)
        paper = close_ellipse(small, wide_side)
        if under is not None:
            paper = np.maximum(paper, under)
        if scale == 1.0:
            return paper
        return cv2.resize(cv2.erode(paper, np.ones((3, 3), np.uint8)), size, interpolation=cv2.INTER_LINEAR)

    if scale != 1.0:
        smooth = cv2.resize(smooth, size, interpolation=cv2.INTER_LINEAR)
        sharp = cv2.resize(sharp, size, interpolation=cv2.INTER_LINEAR)
    return smooth, sharp, None if config.wide_kernel is None else wide


def close_ellipse(image: np.ndarray, side: int) -> np.ndarray:
    """A closing by OpenCV's `side` x `side` elliptical kernel, pixel for pixel as cv2.morphologyEx makes it,
    in a half to two thirds of its time at the paper estimate's sizes (0.26 against 0.34 ms for side 21 at
    256x192, 0.45 against 0.74 ms for side 31). The ellipse is the union of a few centred rectangles, one
    per width of its rows; a dilation by a union is the largest of the dilations by its parts, an erosion
    the smallest, and OpenCV dilates by a rectangle a row and a column at a time."""
    rects = _ellipse_rects(side)
    dilated = cv2.dilate(image, rects[0])
    for rect in rects[1:]:
        np.maximum(dilated, cv2.dilate(image, rect), out=dilated)
    closed = cv2.erode(dilated, rects[0])
    for rect in rects[1:]:
        np.minimum(closed, cv2.erode(dilated, rect), out=closed)
    return closed


@lru_cache(maxsize=16)
def _ellipse_rects(side: int) -> tuple[np.ndarray, ...]:
    """The rectangular kernels whose union is cv2's `side` x `side` ellipse: for each width a row of it
    has, that wide and as tall as the rows at least that wide. Its rows are centred, widest in the middle."""
    ellipse = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))
    widths = ellipse.sum(axis=1)
    return tuple(np.ones((int(np.count_nonzero(widths >= width)), int(width)), np.uint8)
                 for width in sorted(set(widths.tolist()) - {0}))


def denoise(grey: np.ndarray) -> np.ndarray:
    """A grainy frame (a dim room, a phone's high ISO) with its grain taken out: a 3x3 median, which keeps
    strokes' edges where a blur would spread them. Only grainy frames get it (`denoise_grain`): a
    median also thins 1-pixel lines."""
    return cv2.medianBlur(grey, 3)


def _grain(grey: np.ndarray, quiet: np.ndarray, paper: np.ndarray) -> float:
    """How grainy a frame is, as grey levels of paper brought to 255, as the ink's thresholds see it: the
    median difference between the frame and `quiet`, its 3x3 median, scaled as a deviation, times 255 over
    the median of `paper`, the paper's estimate. Smooth paper and blurred strokes match their median,
    however much ink there is; pixel-to-pixel noise does not: 0.85-0.93 of its deviation at working size.
    Counted in grey levels, before the paper's level scaled it, generated photos and realdev's measured at
    most 3, and realdev's photos with sensor noise of 12, 25 and 35 grey levels added, which shrinking to
    working size averages, 7, 14 and 19; but noise of 12 on paper dimmed to 66 (a dim room) measured 7.4,
    under `denoise_grain`, while it is 46 grey levels in the paper brought to 255, and set the ink's
    levels out of reach."""
    residual = cv2.absdiff(grey, quiet)
    counts = cv2.calcHist([residual], [0], None, [256], [0, 256]).reshape(-1)
    level = float(np.median(paper[::GRAIN_PAPER_STEP, ::GRAIN_PAPER_STEP]))
    return 1.4826 * _median_of_counts(counts, residual.size) * 255.0 / max(1.0, level)


def divide_paper(grey: np.ndarray, paper: np.ndarray) -> np.ndarray:
    """grey divided by a paper estimate of its size: paper -> 255."""
    flat = cv2.divide(grey, _at_least_one(paper), scale=255.0, dtype=cv2.CV_32F)
    # min(flat, 255) in place: numpy's minimum against a scalar is several times slower on a frame.
    cv2.threshold(flat, 255.0, 255.0, cv2.THRESH_TRUNC, dst=flat)
    return flat.astype(np.uint8)  # truncated, as the thresholds were tuned


def _at_least_one(image: np.ndarray) -> np.ndarray:
    """max(image, 1) of a uint8 image, so it can divide. Against an array of ones numpy takes its
    vectorised loop, against the scalar 1 a loop several times slower."""
    return np.maximum(image, np.ones_like(image))


def _under_strokes(small: np.ndarray, paper: np.ndarray, side: int, config: PipelineConfig) -> np.ndarray:
    """The paper under marker strokes wider than the closing kernel, which the closing takes for paper.

    Such a stroke shows only its outline after dividing; the outline encloses it, so
    inside every closed outline (a hole of the ink) as dark as the outline the paper is
    taken from the paper around the ink instead, where that is brighter. A real hole, a
    0's, is paper-bright either way, and left as it is.
    """
    ink = (np.multiply(small, np.float32(255.0), dtype=np.float32) / _at_least_one(paper)
           <= 255 - config.low_contrast).astype(np.uint8)
    # Paper all round, so one fill from a corner reaches all the open paper.
    outside = cv2.copyMakeBorder(ink, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    cv2.floodFill(outside, None, (0, 0), 2)
    enclosed = outside[1:-1, 1:-1] == 0
    free = 1 - cv2.dilate(enclosed.view(np.uint8) | ink, np.ones((3, 3), np.uint8))  # 1 on paper clear of both
    if config.stroke_inside is not None:
        enclosed = _stroke_insides(small, ink, enclosed, config.stroke_inside)
    if not enclosed.any():
        return paper
    # The mean of the paper pixels nearby (a box filter is fast at any size), needed only where enclosed.
    weight = cv2.blur(free.astype(np.float32), (2 * side + 1, 2 * side + 1))[enclosed]
    total = cv2.blur(np.multiply(small, free, dtype=np.float32), (2 * side + 1, 2 * side + 1))[enclosed]
    under = paper[enclosed]
    around = np.where(weight > 0.05, total / np.maximum(weight, 1e-3), under)
    filled = paper.copy()
    filled[enclosed] = np.maximum(under, around).astype(paper.dtype)
    return filled


def _stroke_insides(small: np.ndarray, ink: np.ndarray, enclosed: np.ndarray, tolerance: float) -> np.ndarray:
    """The enclosed regions that are the insides of strokes: on average at most `tolerance` grey levels
    lighter than the ink round them.

    A marker stroke's inside is ink, as dark as its outline or darker. A squared page's
    cell, or a 0's hole, is paper, lighter than the lines round it; where a shadow's edge
    crosses a grid, filling the shadowed cells from the lit paper nearby made them ink.
    """
    count, labels = cv2.connectedComponents(enclosed.view(np.uint8), connectivity=4)
    if count <= 1:
        return enclosed
    grown = cv2.dilate(labels.astype(np.float32), np.ones((3, 3), np.uint8)).astype(np.int32)
    ring = (ink > 0) & (grown > 0)
    inside_mean = _means(labels[enclosed], small[enclosed], count)
    ring_mean = _means(grown[ring], small[ring], count)
    stroke = inside_mean <= ring_mean + tolerance
    stroke[0] = False
    return stroke[labels]


def _means(labels: np.ndarray, values: np.ndarray, count: int) -> np.ndarray:
    """The mean of values by label (0..count-1), +inf where a label has none."""
    sums = np.bincount(labels, values.astype(np.float64), count)
    sizes = np.bincount(labels, minlength=count)
    return np.where(sizes > 0, sums / np.maximum(sizes, 1), np.inf)


def _median_of_counts(counts: np.ndarray, size: int) -> int:
    """The median level of a 256-level histogram of `size` pixels (the lower middle one when `size` is even)."""
    return int(np.searchsorted(np.cumsum(counts), (size + 1) // 2))


def _deviation_counts(counts: np.ndarray, centre: int) -> np.ndarray:
    """The histogram of |v - centre| from the histogram of v: deviation d counts levels centre + d and centre - d."""
    deviations = np.zeros_like(counts)
    deviations[:256 - centre] = counts[centre:]  # levels centre..255: deviations 0..255 - centre
    deviations[1:centre + 1] += counts[:centre][::-1]  # levels centre - 1..0: deviations 1..centre
    return deviations
