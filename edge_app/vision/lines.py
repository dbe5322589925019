"""Lines joined to digits taken out: a line drawn under a number (without_underlines), and a thin
straight line through a piece the frame's border cuts or one too wide to be a digit (free_from_lines)."""

import math

import cv2
import numpy as np

from edge_app.preprocess import stroke_width
from edge_app.vision.boxes import Blob, _blob_mask, _touches_border
from edge_app.vision.config import PipelineConfig
from edge_app.vision.ink import _on_step
from edge_app.vision.pieces import _relabel

UNDERLINE_WIDE = 2.5  # a piece holding a line under digits is this many times as wide as tall at least ...
UNDERLINE_TILT = 0.2  # a hand-drawn line under digits may slope this much (11 degrees) ...
UNDERLINE_STUB = 0.2  # ... a piece with less ink than this share of the line's beside it is all line ...
UNDERLINE_REST = 0.5  # ... the digits it touches span this share of the piece's height at least ...
UNDERLINE_COVER = 0.85  # ... it spans this share of the piece's width ...
UNDERLINE_OFF = 0.3  # ... and it lies this share of the digits' height below their middle
LINE_SPAN = 0.6  # share of a piece's width (height): a straight segment this long may be a line through it ...
LINE_FREED = 0.25  # ... taken out when the ink it leaves cut by the border is at most this share of what it frees


def without_underlines(labels: np.ndarray, pieces: list[Blob], areas: np.ndarray,
                       config: PipelineConfig = PipelineConfig()) -> tuple[list[Blob], np.ndarray, list[Blob]]:
    """`pieces` with the lines drawn under numbers taken out of those that touch them, the areas by label
    grown by the new labels, and the lines: in `labels` (in place) a line and each piece it joined get labels
    of their own. A number underlined by hand usually touches its line somewhere, and the line makes it one
    piece as wide as the number, read as a line or cut into digits and bits of line.

    The line: the piece's pixels on straight segments `underline_span` of its width long, near level
    (_level_line), spanning UNDERLINE_COVER of it and lying
    well below the middle of the rest, which it is `underline_length` times as long as tall; the rest
    spans UNDERLINE_REST of the piece's height and holds UNDERLINE_STUB of the line's ink. Touching digits' bars
    and feet are never that long. A line alone under digits is dropped too: its box, reaching up to
    theirs where it slopes, would join them to it.
    """
    if config.underline_span is None:
        return pieces, areas, []
    kept, grown, alone, lines = [], [areas], [], []
    for piece in pieces:
        x, y, w, h = piece.box
        if w < config.underline_length * config.min_digit_height or w < UNDERLINE_WIDE * h:
            kept.append(piece)
            continue
        mask = _blob_mask(labels, piece, piece.box)
        line = _level_line(mask, config.underline_span * w)
        if line is None:
            kept.append(piece)
            continue
        rest = mask & ~line
        rows = np.flatnonzero(rest.any(axis=1))
        if np.count_nonzero(rest) < UNDERLINE_STUB * np.count_nonzero(line):
            alone.append(piece)  # all line: dropped if it runs under digits, else left to the other filters
            continue
        top, bottom = rows[0], rows[-1] + 1
        middle, tall = (top + bottom) / 2, bottom - top
        line_row = float(np.nonzero(line)[0].mean())
        columns = np.flatnonzero(line.any(axis=0))
        if (tall < config.min_digit_height or tall < UNDERLINE_REST * h or w < config.underline_length * tall
                or line_row < middle + UNDERLINE_OFF * tall
                or columns[-1] - columns[0] < UNDERLINE_COVER * w):
            kept.append(piece)
            continue
        parts, label = _split_off(labels, piece, rest, line, grown, config)
        rows, columns = np.nonzero(line)
        top, left = int(rows.min()), int(columns.min())
        lines.append(Blob((x + left, y + top, int(columns.max()) - left + 1, int(rows.max()) - top + 1), (label,)))
        kept += parts
    for line in alone:
        (lines if _under_digits(line.box, kept, config) else kept).append(line)
    return kept, (np.concatenate(grown) if len(grown) > 1 else areas), lines


def _split_off(labels: np.ndarray, piece: Blob, rest: np.ndarray, line: np.ndarray, grown: list[np.ndarray],
               config: PipelineConfig) -> tuple[list[Blob], int]:
    """`piece` parted into the components of `rest` and its `line` (masks in its box), labelled anew in `labels`
    (in place) after the labels whose areas `grown` holds, to which their areas are added: the parts' Blobs
    (_relabel) and the line's label."""
    first = sum(len(a) for a in grown)  # the next label free
    parts, part_areas = _relabel(labels, piece, rest, first, config)
    label = first + len(part_areas)  # the line's, after its parts'
    x, y, w, h = piece.box
    labels[y:y + h, x:x + w][line] = label
    grown.append(np.append(part_areas, np.count_nonzero(line)).astype(grown[0].dtype))
    return parts, label


def free_from_lines(paper: np.ndarray, labels: np.ndarray, pieces: list[Blob], areas: np.ndarray, shape,
                    config: PipelineConfig = PipelineConfig()) -> tuple[list[Blob], np.ndarray]:
    """`pieces` with thin straight lines (_thin_line) taken out of those the border of a frame of `shape` cuts
    and of those wider than `max_line_aspect` heights, which would go as lines (drop_non_digits): the pieces,
    each one parted replaced by its parts, and the areas by label grown by the new labels; in `labels` (in
    place) each part and line gets a label of its own.

    A rule or a grid's line that the rule finder missed (broken by the digits on it, or fainter than the ink
    threshold over part of it) runs to the border, or well past the digits it joins, and they went with it.
    A line is left where it runs along a step in the sharp `paper` estimate (a sheet's edge on a table: the
    grain beyond it would be freed), or where the ink it leaves cut by the border is more than LINE_FREED of
    the ink it frees (a table's or a shadow's mass that a thin line runs into).
    """
    if config.line_thin is None:
        return pieces, areas
    kept, grown = [], [areas]
    long = config.underline_length * config.min_digit_height
    for piece in pieces:
        w, h = piece.box[2:]
        if max(w, h) < long or not (w > config.max_line_aspect * h or _touches_border(piece.box, shape)):
            kept.append(piece)  # most pieces: too short to hold a line, or a digit's
            continue
        mask = _blob_mask(labels, piece, piece.box)
        line = _thin_line(mask, config)
        if line is None or (config.step_line_share is not None
                            and _on_step(paper, piece.box, line) >= config.step_line_share):
            kept.append(piece)
            continue
        rest = mask & ~line
        _, _, stats, _ = cv2.connectedComponentsWithStats(rest.view(np.uint8), connectivity=8)
        x, y = piece.box[:2]
        still_cut = np.array([_touches_border((x + int(px), y + int(py), int(pw), int(ph)), shape)
                              for px, py, pw, ph in stats[1:, :4]], bool)
        ink = stats[1:, cv2.CC_STAT_AREA]
        if still_cut.all() or ink[still_cut].sum() > LINE_FREED * ink[~still_cut].sum():
            kept.append(piece)
            continue
        kept += _split_off(labels, piece, rest, line, grown, config)[0]
    return kept, (np.concatenate(grown) if len(grown) > 1 else areas)


def _thin_line(mask: np.ndarray, config: PipelineConfig) -> np.ndarray | None:
    """The pixels of a piece's `mask` on a thin straight line through it, or None: near a segment LINE_SPAN
    of the piece's width long within UNDERLINE_TILT of level, in a piece UNDERLINE_WIDE times as wide as tall or
    more, else of its height long within as much of upright (_level_line), and in runs across the segment
    at most `line_thin` of the stroke width of the piece's ink off the segment (rounded down, or 2 px): digits'
    strokes crossing the line or lying along it are thicker. Along the line, the piece is `underline_length` times
    `min_digit_height` long at least."""
    height, width = mask.shape
    long = config.underline_length * config.min_digit_height
    for upright in (False, True):
        length = height if upright else width
        if length < long or (not upright and width < UNDERLINE_WIDE * height):
            continue
        turned = np.ascontiguousarray(mask.T) if upright else mask  # an upright line is found as a level one
        near = _level_line(turned, LINE_SPAN * length)
        if near is None:
            continue
        off = turned & ~near  # the strokes off the line, whose width a long thin line would lower
        if not off.any():
            continue
        limit = max(2, int(config.line_thin * stroke_width(off)))
        # Opened with a kernel `limit` + 1 long across the line, what is left of the ink is in runs that long at least.
        thick = cv2.morphologyEx(turned.view(np.uint8), cv2.MORPH_OPEN, np.ones((limit + 1, 1), np.uint8)).view(bool)
        line = near & ~thick
        if line.any():
            return line.T if upright else line
    return None


def _level_line(mask: np.ndarray, span: float) -> np.ndarray | None:
    """The pixels of `mask` on straight segments at least `span` long within UNDERLINE_TILT of level (a
    probabilistic Hough transform), to half a stroke's width from them; None when it has none."""
    length = int(span)
    segments = cv2.HoughLinesP(mask.view(np.uint8), 1, np.pi / 180, max(10, length // 2), minLineLength=length,
                               maxLineGap=max(2, length // 20))
    if segments is None:
        return None
    near = np.zeros(mask.shape, np.uint8)
    reach = int(math.ceil(stroke_width(mask))) + 1
    for x1, y1, x2, y2 in segments.reshape(-1, 4):  # (N, 1, 4) in OpenCV 4, (N, 4) in 5
        if abs(int(y2) - int(y1)) <= UNDERLINE_TILT * abs(int(x2) - int(x1)):
            cv2.line(near, (int(x1), int(y1)), (int(x2), int(y2)), 1, reach)
    line = near.view(bool) & mask
    return line if line.any() else None


def _under_digits(line, pieces: list[Blob], config: PipelineConfig) -> bool:
    """Whether a line at box `line` runs under or over pieces of a digit's height, within that height of it
    and over its columns, and is `underline_length` times as long as the tallest of them is tall."""
    x, y, w, h = line
    tallest = max((py_h for (px, py, pw, py_h) in (p.box for p in pieces)
                   if py_h >= config.min_digit_height and px >= x - py_h and px + pw <= x + w + py_h
                   and (py + py_h >= y - py_h and py <= y + h + py_h)), default=0)
    return tallest > 0 and w >= config.underline_length * tallest
