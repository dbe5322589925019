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
"""

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from statistics import median

import cv2
import numpy as np

from edge_app.blobcache import BlobCache
from edge_app.classifier import NOT_DIGIT, NUM_CLASSES
from edge_app.preprocess import normalize_digit, stroke_width

BORDER_MARGIN = 2  # pixels: a blob this close to the frame's edge touches it
BORDER_SHARE = 0.005  # ... or this share of the longer side, if more
EVEN_CUTS = (1 / 3, 1 / 2, 2 / 3)  # shares of a wide blob's width always tried as cuts
# The rounds a cut blob's runs of pieces are read in (_classify), by (first cut, last cut, cuts): those at
# either end of it, then the inner ones (a round for each end: 20.7 crops a bench frame, against 20.9)
RUN_KINDS = (lambda first, last, count: first == 0 or last == count - 1,
             lambda first, last, count: 0 < first and last < count - 1)
CUT_BEND = 1.5  # what a cut's path pays for each step aside, in pairs of ink pixels it cuts (cut_reach) ...
CUT_STRAY = 0.01  # ... and in each row, for each column it is away from its column
GRAIN_PAPER_STEP = 8  # _grain() takes the paper's level from every 8th pixel of every 8th row of its estimate
MAX_RULE_SLOPE = 0.2  # rise over run: a ruled line is within about 11 degrees of the page's axes
RULE_SLOPE_MATCH = 0.05  # runs on one rule differ this little in slope ...
RULE_SLOPE_JITTER = 2.0  # ... give or take this many pixels over a run's length: a short run's slope is rough
RULE_COVER = 0.6  # share of a rule's minimum length that must be ink: a row of digits' tops is not a rule
RULE_FIT_SPREAD = 0.5  # share of the frame's width: runs of a line spread over less give it a rough slope ...
RULE_TILT_SEARCH = 0.08  # ... and lines through them this much steeper or flatter are tried, ...
RULE_TILT_STEPS = 8  # ... at this many slopes each way
RULE_TREND_RUN = 0.25  # share of the page's width: runs this long give the trend of the rules' slopes
FLAT_WHITE = 7  # grey levels below white that paper overexposed to white keeps to, with a camera's grain
FRAME_STROKES = 1.5  # a frame's ink lies within this many of its strokes' widths of its hull's edge, at least
RING_BINS = 36  # directions from an outline's centre ...
RING_CLOSED = 0.9  # ... this share of which meet its ink by its hull's edge: a closed ring or box
GRID_LINE = 0.85  # share of a grid's columns with ink that a line across it meets ink in (rows, for one down)
GRID_FIT = 2.0  # pixels: a grid's top line is fitted through the topmost ink this near a first fit, ...
GRID_TOP = 0.6  # ... which is this share of its columns at least (digits written over the line hide it)
GRID_REACH = 3  # pixels: a grid's wall left by rules taken out ends this near them, ...
GRID_WALL = 0.95  # ... meeting ink in this share of the rows between them (a digit's side fills a space
# between rules now and then, but rarely in a line so straight), ...
GRID_LEAN = 0.08  # ... leaning up to this much from square to them (columns per row), ...
GRID_FAMILY = 3  # ... and the frame has this many such walls at least, ...
GRID_ALONE = 2  # ... this many of them with nothing a digit's height joined to them (a 1 between rules is one)
GRID_SPILL = 0.3  # what a grid holds lies between its first and last lines across, give or take this share of
# a cell's height
GRID_TABLE = 1.8  # a grid's walls part numbers where its cells are this many times as wide as tall (a table's;
# a form's boxes for digits are about square)
UNDERLINE_WIDE = 2.5  # a piece holding a line under digits is this many times as wide as tall at least ...
UNDERLINE_TILT = 0.2  # a hand-drawn line under digits may slope this much (11 degrees) ...
UNDERLINE_STUB = 0.2  # ... a piece with less ink than this share of the line's beside it is all line ...
UNDERLINE_REST = 0.5  # ... the digits it touches span this share of the piece's height at least ...
UNDERLINE_COVER = 0.85  # ... it spans this share of the piece's width ...
UNDERLINE_OFF = 0.3  # ... and it lies this share of the digits' height below their middle
LINE_SPAN = 0.6  # share of a piece's width (height): a straight segment this long may be a line through it ...
LINE_FREED = 0.25  # ... taken out when the ink it leaves cut by the border is at most this share of what it frees
SIDE_RIM = 0.03  # share of a frame's shorter side: the rim the added paper leaves inside a darker frame's sides
SIDE_REST = 1.0  # a band along a side holds more of its blob's ink than this many times what lies beyond it
SLIVER_HEIGHTS = 1.4  # a 1's stroke is judged against digits at most this many times taller or shorter ...
SLIVER_NEIGHBOURS = 4  # ... the nearest this many of them
SLIVER_MIN = 1  # ... when there are this many of them at least
LINE_DOWN_MIN = 2  # digits beside a 1 spanning a crop's height that make it a line down the paper (line_down) ...
LINE_DOWN_WIDTH = 0.2  # ... when it is at most this share of its height wide ...
LINE_DOWN_STROKE = 0.85  # ... and its stroke at most this share of theirs (a squared page's lines are thin)
DATE_PARTS = ((2, 2, 4), (1, 2, 4), (2, 1, 4), (1, 1, 4), (4, 2, 2), (4, 1, 2), (4, 2, 1), (4, 1, 1),
              (2, 2, 2), (1, 2, 2), (2, 1, 2), (1, 1, 2))  # a date's parts' digits: day and month (either first)
# of 1 or 2 and a year of 4 (tried first: "19" or "20" begins it) after them or before them, or a year of 2 last
BRACKET_REST = 6  # digits after an area code in brackets, at least ...
BRACKET_GAP = 4.0  # ... within this many heights of it, on a sheet
BOW_ROWS = 5  # rows of ink a stroke needs for its bow to be measured
SPACING_GAPS = 3  # a line's gaps tell how widely its writer spaces digits when there are this many
THICK_SIDE = 64  # pixels: a frame is looked at this small for ink wider than the closing's kernel
EDGE_CLEAR = 2  # pixels between a blob's box and the strips of paper drop_sheet_edges() compares
EDGE_PAPER = 0.5  # share of a strip that must be free of ink for it to tell the paper's level
EDGE_INK = 25  # percentile of a blob's pixels in the grey frame taken as its ink's level
SCAN_PAPER = 95  # percentile of a small scan's grey levels its paper is taken at: its brightest 5%
SCAN_SIDE = 32  # pixels: a frame no longer than this is a scan, whatever its paper
FINER_GAIN = 1.2  # a frame is read again larger for its small digits only when this much larger at least
STEP_LINE_GAP = 3  # pixels between a line along a step drop_step_lines() drops and a piece broken off it
GROUND_SIDE = 120  # pixels: _dark_ground() sees a frame this small or a little larger (its shorter side) ...
GROUND_TAIL = 0.1  # ... and takes its darkest and lightest as this percentage of its pixels
GROUND_CROP = 400  # pixels: a frame with a shorter side than this is no camera's (480 up): a scan, a drawing or a crop


@dataclass(frozen=True)
class PipelineConfig:
    """Constants of the pipeline; pixels are at working resolution unless said otherwise."""

    work_side: int = 1000  # frames with a longer side than this are shrunk first (a 12 MP JPEG decodes at 1/4)
    small_digits: float | None = 20.0  # a frame shrunk so its digits are shorter than this (median) is read
    # again larger, from its own pixels, so they are small_target tall, its longer side at most small_max_side
    # (finer_side; None: never): a photo of a whole sheet in small writing. That reading is kept when its
    # median digit reads with small_sure confidence (finer_is_sure): a blank page's grain read as a few
    # unsure digits is read as dozens of unsure specks larger
    small_target: float = 32.0
    small_max_side: int = 2000
    small_sure: float = 0.9
    min_side: int = 256  # ... and smaller ones (scans, crops) enlarged to this, so kernels fit the strokes
    crop_pad: float = 0.15  # margin of paper added, as a share of the longer side, to re-read a crop
    scan_margin: float | None = 0.125  # ... and to a small scan one digit may fill (_may_fill; its paper as even
    # as a scan's, or itself SCAN_SIDE px at most) before it is enlarged, as a share of its longer side, at the
    # level of its brightest SCAN_PAPER percent (None: none)
    block_side: int | None = 6  # a frame enlarged in square blocks is read as it was before, when that is this
    # many pixels or more on its longer side (_unblocked; None: as it is shown)
    crop_square: float | None = 1.2  # a frame whose longer side is under this many times its shorter may be a
    # photo cropped round one digit, as a scan is: read again as a crop when a stroke its border cuts dwarfs
    # every blob inside, specks of the paper (None: only scans; a camera's 4:3 frame with a sheet's or table's
    # edge cut by its border is not one)
    strip_aspect: float = 2.0  # a frame this many times as wide as tall is a crop of a number's line ...
    strip_whole: bool = True  # ... whose digits, in one line, are one number, whatever the gaps between them
    cut_height: float | None = 0.5  # ... read again as a crop when a piece its border cuts, as tall as this
    # share of the digits inside or more, lies in their row (_cut_in_row; None: never) ...
    cut_tallest: float = 1.5  # ... at most this many times as tall (a grid's line down the strip is taller) ...
    cut_width: float = 3.0  # ... and at most this many times as wide (a shadow's edge is wider)
    pad_edge: bool = True  # a strip read again as a crop has its own edges carried on round it, not the
    # brightest paper (a digit filling a scan leaves no paper at its edges to carry on) ...
    edge_median: float | None = 2.0  # ... each edge first taken through a running median this many closing
    # kernels long (background_kernel), which takes out the dark of a thick stroke touching it (None: not)
    background_side: int = 256  # pixels: the illumination estimate is made at this size ...
    max_closing: int | None = 33  # ... or smaller, so that its closing kernel is at most this many pixels wide
    # (the small kernel's would be 65; None: never smaller)
    background_kernel: float = 1 / 12  # closing kernel, as a share of the longer side: wider than any stroke
    # ... and in a small image about as wide as tall (a scan of one digit, which fills it, so its strokes
    # are thick beside the frame; a number's line keeps the kernel above, which its rules need)
    small_kernel: float | None = 1 / 4
    small_aspect: float = 1.5
    tall_aspect: float | None = 4.0  # ... or taller than wide, up to this many times: a photo cropped close
    # round one digit, which is taller than wide, is as narrow as the digit (None: small_aspect either way)
    # A frame of that shape larger than min_side is read again shrunk under it, the small kernel's way, when
    # it reads at most filled_digits digits: nothing, one number less sure than filled_unsure, several
    # numbers (a digit broken across reads as two, one above the other), or one sure number (see
    # thick_sure_share): a marker digit filling a photo has strokes wider than the closing's kernel, taken
    # for paper. The second reading is taken when it is one digit read with at least filled_confidence
    # (None, or small_kernel None: never read again) ...
    filled_confidence: float | None = 0.99
    filled_digits: int = 3
    filled_broken: int = 6  # ... or at most this many, none of them sure: a thick digit broken into pieces
    filled_unsure: float = 0.95
    filled_larger: float | None = 1.5  # ... whose box, after one sure number, is this many times its box's
    # area or more (the rest of the digit was taken for paper; None: a sure number is never read again) ...
    # or holding that digit, read the same where it lies (sharing filled_same of the smaller box), beside others
    filled_same: float = 0.5
    filled_better: float | None = 0.8  # ... or, after nothing (then not as a 1: a soft shadow read shrunk) or
    # one number, read with this confidence or more and more surely than that number (None: never so) ...
    filled_height: float = 0.5  # ... at least this share of the frame's height (or width, read that sure) ...
    filled_margin: float = 0.01  # ... clear of the frame's edges by this share of its longer side (a
    # shadow's or sheet's edge, read as a 1 or a 7, runs off the frame) ...
    filled_edge_kernel: float | None = 1 / 6  # ... and when the digit read shrunk is not, the shrunk frame is
    # read once more with this closing kernel (a share of its side) instead of small_kernel: narrower, it
    # follows a hard shadow's edge that the small kernel takes for ink joined to the digit, and is still
    # wider than a marker's strokes there (None: not). It is read again only when ink too
    # wide for the closing's kernel and not for the small kernel, this share darker than the paper the
    # small kernel sees ...
    thick_darker: float = 0.12  # (at 0.2 and 0.08, a grey 4 on yellow paper covered 7.3%: read as a 1)
    thick_share: float = 0.02  # ... covers this share of the frame, seen at THICK_SIDE pixels (after one
    thick_sure_share: float = 0.04  # sure number, this share: most single-digit photos read as one)
    # A larger frame about as wide as tall whose paper is as even as a scan's (_flat_paper: this share of its
    # pixels at one grey level; None: never) is read with the small kernel too: with no light to follow, the
    # camera's kernel only loses strokes a tenth of the frame wide, as a scan's digit filling it has.
    flat_paper: float | None = 0.3
    flat_clipped: float = 0.5  # ... but white (255) only when this share is within FLAT_WHITE levels of it: paper
    # overexposed all over, not a glare on a board, the rest of it lit unevenly
    # A frame whose lightest pixels lie this many times further above its median than its darkest lie below
    # it is read with its grey levels inverted too (read_frame, _dark_ground: light ink on a dark ground;
    # None: never) when its light is in strokes: it reaches less than `light_strokes` of the frame's shorter
    # side from the dark (a stroke's half width), not a sheet's or a note's on a dark desk. Generated photos
    # of dark ink pass 4 of 2,460 (in strokes none), on blackboards 406 of 410 (392), notes on dark desks all
    # 800 (150 in strokes, read as before)
    dark_ground: float | None = 2.0
    light_strokes: float = 0.1
    fill_strokes: bool = True  # see _under_strokes
    stroke_inside: float | None = 8.0  # grey levels: an enclosed region is filled only when at most this much
    # lighter than the ink round it, a stroke's inside, not a grid's cell (_stroke_insides; None: every one)
    rule_run: float = 0.06  # share of the frame's width (height): straight runs of ink this long may be ruling ...
    rule_length: float | None = 0.5  # ... and a chain of them spanning this share of the longer side is a
    # ruled or grid line; None: never look for rules
    rule_slack: int = 2  # pixels each side of a rule at half size: runs tilted up to about 10 degrees stay straight
    rule_width: float = 0.006  # share of the longer side: rules are at most this thick, digit strokes often more ...
    rule_min_width: int = 2  # ... or this many pixels at half size: a small crop, enlarged, has thicker rules
    rule_span: float = 0.9  # share of the frame along it that a rule spans when fewer than rule_family ...
    rule_inked: float | None = 0.95  # a line across the frame meeting ink in this share of its columns, its
    rule_inked_cover: float = 0.1  # runs covering this share of it, is a rule the digits on it hide (None: never)
    rule_darker: float | None = 40.0  # grey levels: ink on a rule this much darker than the rule (its median,
    # against the paper beside it) is a stroke along it, kept (None: a rule is erased but where a stroke crosses)
    rule_family: int = 3  # ... are found along that axis: a digit filling the frame has a long, thin stem;
    # this many lines across the frame are rules, even the short ones across a strip (a squared page's)
    sharp_seeds: bool = True  # a stroke's strong pixels must be ink against the sharp paper estimate too
    wide_kernel: float | None = 1.5  # see _free_from_halo: the halo-free paper's kernel, in background_kernels;
    # None: no digit is freed from a halo
    cross_step: float = 0.6  # a piece freed from a halo crosses a step (paper this much darker on one side) ...
    deep_ink: float = 50.0  # ... or is this many grey levels darker than the paper (not a table's grain), ...
    along_step: float = 0.5  # ... at most this share of it lies along a step (a line at a sheet's edge does) ...
    free_margin: float = 0.04  # ... and it is clear of the frame's border by this share of the shorter side;
    max_freed: int = 2  # more such pieces in one halo are the texture of a table along a sheet's edge: none is freed
    high_contrast: float = 45.0  # grey levels below paper: a stroke must reach this somewhere
    low_contrast: float = 22.0  # ... and extends through pixels this dark (hysteresis)
    noise_factor: float = 5.0  # thresholds are at least this many noise deviations
    # A frame whose grain is this many grey levels or more (_grain, in paper brought to 255) is median-filtered
    # first: thresholds set by that much noise take faint strokes for paper (None: never)
    denoise_grain: float | None = 8.0
    min_piece_area: int = 6  # pixels: smaller specks are noise
    # A piece holding a near-level line this share of its width long, drawn under digits it touches, at least
    # underline_length times as long as they are tall, has the line taken out (None: never; without_underlines)
    underline_span: float | None = 0.6
    underline_length: float = 2.5
    # A thin straight line through a piece the frame's border cuts or one too wide for digits (a rule or a grid's
    # line the rule finder missed, which takes the digits it touches with it) is taken out where its runs across
    # are at most this share of the stroke width of the piece's ink off it, rounded down, or 2 px (None: never;
    # free_from_lines)
    line_thin: float | None = 0.5
    min_digit_height: int = 10  # pixels: shorter blobs are not digits
    max_digit_share: float = 0.98  # blobs taller or wider than this share of the frame are not digits
    max_line_aspect: float = 4.0  # blobs wider than this many heights are lines or underlines
    # A chain of this many slivers at most step_width pixels wide, each below the last within step_gap of the
    # shorter's height and touching it corner to corner, is the staircase of a slanting edge (None: never)
    step_chain: int | None = 3
    step_width: int = 2
    step_gap: float = 0.4
    # A blob at most edge_aspect of its height wide is a sheet's edge on a table when its ink is darker than the
    # paper on its darker side by less than edge_ratio of what it is darker than the other side's (None: never);
    # each side's paper is a strip edge_strip of its height wide, EDGE_CLEAR pixels beyond its box
    edge_aspect: float = 0.35
    edge_ratio: float | None = 0.3
    edge_strip: float = 0.1
    # A blob this share of the frame's width and height or more that is a four-sided outline (as a frame is,
    # holding nothing) is the whole sheet's edge on a darker table when its ink is darker than the table
    # outside it by less than edge_ratio of what it is darker than the paper inside (None: never so)
    edge_outline: float | None = 0.25
    # A piece is a line along a step in the paper (a sheet's or a note's edge on a table, the shadow it casts)
    # when step_line_share of its pixels or more lie by a step in the sharp paper estimate, it holds at most
    # step_line_width pixels of ink per pixel of its box's width and height together, and it is longer than
    # step_line_span times the tallest other piece of a digit's height (None: never)
    step_line_share: float | None = 0.6
    step_line_width: float = 8.0
    step_line_span: float = 1.3
    max_fill: float = 0.88  # wide blobs filling more of their box are shadows or smudges
    join_overlap: float = 0.5  # pieces overlapping this share of the narrower one's width ...
    join_gap: float = 0.25  # ... and vertically closer than this share of the taller one join
    join_growth: float = 2.5  # a joined digit is at most this many times taller than its largest piece ...
    join_width_growth: float = 1.6  # ... and this many times wider, unless it is narrower than ...
    join_narrow: float = 0.8  # ... this many heights: an open 4's hook beside a long, slanting stem;
    # a flag, a flat piece (this many times as wide as tall or more) centred in the top join_flag_top of the
    # largest piece, is left out of that width: a 5's bar drawn apart, reaching past the body (None: none is)
    join_flag: float | None = 2.0
    join_flag_top: float = 1 / 3
    join_small: float = 0.6  # a piece shorter than this share of a neighbour it touches is part of it
    join_touch: float = 0.1  # "touches": within this share of the neighbour's height
    # stacked pieces whose box is at most this many heights wide are one piece too, to the small pieces
    # beside them: a faint stem broken in pieces (None: never)
    join_stem: float | None = 0.3
    min_relative_height: float = 0.25  # blobs shorter than this share of the tallest are specks, but ...
    max_outliers: int = 2  # ... first at most this many tall blobs are dropped as bars (a pen, a strip of table)
    outlier_gap: float = 2.5  # ... when the tallest is more than this many times as tall as the rest ...
    min_crowd: int = 8  # ... and at least this many of the rest are ...
    crowd_height: float = 0.5  # ... as tall as this share of the tallest of them
    # Tall blobs kept, this many times as tall as the blob after them or more (and at most outlier_gap), among
    # more than min_crowd: specks are judged against that blob (None: always against the tallest)
    speck_gap: float | None = 1.5
    frame_margin: float = 0.03  # a piece round another, clear of its sides by this share of its size (a
    # form's box is drawn close round its digit) ...
    frame_min_inner: float = 0.05  # ... and at least this share of its height ...
    frame_max_inner: float = 0.8  # ... and at most this share of its height and width, is a frame if ...
    frame_corner: float = 0.03  # ... its hull, simplified within this share of its perimeter, has 4 corners
    # (or, round, it holds a piece at least this share of its height: a number circled; None: never) ...
    frame_round_inner: float | None = 0.35
    frame_rectangle: float | None = 0.9  # ... a hull of more corners is four-sided too when it fills this share
    # of the smallest rectangle round it or more: a sheet's edge on a table, a shadow cutting one of its
    # corners (an ellipse fills 0.79; None: four corners only) ...
    frame_band: float = 0.15  # ... at most frame_max_across of its ink lies deeper inside the hull than this
    frame_max_across: float = 0.1  # share of its smaller side, and the piece it holds does
    # A piece filling at most this share of its box may be a printed grid (a form's comb of boxes, a table's
    # cells) holding digits: it is looked for lines in (without_grids; None: never). 99% of the bench's pieces
    # fill 0.27 of their box or more, half 0.53; the generator's grids with their digits 0.16 (half), 0.40 at most.
    grid_fill: float | None = 0.45
    max_stroke_fill: float = 0.7  # a piece filling more of its box than this is solid, not strokes (a scan's
    # dark margin); a small scan enlarged with square blocks has strokes thick enough to fill 0.5-0.7 of theirs
    # A blob is the tip of a shadow (drop_shadows) when the paper as dark as its dark ink ...
    shadow_level: float = 10.0  # ... (this percentile of its grey levels, ...
    shadow_slack: float = 0.05  # ... and this share lighter: light varies across a shadow) ...
    shadow_window: float = 0.5  # ... found this many of its longer sides round it ...
    shadow_reach: float | None = 0.5  # ... and joined to that ink covers this share of its area (None: never) ...
    shadow_core: float = 0.9  # ... and it has no ink darker than this share of that paper's median
    shadow_piece_reach: float = 0.4  # a piece joined to others: this share, of the paper outside the group's box
    texture_ring: float | None = 0.3  # a blob is dropped when ink of no candidate digit covers this share of a
    texture_margin: float = 0.5  # ... ring this many of its longer sides wide round it (a table's grain) ...
    texture_clean: float = 0.1  # ... while the median of 8x8 cells of the frame has less (see drop_textured)
    texture_marks: bool = True  # ... the lines and frames dropped round digits not counted as such ink
    split_aspect: float = 0.8  # blobs wider than this many heights may be several touching digits ...
    split_not_digit: float | None = 0.8  # ... as may narrower ones the model calls "not one digit" with this
    # probability: touching 1s (None: never); but only into pieces it calls "not one digit" with less than
    split_piece_not_digit: float = 0.9  # ... this (a digit joined to a shadow's edge is no two digits)
    max_cuts: int | None = None  # ... cut at up to this many columns of least ink (None: at every one, as a
    # long chain of touching digits needs), and evenly ...
    min_cut_spacing: float = 0.15  # ... at least this many heights apart and from the ends; each cut then
    cut_reach: float | None = 0.1  # bends up to this many heights either way, row by row, to cross the least
    # ink: a digit's bar or foot reaching over its neighbour's column (None: cut straight down the column)
    sure_whole: float = 0.9  # a wide blob read whole with this confidence is not cut
    split_margin: float = 1.0  # log-confidence each digit of a reading must earn: cuts must pay off
    max_digit_aspect: float = 1.3  # a digit is rarely wider than tall ...
    wide_penalty: float = 2.0  # ... so each height of width beyond that costs this much log-confidence, ...
    max_segment_aspect: float = 1.7  # ... and a run of pieces wider than this many of the blob's heights is
    # never read as one (at 1.3, a 2's long foot beside a tailed 7 was: "52" read as "2"; 2,732 of the test
    # battery against 2,729, 0.15 ms a frame)
    crop_margin: float = 0.15  # share of the box added on each side of a crop
    recheck: float | None = 0.9  # blobs read with less confidence are read again, strokes thicker and thinner
    # (not the pieces of cut ones: read again, 20 more crops a frame, for the same 2,728 of the test battery)
    # A number of text_digits or more with more than text_unsure of its digits read under text_sure confidence
    # is a word's letters, not a number (None: keep it)
    text_unsure: float | None = 0.5
    text_sure: float = 0.9
    text_digits: int = 3
    min_confidence: float = 0.45  # digits read with less confidence are dropped
    sliver_stroke: float | None = 0.4  # a 1 with a stroke thinner than this share of its nearest digits' of its
    # height (_without_slivers: one of them is enough) is dropped (None: never)
    line_down: float | None = 1.2  # a 1 read with paper added round a frame, spanning its height, this many
    # times the median height of the other digits (at least LINE_DOWN_MIN more) or more, straight and thinner
    # than they are, is a line of the paper down a number's strip cropped close, not a digit (None: never)
    # Crops the model calls "not one digit" with this probability are dropped. None, never, read best on
    # the scenes: the eleventh output still steers the cuts, but dropping even at 0.99 lost odd real digits.
    not_digit: float | None = None
    side_band: float | None = 0.9  # in a frame read again as a crop, ink along this share of one of its sides
    # or more, less than half as deep into it, is what lies beyond the page (a wall, a table), not a digit
    crop_whole: float | None = 0.9  # in a frame read again as a crop (read_frame), less than twice as wide as
    # tall, a blob spanning this share of it both ways is read whole, never cut: a table's rim round a blank
    # sheet, not a number's line joined by a rule (None: cut it as any other)
    line_overlap: float = 0.5  # digits sharing this share of the smaller height are on one line ...
    line_near: int = 3  # ... with the line's band where it has got to: its last this many digits, left to right,
    line_fit: int = 2  # moved along the page's slope, the median over lines of at least this many digits ...
    max_line_slope: float = 0.5  # ... of at most this many pixels down per pixel right (27 degrees) ...
    slope_passes: int = 3  # ... found again from the lines followed along it, at most this many times
    level_angle: float | None = 12.0  # a page whose lines slope this many degrees or more is read again turned level
    number_gap: float = 1.6  # a gap wider than this many digit heights starts a new number
    separator_height: float | None = 0.5  # a digit shorter than this share of each digit beside it (and at a
    # number's end narrower too) is a separator ("-", "." in 555-1234, 24.11.26) or a speck: not read, the number
    # goes on across it
    spacing_ratio: float | None = 2.0  # ... but in a line of 4 digits or more, only a gap this many times its median
    # gap or more (a writer who spaces digits widely leaves gaps alike; None: any gap over number_gap) ...
    max_spacing: float = 3.0  # ... or wider than this many heights (a row of single digits in columns)
    bracket_bow: float | None = 0.05  # heights: a number read as 1, 2-4 digits, 1 and 6 digits or more, its first 1
    # bowed left this much or more and its second bowed right, is a phone number with its area code in brackets,
    # read without them ((555) 123-4567 read 155511234567; see _bracketed)
    date_lean: float | None = 10.0  # degrees: a number read as a date but for two 1s where its slashes go
    # (24/11/2026 read 2411112026), each leaning right this much or more, is that date (see _slashed_dates)


Wall = tuple[float, float, float, float]  # a line between a table's cells: x, y at its top, x, y at its bottom


@dataclass(frozen=True)
class Digit:
    digit: int
    confidence: float
    box: tuple[int, int, int, int]  # x, y, w, h in the frame's pixels

    def as_dict(self) -> dict:
        return {"digit": self.digit, "confidence": round(self.confidence, 4), "box": list(self.box)}


@dataclass(frozen=True)
class Number:
    text: str
    confidence: float  # the least confident digit's
    box: tuple[int, int, int, int]
    digits: tuple[Digit, ...]

    def as_dict(self) -> dict:
        return {"text": self.text, "box": list(self.box), "confidence": round(self.confidence, 4),
                "digits": [d.as_dict() for d in self.digits]}


@dataclass(frozen=True)
class Blob:
    """One candidate digit: its box and the labels of the ink components it is made of."""

    box: tuple[int, int, int, int]
    labels: tuple[int, ...]


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
                   pad: int) -> tuple[np.ndarray, np.ndarray | None, bool]:
    """remove_rules, where the rules run (True on them, through the strokes crossing them; None: nowhere), and
    whether any runs down the page (a squared page)."""
    if config.rule_length is None:
        return flat, None, False
    if low is None:
        low, _ = _ink_levels(255 - flat, config)
    half = _darkest_of_2x2(flat)
    lines, down = None, False
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
        ink = (small <= math.floor(255 - low)).astype(np.uint8)  # integer compare: no float copy
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
        on_rule = _rules(straight, length, across, config.rule_slack + widest, widest + 2,
                         config.rule_family if across_too else math.inf,
                         None if config.rule_inked is None or not across_too else ink,
                         (config.rule_inked, config.rule_inked_cover),
                         pad // 2 if strip else 0)
        if on_rule is None:
            continue
        page = flat if axis == 0 else np.ascontiguousarray(flat.T)  # OpenCV, below, would copy it anyway
        on_rule = cv2.resize(on_rule.astype(np.uint8), (page.shape[1], page.shape[0]),
                             interpolation=cv2.INTER_NEAREST).astype(bool)
        here = on_rule if axis == 0 else on_rule.T
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
    return flat, lines, down


def _rule_only(page: np.ndarray, on_rule: np.ndarray, above: np.ndarray, below: np.ndarray, low: float,
               darker: float) -> np.ndarray:
    """The pixels of `on_rule` that are the rule itself, not a stroke lying along it: ink on a rule at most
    `darker` grey levels darker than the rule's median ink, each measured against the lighter of the
    pixels `above` and `below` it (the paper beside the rule), since a shadow darkens both alike."""
    darkness = cv2.subtract(cv2.max(above, below), page)  # 0 where lighter than the paper beside it
    counts = np.cumsum(np.bincount(darkness[on_rule & (page <= math.floor(255 - low))], minlength=256))
    if counts[-1] == 0:
        return on_rule
    median = int(np.searchsorted(counts, counts[-1] / 2))
    return on_rule & (darkness <= median + darker)


def _darkest_of_2x2(image: np.ndarray) -> np.ndarray:
    """The image at half size, each pixel the darkest of its 2x2 block, contiguous for OpenCV."""
    return np.ascontiguousarray(cv2.erode(image, np.ones((2, 2), np.uint8))[::2, ::2])


def _rules(straight: np.ndarray, length: float, across: float, tolerance: float, thickness: int,
           family: float, ink: np.ndarray | None = None, inked: tuple[float, float] = (1.0, 0.0),
           margin: int = 0) -> np.ndarray | None:
    """Where the rules are (None if nowhere): lines `thickness` pixels wide through straight runs
    that line up, each on the line through the longest of them at the slope the page's rules have
    there (_slope_trend). A page's rules come several to a frame, or run across it: a rule covers
    most of `length` pixels, and spans `across` pixels too when fewer than `family` do; and when
    `family` or more lines span `across` pixels, they are all rules (a squared page's lines across
    a strip, shorter than `length`). A lone line ending inside the frame is more likely the thin
    stem of a digit that fills it. With `ink` (the mask the runs were found in), a line whose runs
    cover at least `inked[1]` of `across` is a rule too when it crosses `across` pixels of the
    frame and meets ink in `inked[0]` of them: a rule the digits written on it hide for the most
    part, where a row of digits' tops or a dashed line has paper between its runs. `margin`: pixels of
    paper added at each end of the lines (a crop read again), where no rule's ink is to be met."""
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
    on_rule = np.zeros_like(straight)
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
        points = [(x, int(round(np.polyval(line, x)))) for x in (0, straight.shape[1] - 1)]
        cv2.line(on_rule, points[0], points[1], 1, thickness)
    return on_rule.astype(bool) if on_rule.any() else None


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


def _at_least(image: np.ndarray, level: float) -> np.ndarray:
    """uint8 pixels >= a float level, compared as integers: against a float numpy would cast the
    whole image to float64 first. v >= level is v >= ceil(level), i.e. v > ceil(level) - 1."""
    return image > min(math.ceil(level) - 1, 255)


def _median_of_counts(counts: np.ndarray, size: int) -> int:
    """The median level of a 256-level histogram of `size` pixels (the lower middle one when `size` is even)."""
    return int(np.searchsorted(np.cumsum(counts), (size + 1) // 2))


def _deviation_counts(counts: np.ndarray, centre: int) -> np.ndarray:
    """The histogram of |v - centre| from the histogram of v: deviation d counts levels centre + d and centre - d."""
    deviations = np.zeros_like(counts)
    deviations[:256 - centre] = counts[centre:]  # levels centre..255: deviations 0..255 - centre
    deviations[1:centre + 1] += counts[:centre][::-1]  # levels centre - 1..0: deviations 1..centre
    return deviations


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


def drop_specks(blobs: list[Blob], config: PipelineConfig = PipelineConfig()) -> list[Blob]:
    """Drop blobs much shorter than the tallest: specks, judged against the digits of the same frame
    once everything else that is not a digit is gone.

    Digits on a page are written at much the same size. One or two blobs (`max_outliers`)
    far taller (`outlier_gap`) than a crowd of blobs of much the same height (`min_crowd`,
    `crowd_height`) are what is out of place: a pen lying on the sheet, a strip of table
    inside the frame, which read as sure 1s and would make specks of the digits. They are
    dropped first, and the rest judged without them. Up to `max_outliers` blobs kept that are
    still 1.5 to 2.5 times as tall as the rest (`speck_gap`: the edge of a page turned in the
    frame, a streak along it) are left out of the measure too: a small 5 among a page's digits
    was a speck beside such an edge.
    """
    heights = sorted((blob.box[3] for blob in blobs), reverse=True)
    for outliers in range(1, min(config.max_outliers, len(heights) - 1) + 1):
        top = heights[outliers]  # the tallest of the rest
        crowd = sum(height >= config.crowd_height * top for height in heights[outliers:])
        if heights[0] > config.outlier_gap * top and crowd >= config.min_crowd:
            blobs = [blob for blob in blobs if blob.box[3] <= top]
            heights = [height for height in heights if height <= top]
            break
    tallest = heights[0] if heights else 0
    if config.speck_gap is not None and len(heights) > max(config.min_crowd, config.max_outliers):
        after = heights[config.max_outliers]  # the tallest after those that could have been bars
        if config.speck_gap * after < tallest <= config.outlier_gap * after:
            tallest = after
    return [blob for blob in blobs if blob.box[3] >= config.min_relative_height * tallest]


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
    or a note's on a dark desk (0 for a frame under GROUND_CROP); else None. Seen at GROUND_SIDE pixels
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
    if min(height, width) < GROUND_CROP:
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
    line left where a crop or a digit cut it, a sliver of the paper's edge. A line's digits share a pen."""
    if config.sliver_stroke is None or len(digits) <= SLIVER_MIN or not any(d.digit == 1 for d in digits):
        return digits
    widths: dict[int, float] = {}

    def stroke(i):
        if i not in widths:
            x, y, w, h = digits[i].box
            widths[i] = stroke_width(labels[y:y + h, x:x + w] > 0)
        return widths[i]
    kept = []
    for i, digit in enumerate(digits):
        if digit.digit == 1:
            x, h = digit.box[0] + digit.box[2] / 2, digit.box[3]
            alike = sorted((abs(d.box[0] + d.box[2] / 2 - x), j) for j, d in enumerate(digits)
                           if j != i and 1 / SLIVER_HEIGHTS <= d.box[3] / max(1, h) <= SLIVER_HEIGHTS)
            nearest = [stroke(j) for _, j in alike[:SLIVER_NEIGHBOURS]]
            if len(nearest) >= SLIVER_MIN and stroke(i) < config.sliver_stroke * median(nearest):
                continue
        kept.append(digit)
    return kept


def _without_lines_down(digits: list[Digit], labels: np.ndarray, pad: int, config: PipelineConfig) -> list[Digit]:
    """`digits`, read in a frame with `pad` pixels of paper added all round, but 1s that are a line of the
    paper down it (line_down): spanning the frame's height, much taller than the digits beside them,
    straight and thinner than their strokes. A squared page's line down a number cropped close runs
    from edge to edge, and with paper round it is a piece like any other, read as a sure 1."""
    if config.line_down is None or not pad or len(digits) <= LINE_DOWN_MIN:
        return digits
    bottom = labels.shape[0] - pad

    def spans(digit):
        x, y, w, h = digit.box
        return digit.digit == 1 and y <= pad + 1 and y + h >= bottom - 1 and w <= LINE_DOWN_WIDTH * h
    if not any(spans(d) for d in digits):
        return digits

    strokes = [stroke_width(labels[y:y + h, x:x + w] > 0) for x, y, w, h in (d.box for d in digits)]
    kept = []
    for i, digit in enumerate(digits):
        others = [j for j in range(len(digits)) if j != i]
        if spans(digit) and digit.box[3] >= config.line_down * median(digits[j].box[3] for j in others) and (
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
    flat, lines, squared = _without_rules(divided, config, levels[0], pad)
    labels, pieces, areas = find_ink(flat, config, (grey, sharp if config.sharp_seeds else None, wide),
                                     levels if flat is divided else None)
    ruled = None if flat is divided else flat > divided
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
    blobs = drop_shadow_pieces(grey, labels, framed, join_pieces(framed, config), ruled, config, lines)
    blobs = drop_non_digits(drop_edge_steps(blobs, config), grey.shape, areas, config)
    blobs = drop_sheet_edges(grey, labels, drop_shadows(grey, labels, blobs, ruled, config, lines), config, pad)
    blobs = drop_specks(blobs, config)
    blobs = drop_textured(flat, labels, blobs, config, marks if config.texture_marks else [])
    return Found(flat, labels, areas, blobs, cut, walls)


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


def drop_textured(flat: np.ndarray, labels: np.ndarray, blobs: list[Blob],
                  config: PipelineConfig = PipelineConfig(), marks: list[Blob] = ()) -> list[Blob]:
    """Drop blobs lying in texture: a table's grain round the sheet, which leaves pieces of ink everywhere.

    The texture is the ink that belongs to no candidate digit (specks too small or too
    flat to be one, pieces cut by the border). A digit is written on paper, which is clean
    round it; a piece of grain has more grain all round. So a blob is dropped when such ink
    covers `texture_ring` of a ring round its box (`texture_margin` of its longer side
    wide), but only while most of the frame is clean (the median of 8x8 cells' share under
    `texture_clean`): on grainy paper, or in a noisy photo, the texture is everywhere and
    says nothing about where the paper is. `marks`, the lines and frames drawn round digits and dropped,
    are no texture either: a box round a digit filled its ring.
    """
    if config.texture_ring is None or not blobs:
        return blobs
    member = np.zeros(int(labels.max()) + 1, bool)
    for blob in [*blobs, *marks]:
        member[list(blob.labels)] = True
    # Measured on every second pixel both ways: a share needs no more, and it is 4 times cheaper.
    texture = ((flat[::2, ::2] <= 255 - config.low_contrast) & ~member[labels[::2, ::2]]).view(np.uint8)
    cells = cv2.resize(texture.astype(np.float32), (8, 8), interpolation=cv2.INTER_AREA)
    if np.median(cells) >= config.texture_clean:
        return blobs
    total = cv2.integral(texture)
    height, width = texture.shape

    def count(x0, y0, x1, y1):  # texture pixels in [x0, x1) x [y0, y1), in full-size coordinates
        x0, y0 = min(width, max(0, (x0 + 1) // 2)), min(height, max(0, (y0 + 1) // 2))
        x1, y1 = max(x0, min(width, (x1 + 1) // 2)), max(y0, min(height, (y1 + 1) // 2))
        return int(total[y1, x1] - total[y0, x1] - total[y1, x0] + total[y0, x0]), (x1 - x0) * (y1 - y0)

    kept = []
    for blob in blobs:
        x, y, w, h = blob.box
        margin = max(2, int(round(config.texture_margin * max(w, h))))
        outer, outer_area = count(x - margin, y - margin, x + w + margin, y + h + margin)
        inner, inner_area = count(x, y, x + w, y + h)
        if outer - inner < config.texture_ring * max(outer_area - inner_area, 1):
            kept.append(blob)
    return kept


def drop_shadows(grey: np.ndarray, labels: np.ndarray, blobs: list[Blob], ruled: np.ndarray | None = None,
                 config: PipelineConfig = PipelineConfig(), lines: np.ndarray | None = None) -> list[Blob]:
    """Drop the tips of shadows: blobs whose dark pixels run on, as dark, into the paper round them.

    Dividing out the paper takes a shadow for paper where it is wider than the closing's
    kernel, and leaves its narrow tip as ink: a solid wedge whose crop reads as a "1".
    In the grey frame that tip runs on into the rest of the shadow. Ink does not: it is
    darker than the paper all round it, shadowed paper included. So a blob is a shadow's
    tip when the pixels near it as dark as its dark ink (`shadow_level` percentile),
    joined to that ink and found no ink themselves, cover `shadow_reach` of its area or
    more, and it holds nothing much darker than them (`shadow_core`): a digit written
    where a shadow's halo joins it keeps its strokes. Printed rules (`ruled`, True where
    they were taken out) are left out of that paper, as a grey rule is darker than pencil,
    but join it: the rules of a squared page cut a shadow into cells. Where the rules run
    (`lines`, through the strokes crossing them) is left out of the blob's ink, which both
    levels are read from: a rule crossing a shadow's tip is darker than the tip.
    """
    if config.shadow_reach is None:
        return blobs
    return [blob for blob in blobs
            if not _shadow_tip(grey, labels, blob, ruled, lines, config.shadow_reach, None, config)]


def drop_shadow_pieces(grey: np.ndarray, labels: np.ndarray, pieces: list[Blob], blobs: list[Blob],
                       ruled: np.ndarray | None = None, config: PipelineConfig = PipelineConfig(),
                       lines: np.ndarray | None = None) -> list[Blob]:
    """Take the tips of shadows out of the blobs join_pieces made from `pieces`, and join the rest again.

    A long shadow's tip ending just below a line of digits is joined to them, and the
    whole is no tip (the digits are darker than the shadow), but a blob so tall makes
    every other digit a speck. Each piece of a joined blob is tested as drop_shadows
    tests a blob, counting only the paper outside the blob's box (`shadow_piece_reach`):
    a shadow runs on beyond the digits it touches, while the paper a marker stroke too
    wide for the closing encloses, as dark as the stroke, lies between its own pieces.
    """
    if config.shadow_reach is None:
        return blobs
    by_label = {piece.labels[0]: piece for piece in pieces}
    kept = []
    for blob in blobs:
        members = [by_label[label] for label in blob.labels] if len(blob.labels) > 1 else []
        rest = [piece for piece in members
                if not _shadow_tip(grey, labels, piece, ruled, lines, config.shadow_piece_reach, blob.box, config)]
        kept.extend(join_pieces(rest, config) if len(rest) < len(members) else [blob])
    return kept


def _shadow_tip(grey: np.ndarray, labels: np.ndarray, blob: Blob, ruled: np.ndarray | None,
                lines: np.ndarray | None, reach: float, outside, config: PipelineConfig) -> bool:
    """drop_shadows' test of one blob; with `outside`, a box, only the paper outside it counts towards `reach`."""
    x, y, w, h = blob.box
    side = int(config.shadow_window * max(w, h))
    x0, y0 = max(0, x - side), max(0, y - side)
    x1, y1 = min(grey.shape[1], x + w + side), min(grey.shape[0], y + h + side)
    window = labels[y0:y1, x0:x1]
    mask = _blob_mask(labels, blob, (x0, y0, x1 - x0, y1 - y0))
    patch = grey[y0:y1, x0:x1]
    ink = patch[mask & ~lines[y0:y1, x0:x1]] if lines is not None else patch[mask]
    if ink.size == 0:  # all of it on rules
        ink = patch[mask]
    rank = int(config.shadow_level / 100 * (ink.size - 1))
    dark = patch <= min(math.floor((1 + config.shadow_slack) * np.partition(ink, rank)[rank]), 255)  # as integers
    paper = dark & (window == 0)
    bridges = mask & dark  # what joins the paper to the blob's ink: that ink, and the rules taken out
    if ruled is not None:
        erased = ruled[y0:y1, x0:x1]
        paper &= ~erased
        bridges |= erased & dark
    counted = None  # every pixel of the paper, or only those outside the box `outside`
    if outside is not None:
        ox, oy, ow, oh = outside
        counted = np.ones_like(paper)
        counted[max(0, oy - y0):max(0, oy + oh - y0), max(0, ox - x0):max(0, ox + ow - x0)] = False
    least = reach * np.count_nonzero(mask)
    if _count(paper, counted) < least:  # it cannot reach that far: most blobs stop here
        return False
    count, joined = cv2.connectedComponents((paper | bridges).astype(np.uint8), connectivity=8)
    reached = np.zeros(count, bool)  # the components holding dark ink of the blob
    reached[joined[mask & dark]] = True
    paper &= reached[joined]
    return (_count(paper, counted) >= least
            and np.percentile(ink, 1) >= config.shadow_core * np.median(patch[paper]))


def _count(mask: np.ndarray, within: np.ndarray | None) -> int:
    """True pixels of `mask`, only those also True in `within` when given."""
    return np.count_nonzero(mask if within is None else mask & within)


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


def classify_blobs(flat: np.ndarray, labels: np.ndarray, blobs: list[Blob], classifier,
                   config: PipelineConfig = PipelineConfig(), cache: BlobCache | None = None) -> list[Digit]:
    """Normalise and classify every blob, then cut the wide ones that do not read as one digit.

    With a `cache` (live video), a blob still as it was in a recent frame takes the
    reading made then, moved with it, and is not classified again.
    """
    digits, unread = [], []
    for blob in blobs:
        found = None if cache is None else cache.find(flat, blob.box)
        if found is None:
            unread.append(blob)
            continue
        (x, y, _, _), reading = found
        dx, dy = blob.box[0] - x, blob.box[1] - y
        digits.extend(Digit(d.digit, d.confidence, (d.box[0] + dx, d.box[1] + dy, d.box[2], d.box[3]))
                      for d in reading)
    for blob, reading in zip(unread, _classify(flat, labels, unread, classifier, config), strict=True):
        if cache is not None:
            cache.keep(flat, blob.box, reading)
        digits.extend(reading)
    return digits


def _classify(flat: np.ndarray, labels: np.ndarray, blobs: list[Blob], classifier,
              config: PipelineConfig) -> list[list[Digit]]:
    """The digits read in each blob.

    Batched classifier calls: every blob whole, followed by a call for the unsure
    ones' thicker and thinner strokes (_predict, `recheck`), then the segments of the
    wide blobs not read confidently whole (`sure_whole`). A wide blob may be several
    touching digits: it is cut at its columns of least ink and at even shares, every
    run of pieces that could be one digit is read, and the left-to-right path of
    runs that reads best is kept (_best_path); the whole blob is one of the runs.
    A narrow blob the model calls "not one digit" (`split_not_digit`: two 1s
    touching) is cut the same way, but read whole unless no piece of its best path
    is "not one digit" too (`split_piece_not_digit`). With `not_digit` set, a crop
    the model calls "not one digit" with that probability or more is dropped.
    """
    if not blobs:
        return []
    probabilities = _predict(classifier, np.stack([crop_blob(flat, labels, blob, blob.box, config) for blob in blobs]),
                             config.recheck)
    plans = []  # per blob: its cut count, runs of pieces (_segments), rows of those read in probabilities, narrow
    for index, blob in enumerate(blobs):
        x, y, w, h = blob.box
        cuts = [0, w]
        narrow = w <= config.split_aspect * h  # cut only when the model calls it "not one digit"
        if probabilities[index, :NUM_CLASSES].max() < config.sure_whole and (
                not narrow or _not_one_digit(probabilities[index], config.split_not_digit)):
            cuts = _cut_columns(labels, blob, config)
        plans.append((len(cuts), list(_segments(labels, blob, cuts, config)), {}, narrow))
    # The runs are read in two rounds, each one classifier call for every blob: those at the blob's ends,
    # then the inner ones, each only where a path through it could still read as well as the best path
    # read before it (_worth_reading). Two touching digits are mostly cut once: their inner runs, half of
    # a blob's, are never read; nor is any run of a blob read whole well enough.
    for kind in RUN_KINDS:
        crops = []
        for index, (count, runs, rows, _) in enumerate(plans):
            for k in _worth_reading(index, blobs[index].box, count, runs, rows, probabilities, kind, config):
                rows[k] = len(probabilities) + len(crops)
                crops.append(crop_blob(flat, labels, blobs[index], runs[k][2], config, runs[k][3]))
        if crops:
            probabilities = np.concatenate([probabilities, classifier.predict(np.stack(crops))])
    readings = []
    for index, (count, runs, rows, narrow) in enumerate(plans):
        segments = _read_segments(index, blobs[index].box, count, runs, rows)
        digits = []
        _, path = _best_path(count, segments, probabilities, config)
        if narrow and len(path) > 1 and any(_not_one_digit(probabilities[i], config.split_piece_not_digit)
                                            for _, _, i, _ in path):
            path = segments[:1]  # a narrow blob is cut only into digits, else read whole
        for _, _, i, box in path:
            if _not_one_digit(probabilities[i], config.not_digit):
                continue
            # Confidence in the digit given that it is one: MNIST's odd writers keep theirs.
            digit = probabilities[i, :NUM_CLASSES]
            digits.append(Digit(int(digit.argmax()), float(digit.max() / max(digit.sum(), 1e-9)), box))
        readings.append(digits)
    return readings


def _read_segments(index: int, box, count: int, runs: list, rows: dict) -> list[tuple]:
    """A blob's segments read so far, as _best_path() takes them: (first cut, last cut, row in the
    probabilities, box), the whole blob (row `index`) first, then its runs read, in their order."""
    return [(0, count - 1, index, box)] + [(first, last, rows[k], run_box)
                                           for k, (first, last, run_box, _) in enumerate(runs) if k in rows]


def _worth_reading(index: int, box, count: int, runs: list, rows: dict, probabilities: np.ndarray,
                   kind: Callable[[int, int, int], bool], config: PipelineConfig) -> list[int]:
    """The runs of `kind` (RUN_KINDS) of a blob not read yet (not in `rows`) through which a path could read
    as well as its best path read so far (_best_path) or better, the others' scores unknown: a run scores at
    most its ceiling, -`split_margin` (and the 1e-9 it adds; probabilities a hair over 1 allowed for). So a
    cut path, two runs at least, must beat the whole blob by that much twice. Leaving the others unread
    leaves the reading as it was."""
    unread = [k for k, (first, last, _, _) in enumerate(runs) if k not in rows and kind(first, last, count)]
    ceiling = math.log(1.0 + 1e-6) - config.split_margin
    if not unread or ceiling >= 0.0:  # more pieces would score more: every run is read
        return unread
    best, _ = _best_path(count, _read_segments(index, box, count, runs, rows), probabilities, config)
    scores = [_run_score(probabilities, rows[k], run_box, config) if k in rows else ceiling
              for k, (_, _, run_box, _) in enumerate(runs)]
    ahead, behind = [-math.inf] * count, [-math.inf] * count  # the most a path from cut 0 (to the end) can score
    ahead[0] = behind[count - 1] = 0.0
    for k in sorted(range(len(runs)), key=lambda k: runs[k][1]):
        first, last = runs[k][:2]
        ahead[last] = max(ahead[last], ahead[first] + scores[k])
    for k in sorted(range(len(runs)), key=lambda k: -runs[k][0]):
        first, last = runs[k][:2]
        behind[first] = max(behind[first], behind[last] + scores[k])
    return [k for k in unread if ahead[runs[k][0]] + ceiling + behind[runs[k][1]] >= best]


def _not_one_digit(probabilities: np.ndarray, level: float | None) -> bool:
    """Whether a crop's probabilities call it "not one digit" with `level` or more: never with `level`
    None, nor from a model without that output."""
    return level is not None and len(probabilities) > NUM_CLASSES and probabilities[NOT_DIGIT] >= level


def _predict(classifier, crops: np.ndarray, recheck: float | None) -> np.ndarray:
    """The classifier's probabilities for uint8 crops (N, 28, 28). A crop read with less than `recheck`
    confidence is read again with its strokes a pixel thicker and a pixel thinner, and the three readings
    are averaged: a stroke the preprocessing left a little off MNIST's width is read at both."""
    probabilities = classifier.predict(crops)
    if recheck is None:
        return probabilities
    unsure = np.flatnonzero(probabilities[:, :NUM_CLASSES].max(axis=1) < recheck)
    if unsure.size == 0:
        return probabilities
    kernel = np.ones((2, 2), np.uint8)
    variants = np.stack([change(crops[i], kernel) for i in unsure for change in (cv2.dilate, cv2.erode)])
    again = classifier.predict(variants).reshape(unsure.size, 2, -1)
    probabilities = probabilities.copy()
    probabilities[unsure] = (probabilities[unsure] + again.sum(axis=1)) / 3
    return probabilities


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


def _unblocked(grey: np.ndarray, config: PipelineConfig) -> tuple[np.ndarray, float, tuple[int, int]]:
    """A grey image that is a small scan enlarged by nearest neighbour (an image viewer's zoom) as it was, a
    pixel for each of its blocks: (image, the factor it was enlarged by, where its first pixel's block would
    start, in the image's pixels); (grey, 1, (0, 0)) when it is none, when so shrunk its longer side would be
    under `block_side` pixels, or when it is larger than `work_side` (shrunk first, its blocks are smoothed
    anyway). Its columns (rows) differ only at the blocks' edges, at least three times each way: in square
    blocks k pixels wide, with paper of any width round them (their steps' spacings share the factor k), or,
    edge to edge in a frame under `min_side`, in blocks of a factor that is not whole (_unzoomed).
    Enlarged from 8x8 in blocks 4 pixels wide, a scan read as blocks, smoothed into staircases, not strokes."""
    if config.block_side is None or min(grey.shape) < 3 or max(grey.shape) > config.work_side or not (
            np.array_equal(grey[:, 0], grey[:, 1]) or np.array_equal(grey[:, 1], grey[:, 2])):
        return grey, 1, (0, 0)  # a zoom's blocks 2 pixels wide or more leave two columns of 0-2 alike
    steps = [np.flatnonzero((image[:, 1:] != image[:, :-1]).any(axis=0)) + 1 for image in (grey, grey.T)]
    if min(len(s) for s in steps) < 3:  # a flat bar's or box's two edges each way say nothing of a zoom
        return grey, 1, (0, 0)
    zoomed = _unzoomed(grey, steps, config)
    if zoomed is not None:
        return zoomed
    side = math.gcd(*(int(v) for s in steps for v in np.diff(s)))
    x, y = (int(s[0]) % side if side else 0 for s in steps)
    if side < 2 or max(grey.shape) < config.block_side * side:
        return grey, 1, (0, 0)
    rows, columns = ([0] * (y > 0) + list(range(y, grey.shape[0], side)),
                     [0] * (x > 0) + list(range(x, grey.shape[1], side)))
    # A block the image's edge cuts is read as one more pixel: the paper round a zoom, or a stroke a crop of
    # the zoom cut.
    return np.ascontiguousarray(grey[np.ix_(rows, columns)]), side, (x - side * (x > 0), y - side * (y > 0))


def _unzoomed(grey: np.ndarray, steps: list[np.ndarray], config: PipelineConfig
              ) -> tuple[np.ndarray, float, tuple[int, int]] | None:
    """_unblocked() for a small frame zoomed by a factor that is not whole (8x8 shown at 28x28: blocks of 3
    and 4 pixels), edge to edge: the columns (rows) at which it `steps` from one to the next are all where a
    block starts when n pixels are spread over its width by nearest neighbour, either as OpenCV does (a pixel
    from floor(x * n / width)) or from each pixel's centre (_zoom_starts). Read at its blocks' starts (nothing
    is lost: the frame is the same between them), the factor its longer side is shrunk by (boxes are mapped
    back by that one factor, so a zoom by another factor each way maps them only roughly); None when it is
    none. Frames under `min_side` only: a zoom with paper added round it is left to _unblocked's whole blocks."""
    if max(grey.shape) >= config.min_side:
        return None
    starts = [_zoom_starts(s, length) for s, length in zip(steps, (grey.shape[1], grey.shape[0]), strict=True)]
    if starts[0] is None or starts[1] is None or max(len(starts[0]), len(starts[1])) < config.block_side:
        return None
    small = np.ascontiguousarray(grey[np.ix_(starts[1], starts[0])])
    return small, max(grey.shape) / max(small.shape), (0, 0)


def _zoom_starts(steps: np.ndarray, length: int) -> list[int] | None:
    """The first pixel of each block of the coarsest nearest-neighbour zoom of n pixels to `length` whose
    block starts hold every one of `steps`, they at least half of them (n - 1 from as many as the steps to
    twice as many, n at most 2/3 of `length`: blocks 1.5 pixels wide on average or more); None if none.
    A zoom takes pixel floor((x + c) * n / length) for pixel x, c 0 (OpenCV's INTER_NEAREST) or 1/2 (Pillow's
    NEAREST, OpenCV's INTER_NEAREST_EXACT); where that is a whole number, reckoned in floating point it may
    fall either side, so a block may start a pixel later there. A start no step shows parts equal pixels."""
    seen = set(int(v) for v in steps)
    for n in range(max(2, len(seen) + 1), min(2 * len(seen) + 1, length * 2 // 3) + 1):  # n - 1 starts hold them
        for c in (0, 1):  # c / 2
            starts = [0]
            for j in range(1, n):
                num, den = 2 * j * length - c * n, 2 * n
                start = -(-num // den)
                starts.append(start + 1 if num % den == 0 and start + 1 in seen else start)
            if seen <= set(starts):
                return starts
    return None


def _may_fill(shape, config: PipelineConfig) -> bool:
    """Whether one digit may fill a frame of this (height, width), so that _filled_frame reads it again: about
    as wide as tall (`small_aspect`), or taller than wide by up to `tall_aspect`, as a photo cropped close round
    one digit is. A small frame of either shape is read with the small kernel; a larger one only of the first,
    when its paper is as flat as a scan's: a tall blank strip of glare-white paper, so read, took a soft
    shadow's edge for a 7."""
    height, width = shape[:2]
    if config.tall_aspect is not None and height > width:
        return height < config.tall_aspect * width
    return _squarish(shape, config)


def _squarish(shape, config: PipelineConfig) -> bool:
    """Whether a frame of this (height, width) is about as wide as tall: under `small_aspect` times either way."""
    return max(shape[:2]) < config.small_aspect * min(shape[:2])


def _is_strip(shape, config: PipelineConfig) -> bool:
    """Whether a frame of this (height, width) is a number's line, cropped: `strip_aspect` times as wide as tall."""
    return shape[1] >= config.strip_aspect * shape[0]


def _touches_border(box, frame_shape):
    """Within a hair of the frame's edge: paper edges and cut-off digits, after JPEG blur and shrinking.
    A box's x, y, w, h may be arrays (a component's statistics, transposed): then an array of answers."""
    x, y, w, h = box
    margin = max(BORDER_MARGIN, round(BORDER_SHARE * max(frame_shape[:2])))
    return (x < margin) | (y < margin) | (x + w > frame_shape[1] - margin) | (y + h > frame_shape[0] - margin)


def intersection(a, b) -> float:
    """The area two (x, y, w, h) boxes share."""
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(0, w) * max(0, h)


def _overlap(a, b) -> float:
    """The share of the smaller of boxes a and b that lies in both."""
    return intersection(a, b) / max(1, min(a[2] * a[3], b[2] * b[3]))


def _union(a, b):
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
    return (x0, y0, x1 - x0, y1 - y0)


def _root(parent: list[int], i: int) -> int:
    """The root of `i` in the union-find forest `parent` (each entry its parent, a root its own), halving
    the path walked as it goes."""
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _union_all(boxes):
    """The smallest box holding all of `boxes`."""
    boxes = iter(boxes)
    box = next(boxes)
    for other in boxes:
        box = _union(box, other)
    return box


def _blob_mask(labels: np.ndarray, blob: Blob, box) -> np.ndarray:
    x, y, w, h = box
    window = labels[y:y + h, x:x + w]
    mask = window == blob.labels[0]
    for label in blob.labels[1:]:  # a few labels: far quicker than np.isin on a small window
        mask |= window == label
    return mask


def _cut_columns(labels: np.ndarray, blob: Blob, config: PipelineConfig) -> list[int]:
    """Where a wide blob may be cut: its ends, its columns of least ink (the `max_cuts` least inked, or all),
    and the even cuts into two and three, at least `min_cut_spacing` heights apart.

    Digits that touch at a thin bridge part at a column of little ink; round digits
    pressed together ("00") part where their walls meet, the most ink of all, which
    the even cuts stand in for.
    """
    x, y, w, h = blob.box
    columns = _blob_mask(labels, blob, blob.box).sum(axis=0).astype(np.float32)
    smooth = np.convolve(columns, np.ones(3, np.float32) / 3, mode="same")
    inner = np.arange(1, w - 1)
    minima = inner[(smooth[inner] <= smooth[inner - 1]) & (smooth[inner] <= smooth[inner + 1])]
    even = [int(round(w * share)) for share in EVEN_CUTS]
    spacing = max(2, int(config.min_cut_spacing * h))
    picked: list[int] = []
    for column in [*even, *minima[np.argsort(smooth[minima], kind="stable")][:config.max_cuts]]:
        if spacing <= column <= w - spacing and all(abs(column - c) >= spacing for c in picked):
            picked.append(int(column))
    return [0, *sorted(picked), w]


def _segments(labels: np.ndarray, blob: Blob, cuts: list[int], config: PipelineConfig):
    """Runs of pieces between cut columns that could be one digit, the whole blob left out:
    (first cut, last cut, box, mask), each at most `max_segment_aspect` heights wide and holding ink;
    the mask (the box's shape) holds the ink between the two cuts' paths (_cut_paths)."""
    if len(cuts) <= 2:
        return  # the whole blob only
    x, y, w, h = blob.box
    whole = _blob_mask(labels, blob, blob.box)
    columns = np.arange(w)
    paths = _cut_paths(whole, cuts, config)
    right_of = [columns >= path[:, None] for path in paths]  # per cut: the pixels right of it
    for first in range(len(cuts) - 1):
        for last in range(first + 1, len(cuts)):
            left, right = cuts[first], cuts[last]
            if (first, last) == (0, len(cuts) - 1):
                continue
            if right - left > config.max_segment_aspect * h:
                break
            inside = whole & right_of[first] & ~right_of[last]
            rows = np.flatnonzero(inside.any(axis=1))
            if rows.size:
                top, bottom = int(rows[0]), int(rows[-1]) + 1
                start, end = int(paths[first][top:bottom].min()), int(paths[last][top:bottom].max())
                yield first, last, (x + start, y + top, end - start, bottom - top), inside[top:bottom, start:end]


def _cut_paths(mask: np.ndarray, cuts: list[int], config: PipelineConfig) -> list[np.ndarray]:
    """Per cut, the column each row of a blob's mask is cut at (a row's pixels left of it go left): the
    blob's ends straight down; each inner cut a path from top to bottom, up to `cut_reach` heights from its
    column and a column a row aside at most, that parts the fewest pairs of ink pixels side by side or one
    above the other (a stroke's edge is free to follow), paying CUT_BEND a step aside and CUT_STRAY a row
    per column away from its column. Paths never cross: each is kept right of the one before."""
    h, w = mask.shape
    inner = np.asarray(cuts[1:-1], np.int64)
    reach = 0 if config.cut_reach is None else int(round(config.cut_reach * h))
    if reach == 0 or inner.size == 0:
        return [np.full(h, cut, np.int64) for cut in cuts]
    # Column c + reach of these: a cut at column c, between pixels c - 1 and c. crossing: ink both sides of
    # it in a row (columns outside 1..w-1 may not be cut, at any price); above: ink in pixel c of a row and
    # the row above, parted by a step across it.
    crossing = np.full((h, w + 2 * reach + 1), np.inf)
    crossing[:, reach + 1:reach + w] = mask[:, :-1] & mask[:, 1:]
    above = np.zeros((h, w + 2 * reach + 1))
    above[1:, reach:reach + w] = mask[:-1] & mask[1:]
    offsets = np.arange(-reach, reach + 1)
    at_columns = inner[:, None] + offsets + reach  # (cuts, steps): where each path may go, in those arrays
    # costs[r, k, 1 + i]: the cheapest path of cut k from the top to row r, step i; from_left and from_right:
    # the pixels parted by coming there from the column left of it (pixel c - 1) and right (pixel c)
    costs = np.full((h, len(inner), offsets.size + 2), np.inf)
    costs[:, :, 1:-1] = crossing[:, at_columns] + CUT_STRAY * np.abs(offsets)
    from_left, from_right = above[:, at_columns - 1] + CUT_BEND, above[:, at_columns] + CUT_BEND
    for row in range(1, h):
        before = costs[row - 1]
        best = np.minimum(before[:, :-2] + from_left[row], before[:, 2:] + from_right[row])
        np.minimum(best, before[:, 1:-1], out=best)
        costs[row, :, 1:-1] += best
    # Back up from each path's cheapest end, row by row, along the cheapest of the three ways in (plain
    # Python on lists: a few hundred steps, too small for numpy's per-call cost).
    table, lefts, rights = costs.tolist(), from_left.tolist(), from_right.tolist()
    paths = [np.full(h, cuts[0], np.int64)]
    for k, cut in enumerate(inner.tolist()):
        at = int(costs[-1, k].argmin())  # in the padded row: 1 + its step
        steps = [at] * h
        for row in range(h - 1, 0, -1):
            left, stay, right = table[row - 1][k][at - 1:at + 2]
            left += lefts[row][k][at - 1]
            right += rights[row][k][at - 1]
            if left < stay and left <= right:
                at -= 1
            elif right < stay:
                at += 1
            steps[row - 1] = at
        paths.append(np.maximum(np.asarray(steps) + (cut - reach - 1), paths[-1]))
    paths.append(np.full(h, cuts[-1], np.int64))
    return paths


def _best_path(count: int, segments, probabilities, config: PipelineConfig) -> tuple[float, list]:
    """The segments covering the blob from its first cut to its last that read best, left to right, and
    their score.

    A path scores the sum of its segments' scores (_run_score): their log-probability of their best
    digit, less `split_margin` each, so a cut is taken only when the pieces read clearly better than
    the whole; a model with the "not one digit" output makes touching digits read badly whole.
    """
    best = [(-np.inf, None)] * count  # best[c]: (score, path) of the best path from cut 0 to cut c
    best[0] = (0.0, [])
    for first, last, i, box in sorted(segments, key=lambda segment: segment[1]):
        if best[first][1] is None:
            continue
        total = best[first][0] + _run_score(probabilities, i, box, config)
        if total > best[last][0]:
            best[last] = (total, best[first][1] + [(first, last, i, box)])
    return best[count - 1][0], best[count - 1][1] or []


def _run_score(probabilities: np.ndarray, i: int, box, config: PipelineConfig) -> float:
    """A segment's score in a path (_best_path): the log-probability of its best digit less `split_margin`,
    and less `wide_penalty` for each height of width beyond `max_digit_aspect` (a digit is rarely wider)."""
    confidence = float(np.log(probabilities[i, :NUM_CLASSES].max() + 1e-9))
    too_wide = max(0.0, box[2] / box[3] - config.max_digit_aspect)
    return confidence - config.split_margin - config.wide_penalty * too_wide


def crop_blob(flat: np.ndarray, labels: np.ndarray, blob: Blob, box, config: PipelineConfig = PipelineConfig(),
              mask: np.ndarray | None = None):
    """The model's uint8 28x28 input for the part of `blob` inside `box` (edge_app.preprocess), or for the
    pixels of `mask` (the box's shape) when given."""
    x, y, w, h = box
    pad = int(round(config.crop_margin * max(w, h))) + 1
    x0, y0 = max(0, x - pad), max(0, y - pad)
    x1, y1 = min(flat.shape[1], x + w + pad), min(flat.shape[0], y + h + pad)
    around = np.zeros((y1 - y0, x1 - x0), bool)
    around[y - y0:y - y0 + h, x - x0:x - x0 + w] = _blob_mask(labels, blob, box) if mask is None else mask
    return normalize_digit(flat[y0:y1, x0:x1], around)


def scale_number(number: Number, factor: float) -> Number:
    """The same reading with every box scaled, as for a frame shown or read at another size."""
    digits = tuple(Digit(d.digit, d.confidence, _scale_box(d.box, factor, (0, 0))) for d in number.digits)
    return Number(number.text, number.confidence, _scale_box(number.box, factor, (0, 0)), digits)


def _clip_box(box, frame_shape, offset) -> tuple[int, int, int, int]:
    """Keep a box inside the frame it was read from (a re-read crop's box can reach into its margin)."""
    x, y, w, h = box
    x0, y0 = max(x, offset[0]), max(y, offset[1])
    x1 = min(x + w, offset[0] + frame_shape[1])
    y1 = min(y + h, offset[1] + frame_shape[0])
    return (x0, y0, max(1, x1 - x0), max(1, y1 - y0))


def _scale_box(box, factor: float, offset) -> tuple[int, int, int, int]:
    x, y, w, h = box
    return (int(round(x * factor)) + offset[0], int(round(y * factor)) + offset[1],
            max(1, int(round(w * factor))), max(1, int(round(h * factor))))
