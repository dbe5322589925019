"""Printed grids (a form's combs, a table's cells) and numbers circled or boxed by hand."""

import math

import cv2
import numpy as np
import pytest
from conftest import needs_model
from pipeline_helpers import _marked_sheets, _numbers_found, _numbers_read, _pieces_of, _read_exactly

from edge_app.pipeline import Digit, Number, PipelineConfig, find_blobs
from edge_app.scenes import DigitSource, SceneConfig, make_line, make_scene
from edge_app.vision.grids import _grid_lines, without_grids
from edge_app.vision.grouping import _by_cells


def _comb(cells: int, box: int = 40, tilt: float = 0.0, line: int = 1,
          written: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """A binary image of a form's comb of `cells` boxes `box` pixels square, lines `line` thick, turned `tilt`
    degrees, with (`written`) a pen's stroke (5 pixels) in its second box crossing the wall into its third:
    (comb, stroke)."""
    comb = np.zeros((box + 80, cells * box + 80), np.uint8)
    cv2.rectangle(comb, (40, 40), (40 + cells * box, 40 + box), 1, line)
    for i in range(1, cells):
        cv2.line(comb, (40 + i * box, 40), (40 + i * box, 40 + box), 1, line)
    stroke = np.zeros_like(comb)
    if written:
        cv2.line(stroke, (40 + box + 10, 40 + box // 2), (40 + 2 * box + 12, 40 + box // 2 + 4), 1, 5)
        cv2.line(stroke, (40 + box + 10, 48), (40 + box + 12, 40 + box - 8), 1, 5)
    if tilt:
        turn = cv2.getRotationMatrix2D((comb.shape[1] / 2, comb.shape[0] / 2), tilt, 1.0)
        comb, stroke = (cv2.warpAffine(image, turn, image.shape[::-1], flags=cv2.INTER_NEAREST)
                        for image in (comb, stroke))
    return comb | stroke, stroke.astype(bool)


@pytest.mark.parametrize("tilt", [0.0, 3.0])
def test_grid_lines_takes_out_a_comb_s_lines_and_keeps_the_stroke_crossing_them(tilt):
    ink, stroke = _comb(4, tilt=tilt)
    rest, across, down, slope = _grid_lines(ink.astype(bool), 8)
    assert len(across) == 2 and len(down) == 5
    assert slope == pytest.approx(-math.tan(math.radians(tilt)), abs=0.01)
    assert np.count_nonzero(rest & stroke) >= 0.97 * np.count_nonzero(stroke)  # the stroke, across the wall too
    lines = ink.astype(bool) & ~cv2.dilate(stroke.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    assert np.count_nonzero(rest & lines) <= 0.02 * np.count_nonzero(lines)  # the lines, gone
    # A 0 drawn square with a marker, its lines thicker than `thin`, is no grid; a 7's top is steeper than a page's.
    square = np.zeros((80, 80), bool)
    square[10:70, 10:70] = True
    square[20:60, 20:60] = False
    assert _grid_lines(square, 8)[1] == []
    seven = np.zeros((80, 80), np.uint8)
    cv2.polylines(seven, [np.array([(15, 30), (60, 10), (30, 70)])], False, 1, 3)
    assert _grid_lines(seven.astype(bool), 8)[1:3] == ([], [])


def test_without_grids_parts_the_digits_a_comb_holds_and_drops_an_empty_one():
    ink, stroke = _comb(4)
    empty, _ = _comb(3, written=False)
    box = np.zeros((120, 120), np.uint8)  # one box round nothing: drop_frames' to leave or drop
    cv2.rectangle(box, (40, 40), (80, 80), 1, 1)
    frame = np.zeros((ink.shape[0] + 140, ink.shape[1] + 260), np.uint8)
    frame[:ink.shape[0], :ink.shape[1]] = ink
    frame[ink.shape[0] + 20:ink.shape[0] + 20 + empty.shape[0], :empty.shape[1]] = empty
    frame[:120, ink.shape[1] + 20:ink.shape[1] + 140] = box
    labels, pieces, areas = _pieces_of(frame)
    assert len(pieces) == 3
    kept, grown, grids, walls = without_grids(labels, pieces, areas)
    (digit,) = [p for p in kept if p.box[3] >= 10 and p.box[0] < ink.shape[1]]
    sx, sy, sw, sh = cv2.boundingRect(stroke.astype(np.uint8))
    assert abs(digit.box[0] - sx) <= 2 and abs(digit.box[2] - sw) <= 4 and abs(digit.box[3] - sh) <= 4
    assert [p.box[:2] for p in kept if p.box[0] >= ink.shape[1]] == [(ink.shape[1] + 60, 40)]  # the box, kept
    assert len(grids) == 2 and walls == []  # the comb's lines and the empty comb; its boxes hold digits alone
    assert len(grown) == labels.max() + 1 and all(grown[p.labels[0]] == np.count_nonzero(labels == p.labels[0])
                                                  for p in [*kept, *grids])
    labels, pieces, areas = _pieces_of(frame)
    assert without_grids(labels, pieces, areas, PipelineConfig(grid_fill=None))[0] == pieces


def test_the_walls_of_a_table_part_its_numbers_and_a_comb_s_walls_do_not():
    def digit(value, x):
        return Digit(value, 0.99, (x, 20, 20, 30))
    number = Number("1234", 0.99, (10, 20, 170, 30), (digit(1, 10), digit(2, 40), digit(3, 130), digit(4, 160)))
    wall = (95.0, 0.0, 97.0, 80.0)
    assert [n.text for n in _by_cells([number], [wall])] == ["12", "34"]
    assert _by_cells([number], [(95.0, 60.0, 97.0, 120.0)]) == [number]  # below the digits
    assert _by_cells([number], [(45.0, 0.0, 50.0, 80.0)])[0].text == "1"  # between the 1's and the 2's centres
    # A page's table: its rules taken out as a page's, its walls between them, its cells three times as wide as
    # tall; a comb of boxes for digits, square. Only the table's walls part numbers.
    page = np.full((300, 640), 235, np.uint8)
    for y in (60, 120, 180):
        cv2.line(page, (20, y), (620, y), 120, 2)
    for x in (20, 320, 620):
        cv2.line(page, (x, 60), (x, 180), 120, 2)
    for row, y in enumerate((75, 135)):
        for x in (60, 90, 360, 390, 420):
            cv2.line(page, (x + 5 * row, y), (x + 10, y + 32), 30, 5)
    found = find_blobs(page)
    assert [round(x0 / 10) for x0, *_ in sorted(found.walls)] == [2, 32, 62]
    assert [round(b.box[0] / 30) for b in sorted(found.blobs, key=lambda b: b.box[0])] == [2, 2, 3, 3, 12, 12, 13,
                                                                                          13, 14, 14]
    # One row of it, its first digits touching the left and the middle walls (a 7's bar drawn from the wall, a
    # 1's flag): the right wall alone is clear of digits, and enough. Left in, it was read as a 1 and the walls
    # the digits touched as part of them, as tall as the cell.
    row = np.full((200, 640), 235, np.uint8)
    for y in (60, 120):
        cv2.line(row, (20, y), (620, y), 120, 2)
    for x in (20, 320, 620):
        cv2.line(row, (x, 60), (x, 120), 120, 2)
    cv2.polylines(row, [np.array([(20, 75), (50, 75), (35, 108)])], False, 30, 5)
    cv2.polylines(row, [np.array([(320, 80), (345, 72), (345, 110)])], False, 30, 5)
    for x in (70, 380):
        cv2.line(row, (x, 75), (x + 8, 108), 30, 5)
    found = find_blobs(row)
    assert [round(x0 / 10) for x0, *_ in sorted(found.walls)] == [2, 32, 62]
    boxes = sorted(b.box for b in found.blobs)
    assert [(x // 10, h // 10) for x, _, _, h in boxes] == [(1, 4), (6, 4), (31, 4), (37, 4)]  # the digits alone
    comb = np.full((120, 640), 235, np.uint8)
    cv2.rectangle(comb, (20, 30), (620, 90), 120, 2)
    for x in range(80, 620, 60):
        cv2.line(comb, (x, 30), (x, 90), 120, 2)
    for x in range(40, 600, 60):
        cv2.line(comb, (x, 40), (x + 12, 78), 30, 5)
    found = find_blobs(comb)
    assert len(found.blobs) == 10 and found.walls == []


@needs_model
def test_numbers_written_in_a_form_s_boxes_and_a_table_s_cells_are_read(classifier, mnist_path):
    """The generator's forms (SceneConfig(combs=1.0): a digit to a printed box, the digits often touching its
    walls) cropped to their line, and its tables (SceneConfig(tables=1.0)). Their walls were read as 1s, and
    a table's numbers side by side as one."""
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(800)
    forms = [make_line(rng, digits, SceneConfig(combs=1.0)) for _ in range(30)]
    right = _read_exactly(classifier, forms)
    without = _read_exactly(classifier, forms, PipelineConfig(grid_fill=None))
    assert right >= 15 and right >= without + 6, (right, without)  # the shipped model: 19 and 9
    rng = np.random.default_rng(900)
    tables = [make_scene(rng, digits, SceneConfig(tables=1.0)) for _ in range(15)]
    right = _numbers_read(classifier, tables)
    without = _numbers_read(classifier, tables, PipelineConfig(grid_fill=None))
    assert right >= 36 and right >= without + 25, (right, without)  # 42 and 8 of the 64 numbers


@needs_model
def test_numbers_circled_by_hand_are_read(classifier, mnist_path):
    # 30 generated sheets of one number of 1-6 digits, each circled in its own ink clear of its digits.
    def ring(image, rng, box, ink, pen):
        x, y, w, h = box
        axes = (int(w / 2 * 1.25 + 0.4 * h), int(h / 2 * 1.3 + 0.35 * h))
        start = rng.uniform(0, 360)
        turn = rng.uniform(-4, 4)
        cv2.ellipse(image, (x + w // 2, y + h // 2), axes, turn, start, start + 360, ink, pen, cv2.LINE_AA)
    sheets = _marked_sheets(mnist_path, 2, ring, SceneConfig(max_lines=1, max_digits=6))
    # The shipped model: 20 of the 30 numbers, 8 with frame_round_inner=None (the ring joined to its digits).
    assert _numbers_found(classifier, sheets) >= 16
    assert _numbers_found(classifier, sheets) >= _numbers_found(classifier, sheets, frame_round_inner=None) + 7


@needs_model
def test_numbers_boxed_by_hand_are_read(classifier, mnist_path):
    # 30 generated sheets of one number of 1-6 digits, each with a box drawn round it in its own ink: the box
    # is dropped as a frame, and its ink filled the ring drop_textured looks at round a digit as a table's grain.
    def box(image, rng, number, ink, pen):
        x, y, w, h = number
        p = int(rng.uniform(0.25, 0.5) * h)
        cv2.rectangle(image, (x - p, y - p), (x + w + p, y + h + p), ink, pen, cv2.LINE_AA)
    sheets = _marked_sheets(mnist_path, 3, box, SceneConfig(max_lines=1, max_digits=6))
    # The shipped model: 25 of the 30 numbers, 20 with the box's ink taken for texture.
    assert _numbers_found(classifier, sheets) >= 22
    assert _numbers_found(classifier, sheets) >= _numbers_found(classifier, sheets, texture_marks=False) + 3
