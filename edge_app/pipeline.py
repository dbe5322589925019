"""The vision pipeline: a camera frame -> the numbers written on it.

One pure function per stage, so each can be tested alone:

    grey -> even out illumination (a grainy frame median-filtered first) -> threshold and ink components -> join broken
    pieces -> drop what is not a digit (specks, lines, smudges, the sheet's edge,
    the tips of shadows, pieces of a table's grain) -> normalise (edge_app.preprocess) ->
    classify every blob in one batched call (unsure crops read again with thicker
    and thinner strokes) -> cut the wide blobs that do not read as one digit and
    read the cuts in a second call, keeping the best path -> reject low confidence
    -> group into numbers by line and gap, in reading order.

    from edge_app.pipeline import read_frame
    numbers = read_frame(frame_bgr, classifier)

This module chains the stages (find_blobs, _read_grey) and reads a frame again where one reading is
not enough (a crop with paper added, a frame filled by one digit, a tilted page levelled, small
digits at a finer size, light ink on a dark ground inverted). The stages live in edge_app.vision.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from statistics import median

import cv2
import numpy as np

from edge_app.blobcache import BlobCache
from edge_app.preprocess import stroke_width
from edge_app.vision.boxes import Blob, Digit, Number, Wall, _clip_box, _overlap, _scale_box, _touches_border
from edge_app.vision.config import PipelineConfig
from edge_app.vision.grids import without_grids
from edge_app.vision.grouping import (
    _bracketed,
    _by_cells,
    _lines_and_slope,
    _number,
    _numbers,
    _slashed_dates,
    group_numbers,
)
from edge_app.vision.ink import _ink_levels, find_ink
from edge_app.vision.lines import free_from_lines, without_underlines
from edge_app.vision.paper import (
    _at_least_one,
    _grain,
    close_ellipse,
    denoise,
    divide_paper,
    paper_estimate,
    shrink,
    to_grey,
)
from edge_app.vision.pieces import (
    drop_bars,
    drop_edge_steps,
    drop_frames,
    drop_holes,
    drop_non_digits,
    drop_off_paper,
    drop_sheet_edges,
    drop_specks,
    drop_step_lines,
    join_pieces,
    without_rings,
)
from edge_app.vision.rules import _fainter_rules, _without_rules, drop_rule_stubs
from edge_app.vision.scans import CAMERA_SIDE, SCAN_PAPER, SCAN_SIDE, _is_strip, _may_fill, _squarish, _unblocked
from edge_app.vision.segment import classify_blobs
from edge_app.vision.shadows import drop_shadow_pieces, drop_shadows, drop_textured, without_bands

FLAT_WHITE = 7  # grey levels below white that paper overexposed to white keeps to, with a camera's grain
SIDE_RIM = 0.03  # share of a frame's shorter side: the rim the added paper leaves inside a darker frame's sides
SIDE_REST = 1.0  # a band along a side holds more of its blob's ink than this many times what lies beyond it
SLIVER_HEIGHTS = 1.4  # a 1's stroke is judged against digits at most this many times taller or shorter ...
SLIVER_NEIGHBOURS = 4  # ... the nearest this many of them
SLIVER_MIN = 1  # ... when there are this many of them at least
SLIVER_TALLER = 5.0  # a 1 with none of them is judged against digits up to this many times taller (sliver_short)
LINE_DOWN_MIN = 2  # digits beside a 1 reaching a crop's top or bottom that make it a paper's line (line_down) ...
LINE_DOWN_WIDTH = 0.2  # ... when it is at most this share of its height wide ...
LINE_DOWN_STROKE = 0.85  # ... and its stroke at most this share of theirs (a squared page's lines are thin)
THICK_SIDE = 64  # pixels: a frame is looked at this small for ink wider than the closing's kernel
FINER_GAIN = 1.2  # a frame is read again larger for its small digits only when this much larger at least
GROUND_SIDE = 120  # pixels: _dark_ground() sees a frame this small or a little larger (its shorter side) ...
GROUND_TAIL = 0.1  # ... and takes its darkest and lightest as this percentage of its pixels


def read_frame(frame: np.ndarray, classifier, config: PipelineConfig = PipelineConfig(),
               roi: tuple[int, int, int, int] | None = None, cache: BlobCache | None = None) -> list[Number]:
    """The whole pipeline on one frame (BGR or grey): numbers in reading order, boxes in frame pixels.
    Frames of one video may share a `cache` (edge_app.blobcache) to reuse the readings of unchanged blobs.

    A frame that is mostly dark, with a light tail in strokes (_dark_ground), may hold light ink on a
    dark ground: chalk on a board, a drawing or a scan white on black. It is read with its grey levels
    inverted too, and that reading is kept when its digits read with as much confidence on average or
    more: ink taken the wrong way round reads as the ground between strokes, unsure digits or none. A note
    on a dark desk is light too, but broad: read inverted, its rim is a dark block whose slices read
    as sure 1s."""
    numbers = _read_frame(frame, classifier, config, roi, cache)
    reach = None if config.dark_ground is None else _dark_ground(frame, roi, config)
    if reach is None or reach >= config.light_strokes:
        return numbers
    inverted = _read_frame(cv2.bitwise_not(frame), classifier, config, roi,
                           None if cache is None else cache.inverted())
    return inverted if _mean_confidence(inverted) >= _mean_confidence(numbers) else numbers


def _mean_confidence(numbers: list[Number]) -> float:
    """The mean confidence of the digits read (0 for none)."""
    confidences = [d.confidence for n in numbers for d in n.digits]
    return sum(confidences) / len(confidences) if confidences else 0.0


def _dark_ground(frame: np.ndarray, roi: tuple[int, int, int, int] | None, config: PipelineConfig) -> float | None:
    """Whether the frame (or its `roi`) looks like light ink on a dark ground: seen small, its lightest
    pixels (GROUND_TAIL percent) lie `dark_ground` times further above its median than its darkest lie
    below it. Ink is the far tail: dark ink on paper (and a shadow) reaches further below the paper than
    glare rises above it. If so, how far its light regions (halfway from its median to its lightest)
    reach from the dark at most, as a share of its shorter side: a stroke's half width, or a sheet's
    or a note's on a dark desk (0 for a frame under CAMERA_SIDE); else None. Seen at GROUND_SIDE pixels
    or a little more (its shorter side), each pixel the mean of four, which evens out a camera's grain."""
    if roi is not None:
        x, y, w, h = roi
        frame = frame[y:y + h, x:x + w]
    if frame.size == 0:
        return None
    height, width = frame.shape[:2]
    factor = 2 * (min(height, width) // (2 * GROUND_SIDE))
    if factor:  # bilinear, an even factor down: each pixel the mean of 2x2 of the frame's
        frame = cv2.resize(frame, (width // factor, height // factor), interpolation=cv2.INTER_LINEAR)
    sample = to_grey(frame)
    cumulative = np.cumsum(np.bincount(sample.ravel(), minlength=256))
    darkest, middle, lightest = np.searchsorted(
        cumulative, np.array((GROUND_TAIL, 50.0, 100.0 - GROUND_TAIL)) / 100.0 * cumulative[-1])
    if lightest - middle <= config.dark_ground * max(middle - darkest, 1):
        return None
    if min(height, width) < CAMERA_SIDE:
        return 0.0  # no desk round a scan, a drawing or a crop: its light is ink, however broad
    light = (sample > (middle + lightest) / 2).view(np.uint8)
    return float(cv2.distanceTransform(light, cv2.DIST_L2, 3).max()) / min(sample.shape)


def _read_frame(frame: np.ndarray, classifier, config: PipelineConfig, roi: tuple[int, int, int, int] | None,
                cache: BlobCache | None) -> list[Number]:
    """read_frame() with the ink dark on a light ground."""
    if cache is not None:
        cache.next_frame()
    whole, offset = frame, (0, 0)
    if roi is not None:
        x, y, w, h = roi
        frame = frame[y:y + h, x:x + w]
        offset = (x, y)
    if frame.size == 0:
        return []
    whole_offset = offset  # the frame's corner in the whole frame's pixels; `offset`, the working image's
    grey, block, corner = _unblocked(to_grey(frame), config)  # a small scan shown enlarged in blocks, as it was
    grey, scale = shrink(grey, config.work_side)
    small = max(grey.shape) < config.min_side  # no camera's frame: a scan, or a crop of a digit or number
    margin = 0
    if small:
        if config.scan_margin is not None and _may_fill(grey.shape, config) and (
                max(grey.shape) <= SCAN_SIDE or (config.flat_paper is not None and _flat_paper(grey, config))):
            # A scan of one digit (a small photo's paper is not flat: a hard shadow's half, beside paper added
            # at the level of the lit half, lost its digit): paper round it before it is enlarged, so that
            # strokes that reach its edges are rounded off there as elsewhere, not carried on (and the digit
            # read as cut by the border).
            margin = max(1, int(round(config.scan_margin * max(grey.shape))))
            grey = cv2.copyMakeBorder(grey, margin, margin, margin, margin, cv2.BORDER_CONSTANT,
                                      value=int(np.percentile(grey, SCAN_PAPER)))
        scale = config.min_side / max(grey.shape)
        size = (max(1, round(grey.shape[1] * scale)), max(1, round(grey.shape[0] * scale)))
        grey = cv2.resize(grey, size, interpolation=cv2.INTER_CUBIC)
    scale /= block
    offset = (offset[0] + corner[0] - round(margin * block), offset[1] + corner[1] - round(margin * block))
    fillable = _may_fill(grey.shape, config)  # one digit may fill it
    squarish = _squarish(grey.shape, config)
    if config.small_kernel is not None and ((small and fillable) or (
            squarish and config.flat_paper is not None and _flat_paper(grey, config))):
        config = replace(config, background_kernel=max(config.background_kernel, config.small_kernel))
    strip = _is_strip(grey.shape, config)
    square = config.crop_square is not None and max(grey.shape) < config.crop_square * min(grey.shape)
    walls: list[Wall] = []
    digits = _read_grey(grey, classifier, config, small or square, strip, cache, walls=walls)
    if digits is None:
        # Nothing digit-like apart from blobs cut by the border, or digits at a crop's ends
        # cut by it: the frame may be a crop of a digit or a number (a scan, a photo filled
        # by one digit, a line cropped tight). Read it again with a margin of paper around it.
        pad = max(2, int(round(config.crop_pad * max(grey.shape))))
        padded = _add_paper(grey, pad, config.pad_edge and strip, config)
        # A scan's digit may fill its frame: a 7's bar along its top is no band beyond the page.
        again = replace(config, side_band=None) if small else config
        digits = [Digit(d.digit, d.confidence, (d.box[0] - pad, d.box[1] - pad, d.box[2], d.box[3]))
                  for d in _read_grey(padded, classifier, again, pad=pad) or []]
    if not small and fillable:
        digits = _filled_frame(grey, digits, classifier, config, cache)
    to_frame = 1.0 / scale

    def in_frame(box):
        return _clip_box(_scale_box(box, to_frame, offset), frame.shape, whole_offset)
    lines, slope = _lines_and_slope([Digit(d.digit, d.confidence, in_frame(d.box)) for d in digits], config)
    one_number = config.strip_whole and strip and len(lines) == 1  # a number's line, cropped: gaps inside it too
    numbers = _numbers(lines, replace(config, number_gap=math.inf) if one_number else config)
    if walls:
        numbers = _by_cells(numbers, [(*in_frame((x0, y0, 1, 1))[:2], *in_frame((x1, y1, 1, 1))[:2])
                                    for x0, y0, x1, y1 in walls])
    angle = math.degrees(math.atan(slope))  # the page's, as its lines slope
    if config.level_angle is not None and abs(angle) >= config.level_angle and not small:
        turn, turned_cache = angle, None
        if cache is not None:
            turned_cache, turn = cache.turned(angle)
        numbers = _levelled(grey, turn, numbers, classifier, config, in_frame, turned_cache)
    numbers = _bracketed(_slashed_dates(numbers, whole, angle, config), whole, config)
    side = finer_side(numbers, frame.shape, config, max(frame.shape[:2])) if cache is None else None
    if side is not None:
        finer = _read_frame(whole, classifier, replace(config, work_side=side, small_digits=None), roi, None)
        if finer_is_sure(finer, config):
            return finer
    return numbers


def finer_is_sure(numbers: list[Number], config: PipelineConfig) -> bool:
    """Whether a reading made larger for small digits (finer_side) is to be kept: its median digit read
    with `small_sure` confidence or more. A blank page's grain and rules, read as a few unsure digits
    and read again larger, are dozens of specks read unsure (median 0.74); small writing read larger
    reads sure."""
    return bool(numbers) and median(d.confidence for n in numbers for d in n.digits) >= config.small_sure


def finer_side(numbers: list[Number], shape, config: PipelineConfig, available: int) -> int | None:
    """The longer side to read a frame of `shape` again at, from an image whose longer side is
    `available` pixels, when the `numbers` read in it (boxes in its pixels) are small: their median
    digit under `small_digits` pixels tall at the working size. At the side returned it is
    `small_target` tall, or as near as `available` and `small_max_side` allow; None when they allow
    less than FINER_GAIN times the working size, or the digits are not small. The reading made
    larger is kept when finer_is_sure().

    A whole sheet photographed in small writing has digits of 10-20 pixels once shrunk to
    `work_side`: strokes a pixel or two wide, broken by the threshold, their pieces specks."""
    if config.small_digits is None or not numbers:
        return None
    working = min(max(shape[:2]), config.work_side)
    height = median(d.box[3] for n in numbers for d in n.digits) * working / max(shape[:2])
    side = int(min(available, config.small_max_side, working * config.small_target / height))
    return side if height < config.small_digits and side >= FINER_GAIN * working else None


def _levelled(grey: np.ndarray, angle: float, numbers: list[Number], classifier, config: PipelineConfig,
              in_frame: Callable, cache: BlobCache | None = None) -> list[Number]:
    """`numbers`, or those read with the page turned `angle` degrees anticlockwise, level, when that
    reading holds more digits (more confident, of as many). MNIST's digits stand upright give or take a
    slant; turned 20 degrees or more a 1 reads as a 7, and the lines break up. `in_frame` takes a box in
    `grey`'s pixels to the frame's; `cache`, the live video's cache of its frames turned level."""
    h, w = grey.shape
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(turn[0, 0]), abs(turn[0, 1])
    size = (int(math.ceil(w * cos + h * sin)), int(math.ceil(w * sin + h * cos)))  # holds the turned page
    turn[:, 2] += ((size[0] - w) / 2, (size[1] - h) / 2)
    level = cv2.warpAffine(grey, turn, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    back = cv2.invertAffineTransform(turn)

    def unturned(box):
        x, y, bw, bh = box
        corners = np.array([[x, y], [x + bw, y], [x, y + bh], [x + bw, y + bh]], np.float64)
        points = corners @ back[:, :2].T + back[:, 2]
        x0, y0 = np.floor(points.min(axis=0)).astype(int)
        x1, y1 = np.ceil(points.max(axis=0)).astype(int)
        return in_frame((int(x0), int(y0), int(x1 - x0), int(y1 - y0)))
    again = [_number([Digit(d.digit, d.confidence, unturned(d.box)) for d in number.digits])
             for number in group_numbers(_read_grey(level, classifier, config, cache=cache) or [], config)]

    def score(found):
        return sum(len(n.text) for n in found), sum(d.confidence for n in found for d in n.digits)
    return again if score(again) > score(numbers) else numbers


def _filled_frame(grey: np.ndarray, digits: list[Digit], classifier, config: PipelineConfig,
                  cache: BlobCache | None = None) -> list[Digit]:
    """`digits`, or the one digit that fills the frame when read as a small image (see filled_confidence);
    `cache`, live video's, gives the blob caches of those readings (BlobCache.filled, .narrowed) when made.

    The closing's kernel, 1/12 of the frame, is narrower than the strokes of a marker
    digit that fills it: what is left of them after dividing is faint outlines, read as
    nothing or as another digit. Shrunk under min_side, the frame is read with the small
    kernel, as a scan is, which follows its shadows less closely: that reading is taken
    only when it is a sure, large digit inside the frame and the first is empty, unsure,
    broken in pieces (a sure number leaving out a piece read inside it too), one sure
    number much smaller than it (the rest of the digit taken for paper: a 7's bar, a 4's
    foot), or one holding that digit, read the same at its place, beside others (a shadow's
    or the paper's dark corner read as a digit). A large digit read less surely is taken
    where the first reading is empty or one number read less surely still (filled_better):
    blurred grey digits, read first as another digit. Where the digit read shrunk reaches the
    frame's edge, a hard shadow's edge joined to it, the small frame is read once more with a
    narrower kernel, which follows that edge (filled_edge_kernel), and its digit judged the same way.
    """
    if config.filled_confidence is None or config.small_kernel is None or (
            len(digits) > config.filled_digits and (len(digits) > config.filled_broken or max(
                d.confidence for d in digits) >= config.filled_unsure)):
        return digits  # a page's digits are grouped once, by read_frame, not here as well
    numbers = group_numbers(digits, config)
    # One sure number, of every digit read: a digit left out of its number lies inside another's box, as
    # the pieces of one broken digit do (an 8's upper loop, lost apart from its end, read as a 1 in a 3).
    sure = len(numbers) == 1 and numbers[0].confidence >= config.filled_unsure and len(
        numbers[0].digits) == len(digits)
    if (sure and config.filled_larger is None) or not _thick_ink(
            grey, config, config.thick_sure_share if sure else config.thick_share):
        return digits
    small, scale = shrink(grey, config.min_side - 1)
    config = replace(config, scan_margin=None)  # a photo shrunk, not a scan: its paper is the photo's own
    again = _read_frame(small, classifier, config, None, None if cache is None else cache.filled())
    found = _filled_digit(grey, again, scale, digits, numbers, sure, config)
    at_edge = len(again) == 1 and len(again[0].digits) == 1 and not _clear_of_edges(
        again[0].digits[0].box, small.shape, config.filled_margin * max(small.shape))
    if found is None and config.filled_edge_kernel is not None and at_edge:
        narrower = replace(config, small_kernel=config.filled_edge_kernel)
        narrowed = _read_frame(small, classifier, narrower, None, None if cache is None else cache.narrowed())
        found = _filled_digit(grey, narrowed, scale, digits, numbers, sure, config)
    return digits if found is None else [found]


def _filled_digit(grey: np.ndarray, again: list[Number], scale: float, digits: list[Digit], numbers: list[Number],
                  sure: bool, config: PipelineConfig) -> Digit | None:
    """The digit of `again`, the frame read shrunk by `scale`, in the frame's pixels, when _filled_frame takes
    it over the first reading (`digits`, grouped into `numbers`; `sure`: one sure number of them all)."""
    if len(again) != 1 or len(again[0].digits) != 1:
        return None
    found = again[0].digits[0]
    first = numbers[0].confidence if numbers else 0.0
    better = config.filled_better is not None and len(numbers) <= 1 and (numbers or found.digit != 1) and (
        again[0].confidence >= config.filled_better and again[0].confidence > first)
    if again[0].confidence < config.filled_confidence and not better:
        return None
    x, y, w, h = _scale_box(found.box, 1 / scale, (0, 0))
    # A wide digit's square crop is that wide, not that tall; a soft shadow read shrunk is wide too, but unsure.
    wide = w >= config.filled_height * grey.shape[1] and found.confidence >= config.filled_confidence
    if (h < config.filled_height * grey.shape[0] and not wide) or not _clear_of_edges(
            (x, y, w, h), grey.shape, config.filled_margin * max(grey.shape)):
        return None
    same = len(digits) > 1 and any(
        d.digit == found.digit and _overlap(d.box, (x, y, w, h)) >= config.filled_same for d in digits)
    if sure and w * h < config.filled_larger * numbers[0].box[2] * numbers[0].box[3] and not (same or better):
        return None
    return Digit(found.digit, found.confidence, (x, y, w, h))


def _clear_of_edges(box: tuple[int, int, int, int], shape, margin: float) -> bool:
    """Whether a box lies inside a frame of `shape`, more than `margin` pixels from each of its edges."""
    x, y, w, h = box
    return min(x, y, shape[1] - x - w, shape[0] - y - h) > margin


def _flat_paper(grey: np.ndarray, config: PipelineConfig) -> bool:
    """Whether the paper is as even as a scan's or a drawing's: one grey level holds `flat_paper` of the frame's
    pixels or more. A camera's grain and light spread even paper over many levels (at most a quarter of the
    pixels at one level in 220 generated photos); paper overexposed to white is flat too, when `flat_clipped` of
    the frame is near white: a glare washing part of a whiteboard out is not (its white held a third of a
    frame whose board elsewhere was 180-237, and the small kernel read the light as ink). Every pixel of a
    grid about THICK_SIDE wide is counted, unaveraged, which keeps the grain and costs little."""
    step = max(1, max(grey.shape) // THICK_SIDE)
    sample = grey[::step, ::step]
    counts = np.bincount(sample.ravel(), minlength=256) / sample.size
    if counts[:255].max() >= config.flat_paper:
        return True
    return counts[255] >= config.flat_paper and counts[-FLAT_WHITE - 1:].sum() >= config.flat_clipped


def _thick_ink(grey: np.ndarray, config: PipelineConfig, share: float) -> bool:
    """Whether ink wider than the closing's kernel, which takes it for paper, and narrower than the small
    kernel covers `share` of the frame: where closing with the small kernel leaves the frame at least
    `thick_darker` lighter than closing with the usual one does. Blank paper has none, unless a shadow
    or a table's edge is that narrow; looked at THICK_SIDE pixels wide, it costs little."""
    small, _ = shrink(grey, THICK_SIDE)
    sides = [max(3, int(round(THICK_SIDE * kernel)) | 1) for kernel in (config.background_kernel, config.small_kernel)]
    narrow, wide = (close_ellipse(small, k) for k in sides)
    darker = wide.astype(np.float32) - narrow >= config.thick_darker * _at_least_one(wide)
    return np.count_nonzero(darker) >= share * darker.size


def _add_paper(grey: np.ndarray, pad: int, edge: bool, config: PipelineConfig) -> np.ndarray:
    """`grey` with `pad` pixels of paper all round: with `edge`, the frame's edge carried on, its ink
    replaced by the paper's estimate there, so a crop of shaded paper meets no step at its edges that
    would join the digits touching them; else the frame's 90th percentile, the brightest paper, since
    a photo's edges may be table."""
    if not edge:
        return cv2.copyMakeBorder(grey, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=int(np.percentile(grey, 90)))
    paper = np.maximum(grey, paper_estimate(grey, config)[0])  # ink is darker than the paper's estimate
    if config.edge_median is not None:
        # A stroke touching the edge about as thick as the closing's kernel leaves the estimate dark where
        # it meets the edge, and carried on, that dark band joins the stroke to the new border. A running
        # median along each edge takes out dark runs up to half its length and keeps a shadow's step.
        window = int(round(config.edge_median * max(grey.shape) * config.background_kernel)) | 1
        for edge_pixels in (paper[0, :], paper[-1, :], paper[:, 0], paper[:, -1]):
            edge_pixels[:] = _running_median(edge_pixels, window)
    padded = cv2.copyMakeBorder(paper, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    padded[pad:pad + grey.shape[0], pad:pad + grey.shape[1]] = grey
    return padded


def _running_median(values: np.ndarray, window: int) -> np.ndarray:
    """The median of each `window` values of a 1-D array round each, its ends repeated."""
    padded = np.pad(values, window // 2, mode="edge")
    return np.median(np.lib.stride_tricks.sliding_window_view(padded, window), axis=1).astype(values.dtype)


def _read_grey(grey: np.ndarray, classifier, config: PipelineConfig, crop: bool = False, line: bool = False,
               cache: BlobCache | None = None, pad: int = 0, walls: list[Wall] | None = None) -> list[Digit] | None:
    """Digits in a grey frame at working size (`pad`: pixels of paper added all round it); None when
    only border-touching blobs (or none) were found, in a `crop` (a scan, or a frame about square) when a
    stroke cut by the border dwarfs all the blobs inside, or in a `line` (a strip: a number's line,
    cropped) when a piece the border cuts is a digit in their row (_cut_in_row). Read with paper
    added, a blob spanning the frame within it both ways is read whole (`crop_whole`). `walls`, when given, is
    extended with the walls between a table's cells found (find_blobs)."""
    found = find_blobs(grey, config, pad, cache)
    if walls is not None:
        walls += found.walls
    if (not found.blobs or (crop and _cut_stroke_dominates(found.cut, found.blobs, found.areas, config))
            or (line and _cut_in_row(found.cut, found.blobs, found.areas, config))):
        return None
    blobs, whole = found.blobs, []
    width, height = grey.shape[1] - 2 * pad, grey.shape[0] - 2 * pad
    if pad and config.side_band is not None:
        blobs = [blob for blob in blobs if not _along_side(found.labels, blob, pad, config.side_band)]
    if pad and config.crop_whole is not None and width < 2 * height:
        whole = [blob for blob in blobs if min(blob.box[2] / width, blob.box[3] / height) >= config.crop_whole]
        blobs = [blob for blob in blobs if blob not in whole]
    digits = classify_blobs(found.flat, found.labels, blobs, classifier, config, cache)
    if whole:
        digits += classify_blobs(found.flat, found.labels, whole, classifier,
                                 replace(config, split_aspect=math.inf, split_not_digit=None))
    digits = [d for d in digits if d.confidence >= config.min_confidence]
    return _without_lines_down(_without_slivers(digits, found.labels, config), found.labels, pad, config)


def _along_side(labels: np.ndarray, blob: Blob, pad: int, share: float) -> bool:
    """Whether `blob`, in a frame with `pad` pixels of paper added all round, holds `share` or more of one
    side of the frame inside and reaches, at the median of that side's pixels, less than half across it,
    with little ink beyond that band but what hugs the frame's sides: a band of wall or table beyond the
    page, with the thin rim the added paper leaves inside a darker frame's other sides."""
    height, width = labels.shape[0] - 2 * pad, labels.shape[1] - 2 * pad
    x, y, w, h = blob.box[0] - pad, blob.box[1] - pad, blob.box[2], blob.box[3]
    # Only a box touching a side along `share` of it can: most blobs are measured no further.
    near = (x <= 0 and h >= share * height, x + w >= width and h >= share * height,
            y <= 0 and w >= share * width, y + h >= height and w >= share * width)
    if not any(near):
        return False
    inside = np.isin(labels[pad:labels.shape[0] - pad, pad:labels.shape[1] - pad], np.array(blob.labels))
    rim = max(1, int(round(SIDE_RIM * min(inside.shape))))
    # Each side as the left one, in the order of `near`.
    for side, close in zip((inside, inside[:, ::-1], inside.T, inside.T[:, ::-1]), near, strict=True):
        if not close:
            continue
        edge = side[:, 0]
        if np.count_nonzero(edge) < share * edge.size:
            continue
        reach = np.where(side.all(axis=1), side.shape[1], np.argmin(side, axis=1))  # ink run from the side
        if np.median(reach[edge]) >= side.shape[1] / 2:
            continue
        beyond = side & (np.arange(side.shape[1])[None, :] >= reach[:, None])
        rest = np.count_nonzero(beyond[rim:-rim, rim:-rim])
        if rest < SIDE_REST * (np.count_nonzero(side) - np.count_nonzero(beyond)):
            return True
    return False


def _without_slivers(digits: list[Digit], labels: np.ndarray, config: PipelineConfig) -> list[Digit]:
    """`digits` but 1s whose stroke is much thinner than that of the nearest digits of their size: a grid's
    line left where a crop or a digit cut it, a sliver of the paper's edge. A line's digits share a pen. A 1
    is judged by digits other than 1s (a grid's lines left in pieces of one height vouched for each other); one
    with no digit of its size, by the nearest ones up to SLIVER_TALLER times taller, more leniently
    (`sliver_short`): a grid line's fragment a pixel wide beside a number."""
    if config.sliver_stroke is None or len(digits) <= SLIVER_MIN or not any(d.digit == 1 for d in digits):
        return digits
    widths: dict[int, float] = {}

    def stroke(i):
        if i not in widths:
            x, y, w, h = digits[i].box
            widths[i] = stroke_width(labels[y:y + h, x:x + w] > 0)
        return widths[i]

    def nearest(i, lowest, highest):
        """The strokes of the SLIVER_NEIGHBOURS digits but 1s nearest across to digit i (a 1), of those lowest
        to highest times its height."""
        x, h = digits[i].box[0] + digits[i].box[2] / 2, max(1, digits[i].box[3])
        near = sorted((abs(d.box[0] + d.box[2] / 2 - x), j) for j, d in enumerate(digits)
                      if d.digit != 1 and lowest <= d.box[3] / h <= highest)
        return [stroke(j) for _, j in near[:SLIVER_NEIGHBOURS]]
    kept = []
    for i, digit in enumerate(digits):
        if digit.digit == 1:
            strokes, share = nearest(i, 1 / SLIVER_HEIGHTS, SLIVER_HEIGHTS), config.sliver_stroke
            if not strokes and config.sliver_short is not None:  # no digit of its size: a fragment of a line?
                strokes, share = nearest(i, SLIVER_HEIGHTS, SLIVER_TALLER), config.sliver_short
            if len(strokes) >= SLIVER_MIN and stroke(i) < share * median(strokes):
                continue
        kept.append(digit)
    return kept


def _without_lines_down(digits: list[Digit], labels: np.ndarray, pad: int, config: PipelineConfig) -> list[Digit]:
    """`digits`, read in a frame with `pad` pixels of paper added all round, but 1s that are a line of the
    paper down it (line_down): reaching the frame's top or bottom, much taller than the digits beside them,
    straight and thinner than their strokes. A squared page's line down a number cropped close runs
    from edge to edge, and with paper round it is a piece like any other, read as a sure 1; where part of it
    is not found as ink (fainter towards one end), only the part reaching the other end is read."""
    if config.line_down is None or not pad or len(digits) <= LINE_DOWN_MIN:
        return digits
    bottom = labels.shape[0] - pad

    def reaches(digit):
        x, y, w, h = digit.box
        return digit.digit == 1 and (y <= pad + 1 or y + h >= bottom - 1) and w <= LINE_DOWN_WIDTH * h
    if not any(reaches(d) for d in digits):
        return digits

    strokes = [stroke_width(labels[y:y + h, x:x + w] > 0) for x, y, w, h in (d.box for d in digits)]
    kept = []
    for i, digit in enumerate(digits):
        others = [j for j in range(len(digits)) if j != i]
        if reaches(digit) and digit.box[3] >= config.line_down * median(digits[j].box[3] for j in others) and (
                strokes[i] <= LINE_DOWN_STROKE * median(strokes[j] for j in others)):
            continue
        kept.append(digit)
    return kept


@dataclass(frozen=True)
class Found:
    """What find_blobs sees in a grey frame: the candidate digits and what they were found in."""

    flat: np.ndarray  # the frame with the paper divided out (paper 255) and rules removed
    labels: np.ndarray  # ink components, as cv2.connectedComponents labels them
    areas: np.ndarray  # pixels in each component, by label
    blobs: list[Blob]  # candidate digits clear of the frame's border
    cut: list[Blob]  # ink pieces the frame's border cuts
    walls: list[Wall] = field(default_factory=list)  # between a table's cells (without_grids)


def find_blobs(grey: np.ndarray, config: PipelineConfig = PipelineConfig(), pad: int = 0,
               cache: BlobCache | None = None) -> Found:
    """Every stage before the classifier, on a grey frame at working size; `pad`: pixels of paper added
    all round it (read_frame's second reading of a crop); `cache`, live video's, may hold the paper's estimate."""
    if cache is None:
        smooth, sharp, wide = paper_estimate(grey, config)
    else:
        smooth, sharp, wide = cache.paper(grey, lambda: paper_estimate(grey, config))
    divided = divide_paper(grey, smooth)
    levels = _ink_levels(255 - divided, config)  # measured once: rules are rarely found, and the page stays as it is
    # The grain is measured only where the noise the levels were set by is as high: a strip cropped close,
    # a third of it ink, is as "noisy" to those, but not grainy, and most frames are neither. With paper
    # added (`pad`), always, and on the frame inside it: the smooth paper dilutes both measures. So are the
    # levels of a grainy frame, which the paper's share of pixels at no deviation set low: a blank frame in
    # a dim room, read again with paper round it, read as dozens of digits of its noise.
    if config.denoise_grain is not None and (pad or levels[0] >= config.noise_factor * config.denoise_grain):
        quiet = denoise(grey)
        inside = (slice(pad, grey.shape[0] - pad), slice(pad, grey.shape[1] - pad))
        if _grain(grey[inside], quiet[inside], smooth[inside]) >= config.denoise_grain:
            grey = quiet
            smooth, sharp, wide = paper_estimate(grey, config)
            divided = divide_paper(grey, smooth)
            levels = _ink_levels(255 - divided[inside], config)
    flat, lines, squared, count = _without_rules(divided, config, levels[0], pad)
    if flat is not divided:
        low = levels[0]
        levels = _ink_levels(255 - flat, config)  # the page without its rules ...
        # ... but for the faint ones: a page measured without them reads its grain (a table's round it) as ink
        flat, lines, squared = _fainter_rules(flat, lines, squared, count, config, low, pad)
    ruled = None if flat is divided else flat > divided
    flat = without_bands(flat, levels, config)
    labels, pieces, areas = find_ink(flat, config, (grey, sharp if config.sharp_seeds else None, wide), levels)
    pieces, areas, grids, walls = without_grids(labels, pieces, areas, config,
                                                None if squared else lines, None if squared else ruled)
    pieces, areas = free_from_lines(sharp, labels, pieces, areas, grey.shape, config)
    inside, cut = [], []  # pieces clear of the frame's border, and pieces it cuts
    for piece in pieces:
        (cut if _touches_border(piece.box, grey.shape) else inside).append(piece)
    inside, areas, marks = without_underlines(labels, inside, areas, config)
    stepped = drop_step_lines(sharp, labels, inside, areas, config)
    stepped, areas, rings = without_rings(labels, stepped, areas, config)
    framed = drop_frames(labels, stepped, config)
    kept = set(framed)  # a set: a grainy frame has thousands of pieces
    marks += grids + rings + [piece for piece in stepped if piece not in kept]  # lines and frames drawn round digits
    clear = drop_bars(smooth, labels, framed, config)  # a pen lying on the page, before it is joined to digits
    pens = [piece.box[3] for piece in set(framed) - set(clear)] if len(clear) < len(framed) else []
    blobs = drop_shadow_pieces(grey, labels, framed, join_pieces(clear, config), ruled, config, lines)
    blobs = drop_holes(labels, drop_non_digits(drop_edge_steps(blobs, config), grey.shape, areas, config), config)
    blobs = drop_off_paper(smooth, blobs, config)
    blobs = drop_sheet_edges(grey, labels, drop_shadows(grey, labels, blobs, ruled, config, lines), config, pad)
    blobs = drop_specks(drop_rule_stubs(flat, divided, labels, blobs, lines, ruled, config), config, pens)
    blobs = drop_textured(flat, labels, blobs, config, marks if config.texture_marks else [])
    return Found(flat, labels, areas, blobs, cut, walls)


def _cut_stroke_dominates(cut: list[Blob], blobs: list[Blob], areas, config: PipelineConfig) -> bool:
    """Whether a stroke-like piece cut by the frame's border (one of `cut`) dwarfs every blob inside,
    which would be specks beside it: the frame is then a tight crop of a digit, its loose bits inside.
    Solid pieces (a scan's dark margin) are not strokes."""
    tallest = max(blob.box[3] for blob in blobs)
    return any(config.min_relative_height * piece.box[3] > tallest
               and areas[piece.labels[0]] <= config.max_stroke_fill * piece.box[2] * piece.box[3]
               for piece in cut)


def _cut_in_row(cut: list[Blob], blobs: list[Blob], areas, config: PipelineConfig) -> bool:
    """Whether a piece cut by the frame's border is a digit in the row of the blobs inside: a number
    cropped close, whose end digits (or tallest) touch the crop's edges. Such a piece is not solid
    (`max_fill`: a scan's dark margin), `cut_height` to `cut_tallest` times the blobs' median
    height (a grid's line down the strip is taller), at most `cut_width` times their median width
    (a shadow's edge joined to the digits it crosses is wider), and shares `line_overlap` of the
    rows of the blob nearest it across (a line may slope); a fragment of a neighbouring line,
    above or below, does not."""
    if config.cut_height is None:
        return False
    height, width = (np.median([blob.box[i] for blob in blobs]) for i in (3, 2))
    for piece in cut:
        x, y, w, h = piece.box
        if (not config.cut_height * height <= h <= config.cut_tallest * height or w > config.cut_width * width
                or areas[piece.labels[0]] > config.max_fill * w * h):
            continue
        _, ny, _, nh = min((blob.box for blob in blobs), key=lambda box: abs(2 * box[0] + box[2] - 2 * x - w))
        if min(y + h, ny + nh) - max(y, ny) >= config.line_overlap * min(h, nh):
            return True
    return False
