"""A notebook page's ruled and squared lines, found and taken out before the ink is thresholded
(remove_rules); digit strokes that cross or lie along them are kept, and a rule's piece kept between two
strokes beside it is dropped once the ink is found (drop_rule_stubs)."""

import math

import cv2
import numpy as np

from edge_app.vision.boxes import Blob, _blob_mask
from edge_app.vision.config import PipelineConfig
from edge_app.vision.ink import _ink_levels, _weak_ink
from edge_app.vision.scans import _is_strip, _squarish

MAX_RULE_SLOPE = 0.2  # rise over run: a ruled line is within about 11 degrees of the page's axes
RULE_SLOPE_MATCH = 0.05  # runs on one rule differ this little in slope ...
RULE_SLOPE_JITTER = 2.0  # ... give or take this many pixels over a run's length: a short run's slope is rough
RULE_COVER = 0.6  # share of a rule's minimum length that must be ink: a row of digits' tops is not a rule
RULE_FIT_SPREAD = 0.5  # share of the frame's width: runs of a line spread over less give it a rough slope ...
RULE_TILT_SEARCH = 0.08  # ... and lines through them this much steeper or flatter are tried, ...
RULE_TILT_STEPS = 8  # ... at this many slopes each way
SUBPIXEL_BITS = 4  # a rule's ends are placed to 1 / 2**SUBPIXEL_BITS of a pixel (its middle rows to the nearest one)
SUBPIXEL = 2 ** SUBPIXEL_BITS
LONE_INK = 50  # pixels of ink off a lone line at least, to judge it by (_as_dark_as_ink)
RULE_TREND_RUN = 0.25  # share of the page's width: runs this long give the trend of the rules' slopes


def remove_rules(flat: np.ndarray, config: PipelineConfig = PipelineConfig(), low: float | None = None,
                 pad: int = 0) -> np.ndarray:
    """Paper with the ruled and grid lines of a notebook page taken out; digit strokes that cross them are kept.

    A rule is a chain of straight, thin runs of ink that line up across much of the
    frame: a digit's stroke is that long only when the digit fills the frame, so a line
    with few others beside it must run nearly across the frame (_rules), and a digit
    crossing a rule only breaks the chain. A pixel on a rule becomes paper unless there is
    ink just above and below it (left and right, for a vertical rule), which is where a
    stroke crosses it, or it is far darker than the rule (`rule_darker`), which is where a
    stroke lies along it. Rules are looked for at half size, keeping the darkest pixel of each
    2x2, so thin ones survive; a page without rules comes back unchanged. Ink here is what
    the threshold will call weak ink (`low`, from _ink_levels when not given): on a noisy
    photo, grain darker than `low_contrast` would line up into rules, through a digit's
    long stem, which would be erased as one. `pad`: pixels of paper added all round the
    frame (read_frame's second reading of a crop), left out of the frame a rule must span.
    """
    return _without_rules(flat, config, low, pad)[0]


def _without_rules(flat: np.ndarray, config: PipelineConfig, low: float | None,
                   pad: int) -> tuple[np.ndarray, np.ndarray | None, bool, int]:
    """remove_rules, where the rules run (True on them, through the strokes crossing them; None: nowhere),
    whether any runs down the page (a squared page), and how many there are."""
    if config.rule_length is None:
        return flat, None, False, 0
    if low is None:
        low, _ = _ink_levels(255 - flat, config)
    half = _darkest_of_2x2(flat)
    lines, down, count = None, False, 0
    widest = max(config.rule_min_width, int(np.ceil(config.rule_width * max(half.shape))))  # pixels at half size
    # Alone, never the height of a strip: a digit spans that. A strip read again with paper added (`pad`, pad / 2
    # a side at half size) is measured without that paper, where its rules do not run: their length, the straight
    # runs they are found in, and the share of the strip a rule its digits hide meets ink in. A crop one digit
    # fills keeps the paper in all three: its stem is a line nearly as long as the crop.
    strip = pad > 0 and _is_strip((flat.shape[0] - 2 * pad, flat.shape[1] - 2 * pad), config)
    length = config.rule_length * (max(half.shape) - (pad if strip else 0))
    for axis in (0, 1):  # horizontal rules, then vertical ones on the transposed page
        small = half if axis == 0 else np.ascontiguousarray(half.T)  # OpenCV copies strided images at every call
        width = small.shape[1]
        ink = _weak_ink(small, low).astype(np.uint8)
        # Only ink thin across the rule's direction can be a rule: thick bars and the strokes
        # crossing a rule are left out here; chaining the runs (_rules) bridges them.
        thick = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((2 * widest + 1, 1), np.uint8))
        band = cv2.dilate(ink & (1 - thick), np.ones((2 * config.rule_slack + 1, 1), np.uint8))
        # Close the breaks a grid's crossing lines leave, then keep runs straight for `run` pixels.
        band = cv2.morphologyEx(band, cv2.MORPH_CLOSE, np.ones((1, 2 * widest + 1), np.uint8))
        run = max(4, int(config.rule_run * (width - (pad if strip else 0))))
        straight = cv2.morphologyEx(band, cv2.MORPH_OPEN, np.ones((1, run), np.uint8))
        across = config.rule_span * (width - pad)  # pad / 2 on each side at half size
        if np.count_nonzero(straight.any(axis=0)) < RULE_COVER * min(length, across):
            continue  # not enough straight ink across the page for even one rule
        # Lines across a wide frame's shorter side come in a family, or hidden by the digits on them, only
        # with rules along it (a squared page): digits' stems span a strip cropped close as a grid's lines
        # do, and are all ink. A tall frame's rules down it are a page's held sideways.
        across_too = axis == 0 or lines is not None or flat.shape[0] > flat.shape[1]
        on_rule, drawn = _rules(straight, length, across, config.rule_slack + widest, widest + 2,
                                config.rule_family if across_too else math.inf,
                                None if config.rule_inked is None or not across_too else ink,
                                (config.rule_inked, config.rule_inked_cover),
                                pad // 2 if strip else 0, flat.shape if axis == 0 else flat.shape[::-1])
        here = None if on_rule is None else on_rule if axis == 0 else on_rule.T
        if here is None or (count + drawn < config.rule_family and config.rule_lone_dark is not None
                            and _squarish(flat.shape, config)
                            and _as_dark_as_ink(flat, here, low, config.rule_lone_dark)):
            continue
        count += drawn
        page = flat if axis == 0 else np.ascontiguousarray(flat.T)  # OpenCV, below, would copy it anyway
        lines = here if lines is None else lines | here
        down = axis == 1
        reach = 2 * widest + 2  # full-size pixels past the rule on either side
        above = np.vstack([np.full((reach, page.shape[1]), 255, np.uint8), page[:-reach]])
        below = np.vstack([page[reach:], np.full((reach, page.shape[1]), 255, np.uint8)])
        erase = on_rule if config.rule_darker is None else _rule_only(page, on_rule, above, below, low,
                                                                      config.rule_darker)
        cleaned = np.where(erase, np.maximum(page, np.minimum(above, below)), page)
        flat = cleaned if axis == 0 else np.ascontiguousarray(cleaned.T)
        if axis == 0:
            half = _darkest_of_2x2(flat)
    return flat, lines, down, count


def _as_dark_as_ink(page: np.ndarray, on_rule: np.ndarray, low: float, share: float) -> bool:
    """Whether the ink on the lines found (`on_rule`) is, by its median, `share` as dark as the ink off them or
    darker: a lone line as dark as the strokes beside it is a digit's stem, nearly as long as a crop one digit
    fills, where a page's rules are printed lighter than the pen. Ink here is weak ink (`low`), grey levels below
    paper; False when there are fewer than LONE_INK pixels of ink off the lines to judge by."""
    ink = _weak_ink(page, low)
    on, off = page[ink & on_rule], page[ink & ~on_rule]
    if on.size == 0 or off.size < LONE_INK:
        return False
    return 255 - float(np.median(on)) >= share * (255 - float(np.median(off)))


def _fainter_rules(flat: np.ndarray, lines: np.ndarray, down: bool, count: int, config: PipelineConfig,
                   low: float, pad: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """_without_rules again on a page it found `count` rules on, `rule_family` at least, with ink
    `rule_fainter` of the weak-ink level `low` it used: a page's rules are printed alike, and those where
    the light is brighter or the print fainter are found at the weak-ink level in fragments, which join the
    digits they touch to the frame's border. Fewer rules may be a digit's long stem, fainter at its ends."""
    if config.rule_fainter is None or count < config.rule_family:
        return flat, lines, down
    flat, fainter, down_too, _ = _without_rules(flat, config, config.rule_fainter * low, pad)
    return flat, lines if fainter is None else lines | fainter, down or down_too


def _rule_only(page: np.ndarray, on_rule: np.ndarray, above: np.ndarray, below: np.ndarray, low: float,
               darker: float) -> np.ndarray:
    """The pixels of `on_rule` that are the rule itself, not a stroke lying along it: ink on a rule at most
    `darker` grey levels darker than the rule's median ink, each measured against the lighter of the
    pixels `above` and `below` it (the paper beside the rule), since a shadow darkens both alike."""
    darkness = cv2.subtract(cv2.max(above, below), page)  # 0 where lighter than the paper beside it
    counts = np.cumsum(np.bincount(darkness[on_rule & _weak_ink(page, low)], minlength=256))
    if counts[-1] == 0:
        return on_rule
    median = int(np.searchsorted(counts, counts[-1] / 2))
    return on_rule & (darkness <= median + darker)


def _darkest_of_2x2(image: np.ndarray) -> np.ndarray:
    """The image at half size, each pixel the darkest of its 2x2 block, contiguous for OpenCV."""
    return np.ascontiguousarray(cv2.erode(image, np.ones((2, 2), np.uint8))[::2, ::2])


def _rules(straight: np.ndarray, length: float, across: float, tolerance: float, thickness: int,
           family: float, ink: np.ndarray | None = None, inked: tuple[float, float] = (1.0, 0.0),
           margin: int = 0, full: tuple[int, int] | None = None) -> tuple[np.ndarray | None, int]:
    """Where the rules are (None if nowhere) and how many: lines `thickness` pixels wide through straight runs
    that line up, each on the line through the longest of them at the slope the page's rules have
    there (_slope_trend). A page's rules come several to a frame, or run across it: a rule covers
    most of `length` pixels, and spans `across` pixels too when fewer than `family` do; and when
    `family` or more lines span `across` pixels, they are all rules (a squared page's lines across
    a strip, shorter than `length`). A lone line ending inside the frame is more likely the thin
    stem of a digit that fills it. With `ink` (the mask the runs were found in), a line whose runs
    cover at least `inked[1]` of `across` is a rule too when it crosses `across` pixels of the
    frame and meets ink in `inked[0]` of them: a rule the digits written on it hide for the most
    part, where a row of digits' tops or a dashed line has paper between its runs. `margin`: pixels of
    paper added at each end of the lines (a crop read again), where no rule's ink is to be met. With `full`,
    the shape of the page `straight` was found in at half size (_darkest_of_2x2), the rules are drawn on it
    (_drawn): a line drawn at half size, to its nearest pixel, and enlarged lay up to two pixels off its rule
    and left it a rim a pixel thin, which joined a squared page's digits to the frame's border."""
    count, labels, stats, centres = cv2.connectedComponentsWithStats(straight, connectivity=8)
    left, widths = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_WIDTH]
    slope = np.zeros(count)
    for i in range(1, count):  # from the mean row of each run's first and last columns
        first = np.flatnonzero(labels[:, left[i]] == i).mean()
        last = np.flatnonzero(labels[:, left[i] + widths[i] - 1] == i).mean()
        slope[i] = (last - first) / max(1, widths[i] - 1)
    trend = _slope_trend(slope, widths, centres[:, 1], straight.shape[1])
    groups: list[list[int]] = []
    for i in sorted(range(1, count), key=lambda i: -widths[i]):
        for group in groups:
            seed = group[0]
            along = (trend[i] + trend[seed]) / 2
            if (abs(slope[i] - slope[seed]) <= RULE_SLOPE_MATCH + RULE_SLOPE_JITTER / widths[i]
                    and abs(centres[seed, 1] + along * (centres[i, 0] - centres[seed, 0]) - centres[i, 1])
                    <= tolerance):
                group.append(i)
                break
        else:
            groups.append([i])
    lines = []  # (runs, whether they are a long line, whether a line across the frame, their cover)
    for group in groups:
        if abs(slope[group[0]]) > MAX_RULE_SLOPE:
            continue
        span = max(left[group] + widths[group]) - 1 - min(left[group])
        cover = widths[group].sum()
        lines.append((group, cover >= RULE_COVER * length and span >= length,
                      cover >= RULE_COVER * across and span >= across, cover))
    longs, wides = sum(entry[1] for entry in lines), sum(entry[2] for entry in lines)
    fitted = []  # each rule's line, (slope, intercept) at half size
    near = None  # ink widened across the rules, made when first needed
    for group, long, wide, cover in lines:
        rule = (long and (wide or longs >= family)) or (wide and wides >= family)
        if not rule and (ink is None or cover < inked[1] * across):
            continue
        # The whole rule, across the frame and through the digits that break it: the pieces between
        # them are too short to find.
        if np.ptp(centres[group, 0]) >= 1:  # runs side by side, not one above another
            line = np.polyfit(centres[group, 0], centres[group, 1], 1, w=np.sqrt(widths[group]))
        else:
            line = (slope[group[0]], centres[group[0], 1] - slope[group[0]] * centres[group[0], 0])
        if not rule:
            if near is None:
                near = cv2.dilate(ink, np.ones((2 * tolerance + 1, 1), np.uint8))
            line, share = _most_inked(near, line, group, centres, widths, across, margin)
            if share < inked[0]:
                continue
        fitted.append(line)
    if not fitted:
        return None, 0
    on_rule = _drawn(fitted, thickness, full or straight.shape, 1 if full is None else 2)
    return (on_rule, len(fitted)) if on_rule.any() else (None, 0)


def _drawn(lines: list, thickness: int, shape: tuple[int, int], scale: int) -> np.ndarray:
    """True on `lines` (slope, intercept at half size) as cv2.line draws them `thickness` thick at half size (an odd
    number of pixels), on an image of `shape`, `scale` (1 or 2) times the half size. Enlarged, each lies where the
    half-size rows it was found in lie, not a pixel or two off: half-size pixel i holds the darkest of full-size
    pixels 2i - 1 and 2i (_darkest_of_2x2), its middle at 2i - 0.5. There a line is drawn twice, a quarter of a
    pixel either side of its middle, each time an odd number of pixels thick about its nearest pixel: together,
    about the pixels whose middles lie within `scale` times half its width at half size of its middle."""
    drawn = np.zeros(shape, np.uint8)
    shift = (scale - 1) / 2
    wide = 2 * ((thickness + 1) // 2) + 1  # half-size pixels: cv2.line draws a thickness T 2 * ((T + 1) // 2) + 1 wide
    offsets = (0.0,) if scale == 1 else (-0.25, 0.25)
    for line in lines:
        for offset in offsets:
            ends = [(x, scale * np.polyval(line, (x + shift) / scale) - shift + offset) for x in (0, shape[1] - 1)]
            points = [(int(round(x * SUBPIXEL)), int(round(y * SUBPIXEL))) for x, y in ends]
            cv2.line(drawn, points[0], points[1], 1, scale * (wide - 1), shift=SUBPIXEL_BITS)
    return drawn.view(bool)


def _most_inked(ink: np.ndarray, line, group: list[int], centres: np.ndarray, widths: np.ndarray, across: float,
                margin: int) -> tuple[tuple[float, float], float]:
    """`line`, or a line through the same runs' centre at a slope up to RULE_TILT_SEARCH from its own that meets
    more ink, and the share of columns it meets ink in (_inked_along): fitted through a few short runs close
    together, a rule's slope is rough, and a line across the whole frame at that slope strays off the rule at
    its ends."""
    best, most = line, _inked_along(ink, line, across, margin)
    if len(group) < 2 or np.ptp(centres[group, 0]) >= RULE_FIT_SPREAD * ink.shape[1]:
        return best, most
    x, y = np.average(centres[group], axis=0, weights=widths[group])
    for slope in line[0] + np.linspace(-RULE_TILT_SEARCH, RULE_TILT_SEARCH, 2 * RULE_TILT_STEPS + 1):
        candidate = (slope, y - slope * x)
        share = _inked_along(ink, candidate, across, margin)
        if share > most:
            best, most = candidate, share
    return best, most


def _inked_along(ink: np.ndarray, line, across: float, margin: int = 0) -> float:
    """Share of the columns a line crosses the frame in where it meets ink; 0 when it crosses fewer than `across`.
    The `margin` columns at either end (paper added) are left out."""
    xs = np.arange(margin, ink.shape[1] - margin)
    ys = np.round(np.polyval(line, xs)).astype(int)
    inside = (ys >= 0) & (ys < ink.shape[0])
    if np.count_nonzero(inside) < across:
        return 0.0
    return float(np.count_nonzero(ink[ys[inside], xs[inside]])) / np.count_nonzero(inside)


def _slope_trend(slope: np.ndarray, widths: np.ndarray, rows: np.ndarray, width: int) -> np.ndarray:
    """Each run's slope as the page's rules have it at its row: the rules of a page are nearly parallel,
    their slope changing smoothly down the page with perspective, and a short run's own slope is
    too rough to follow it across a digit that breaks its rule. The runs' own slopes when fewer
    than three are long (`RULE_TREND_RUN`); index 0 (the background) is left as it is."""
    long = np.flatnonzero((widths >= RULE_TREND_RUN * width) & (np.abs(slope) <= MAX_RULE_SLOPE))
    long = long[long > 0]
    if len(long) < 3:
        return slope
    trend = slope.copy()
    trend[1:] = np.polyval(np.polyfit(rows[long], slope[long], 1, w=np.sqrt(widths[long])), rows[1:])
    return trend


def drop_rule_stubs(flat: np.ndarray, divided: np.ndarray, labels: np.ndarray, blobs: list[Blob],
                    lines: np.ndarray | None, ruled: np.ndarray | None,
                    config: PipelineConfig = PipelineConfig()) -> list[Blob]:
    """`blobs` but pieces of a rule: `rule_stub` of their ink or more on the rules (`lines`, _without_rules) and
    no darker than the rules' median (the pixels made paper, `ruled`, as they were in `divided`) by `rule_darker`.
    A rule's pixels are kept where a stroke crosses it, ink within reach on both sides; between two strokes
    close beside it (a 1 either side of a squared page's line), its piece stays too, and read as a 1."""
    if config.rule_stub is None or lines is None or ruled is None or not ruled.any():
        return blobs
    rule = float(np.median(255 - divided[ruled])) + (config.rule_darker or 0.0)
    kept = []
    for blob in blobs:
        x, y, w, h = blob.box
        mask = _blob_mask(labels, blob, blob.box)
        if (np.count_nonzero(mask & lines[y:y + h, x:x + w]) < config.rule_stub * np.count_nonzero(mask)
                or np.median(255 - flat[y:y + h, x:x + w][mask]) > rule):
            kept.append(blob)
    return kept
