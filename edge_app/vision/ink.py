"""The ink: pixels far enough below the paper, grown from strong seeds (hysteresis), and their
components (find_ink), with a digit freed from the halo a hard shadow's edge leaves."""

import math
from collections.abc import Callable

import cv2
import numpy as np

from edge_app.vision.boxes import Blob, _touches_border
from edge_app.vision.config import PipelineConfig
from edge_app.vision.paper import _deviation_counts, _median_of_counts


def threshold(flat: np.ndarray, config: PipelineConfig = PipelineConfig()) -> np.ndarray:
    """Ink mask by hysteresis: weak ink pixels count only where connected to strong ones."""
    _, labels, _, keep = _hysteresis(flat, config)
    return keep[labels]


def find_ink(flat: np.ndarray, config: PipelineConfig = PipelineConfig(),
             papers: tuple[np.ndarray, np.ndarray | None, Callable[[], np.ndarray] | None] | None = None,
             levels: tuple[float, float] | None = None):
    """threshold() and find_pieces() in one labelling: (labels image, a Blob per piece not a speck, area per label).

    The pieces are the weak-ink components that reach strong ink, so the labels image
    also holds components that were not kept; a Blob only ever names kept labels.
    With `papers`, (grey, sharp paper, wide paper's maker) from paper_estimate(), either
    of the last two None: a strong pixel must be that much darker than the sharp paper as
    well, and the wide paper frees digits from a shadow's halo (_free_from_halo). `levels`,
    _ink_levels() of this very image if it was already measured.
    """
    count, labels, stats, keep = _hysteresis(flat, config, papers, levels)
    areas = stats[:, cv2.CC_STAT_AREA]
    pieces = [Blob(tuple(int(v) for v in stats[i, :4]), (i,)) for i in range(1, count)
              if keep[i] and areas[i] >= config.min_piece_area]
    return labels, pieces, areas


def _hysteresis(flat: np.ndarray, config: PipelineConfig,
                papers: tuple[np.ndarray, np.ndarray | None, Callable[[], np.ndarray] | None] | None = None,
                levels: tuple[float, float] | None = None):
    """Components of the weak-ink mask and which of them reach strong ink: (count, labels, stats, keep)."""
    ink = 255 - flat
    low, high = levels or _ink_levels(ink, config)
    weak = _at_least(ink, low).astype(np.uint8)
    # BBDT labels and measures exactly as the default (Spaghetti) does here, but gives the statistics
    # about twice as fast; the centroids, which differ in their last bits, are not used.
    count, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(weak, 8, cv2.CV_32S, cv2.CCL_BBDT)
    keep = np.zeros(count, bool)
    strong = np.flatnonzero(_at_least(ink, high))  # flat indices: far faster than np.nonzero's rows and columns
    grey, sharp, wide = papers or (None, None, None)
    if sharp is not None:  # strong only against the paper with sharp steps too: no shadow's halo seeds
        strong = strong[_darker(grey.ravel()[strong], sharp.ravel()[strong], high).ravel()]
    keep[labels.ravel()[strong]] = True
    keep[0] = False
    if wide is not None:
        count, labels, stats, keep = _free_from_halo(grey, wide, low, strong, labels, stats, keep, config)
    return count, labels, stats, keep


def _ink_levels(ink: np.ndarray, config: PipelineConfig) -> tuple[float, float]:
    """The weak and strong ink levels (grey levels below paper) for an ink image (255 - flat): at least
    `low_contrast` and `high_contrast`, and `noise_factor` and twice that many noise deviations."""
    # Noise as the median absolute deviation of the (mostly paper) image, from histograms: fast on uint8.
    # The deviations' histogram is folded from the image's, so the image is counted only once.
    counts = cv2.calcHist([ink], [0], None, [256], [0, 256]).reshape(-1)
    middle = _median_of_counts(counts, ink.size)
    noise = 1.4826 * _median_of_counts(_deviation_counts(counts, middle), ink.size)
    return (max(config.low_contrast, config.noise_factor * noise),
            max(config.high_contrast, config.noise_factor * 2 * noise))


def _free_from_halo(grey: np.ndarray, wide: Callable[[], np.ndarray], low: float, strong: np.ndarray,
                    labels: np.ndarray, stats: np.ndarray, keep: np.ndarray, config: PipelineConfig):
    """Give a label of its own to a digit that a shadow's halo joins to the frame's border: (count, labels,
    stats, keep), labels changed in place.

    Divided by the blurred paper, the dark side of a hard shadow's edge keeps a halo of
    faint ink along the edge, which runs to the frame's border; a digit crossing the edge
    or touching the halo is one component with it, dropped with it as cut. Within such a
    component, the pixels that are ink against the wide paper as well (no halo) fall into
    pieces. A piece with strong ink is a digit when it crosses the step (the paper under
    it is darker on one side, by `cross_step`) or is dark ink (`deep_ink`), does not run
    along a step (`along_step`), and keeps away from the frame's border (`free_margin`);
    unless the component holds more than `max_freed` such pieces. The rest stay cut, as
    they were: a sheet lying on a table has a thin dark line along its edge, and grain,
    strips and combs of table beyond it, joined to the border by the same kind of halo.
    """
    h, w = labels.shape
    cut = keep & _touches_border(stats[:, :4].T, labels.shape)  # as find_blobs() will judge them
    if not cut.any():
        return len(stats), labels, stats, keep
    wide = wide()
    halo = (labels > 0) & ~_darker(grey, wide, low)
    joined = np.zeros(len(stats), bool)
    joined[labels[halo]] = True
    if not (cut & joined).any():
        return len(stats), labels, stats, keep
    seeds = np.zeros(labels.size, bool)
    seeds[strong] = True
    seeds = seeds.reshape(labels.shape)
    margin = config.free_margin * min(h, w)
    freed = []
    for label in np.flatnonzero(cut & joined):
        left, top, span_w, span_h = (int(v) for v in stats[label, :4])
        window = np.s_[top:top + span_h, left:left + span_w]
        inside = (labels[window] == label) & ~halo[window]
        count, parts, part_stats, _ = cv2.connectedComponentsWithStats(inside.view(np.uint8), connectivity=8)
        digits = []
        for part in range(1, count):
            px, py, pw, ph, area = (int(v) for v in part_stats[part])
            px, py = left + px, top + py
            if (area < config.min_piece_area or min(px, py) <= margin
                    or px + pw >= w - margin or py + ph >= h - margin):
                continue
            box = np.s_[py:py + ph, px:px + pw]
            mask = parts[py - top:py - top + ph, px - left:px - left + pw] == part
            under = wide[box][mask]
            if (not seeds[box][mask].any()
                    or _on_step(wide, (px, py, pw, ph), mask) > config.along_step
                    or (np.percentile(under, 10) > config.cross_step * np.percentile(under, 90)
                        and np.percentile(under - grey[box][mask].astype(np.int16), 90) < config.deep_ink)):
                continue
            digits.append((box, mask, (px, py, pw, ph, area)))
        if len(digits) > config.max_freed:
            continue  # a comb of them: the texture of a table along the sheet's edge
        for box, mask, piece in digits:
            labels[box][mask] = len(stats) + len(freed)
            stats[label, cv2.CC_STAT_AREA] -= piece[-1]
            freed.append(piece)
    if not freed:
        return len(stats), labels, stats, keep
    stats = np.vstack([stats, np.array(freed, stats.dtype)])
    keep = np.concatenate([keep, np.ones(len(freed), bool)])
    return len(stats), labels, stats, keep


def _on_step(paper: np.ndarray, box, mask: np.ndarray, reach: int = 3, steep: float = 0.04) -> float:
    """The share of a piece's pixels (mask, over box) within `reach` pixels of a step in the paper,
    where its brightness changes by more than `steep` of itself from one pixel to the next."""
    x, y, w, h = box
    top, left = max(0, y - reach), max(0, x - reach)
    around = paper[top:y + h + reach, left:x + w + reach].astype(np.float32)
    slope = np.hypot(cv2.Sobel(around, cv2.CV_32F, 1, 0), cv2.Sobel(around, cv2.CV_32F, 0, 1)) / 8
    steps = (slope > steep * np.maximum(around, 1)).view(np.uint8)
    near = cv2.dilate(steps, np.ones((2 * reach + 1, 2 * reach + 1), np.uint8))
    return float(near[y - top:y - top + h, x - left:x - left + w][mask].mean())


def _darker(grey: np.ndarray, paper: np.ndarray, contrast: float) -> np.ndarray:
    """Where grey, divided by paper as divide_paper() does, is at least `contrast` below 255:
    grey * 255 <= paper * int(255 - contrast), compared through a table of each paper level's limit."""
    if paper.size == 0:
        return np.zeros(paper.shape, bool)  # OpenCV 4's LUT gives None for an empty array ...
    limits = (np.arange(256, dtype=np.int32) * int(255 - contrast) // 255).astype(np.uint8)
    return grey <= cv2.LUT(paper, limits).reshape(paper.shape)  # ... and a 1-D array back as a column


def _weak_ink(flat: np.ndarray, low: float) -> np.ndarray:
    """Where a uint8 page (paper at 255) is at least `low` grey levels below white: its weak ink. Compared as
    integers, flat <= floor(255 - low), with no float copy of the page or an inverted one."""
    return flat <= math.floor(255 - low)


def _at_least(image: np.ndarray, level: float) -> np.ndarray:
    """uint8 pixels >= a float level, compared as integers: against a float numpy would cast the
    whole image to float64 first. v >= level is v >= ceil(level), i.e. v > ceil(level) - 1."""
    return image > min(math.ceil(level) - 1, 255)
