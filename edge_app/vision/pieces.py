"""Ink pieces made into candidate digits: the pieces of a broken digit joined (join_pieces), and
what is not a digit dropped: specks, lines along a shadow's step, frames and rings drawn round
digits, the sheet's edge, a pen lying on the page, a loose-leaf sheet's punched holes, and shapes
no digit has."""

import math

import cv2
import numpy as np

from edge_app.preprocess import _histogram, _percentile, stroke_width
from edge_app.vision.boxes import Blob, _blob_mask, _root, _touches_border, _union_all
from edge_app.vision.config import PipelineConfig
from edge_app.vision.ink import _on_step

FRAME_STROKES = 1.5  # a frame's ink lies within this many of its strokes' widths of its hull's edge, at least
RING_BINS = 36  # directions from an outline's centre ...
RING_CLOSED = 0.9  # ... this share of which meet its ink by its hull's edge: a closed ring or box
EDGE_CLEAR = 2  # pixels between a blob's box and the strips of paper drop_sheet_edges() compares
EDGE_PAPER = 0.5  # share of a strip that must be free of ink for it to tell the paper's level
EDGE_INK = 25  # percentile of a blob's pixels in the grey frame taken as its ink's level
STEP_LINE_GAP = 3  # pixels between a line along a step drop_step_lines() drops and a piece broken off it
OFF_PAPER_TOP = 90  # percentile of the paper's estimate taken as the frame's paper by drop_off_paper()
OFF_PAPER_STEP = 8  # ... measured on every this many pixels both ways
HOLE_BINS = 72  # directions from the centre of the circle fitted to a blob's outline, for drop_holes()
HOLE_GAP = 0.01  # a gap in a blob's ink this share of what its outline encloses is a hole of its own ...
HOLE_GAP_PIXELS = 4  # ... and this many pixels at least (grain leaves pinholes in a disc)
HOLE_POINTS = 12  # outline points fewer than this tell no circle
HOLE_PIXELS = 0.6  # pixels: an outline's mean distance from its circle that is a circle's at any size
HOLE_ON = 0.06  # an outline's point this share of its circle's radius from it (a pixel at least) lies on it
BAR_CANDIDATES = 2  # drop_bars looks at this many of the longest pieces: a pen, or the two edges of a light one
BAR_SIDE_POINTS = (-0.25, 0.0, 0.25)  # where along a bar, in its lengths from its centre, the paper beside it is seen
_JOIN_ROWS = 256  # join_pieces() compares this many pieces with all the others at once


def join_pieces(pieces: list[Blob], config: PipelineConfig = PipelineConfig()) -> list[Blob]:
    """Join the pieces of one broken digit: stacked pieces that nearly touch, or a small piece touching a big one.

    Each pair is judged on the pieces as found, never on a box already grown by
    joining, so joins cannot cascade along a line of digits (but for a stem broken
    across, `join_stem`, whose pieces are one to a small piece beside it); a group whose box
    would be much larger than its largest piece is left in pieces, unless it is
    still narrow (`join_narrow`): beside a long stem, any hook is wide. A flag on
    the largest piece (`join_flag`) does not count toward the width: a 5's bar,
    drawn apart, may reach well past its body.
    """
    parent = list(range(len(pieces)))

    def root(i):
        return _root(parent, i)

    stacked, partners = _join_pairs(np.array([piece.box for piece in pieces], np.int64).reshape(-1, 4), config)
    for i, j in stacked:
        parent[root(j)] = root(i)
    if stacked and config.join_stem is not None:
        # A stroke broken across is also one piece to the small pieces beside it: an open 4's hook beside
        # its faint stem, broken in pieces, is small beside the whole stem, not beside any of its pieces.
        # Only a stem's: a shadow's slanting edge, broken, is no piece that digits along it are small beside.
        stacks: dict[int, list[int]] = {}
        for i in range(len(pieces)):
            stacks.setdefault(root(i), []).append(i)
        units = []  # (a piece of the unit, its box)
        for members in stacks.values():
            box = _union_all(pieces[i].box for i in members)
            if len(members) > 1 and box[2] <= config.join_stem * box[3]:
                units.append((members[0], box))
            else:
                units.extend((i, pieces[i].box) for i in members)
        boxes = np.array([box for _, box in units], np.int64).reshape(-1, 4)
        partners += [(units[i][0], units[j][0]) for i, j in _join_pairs(boxes, config)[1]]
    for i, j in partners:
        parent[root(j)] = root(i)
    groups: dict[int, list[Blob]] = {}
    for i, piece in enumerate(pieces):
        groups.setdefault(root(i), []).append(piece)
    blobs = []
    for members in groups.values():
        box = _union_all(m.box for m in members)
        largest = max(members, key=lambda m: m.box[2] * m.box[3]).box
        width = box[2]
        if len(members) > 1 and config.join_flag is not None:
            body = [m.box for m in members if not _flag(m.box, largest, config)]
            width = max(b[0] + b[2] for b in body) - min(b[0] for b in body)
        if len(members) > 1 and (box[3] > config.join_growth * largest[3]
                                 or width > max(config.join_width_growth * largest[2], config.join_narrow * box[3])):
            blobs.extend(members)
            continue
        blobs.append(Blob(box, tuple(label for m in members for label in m.labels)))
    return blobs


def _flag(piece, largest, config: PipelineConfig) -> bool:
    """Whether `piece` is a flag on the piece `largest`: flat, centred in its top `join_flag_top`
    (a 5's bar drawn apart from its body; a dash between numbers sits lower)."""
    return (piece != largest and piece[2] >= config.join_flag * piece[3]
            and piece[1] + piece[3] / 2 <= largest[1] + config.join_flag_top * largest[3])


def drop_step_lines(paper: np.ndarray, labels: np.ndarray, pieces: list[Blob], areas: np.ndarray,
                    config: PipelineConfig = PipelineConfig()) -> list[Blob]:
    """Drop the lines along a sheet's edge on a table: the shadow a sheet, a note or a notepad casts
    beside its edges, or a dark edge, found as one thin piece along two or three sides of it.

    Such a line is as dark against the table as a pen's stroke, so drop_sheet_edges() does
    not see it, and as an L or a U round the digit it is no frame for drop_frames(); but it
    holds the digit inside its box, and join_pieces() would make one blob of them, read as
    a "3" or a "2". It runs along a step in the paper's `paper` estimate (the sharp one:
    the paper's edge against the table, which the closing keeps) from end to end, which a
    digit's strokes cross at most. A piece is dropped when `step_line_share` of its pixels
    or more lie by such a step (_on_step), it is thin (at most `step_line_width` pixels of
    ink for each pixel of its box's width and height together: a line of that many pixels'
    width along two of its sides), and it is longer than `step_line_span` times the tallest
    other piece at least `min_digit_height` tall: a digit's 1 written on a shadow's edge
    stands among digits of its size. Pieces broken off such a line, each short, are dropped
    too where they run along a step within STEP_LINE_GAP pixels of it: left, they read as 1s.
    """
    if config.step_line_share is None:
        return pieces
    heights = sorted((piece.box[3] for piece in pieces if piece.box[3] >= config.min_digit_height), reverse=True)

    def mask(piece) -> tuple[tuple[slice, slice], np.ndarray]:
        x, y, w, h = piece.box
        return np.s_[y:y + h, x:x + w], _blob_mask(labels, piece, piece.box)

    def along_step(piece) -> bool:
        w, h = piece.box[2:]
        return (sum(int(areas[label]) for label in piece.labels) <= config.step_line_width * (w + h)
                and _on_step(paper, piece.box, mask(piece)[1]) >= config.step_line_share)
    kept, lines = [], []
    for piece in pieces:
        w, h = piece.box[2:]
        tallest = heights[0] if heights else 0
        if h == tallest:  # the tallest other piece: the next one down (the same height if two share it)
            tallest = heights[1] if len(heights) > 1 else 0
        long = max(w, h) >= config.min_digit_height and max(w, h) > config.step_line_span * tallest
        (lines if long and along_step(piece) else kept).append(piece)
    if not lines or not kept:
        return kept
    near = np.zeros(labels.shape, np.uint8)
    for line in lines:
        box, pixels = mask(line)
        near[box][pixels] = 1
    near = cv2.dilate(near, np.ones((2 * STEP_LINE_GAP + 1,) * 2, np.uint8))

    def beside_a_line(piece) -> bool:
        box, pixels = mask(piece)
        return bool(near[box][pixels].any())
    return [piece for piece in kept if not (beside_a_line(piece) and along_step(piece))]


def drop_frames(labels: np.ndarray, pieces: list[Blob], config: PipelineConfig = PipelineConfig()) -> list[Blob]:
    """Drop pieces that are frames round others: the edge of a sheet lying inside the picture,
    a box drawn round a number.

    A frame holds a piece that could be a digit (not a speck, not a flat bar), clear of
    its sides and smaller than it, and is an outline with four sides: its convex hull
    has four corners (or fills the rectangle round it: a shadow cut one off), its ink
    lies along that hull, and the piece it holds lies deep inside. A 0 round a speck is
    rounder; a 2 or a 4 has ink across its hull; a 7's empty corner is outside its hull.
    A round outline is a frame too when what it holds is over a third of its height
    (`frame_round_inner`): a ring drawn round a number.
    """
    kept = []
    # Only a piece at least min_digit_height tall can be held, and only one taller still can hold it:
    # a grainy frame's thousands of specks are neither, and are not compared pair by pair.
    held = [piece.box for piece in pieces if piece.box[3] >= config.min_digit_height]
    for piece in pieces:
        can_hold = config.frame_max_inner * piece.box[3] >= config.min_digit_height
        inner = [box for box in held if _around(piece.box, box, config)] if can_hold else []
        if not (inner and _frames(_blob_mask(labels, piece, piece.box), piece.box, inner, config)):
            kept.append(piece)
    return kept


def without_rings(labels: np.ndarray, pieces: list[Blob], areas: np.ndarray,
                  config: PipelineConfig = PipelineConfig()) -> tuple[list[Blob], np.ndarray, list[Blob]]:
    """`pieces` with the digits a ring or box drawn round a number touches parted from it, the areas by label
    grown by their new labels, and the outlines so parted (their pixels keep the old label in `labels`).

    An outline holding a piece `frame_round_inner` of its height, with ink all round its hull
    (RING_CLOSED of the directions from its centre meet ink within its band of the hull's
    edge), and ink a digit's height deeper inside too: a digit touching it, which drop_frames()
    would drop with it, or keep the outline for. The ink deeper than the band is taken as
    pieces of its own.
    """
    if config.frame_round_inner is None:
        return pieces, areas, []
    held = [piece.box for piece in pieces if piece.box[3] >= config.min_digit_height]
    kept, grown, rings = [], [areas], []
    for piece in pieces:
        x, y, w, h = piece.box
        can_hold = config.frame_max_inner * h >= config.min_digit_height  # not a speck: few pieces are compared
        inner = [box for box in held if box[3] >= config.frame_round_inner * h and _around(piece.box, box, config)
                 ] if can_hold else []
        rest = _ring_rest(_blob_mask(labels, piece, piece.box), config) if inner else None
        if rest is None:
            kept.append(piece)
            continue
        parts, part_areas = _relabel(labels, piece, rest, sum(len(a) for a in grown), config)
        kept += parts
        grown.append(part_areas.astype(areas.dtype))
        rings.append(piece)
    return kept, (np.concatenate(grown) if len(grown) > 1 else areas), rings


def _relabel(labels: np.ndarray, piece: Blob, rest: np.ndarray, first: int,
             config: PipelineConfig) -> tuple[list[Blob], np.ndarray]:
    """The components of `rest`, a mask in `piece`'s box, labelled `first` on in `labels` (in place): Blobs of
    those of `min_piece_area` or more, and the areas of all, in label order."""
    x, y, w, h = piece.box
    count, parts, stats, _ = cv2.connectedComponentsWithStats(rest.view(np.uint8), connectivity=8)
    window = labels[y:y + h, x:x + w]
    blobs = []
    for i in range(1, count):
        window[parts == i] = first + i - 1
        if stats[i, cv2.CC_STAT_AREA] >= config.min_piece_area:
            px, py, pw, ph = (int(v) for v in stats[i, :4])
            blobs.append(Blob((x + px, y + py, pw, ph), (first + i - 1,)))
    return blobs, stats[1:, cv2.CC_STAT_AREA]


def _ring_rest(mask: np.ndarray, config: PipelineConfig) -> np.ndarray | None:
    """The ink of a closed outline's piece deeper inside its hull than its band (see without_rings), or None
    when it is no closed outline or none of that ink is a digit's height."""
    _, depth, band = _hull_depth(mask, config)
    deep = mask & (depth > band)
    count, _, stats, _ = cv2.connectedComponentsWithStats(deep.view(np.uint8), connectivity=8)
    if not (stats[1:, cv2.CC_STAT_HEIGHT] >= config.min_digit_height).any():
        return None  # a clean outline, or specks by it: drop_frames() takes it whole
    rows, columns = np.nonzero(mask & (depth <= band))
    angles = np.arctan2(rows - mask.shape[0] / 2, (columns - mask.shape[1] / 2) * mask.shape[0] / mask.shape[1])
    bins = np.unique(((angles + np.pi) / (2 * np.pi) * RING_BINS).astype(int) % RING_BINS)
    return deep if bins.size >= RING_CLOSED * RING_BINS else None


def _around(outer, inner, config: PipelineConfig) -> bool:
    x, y, w, h = outer
    ix, iy, iw, ih = inner
    margin_x, margin_y = config.frame_margin * w, config.frame_margin * h
    return (max(config.min_digit_height, config.frame_min_inner * h, iw / 2) <= ih <= config.frame_max_inner * h
            and iw <= config.frame_max_inner * w
            and ix >= x + margin_x and ix + iw <= x + w - margin_x
            and iy >= y + margin_y and iy + ih <= y + h - margin_y)


def _frames(mask: np.ndarray, box, inner: list, config: PipelineConfig) -> bool:
    """Whether the piece `mask` (at `box`) is a four-sided outline with one of the `inner` boxes deep inside it, or
    a round one holding a piece `frame_round_inner` of its height."""
    hull, depth, band = _hull_depth(mask, config)
    if not _four_sided(hull, config) and (
            config.frame_round_inner is None or not any(ih >= config.frame_round_inner * box[3] for *_, ih in inner)):
        return False  # round: a ring round a digit-sized piece (a number circled), not a 0 round a speck
    if not _along_hull(mask, depth, band, config):
        return False
    x, y = box[:2]
    return any(depth[iy + ih // 2 - y, ix + iw // 2 - x] > band for ix, iy, iw, ih in inner)


def _four_sided(hull: np.ndarray, config: PipelineConfig) -> bool:
    """Whether a convex hull has four sides: four corners once simplified within `frame_corner` of its
    perimeter, or more filling `frame_rectangle` of the smallest rectangle round it."""
    if len(cv2.approxPolyDP(hull, config.frame_corner * cv2.arcLength(hull, True), True)) <= 4:
        return True
    return config.frame_rectangle is not None and bool(
        cv2.contourArea(hull) >= config.frame_rectangle * math.prod(cv2.minAreaRect(hull)[1]))


def _along_hull(mask: np.ndarray, depth: np.ndarray, band: float, config: PipelineConfig) -> bool:
    """Whether a piece's ink keeps to its hull's edge, as an outline's does: at most `frame_max_across` of it
    deeper inside the hull than `band` (_hull_depth)."""
    return np.count_nonzero(mask & (depth > band)) <= config.frame_max_across * np.count_nonzero(mask)


def _hull_depth(mask: np.ndarray, config: PipelineConfig) -> tuple[np.ndarray, np.ndarray, float]:
    """A piece's convex hull, each pixel's depth inside it (pixels from its edge), and the band along its edge
    an outline's ink keeps to: `frame_band` of its shorter side, or FRAME_STROKES of its strokes' width for a
    small box drawn with a broad pen."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    hull = cv2.convexHull(np.vstack(contours))
    inside = np.zeros((mask.shape[0] + 2, mask.shape[1] + 2), np.uint8)  # a border outside the hull
    cv2.fillConvexPoly(inside, hull + 1, 1)
    depth = cv2.distanceTransform(inside, cv2.DIST_L2, 3)[1:-1, 1:-1]
    return hull, depth, max(config.frame_band * min(mask.shape), FRAME_STROKES * stroke_width(mask))


def drop_non_digits(blobs: list[Blob], frame_shape, areas,
                    config: PipelineConfig = PipelineConfig()) -> list[Blob]:
    """Keep blobs that could be digits: drop those too short, cut by the frame's border (paper edges), too big,
    lines and solid smudges. Specks (drop_specks) and the tips of shadows (drop_shadows) are judged after.

    `areas[label]` is the ink area of each component label (find_ink gives it).
    """
    height, width = frame_shape[:2]
    kept = []
    for blob in blobs:
        x, y, w, h = blob.box
        if h < config.min_digit_height:
            continue
        if _touches_border(blob.box, frame_shape):
            continue  # cut by the frame's border: a partial digit or the paper's edge
        if h > config.max_digit_share * height or w > config.max_digit_share * width:
            continue
        if w > config.max_line_aspect * h:
            continue
        fill = sum(areas[label] for label in blob.labels) / float(w * h)
        if fill > config.max_fill and w > 0.4 * h:
            continue
        kept.append(blob)
    return kept


def drop_edge_steps(blobs: list[Blob], config: PipelineConfig = PipelineConfig()) -> list[Blob]:
    """Drop the steps of a straight edge slanting a little off upright, a sheet's edge in shadow darker
    than the table beside it: thresholded, it is a staircase of slivers a pixel or two wide, each a pixel
    aside from the one above it and a few rows below it. Each reads as a sure 1, and a crowd of them made
    drop_specks take the digit on the sheet, ten times taller, for a bar. A chain of `step_chain` or more
    such slivers is no writing: a pen's 1s stand side by side, and the pieces of a stroke broken across
    overlap, and are joined (join_pieces). Run before drop_non_digits, on slivers down to half of
    `min_digit_height`: a chain holds steps a pixel shorter than a digit (with OpenCV 4, a 5-degree
    edge's steps were 9 and 10 px tall), and broken where they were dropped, its pieces stayed 1s."""
    if config.step_chain is None:
        return blobs
    thin = sorted((i for i, blob in enumerate(blobs)
                   if blob.box[2] <= config.step_width and 2 * blob.box[3] >= config.min_digit_height),
                  key=lambda i: blobs[i].box[1])
    if len(thin) < config.step_chain:
        return blobs
    chain = list(range(len(thin)))  # by place in `thin`: a union-find forest of the slivers' chains
    for at, i in enumerate(thin):
        x, y, w, h = blobs[i].box
        for below, j in enumerate(thin[at + 1:], at + 1):
            jx, jy, jw, jh = blobs[j].box
            if jy > y + h + config.step_gap * h:
                break  # sorted by top: none further down can be the next step
            if y + h - 1 <= jy <= y + h + config.step_gap * min(h, jh) and jx <= x + w and x <= jx + jw:
                chain[_root(chain, below)] = _root(chain, at)
    roots = [_root(chain, at) for at in range(len(thin))]
    lengths = np.bincount(roots, minlength=len(thin))
    steps = {i for at, i in enumerate(thin) if lengths[roots[at]] >= config.step_chain}
    return [blob for i, blob in enumerate(blobs) if i not in steps]


def drop_holes(labels: np.ndarray, blobs: list[Blob], config: PipelineConfig = PipelineConfig()) -> list[Blob]:
    """Drop a loose-leaf sheet's punched holes. Over a table a hole is a dark disc, read as a sure 0; over the
    next sheet the upper sheet's shadow inside its rim is a crescent, read as a 1, 2, 6 or 7.

    Either is a blob with no hole of its own (HOLE_GAP) whose outline, where it is
    convex (outside its concavities a pixel deep or more), lies on one circle, `hole_fit`
    of its radius from it on average, along `hole_arc` of the directions from its centre
    or more. A disc has no concavity deeper than `hole_notch` of the radius and lies on
    its circle along `hole_disc` of them; a crescent's deepest concavity, `hole_deep` of
    the radius deep or more, lies on a circle as close, as large within `hole_inner`
    times, its centre `hole_offset` of the radius away, where a curved stroke's inner
    edge lies on a smaller circle about the same centre; a bracket round an area code
    is a curved stroke too, and bowed less than a crescent is deep. In 6,317 generated
    digits, on their own, in lines and on sheets, none was taken for a hole. The circles
    of a frame's blobs are fitted at once (_circles): one at a time, numpy's per-call
    cost made this stage a tenth of a frame's time.
    """
    if config.hole_arc is None or not blobs:
        return blobs
    candidates = []  # (index in blobs, outline, its concavities a pixel deep or more)
    for index, blob in enumerate(blobs):
        contours, tree = cv2.findContours(_blob_mask(labels, blob, blob.box).view(np.uint8), cv2.RETR_CCOMP,
                                          cv2.CHAIN_APPROX_NONE)
        outline = max((c for c, (*_, parent) in zip(contours, tree[0], strict=True) if parent < 0), key=len)
        if len(outline) < HOLE_POINTS:
            continue
        least = max(HOLE_GAP_PIXELS, HOLE_GAP * cv2.contourArea(outline))
        if any(parent >= 0 and cv2.contourArea(c) >= least for c, (*_, parent) in zip(contours, tree[0], strict=True)):
            continue  # a hole of its own: a 0, 6, 8 or 9, however thick its strokes
        hull = cv2.convexHull(outline, returnPoints=False)
        defects = cv2.convexityDefects(outline, np.sort(hull, axis=0)) if len(hull) >= 4 else None
        defects = np.zeros((0, 4), np.int32) if defects is None else defects.reshape(-1, 4)
        candidates.append((index, outline, defects[defects[:, 3] >= 256]))  # depths in 1/256 pixel
    if not candidates:
        return blobs
    points, ids, convex = _convex_parts(candidates)
    centres, radii, fits, arcs = _circles(points[convex], ids[convex], len(candidates))
    holes = set()
    for j, (index, outline, defects) in enumerate(candidates):
        radius = radii[j]
        if not (fits[j] <= max(HOLE_PIXELS, config.hole_fit * radius) and arcs[j] >= config.hole_arc):
            continue
        deepest = defects[np.argmax(defects[:, 3])] if len(defects) else None
        depth = 0.0 if deepest is None else deepest[3] / 256.0 / radius
        if depth <= config.hole_notch:
            if arcs[j] >= config.hole_disc:
                holes.add(index)  # a disc, perhaps notched
        elif depth >= config.hole_deep and _crescent(outline[:, 0, :], deepest, centres[j], radius, config):
            holes.add(index)
    return [blob for index, blob in enumerate(blobs) if index not in holes] if holes else blobs


def _convex_parts(candidates) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """drop_holes' candidates' outlines end to end: (points (N, 2) float, which candidate each is of, whether
    it lies outside every concavity of its outline)."""
    lengths = [len(outline) for _, outline, _ in candidates]
    starts = np.cumsum([0] + lengths[:-1]).tolist()
    points = np.concatenate([outline[:, 0, :] for _, outline, _ in candidates]).astype(np.float64)
    ids = np.repeat(np.arange(len(candidates)), lengths)
    inside = np.zeros(len(points) + 1, np.int32)  # +1 where a concavity's inside begins, -1 after it
    for (_, _, defects), base, length in zip(candidates, starts, lengths, strict=True):
        for start, end, _, _ in defects.tolist():  # the concavity between outline points start and end
            inside[base + start + 1] += 1
            inside[base + end] -= 1
            if end < start:  # it runs on past the outline's first point
                inside[base + length] -= 1
                inside[base] += 1
    return points, ids, np.cumsum(inside[:-1]) == 0


def _crescent(points: np.ndarray, deepest: np.ndarray, centre: np.ndarray, radius: float,
              config: PipelineConfig) -> bool:
    """Whether an outline's deepest concavity (convexityDefects' row) lies on a circle as close as its convex
    part lies on its own (centre, radius), about as large and off that centre: see drop_holes."""
    start, end, count = int(deepest[0]), int(deepest[1]), len(points)
    side = points[np.arange(start, end + (count if end < start else 0) + 1) % count].astype(np.float64)
    inner_centres, inner_radii, inner_fits, _ = _circles(side, np.zeros(len(side), np.int64), 1)
    inner = inner_radii[0]
    if not inner > 0:
        return False
    offset = math.hypot(*(inner_centres[0] - centre)) / radius
    return (abs(math.log(inner / radius)) <= math.log(config.hole_inner)
            and config.hole_offset[0] <= offset <= config.hole_offset[1]
            and inner_fits[0] <= max(HOLE_PIXELS, config.hole_fit * radius))


def _circles(points: np.ndarray, ids: np.ndarray, count: int):
    """Least-squares circles (Kasa's fit) through `count` sets of points at once, `ids` saying which set each
    point is of: (centres (count, 2), radii, the points' mean distance from their circle, the share of
    HOLE_BINS directions from its centre in which one lies on it, within HOLE_ON of its radius or a pixel).
    A set of fewer than 3 points, or on none, has radius 0 and fit inf."""
    sizes = np.bincount(ids, minlength=count).astype(np.float64)
    per = np.maximum(sizes, 1.0)
    middles = np.column_stack([np.bincount(ids, points[:, 0], count), np.bincount(ids, points[:, 1], count)])
    middles /= per[:, None]
    x, y = points[:, 0] - middles[ids, 0], points[:, 1] - middles[ids, 1]  # about each set's mean: x, y sum to 0
    z = -(x * x + y * y)
    xx, xy, yy = np.bincount(ids, x * x, count), np.bincount(ids, x * y, count), np.bincount(ids, y * y, count)
    xz, yz = np.bincount(ids, x * z, count), np.bincount(ids, y * z, count)
    det = xx * yy - xy * xy
    good = (sizes >= 3) & (np.abs(det) > 1e-9)
    det = np.where(good, det, 1.0)
    a, b = (xz * yy - xy * yz) / det, (xx * yz - xy * xz) / det  # x^2 + y^2 + a x + b y + c = 0 ...
    square = (a * a + b * b) / 4 - np.bincount(ids, z, count) / per  # ... with c the mean of z
    good &= square > 0
    radii = np.where(good, np.sqrt(np.where(good, square, 0.0)), 0.0)
    distances = np.abs(np.hypot(x + a[ids] / 2, y + b[ids] / 2) - radii[ids])
    fits = np.where(good, np.bincount(ids, distances, count) / per, np.inf)
    on = distances <= np.maximum(1.0, HOLE_ON * radii[ids])
    directions = np.arctan2(y[on] + b[ids[on]] / 2, x[on] + a[ids[on]] / 2)
    bins = ((directions + math.pi) * (HOLE_BINS / (2 * math.pi))).astype(np.int64) % HOLE_BINS
    arcs = np.bincount(np.unique(ids[on] * HOLE_BINS + bins) // HOLE_BINS, minlength=count) / HOLE_BINS
    return middles - np.column_stack([a, b]) / 2, radii, fits, arcs


def drop_off_paper(paper: np.ndarray, blobs: list[Blob], config: PipelineConfig = PipelineConfig()) -> list[Blob]:
    """Drop blobs lying on ground far darker than the frame's paper: a dark table's grain round a sheet, read
    as digits, and as a crowd of them it made the one digit on the sheet, far taller, a bar (drop_specks).
    `paper` is the paper's estimate (paper_estimate's smooth one); a blob's ground is its brightest value at
    the corners of the blob's box (at its centre, a thick digit's strokes are wider than the estimate's kernel),
    the frame's paper its OFF_PAPER_TOP percentile. A blob is dropped when its ground is darker than
    `off_paper` of the paper. In 1,588 generated and realdev photos, the digits read lay on ground 0.48 of
    it or lighter, the pieces of a table read as digits on 0.13 to 0.32 of it; 0.3 leaves room for shadows
    darker than the generator's (45% at most)."""
    if config.off_paper is None or not blobs:
        return blobs
    lit = _on_ground(paper, blobs, config.off_paper * _frame_paper(paper))
    return [blob for blob, on in zip(blobs, lit, strict=True) if on]


def _on_ground(paper: np.ndarray, blobs: list[Blob], least: float) -> list[bool]:
    """Whether each blob's ground, the paper's estimate brightest at its box's corners, is `least` or more."""
    x, y, w, h = np.array([blob.box for blob in blobs]).T
    corners = paper[np.concatenate([y, y, y + h - 1, y + h - 1]), np.concatenate([x, x + w - 1, x, x + w - 1])]
    return (corners.reshape(4, len(blobs)).max(axis=0) >= least).tolist()


def _frame_paper(paper: np.ndarray) -> float:
    """The frame's paper: the OFF_PAPER_TOP percentile of the paper's estimate, on every OFF_PAPER_STEP-th
    pixel, from a histogram of the uint8 estimate (np.percentile's value; its per-call cost was most of
    drop_off_paper's)."""
    return _percentile(_histogram(paper[::OFF_PAPER_STEP, ::OFF_PAPER_STEP]), OFF_PAPER_TOP)


def drop_sheet_edges(grey: np.ndarray, labels: np.ndarray, blobs: list[Blob],
                     config: PipelineConfig = PipelineConfig(), pad: int = 0) -> list[Blob]:
    """Drop the lines along a sheet's edge on a darker table, which the paper's estimate leaves as ink (its
    blur spreads the paper a little over the table) and which read as sure 1s beside the digit ("141").

    A pen's stroke is far darker than the paper on both sides of it, a shadow's side included; the
    line along an edge is hardly darker than the table on its dark side. So an upright blob (at most
    `edge_aspect` of its height wide) is dropped when its ink (the `EDGE_INK` percentile of its pixels
    in the grey frame) is darker than the paper on its darker side by less than `edge_ratio` of what
    it is darker than the paper on the other: each side a strip `edge_strip` of its height wide,
    `EDGE_CLEAR` pixels beyond its box, its ink pieces left out. A blob whose strips would leave the
    frame, or reach into the `pad` pixels of paper added round it (read_frame's second reading, whose
    paper is an estimate: a grid's line at the frame's edge looked like a sheet's edge against it), or
    are half ink or more (`EDGE_PAPER`), is kept.
    """
    if config.edge_ratio is None:
        return blobs
    kept = []
    for blob in blobs:
        if _sheet_outline(grey, labels, blob, config, pad):
            continue
        x, y, w, h = blob.box
        strip = max(3, int(round(config.edge_strip * h)))
        left, right = x - EDGE_CLEAR - strip, x + w + EDGE_CLEAR
        if w > config.edge_aspect * h or left < pad or right + strip > grey.shape[1] - pad:
            kept.append(blob)
            continue
        sides = []
        for start in (left, right):
            paper = labels[y:y + h, start:start + strip] == 0
            if paper.mean() <= EDGE_PAPER:
                break
            sides.append(float(np.median(grey[y:y + h, start:start + strip][paper])))
        if len(sides) < 2:
            kept.append(blob)
            continue
        ink = float(np.percentile(grey[y:y + h, x:x + w][_blob_mask(labels, blob, blob.box)], EDGE_INK))
        if min(sides) - ink >= config.edge_ratio * (max(sides) - ink):
            kept.append(blob)
    return kept


def _sheet_outline(grey: np.ndarray, labels: np.ndarray, blob: Blob, config: PipelineConfig, pad: int) -> bool:
    """Whether a large blob (`edge_outline` of the frame each way) is the outline a whole sheet on a darker
    table leaves along its edge, holding no digit, so that drop_frames() did not take it for a frame round
    one: four-sided with its ink along its hull, as a frame's, and its ink (its median) hardly darker than
    the table round its box (a strip `edge_strip` of its shorter side wide, EDGE_CLEAR pixels beyond it,
    ink left out) against what it is darker than the paper inside it. A 0 or a box drawn on paper has
    paper outside it too."""
    x, y, w, h = blob.box
    height, width = grey.shape[0] - 2 * pad, grey.shape[1] - 2 * pad
    if config.edge_ratio is None or config.edge_outline is None or w < config.edge_outline * width or (
            h < config.edge_outline * height):
        return False
    mask = _blob_mask(labels, blob, blob.box)
    hull, depth, band = _hull_depth(mask, config)
    if not (_four_sided(hull, config) and _along_hull(mask, depth, band, config)):
        return False
    inside = grey[y:y + h, x:x + w][(depth > band) & (labels[y:y + h, x:x + w] == 0)]
    strip = max(3, int(round(config.edge_strip * min(w, h))))
    x0, y0 = max(pad, x - EDGE_CLEAR - strip), max(pad, y - EDGE_CLEAR - strip)
    x1 = min(grey.shape[1] - pad, x + w + EDGE_CLEAR + strip)
    y1 = min(grey.shape[0] - pad, y + h + EDGE_CLEAR + strip)
    around = np.ones((y1 - y0, x1 - x0), bool)  # the strip round the box
    top, left = max(0, y - EDGE_CLEAR - y0), max(0, x - EDGE_CLEAR - x0)
    around[top:y + h + EDGE_CLEAR - y0, left:x + w + EDGE_CLEAR - x0] = False
    strip_area = np.count_nonzero(around)
    around &= labels[y0:y1, x0:x1] == 0
    if inside.size == 0 or np.count_nonzero(around) <= EDGE_PAPER * strip_area:
        return False
    # The median, not EDGE_INK's percentile: the outline is the table itself, as light and shadow fall on it
    ink = float(np.median(grey[y:y + h, x:x + w][mask]))
    table, paper = float(np.median(grey[y0:y1, x0:x1][around])), float(np.median(inside))
    return table - ink < config.edge_ratio * (paper - ink)


def drop_bars(paper: np.ndarray, labels: np.ndarray, pieces: list[Blob],
              config: PipelineConfig = PipelineConfig()) -> list[Blob]:
    """Drop a pen lying on the page: among the BAR_CANDIDATES longest pieces, a straight bar (_bar, `bar_aspect`)
    with paper on both sides of it (_paper_both_sides, `bar_paper` of the frame's), far wider than the
    strokes of the digit beside it or far longer than that digit is tall, and near no other piece.

    The digit is the tallest piece not such a bar, at least `bar_ref` of the longest bar tall, on paper
    (drop_off_paper's test, _on_ground: a dark table's grain beside a sheet made a 1 on it a pen), whose strokes are at
    most `bar_solid` of its height wide (a blot is no digit). A bar is a pen when its width (its area
    over its length) is `bar_thick` times the digit's strokes or more, or its length `bar_long` times
    the digit's height or more: a 1 is written with its neighbours' pen and at their height. A bar with
    a piece of `min_digit_height` or more within `bar_near` of that piece's height of its box is a stroke
    of that digit (the stem of a 4 drawn in two strokes). Read whole, a pen is a sure 1; beside a single
    digit a quarter its length it made a speck of it (drop_specks), and it was joined to the digits whose
    columns its box spans (join_pieces); so it is dropped before either, and its height is handed on to
    drop_specks, to which it is one of a crowd's bars as before.
    """
    if config.bar_thick is None or len(pieces) < 2:
        return pieces
    longest = sorted(range(len(pieces)), key=lambda i: -max(pieces[i].box[2:]))[:BAR_CANDIDATES]
    level = None
    bars = {}
    for i in longest:
        shape = _bar(labels, pieces[i], config)
        if shape is None:
            continue
        level = _frame_paper(paper) if level is None else level
        if _paper_both_sides(paper, shape, config.bar_paper * level):
            bars[i] = shape[:2]
    if not bars:
        return pieces
    least = max(config.min_digit_height, config.bar_ref * max(length for length, _ in bars.values()))
    digit = None
    for i in sorted(range(len(pieces)), key=lambda i: -pieces[i].box[3]):
        height = pieces[i].box[3]
        if height < least:
            break
        if i not in bars and (config.off_paper is None or _on_ground(paper, [pieces[i]], config.off_paper * level)[0]):
            width = stroke_width(_blob_mask(labels, pieces[i], pieces[i].box))
            if width <= config.bar_solid * height:
                digit = (height, width)
                break
    if digit is None:
        return pieces
    pens = {i for i, (length, width) in bars.items()
            if (width >= config.bar_thick * digit[1] or length >= config.bar_long * digit[0])
            and not any(_near(labels, pieces[i], other, config.bar_near) for j, other in enumerate(pieces)
                        if j != i and other.box[3] >= config.min_digit_height)}
    return [piece for i, piece in enumerate(pieces) if i not in pens]


def _bar(labels: np.ndarray, piece: Blob, config: PipelineConfig):
    """(length, width, centre, direction) of a piece at least `bar_aspect` times as long as wide, from its
    second moments (a bar's length is sqrt(12) standard deviations along it); else None. Its width is
    its area over its length: the moments' width of a bent stroke is its bend's."""
    x, y, _, _ = piece.box
    moments = cv2.moments(_blob_mask(labels, piece, piece.box).view(np.uint8), True)
    area = moments["m00"]
    mean = (moments["mu20"] + moments["mu02"]) / area
    spread = math.hypot(moments["mu20"] - moments["mu02"], 2 * moments["mu11"]) / area
    length, across = math.sqrt(6 * (mean + spread)), math.sqrt(max(0.0, 6 * (mean - spread)))
    if length < config.bar_aspect * max(1.0, across):
        return None
    angle = 0.5 * math.atan2(2 * moments["mu11"], moments["mu20"] - moments["mu02"])
    centre = (x + moments["m10"] / area, y + moments["m01"] / area)
    return length, area / length, centre, (math.cos(angle), math.sin(angle))


def _paper_both_sides(paper: np.ndarray, bar, least: float) -> bool:
    """Whether the paper's estimate is at least `least` on both sides of a bar (_bar), each side's
    brightest at BAR_SIDE_POINTS along it, its width and as much again (3 pixels at least) from its
    axis; a side wholly outside the frame counts as paper. A sheet's edge on a dark table is a bar too,
    with table on one side: a turned realdev page's, and the specks beside it, joined to it, went with it."""
    length, width, (cx, cy), (ax, ay) = bar
    reach = width / 2 + max(3.0, width)
    for nx, ny in ((-ay * reach, ax * reach), (ay * reach, -ax * reach)):  # out from its axis, each way
        points = [(round(cx + ax * t * length + nx), round(cy + ay * t * length + ny)) for t in BAR_SIDE_POINTS]
        values = [int(paper[py, px]) for px, py in points if 0 <= px < paper.shape[1] and 0 <= py < paper.shape[0]]
        if values and max(values) < least:
            return False
    return True


def _near(labels: np.ndarray, piece: Blob, other: Blob, share: float) -> bool:
    """Whether a pixel of `piece` lies in `other`'s box widened by `share` of its height all round."""
    x, y, w, h = other.box
    margin = int(math.ceil(share * h))
    window = labels[max(0, y - margin):y + h + margin, max(0, x - margin):x + w + margin]
    return any(np.any(window == label) for label in piece.labels)


def drop_specks(blobs: list[Blob], config: PipelineConfig = PipelineConfig(), pens: list[int] = ()) -> list[Blob]:
    """Drop blobs much shorter than the tallest: specks, judged against the digits of the same frame
    once everything else that is not a digit is gone.

    Digits on a page are written at much the same size. One or two blobs (`max_outliers`)
    far taller (`outlier_gap`) than a crowd of blobs of much the same height (`min_crowd`,
    `crowd_height`) are what is out of place: a pen lying on the sheet, a strip of table
    inside the frame, which read as sure 1s and would make specks of the digits. They are
    dropped first, and the rest judged without them. Up to `max_outliers` blobs kept that are
    still 1.5 to 2.5 times as tall as the rest (`speck_gap`: the edge of a page turned in the
    frame, a streak along it) are left out of the measure too: a small 5 among a page's digits
    was a speck beside such an edge. `pens`: the heights of pens already dropped (drop_bars), which
    count among the tall blobs here as they did before they were dropped.
    """
    heights = sorted((blob.box[3] for blob in blobs), reverse=True)
    seen = sorted([*heights, *pens], reverse=True)
    for outliers in range(1, min(config.max_outliers, len(seen) - 1) + 1):
        top = seen[outliers]  # the tallest of the rest
        crowd = sum(height >= config.crowd_height * top for height in seen[outliers:])
        if seen[0] > config.outlier_gap * top and crowd >= config.min_crowd:
            blobs = [blob for blob in blobs if blob.box[3] <= top]
            heights = [height for height in heights if height <= top]
            break
    tallest = heights[0] if heights else 0
    if config.speck_gap is not None and len(heights) > max(config.min_crowd, config.max_outliers):
        after = heights[config.max_outliers]  # the tallest after those that could have been bars
        if config.speck_gap * after < tallest <= config.outlier_gap * after:
            tallest = after
    return [blob for blob in blobs if blob.box[3] >= config.min_relative_height * tallest]


def _join_pairs(boxes: np.ndarray, config: PipelineConfig) -> tuple[list, list]:
    """The pairs of pieces (their boxes, n x 4) that join_pieces() joins, as (i, j) index pairs:

    - stacked, i < j: one above the other, overlapping in x by `join_overlap` of the narrower
      and closer than `join_gap` of the taller: a digit broken across;
    - small, i the piece and j its partner: piece i shorter than `join_small` of piece j, their
      boxes touching within `join_touch` of j's height, j the one it overlaps most in x (the
      last of equals): a flag, a bar, half an open 4.

    Compared as arrays, `_JOIN_ROWS` pieces against all at a time: a grainy frame holds
    thousands of specks, whose pairs one by one took seconds.
    """
    x, y, w, h = boxes.T
    right, bottom = x + w, y + h
    stacked, small = [], []
    for start in range(0, len(boxes), _JOIN_ROWS):
        rows = slice(start, start + _JOIN_ROWS)
        overlap = np.minimum(right[rows, None], right) - np.maximum(x[rows, None], x)
        gap = np.maximum(y[rows, None], y) - np.minimum(bottom[rows, None], bottom)  # < 0: overlapping
        joined = ((overlap >= config.join_overlap * np.minimum(w[rows, None], w))
                  & (gap < config.join_gap * np.maximum(h[rows, None], h)))
        first, second = np.nonzero(joined)
        first += start
        stacked += [(i, j) for i, j in zip(first.tolist(), second.tolist(), strict=True) if i < j]
        margin = config.join_touch * h
        touching = ((h[rows, None] < config.join_small * h)
                    & (x[rows, None] <= right + margin) & (x - margin <= right[rows, None])
                    & (y[rows, None] <= bottom + margin) & (y - margin <= bottom[rows, None]))
        touching[np.arange(touching.shape[0]), np.arange(start, start + touching.shape[0])] = False
        for row in np.flatnonzero(touching.any(axis=1)).tolist():
            candidates = np.flatnonzero(touching[row])
            best = overlap[row, candidates]
            small.append((start + row, int(candidates[np.flatnonzero(best == best.max())[-1]])))
    return stacked, small
