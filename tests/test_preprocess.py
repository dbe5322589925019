"""The preprocessing contract, against MNIST itself (the reference) and synthetic digits."""

import cv2
import numpy as np
import pytest

from edge_app.preprocess import (
    BOX_SIZE,
    MNIST_SIZE,
    STROKE_TOLERANCE,
    STROKE_WIDTH,
    ink_from_paper,
    normalize_digit,
    normalize_ink,
    normalize_mask,
    stroke_width,
    to_model_input,
)
from edge_app.strokefont import GLYPHS

PAPER, INK = 235, 30


def draw_digit(text: str, height: int, thickness: int, size=None, paper=PAPER, ink=INK):
    """A digit drawn as pen strokes on paper: dark ink on light grey, uint8."""
    width = int(0.6 * height)
    margin = thickness + 10
    canvas_w, canvas_h = size or (width + 2 * margin, height + 2 * margin)
    image = np.full((canvas_h, canvas_w), paper, np.uint8)
    for line in GLYPHS[text]:
        points = np.array([(margin + x * width, margin + y * height) for x, y in line], np.int32)
        cv2.polylines(image, [points], False, ink, thickness, cv2.LINE_AA)
    return image


def ink_box(digit, threshold=64):
    rows, cols = np.nonzero(digit >= threshold)
    return rows.max() - rows.min() + 1, cols.max() - cols.min() + 1


def centre_of_mass(digit):
    ys, xs = np.indices(digit.shape)
    total = digit.astype(float).sum()
    return (ys * digit).sum() / total, (xs * digit).sum() / total


def assert_mnist_like(digit):
    assert digit.shape == (MNIST_SIZE, MNIST_SIZE) and digit.dtype == np.uint8
    assert digit.max() == 255
    assert max(ink_box(digit)) in (BOX_SIZE - 1, BOX_SIZE, BOX_SIZE + 1)
    cy, cx = centre_of_mass(digit)
    assert abs(cy - 14) <= 1.0 and abs(cx - 14) <= 1.0


def test_mnist_digits_pass_through_almost_unchanged(mnist):
    """MNIST is the reference: its own digits must come back close to as they were."""
    (_, _), (x_test, _) = mnist
    originals = x_test[:300]
    correlations = [np.corrcoef(o.ravel(), normalize_ink(o).ravel())[0, 1] for o in originals]
    assert np.median(correlations) > 0.97
    without_stroke = [np.corrcoef(o.ravel(), normalize_ink(o, normalize_stroke=False).ravel())[0, 1]
                      for o in originals]
    assert np.percentile(without_stroke, 10) > 0.95


@pytest.mark.parametrize("height, thickness", [
    (24, 1),     # tiny, thin
    (40, 3),     # small, medium pen
    (150, 2),    # large, hairline for its size
    (150, 30),   # large, marker
    (600, 3),    # huge crop from a 12 MP photo, thin pen
])
@pytest.mark.parametrize("text", ["0", "3", "8"])
def test_synthetic_digits_come_out_mnist_like(text, height, thickness):
    digit = normalize_digit(draw_digit(text, height, thickness))
    assert_mnist_like(digit)
    width = stroke_width(digit >= 128)
    assert 0.6 * STROKE_WIDTH <= width <= 1.6 * STROKE_WIDTH, width


@pytest.mark.parametrize("thickness", [2, 6, 12, 24])
def test_every_pen_lands_near_mnist_stroke_width(thickness):
    width = stroke_width(normalize_digit(draw_digit("2", 200, thickness)) >= 128)
    assert (1 - STROKE_TOLERANCE) * STROKE_WIDTH - 0.5 <= width <= (1 + STROKE_TOLERANCE) * STROKE_WIDTH + 0.5


def test_hairline_is_thickened():
    hairline = draw_digit("2", 300, 2)
    as_drawn = stroke_width(normalize_digit(hairline, normalize_stroke=False) >= 128)
    normalised = stroke_width(normalize_digit(hairline) >= 128)
    assert as_drawn < 0.7 * normalised


def test_tall_one_keeps_its_aspect():
    crop = np.full((200, 30), PAPER, np.uint8)
    crop[10:190, 12:17] = INK  # a plain vertical stroke
    digit = normalize_digit(crop)
    height, width = ink_box(digit)
    assert height in (19, 20, 21) and width <= 5
    assert abs(centre_of_mass(digit)[1] - 14) <= 1.0


def test_wide_one_keeps_its_aspect():
    crop = np.full((80, 160), PAPER, np.uint8)
    crop[30:40, 10:150] = INK  # a "1" lying on its side: wider than tall
    digit = normalize_digit(crop)
    height, width = ink_box(digit)
    assert width in (19, 20, 21) and height <= 5


def test_small_crop_is_scaled_up():
    digit = normalize_digit(draw_digit("7", 8, 1))
    assert_mnist_like(digit)


def test_blank_paper_gives_black_image():
    assert not normalize_digit(np.full((50, 40), PAPER, np.uint8)).any()
    noisy = np.clip(PAPER + np.random.default_rng(0).normal(0, 2, (50, 40)), 0, 255).astype(np.uint8)
    assert not normalize_digit(noisy).any()


@pytest.mark.parametrize("bad", [np.zeros((0, 5), np.uint8), np.zeros((4, 4, 3), np.uint8)])
def test_empty_or_colour_input_is_refused(bad):
    with pytest.raises(ValueError):
        normalize_digit(bad)


def test_faint_pencil_reaches_full_strength():
    digit = normalize_digit(draw_digit("4", 80, 3, paper=200, ink=170))
    assert_mnist_like(digit)
    strong = normalize_digit(draw_digit("4", 80, 3))
    assert np.corrcoef(digit.ravel(), strong.ravel())[0, 1] > 0.95


def test_mask_keeps_neighbours_out():
    alone = draw_digit("5", 60, 3, size=(120, 90))
    crowded = alone.copy()
    crowded[:, 95:] = np.minimum(crowded[:, 95:], draw_digit("1", 60, 3, size=(120, 90))[:, :25])
    mask = alone < 128
    with_mask = normalize_digit(crowded, mask)
    np.testing.assert_array_equal(with_mask, normalize_digit(alone, mask))
    assert not np.array_equal(normalize_digit(crowded), with_mask)


def test_mask_shape_must_match():
    with pytest.raises(ValueError, match="mask shape"):
        ink_from_paper(np.full((10, 10), PAPER, np.uint8), np.ones((9, 10), bool))


def test_normalize_mask_matches_a_drawn_digit():
    crop = draw_digit("9", 100, 6)
    from_mask, from_grey = normalize_mask(crop < 128), normalize_digit(crop)
    assert ink_box(from_mask) == ink_box(from_grey)
    assert abs(stroke_width(from_mask >= 128) - stroke_width(from_grey >= 128)) < 0.5


def test_stroke_width_of_a_bar():
    bar = np.zeros((100, 100), np.uint8)
    bar[10:90, 40:46] = 1
    assert 5.0 <= stroke_width(bar) <= 6.0
    assert stroke_width(np.zeros((5, 5))) == 0.0


def test_model_input_scaling():
    batch = to_model_input(np.array([[[0, 255], [128, 0]]], np.uint8))
    assert batch.shape == (1, 2, 2, 1) and batch.dtype == np.float32
    assert batch.max() == 1.0 and batch.min() == 0.0
    assert to_model_input(np.zeros((28, 28), np.uint8)).shape == (1, 28, 28, 1)


def test_histogram_percentile_matches_numpy():
    from edge_app.preprocess import _histogram, _percentile
    rng = np.random.default_rng(0)
    for size in (1, 2, 7, 100, 4001):
        values = rng.integers(0, 256, size=size).astype(np.uint8)
        counts = _histogram(values.reshape(1, -1))
        for q in (0, 1, 10, 50, 90, 100):
            assert _percentile(counts, q) == pytest.approx(float(np.percentile(values, q)), abs=1e-9)
