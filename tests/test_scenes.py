"""The scene generator: what it draws and the truth it knows."""

import itertools

import cv2
import numpy as np
import pytest

from edge_app import scenes
from edge_app.pipeline import find_blobs
from edge_app.scenes import SceneConfig, make_scene, make_single_digit
from edge_app.vision.grouping import _bow, _lean


def test_scenes_are_reproducible_and_know_their_truth():
    first = make_scene(np.random.default_rng(5))
    second = make_scene(np.random.default_rng(5))
    np.testing.assert_array_equal(first.image, second.image)
    assert first.image.shape == (480, 640, 3) and first.image.dtype == np.uint8
    assert first.numbers and all(text.isdigit() for text in first.texts)
    for _, (x, y, w, h) in first.numbers:
        assert 0 <= x and 0 <= y and x + w <= 640 and y + h <= 480 and w > 0 and h > 0
        assert first.image[y:y + h, x:x + w].min() < first.image.min() + 60  # ink inside the box
    fixed = make_scene(np.random.default_rng(1), texts=["2024", "17"])
    assert fixed.texts == ["2024", "17"]


def test_a_pen_may_lie_on_the_page_clear_of_the_writing():
    ink = np.zeros((480, 640), np.uint8)
    cv2.putText(ink, "7", (100, 300), cv2.FONT_HERSHEY_SIMPLEX, 5, 1, 12)
    ink = ink.astype(np.float32)
    lengths = []
    for seed in range(10):
        image = np.full((480, 640, 3), 230, np.float32)
        alpha = scenes._pen(image, ink, [(100, 170, 110, 130)], np.random.default_rng(seed))
        assert alpha is not None and alpha.max() == 1.0
        assert not (alpha[cv2.dilate((ink > 0).view(np.uint8), np.ones((9, 9), np.uint8)) > 0] > 0).any()
        assert (image[alpha > 0.9] != 230).any(axis=-1).all()  # drawn where it lies
        ys, xs = np.nonzero(alpha > 0.5)
        lengths.append(np.hypot(np.ptp(xs), np.ptp(ys)))
    assert max(lengths) > 2 * 130  # far longer than the digit when it is wholly in the frame
    crowded = np.ones((480, 640), np.float32)  # ink everywhere: no room, no pen, the image untouched
    image = np.full((480, 640, 3), 230, np.float32)
    assert scenes._pen(image, crowded, [(0, 0, 640, 480)], np.random.default_rng(0)) is None
    assert (image == 230).all()
    # Off by default: a scene draws the same with the option at 0 as before it existed.
    np.testing.assert_array_equal(make_single_digit(np.random.default_rng(3)).image,
                                  make_single_digit(np.random.default_rng(3), config=SceneConfig(pens=0.0)).image)


def test_a_loose_leaf_sheet_has_punched_holes_along_a_side_clear_of_the_writing():
    ink = np.zeros((480, 640), np.uint8)
    cv2.putText(ink, "7", (250, 300), cv2.FONT_HERSHEY_SIMPLEX, 5, 1, 12)
    ink = ink.astype(np.float32)
    near_ink = cv2.dilate((ink > 0).view(np.uint8), np.ones((9, 9), np.uint8)) > 0
    unders = set()
    for seed in range(12):
        image = np.full((480, 640, 3), 230, np.float32)
        assert scenes._holes(image, ink, np.float32([230, 230, 230]), [(250, 170, 110, 130)],
                             np.random.default_rng(seed))
        changed = (image != 230).any(axis=-1)
        assert not changed[near_ink].any()
        count, _, stats, _ = cv2.connectedComponentsWithStats(changed.view(np.uint8))
        holes = stats[1:]
        assert count >= 2
        x, y, w, h = holes[:, :4].T
        holes = holes[(x > 0) & (y > 0) & (x + w < 640) & (y + h < 480)]  # those the frame's edge does not cut ...
        assert len(holes)
        # ... round, alike, in a row along one side (their centres in one column or one row).
        assert (np.abs(holes[:, 2] - holes[:, 3]) <= 2).all() and np.ptp(holes[:, 2]) <= 2
        centres = holes[:, :2] + holes[:, 2:4] / 2
        assert min(np.ptp(centres[:, 0]), np.ptp(centres[:, 1])) <= 1
        unders.add(bool(image[changed].min() < 150))  # a dark table under some, the next sheet under others
    assert unders == {True, False}
    crowded = np.ones((480, 640), np.float32)  # ink everywhere: no room, no holes, the image untouched
    image = np.full((480, 640, 3), 230, np.float32)
    assert not scenes._holes(image, crowded, np.float32([230, 230, 230]), [(0, 0, 640, 480)],
                             np.random.default_rng(0))
    assert (image == 230).all()
    # Off by default: a scene draws the same with the option at 0 as before it existed.
    np.testing.assert_array_equal(make_single_digit(np.random.default_rng(3)).image,
                                  make_single_digit(np.random.default_rng(3), config=SceneConfig(holes=0.0)).image)


def test_a_sheet_on_a_table_shows_the_table_round_it_and_its_boxes_follow_the_sheet():
    scene = make_single_digit(np.random.default_rng(6), value=4, config=SceneConfig(table=1.0))
    grey = cv2.cvtColor(scene.image, cv2.COLOR_BGR2GRAY).astype(float)
    (x, y, w, h), = [box for _, box in scene.numbers]
    sheet = np.median(grey[y:y + h, x:x + w])
    # The digit's box is where its ink is: the blob the pipeline finds fills it.
    (bx, by, bw, bh), = [blob.box for blob in find_blobs(grey.astype(np.uint8)).blobs]
    overlap = max(0, min(x + w, bx + bw) - max(x, bx)) * max(0, min(y + h, by + bh) - max(y, by))
    assert overlap >= 0.7 * w * h and overlap >= 0.7 * bw * bh
    corners = [grey[:8, :8], grey[:8, -8:], grey[-8:, :8], grey[-8:, -8:]]
    assert sum(abs(np.median(c) - sheet) > 20 for c in corners) >= 3  # the table, not paper, in the corners


def test_a_number_may_be_written_with_dashes_and_dots_and_its_text_is_its_digits():
    scene = make_scene(np.random.default_rng(2), texts=["555-1234", "24.11.26"])
    assert scene.texts == ["5551234", "241126"]
    assert [digit for digit, _ in scene.digits] == [5, 5, 5, 1, 2, 3, 4, 2, 4, 1, 1, 2, 6]
    grey = cv2.cvtColor(scene.image, cv2.COLOR_BGR2GRAY).astype(int)
    paper = np.median(grey)
    (_, (x, y, w, h)), _ = scene.numbers
    _, (left, _, width, _) = scene.digits[2]
    _, (right, _, _, _) = scene.digits[3]
    between = grey[y:y + h, left + width + 1:right - 1]  # the dash, between the third and the fourth digit
    assert between.size and between.min() < paper - 60
    config = SceneConfig(separators=1.0)
    texts = [make_scene(np.random.default_rng(seed), config=config).texts for seed in range(10)]
    assert all(len(text) >= 6 and text.isdigit() for scene_texts in texts for text in scene_texts)
    with pytest.raises(ValueError, match="not ':'"):
        make_scene(np.random.default_rng(2), texts=["24:11"])


def test_a_sheet_may_hold_numbers_side_by_side_and_digits_spaced_widely():
    scene = make_scene(np.random.default_rng(4), config=SceneConfig(columns=1.0, max_lines=3))
    assert len(scene.numbers) >= 4 and all(1 <= len(text) <= 6 for text in scene.texts)
    for (_, left), (_, right) in itertools.pairwise(scene.numbers):
        if abs(left[1] - right[1]) < left[3] / 2:  # side by side on one line: 2.5-5 digit heights apart at least
            assert right[0] - (left[0] + left[2]) >= 2.5 * 0.8 * max(left[3], right[3])
    assert sum(abs(a[1] - b[1]) < a[3] / 2 for (_, a), (_, b) in itertools.pairwise(scene.numbers)) >= 2

    def gaps(spacing):
        scene = make_scene(np.random.default_rng(5), texts=["1234567"], config=SceneConfig(spacing=spacing, touching=0))
        return [b[0] - (a[0] + a[2]) for (_, a), (_, b) in itertools.pairwise(scene.digits)]
    assert min(gaps((1.0, 1.8))) > max(gaps((0.15, 0.6)))


def test_4s_7s_and_9s_may_be_written_with_long_tails_below_the_line():
    def below(share):
        """How far the 4s, 7s and 9s reach below the 1s' feet, and their tops above the 1s', in the 1s' heights."""
        feet, tops = [], []
        for seed in range(6):
            scene = make_scene(np.random.default_rng(seed), texts=["14719"], config=SceneConfig(descenders=share))
            assert scene.texts == ["14719"]
            ones = [box for digit, box in scene.digits if digit == 1]
            height, foot, top = np.mean([h for *_, h in ones]), np.mean([y + h for _, y, _, h in ones]), \
                np.mean([y for _, y, _, _ in ones])
            feet += [(y + h - foot) / height for digit, (_, y, _, h) in scene.digits if digit != 1]
            tops += [(top - y) / height for digit, (_, y, _, h) in scene.digits if digit != 1]
        return np.median(feet), np.median(tops)
    (plain_feet, plain_tops), (tailed_feet, tailed_tops) = below(0.0), below(1.0)
    assert abs(plain_feet) < 0.15 and tailed_feet > 0.3  # a tail below the line ...
    assert abs(plain_tops) < 0.15 and abs(tailed_tops) < 0.15  # ... the head where the others' are


def test_a_phone_number_may_be_written_with_its_area_code_in_brackets():
    scene = make_scene(np.random.default_rng(1), config=SceneConfig(max_digit_height=40), texts=["(555) 123-4567"])
    assert scene.texts == ["5551234567"]
    (_, (x, y, w, h)), = scene.numbers
    _, (first, top, width, height) = scene.digits[0]
    assert x < first - 3  # the number's box holds its opening bracket
    bracket = (x, top, first - x, height)
    assert _bow(scene.image, bracket) < -0.05
    texts = [make_scene(np.random.default_rng(seed), config=SceneConfig(brackets=1.0)).texts for seed in range(5)]
    assert all(len(text) >= 10 and text.isdigit() for scene_texts in texts for text in scene_texts)


def test_a_date_may_be_written_with_slashes_leaning_right_and_its_text_is_its_digits():
    scene = make_scene(np.random.default_rng(3), texts=["24/11/2026"])
    assert scene.texts == ["24112026"]
    (_, (left, top, width, height)), (_, (right, _, _, _)) = scene.digits[1:3]
    slash = (left + width, top, right - left - width, height)  # between the 4 and the first 1
    assert _lean(scene.image, slash) >= 10
    rng = np.random.default_rng(0)
    years_first = 0
    for _ in range(50):  # day and month, either first, of 1 or 2 digits; a year of 2 or 4 after them, or of 4 before
        parts = scenes._random_number(rng, SceneConfig(dates=1.0)).split("/")
        years_first += len(parts[0]) == 4
        year = parts.pop(0 if len(parts[0]) == 4 else 2)
        first, second = (int(part) for part in parts)
        assert 1 <= min(first, second) <= 12 and max(first, second) <= 31
        assert {len(part) for part in parts} <= {1, 2} and len(year) in (2, 4)
    assert 5 <= years_first <= 25
