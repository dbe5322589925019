"""Frames read whole: single digits filling the photo, sheets, strips cropped close."""

import dataclasses

import cv2
import numpy as np
import pytest
from conftest import needs_model
from pipeline_helpers import _generated_item, _numbers_on_blank_pages, _read_exactly

from edge_app import scenes
from edge_app.pipeline import (
    Blob,
    Digit,
    Number,
    PipelineConfig,
    _add_paper,
    _cut_in_row,
    _filled_frame,
    _flat_paper,
    _thick_ink,
    find_blobs,
    finer_is_sure,
    finer_side,
    read_frame,
)
from edge_app.scenes import DigitSource, SceneConfig, fill_frame, make_line, make_scene, make_single_digit
from edge_app.vision.paper import shrink, to_grey
from edge_app.vision.pieces import _sheet_outline


def test_finer_side_is_the_side_at_which_a_frames_small_digits_are_32_pixels_tall():
    def numbers(height, count=6, confidence=0.99):
        digits = tuple(Digit(3, confidence, (100 + 40 * i, 100, 20, height)) for i in range(count))
        return [Number("3" * count, confidence, (100, 100, 40 * count, height), digits)]
    assert finer_is_sure(numbers(30, count=3) + numbers(30, count=2, confidence=0.7), PipelineConfig())
    assert not finer_is_sure(numbers(30, count=2) + numbers(30, count=3, confidence=0.7), PipelineConfig())
    assert not finer_is_sure([], PipelineConfig())
    shape = (1920, 2560, 3)  # shrunk to 1000 x 750: a digit 46 pixels tall in it is 18.0 there
    assert finer_side(numbers(46), shape, PipelineConfig(), 2560) == 1780  # 32 / 18.0 x 1000
    assert finer_side(numbers(30), shape, PipelineConfig(), 2560) == 2000  # 2,731 wanted: at most small_max_side
    assert finer_side(numbers(30), shape, PipelineConfig(small_max_side=2600), 2560) == 2560  # all it has
    assert finer_side(numbers(52), shape, PipelineConfig(), 2560) is None  # 20.3 there: not small
    assert finer_side(numbers(30), shape, PipelineConfig(), 1100) is None  # not 1.2 times larger at least
    assert finer_side(numbers(15), (480, 640, 3), PipelineConfig(), 640) is None  # read at its own size already
    assert finer_side(numbers(15), (480, 640, 3), PipelineConfig(), 2560) == 1365  # its image is larger
    assert finer_side([], shape, PipelineConfig(), 2560) is None
    assert finer_side(numbers(30, count=1), shape, PipelineConfig(), 2560) == 2000  # one digit is enough
    assert finer_side(numbers(30), shape, PipelineConfig(small_digits=None), 2560) is None


@needs_model
def test_a_whole_sheet_in_small_writing_is_read_again_larger(classifier, mnist_path):
    # 4 generated sheets of 2560 x 1920 pixels with digits 22-30 pixels tall: 9-12 once shrunk to 1000 px.
    rng = np.random.default_rng(1)
    config = SceneConfig(width=2560, height=1920, min_digit_height=22, max_digit_height=30, max_lines=6)
    sheets = [make_scene(rng, DigitSource.find(str(mnist_path)), config) for _ in range(4)]

    def found(config):
        return sum(sum(text in [n.text for n in read_frame(sheet.image, classifier, config)] for text in sheet.texts)
                   for sheet in sheets)
    # The shipped model: 14 of the 19 numbers (read at 2,000 px), 5 with small_digits=None.
    assert sum(len(sheet.texts) for sheet in sheets) == 19
    assert found(PipelineConfig()) >= 12 and found(PipelineConfig(small_digits=None)) <= 8
    # A blank ruled page on a table reads three unsure digits of grain and rules (0.58-0.85); read larger,
    # 56 numbers, their median digit read under 0.9, not kept.
    blank = make_scene(np.random.default_rng(0), None, dataclasses.replace(config, rules=1.0, table=1.0), texts=[])
    assert len(read_frame(blank.image, classifier)) <= 4
    assert len(read_frame(blank.image, classifier, PipelineConfig(small_sure=0.0))) >= 20


def test_a_whiteboards_frame_is_drawn_clear_of_the_writing():
    ink = np.zeros((120, 160), np.float32)
    ink[14:30, 40:60] = 1.0  # writing near the top, 14 px from it
    ink[60:80, 150:156] = 0.5  # ... and near the right side
    drawn = 0
    for seed in range(40):
        image = np.full((120, 160, 3), 240.0, np.float32)
        scenes._board_frame(image, ink, np.random.default_rng(seed))
        changed = (image != 240.0).any(axis=2)
        drawn += changed.any()
        assert not changed[8:36, 34:66].any() and not changed[54:86, 144:].any()  # 6 px clear of the writing
    # 60% of boards show a frame, on one of four sides; here only the left and the bottom have room.
    assert 5 <= drawn <= 20
    plain = make_scene(np.random.default_rng(3))
    board = make_scene(np.random.default_rng(3), config=SceneConfig(board=1.0), texts=["2024"])
    assert board.texts == ["2024"] and not np.array_equal(board.image, plain.image)


@needs_model
def test_reads_scene_numbers(classifier, mnist_path):
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(11)
    right = total = 0
    for _ in range(25):
        scene = make_scene(rng, digits)
        read = [n.text for n in read_frame(scene.image, classifier)]
        total += len(scene.texts)
        right += sum(text in read for text in scene.texts)
    assert right / total >= 0.7  # the shipped model reads 50/56 (0.89) here; issue 4 aims at 0.85


@needs_model
def test_reads_single_digit_photos(classifier, mnist_path):
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(12)
    right = _read_exactly(classifier, [make_single_digit(rng, digits) for _ in range(60)])
    assert right >= 52  # the shipped model reads 59/60 here; issue 4 aims at 98%


@needs_model
def test_a_digit_filling_the_photo_is_read_again_as_a_small_image(classifier, mnist_path):
    """Taken close, a digit's strokes are wider than the closing's kernel (1/12 of the frame): they are taken
    for paper and only faint outlines are left, read as nothing or as another digit. Such a frame, read
    empty or unsure, is read again shrunk under min_side (the small kernel)."""
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(16)
    scenes = [fill_frame(make_single_digit(rng, digits)) for _ in range(100)]
    right = _read_exactly(classifier, scenes)
    once = _read_exactly(classifier, scenes, PipelineConfig(filled_confidence=None))
    assert right >= 95 and right >= once + 5, (right, once)  # the shipped model: 98 and 92


@needs_model
def test_a_digit_filling_the_photo_broken_in_two_is_read_again(classifier, mnist_path):
    """A marker 2 filling a square crop comes apart, its top read as a 7 above its base read as a 2: two
    numbers, one above the other. A frame read as a few digits in several numbers is read again too
    (filled_digits: at most 3; 1, as here, leaves out every reading of two digits)."""
    (two,) = _filled_crops(mnist_path, 21, [10])
    assert two.texts == ["2"] and two.image.shape[:2] == (600, 600)
    assert [n.text for n in read_frame(two.image, classifier)] == ["2"]
    assert [n.text for n in read_frame(two.image, classifier, PipelineConfig(filled_digits=1))] == ["7", "2"]


@needs_model
def test_a_digit_filling_the_photo_read_as_a_sure_part_of_it_is_read_again(classifier, mnist_path):
    """A marker 7 filling a square crop: its thick bar is taken for paper, and its stem alone reads as a
    sure 1. The frame, with much thick ink in it, is read again, and the 7 read then, its box far larger
    than the 1's, is taken (filled_larger). The stem, 7 times as long as the bar's pieces left are tall and
    55 px from them, is dropped as a pen too (drop_bars), and the frame read again all the same: with the
    pen stage off, the 7 is read only by filled_larger."""
    (seven,) = _filled_crops(mnist_path, 23, [7])
    assert seven.texts == ["7"]
    assert [n.text for n in read_frame(seven.image, classifier)] == ["7"]
    no_pen = PipelineConfig(bar_thick=None)
    assert [n.text for n in read_frame(seven.image, classifier, no_pen)] == ["7"]
    (stem,) = read_frame(seven.image, classifier, dataclasses.replace(no_pen, filled_larger=None))
    assert stem.text == "1" and stem.confidence >= PipelineConfig().filled_unsure


@needs_model
def test_a_digit_filling_the_photo_read_surer_shrunk_is_taken_so(classifier, mnist_path):
    """Blurred grey digits filling square crops, read first as another digit (an 8 as a sure 0, a 6 as a 5,
    a 4 as an unsure 1) or as nothing, and read shrunk as themselves more surely though under
    filled_confidence: the surer reading is taken (filled_better)."""
    crops = _filled_crops(mnist_path, 603, [42, 203, 216]) + _filled_crops(mnist_path, 604, [91, 121, 220])
    assert [c.texts for c in crops] == [["8"], ["4"], ["6"], ["6"], ["4"], ["0"]]
    right = _read_exactly(classifier, crops)
    before = _read_exactly(classifier, crops, PipelineConfig(filled_better=None))
    assert right == 6 and before <= 3, (right, before)  # the shipped model: 6 and 1 (OpenCV 4: 6 and 3)


@needs_model
def test_grey_ink_on_yellow_paper_filling_the_photo_is_thick_ink_read_again(classifier, mnist_path):
    """A grey 4 on yellow paper filling a square crop: its crossing is taken for paper and its stem alone
    reads as a sure 1. Ink 0.2 darker than the paper the small kernel sees covers 7.3% of the frame, under
    the old thick_sure_share (8%), so the frame was not read again; ink 0.12 darker covers 11%. Shrunk, the
    frame reads as a sure 4."""
    (four,) = _filled_crops(mnist_path, 603, [82])
    assert four.texts == ["4"]
    assert [n.text for n in read_frame(four.image, classifier)] == ["4"]
    old = PipelineConfig(thick_darker=0.2, thick_sure_share=0.08)
    assert [n.text for n in read_frame(four.image, classifier, old)] == ["1"]


@needs_model
def test_a_digit_filling_the_photo_read_with_a_piece_inside_another_is_no_sure_number(classifier, mnist_path):
    """A faint 8 filling a square crop breaks: its body reads as a sure 3, the end of its upper loop, inside
    the 3's box, as a 1 that grouping leaves out. One sure number that leaves out a digit read is a broken
    digit's reading: the frame is read again shrunk (as an 8), as it is not after a 3 read alone."""
    (eight,) = _filled_crops(mnist_path, 600, [9])
    assert eight.texts == ["8"]
    assert [n.text for n in read_frame(eight.image, classifier)] == ["8"]
    grey, config = to_grey(eight.image), PipelineConfig()
    body, piece = Digit(3, 1.0, (122, 109, 404, 381)), Digit(1, 0.96, (238, 123, 94, 151))
    (again,) = _filled_frame(grey, [body, piece], classifier, config)
    assert again.digit == 8
    assert _filled_frame(grey, [body], classifier, config) == [body]


@needs_model
def test_a_soft_shadow_read_shrunk_as_a_1_on_a_blank_page_is_not_taken(classifier, mnist_path):
    """A blank yellow page with a soft shadow reads nothing; shrunk, the shadow reads as a 1 surer than
    filled_better. After nothing was read, a 1 must be read with filled_confidence to be taken."""
    rng = np.random.default_rng(8)
    digits = DigitSource.find(str(mnist_path))
    page = [make_scene(rng, digits, SceneConfig(), texts=[]).image for _ in range(10)][9]
    config = PipelineConfig()
    grey = to_grey(page)
    (again,) = read_frame(shrink(grey, config.min_side - 1)[0], classifier, config)
    assert again.text == "1" and config.filled_better <= again.confidence < config.filled_confidence
    assert read_frame(page, classifier) == []
    assert _filled_frame(grey, [], classifier, config) == []


@needs_model
def test_a_wide_digit_filling_the_photo_is_read_again_though_under_half_its_height(classifier, mnist_path):
    """A wide marker 5 filling a square crop is 0.45 of its height: read first as "7" above "5", shrunk it is
    a sure 5 whose longer side, its width, fills most of the frame. The share filled_height asks is of the
    frame's side along the digit's longer side: a square crop of a wide digit is that wide, not that tall."""
    (five,) = _filled_crops(mnist_path, 603, [92])
    assert five.texts == ["5"]
    assert [n.text for n in read_frame(five.image, classifier)] == ["5"]
    (number,) = read_frame(five.image, classifier)
    x, y, w, h = number.box
    assert h < PipelineConfig().filled_height * 600 <= w


@needs_model
def test_a_digit_filling_the_photo_joined_to_a_hard_shadow_when_shrunk_is_read_with_a_narrower_kernel(
        classifier, mnist_path):
    """Square crops of a 4, a 2 and a 7 under hard-edged shadows: read first as a 1, a 7 and an 8, and shrunk
    the small kernel (1/4 of the frame) takes the shadow's edge for ink joined to the digit, which then
    reaches the frame's edge and is not taken. Read once more with a kernel 1/6 of the frame wide, which
    follows the shadow's edge, each is its digit, clear of the edges (filled_edge_kernel)."""
    crops = _filled_crops(mnist_path, 600, [97, 146, 168])
    assert [c.texts for c in crops] == [["4"], ["2"], ["7"]]
    assert [[n.text for n in read_frame(c.image, classifier)] for c in crops] == [["4"], ["2"], ["7"]]
    config = PipelineConfig(filled_edge_kernel=None)
    assert [[n.text for n in read_frame(c.image, classifier, config)] for c in crops] == [["1"], ["7"], ["8"]]


@needs_model
def test_a_soft_shadow_read_shrunk_as_a_wide_digit_is_not_taken(classifier, mnist_path):
    """A blank page whose soft shadow, wider than half the frame and not half as tall, reads shrunk as a
    2 less sure than filled_confidence: a digit under half the frame's height is taken for its width only
    when read that sure."""
    rng = np.random.default_rng(10)
    digits = DigitSource.find(str(mnist_path))
    page = [make_scene(rng, digits, SceneConfig(), texts=[]).image for _ in range(13)][12]
    config = PipelineConfig()
    grey = to_grey(page)
    small, scale = shrink(grey, config.min_side - 1)
    (again,) = read_frame(small, classifier, config)
    x, y, w, h = again.box
    assert again.text == "2" and config.filled_better <= again.confidence < config.filled_confidence
    assert h < config.filled_height * small.shape[0] and w >= config.filled_height * small.shape[1]
    assert read_frame(page, classifier) == []
    assert _filled_frame(grey, [], classifier, config) == []


@needs_model
def test_a_digit_cropped_close_to_a_narrow_photo_is_read_again_as_a_small_image(classifier, mnist_path):
    """Cropped close round the digit (3% of paper), a marker 1, 1, 9 and 4 make photos about 1.6 times as tall
    as wide, narrower than small_aspect lets be squarish: read once, their strokes wider than the closing's
    kernel, they were nothing, a 0, a 0 and a 9. A frame taller than wide up to tall_aspect is one a digit
    may fill, and is read again shrunk as a square one is."""
    crops = _filled_crops(mnist_path, 700, [2, 45, 80, 105], margin=0.03, square=False)
    assert [c.texts for c in crops] == [["1"], ["1"], ["9"], ["4"]]
    assert all(PipelineConfig().small_aspect * c.image.shape[1] <= c.image.shape[0] for c in crops)
    assert [[n.text for n in read_frame(c.image, classifier)] for c in crops] == [["1"], ["1"], ["9"], ["4"]]
    config = PipelineConfig(tall_aspect=None)
    assert [[n.text for n in read_frame(c.image, classifier, config)] for c in crops] == [[], ["0"], ["0"], ["9"]]


@needs_model
def test_a_tall_strip_of_flat_paper_is_not_read_with_the_small_kernel(classifier, mnist_path):
    """The left 0.3 of a generated sheet, glare-white and blank (its number lies further right): 480x192 and
    as flat as a scan's paper. Read with the small kernel, as a squarish frame of flat paper is, its soft
    shadow's edge is a 7; a frame taller than small_aspect lets be squarish is only read again shrunk
    (_may_fill), and it reads nothing."""
    rng = np.random.default_rng(102)
    digits = DigitSource.find(str(mnist_path))
    sheet = [make_scene(rng, digits, SceneConfig()) for _ in range(40)][39]
    strip = sheet.image[:, :int(sheet.image.shape[1] * 0.3)]
    config = PipelineConfig()
    assert _flat_paper(to_grey(strip), config) and strip.shape[0] >= config.small_aspect * strip.shape[1]
    assert all(x >= strip.shape[1] for _, (x, _, _, _) in sheet.numbers)
    assert read_frame(strip, classifier) == []
    small_kernel = PipelineConfig(background_kernel=config.small_kernel)
    assert [n.text for n in read_frame(strip, classifier, small_kernel)] == ["7"]


def _filled_crops(mnist_path, seed: int, items: list[int], margin: float = 0.1, square: bool = True) -> list:
    """Items of the targets' square crops (single-digit photos cropped to a square 600 px wide, the digit
    filling it but a 10% margin) made from generator seed `seed`; or, not `square`, cropped to the digit's
    box with `margin` of it round (scenes.fill_frame)."""
    rng = np.random.default_rng(seed)
    digits = DigitSource.find(str(mnist_path))
    scenes = [make_single_digit(rng, digits) for _ in range(max(items) + 1)]
    return [fill_frame(scenes[i], margin=margin, side=600, square=square) for i in items]


@needs_model
def test_a_digit_filling_the_photo_broken_in_many_unsure_pieces_is_read_again(classifier, mnist_path):
    """A blurred grey 7 filling the frame comes apart in four pieces, each unsure (2, 5, 3, 8 at 0.52-0.76,
    as OpenCV 5 reads it; OpenCV 4 reads it whole). More than filled_digits digits are a page's, not read
    again, unless none is sure and there are at most filled_broken of them: read shrunk, the 7 is sure."""
    (seven,) = _filled_crops(mnist_path, 600, [179])
    assert seven.texts == ["7"]
    assert [n.text for n in read_frame(seven.image, classifier)] == ["7"]
    grey, config = to_grey(seven.image), PipelineConfig()
    pieces = [Digit(2, 0.76, (93, 96, 328, 85)), Digit(5, 0.52, (409, 162, 44, 69)),
              Digit(3, 0.55, (345, 240, 56, 87)), Digit(8, 0.69, (230, 454, 50, 61))]
    (again,) = _filled_frame(grey, pieces, classifier, config)
    assert again.digit == 7 and again.confidence >= config.filled_confidence
    assert _filled_frame(grey, pieces, classifier, dataclasses.replace(config, filled_broken=3)) == pieces
    one_sure = pieces[:3] + [Digit(8, config.filled_unsure, pieces[3].box)]
    assert _filled_frame(grey, one_sure, classifier, config) == one_sure  # a page's digits, one of them sure


@needs_model
def test_a_digit_filling_the_photo_read_again_alone_drops_what_was_read_beside_it(classifier, mnist_path):
    """A 6 filling a yellow square crop reads as a sure "56": the 6, and a dark corner of the paper read as
    a 5. Read shrunk, the frame is the 6 alone, at the 6's place: the second reading is taken, though its
    box is no larger than the first's number (filled_larger)."""
    (six,) = _filled_crops(mnist_path, 600, [89])
    assert six.texts == ["6"]
    (number,) = read_frame(six.image, classifier)
    assert number.text == "6"
    x, y, w, h = number.box
    assert w * h >= 0.2 * 600 * 600 and x > 100  # the 6 itself, not the corner at the top left


def test_thick_ink_is_a_marker_stroke_not_blank_paper_or_a_shadow():
    """The test that lets a frame be read again: ink wider than the closing's kernel and narrower than the
    small kernel. A marker 0 filling the frame has it; blank paper, and paper under a soft shadow, do not."""
    paper = np.full((400, 400), 225, np.uint8)
    zero = paper.copy()
    cv2.ellipse(zero, (200, 200), (110, 150), 0, 0, 360, 60, 40)  # a stroke a tenth of the frame wide
    shadowed = paper.astype(np.float32)
    shadowed[:, :200] *= 0.6
    shadowed = cv2.GaussianBlur(shadowed, (0, 0), 15).astype(np.uint8)
    thin = paper.copy()
    cv2.ellipse(thin, (200, 200), (110, 150), 0, 0, 360, 60, 8)  # a pen's stroke: the usual kernel takes it
    config = PipelineConfig()
    share = config.thick_share
    assert _thick_ink(zero, config, share) and _thick_ink(zero, config, config.thick_sure_share)
    assert not any(_thick_ink(image, config, share) for image in (paper, shadowed, thin))


def test_fill_frame_crops_a_single_digit_photo_round_its_digit():
    for seed in range(6):
        scene = make_single_digit(np.random.default_rng(seed))
        filled = fill_frame(scene, margin=0.15, side=400)
        (text, (x, y, w, h)), = filled.numbers
        height, width = filled.image.shape[:2]
        assert max(height, width) == 400 and text == scene.texts[0]
        assert filled.digits == [(int(text), (x, y, w, h))]
        assert 0 <= x and x + w <= width + 1 and 0 <= y and y + h <= height + 1  # the digit is in the crop ...
        assert max(height, width) <= 1.3 * max(w, h) + 2  # ... with at most 15% of its size each way round it
        assert max(w, h) >= 0.75 * 400  # only the scene's edge can make that margin less
        square = fill_frame(scene, margin=0.1, side=600, square=True)
        (_, (x, y, w, h)), = square.numbers
        assert square.image.shape[:2] == (600, 600)
        assert 0 <= x and x + w <= 601 and 0 <= y and y + h <= 601 and max(w, h) >= 600 / 1.2 - 2


@needs_model
def test_reads_single_digits_on_a_sheet_lying_on_a_table(classifier, mnist_path):
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(15)
    scenes = [make_single_digit(rng, digits, config=SceneConfig(table=1.0)) for _ in range(60)]

    with_frames_dropped = _read_exactly(classifier, scenes)
    kept = _read_exactly(classifier, scenes, PipelineConfig(frame_max_inner=0.0))
    assert with_frames_dropped >= 52  # the shipped model: 57/60
    assert with_frames_dropped >= kept + 4  # with the sheet's edge kept as a blob: 51/60


@needs_model
def test_a_dark_tables_grain_round_a_sheet_is_not_read(classifier, mnist_path):
    """A 0, a 3 and a marker 5 on sheets lying on a dark table, whose grain left pieces round the sheet that
    read as digits ("44", "7", "7", "4" beside the 0; "4", "8" or "37", "5", "22" beside the 3). Beside the
    5, OpenCV 5 found a crowd of them, which made the 5 a bar, dropped (drop_specks), and 14 numbers were
    read. The table's ground is 0.2 of the sheet's paper (drop_off_paper)."""
    found = [_generated_item(make_single_digit, mnist_path, seed, item, SceneConfig(table=1.0))
             for seed, item in ((502, 16), (501, 51), (503, 43))]
    assert [s.texts for s in found] == [["0"], ["3"], ["5"]]
    for scene in found:
        assert [n.text for n in read_frame(scene.image, classifier)] == scene.texts
    for scene in found[:2]:
        assert len(read_frame(scene.image, classifier, PipelineConfig(off_paper=None))) >= 3


@needs_model
def test_a_pen_lying_beside_a_single_digit_is_not_read(classifier, mnist_path):
    """Single digits with a pen on the page (SceneConfig(pens=1.0)): the pen, four times the digit's length,
    made a speck of it (drop_specks) and read as a sure 1 ("1" for a 6, 5 and 9), or was joined to it ("2" for
    a 6, "7" for a 3); it is dropped before either (drop_bars)."""
    found = [_generated_item(make_single_digit, mnist_path, 300, item, SceneConfig(pens=1.0))
             for item in (31, 72, 101, 121, 147)]
    assert [s.texts for s in found] == [["6"], ["5"], ["9"], ["6"], ["3"]]
    for scene in found:
        assert [n.text for n in read_frame(scene.image, classifier)] == scene.texts
    without = PipelineConfig(bar_thick=None)
    assert sum([n.text for n in read_frame(s.image, classifier, without)] != s.texts for s in found) >= 4


@needs_model
def test_a_loose_leaf_sheets_punched_holes_are_not_read(classifier, mnist_path):
    """Single digits on loose-leaf paper (SceneConfig(holes=1.0)): its punched holes read as 0s where a table
    shows through them and as 2s, 7s and 9s where the next sheet does, the upper sheet's shadow a crescent
    inside each; they are dropped (drop_holes). Without the stage all four frames read more than their digit,
    without the crescents' test two of them."""
    found = [_generated_item(make_single_digit, mnist_path, 300, item, SceneConfig(holes=1.0))
             for item in (11, 13, 39, 40)]
    assert [s.texts for s in found] == [["6"], ["3"], ["3"], ["9"]]
    for scene in found:
        assert [n.text for n in read_frame(scene.image, classifier)] == scene.texts
    for without, wrong in ((PipelineConfig(hole_arc=None), 3), (PipelineConfig(hole_offset=(9.0, 9.0)), 2)):
        assert sum([n.text for n in read_frame(s.image, classifier, without)] != s.texts for s in found) >= wrong


@needs_model
def test_a_blank_sheet_on_a_table_is_not_read_as_a_number(classifier, mnist_path):
    # All its ink touches the frame's border (the table's rim), so the frame is read again as a crop
    # of a digit, with paper round it: the rim is then one blob spanning the frame. Cut into two or
    # three, it read as a number on nearly every sheet; read whole, mostly as nothing sure.
    # The rim along the table's side is dropped first as what lies beyond the page (side_band).
    read = _numbers_on_blank_pages(classifier, mnist_path, SceneConfig(table=1.0))
    # The shipped model: 3 numbers on the 30 sheets; 3 with the rim cut, 5 with it kept, 27 with it
    # kept and cut as any other blob (6 and 31 before side_band).
    assert read(PipelineConfig()) <= 8
    assert read(PipelineConfig(crop_whole=None)) <= 8
    assert read(PipelineConfig(side_band=None)) <= 12
    assert read(PipelineConfig(crop_whole=None, side_band=None)) >= 20


def test_sheet_outline_is_the_table_round_a_sheet_not_a_box_drawn_on_paper():
    """An outline round nothing, 440 x 320 px in a 640 x 480 frame: the band of table along a sheet's edge
    (as dark as the table beyond it, the sheet's paper inside) is a sheet's outline; a box drawn in ink on
    paper, paper on both sides of it, is not, nor is the table's band in a frame four times as large."""
    ring = np.zeros((480, 640), np.int32)
    cv2.rectangle(ring, (100, 80), (540, 400), 1, 12)
    blob = Blob(cv2.boundingRect((ring > 0).astype(np.uint8)), (1,))
    table = np.full((480, 640), 90, np.uint8)
    table[92:389, 112:529] = 220  # the sheet, inside its band of table
    drawn = np.full((480, 640), 220, np.uint8)
    drawn[ring > 0] = 60
    config = PipelineConfig()
    assert _sheet_outline(table, ring, blob, config, 0)
    assert not _sheet_outline(drawn, ring, blob, config, 0)
    assert not _sheet_outline(table, ring, blob, PipelineConfig(edge_outline=None), 0)
    larger = np.pad(table, ((0, 960), (0, 1280)), constant_values=90)  # under a quarter of it each way
    assert not _sheet_outline(larger, np.pad(ring, ((0, 960), (0, 1280))), blob, config, 0)


@needs_model
def test_a_whole_blank_sheet_s_edge_on_a_darker_table_is_not_read_as_a_number(classifier, mnist_path):
    """A blank sheet lying whole on a darker table: the paper's estimate leaves a band of "ink" along its
    edge, a four-sided outline holding nothing, which drop_frames leaves (a frame holds a digit) and which
    was read whole or cut (_sheet_outline, edge_outline)."""
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(520)
    sheets = [make_scene(rng, digits, SceneConfig(table=1.0), texts=[]).image for _ in range(99)]
    outlines = [sheets[i] for i in (15, 27, 70, 98)]
    assert [read_frame(frame, classifier) for frame in outlines] == [[]] * 4
    kept = PipelineConfig(edge_outline=None)
    assert [[n.text for n in read_frame(frame, classifier, kept)] for frame in outlines] == [
        ["151"], ["51"], ["121"], ["121"]]


@needs_model
def test_a_blank_whiteboard_with_its_frame_and_a_glare_is_not_read_as_a_number(classifier, mnist_path):
    # With nothing written, the frame is read again as a crop with paper round it; the wall and the
    # board's frame along one side, and the rim the bright added paper leaves inside the board's darker
    # sides, are one blob spanning the frame, read whole as a 1, a 2 or a 5.
    read = _numbers_on_blank_pages(classifier, mnist_path, SceneConfig(board=1.0))
    # The shipped model: 2 numbers on the 30 boards, 11 with side_band=None.
    assert read(PipelineConfig()) <= 4
    assert read(PipelineConfig(side_band=None)) >= 8


def test_cut_in_row_takes_a_digit_at_a_strip_s_end_not_a_fragment_a_shadow_s_edge_or_a_dark_margin():
    # Digits inside a strip, 25x40 each, along a line sloping down to the right.
    blobs = [Blob((40 + 40 * i, 20 + 10 * i, 25, 40), (1,)) for i in range(4)]
    areas = np.array([0, 300, 300, 300, 300, 300, 1900])

    def in_row(box, label=2, config=None):
        return _cut_in_row([Blob(box, (label,))], blobs, areas, config or PipelineConfig())

    assert in_row((200, 62, 24, 40))  # the last digit, touching the strip's right edge, in line with its neighbour
    assert in_row((0, 18, 24, 42))  # the first, touching the left edge
    assert not in_row((200, 62, 24, 40), config=PipelineConfig(cut_height=None))
    assert not in_row((80, 0, 25, 14), 3)  # a fragment of the line above: too short ...
    assert not in_row((80, 0, 25, 30), 4)  # ... or above the row
    assert not in_row((230, 0, 3, 110), 4)  # a grid's line down the strip's edge: too tall
    assert not in_row((60, 0, 90, 100), 5)  # a shadow's edge joined to the digits it crosses: too wide
    assert not in_row((200, 0, 20, 100), 6)  # a scan's dark margin: solid


def test_a_strip_read_again_has_its_own_edges_carried_on_round_it():
    # Paper from 120 on the left to 220 on the right, a stroke touching the left edge.
    strip = np.tile(np.linspace(120, 220, 300).astype(np.uint8), (60, 1))
    cv2.line(strip, (0, 20), (10, 40), 30, 4)
    padded = _add_paper(strip, 20, True, PipelineConfig())
    np.testing.assert_array_equal(padded[20:80, 20:320], strip)
    assert abs(int(padded[50, 5]) - 120) <= 10 and abs(int(padded[50, 315]) - 220) <= 10  # the paper carried on
    assert padded[25:55, :20].min() >= 100  # the stroke is not
    assert _add_paper(strip, 20, False, PipelineConfig())[50, 5] > 200  # else the brightest paper

    def blobs(edge, config=None):
        config = config or PipelineConfig()
        return [blob.box for blob in find_blobs(_add_paper(strip, 20, edge, config), config, pad=20).blobs]

    (_, _, width, _), = blobs(True)
    assert width <= 20  # the stroke alone is ink, not the dark paper beside bright paper, one blob with it
    assert [width > 100 for _, _, width, _ in blobs(False, PipelineConfig(step_line_share=None))] == [True]


def test_a_thick_stroke_touching_a_strips_edge_is_not_carried_on():
    """A 7 cut by the strip's right edge, its bar about as thick as the closing's kernel: the paper's
    estimate stays dark where the bar meets the edge, and carried on as it is, that band joined the 7 to
    the new border. The running median along the edge takes it out; the shadow's step stays."""
    strip = np.full((100, 300), 230, np.uint8)
    strip[:, :120] = 170  # a shadow's edge across the strip
    cv2.line(strip, (240, 20), (310, 20), 60, 18)  # the 7's thick bar, cut by the edge ...
    cv2.line(strip, (290, 20), (265, 90), 60, 10)  # ... and its stem
    strip = cv2.GaussianBlur(strip, (0, 0), 2)

    def read(config):
        padded = _add_paper(strip, 20, True, config)
        found = find_blobs(padded, config, pad=20)
        return padded, [blob.box for blob in found.blobs], [blob.box for blob in found.cut]

    padded, blobs, cut = read(PipelineConfig())
    assert padded[30:50, 330].min() >= 215 and abs(int(padded[70, 5]) - 170) <= 5  # paper beside the bar, and shade
    assert len(blobs) == 1 and blobs[0][0] + blobs[0][2] <= 320 and cut == []  # the 7 inside the strip
    padded, blobs, cut = read(PipelineConfig(edge_median=None))
    assert padded[30:50, 330].min() < 190 and blobs == [] and len(cut) == 1  # joined to the border, dropped


@needs_model
def test_reads_numbers_cropped_close_round_their_digits(classifier, mnist_path):
    """A number cropped to its digits' box: its end digits and its tallest touch the crop's edges, and were
    dropped as cut by the border. The strip is read again with its own edges carried on round it."""
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(11)
    lines = [make_line(rng, digits, margin=(0.0, 0.0)) for _ in range(40)]
    right = _read_exactly(classifier, lines)
    assert right >= 30  # the shipped model: 35
    assert right >= _read_exactly(classifier, lines, PipelineConfig(cut_height=None)) + 20  # 9
    assert right >= _read_exactly(classifier, lines, PipelineConfig(pad_edge=False)) + 2  # 30
    assert right > _read_exactly(classifier, lines, PipelineConfig(edge_median=None))  # 33


@needs_model
def test_touching_ones_are_read_as_two(classifier, mnist_path):
    """Two 1s that touch make a blob narrower than split_aspect, which was read whole, as a 1, 4, 6 or 0;
    the model calls it "not one digit" (split_not_digit), so it is cut as a wide blob is."""
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(5)
    texts = ["1111", "5117", "11", "611"]
    scenes = [make_scene(rng, digits, SceneConfig(touching=1.0, max_lines=1), texts=[texts[i % len(texts)]])
              for i in range(100)]
    right = _read_exactly(classifier, scenes)
    assert right >= 55  # the shipped model: 60
    assert right >= _read_exactly(classifier, scenes, PipelineConfig(split_not_digit=None)) + 4  # 53


def test_pipeline_config_is_frozen():
    with pytest.raises(AttributeError):
        PipelineConfig().min_confidence = 0.1
