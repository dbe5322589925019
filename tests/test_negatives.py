"""The "not one digit" examples: what they are made of, and that they go through the app's contract."""

import numpy as np

from edge_app.preprocess import MNIST_SIZE
from train.negatives import HEIGHT, compose, not_one_digit


def bar(width: int, height: int = 28) -> np.ndarray:
    image = np.zeros((height, width), np.uint8)
    image[:, :] = 255
    return image


def test_compose_writes_digits_left_to_right_touching_or_overlapping():
    rng = np.random.default_rng(0)
    for _ in range(50):
        canvas, spans = compose([bar(10), bar(14), bar(8)], rng)
        assert canvas.dtype == np.float32 and 0.0 <= canvas.min() and canvas.max() <= 1.0
        assert len(spans) == 3
        for (x0, x1), (y0, _) in zip(spans[:-1], spans[1:], strict=True):
            assert x0 < y0  # reading order
            assert y0 <= x1 + int(0.02 * HEIGHT) + 1  # the gap is at most a hair: they touch or overlap
        assert spans[-1][1] <= canvas.shape[1]
        # Every column between the first and last digit holds ink: one blob, as the pipeline would find it.
        assert (canvas[:, spans[0][0]:spans[-1][1]].max(axis=0) > 0).sum() >= spans[-1][1] - spans[0][0] - 2


def test_examples_are_contract_images_and_reproducible(mnist_path):
    with np.load(mnist_path) as data:
        pool = data["x_train"][:200]
    first = [not_one_digit(pool, np.random.default_rng([7, i])) for i in range(40)]
    again = [not_one_digit(pool, np.random.default_rng([7, i])) for i in range(40)]
    for image, same in zip(first, again, strict=True):
        np.testing.assert_array_equal(image, same)
        assert image.shape == (MNIST_SIZE, MNIST_SIZE) and image.dtype == np.uint8
        assert image.max() == 255  # normalised to full strength, like every contract image
        rows, cols = np.nonzero(image)
        spans = (rows.max() - rows.min() + 1, cols.max() - cols.min() + 1)
        assert max(spans) in (19, 20, 21) and min(spans) <= 21  # ink fitted into MNIST's 20x20 box
    assert len({image.tobytes() for image in first}) == len(first)
