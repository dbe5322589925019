import cv2
import numpy as np
import pytest

from edge_app.changes import CHANGES, in_perspective, shadowed, shrunk, turned, with_paper


def page(h=120, w=200):
    """Beige paper with a dark stroke touching its left border and a dot near its top right corner."""
    image = np.full((h, w, 3), (200, 215, 225), np.uint8)
    cv2.line(image, (0, 60), (40, 60), (40, 40, 40), 5)
    cv2.circle(image, (w - 8, 8), 4, (30, 30, 30), -1)
    return image


def dark(image):
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) < 100


@pytest.mark.parametrize("name", list(CHANGES))
def test_every_change_keeps_a_photo_a_photo_and_changes_it_the_same_way_each_time(name):
    image = page(240, 400)
    changed = CHANGES[name](image)
    assert changed.dtype == np.uint8 and changed.ndim == 3 and changed.shape[2] == 3
    assert changed.shape != image.shape or np.abs(changed.astype(int) - image).max() > 0
    np.testing.assert_array_equal(changed, CHANGES[name](image))
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    assert CHANGES[name](grey).ndim == 2  # grey photos stay grey


def test_turning_keeps_all_of_the_photo_and_fills_the_corners_with_paper():
    image = page()
    for degrees in (-10, 20, 90):
        result = turned(image, degrees)
        assert dark(result).sum() >= 0.9 * dark(image).sum()  # the corner dot and the stroke are both there
    result = turned(image, 20)
    corners = [result[:10, :10], result[:10, -10:], result[-10:, :10], result[-10:, -10:]]
    assert all(np.abs(c.astype(int) - (200, 215, 225)).max() < 25 for c in corners)  # paper, not black


def test_added_paper_does_not_carry_a_stroke_at_the_border_out_to_the_edge():
    grown = with_paper(page(), 100)
    assert grown.shape == (320, 400, 3)
    assert not dark(grown)[:, :60].any()  # the stroke touching the left border fades into paper
    np.testing.assert_array_equal(grown[100:220, 100:300], page())  # the photo itself is unchanged


def test_perspective_and_shrinking():
    image = page()
    assert in_perspective(image, 0.15).shape == image.shape
    assert not dark(in_perspective(image, 0.15))[:, -4:].any()  # the top right dot moved inwards
    assert shrunk(image, 100).shape == (60, 100, 3)
    assert shrunk(image, 1000).shape == image.shape  # never enlarged


def test_a_hard_shadow_halves_the_light_left_of_a_slanting_edge_with_a_soft_border():
    image = np.full((300, 400), 200, np.uint8)
    shaded = shadowed(image, 0.5, 1 / 150)
    assert shaded[10, 10] == 100 and shaded[290, 10] == 100  # the left side, top and bottom
    assert shaded[10, 390] == 200 and shaded[290, 390] == 200  # the right side
    assert shaded[150, 150] == 100 and shaded[150, 250] == 200  # the edge crosses the middle at 45% of the width
    row = shaded[150].astype(int)
    assert 100 < row[180] < 200  # a penumbra of a few pixels ...
    assert row[165] == 100 and row[200] >= 199  # ... and no wider (it is blurred by 400 / 150 = 2.7 px)
