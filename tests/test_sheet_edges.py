"""A sheet's edges and shadow on a table, and the steps a slanting edge leaves."""

import cv2
import numpy as np
from conftest import REALDEV, needs_model
from pipeline_helpers import needs_realdev, realdev_rows

from edge_app.pipeline import Blob, PipelineConfig, read_frame
from edge_app.scenes import DigitSource, SceneConfig, make_scene
from edge_app.vision.pieces import drop_edge_steps, drop_sheet_edges, drop_step_lines


def test_drop_edge_steps_drops_a_slanting_edges_staircase_but_not_ones_side_by_side():
    # A sheet's edge slanting 4-5 degrees, thresholded: slivers a pixel wide, 12 tall, each a pixel aside
    # and a row below the last (read alone, sure 1s); beside it a digit, three hairline 1s side by side
    # and two slivers one above the other, a stroke broken once.
    steps = [Blob((245 - k, 134 + 13 * k, 1, 12), (k + 1,)) for k in range(6)]
    digit = Blob((345, 215, 60, 124), (20,))
    ones = [Blob((300 + 20 * k, 40, 2, 30), (30 + k,)) for k in range(3)]
    broken = [Blob((500, 300, 2, 20), (40,)), Blob((501, 322, 2, 20), (41,))]
    kept = drop_edge_steps([*steps, digit, *ones, *broken])
    assert kept == [digit, *ones, *broken]
    assert drop_edge_steps(steps[:2] + [digit]) == steps[:2] + [digit]  # two steps are no chain
    spread = [Blob((245 - 3 * k, 134 + 13 * k, 1, 12), (k + 1,)) for k in range(6)]  # 3 px aside: no steps
    assert drop_edge_steps(spread) == spread
    assert drop_edge_steps(steps, PipelineConfig(step_chain=None)) == steps


def _on_table(photo: np.ndarray, share: float, degrees: float, centre, table, grain_seed: int = 0,
              shadow: float = 0.0, noise: float = 0.0) -> np.ndarray:
    """A photo of a sheet shrunk to `share` of a 640x480 frame, turned `degrees` about its centre, put at
    `centre` on a table of the colour `table` (BGR) with a little grain; the sheet's edge darkened where
    its pixels blend with the table. With `shadow`, the sheet lit from the top left casts a shadow that
    much darker than the table, 3 px wide, beside its other two edges, and its edge blends evenly with
    the table; `noise`: a camera's noise on the table, in grey levels."""
    scale = share * min(640 / photo.shape[1], 480 / photo.shape[0])
    sheet = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    h, w = sheet.shape[:2]
    move = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    move[:, 2] += (centre[0] - w / 2, centre[1] - h / 2)
    cover = cv2.warpAffine(np.ones((h, w), np.float32), move, (640, 480))[..., None]
    rng = np.random.default_rng(grain_seed)
    grain = cv2.GaussianBlur(rng.normal(0, 6, (480, 640)).astype(np.float32), (0, 0), 2)
    table = np.float32(table) + (grain + rng.normal(0, noise, grain.shape).astype(np.float32))[..., None]
    border = cv2.BORDER_CONSTANT  # black beyond the sheet: blended twice, its edge is darker than both sides
    if shadow:
        cast = np.zeros_like(cover)
        cast[3:, 3:] = cover[:-3, :-3]
        table = table * (1 - shadow * np.clip(cv2.GaussianBlur(cast, (0, 0), 1.0)[..., None] - cover, 0, 1))
        border = cv2.BORDER_REPLICATE
    sheet = cv2.warpAffine(sheet, move, (640, 480), borderMode=border)
    return np.clip(sheet * cover + table * (1 - cover), 0, 255).astype(np.uint8)


@needs_model
@needs_realdev
def test_a_real_digit_on_a_sheet_whose_edge_slants_on_a_table_is_read(classifier):
    """realdev's bold 7 on its grey paper, shrunk to 73% of a 640x480 frame, turned 5 degrees, on a
    mauve table a shade darker than the paper's shaded edge: the edge's staircase read as dozens of 1s."""
    photo = cv2.imread(str(REALDEV / "photos_single" / "agonzalezreyes" / "seven.png"))
    frame = _on_table(photo, 0.733, 5.15, (258, 259), (131, 117, 141))
    assert [n.text for n in read_frame(frame, classifier)] == ["7"]
    assert len(read_frame(frame, classifier, PipelineConfig(step_chain=None))) >= 10


def test_drop_sheet_edges_drops_the_line_along_a_step_to_a_darker_table_but_not_pen_strokes():
    # Paper (180) left of column 300, a table (120) right of it; the line the paper's estimate leaves
    # along the step, hardly darker than the table (112); a pen's 1 (50) on the paper; a 1 written
    # where a hard shadow's edge (paper at 100 right of column 160) meets it; a 4 (wide) on the table.
    grey = np.full((240, 400), 180, np.uint8)
    grey[:, 300:] = 120
    grey[:, 160:260] = 100
    labels = np.zeros(grey.shape, np.int32)
    strokes = {1: (296, 40, 4, 160, 112), 2: (60, 40, 4, 120, 50), 3: (157, 40, 5, 120, 40), 4: (330, 60, 50, 80, 50)}
    blobs = []
    for label, (x, y, w, h, level) in strokes.items():
        grey[y:y + h, x:x + w] = level
        labels[y:y + h, x:x + w] = label
        blobs.append(Blob((x, y, w, h), (label,)))
    edge, pen, shadowed, wide = blobs
    assert drop_sheet_edges(grey, labels, blobs) == [pen, shadowed, wide]
    assert drop_sheet_edges(grey, labels, blobs, PipelineConfig(edge_ratio=None)) == blobs
    at_border = Blob((1, 40, 4, 160), (1,))  # no strip of paper left of it: kept
    assert drop_sheet_edges(grey, labels, [at_border]) == [at_border]
    # With 100 px of paper added round the frame (read_frame's second reading), the edge's strip right of
    # it lies in that paper, an estimate: kept.
    assert drop_sheet_edges(grey, labels, [edge], pad=100) == [edge]


def _pieces(shape, strokes: dict) -> tuple[np.ndarray, list[Blob], np.ndarray]:
    """Labels, pieces and areas for strokes {label: [(x, y, w, h), ...]}, each label one piece of those boxes."""
    labels = np.zeros(shape, np.int32)
    for label, boxes in strokes.items():
        for x, y, w, h in boxes:
            labels[y:y + h, x:x + w] = label
    pieces = []
    for label in strokes:
        ys, xs = np.nonzero(labels == label)
        pieces.append(Blob((int(xs.min()), int(ys.min()), int(np.ptp(xs)) + 1, int(np.ptp(ys)) + 1), (label,)))
    return labels, pieces, np.bincount(labels.ravel(), minlength=len(strokes) + 1)


def test_drop_step_lines_drops_a_sheets_shadow_round_its_digit_but_not_strokes():
    # A sheet (paper at 180) on a table (120); the shadow it casts, 3 px wide, along its right and bottom
    # edges, as one piece holding the 0 written on the sheet inside its box; a piece of that shadow broken
    # off it, 2 px beyond its end; an underline on the sheet, as long as the shadow but on even paper.
    paper = np.full((480, 640), 120, np.uint8)
    paper[60:360, 100:400] = 180
    labels, pieces, areas = _pieces(paper.shape, {
        1: [(400, 60, 3, 303), (180, 360, 223, 3)],  # the shadow: an L
        2: [(220, 150, 8, 100), (272, 150, 8, 100), (220, 150, 60, 8), (220, 242, 60, 8)],  # a 0, 100 px tall
        3: [(100, 360, 78, 3)],  # the shadow's piece broken off
        4: [(120, 300, 270, 4)],  # an underline
    })
    shadow, zero, broken, underline = pieces
    assert drop_step_lines(paper, labels, pieces, areas) == [zero, underline]
    assert drop_step_lines(paper, labels, pieces, areas, PipelineConfig(step_line_share=None)) == pieces
    # The broken piece alone is shorter than the 0 and no line runs on from it: kept.
    assert drop_step_lines(paper, labels, [zero, broken], areas) == [zero, broken]
    # A 1 written along a hard shadow's edge beside a 4 of its height, on the same step: a digit, kept.
    shaded = np.full((480, 640), 180, np.uint8)
    shaded[:, 300:] = 100
    labels, pieces, areas = _pieces(shaded.shape, {1: [(298, 100, 4, 100)], 2: [(100, 100, 60, 100)]})
    assert drop_step_lines(shaded, labels, pieces, areas) == pieces
    # That 1 alone, or 1.4 times as tall as the 4, is a line along the shadow's edge: dropped; 1.2 times, kept.
    assert drop_step_lines(shaded, labels, pieces[:1], areas) == []
    for height, kept in ((140, 1), (120, 2)):
        labels, pieces, areas = _pieces(shaded.shape, {1: [(298, 100, 4, height)], 2: [(100, 100, 60, 100)]})
        assert drop_step_lines(shaded, labels, pieces, areas) == pieces[2 - kept:]
    # Paper striped by steps every 6 px (a striped cloth the estimate follows): a marker's 1 as tall, 40 px
    # wide, lies by a step all over, but holds too much ink for a line, and is kept; 6 px wide, dropped.
    striped = np.where(np.arange(640) // 6 % 2 == 0, 180, 120).astype(np.uint8)[None].repeat(480, axis=0)
    for width, kept in ((40, 2), (6, 1)):
        labels, pieces, areas = _pieces(striped.shape, {1: [(280, 100, width, 160)], 2: [(100, 100, 60, 100)]})
        assert drop_step_lines(striped, labels, pieces, areas) == pieces[2 - kept:]


@needs_model
def test_the_sheet_edge_filter_reads_no_more_numbers_on_blank_squared_pages(classifier, mnist_path):
    """30 blank ruled and squared pages (seed 8): a grid's line at the frame's edge, read again with paper
    added round the frame, looked like a sheet's edge against that paper; dropped, it no longer made specks
    of its broken pieces, and 13 numbers became 16 (strips in the added paper are not compared now)."""
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(8)
    pages = [make_scene(rng, digits, SceneConfig(rules=1.0), texts=[]).image for _ in range(30)]

    def numbers(config):
        return sum(len(read_frame(page, classifier, config)) for page in pages)
    assert numbers(PipelineConfig()) <= numbers(PipelineConfig(edge_ratio=None))


@needs_model
@needs_realdev
def test_a_real_digit_beside_its_sheets_edges_on_a_table_is_read_alone(classifier):
    """realdev's blue-ink 4 on blue paper, its photo shrunk to 82% of a 640x480 frame, turned 6 degrees,
    on an olive table, under 12 draws of the table's grain: the lines along the sheet's left and right
    edges read as 1s beside it ("41", "141", "411") under 6 of them with `edge_ratio` None."""
    photo = cv2.imread(str(REALDEV / "photos_single" / "svirskyi" / "ts_04.png"))
    frames = [_on_table(photo, 0.819, 5.87, (329, 252), (160, 138, 79), seed) for seed in range(12)]

    def alone(config):
        return sum([n.text for n in read_frame(frame, classifier, config)] == ["4"] for frame in frames)
    assert alone(PipelineConfig()) == 12
    assert alone(PipelineConfig(edge_ratio=None, step_line_share=None)) <= 8


@needs_model
@needs_realdev
def test_real_digits_on_sheets_casting_a_shadow_on_a_table_are_read_alone(classifier):
    """realdev's bold, blue-ink and red-ink singles (30 photos), each shrunk to 30-85% of a 640x480 frame,
    turned 3-8 degrees, on a table of a random colour with a camera's noise, the sheet casting a shadow 40%
    darker than the table beside its right and bottom edges: that shadow's pieces beside the sheet read
    as 1s ("31", "51", "11" for a 4), or its L held the digit in its box and the two were read as one
    blob: 25 of 30 read alone with `step_line_share` None."""
    rng = np.random.default_rng(4)
    frames = []
    for row in realdev_rows("photos_single"):
        if row["set"] == "michaelchu":  # his photos' own shadow ends at their edges, beside a lit table
            continue
        photo = cv2.imread(str(REALDEV / "photos_single" / row["file"]))
        share, degrees = rng.uniform(0.3, 0.85), rng.uniform(3, 8) * rng.choice([-1, 1])
        table = tuple(int(v) for v in rng.integers(40, 160, 3))
        height, width = (share * min(640 / photo.shape[1], 480 / photo.shape[0]) * np.array(photo.shape[:2]))
        centre = (320 + rng.uniform(-0.25, 0.25) * (640 - width), 240 + rng.uniform(-0.25, 0.25) * (480 - height))
        frames.append((_on_table(photo, share, degrees, centre, table, 0, shadow=0.4, noise=2.5), row["label"]))

    def alone(config):
        return sum([n.text for n in read_frame(frame, classifier, config)] == [label] for frame, label in frames)
    assert len(frames) == 30
    assert alone(PipelineConfig()) == 30
    assert alone(PipelineConfig(step_line_share=None)) <= 27
