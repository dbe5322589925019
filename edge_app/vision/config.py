"""PipelineConfig: every default of the vision pipeline, with its unit and why, in one frozen dataclass.

    from edge_app.pipeline import PipelineConfig, read_frame
    numbers = read_frame(frame, classifier, PipelineConfig(min_confidence=0.6))
"""

from dataclasses import dataclass


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
    rule_lone_dark: float | None = 0.8  # fewer lines than rule_family on a frame about square (small_aspect), as
    # dark as this share of its other ink or darker (medians), are a digit's stem, not rules: kept (None: never)
    rule_family: int = 3  # ... are found along that axis: a digit filling the frame has a long, thin stem;
    # this many lines across the frame are rules, even the short ones across a strip (a squared page's)
    rule_stub: float | None = 0.9  # a blob with this share of its ink on the rules, no darker than they are
    # (`rule_darker`), is a rule's piece left between strokes close either side of it (None: never dropped)
    rule_fainter: float | None = 0.7  # share of the weak-ink level: on a page where rule_family rules were found,
    # they are looked for again with ink this faint (None: never)
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
    # A blob whose ground (the paper's estimate, brightest at its box's corners) is darker than off_paper of the
    # frame's paper (the estimate's OFF_PAPER_TOP percentile) lies on a table round a sheet (None: never so)
    off_paper: float | None = 0.3
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
    # A pen lying on the page (drop_bars): a piece this many times as long as wide ...
    bar_aspect: float = 6.0
    bar_paper: float = 0.5  # ... with paper on both sides of it this bright or brighter, of the frame's paper ...
    bar_thick: float | None = 1.5  # ... this many times as wide as the digit's strokes (None: no pen is dropped) ...
    bar_long: float = 2.5  # ... or this many times as long as the digit is tall ...
    bar_near: float = 0.1  # ... and near no other piece, by this share of its height, is dropped. The digit:
    bar_ref: float = 0.1  # the tallest other piece at least this share of the bar's length tall ...
    bar_solid: float = 0.3  # ... whose strokes are at most this share of its height wide
    # A punched hole (drop_holes): a blob without a hole whose outline's convex part lies on a circle, on average
    # within this share of its radius ...
    hole_fit: float = 0.04
    hole_arc: float | None = 0.35  # ... along at least this share of the directions from its centre (None: never)
    hole_notch: float = 0.25  # ... with no concavity deeper than this share of the radius (a disc) ...
    hole_disc: float = 0.55  # ... and along this share of the directions; or with one this share deep or more ...
    hole_deep: float = 0.5  # ... whose edge lies on a circle (as close) ...
    hole_inner: float = 1.6  # ... this many times as large or small (a crescent) ...
    hole_offset: tuple[float, float] = (0.2, 0.6)  # ... its centre this share of the first's radius away
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
    band_width: float | None = 1 / 36  # share of the longer side: faint ink this wide or wider all along, long
    # and straight, lighter than band_light of the frame's darkest ink, is a narrow shadow across the page (a
    # pen's, a phone's edge), narrower than the paper estimate's kernel and so left as ink; it joined the digits
    # it crossed into one blob (without_bands; None: never looked for)
    band_light: float = 0.75
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
    # height (_without_slivers: one of them is enough) is dropped (None: never) ...
    sliver_short: float | None = 0.25  # ... and one with no digit of its height, thinner than this share of the
    # nearest taller ones' (a grid line's fragment beside a number cropped close; None: kept)
    line_down: float | None = 1.2  # a 1 read with paper added round a frame, reaching its top or bottom, this many
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
