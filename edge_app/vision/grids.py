"""Printed grids: a form's boxes for digits and a table's cells, their lines taken out of the digits
written in them (without_grids), and a table's walls kept to part the numbers in its cells."""

import math

import cv2
import numpy as np

from edge_app.vision.boxes import Blob, Wall, _blob_mask
from edge_app.vision.config import PipelineConfig
from edge_app.vision.lines import _split_off
from edge_app.vision.rules import MAX_RULE_SLOPE

GRID_LINE = 0.85  # share of a grid's columns with ink that a line across it meets ink in (rows, for one down)
GRID_FIT = 2.0  # pixels: a grid's top line is fitted through the topmost ink this near a first fit, ...
GRID_TOP = 0.6  # ... which is this share of its columns at least (digits written over the line hide it)
GRID_REACH = 3  # pixels: a grid's wall left by rules taken out ends this near them, ...
GRID_WALL = 0.95  # ... meeting ink in this share of the rows between them (a digit's side fills a space
# between rules now and then, but rarely in a line so straight), ...
GRID_LEAN = 0.08  # ... leaning up to this much from square to them (columns per row), ...
GRID_FAMILY = 3  # ... and the frame has this many such walls at least, ...
GRID_ALONE = 1  # ... this many of them with nothing a digit's height joined to them (a 1 between rules is one;
# a table's digits touch all but one of its walls often: 2 read 99 of the generator's 165 numbers in tables, 1 118)
GRID_SPILL = 0.3  # what a grid holds lies between its first and last lines across, give or take this share of
# a cell's height
GRID_TABLE = 1.8  # a grid's walls part numbers where its cells are this many times as wide as tall (a table's;
# a form's boxes for digits are about square)


def without_grids(labels: np.ndarray, pieces: list[Blob], areas: np.ndarray, config: PipelineConfig = PipelineConfig(),
                  rules: np.ndarray | None = None, ruled: np.ndarray | None = None
                  ) -> tuple[list[Blob], np.ndarray, list[Blob], list[Wall]]:
    """`pieces` with the printed grids digits are written in (a form's comb of boxes, a table's cells) taken out
    of those they touch, the areas by label grown by the new labels, the grids' lines, and the walls between
    a table's cells: in `labels` (in place) the lines and each piece they joined get labels of their own.
    Written into a comb, digits touch its walls, and the comb is read as the digits with 1s between them.

    A grid: a piece filling `grid_fill` of its box at most, with straight lines as thin as a page's rules
    (remove_rules: `rule_width`) across and down it (_grid_lines), two each way at least. The ink left once
    they are taken out, strokes crossing them kept, is its digits, between its first and last lines across
    (GRID_SPILL), in cells a digit's height tall at least (a 9's flat top and its loop's foot are two lines
    close together, its sides two more); with none a digit's height left, a grid of two cells or more is
    dropped whole (drop_frames drops a box round a digit, and leaves one round nothing: a 0 drawn square
    has two lines each way). Where the lines across were taken out as the page's `rules`
    (remove_rules: a comb or a table across a line's crop or a page; none down it, where a stroke along a
    squared page's line would be taken for one), its walls are what is left: lines down from one rule to the
    next, as thin as the rule above them (the pixels of it `ruled`, remove_rules lightened), GRID_FAMILY of
    them at least in the frame, GRID_ALONE of them with no digit joined to them. A pen's stroke is broader
    than a printed line, and a digit filling the space between a page's rules is rarely so straight.
    A wall parts numbers (_by_cells) where the cells beside it are GRID_TABLE times as wide as tall or more:
    a comb's boxes hold the digits of one number, a table's cells a number each.
    """
    if config.grid_fill is None:
        return pieces, areas, [], []
    kept, grown, grids, walls, parting = [], [areas], [], [], []
    # As thick as a rule at most (remove_rules: rule_width, at half size), give or take a pixel.
    thick = 2 * max(config.rule_min_width, math.ceil(config.rule_width * max(labels.shape) / 2)) + 1

    def digit_high(stats) -> bool:  # whether any of the components (their stats) is a digit's height
        return bool((stats[1:, cv2.CC_STAT_HEIGHT] >= config.min_digit_height).any())

    def held(rest) -> bool:  # whether the ink left holds a digit's height
        return digit_high(cv2.connectedComponentsWithStats(rest.view(np.uint8), connectivity=8)[2])

    def part(piece, mask, rest, holds, cells) -> bool:  # whether its lines were taken out (`holds`: held(rest))
        if not np.count_nonzero(mask & ~rest):  # every pixel of its lines where strokes cross them
            kept.append(piece)
            return False
        if holds:
            parts, label = _split_off(labels, piece, rest, mask & ~rest, grown, config)
            kept.extend(parts)
            grids.append(Blob(piece.box, (label,)))
        elif cells:
            grids.append(piece)
        else:
            kept.append(piece)
            return False
        return True

    def grid(piece, known) -> bool:  # whether it is a grid, taken out (`known`: the areas by label so far)
        x, y, w, h = piece.box
        if w < config.min_digit_height or sum(int(known[label]) for label in piece.labels) > config.grid_fill * w * h:
            return False
        mask = _blob_mask(labels, piece, piece.box)
        rest, across, down, slope = _grid_lines(mask, thick)
        if min(len(across), len(down)) < 2:
            return False
        cell = np.median(np.diff(sorted(across)))
        if cell < config.min_digit_height:
            return False  # no cells that could hold a digit: a 9's flat top and its loop's foot, and its sides
        _, _, stats, _ = cv2.connectedComponentsWithStats(rest.view(np.uint8), connectivity=8)
        spill = GRID_SPILL * cell
        for left, top, width, height in stats[1:, :4]:
            middle = slope * (left + width / 2)  # the lines' rise there
            if height >= config.min_digit_height and (top < min(across) + middle - spill
                                                      or top + height > max(across) + middle + spill):
                return False
        if part(piece, mask, rest, digit_high(stats), max(len(across), len(down)) >= 3) and (
                np.median(np.diff(sorted(down))) >= GRID_TABLE * cell):
            parting.extend((x + at, y, x + at - slope * (h - 1), y + h - 1) for at in down)
        return True
    for piece in pieces:
        x, y, w, h = piece.box
        if h < config.min_digit_height:
            kept.append(piece)
        elif grid(piece, areas):
            continue
        elif rules is not None and _between_rules(rules, piece.box):
            mask = _blob_mask(labels, piece, piece.box)
            lean = _wall_lean(mask, -_rule_slope(rules, piece.box))
            rest, down, _ = _without_lines(mask.T, lean, _rule_thickness(rules, ruled, piece.box) + 1, GRID_WALL * h)
            if down:
                walls.append((piece, mask, rest.T, held(rest.T),
                              [(x + at, y, x + at + lean * (h - 1), y + h - 1) for at in down]))
            else:
                kept.append(piece)
        else:
            kept.append(piece)
    if (sum(len(found) for *_, found in walls) >= GRID_FAMILY
            and sum(not holds for *_, holds, _ in walls) >= GRID_ALONE):
        before = len(kept)
        taken = [line for piece, mask, rest, holds, found in walls if part(piece, mask, rest, holds, True)
                 for line in found]
        parting += [line for line in taken if _walls_apart(line, taken, rules)]
        # The parts a wall held may be a grid of their own: cells whose lines across were no rules.
        parts, kept, known = kept[before:], kept[:before], np.concatenate(grown)
        kept += [piece for piece in parts if piece.box[3] < config.min_digit_height or not grid(piece, known)]
    else:
        kept += [wall[0] for wall in walls]
    return kept, (np.concatenate(grown) if len(grown) > 1 else areas), grids, parting


def _between_rules(rules: np.ndarray, box) -> bool:
    """Whether a box's top and bottom lie on rules (within GRID_REACH pixels of them)."""
    x, y, w, h = box
    return bool(rules[max(0, y - GRID_REACH):y + 1, x:x + w].any()
                and rules[y + h - 1:y + h + GRID_REACH, x:x + w].any())


def _rule_slope(rules: np.ndarray, box) -> float:
    """The slope (rows per column) of the rule above a box: of the lower edge of where the `rules` run within 4
    GRID_REACH of its top, in the columns its height either side of it and under it."""
    x, y, w, h = box
    return -_top_line(rules[max(0, y - 4 * GRID_REACH):y + 1, max(0, x - h):x + w + h][::-1])[0]


def _rule_thickness(rules: np.ndarray, ruled: np.ndarray, box) -> int:
    """How thick (pixels) the rule at a box's top is: the median of the pixels remove_rules lightened (`ruled`)
    where the `rules` run within 4 GRID_REACH of its top, in each column its height either side of it or
    under it that has any (a stroke crossing the rule keeps its pixels there)."""
    x, y, w, h = box
    top, bottom, left, right = max(0, y - 4 * GRID_REACH), y + 4 * GRID_REACH + 1, max(0, x - h), x + w + h
    counts = np.count_nonzero(ruled[top:bottom, left:right] & rules[top:bottom, left:right], axis=0)
    return int(np.median(counts[counts > 0])) if counts.any() else 0


def _wall_lean(mask: np.ndarray, square: float) -> float:
    """The lean (columns per row) of the straightest line down a piece: of those within GRID_LEAN of `square`
    (square to the rules above it; perspective leans a page's lines down), in steps of a column over its
    height, the one along which a single column (sheared) meets ink in the most rows. Digits joined to a
    wall would pull a count of their pixels their way."""
    rows, columns = np.nonzero(mask)
    leans = square + np.arange(-GRID_LEAN, GRID_LEAN + 1e-9, 1 / max(1, mask.shape[0]))
    at = np.round(columns[None, :] - leans[:, None] * rows[None, :]).astype(np.int64)
    at -= at.min()
    width = int(at.max()) + 1
    cells = np.unique(((np.arange(len(leans))[:, None] * width + at) * mask.shape[0] + rows[None, :]).ravel())
    counts = np.bincount(cells // mask.shape[0], minlength=len(leans) * width).reshape(len(leans), width)
    return float(leans[np.argmax(counts.max(axis=1))])


def _walls_apart(wall: Wall, walls: list[Wall], rules: np.ndarray) -> bool:
    """Whether the nearest of `walls` beside `wall` on one side or the other (running beside it for half its
    length or more) is GRID_TABLE times the `rules`' spacing along it away or more: a cell of a table beside
    it, not a form's box for a digit. A wall with none beside it parts nothing."""
    x0, y0, x1, y1 = wall
    middle = (x0 + x1) / 2
    beside = [(ox0 + ox1) / 2 - middle for ox0, oy0, ox1, oy1 in walls
              if (ox0, oy0, ox1, oy1) != wall and min(y1, oy1) - max(y0, oy0) >= (y1 - y0) / 2]
    left, right = [-d for d in beside if d < 0], [d for d in beside if d > 0]
    column = rules[max(0, int(y0) - GRID_REACH):int(y1) + GRID_REACH + 1, min(rules.shape[1] - 1, int(middle))]
    changes = np.flatnonzero(np.diff(np.r_[False, column, False].astype(np.int8)))  # each run's start, end + 1
    centres = (changes[::2] + changes[1::2] - 1) / 2
    spacing = float(np.median(np.diff(centres))) if len(centres) >= 2 else y1 - y0
    return max(min(left, default=0), min(right, default=0)) >= GRID_TABLE * spacing


def _grid_lines(mask: np.ndarray, thick: float) -> tuple[np.ndarray, list[float], list[float], float]:
    """A piece's ink without its straight lines across and down it (_without_lines, `thick`; those down twice
    as thick as those across and a pixel at most), where the lines across and down it are (rows at its left edge,
    columns at its top), and their slope (rows per column): that of its top line, the lines down square to
    them. None across when its top is steeper than MAX_RULE_SLOPE or straight along under GRID_TOP of it
    (not looked for), none down when fewer than two across."""
    slope, straight = _top_line(mask)
    if abs(slope) > MAX_RULE_SLOPE or straight < GRID_TOP:
        return mask, [], [], slope  # a digit's top, curved or sloping, not a line along a grid's top
    rest, across, widths = _without_lines(mask, slope, thick)
    if len(across) < 2:
        return mask, across, [], slope
    # Printed much as the lines across are, from the first to the last (a tilted grid's box is taller).
    rest, down, _ = _without_lines(rest.T, -slope, 2 * max(widths) + 1, GRID_LINE * (max(across) - min(across)))
    return rest.T, across, down, slope


def _top_line(mask: np.ndarray) -> tuple[float, float]:
    """The slope (rows per column) of a grid's top line, its topmost ink fitted, then fitted again without the
    columns more than GRID_FIT pixels off (a digit over the line, a gap in it); and the share of the columns
    with ink within that of the first fit: most of them on a grid's line, far fewer on a digit's curved or
    sloping top."""
    columns = np.flatnonzero(mask.any(axis=0))
    if columns.size < 2:
        return 0.0, 0.0
    top = mask.argmax(axis=0)[columns].astype(float)
    slope, centre, mean = _line_fit(columns.astype(float), top)
    near = np.abs(mean + slope * (columns - centre) - top) <= GRID_FIT
    if np.count_nonzero(near) >= 2:
        slope = _line_fit(columns[near].astype(float), top[near])[0]
    return slope, np.count_nonzero(near) / columns.size


def _line_fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Least squares y = mean + slope * (x - centre): slope, centre, mean (0 slope for x all alike)."""
    centre, mean = float(x.mean()), float(y.mean())
    spread = x - centre
    square = float(spread @ spread)
    return (float(spread @ (y - mean)) / square if square else 0.0), centre, mean


def _without_lines(mask: np.ndarray, slope: float, thick: float,
                   least: float | None = None) -> tuple[np.ndarray, list[float], list[float]]:
    """A mask with its lines along its rows (at `slope`, rows per column) taken out, strokes crossing them kept,
    where the lines are (rows at its first column) and how thick: rows of the mask sheared level in which
    GRID_LINE of its columns meet ink (a row either side counted with it) among those that have ink (with
    `least`, that many columns), 2 such rows together at least (a line a pixel thick stepping
    from row to row; 1 is a stroke's edge grazing it), `thick` pixels thick at most (the median of its columns'
    ink near it). A line's pixels, and a row's either side, are kept where ink lies just beyond them on both
    sides."""
    h, w = mask.shape
    shift = np.round(-slope * np.arange(w)).astype(int)
    shift -= shift.min()
    if not shift.any():
        rows, level = None, mask
    else:
        rows = np.arange(h)[:, None] + shift[None, :]
        level = np.zeros((h + int(shift.max()), w), bool)
        level[rows, np.arange(w)[None, :]] = mask
    near = level.copy()
    near[1:] |= level[:-1]
    near[:-1] |= level[1:]
    if least is None:
        least = GRID_LINE * np.count_nonzero(level.any(axis=0))
    full = np.flatnonzero(np.count_nonzero(near, axis=1) >= least)
    starts = full[np.r_[True, np.diff(full) > 1]] if full.size else full
    ends = full[np.r_[np.diff(full) > 1, True]] if full.size else full
    cleared, found, widths = level.copy(), [], []
    reach = int(thick) + 1  # a line's ink is measured as far again beyond it: a stroke is broad
    for start, end in zip(starts, ends, strict=True):
        if end == start:
            continue
        across = np.count_nonzero(level[max(0, start - reach):end + 1 + reach], axis=0)
        width = float(np.median(across[across > 0]))
        if width > thick:
            continue
        top, bottom = max(0, start - 1), end + 2  # and a row either side: a line leaning a little off the slope
        crossed = level[max(0, top - 2):top].any(axis=0) & level[bottom:bottom + 2].any(axis=0)
        cleared[top:bottom, ~crossed] = False
        found.append(float((start + end) / 2 - shift[0]))
        widths.append(width)
    if not found:
        return mask, [], []
    return (cleared if rows is None else cleared[rows, np.arange(w)[None, :]]), found, widths
