import numpy as np
import pytest

from edge_app.preprocess import stroke_width
from train.augment import AugmentConfig, augment_batch, camera_crop, elastic, random_affine


@pytest.fixture(scope="module")
def digits():
    """Thick synthetic strokes in MNIST's frame: a ring, a bar and a cross."""
    import cv2
    images = np.zeros((3, 28, 28), np.uint8)
    cv2.circle(images[0], (14, 14), 7, 255, 2)
    images[1, 4:24, 13:16] = 255
    cv2.line(images[2], (6, 6), (21, 21), 255, 2)
    cv2.line(images[2], (21, 6), (6, 21), 255, 2)
    return images


def test_same_seed_same_batch(digits):
    first = augment_batch(digits, np.random.default_rng(7))
    second = augment_batch(digits, np.random.default_rng(7))
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, augment_batch(digits, np.random.default_rng(8)))


def test_batch_keeps_shape_and_dtype(digits):
    out = augment_batch(np.repeat(digits, 20, axis=0), np.random.default_rng(0))
    assert out.shape == (60, 28, 28) and out.dtype == np.uint8
    assert (out.reshape(60, -1).max(axis=1) > 100).all(), "an augmented digit lost its ink"


def test_affine_moves_ink_but_keeps_it(digits):
    config = AugmentConfig(max_rotation=30, max_shift=0)
    moved = random_affine(digits[1], np.random.default_rng(1), config)
    assert not np.array_equal(moved, digits[1])
    assert 0.6 < moved.sum() / digits[1].sum() < 1.6


def test_elastic_is_local(digits):
    warped = elastic(digits[0], np.random.default_rng(2), alpha=6.0, sigma=3.0)
    assert not np.array_equal(warped, digits[0])
    assert np.corrcoef(warped.ravel(), digits[0].ravel())[0, 1] > 0.5


def test_camera_crop_comes_back_through_the_contract(digits):
    rng = np.random.default_rng(3)
    sources = [digits[i % 3] for i in range(30)]
    crops = [camera_crop(source, rng) for source in sources]
    rendered = [crop for crop, source in zip(crops, sources, strict=True) if not np.array_equal(crop, source)]
    assert len(rendered) >= 27, "a failed render falls back to the input, but rarely"
    for crop in rendered:
        assert crop.shape == (28, 28) and crop.dtype == np.uint8
        rows, cols = np.nonzero(crop >= 64)
        # fitted to MNIST's 20-pixel box; blurred stroke tips can fall below the threshold
        assert 17 <= max(np.ptp(rows), np.ptp(cols)) + 1 <= 21
        assert 1.0 < stroke_width(crop >= 128) < 4.5


def test_cross_sevens_adds_a_bar_to_sevens_only(mnist_path):
    from train.augment import cross_sevens
    with np.load(mnist_path) as data:
        images, labels = data["x_train"][:300], data["y_train"][:300]
    crossed = cross_sevens(images, labels, np.random.default_rng(0), share=1.0)
    np.testing.assert_array_equal(crossed[labels != 7], images[labels != 7])
    sevens = np.flatnonzero(labels == 7)
    added = crossed[sevens].astype(int) - images[sevens].astype(int)
    assert (added >= 0).all()  # ink is only added
    changed = [a for a in added if a.sum() > 0]
    assert len(changed) >= 0.9 * len(sevens)
    for a in changed:
        rows, cols = np.nonzero(a > 64)
        assert 10 <= rows.min() and rows.max() <= 20  # across the stem, near mid-height
        assert cols.max() - cols.min() >= 4  # a bar, wider than it is tall
    untouched = cross_sevens(images, labels, np.random.default_rng(0), share=0.0)
    np.testing.assert_array_equal(untouched, images)


def test_flag_ones_gives_plain_ones_a_long_sloping_flag(digits):
    from train.augment import flag_ones
    based = digits[1].copy()
    based[21:24, 9:20] = 255  # a one with a base is left as drawn
    images = np.stack([digits[1], digits[1], based, digits[0]])
    labels = np.array([1, 7, 1, 0])
    flagged = flag_ones(images, labels, np.random.default_rng(0), share=1.0)
    np.testing.assert_array_equal(flagged[1:], images[1:])
    np.testing.assert_array_equal(flag_ones(images, labels, np.random.default_rng(0), share=0.0), images)
    rows, cols = np.nonzero(flagged[0] > 128)
    top, bottom = rows.min(), rows.max()
    assert bottom - top + 1 == 20  # fitted to MNIST's box again: as tall as the stem
    stem = cols[rows == bottom].mean()
    tip_rows = rows[cols == cols.min()]
    assert stem - cols.min() >= 2  # a flag reaching left of the stem ...
    assert top + 2 <= tip_rows.mean() <= top + 10  # ... and down from its top, not across it as a 7's bar


def test_long_tails_stretch_the_lower_part_of_4s_7s_and_9s(digits):
    from train.augment import long_tails
    images = np.stack([digits[1], digits[1], digits[0]])
    labels = np.array([7, 1, 9])
    tailed = long_tails(images, labels, np.random.default_rng(0), share=1.0)
    np.testing.assert_array_equal(tailed[1], images[1])  # a 1 is left as drawn
    np.testing.assert_array_equal(long_tails(images, labels, np.random.default_rng(0), share=0.0), images)
    for before, after in ((images[0], tailed[0]), (images[2], tailed[2])):
        def box(image):
            rows, cols = np.nonzero(image > 128)
            return rows.max() - rows.min() + 1, cols.max() - cols.min() + 1
        assert box(after)[0] == 20  # fitted to MNIST's box again, by its height
        assert box(after)[1] < box(before)[1]  # taller for its width: narrower in the box
    rows = np.flatnonzero((tailed[2] > 128).any(axis=1))
    spans = [np.ptp(np.flatnonzero(tailed[2, row] > 128)) for row in rows]
    # The ring's lower part drawn out below it: its widest row, its middle before, now in its upper half
    assert rows[int(np.argmax(spans))] < (rows[0] + rows[-1]) / 2 - 1


def test_long_tail_stretches_a_glyphs_rows_below_a_share_of_its_height():
    from edge_app.scenes import long_tail
    glyph = np.random.default_rng(1).random((30, 12)).astype(np.float32)
    tailed, added = long_tail(glyph, np.random.default_rng(0), (0.6, 0.6), (0.5, 0.5))
    assert added == 15 and tailed.shape == (45, 12)
    np.testing.assert_array_equal(tailed[:18], glyph[:18])  # above 60% of its height as it was
