"""Scans and tight crops, light ink on a dark ground, chalk on a blackboard."""

import dataclasses

import cv2
import numpy as np
import pytest
from conftest import needs_model
from pipeline_helpers import STROKES, _read_exactly, _scans_read_exactly, shadow_scene

from edge_app.pipeline import PipelineConfig, _dark_ground, _flat_paper, read_frame
from edge_app.scenes import DigitSource, SceneConfig, make_scene, make_single_digit
from edge_app.targets import crop_to_ink, small_scan
from edge_app.vision.scans import _unblocked


def tight_crop(image, margin):
    return cv2.copyMakeBorder(crop_to_ink(image), margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=0)


@needs_model
def test_a_tight_crop_with_a_loose_speck_inside_is_read_whole(classifier, mnist):
    """A scan cropped to the ink: the border cuts the 6 and a speck of its ink lies loose inside.
    The speck is tiny beside the cut stroke, so the crop is read again with paper around it."""
    (_, _), (x_test, y_test) = mnist
    assert y_test[22] == 6
    assert [n.text for n in read_frame(255 - tight_crop(x_test[22], 0), classifier)] == ["6"]


@needs_model
@pytest.mark.parametrize("name, make", [
    ("28x28 as MNIST", lambda image: image),
    ("cropped to the ink", lambda image: tight_crop(image, 0)),
    ("enlarged 4 times", lambda image: cv2.resize(image, (112, 112))),
])
def test_scanned_digits_dark_on_white(classifier, mnist, name, make):
    """Scans of single digits, as other collections (postal codes, forms) hold them: dark on white, cropped."""
    (_, _), (x_test, y_test) = mnist
    right = _scans_read_exactly(classifier, [255 - make(image) for image in x_test[:300]], y_test[:300])
    assert right >= 291, f"{name}: {right}/300"  # 97%; the shipped model reads 298-300; issue 4 aims at 98%


def test_dark_ground_is_light_ink_on_a_dark_frame_not_dark_ink_on_paper():
    config = PipelineConfig()
    board = np.full((480, 640), 45, np.uint8)  # a camera's frame
    cv2.putText(board, "47", (100, 350), cv2.FONT_HERSHEY_SIMPLEX, 9, 215, 20)
    board = cv2.add(board, np.random.default_rng(0).normal(0, 4, board.shape).clip(0, 40).astype(np.uint8))
    reach = _dark_ground(board, None, config)
    assert reach is not None and 0 < reach < config.light_strokes  # strokes 20 px wide
    assert _dark_ground(cv2.cvtColor(board, cv2.COLOR_GRAY2BGR), None, config) == reach
    assert _dark_ground(255 - board, None, config) is None  # dark ink on paper
    half = np.hstack([255 - board, board])  # a page beside a board: its region of interest decides
    assert _dark_ground(half, (640, 0, 640, 480), config) == reach
    assert _dark_ground(half, (0, 0, 640, 480), config) is None
    desk = np.full((480, 640), 50, np.uint8)
    desk[150:330, 220:500] = 230  # a note on a dark desk: light, and broad
    cv2.putText(desk, "3", (300, 300), cv2.FONT_HERSHEY_SIMPLEX, 5, 40, 12)
    assert _dark_ground(desk, None, config) >= config.light_strokes
    # No desk round a scan, a drawing or a crop: its light is ink, however broad.
    assert _dark_ground(cv2.resize(desk, (320, 240)), None, config) == 0.0
    mnist_like = np.zeros((28, 28), np.uint8)
    mnist_like[4:24, 13:16] = 255  # a thin 1, white on black: its ink under 10% of the frame
    assert _dark_ground(mnist_like, None, config) == 0.0 and _dark_ground(255 - mnist_like, None, config) is None
    for blank in (np.zeros((480, 640), np.uint8), np.full((480, 640), 255, np.uint8), np.zeros((0, 0), np.uint8)):
        assert _dark_ground(blank, None, config) is None
    assert _dark_ground(board, None, PipelineConfig(dark_ground=1e9)) is None


@needs_model
def test_digits_white_on_black_are_read_with_their_grey_levels_inverted(classifier, mnist):
    """MNIST's own images, white on black, as a drawing or another data set may hold digits."""
    (_, _), (x_test, y_test) = mnist
    right = _scans_read_exactly(classifier, x_test[:100], y_test[:100])
    as_dark_ink = _scans_read_exactly(classifier, x_test[:100], y_test[:100], PipelineConfig(dark_ground=None))
    assert right >= 96 and as_dark_ink <= 5, (right, as_dark_ink)  # 99 and 0


@needs_model
def test_chalk_on_a_blackboard_is_read(classifier, mnist_path):
    """The generator's blackboards (SceneConfig(chalk=1.0)): light, dusty strokes on a dark board, shaded
    as paper is. Taken as dark ink, the board between the strokes was read."""
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(300)
    photos = [make_single_digit(rng, digits, config=SceneConfig(chalk=1.0)) for _ in range(40)]
    right = _read_exactly(classifier, photos)
    as_dark_ink = _read_exactly(classifier, photos, PipelineConfig(dark_ground=None))
    assert right >= 35 and as_dark_ink <= 6, (right, as_dark_ink)  # 37 and 2
    sheet = make_scene(np.random.default_rng(301), digits, SceneConfig(chalk=1.0))
    assert [n.text for n in read_frame(sheet.image, classifier)] == sheet.texts == ["12433"]


def _on_dark_desk(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A photo shrunk to 30-55% and laid on a dark, grainy desk: a note photographed from further away."""
    h, w = image.shape[:2]
    scale = rng.uniform(0.3, 0.55)
    note = cv2.resize(image, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
    grain = cv2.GaussianBlur(rng.normal(0, 1, (h, w)), (0, 0), 2)[..., None] * rng.uniform(4, 15)
    desk = np.clip(rng.uniform(25, 90, 3) + grain, 0, 255).astype(np.uint8)
    y, x = int(rng.uniform(0, h - note.shape[0])), int(rng.uniform(0, w - note.shape[1]))
    desk[y:y + note.shape[0], x:x + note.shape[1]] = note
    return desk


@needs_model
def test_a_note_on_a_dark_desk_is_read_as_dark_ink_though_the_frame_is_mostly_dark(classifier, mnist_path):
    """The desk is the frame's median and the note its light tail, so it may be light ink on a dark ground
    (_dark_ground); read inverted, the note is one dark blob, and the reading of its digits is kept."""
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(12)
    notes = [_on_dark_desk(make_single_digit(rng, digits).image, rng) for _ in range(20)]
    config = PipelineConfig()
    assert all(_dark_ground(note, None, config) is not None for note in notes)
    read = [[n.text for n in read_frame(note, classifier)] for note in notes]
    as_dark_ink = [[n.text for n in read_frame(note, classifier, PipelineConfig(dark_ground=None))] for note in notes]
    assert sum(a == b for a, b in zip(read, as_dark_ink, strict=True)) >= 19, (read, as_dark_ink)


@needs_model
def test_small_scans_enlarged_in_blocks_are_read_as_tight_crops(classifier, mnist):
    """16x16 scans (USPS's size) shown 4 times larger in square blocks: the digit fills the frame and its
    strokes are a tenth of it thick, so the piece the border cuts fills more than half its box. Taken as a
    stroke (max_stroke_fill 0.7), it dwarfs the specks inside and the frame is read again with paper round
    it; taken as solid, as a scan's dark margin is (0.5), a speck was all that was read."""
    (_, _), (x_test, y_test) = mnist
    scans = [small_scan(image) for image in x_test[:100]]
    assert scans[0].shape == (64, 64) and np.array_equal(scans[0], np.kron(scans[0][::4, ::4], np.ones((4, 4))))
    # As shown, filling the frame (the scans are read now as the 16x16 scans they were, _unblocked, with paper
    # added round them before they are enlarged, scan_margin: below).
    as_shown = PipelineConfig(block_side=None, scan_margin=None)
    right = _scans_read_exactly(classifier, scans, y_test[:100], as_shown)
    # The sheet-edge filter drops some of the lines a solid margin leaves: 99 with it, 98 without.
    solid = _scans_read_exactly(classifier, scans, y_test[:100],
                                dataclasses.replace(as_shown, max_stroke_fill=0.5, edge_ratio=None))
    assert right >= 99 and right >= solid + 2, (right, solid)  # 100 and 98
    assert _scans_read_exactly(classifier, scans, y_test[:100]) >= 99


@needs_model
def test_large_scans_filling_the_frame_are_read_with_the_small_kernel(classifier, mnist):
    """A 16x16 scan enlarged smoothly to 300 px is no small image, but its strokes are a tenth of the frame
    wide, wider than the camera's kernel: on paper as even as a scan's (flat_paper) the small kernel holds
    them, as it does in the same scan shown at 255 px."""
    (_, _), (x_test, y_test) = mnist
    scans = [cv2.resize(small_scan(image, enlarge=1), (300, 300), interpolation=cv2.INTER_LINEAR)
             for image in x_test[:60]]
    right = _scans_read_exactly(classifier, scans, y_test[:60])
    camera_kernel = _scans_read_exactly(classifier, scans, y_test[:60], PipelineConfig(flat_paper=None))
    assert right >= 57 and right >= camera_kernel + 3, (right, camera_kernel)  # 60 and 54


def test_flat_paper_is_a_scan_s_even_paper_not_a_photo_s():
    config = PipelineConfig()
    scan = np.full((300, 300), 255, np.uint8)
    cv2.putText(scan, "8", (40, 270), cv2.FONT_HERSHEY_SIMPLEX, 10, 0, 30)
    assert _flat_paper(scan, config)
    assert not _flat_paper(shadow_scene(STROKES), config)  # lit unevenly, with grain
    grain = np.random.default_rng(0).normal(0, 3, scan.shape)
    assert not _flat_paper(np.clip(scan * 0.8 + grain, 0, 255).astype(np.uint8), config)  # over many levels
    assert _flat_paper(np.clip(scan + grain, 0, 255).astype(np.uint8), config)  # paper overexposed to white
    # A glare washing a third of a board out to white, the rest of it lit unevenly: no scan.
    board = np.clip(np.linspace(180, 240, 300)[None, :] + grain, 0, 255)
    board[:, 200:] = 255
    assert np.count_nonzero(board == 255) > 0.3 * board.size and not _flat_paper(board.astype(np.uint8), config)
    assert _flat_paper(board.astype(np.uint8), dataclasses.replace(config, flat_clipped=0.3))


def test_unblocked_finds_a_scan_enlarged_in_square_blocks():
    config = PipelineConfig()
    small = np.random.default_rng(0).integers(0, 256, (8, 8)).astype(np.uint8)
    zoomed = cv2.resize(small, (32, 32), interpolation=cv2.INTER_NEAREST)
    shown = cv2.copyMakeBorder(zoomed, 3, 5, 6, 2, cv2.BORDER_CONSTANT, value=255)  # paper of 3, 5, 6, 2 px
    image, side, corner = _unblocked(shown, config)
    # A pixel for each block, the paper's cut ones too: 2 (cut) + 1 columns left of the digit, 1 (cut) right;
    # 1 (cut) row above, 1 and 1 (cut) below. The first pixel's block would start 2 columns left of the image.
    assert side == 4 and corner == (-2, -1) and image.shape == (11, 11)
    assert np.array_equal(image[1:9, 2:10], small) and np.all(image[:, :2] == 255) and np.all(image[9:] == 255)
    assert np.array_equal(_unblocked(zoomed, config)[0], small) and _unblocked(zoomed, config)[1:] == (4, (0, 0))
    for size in (20, 28, 61):  # zooms by factors that are not whole, as OpenCV and Pillow make them
        for how in (cv2.INTER_NEAREST, cv2.INTER_NEAREST_EXACT):
            image, factor, corner = _unblocked(cv2.resize(small, (size, size), interpolation=how), config)
            assert np.array_equal(image, small) and factor == size / 8 and corner == (0, 0)
    frame = np.random.default_rng(1).integers(0, 256, (480, 640)).astype(np.uint8)  # a camera's grain
    assert _unblocked(frame, config) == (frame, 1, (0, 0))
    bar = np.full((300, 300), 255, np.uint8)
    bar[40:260, 120:160] = 0  # a flat bar: two steps each way, 40 and 220 px apart
    assert _unblocked(bar, config)[1] == 1
    assert _unblocked(cv2.resize(small, (16, 16), interpolation=cv2.INTER_NEAREST), config)[1] == 2
    assert _unblocked(zoomed, dataclasses.replace(config, block_side=9))[1] == 1  # 8 px shrunk: under 9
    assert _unblocked(zoomed, dataclasses.replace(config, block_side=None))[1] == 1


@needs_model
def test_a_small_scan_enlarged_in_blocks_is_read_as_the_scan_it_was(classifier, mnist):
    """MNIST digits as 8x8 scans (optdigits' size) shown 4 times larger in square blocks, or at 28x28: enlarged
    again smoothly, their blocks are staircases. Read as the 8x8 scans they were (_unblocked), each reads as
    the 8x8 scan does, its boxes as much larger (to a block: each is rounded to whole pixels of its frame)."""
    (_, _), (x_test, y_test) = mnist
    small = [small_scan(image, side=8, enlarge=1) for image in x_test[:200]]
    shown = [small_scan(image, side=8, enlarge=4) for image in x_test[:200]]
    for scan, zoomed in zip(small[:20], shown[:20], strict=True):
        as_scan, as_zoomed = read_frame(scan, classifier), read_frame(zoomed, classifier)
        assert [n.text for n in as_zoomed] == [n.text for n in as_scan]
        assert all(abs(a - 4 * b) <= 4 for n, m in zip(as_zoomed, as_scan, strict=True)
                   for a, b in zip(n.box, m.box, strict=True))
    # Zoomed to 28x28 (blocks of 3 and 4 pixels) by OpenCV's nearest neighbour: read as the 8x8 scan too.
    zoomed = [cv2.resize(scan, (28, 28), interpolation=cv2.INTER_NEAREST) for scan in small]
    for scan, image in zip(small[:20], zoomed[:20], strict=True):
        assert [n.text for n in read_frame(image, classifier)] == [n.text for n in read_frame(scan, classifier)]
    for images in (shown, zoomed):  # the shipped model: 197 and 183, 197 and 181
        right = _scans_read_exactly(classifier, images, y_test[:200])
        as_shown = _scans_read_exactly(classifier, images, y_test[:200], PipelineConfig(block_side=None))
        assert right >= 190 and right >= as_shown + 8, (right, as_shown)


@needs_model
def test_a_small_scan_gets_paper_round_it_before_it_is_enlarged(classifier, mnist):
    """MNIST digits as 8x8 scans, the digit filling the field: enlarged as they are, strokes that reach the
    edge are carried on past it, and the digit is read as one the border cuts. With an eighth of the scan's
    side of its paper round it first (scan_margin), they are rounded off there as elsewhere."""
    (_, _), (x_test, y_test) = mnist
    scans = [small_scan(image, side=8, enlarge=1) for image in x_test[:200]]
    right = _scans_read_exactly(classifier, scans, y_test[:200])
    bare = _scans_read_exactly(classifier, scans, y_test[:200], PipelineConfig(scan_margin=None))
    assert right >= 190 and right >= bare + 5, (right, bare)  # 197 and 188


def coarse_scan(image: np.ndarray, side: int) -> np.ndarray:
    """An MNIST digit as UCI's optdigits holds its digits (32x32 bitmaps with 4x4 blocks counted into 8x8),
    enlarged again to `side` pixels, dark on white: thick, soft strokes that fill the frame."""
    bitmap = cv2.copyMakeBorder(image, 2, 2, 2, 2, cv2.BORDER_CONSTANT, value=0) > 127
    counts = bitmap.reshape(8, 4, 8, 4).sum(axis=(1, 3)).astype(np.float32) * (255 / 16)
    return 255 - cv2.resize(counts, (side, side), interpolation=cv2.INTER_CUBIC).clip(0, 255).astype(np.uint8)


def in_a_form_box(image: np.ndarray, scale: int = 3, gap: int = 2) -> np.ndarray:
    """An MNIST digit enlarged `scale` times, dark on white, with `gap` px of paper round its 28x28 frame and a
    printed box 2 px thick along the middle of that (a form's box drawn close round it), 10 px of paper outside."""
    digit = 255 - cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    side = digit.shape[0] + 2 * gap
    form = np.full((side, side), 255, np.uint8)
    form[gap:gap + digit.shape[0], gap:gap + digit.shape[1]] = digit
    cv2.rectangle(form, (gap // 2, gap // 2), (side - gap // 2 - 1, side - gap // 2 - 1), 0, 2)
    return cv2.copyMakeBorder(form, 10, 10, 10, 10, cv2.BORDER_CONSTANT, value=255)


@needs_model
def test_scans_of_digits_in_a_form_s_box_are_read_without_the_box(classifier, mnist):
    """A box drawn close round a digit is a frame (drop_frames) only when the digit is clear of its sides
    by frame_margin of its size; the legs of 7s and 9s end closer than 5% of it to a form's box."""
    (_, _), (x_test, y_test) = mnist

    scans, labels = [in_a_form_box(image) for image in x_test[1000:1100]], y_test[1000:1100]
    # As the box runs along the frame's edge (no paper added round a small scan before it is enlarged): with
    # the paper (scan_margin) the box is clear of the edge and read as a frame either way, 98 and 98.
    edge = PipelineConfig(scan_margin=None)
    close = _scans_read_exactly(classifier, scans, labels, edge)
    wide = _scans_read_exactly(classifier, scans, labels, dataclasses.replace(edge, frame_margin=0.05))
    # The shipped model: 97 and 92 (of the first 500 test digits, 492 and 466; 98 of these 100 without a box).
    assert close >= 94 and close >= wide + 3
    assert _scans_read_exactly(classifier, scans, labels) >= close


@needs_model
def test_coarse_scans_with_thick_strokes_are_not_hollowed(classifier, mnist):
    """A stroke wider than the paper estimate's closing kernel is taken for paper and comes out as its
    outline. In a small image about as wide as tall, one digit fills the frame and its strokes are a
    large share of it, so the kernel is a quarter of the side there instead of a twelfth."""
    (_, _), (x_test, y_test) = mnist

    scans, labels = [coarse_scan(image, 32) for image in x_test[:100]], y_test[:100]
    wide = _scans_read_exactly(classifier, scans, labels)
    narrow = _scans_read_exactly(classifier, scans, labels, PipelineConfig(small_kernel=None))
    # The shipped model: 75 and 11 (the classifier reads 82 given its preprocessing directly).
    assert wide >= 70 and wide >= narrow + 40
