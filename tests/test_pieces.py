"""Pieces of ink joined into digits, and the frames, rings, specks and grain dropped."""

import dataclasses
import math

import cv2
import numpy as np
from conftest import needs_model
from pipeline_helpers import _pieces_of, paper

from edge_app.pipeline import Blob, PipelineConfig, read_frame
from edge_app.scenes import DigitSource, make_scene
from edge_app.vision.ink import find_ink
from edge_app.vision.pieces import (
    _JOIN_ROWS,
    _join_pairs,
    drop_bars,
    drop_frames,
    drop_holes,
    drop_non_digits,
    drop_off_paper,
    drop_specks,
    join_pieces,
    without_rings,
)
from edge_app.vision.shadows import drop_textured


def test_join_pieces_joins_a_broken_digit_not_its_neighbours():
    body = Blob((100, 50, 30, 40), (1,))
    flag = Blob((118, 40, 25, 10), (2,))  # a 5's detached flag, touching the body's box
    top_half = Blob((200, 50, 30, 18), (3,))  # a digit broken across the middle
    bottom_half = Blob((202, 72, 28, 18), (4,))
    neighbour = Blob((136, 52, 28, 38), (5,))  # the next digit, as tall as the body
    joined = join_pieces([body, flag, top_half, bottom_half, neighbour])
    labels = sorted(tuple(sorted(b.labels)) for b in joined)
    assert labels == [(1, 2), (3, 4), (5,)]


def test_join_pieces_joins_an_open_four_whose_hook_is_wider_than_its_slanting_stem():
    # Boxes as found in a real photo of an open 4 (realdev michaelchu/four.jpg turned 10 degrees):
    # the hook stops short of the stem, and the group is 2.2 times the stem's width but narrow.
    hook, stem = Blob((240, 267, 182, 209), (1,)), Blob((371, 296, 111, 432), (2,))
    joined = join_pieces([hook, stem])
    assert [b.labels for b in joined] == [(1, 2)] and joined[0].box == (240, 267, 242, 461)
    tall, short = Blob((100, 300, 110, 200), (3,)), Blob((225, 390, 60, 110), (4,))  # a short digit written
    assert sorted(b.labels for b in join_pieces([tall, short])) == [(3,), (4,)]  # just right of a tall one


def test_join_pieces_joins_an_open_fours_hook_to_its_faint_stem_broken_in_pieces():
    # Boxes as found in realdev's thin-pen 4 (michaelchu/four.jpg) cropped round the digit with 2% of paper
    # and shrunk to 300 px: its stem is broken in five, the hook as tall as the longest piece, and small
    # only beside the whole stem. It read "61" (`join_stem` None).
    hook = Blob((78, 10, 123, 131), (1,))
    stem = [Blob(box, (label,)) for label, box in enumerate(
        [(216, 6, 2, 8), (208, 16, 9, 148), (210, 165, 3, 28), (210, 194, 3, 8), (207, 204, 7, 67)], start=2)]
    joined = join_pieces([hook, *stem])
    assert [sorted(b.labels) for b in joined] == [[1, 2, 3, 4, 5, 6]] and joined[0].box == (78, 6, 140, 265)
    apart = join_pieces([hook, *stem], PipelineConfig(join_stem=None))
    assert sorted(sorted(b.labels) for b in apart) == [[1], [2, 3, 4, 5, 6]]
    # A 4 (generated sheet, seed 701) whose short left stroke is broken in two: each piece is small beside
    # its body, the two together not; they join it as before.
    body, top, bottom = Blob((437, 340, 18, 24), (7,)), Blob((431, 341, 4, 13), (8,)), Blob((431, 357, 3, 7), (9,))
    assert [sorted(b.labels) for b in join_pieces([body, top, bottom])] == [[7, 8, 9]]


@needs_model
def test_digits_along_a_shadows_broken_slanting_edge_are_not_small_beside_it(classifier, mnist_path):
    # Generated sheet (seed 100, photo 20): a long shadow's slanting edge is found in stacked pieces; taken
    # as one piece, every digit along it was small beside it, and joined it: the sheet read "7".
    rng = np.random.default_rng(100)
    digits = DigitSource.find(mnist_path)
    scene = [make_scene(rng, digits) for _ in range(21)][-1]
    assert scene.texts == ["3196406893", "55", "46"]
    assert "55" in [n.text for n in read_frame(scene.image, classifier)]
    assert [n.text for n in read_frame(scene.image, classifier, PipelineConfig(join_stem=math.inf))] == ["7"]


def test_join_pieces_joins_a_fives_bar_reaching_well_past_its_body_but_not_a_dash():
    # Boxes as found in a generated photo (seed 300, photo 247): the 5's bar, drawn apart from its body,
    # starts at the body's right edge and is wider than the body. The group was 2 bodies wide, over
    # join_width_growth, left in pieces and read "52".
    body, bar = Blob((55, 115, 81, 125), (1,)), Blob((125, 118, 88, 38), (2,))
    joined = join_pieces([body, bar])
    assert [b.labels for b in joined] == [(1, 2)] and joined[0].box == (55, 115, 158, 125)
    assert sorted(b.labels for b in join_pieces([body, bar], PipelineConfig(join_flag=None))) == [(1,), (2,)]
    dash = Blob((140, 170, 88, 14), (3,))  # as flat, but halfway down: a dash after the digit, "5-"
    assert sorted(b.labels for b in join_pieces([body, dash])) == [(1,), (3,)]
    small = Blob((125, 118, 60, 50), (4,))  # not flat: a small digit written beside the body's top
    assert sorted(b.labels for b in join_pieces([body, small])) == [(1,), (4,)]


def test_join_pairs_compares_pieces_in_blocks_exactly_as_pair_by_pair():
    """The pairs join_pieces joins, against the rules written out one pair at a time, on 700 boxes
    (three blocks of _JOIN_ROWS), many of them touching, as a grainy frame's specks are."""
    config = PipelineConfig()
    rng = np.random.default_rng(1)
    boxes = np.column_stack([rng.integers(0, 300, 700), rng.integers(0, 200, 700),
                             rng.integers(1, 12, 700), rng.integers(1, 40, 700)]).astype(np.int64)
    expected_stacked, expected_small = [], []
    for i, (ax, ay, aw, ah) in enumerate(boxes.tolist()):
        partners = []
        for j, (bx, by, bw, bh) in enumerate(boxes.tolist()):
            overlap = min(ax + aw, bx + bw) - max(ax, bx)
            gap = max(ay, by) - min(ay + ah, by + bh)
            if i < j and overlap >= config.join_overlap * min(aw, bw) and gap < config.join_gap * max(ah, bh):
                expected_stacked.append((i, j))
            margin = config.join_touch * bh
            if (j != i and ah < config.join_small * bh and ax <= bx + bw + margin and bx - margin <= ax + aw
                    and ay <= by + bh + margin and by - margin <= ay + ah):
                partners.append((overlap, j))
        if partners:
            expected_small.append((i, max(partners)[1]))  # the most overlap in x, the last of equals
    stacked, small = _join_pairs(boxes, config)
    assert len(boxes) > 2 * _JOIN_ROWS and len(stacked) > 100 and len(small) > 100
    assert sorted(stacked) == expected_stacked and small == expected_small


def frame_pieces(draw):
    """The pieces find_ink gives for an evened-out page (paper at 255) with what `draw(page)` writes on it."""
    page = paper(300, 400, 255)
    draw(page)
    labels, pieces, _ = find_ink(page)
    return labels, pieces


def test_drop_frames_takes_out_a_sheet_edge_or_a_drawn_box_round_a_digit():
    def box_round_a_one(page):
        cv2.rectangle(page, (40, 40), (360, 260), 60, 8)
        cv2.line(page, (195, 110), (200, 190), 40, 6)

    def box_close_round_a_one(page):  # as a form's box: the 1 ends 4% of the box's height from its outer edge
        cv2.rectangle(page, (40, 40), (360, 260), 60, 4)
        cv2.line(page, (195, 110), (200, 250), 40, 6)

    labels, pieces = frame_pieces(box_round_a_one)
    assert len(pieces) == 2
    assert [p.box[3] for p in drop_frames(labels, pieces)] == [pieces[1].box[3]]  # only the 1 is left
    # A frame needs four corners, or a hull filling the rectangle round it, or to hold a piece over a third
    # its height (the 1: 0.36 of it)
    many_corners = PipelineConfig(frame_corner=0.0, frame_rectangle=None, frame_round_inner=None)
    assert drop_frames(labels, pieces, many_corners) == pieces
    assert drop_frames(labels, pieces, dataclasses.replace(many_corners, frame_round_inner=0.4)) == pieces
    assert [p.box[3] for p in drop_frames(labels, pieces, dataclasses.replace(many_corners, frame_rectangle=0.9))] \
        == [pieces[1].box[3]]

    labels, pieces = frame_pieces(box_close_round_a_one)
    assert len(pieces) == 2
    assert [p.box[3] for p in drop_frames(labels, pieces)] == [pieces[1].box[3]]
    assert drop_frames(labels, pieces, PipelineConfig(frame_margin=0.05)) == pieces  # 5%: too close to be held


def test_drop_frames_takes_out_a_sheet_edge_with_a_corner_cut_off():
    """A sheet's edge on a darker table, one corner of it cut off by a shadow lying across it (t500 item 23,
    read "151": the edge's sides as 1s): its hull has five corners, but fills the rectangle round it."""
    def cut_box_round_a_four(page):
        cv2.polylines(page, [np.array([(40, 150), (150, 40), (360, 40), (360, 260), (40, 260)])], True, 60, 10)
        cv2.polylines(page, [np.array([(220, 140), (195, 180), (235, 180)])], False, 40, 5)  # under 0.35 of
        cv2.line(page, (225, 155), (225, 205), 40, 5)  # its height: not held as a number circled is

    labels, pieces = frame_pieces(cut_box_round_a_four)
    assert len(pieces) == 2
    assert [p.box[3] for p in drop_frames(labels, pieces)] == [pieces[1].box[3]]
    assert drop_frames(labels, pieces, PipelineConfig(frame_rectangle=None)) == pieces


def test_drop_frames_takes_out_a_ring_drawn_round_a_number_not_a_zero_round_a_blot():
    def circled_seven(page):
        cv2.ellipse(page, (200, 150), (150, 90), 3, 10, 365, 50, 5)  # a hand's ring, its ends crossing
        cv2.polylines(page, [np.array([(160, 110), (240, 110), (185, 195)])], False, 40, 6)

    def circled_number(page):  # a long one: the ring flat
        cv2.ellipse(page, (200, 150), (185, 60), -2, 0, 350, 50, 4)
        for x in (80, 150, 220, 290):
            cv2.line(page, (x, 125), (x + 8, 178), 40, 6)

    for draw in (circled_seven, circled_number):
        labels, pieces = frame_pieces(draw)
        assert len(pieces) >= 2, draw.__name__
        ring = max(pieces, key=lambda p: p.box[2])
        assert drop_frames(labels, pieces) == [p for p in pieces if p != ring], draw.__name__
        assert drop_frames(labels, pieces, PipelineConfig(frame_round_inner=None)) == pieces


def test_without_rings_parts_the_digits_a_ring_round_a_number_touches():
    ink = np.zeros((200, 460), np.uint8)
    for i in range(5):  # five strokes in a ring, the middle one reaching up to it
        cv2.line(ink, (90 + 70 * i, 75), (96 + 70 * i, 125), 1, 5)
    cv2.line(ink, (233, 42), (236, 75), 1, 4)
    cv2.ellipse(ink, (233, 100), (215, 60), 0, 0, 360, 1, 4)
    labels, pieces, areas = _pieces_of(ink)
    assert len(pieces) == 5  # the ring with the middle stroke, and four strokes inside
    # drop_frames would drop the ring, the middle stroke with it: 8% of its ink lies deep inside the hull
    assert len(drop_frames(labels, pieces)) == 4
    kept, grown, (ring,) = without_rings(labels, pieces, areas)
    assert sorted(p.box[0] // 70 for p in kept) == [1, 2, 3, 4, 5] and ring.box[2] > 400
    assert all(p.box[2] < 20 and p.box[3] >= 55 for p in kept)
    assert len(grown) == labels.max() + 1 and all(grown[p.labels[0]] == np.count_nonzero(labels == p.labels[0])
                                                  for p in kept)
    assert drop_frames(labels, [*kept, ring]) == kept  # the ring alone now: a frame
    labels, pieces, areas = _pieces_of(ink)
    assert without_rings(labels, pieces, areas, PipelineConfig(frame_round_inner=None))[0] == pieces
    # A clean ring is left whole to drop_frames; an open outline, a 2 round a stroke, is no ring.
    clean = np.zeros((200, 460), np.uint8)
    cv2.ellipse(clean, (233, 100), (215, 80), 0, 0, 360, 1, 4)
    cv2.line(clean, (200, 70), (206, 130), 1, 5)
    assert without_rings(*_pieces_of(clean))[0] == _pieces_of(clean)[1]
    two = np.zeros((300, 400), np.uint8)
    cv2.polylines(two, [np.array([(120, 90), (200, 50), (270, 90), (130, 250), (280, 250)])], False, 1, 8)
    cv2.line(two, (245, 150), (248, 232), 1, 6)  # a stroke inside, over a third of its height, apart
    assert without_rings(*_pieces_of(two))[0] == _pieces_of(two)[1]


def test_drop_frames_keeps_digits_round_a_speck():
    def zero_round_a_blot(page):
        cv2.ellipse(page, (200, 150), (60, 100), 0, 0, 360, 40, 8)
        cv2.circle(page, (200, 150), 9, 40, -1)

    def seven_over_a_blot(page):
        cv2.polylines(page, [np.array([(120, 60), (280, 60), (170, 260)])], False, 40, 8)
        cv2.circle(page, (140, 200), 9, 40, -1)  # in the 7's empty corner: outside its hull

    def two_round_a_blot(page):
        cv2.polylines(page, [np.array([(120, 90), (200, 50), (270, 90), (130, 250), (280, 250)])], False, 40, 8)
        cv2.circle(page, (230, 190), 9, 40, -1)

    def zero_round_a_tall_blot(page):  # a third of the 0's height: not a digit it could be holding
        cv2.ellipse(page, (200, 150), (60, 100), 0, 0, 360, 40, 8)
        cv2.ellipse(page, (200, 150), (12, 30), 0, 0, 360, 40, -1)

    for draw in (zero_round_a_blot, seven_over_a_blot, two_round_a_blot, zero_round_a_tall_blot):
        labels, pieces = frame_pieces(draw)
        assert len(pieces) == 2 and drop_frames(labels, pieces) == pieces, draw.__name__


def _grain_and_blobs(grain_everywhere=False):
    """A flat frame: clean paper on the left, a table's grain on the right (all over with
    grain_everywhere); strokes on the paper and in the grain, one of each by a corner, each its own
    component."""
    rng = np.random.default_rng(5)
    flat = np.full((240, 320), 255, np.uint8)
    grainy = rng.random(flat.shape) < 0.5
    if not grain_everywhere:
        grainy[:, :200] = False
    flat[grainy] = 120
    strokes = [(60, 80, 20, 40), (250, 100, 20, 40), (4, 4, 20, 40), (296, 196, 20, 40)]  # two by the corners
    for x, y, w, h in strokes:
        flat[y - 3:y + h + 3, x - 3:x + w + 3] = 255  # a gap of paper, so grain does not join the stroke
        cv2.rectangle(flat, (x, y), (x + w - 1, y + h - 1), 40, 3)
    _, labels = cv2.connectedComponents((flat <= 255 - PipelineConfig().low_contrast).view(np.uint8))
    return flat, labels, [Blob(box, (int(labels[box[1], box[0]]),)) for box in strokes]


def test_drop_textured_drops_blobs_in_a_table_s_grain_and_keeps_those_on_clean_paper():
    flat, labels, (on_paper, in_grain, paper_corner, grain_corner) = _grain_and_blobs()
    blobs = [on_paper, in_grain, paper_corner, grain_corner]
    assert drop_textured(flat, labels, blobs) == [on_paper, paper_corner]
    assert drop_textured(flat, labels, blobs, PipelineConfig(texture_ring=None)) == blobs
    # Grainy paper, or a noisy photo: texture everywhere says nothing about where the paper is.
    flat, labels, blobs = _grain_and_blobs(grain_everywhere=True)
    assert drop_textured(flat, labels, blobs) == blobs


def test_drop_non_digits():
    frame_shape = (300, 400)
    blobs = {
        "digit": Blob((100, 100, 20, 40), (1,)),
        "speck": Blob((200, 100, 3, 4), (2,)),
        "border": Blob((0, 100, 20, 40), (3,)),
        "underline": Blob((80, 150, 200, 6), (4,)),
        "smudge": Blob((300, 200, 40, 40), (5,)),
        "tiny next to big": Blob((150, 100, 6, 8), (6,)),
    }
    areas = {1: 250, 2: 10, 3: 250, 4: 1100, 5: 1500, 6: 30}
    kept = drop_non_digits(list(blobs.values()), frame_shape, areas)
    assert kept == [blobs["digit"]]


def test_drop_specks_judges_height_against_the_tallest_blob():
    digit, speck = Blob((100, 100, 20, 40), (1,)), Blob((200, 100, 8, 9), (2,))
    small_digit = Blob((150, 100, 8, 12), (3,))
    assert drop_specks([digit, speck, small_digit]) == [digit, small_digit]  # 9 px is under a quarter of 40
    assert drop_specks([speck]) == [speck]  # alone, it is the tallest
    assert drop_specks([]) == []


def test_drop_specks_drops_one_or_two_bars_that_would_make_specks_of_a_sheet_of_digits():
    # A realdev sheet turned 10 degrees: a strip of table 202 px tall inside the frame, digits of 28-39 px.
    heights = [39, 38, 37, 35, 34, 33, 31, 30, 29, 28] * 2 + [16, 9]  # digits, then a short 5 and a speck
    digits = [Blob((40 * i, 300, 15, h), (i + 1,)) for i, h in enumerate(heights)]
    strip, pen = Blob((18, 256, 47, 202), (100,)), Blob((600, 50, 30, 190), (101,))
    kept = drop_specks([strip, *digits, pen])
    assert kept == [d for d in digits if d.box[3] >= 0.25 * 39]  # judged against the tallest digit
    three = [strip, pen, Blob((700, 80, 20, 170), (102,))]
    assert drop_specks(digits[:20] + three) == three  # three tall blobs are not out of place: the rule is as before


def test_drop_specks_judges_a_page_against_its_digits_beside_an_edge_twice_as_tall():
    # Blobs of realdev's first page turned -10 degrees (edge_app.changes.turned): the paper carried out at
    # its border leaves a streak 130 px tall, twice the tallest digits, too short to be dropped as a bar;
    # against it, a small 5 of 28 px was a speck, and "8952481" read "89", "2481".
    boxes = [(56, 5, 35, 130), (213, 206, 29, 68), (413, 251, 33, 65), (377, 123, 33, 61), (494, 154, 39, 59),
             (539, 284, 18, 55), (189, 87, 17, 44), (311, 114, 30, 43), (243, 101, 33, 42), (344, 240, 29, 42),
             (487, 268, 26, 41), (438, 139, 27, 39), (555, 171, 21, 39), (156, 199, 23, 38), (281, 226, 28, 28)]
    blobs = [Blob(box, (i + 1,)) for i, box in enumerate(boxes)]
    assert drop_specks(blobs) == blobs
    assert drop_specks(blobs, PipelineConfig(speck_gap=None)) == blobs[:-1]
    speck = Blob((0, 0, 5, 20), (99,))  # 20 px: under a quarter of 130, over a quarter of 65
    assert drop_specks(blobs[:9] + [speck]) == blobs[:9] + [speck]
    assert drop_specks(blobs[:7] + [speck]) == blobs[:7]  # 8 blobs, no crowd: judged against the tallest


def test_drop_specks_drops_a_pen_three_times_as_tall_as_the_digits_beside_it():
    # A pen drawn beside a realdev sheet's two lines: 219 px, the digits 45-70 px.
    digits = [Blob((60 * i, 100, 30, h), (i + 1,)) for i, h in enumerate([70, 68, 66, 62, 60, 58, 50, 48, 46, 45])]
    pen = Blob((20, 170, 20, 219), (100,))
    assert drop_specks([pen, *digits]) == digits  # without it, every digit under 55 px would be a speck
    assert drop_specks([pen, *digits], PipelineConfig(max_outliers=0)) == [pen, *digits[:6]]
    bar = Blob((20, 5, 35, 130), (101,))  # the strip of a turned realdev sheet, twice the digits' height
    assert drop_specks([bar, *digits]) == [bar, *digits]  # is not far enough out of place to be dropped


def test_drop_specks_keeps_a_single_digit_over_a_few_specks_of_table_texture():
    # A realdev 9 turned 10 degrees: its frame holds five streaks of a wooden table, 15-26 px.
    nine = Blob((312, 376, 82, 187), (1,))
    streaks = [Blob((500 + 20 * i, 70, 8, h), (i + 2,)) for i, h in enumerate([26, 26, 23, 17, 15])]
    assert drop_specks([nine, *streaks]) == [nine]
    crowd = [Blob((500 + 20 * i, 70, 8, 20 + i % 4), (i + 2,)) for i in range(8)]
    assert drop_specks([nine, *crowd]) == crowd  # eight of a height: a sheet's digits, the tall one a bar


def _pen_beside(draw_digit, pen_width=22):
    """(paper estimate, labels, pieces) of a 0 (5 px strokes, 90 px tall) with `draw_digit` drawn too, and a
    pen `pen_width` px wide and 400 px long lying clear of both, all on paper at 220."""
    ink = np.zeros((480, 640), np.uint8)
    cv2.ellipse(ink, (150, 240), (30, 45), 0, 0, 360, 1, 5)
    draw_digit(ink)
    cv2.line(ink, (380, 50), (560, 410), 1, pen_width)
    labels, pieces, _ = _pieces_of(ink)
    return paper(480, 640), labels, pieces


def _boxes(pieces):
    return sorted(piece.box for piece in pieces)


def test_drop_bars_drops_a_pen_lying_beside_the_digits():
    ground, labels, pieces = _pen_beside(lambda ink: None)
    zero = [piece for piece in pieces if piece.box[0] < 300]
    assert _boxes(drop_bars(ground, labels, pieces)) == _boxes(zero)
    assert drop_bars(ground, labels, pieces, PipelineConfig(bar_thick=None)) == pieces
    # As thin as the digit's strokes, the bar is dropped for its length alone: 4 times the 0's height.
    ground, labels, pieces = _pen_beside(lambda ink: None, pen_width=5)
    assert _boxes(drop_bars(ground, labels, pieces)) == _boxes(zero)
    assert drop_bars(ground, labels, pieces, PipelineConfig(bar_long=5.0)) == pieces


def test_drop_bars_keeps_a_one_a_fours_stem_and_a_sheets_edge():
    # A 1 written beside the 0 with the same pen and at its height is no pen, however straight.
    ground, labels, pieces = _pen_beside(lambda ink: cv2.line(ink, (240, 195), (240, 285), 1, 5), pen_width=5)
    kept = drop_bars(ground, labels, pieces)
    assert len(kept) == 2 and max(piece.box[3] for piece in kept) <= 100  # the 0 and the 1; the pen went
    # A 4 drawn in two strokes: its stem, 2.7 times as long as its other half is tall, a few pixels from it.
    four = np.zeros((480, 640), np.uint8)
    cv2.polylines(four, [np.array([[100, 100], [100, 200], [200, 200]])], False, 1, 5)
    cv2.line(four, (210, 60), (210, 340), 1, 5)
    labels, pieces, _ = _pieces_of(four)
    assert len(pieces) == 2 and drop_bars(paper(480, 640), labels, pieces) == pieces
    assert len(drop_bars(paper(480, 640), labels, pieces, PipelineConfig(bar_near=0.0))) == 1
    # A sheet's edge: the same bar as the pen, a dark table on one side of it, from 20 px beyond its axis.
    ground, labels, pieces = _pen_beside(lambda ink: None)
    cv2.fillPoly(ground, [np.array([[398, 41], [578, 401], [640, 401], [640, 0], [398, 0]])], 60)
    assert drop_bars(ground, labels, pieces) == pieces
    assert len(drop_bars(ground, labels, pieces, PipelineConfig(bar_paper=0.0))) == 1
    # A single 1 beside a blot of 41 px: no digit to judge the 1 by.
    one = np.zeros((480, 640), np.uint8)
    cv2.line(one, (300, 60), (300, 400), 1, 14)
    cv2.circle(one, (450, 300), 20, 1, -1)
    labels, pieces, _ = _pieces_of(one)
    assert drop_bars(paper(480, 640), labels, pieces) == pieces
    assert len(drop_bars(paper(480, 640), labels, pieces, PipelineConfig(bar_solid=1.0))) == 1


def _shapes(*draws):
    """(labels, pieces) of shapes each drawn by one of `draws` in a 120 x 120 cell of its own, side by side."""
    ink = np.zeros((120, 120 * len(draws)), np.uint8)
    for i, draw in enumerate(draws):
        draw(ink[:, 120 * i:120 * (i + 1)])
    labels, pieces, _ = _pieces_of(ink)
    assert len(pieces) == len(draws)
    return labels, sorted(pieces, key=lambda piece: piece.box[0])  # in the order drawn


def _disc(cell, radius=30, axes=None):
    cv2.ellipse(cell, (60, 60), axes or (radius, radius), 20, 0, 360, 1, -1)


def _crescent(cell, radius=30, offset=0.3):
    cv2.circle(cell, (60, 60), radius, 1, -1)
    cv2.circle(cell, (60 + round(offset * radius), 57), radius, 0, -1)


def test_drop_holes_drops_a_punched_holes_disc_and_crescent():
    # A hole over a table: a disc, round or (in perspective) a little oval, large or small; over the next
    # sheet: the upper sheet's shadow, a crescent whose two edges are arcs of circles as large.
    labels, pieces = _shapes(_disc, lambda cell: _disc(cell, axes=(30, 27)), lambda cell: _disc(cell, radius=8),
                             _crescent, lambda cell: _crescent(cell, radius=20, offset=0.5))
    assert drop_holes(labels, pieces) == []
    assert drop_holes(labels, pieces, PipelineConfig(hole_arc=None)) == pieces
    assert drop_holes(labels, pieces, PipelineConfig(hole_offset=(0.7, 1.0))) == pieces[3:]  # no crescent
    assert drop_holes(labels, pieces, PipelineConfig(hole_disc=1.01)) == pieces[:3]  # no disc
    # A disc 'notched' by its grain, or its pale inside bitten into at one side, is still a disc.
    labels, pieces = _shapes(lambda cell: (_disc(cell), cv2.circle(cell, (90, 60), 3, 0, -1)))
    assert drop_holes(labels, pieces) == []
    assert drop_holes(labels, pieces, PipelineConfig(hole_notch=0.0)) == pieces


def test_drop_holes_keeps_round_digits_and_curved_strokes():
    labels, pieces = _shapes(
        lambda cell: cv2.circle(cell, (60, 60), 30, 1, 6),  # a round 0, as neat as a hole ...
        lambda cell: (_disc(cell), cv2.circle(cell, (60, 60), 4, 0, -1)),  # ... a marker's, its hole all but shut
        lambda cell: cv2.ellipse(cell, (60, 60), (30, 30), 0, 60, 300, 1, 5),  # a 0 left open
        lambda cell: cv2.ellipse(cell, (60, 60), (30, 30), 0, 100, 260, 1, 5),  # a curved stroke (its inner edge
        # a smaller circle about the same centre, where a crescent's is as large and off it)
        lambda cell: cv2.putText(cell, "2", (25, 95), cv2.FONT_HERSHEY_SIMPLEX, 3, 1, 9),
        lambda cell: cv2.putText(cell, "3", (25, 95), cv2.FONT_HERSHEY_SIMPLEX, 3, 1, 9),
        lambda cell: _disc(cell, axes=(30, 20)))  # a filled 0, taller than wide (as written, not a hole)
    assert drop_holes(labels, pieces) == pieces
    # Without the crescent's test of its inner edge's centre, the curved stroke and the open 0 are crescents.
    assert drop_holes(labels, pieces, PipelineConfig(hole_offset=(0.0, 0.6))) == pieces[:2] + pieces[4:]


def test_drop_specks_counts_a_dropped_pen_among_a_crowds_bars():
    # A realdev page turned: its edge, 195 px (a pen to drop_bars), had made an 82 px piece of the table
    # beside it one of two bars over a crowd of digits 31-39 px; alone, the piece is not 2.5 times as tall.
    digits = [Blob((40 * i, 300, 15, h), (i + 1,)) for i, h in enumerate([39, 38, 37, 36, 35, 34, 33, 32, 31, 31])]
    table = Blob((172, 669, 40, 82), (50,))
    assert drop_specks([table, *digits], pens=[195]) == digits
    assert drop_specks([table, *digits]) == [table, *digits]


def test_drop_off_paper_drops_blobs_on_a_table_far_darker_than_the_sheet():
    # The paper's estimate of a sheet (220) lying on a dark table (50), a hand's shadow over its left part.
    ground = np.full((480, 640), 50, np.uint8)
    ground[60:420, 80:560] = 220
    ground[60:420, 80:200] = 100  # 0.45 of the sheet's paper: a shadow's darkest in the generated photos
    on_sheet, in_shadow = Blob((300, 150, 40, 60), (1,)), Blob((120, 150, 40, 60), (2,))
    grain = [Blob((10 + 60 * i, 440, 12, 20), (3 + i,)) for i in range(8)]
    assert drop_off_paper(ground, [on_sheet, in_shadow, *grain]) == [on_sheet, in_shadow]
    assert drop_off_paper(np.full_like(ground, 50), grain) == grain  # a frame of table alone: its own paper
    thick = Blob((300, 200, 120, 160), (11,))  # a marker digit: its strokes, wider than the estimate's kernel,
    ground[240:320, 330:390] = 40  # ... are dark in it round the box's centre; its corners are paper
    assert drop_off_paper(ground, [thick]) == [thick]
    assert drop_off_paper(ground, [on_sheet, *grain], PipelineConfig(off_paper=None)) == [on_sheet, *grain]
