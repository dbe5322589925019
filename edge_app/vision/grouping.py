"""Digits into numbers: lines of digits along the page's slope, gaps inside and between numbers,
dates written with slashes, area codes in brackets, walls of a table's cells, reading order
(group_numbers)."""

import itertools
import math
from statistics import median

import cv2
import numpy as np

from edge_app.vision.boxes import Digit, Number, Wall, _union_all
from edge_app.vision.config import PipelineConfig
from edge_app.vision.paper import to_grey

DATE_PARTS = ((2, 2, 4), (1, 2, 4), (2, 1, 4), (1, 1, 4), (4, 2, 2), (4, 1, 2), (4, 2, 1), (4, 1, 1),
              (2, 2, 2), (1, 2, 2), (2, 1, 2), (1, 1, 2))  # a date's parts' digits: day and month (either first)
# of 1 or 2 and a year of 4 (tried first: "19" or "20" begins it) after them or before them, or a year of 2 last
BRACKET_REST = 6  # digits after an area code in brackets, at least ...
BRACKET_GAP = 4.0  # ... within this many heights of it, on a sheet
BOW_ROWS = 5  # rows of ink a stroke needs for its bow to be measured
SPACING_GAPS = 3  # a line's gaps tell how widely its writer spaces digits when there are this many


def group_numbers(digits: list[Digit], config: PipelineConfig = PipelineConfig()) -> list[Number]:
    """Digits -> numbers: same line, small gaps; lines top to bottom, then left to right.

    Lines are followed left to right (_follow_lines), level first; the lines found give
    the page's slope (_page_slope), along which they are followed again, up to
    `slope_passes` times: the widely spaced digits of a page turned 20 degrees fall into
    short pieces of lines level, which give part of its slope, and whole lines by the third pass.
    """
    return _numbers(_lines_and_slope(digits, config)[0], config)


def _numbers(lines: list[list[Digit]], config: PipelineConfig) -> list[Number]:
    """The numbers in lines of digits, each left to right: a gap wider than `number_gap` heights parts two,
    and in a line of SPACING_GAPS gaps or more, wider than `spacing_ratio` times their median too, or than
    `max_spacing` heights. Some write a number's digits over 1.6 heights apart, all alike (realdev's
    writers 0.36-1.05); numbers side by side on a line, in columns, stand further apart than their digits.

    A number of `text_digits` digits or more with more than `text_unsure` of them read under
    `text_sure` confidence is dropped: a printed word's letters ("Phone", "Date" on a form) each
    read as some digit, many of them unsure (42% under 0.9, against 1% of a generated line's
    digits), and a real number read so unsurely is rarely read right.
    """
    numbers = []
    for line in sorted(lines, key=lambda ds: min(d.box[1] for d in ds)):
        separators = _separators(line, config)
        height = float(median(d.box[3] for i, d in enumerate(line) if i not in separators))
        gaps = [max(0, _gap(left, right)) for left, right in itertools.pairwise(line)]
        wide = config.number_gap * height
        if config.spacing_ratio is not None and len(gaps) >= SPACING_GAPS:
            wide = max(wide, min(config.spacing_ratio * median(gaps), config.max_spacing * height))
        current = []
        for i, digit in enumerate(line):
            if current and gaps[i - 1] > wide:
                numbers.append(_number(current))
                current = []
            if i not in separators:
                current.append(digit)
        if current:  # empty when a separator, near a taller digit, ends the line past a gap
            numbers.append(_number(current))
    if config.text_unsure is None:
        return numbers
    return [number for number in numbers if len(number.digits) < config.text_digits
            or sum(d.confidence < config.text_sure for d in number.digits) <= config.text_unsure * len(number.digits)]


def _separators(line: list[Digit], config: PipelineConfig) -> set[int]:
    """The indices of the digits of `line` (left to right) that are separators: shorter than
    `separator_height` of each digit next to them (within `number_gap` of its height), and at a
    number's end, where there is one, narrower too. A dash or a dot between a number's digits
    reads as a sure 2, 1 or 0, and a speck beside a digit as a 1; a digit is at most a little
    shorter than its neighbours, and one written small at a number's end is not that narrow too."""
    if config.separator_height is None:
        return set()
    found = set()
    for i, digit in enumerate(line):
        near = [line[j].box[3] for j in (i - 1, i + 1) if 0 <= j < len(line)
                and _gap(line[min(i, j)], line[max(i, j)]) <= config.number_gap * line[j].box[3]]
        limit = config.separator_height * min(near, default=0)
        if digit.box[3] < limit and (len(near) == 2 or digit.box[2] < limit):
            found.add(i)
    return found


def _slashed_dates(numbers: list[Number], frame: np.ndarray, slope: float, config: PipelineConfig) -> list[Number]:
    """`numbers`, those that are dates written with slashes read without their slashes. A "/" is a
    straight stroke the model reads as a sure 1: 24/11/2026 reads 2411112026. A number whose digits
    part as a date's (DATE_PARTS: a day of 1-31 and a month of 1-12, in either order, and a year
    before or after them: 24/11/2026, 11/24/26, 2026/11/24) at two 1s, each leaning right
    `date_lean` degrees or more (_lean, in the `frame` where they were read; `slope`, the page's, in
    degrees, taken off), is read as that date: the 1s are its slashes.
    MNIST's 1s lean too (half of them 10 degrees or more), so a 1 is told from a slash by where it
    stands in the number, not by its lean alone: random digits part as a date at two 1s 1 time in
    120 (6 digits, d/d/yy) to 1 in 33,000 (10), and those 1s both lean so about a quarter as often."""
    if config.date_lean is None:
        return numbers
    dated = []
    for number in numbers:
        for slashes in _date_slashes(number.text):
            if all(_lean(frame, number.digits[i].box) - slope >= config.date_lean for i in slashes):
                number = _number([d for i, d in enumerate(number.digits) if i not in slashes])
                break
        dated.append(number)
    return dated


def _date_slashes(text: str) -> list[tuple[int, int]]:
    """Where the slashes of the date `text` may be, read as 1s, in DATE_PARTS's order: 1112154 parts
    as 1/12/54 or as 11/2/54."""
    found = []
    for lengths in DATE_PARTS:
        first, second = lengths[0], lengths[0] + 1 + lengths[1]
        if len(text) != second + 1 + lengths[2] or text[first] != "1" or text[second] != "1":
            continue
        parts = [text[:first], text[first + 1:second], text[second + 1:]]
        year = parts.pop(0 if lengths[0] == 4 else 2)
        low, high = sorted(int(part) for part in parts)
        if 1 <= low <= 12 and high <= 31 and (len(year) == 2 or year[:2] in ("19", "20")):
            found.append((first, second))
    return found


def _bracketed(numbers: list[Number], frame: np.ndarray, config: PipelineConfig) -> list[Number]:
    """`numbers`, those that are phone numbers with their area code in brackets read without the
    brackets. The model reads "(" and ")" as sure 1s: (555) 123-4567 reads 155511234567 (the dash
    is a separator). A number read as a 1, 2-4 digits, a 1 and BRACKET_REST digits or more, whose
    first 1 bows left `bracket_bow` of its height or more and whose second bows right as much
    (_bow), is read without the two. Of 209 1s read in 300 generated lines, 9.6% bow so either way,
    so a pair of real 1s where brackets would be bows so about 1 time in 100. On a sheet the gap
    after the ")" parts the number: the area code in brackets alone (4-6 digits read) is joined to
    the number after it on its line, within BRACKET_GAP of its height, when that makes one so."""
    if config.bracket_bow is None:
        return numbers
    bracketed, i = [], 0
    while i < len(numbers):
        number, after = numbers[i], numbers[i + 1] if i + 1 < len(numbers) else None
        joined = len(number.text) <= 6 and after is not None and _follows(number, after, config)
        digits = list(number.digits) + (list(after.digits) if joined else [])
        closes = [len(number.text) - 1] if joined else range(3, 6)
        close = next((close for close in closes if _brackets_at(digits, close, frame, config)), None)
        if close is None:
            bracketed.append(number)
            i += 1
        else:
            bracketed.append(_number([d for j, d in enumerate(digits) if j not in (0, close)]))
            i += 2 if joined else 1
    return bracketed


def _brackets_at(digits: list[Digit], close: int, frame: np.ndarray, config: PipelineConfig) -> bool:
    """Whether `digits` are a phone number whose area code is in brackets read as 1s at 0 and `close`."""
    return (3 <= close <= 5 and len(digits) - close - 1 >= BRACKET_REST and digits[0].digit == 1
            and digits[close].digit == 1 and _bow(frame, digits[0].box) <= -config.bracket_bow
            and _bow(frame, digits[close].box) >= config.bracket_bow)


def _follows(number: Number, after: Number, config: PipelineConfig) -> bool:
    """Whether `after` goes on `number`'s line (sharing `line_overlap` of the smaller height) to its
    right, within BRACKET_GAP of its height."""
    x, y, w, h = number.box
    ax, ay, _, ah = after.box
    shared = min(y + h, ay + ah) - max(y, ay)
    return shared >= config.line_overlap * min(h, ah) and 0 <= ax - (x + w) <= BRACKET_GAP * h


def _bow(frame: np.ndarray, box) -> float:
    """How far a stroke in `box` of `frame` bows right at its middle, in shares of the box's height
    (left: negative): the curvature of a parabola fitted to the middle of its ink (_stroke_ink), row
    by row. A ")" bows a tenth or more; most 1s under 0.05."""
    ink = _stroke_ink(frame, box)
    h, w = ink.shape
    counts = ink.sum(axis=1)
    rows = np.flatnonzero(counts)
    if len(rows) < BOW_ROWS:
        return 0.0
    middles = (ink[rows] * np.arange(w)).sum(axis=1) / counts[rows]
    half = max(1.0, (rows[-1] - rows[0]) / 2)
    curvature = np.polyfit((rows - rows[0] - half) / half, middles, 2)[0]
    return float(-curvature / h)


def _lean(frame: np.ndarray, box) -> float:
    """Degrees a stroke in `box` of `frame` leans right (its top to the right): the slant of its
    ink's (_stroke_ink) second moments."""
    moments = cv2.moments(_stroke_ink(frame, box), True)
    return math.degrees(math.atan(-moments["mu11"] / moments["mu02"])) if moments["mu02"] > 0 else 0.0


def _stroke_ink(frame: np.ndarray, box) -> np.ndarray:
    """The ink of `box` in `frame` (BGR or grey), 1 on 0: its crop's darker pixels by Otsu's threshold."""
    x, y, w, h = box
    _, ink = cv2.threshold(to_grey(frame[y:y + h, x:x + w]), 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return ink


def _gap(left: Digit, right: Digit) -> int:
    return right.box[0] - (left.box[0] + left.box[2])


def _lines_and_slope(digits: list[Digit], config: PipelineConfig) -> tuple[list[list[Digit]], float]:
    """The digits' lines, followed along the page's slope as group_numbers() finds it, and that slope."""
    lines, slope = _follow_lines(digits, 0.0, config), 0.0
    for _ in range(config.slope_passes):
        slope, followed = _page_slope(lines, config), slope
        if slope == followed:  # the lines were already followed along this slope
            break
        lines = _follow_lines(digits, slope, config)
    return lines, slope


def _follow_lines(digits: list[Digit], slope: float, config: PipelineConfig) -> list[list[Digit]]:
    """Digits in lines, left to right: each joins the line whose band where it has got to (its
    last `line_near` digits, moved along `slope` to the digit) it overlaps most, so a line that
    slopes (a tilted page, a hand drifting) keeps its last digits, which a band over the whole
    line loses."""
    lines: list[list[Digit]] = []
    for digit in sorted(digits, key=lambda d: d.box[0]):
        overlaps = [(_line_overlap(line[-config.line_near:], digit, slope, config), i)
                    for i, line in enumerate(lines)]
        joined = max(((share, i) for share, i in overlaps if share is not None), default=None)
        if joined is None:
            lines.append([digit])
        else:
            lines[joined[1]].append(digit)
    return lines


def _page_slope(lines: list[list[Digit]], config: PipelineConfig) -> float:
    """The median slope (pixels down per pixel right) of the digits' centres along the lines of
    at least `line_fit` digits; 0 without such lines."""
    slopes = []
    for line in lines:
        if len(line) >= config.line_fit:
            x = [d.box[0] + d.box[2] / 2 for d in line]
            y = [d.box[1] + d.box[3] / 2 for d in line]
            if max(x) > min(x):
                slopes.append(_fitted_slope(x, y))
    return float(np.clip(median(slopes), -config.max_line_slope, config.max_line_slope)) if slopes else 0.0


def _fitted_slope(x: list[float], y: list[float]) -> float:
    """The least-squares slope of y against x, as np.polyfit(x, y, 1)[0] gives it to rounding, in plain
    Python: a line holds a few digits, too few for numpy's per-call cost."""
    mean_x, mean_y = sum(x) / len(x), sum(y) / len(y)
    return sum((a - mean_x) * (b - mean_y) for a, b in zip(x, y, strict=True)) / sum((a - mean_x) ** 2 for a in x)


def _by_cells(numbers: list[Number], walls: list[Wall]) -> list[Number]:
    """`numbers`, each parted where one of `walls` (a table's, between its cells) runs between two of its digits:
    through the line joining their centres."""
    parted = []
    for number in numbers:
        run = [number.digits[0]]
        for left, right in itertools.pairwise(number.digits):
            if any(_crosses(wall, left.box, right.box) for wall in walls):
                parted.append(_number(run))
                run = []
            run.append(right)
        parted.append(number if len(run) == len(number.digits) else _number(run))
    return parted


def _crosses(wall: Wall, left, right) -> bool:
    """Whether a wall crosses the line between two boxes' centres, at the height of its middle."""
    x0, y0, x1, y1 = wall
    lx, ly, rx, ry = left[0] + left[2] / 2, left[1] + left[3] / 2, right[0] + right[2] / 2, right[1] + right[3] / 2
    middle = (ly + ry) / 2
    if not min(y0, y1) <= middle <= max(y0, y1):
        return False
    at = x0 + (x1 - x0) * (middle - y0) / (y1 - y0) if y1 != y0 else x0
    return min(lx, rx) < at < max(lx, rx)


def _number(digits: list[Digit]) -> Number:
    box = _union_all(d.box for d in digits)
    return Number("".join(str(d.digit) for d in digits), min(d.confidence for d in digits), box, tuple(digits))


def _line_overlap(near: list[Digit], digit: Digit, slope: float, config: PipelineConfig) -> float | None:
    """The share of `digit`'s height inside the band of the `near` digits, each moved along `slope` to the
    digit, or None when the two share less than `line_overlap` of the smaller height: not on one line."""
    centre = digit.box[0] + digit.box[2] / 2
    tops, bottoms = [], []  # statistics.median's values, without its cost, a few thousand calls a frame
    for x, y, w, h in (d.box for d in near):
        shift = slope * (centre - x - w / 2)
        tops.append(y + shift)
        bottoms.append(y + h + shift)
    top, bottom = _median_of_few(tops), _median_of_few(bottoms)
    overlap = min(bottom, digit.box[1] + digit.box[3]) - max(top, digit.box[1])
    if overlap < config.line_overlap * min(bottom - top, digit.box[3]):
        return None
    return overlap / digit.box[3]


def _median_of_few(values: list[float]) -> float:
    """statistics.median() of a short list, the same value: the middle one, or the mean of the two."""
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2
