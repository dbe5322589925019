"""Lines drawn under, through and beside digits, and the rules a page's finder missed."""

import cv2
import numpy as np
from conftest import needs_model
from pipeline_helpers import _marked_sheets, _numbers_found, _pieces_of

from edge_app.pipeline import Blob, Digit, PipelineConfig, _along_side, _without_lines_down, read_frame
from edge_app.scenes import DigitSource, SceneConfig, make_line
from edge_app.targets import CLOSE, LINE_MARGIN
from edge_app.vision.boxes import _touches_border
from edge_app.vision.lines import free_from_lines, without_underlines


def test_without_underlines_takes_out_a_line_drawn_under_digits_and_touching_them():
    ink = np.zeros((120, 400), np.uint8)
    for i, digit in enumerate("4075"):
        cv2.putText(ink, digit, (40 + 60 * i, 70), cv2.FONT_HERSHEY_SIMPLEX, 1.6, 1, 4)
    cv2.line(ink, (30, 69), (280, 72), 1, 4)  # sloping a little, touching the digits' feet
    labels, pieces, areas = _pieces_of(ink)
    assert len(pieces) == 1  # one piece: digits and line
    kept, grown, (line,) = without_underlines(labels, pieces, areas)
    assert sorted(p.box[0] // 60 for p in kept if p.box[3] >= 20) == [0, 1, 2, 3]  # the four digits, apart
    assert all(p.box[2] < 50 for p in kept) and len(grown) == labels.max() + 1
    assert all(grown[p.labels[0]] == np.count_nonzero(labels == p.labels[0]) for p in [*kept, line])
    assert (labels[69:71, 100:105] == line.labels[0]).all() and line.box[2] > 240  # the line: a label of its own
    # Turned off, or under a single digit, or a number's own wide piece with no line under it: as it was.
    labels, pieces, areas = _pieces_of(ink)
    assert without_underlines(labels, pieces, areas, PipelineConfig(underline_span=None))[0] == pieces
    one = np.zeros((120, 400), np.uint8)
    cv2.putText(one, "2", (40, 70), cv2.FONT_HERSHEY_SIMPLEX, 1.6, 1, 4)
    cv2.line(one, (30, 72), (90, 74), 1, 4)
    assert without_underlines(*_pieces_of(one))[0] == _pieces_of(one)[1]
    touching = np.zeros((120, 400), np.uint8)
    cv2.putText(touching, "2222", (40, 70), cv2.FONT_HERSHEY_SIMPLEX, 1.6, 1, 7)  # feet joined along the baseline
    assert without_underlines(*_pieces_of(touching))[0] == _pieces_of(touching)[1]
    struck = np.zeros((120, 400), np.uint8)  # a line through the digits' middle is no underline
    cv2.putText(struck, "4075", (40, 70), cv2.FONT_HERSHEY_SIMPLEX, 1.6, 1, 4)
    cv2.line(struck, (30, 55), (280, 55), 1, 4)
    assert without_underlines(*_pieces_of(struck))[0] == _pieces_of(struck)[1]
    # A line under the digits that does not touch them, sloping so its box reaches theirs, is dropped.
    apart = np.zeros((120, 400), np.uint8)
    cv2.putText(apart, "4075", (40, 60), cv2.FONT_HERSHEY_SIMPLEX, 1.6, 1, 4)
    cv2.line(apart, (30, 80), (280, 62), 1, 3)
    labels, pieces, areas = _pieces_of(apart)
    kept, _, (line,) = without_underlines(labels, pieces, areas)
    assert len(kept) == len(pieces) - 1 and all(p.box[2] < 50 for p in kept) and line.box[2] > 240
    assert without_underlines(labels, [p for p in pieces if p.box[2] > 200], areas)[0]  # alone, with no digits


def _struck(line_from, line_to, thickness=2, digits="4075"):
    """A strip of digits 50 px tall with a straight line drawn through them."""
    ink = np.zeros((120, 400), np.uint8)
    for i, digit in enumerate(digits):
        cv2.putText(ink, digit, (50 + 80 * i, 95), cv2.FONT_HERSHEY_SIMPLEX, 2.4, 1, 8)
    cv2.line(ink, line_from, line_to, 1, thickness)
    return ink


def test_free_from_lines_parts_digits_from_a_thin_line_the_border_cuts_or_too_long_for_them():
    paper = np.full((120, 400), 200, np.uint8)
    labels, pieces, areas = _pieces_of(_struck((0, 52), (399, 58)))  # a rule, sloping a little, across the strip
    assert len(pieces) == 1 and _touches_border(pieces[0].box, labels.shape)
    parted, grown = free_from_lines(paper, labels, pieces, areas, labels.shape)
    digits = [p for p in parted if p.box[3] >= 20]
    assert sorted(p.box[0] // 80 for p in digits) == [0, 1, 2, 3]  # apart ...
    assert all(not _touches_border(p.box, labels.shape) and p.box[2] < 60 for p in digits)  # ... and clear
    assert all(p.box[3] < 10 for p in parted if p not in digits)  # at most stubs of the line by the border
    assert len(grown) == labels.max() + 1 and all(grown[p.labels[0]] == np.count_nonzero(labels == p.labels[0])
                                                  for p in parted)
    assert labels[55, 200] not in {p.labels[0] for p in parted}  # the line between digits: a label of its own
    # An upright line down the strip through the 0, as a squared page's: the 0 is freed, the 4 left as it was.
    labels, pieces, areas = _pieces_of(_struck((150, 0), (152, 119), digits="40"))
    four = [p for p in pieces if not _touches_border(p.box, labels.shape)]
    parted, _ = free_from_lines(paper, labels, pieces, areas, labels.shape)
    assert four[0] in parted and sorted(p.box[0] // 80 for p in parted if p.box[3] >= 20) == [0, 1]
    assert not any(_touches_border(p.box, labels.shape) for p in parted if p.box[2] >= 10)
    # Clear of the border, a line over 4 times as long as the digits are tall (max_line_aspect): parted too.
    labels, pieces, areas = _pieces_of(_struck((20, 52), (380, 58)))
    assert len(pieces) == 1 and not _touches_border(pieces[0].box, labels.shape)
    parted, _ = free_from_lines(paper, labels, pieces, areas, labels.shape)
    assert sorted(p.box[0] // 80 for p in parted if p.box[3] >= 20) == [0, 1, 2, 3]
    # Turned off; a line as thick as the digits' strokes; a line along a step in the paper (a sheet's edge):
    # as they were.
    labels, pieces, areas = _pieces_of(_struck((0, 52), (399, 58)))
    off = PipelineConfig(line_thin=None)
    assert free_from_lines(paper, labels, pieces, areas, labels.shape, off)[0] == pieces
    labels, pieces, areas = _pieces_of(_struck((0, 52), (399, 58), thickness=8))
    assert free_from_lines(paper, labels, pieces, areas, labels.shape)[0] == pieces
    stepped = paper.copy()
    stepped[:54] = 120  # darker above the line: a table beyond the sheet
    labels, pieces, areas = _pieces_of(_struck((0, 54), (399, 54)))
    assert free_from_lines(stepped, labels, pieces, areas, labels.shape)[0] == pieces
    # A thin line from digits into a mass that the border cuts (a table's grain, a shadow): the mass outweighs them.
    ink = _struck((0, 52), (399, 52), digits="4")
    ink[:, :40] = 1
    labels, pieces, areas = _pieces_of(ink)
    assert free_from_lines(paper, labels, pieces, areas, labels.shape)[0] == pieces


@needs_model
def test_notebook_lines_keep_digits_that_a_missed_rule_or_grid_line_joins_to_the_border(classifier, mnist_path):
    """A squared page's line down a strip through its first 7, and a line whose thick rule, erased, left its
    edges, tying "235" into one piece too wide for a digit once read again with paper round it: each reads wrong
    without the stage. A line cropped close on ruled paper, whose middle rule, broken by the digits, ran from
    "7329" to the border ("49828" without the stage), reads right without it too since each rule's band is taken
    out where it lies, not a pixel or two off."""
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(305)
    ruled = [make_line(rng, digits, SceneConfig(rules=1.0), margin=CLOSE) for _ in range(4)][3]
    rng = np.random.default_rng(304)
    lines = [make_line(rng, digits, SceneConfig(rules=1.0)) for _ in range(68)]
    squared, edged = lines[67], lines[11]
    assert ruled.texts == ["498287329"] and squared.texts == ["377280582"] and edged.texts == ["235"]
    kept = PipelineConfig(line_thin=None)
    assert [n.text for n in read_frame(ruled.image, classifier)] == ["498287329"]
    assert [n.text for n in read_frame(squared.image, classifier)] == ["377280582"]
    assert [n.text for n in read_frame(squared.image, classifier, kept)] != ["377280582"]  # "37280582" (4.x: "3728058")
    assert [n.text for n in read_frame(edged.image, classifier)] == ["235"]
    assert [n.text for n in read_frame(edged.image, classifier, kept)] == []


@needs_model
def test_a_squared_pages_lines_down_a_number_cropped_close_are_not_read_as_ones(classifier, mnist_path):
    """A number on squared paper cropped close: two of the page's lines run down it from edge to edge, cut
    by the border, and read again with paper round it each is a sure 1 spanning the frame, taller than the
    digits and thinner than their strokes (line_down)."""
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(305)
    squared = [make_line(rng, digits, SceneConfig(rules=1.0), margin=CLOSE) for _ in range(57)][56]
    assert squared.texts == ["5169214566"]
    assert [n.text for n in read_frame(squared.image, classifier)] == ["5169214566"]
    assert [n.text for n in read_frame(squared.image, classifier, PipelineConfig(line_down=None))] == ["516192114566"]


def test_without_lines_down_drops_thin_straight_ones_reaching_a_padded_frames_end_only():
    """A 1 spanning the frame inside its 10 px of added paper, 1.5 times the height of the digits beside it,
    as wide as a tenth of its height and half as thick as their strokes, is a line of the paper; so is one
    as tall reaching only the frame's bottom (the rest of the line not found as ink). A 1 as thick as they
    are, one slanting (wider than LINE_DOWN_WIDTH of its height), one clear of the frame's edges, and any 1
    beside fewer than LINE_DOWN_MIN digits, or read with no paper added, are kept."""
    labels = np.zeros((80, 220), np.int32)
    pad = 10

    def bar(x, y, w, h, label):
        labels[y:y + h, x:x + w] = label
        return x, y, w, h
    # Digits 40 px tall with 4 px strokes: a box outline, ink on its edges only.
    boxes = []
    for k, x in enumerate((20, 60, 100)):
        for part in ((x, 20, 24, 4), (x, 56, 24, 4), (x, 20, 4, 40), (x + 20, 20, 4, 40)):
            bar(*part, k + 1)
        boxes.append((x, 20, 24, 40))
    digits = [Digit(8, 1.0, box) for box in boxes]
    line = Digit(1, 1.0, bar(140, pad, 2, 60, 4))
    thick = Digit(1, 1.0, bar(160, pad, 4, 60, 5))
    slanting = Digit(1, 1.0, (175, pad, 15, 60))
    bar(175, pad, 2, 60, 6)
    inside = Digit(1, 1.0, bar(192, pad + 5, 2, 50, 7))
    lower = Digit(1, 1.0, bar(205, pad + 10, 2, 50, 8))  # from a sixth of the way down to the bottom
    found = digits + [line, thick, slanting, inside]
    assert _without_lines_down(found, labels, pad, PipelineConfig()) == digits + [thick, slanting, inside]
    assert _without_lines_down(digits[:2] + [line], labels, pad, PipelineConfig()) == digits[:2]
    assert _without_lines_down(digits[:2] + [lower], labels, pad, PipelineConfig()) == digits[:2]
    assert _without_lines_down(digits[:2] + [inside], labels, pad, PipelineConfig()) == digits[:2] + [inside]
    assert _without_lines_down(digits[:1] + [line], labels, pad, PipelineConfig()) == digits[:1] + [line]
    assert _without_lines_down(found, labels, 0, PipelineConfig()) == found
    assert _without_lines_down(found, labels, pad, PipelineConfig(line_down=None)) == found
    assert _without_lines_down(found, labels, pad, PipelineConfig(line_down=1.6)) == found


@needs_model
def test_a_squared_pages_line_fragments_beside_a_number_cropped_to_its_line_are_not_read_as_ones(
        classifier, mnist_path):
    """Numbers on squared paper cropped to their line, read again with paper round them: a line down the
    first one's left end is ink only from a quarter of the way down to the frame's bottom (line_down: once
    only a line spanning the frame from top to bottom was); a grid line's piece above the second, a pixel
    wide and a quarter of the digits' height, has no digit of its size to be judged by (sliver_short). Under
    OpenCV 5 each read an extra 1 before (as they do with line_down or sliver_short None); OpenCV 4.14's
    threshold leaves neither piece a digit."""
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(304)
    lines = [make_line(rng, digits, SceneConfig(rules=1.0), margin=LINE_MARGIN) for _ in range(91)]
    down, fragment = lines[80], lines[90]
    assert (down.texts, fragment.texts) == (["2336"], ["467339"])
    assert [n.text for n in read_frame(down.image, classifier)] == ["2336"]
    assert [n.text for n in read_frame(fragment.image, classifier)] == ["467339"]


@needs_model
def test_numbers_underlined_by_hand_are_read(classifier, mnist_path):
    # Every number of 30 generated sheets underlined in its own ink, sloping a little, the line touching
    # most numbers: it joined them into one piece, read as a line or cut into digits and bits of it.
    def underline(image, rng, box, ink, pen):
        x, y, w, h = box
        below = y + h + rng.uniform(-0.05, 0.15) * h
        end = (int(x + w + 0.15 * h), int(below + rng.uniform(-0.04, 0.04) * w))
        cv2.line(image, (int(x - 0.15 * h), int(below)), end, ink, pen, cv2.LINE_AA)
    sheets = _marked_sheets(mnist_path, 1, underline, SceneConfig(max_lines=2))
    # The shipped model: 28 of the 43 numbers, 17 with underline_span=None.
    assert sum(len(texts) for _, texts in sheets) == 43
    assert _numbers_found(classifier, sheets) >= 24
    assert _numbers_found(classifier, sheets) >= _numbers_found(classifier, sheets, underline_span=None) + 7


def test_along_side_is_a_band_beyond_the_page_not_a_digit_touching_the_frames_edge():
    pad, height, width = 10, 100, 120

    def blob(*regions):
        labels = np.zeros((height + 2 * pad, width + 2 * pad), np.int32)
        inside = labels[pad:-pad, pad:-pad]
        for region in regions:
            inside[region] = 1
        rows, cols = np.nonzero(labels)
        box = (int(cols.min()), int(rows.min()), int(np.ptp(cols)) + 1, int(np.ptp(rows)) + 1)
        return labels, Blob(box, (1,))

    band = np.s_[80:, :]  # a wall along the bottom, a fifth of the frame deep
    rims = [np.s_[:, :3], np.s_[:3, :]]  # the thin rim inside the frame's left and top sides: the box spans it
    assert _along_side(*blob(band), pad, 0.9)
    assert _along_side(*blob(band, *rims), pad, 0.9)
    assert _along_side(*blob(np.s_[:, 100:]), pad, 0.9)  # along the right side
    assert not _along_side(*blob(np.s_[80:, 30:]), pad, 0.9)  # along only 75% of the side
    assert not _along_side(*blob(np.s_[:, :70]), pad, 0.9)  # more than half across: a digit filling a crop
    digit = [np.s_[10:80, 40:50], np.s_[10:80, 70:80], np.s_[10:20, 40:80], np.s_[70:80, 40:80]]  # a 0 on the band
    assert not _along_side(*blob(np.s_[90:, :], np.s_[80:90, 55:65], *digit), pad, 0.9)
    assert _along_side(*blob(np.s_[90:, :], np.s_[80:90, 55:65], *digit[:1]), pad, 0.9)  # a short stub on it
