import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest
from conftest import INT8, ROOT, needs_model

from edge_app.changes import CHANGES
from edge_app.pipeline import PipelineConfig
from edge_app.scenes import make_line, make_scene
from edge_app.strokefont import draw
from edge_app.targets import Outcome, changed_sets, markdown, measure, realdev_sets, scan_sets


def run_targets(*args):
    env = {k: v for k, v in os.environ.items() if k != "REALDEV_PATH"}
    return subprocess.run([sys.executable, "-m", "edge_app", "targets", *args], capture_output=True, text=True,
                          timeout=300, cwd=ROOT, env=env)


@pytest.fixture(scope="module")
def classifier():
    from edge_app.classifier import Classifier
    return Classifier(INT8, num_threads=1)


def test_a_line_is_its_number_cropped_from_a_scene_with_its_digits_and_no_other_number():
    checked = 0
    for seed in range(8):
        line = make_line(np.random.default_rng(seed))
        (text, (x, y, w, h)), = line.numbers
        height, width = line.image.shape[:2]
        assert len(text) >= 3 and [str(digit) for digit, _ in line.digits] == list(text)
        assert 0 <= x and x + w <= width and 0 <= y and y + h <= height  # the whole number is in the crop ...
        assert height <= 2.6 * h + 2 and width <= w + 1.6 * h + 2  # ... with at most 0.8 of its height round it
        for _, (bx, by, bw, bh) in line.digits:
            assert x <= bx + bw / 2 <= x + w and y <= by + bh / 2 <= y + h
        scene = make_scene(np.random.default_rng(seed))  # the scene it was cropped from, when it had a long number
        if not any(len(other) >= 3 for other in scene.texts):
            continue
        (sx, sy, _, _), = [box for other, box in scene.numbers if other == text]
        left, top = sx - x, sy - y
        np.testing.assert_array_equal(line.image, scene.image[top:top + height, left:left + width])
        for other, (_, oy, _, oh) in scene.numbers:  # the others: at most 30% of their height in the crop
            if other != text:
                assert min(oy + oh, top + height) - max(oy, top) <= 0.3 * oh + 1
        checked += 1
    assert checked >= 4


def test_a_line_cropped_close_is_its_number_s_box():
    for seed in range(4):
        line = make_line(np.random.default_rng(seed), margin=(0.0, 0.0))
        (_, box), = line.numbers
        assert box == (0, 0, line.image.shape[1], line.image.shape[0])


def blank_and_seven():
    """A photo of blank paper, and of a 7 written on it."""
    paper = np.full((240, 320, 3), 235, np.uint8)
    glyph = cv2.resize(draw(7, np.random.default_rng(0)), (112, 112))
    seven = paper.copy()
    seven[64:176, 104:216][glyph > 128] = 30
    return paper, seven


@needs_model
def test_measure_counts_only_exact_readings_whole_or_number_by_number(classifier):
    paper, seven = blank_and_seven()
    sets = [("whole", 0.9, 3, lambda: iter([(seven, ["7"], True), (paper, ["7"], True), (seven, ["1"], True)])),
            ("numbers", 0.5, 2, lambda: iter([(seven, ["7", "12"], False), (paper, ["3"], False)]))]
    whole, numbers = measure(classifier, sets)
    assert (whole.items, whole.right) == (3, 1)  # only the seven read as 7
    assert (numbers.items, numbers.right) == (3, 1)  # the sheets hold three numbers; the 7 is one of them
    # Nothing read at all when every blob is too short to be a digit: the counts follow the readings.
    nothing = measure(classifier, sets, PipelineConfig(min_digit_height=1000))
    assert [outcome.right for outcome in nothing] == [0, 0]


def test_the_table_says_which_targets_are_met():
    table = markdown([Outcome("a", 200, 196, 0.98), Outcome("b", 10, 8, 0.9)]).splitlines()
    assert table[2:] == ["| a | 200 | 196 (98.0%) | 98%: met |", "| b | 10 | 8 (80.0%) | 90%: not met |"]



def test_scan_sets_hold_each_digit_dark_on_white_as_mnist_holds_it_and_as_a_small_scan_enlarged():
    one = np.zeros((28, 28), np.uint8)
    one[6:22, 12:16] = 255  # a bar 16 px tall and 4 wide: a 1
    full, small = scan_sets(one[None], np.array([1]))
    assert [s[2] for s in (full, small)] == [1, 1] and "28x28" in full[0] and "16x16" in small[0]
    (image, expected, whole), = full[3]()
    np.testing.assert_array_equal(image, 255 - one)
    assert (expected, whole) == (["1"], True)
    (image, expected, whole), = small[3]()
    bar = np.full((64, 64), 255, np.uint8)
    bar[:, 24:40] = 0  # filling the 16x16 field's height, centred, then 4 times larger
    np.testing.assert_array_equal(image, bar)
    assert (expected, whole) == (["1"], True)

def test_realdev_sets_follow_its_layout(tmp_path):
    (tmp_path / "photos_single" / "w").mkdir(parents=True)
    (tmp_path / "digit_strings" / "lines").mkdir(parents=True)
    (tmp_path / "digit_strings" / "pages").mkdir(parents=True)
    _, seven = blank_and_seven()
    cv2.imwrite(str(tmp_path / "photos_single" / "w" / "seven.png"), seven)
    (tmp_path / "photos_single" / "labels.csv").write_text("file,label,set,writer\nw/seven.png,7,test,w\n")
    for name in ("l1.png", "l2.png", "page.png"):
        cv2.imwrite(str(tmp_path / "digit_strings" / ("pages" if name == "page.png" else "lines") / name), seven)
    (tmp_path / "digit_strings" / "labels.csv").write_text(
        "line_image,string,page_image\nl1.png,7,page.png\nl2.png,12,page.png\n")
    singles, lines, sheets = realdev_sets(tmp_path)
    assert [s[2] for s in (singles, lines, sheets)] == [1, 2, 1]  # images in each
    assert [(expected, whole) for _, expected, whole in singles[3]()] == [(["7"], True)]
    assert [(expected, whole) for _, expected, whole in lines[3]()] == [(["7"], True), (["12"], True)]
    (image, expected, whole), = sheets[3]()
    assert image.shape == seven.shape and expected == ["7", "12"] and not whole
    changed = changed_sets([singles, lines, sheets])
    count = len(CHANGES)
    assert [s[0] for s in changed] == [f"{s[0]}, under {count} camera-like changes" for s in (singles, lines, sheets)]
    assert [s[2] for s in changed] == [count, 2 * count, count]
    items = list(changed[1][3]())
    assert [expected for _, expected, _ in items] == [["7"]] * count + [["12"]] * count
    turned = items[0][0]  # the first change turns the photo: a bigger canvas
    assert turned.shape[0] > seven.shape[0] and turned.shape[1] > seven.shape[1]


@needs_model
def test_the_command_prints_one_json_object_per_set(tmp_path):
    result = run_targets("--quick", "--json", "--num-threads", "1", "--mnist", str(tmp_path / "none.npz"))
    assert result.returncode == 0, result.stderr
    assert "stroke font" in result.stderr  # no MNIST there: drawn with the font, scans left out
    outcomes = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["name"].split(" (")[0].split(",")[0] for o in outcomes] == [
        "single-digit photos", "single-digit photos cropped to a square the digit fills",
        "numbers cropped to their line", "numbers cropped close to their line", "numbers on whole sheets",
        "numbers on whole sheets in lines and columns"]
    assert [o["items"] for o in outcomes[:4]] == [40, 40, 40, 40] and min(o["items"] for o in outcomes[4:]) >= 10
    for outcome in outcomes:
        assert 0 < outcome["right"] <= outcome["items"]
        assert outcome["share"] == round(outcome["right"] / outcome["items"], 4)


def test_help_names_every_camera_like_change():
    result = run_targets("--help")
    assert result.returncode == 0, result.stderr
    flat = " ".join(result.stdout.split())  # argparse wraps the help
    assert all(name in flat for name in CHANGES)  # "dim (40% light)" too: argparse formats help with %


def test_help_shows_the_defaults_that_are_values_not_none_or_false():
    flat = " ".join(run_targets("--help").stdout.split())
    assert "(default: 0.45)" in flat  # --min-confidence
    assert "(default: None)" not in flat and "(default: False)" not in flat  # --usps, --json: said in words
    assert "(default: $USPS_PATH, else they are left out)" in flat


def test_the_command_fails_in_one_line_on_a_missing_realdev_or_a_bad_model(tmp_path):
    result = run_targets("--quick", "--realdev", str(tmp_path))
    assert result.returncode == 2 and "no realdev at" in result.stderr and "Traceback" not in result.stderr
    result = run_targets("--quick", "--changes")  # changes of which photos?
    assert result.returncode == 2 and "--changes" in result.stderr and "Traceback" not in result.stderr
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"not a model")
    result = run_targets("--quick", "--model", str(bad))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
