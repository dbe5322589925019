"""Blobs that are not one digit cut into digits, and unsure crops read again."""

import dataclasses
import itertools
import math
import statistics

import cv2
import numpy as np
import pytest
from conftest import CountingClassifier, needs_model
from pipeline_helpers import WholeIsNotOneDigit, _read_exactly, _touching_lines

from edge_app.pipeline import Blob, PipelineConfig, read_frame
from edge_app.scenes import DigitSource, SceneConfig, make_line
from edge_app.vision import segment
from edge_app.vision.grouping import _fitted_slope, _median_of_few
from edge_app.vision.segment import RUN_KINDS, _cut_columns, _cut_paths, _predict, _segments, _worth_reading


def two_touching_rings():
    frame = np.full((240, 320), 230, np.uint8)
    cv2.circle(frame, (130, 120), 30, 40, 6)
    cv2.circle(frame, (190, 120), 30, 40, 6)  # touches the first: one blob, twice as wide as tall
    return frame


def test_a_blob_read_as_not_one_digit_is_cut_and_what_stays_not_a_digit_is_dropped():
    once = PipelineConfig(recheck=None)  # each crop read once: the stand-in answers by its place in a call
    stand_in = WholeIsNotOneDigit()
    numbers = read_frame(two_touching_rings(), stand_in, once)
    assert stand_in.seen > 3  # the whole blob and runs of pieces between its thinnest columns
    # Two pieces no wider than a digit read best: each cut costs log-confidence, so not three.
    assert [n.text for n in numbers] == ["44"]
    first, second = numbers[0].digits
    assert abs(second.box[0] - (first.box[0] + first.box[2])) <= 1  # side by side, sharing the cut
    sure_not = WholeIsNotOneDigit(reject_all=True)  # every crop 0.95 "not one digit", its digits even
    assert read_frame(two_touching_rings(), sure_not, once) == []  # too unsure of any digit: below min_confidence
    anything = dataclasses.replace(once, min_confidence=0.0)
    assert read_frame(two_touching_rings(), sure_not, dataclasses.replace(anything, not_digit=0.9)) == []
    assert read_frame(two_touching_rings(), sure_not, anything) != []


class ThickerReadsSeven:
    """A stand-in reading a crop with more ink than `ink` as a sure 7, one with less as a sure 7 too, and
    one with just `ink` (and any other) as 1 at 0.6 and 7 at 0.4; records the crops of each call."""

    def __init__(self, ink):
        self.ink, self.calls = ink, []

    def predict(self, crops):
        self.calls.append(crops.copy())
        probabilities = np.zeros((len(crops), 10), np.float32)
        probabilities[:, 1], probabilities[:, 7] = 0.6, 0.4
        changed = np.array([np.count_nonzero(crop) != self.ink for crop in crops])
        probabilities[changed, 1], probabilities[changed, 7] = 0.05, 0.95
        return probabilities


def test_an_unsure_crop_is_read_again_with_thicker_and_thinner_strokes_and_the_readings_averaged():
    unsure = np.zeros((28, 28), np.uint8)
    cv2.line(unsure, (14, 5), (14, 22), 255, 3)
    sure = np.zeros((28, 28), np.uint8)  # a crop with other ink than `ink`: read as a sure 7 at once
    cv2.line(sure, (8, 14), (20, 14), 255, 1)
    stand_in = ThickerReadsSeven(np.count_nonzero(unsure))
    probabilities = _predict(stand_in, np.stack([unsure, sure]), 0.9)
    first, again = stand_in.calls
    assert len(again) == 2  # only the unsure crop, twice:
    assert np.count_nonzero(again[0]) > np.count_nonzero(unsure) > np.count_nonzero(again[1])  # thicker, thinner
    np.testing.assert_allclose(probabilities[0, [1, 7]], [(0.6 + 0.1) / 3, (0.4 + 1.9) / 3], rtol=1e-6)
    np.testing.assert_allclose(probabilities[1, [1, 7]], [0.05, 0.95])  # the sure crop as first read
    stand_in = ThickerReadsSeven(np.count_nonzero(unsure))
    once = _predict(stand_in, np.stack([unsure, sure]), None)
    assert len(stand_in.calls) == 1 and once[0].argmax() == 1


class UnsureOfAll:
    """A stand-in reading every crop as a 4 with 0.6 and a 1 with 0.4; it keeps each call's batch size."""

    def __init__(self):
        self.calls = []

    def predict(self, crops):
        self.calls.append(len(crops))
        probabilities = np.zeros((len(crops), 10), np.float32)
        probabilities[:, 4], probabilities[:, 1] = 0.6, 0.4
        return probabilities


def test_only_whole_blobs_are_read_again_not_the_pieces_of_a_cut_one():
    stand_in = UnsureOfAll()
    read_frame(two_touching_rings(), stand_in)
    whole, again, pieces = stand_in.calls  # no fourth call: the unsure pieces are not read again
    assert (whole, again) == (1, 2) and pieces > 2
    stand_in = UnsureOfAll()
    read_frame(two_touching_rings(), stand_in, PipelineConfig(recheck=None))
    assert stand_in.calls == [1, pieces]


class EdgeBesideASix:
    """An eleven-output stand-in for a narrow blob, a ring with a bar joined to its side by a thin bridge:
    read whole (the first call) it is "not one digit", a little like a 6; cut, the bar's piece is a 1
    that is "not one digit" with `edge_not_digit`, the ring a sure 6, and any other piece poor."""

    def __init__(self, edge_not_digit):
        self.edge_not_digit, self.calls = edge_not_digit, 0

    def predict(self, crops):
        probabilities = np.full((len(crops), 11), 0.001, np.float32)
        for row, crop in zip(probabilities, crops, strict=True):
            _, _, w, h = cv2.boundingRect(crop)
            if self.calls == 0:
                row[10], row[6] = 0.98, 0.01
            elif w < 0.4 * h:
                row[10], row[1] = self.edge_not_digit, 0.04
            elif w > 0.75 * h:
                row[6] = 0.95
            else:
                row[10], row[2] = 0.9, 0.05
        self.calls += 1
        return probabilities


def _parted(mask, path):
    """Pairs of ink pixels a cut's path parts: side by side across it, and one above the other where it
    steps aside."""
    columns = np.arange(mask.shape[1])
    left = columns < path[:, None]
    beside = (mask[:, :-1] & mask[:, 1:] & left[:, :-1] & ~left[:, 1:]).sum()
    return int(beside + (mask[:-1] & mask[1:] & (left[:-1] != left[1:])).sum())


def test_a_cut_bends_round_the_tip_of_a_bar_reaching_past_its_column():
    h, w = 50, 34
    mask = np.zeros((h, w), bool)
    mask[:, 6:11] = True  # the left digit's stem
    mask[20:28, 6:18] = True  # its bar, 8 rows thick, the tip two columns past the cut's column (16)
    mask[:, 23:28] = True  # the right digit's stem
    mask[45:48, 10:23] = True  # a stroke at the foot joins them
    bent = _cut_paths(mask, [0, 16, w], PipelineConfig())
    straight = _cut_paths(mask, [0, 16, w], PipelineConfig(cut_reach=None))
    assert [p.tolist() for p in straight] == [[0] * h, [16] * h, [w] * h]
    assert bent[0].tolist() == [0] * h and bent[2].tolist() == [w] * h  # the blob's ends stay straight
    assert bent[1][20:28].min() >= 18 and bent[1].max() <= 23  # the bar stays left, the right stem right
    assert _parted(mask, bent[1]) == 3 < _parted(mask, straight[1]) == 11  # only the foot's stroke is cut


def test_cut_paths_part_no_more_ink_than_straight_cuts_and_never_cross():
    rng = np.random.default_rng(3)
    for _ in range(20):
        mask = np.zeros((40, 70), np.uint8)
        for _ in range(6):
            points = rng.integers([0, 0], [70, 40], size=(2, 2))
            cv2.line(mask, tuple(map(int, points[0])), tuple(map(int, points[1])), 1, int(rng.integers(2, 6)))
        mask = mask.astype(bool)
        cuts = [0, *sorted(rng.choice(np.arange(8, 62), 3, replace=False).tolist()), 70]
        bent = _cut_paths(mask, cuts, PipelineConfig())
        assert all((np.abs(np.diff(path)) <= 1).all() for path in bent)  # a column a row at most
        assert all((after >= before).all() for before, after in zip(bent[:-1], bent[1:], strict=True))
        for cut, path in zip(cuts[1:-1], bent[1:-1], strict=True):
            assert np.abs(path - cut).max() <= 4  # cut_reach: 0.1 of 40 rows
            assert _parted(mask, path) <= _parted(mask, np.full(40, cut))


def test_a_cut_s_path_is_the_cheapest_of_every_path_it_may_take(monkeypatch):
    """Checked against every path: each row's pairs of ink side by side across the cut, CUT_STRAY a column
    away from its column, and CUT_BEND and the pair one above the other it parts for each step aside."""
    monkeypatch.setattr("edge_app.vision.segment.CUT_BEND", 0.4)  # cheap, so that paths bend often
    rng = np.random.default_rng(4)
    config = PipelineConfig(cut_reach=0.25)  # 2 columns either way in 9 rows
    steps = np.array(list(itertools.product((-1, 0, 1), repeat=8)))
    every = np.concatenate([np.cumsum(np.column_stack([np.full(len(steps), start), steps]), axis=1)
                            for start in range(4, 9)])
    every = every[((every >= 4) & (every <= 8)).all(axis=1)]  # (paths, rows): the column of each row
    for _ in range(30):
        mask = rng.random((9, 12)) < 0.55
        path = _cut_paths(mask, [0, 6, 12], config)[1]
        assert np.abs(path - 6).max() <= 2
        assert _path_price(mask, path, 6)[0] == pytest.approx(_path_price(mask, every, 6).min())


def _path_price(mask, paths, cut):
    """What _cut_paths prices each of `paths` (rows: the column of each row) at, for a cut at column `cut`."""
    paths = np.atleast_2d(paths)
    rows = np.arange(mask.shape[0])
    beside = (mask[rows, paths - 1] & mask[rows, paths]).sum(axis=1)
    turned = paths[:, 1:] != paths[:, :-1]
    column = np.minimum(paths[:, 1:], paths[:, :-1])
    above = mask[rows[:-1], column] & mask[rows[1:], column] & turned
    return (beside + segment.CUT_STRAY * np.abs(paths - cut).sum(axis=1)
            + segment.CUT_BEND * turned.sum(axis=1) + above.sum(axis=1))


@needs_model
def test_touching_digits_read_better_cut_along_bent_paths(classifier, mnist_path):
    """A straight cut slices the bar or foot of a digit that reaches over its touching neighbour's column;
    a bent one goes round it."""
    lines = _touching_lines(mnist_path, 13)
    right = _read_exactly(classifier, lines)
    assert right >= 38  # the shipped model: 42
    assert right >= _read_exactly(classifier, lines, PipelineConfig(cut_reach=None)) + 3  # 38


def _ring_chain() -> tuple[np.ndarray, Blob]:
    """Labels and blob of seven rings 60 px tall joined in a row by thin bridges, as one blob."""
    mask = np.zeros((60, 330), np.uint8)
    for k in range(7):
        cv2.circle(mask, (25 + 46 * k, 30), 20, 1, 4)
        if k:
            cv2.line(mask, (25 + 46 * k - 26, 30), (25 + 46 * k - 20, 30), 1, 2)
    count, labels = cv2.connectedComponents(mask)
    assert count == 2  # one blob
    return labels, Blob((0, 0, 330, 60), (1,))


def test_a_long_chain_of_touching_digits_may_be_cut_at_every_neck():
    """Seven rings joined in a row by thin bridges: each bridge is a column of least ink, a cut
    to try, however many there are."""
    labels, blob = _ring_chain()
    bridges = [25 + 46 * k - 23 for k in range(1, 7)]

    def cut_at_every_bridge(config):
        cuts = _cut_columns(labels, blob, config)
        return all(min(abs(cut - bridge) for cut in cuts) <= 2 for bridge in bridges)
    assert cut_at_every_bridge(PipelineConfig())
    assert not cut_at_every_bridge(PipelineConfig(max_cuts=4))  # four minima and the even shares miss some


def test_runs_of_pieces_up_to_max_segment_aspect_heights_wide_may_be_one_digit():
    """A blob's runs of pieces between cuts are read as one digit up to max_segment_aspect of its heights
    wide, wider than max_digit_aspect: a digit that wide is penalised, not left unread."""
    labels, blob = _ring_chain()

    def widest(config):
        cuts = _cut_columns(labels, blob, config)
        return max(box[2] for _, _, box, _ in _segments(labels, blob, cuts, config))
    config = PipelineConfig()
    assert config.max_digit_aspect * 60 < widest(config) <= config.max_segment_aspect * 60
    assert widest(PipelineConfig(max_segment_aspect=config.max_digit_aspect)) <= config.max_digit_aspect * 60


@needs_model
def test_a_2_with_a_long_foot_touching_a_5_is_cut_from_it(classifier, mnist_path):
    """A tailed line (every 4, 7 and 9 with a long tail) where a 5 touches a 2 whose foot reaches 1.45 of
    its height: with runs of pieces only max_digit_aspect of the blob's height wide, the 2 could not be
    one, and "52" read whole as a "2"."""
    rng = np.random.default_rng(2)
    digits = DigitSource.find(str(mnist_path))
    line = [make_line(rng, digits, SceneConfig(descenders=1.0)) for _ in range(149)][148]
    assert line.texts == ["525752"]
    assert [n.text for n in read_frame(line.image, classifier)] == ["525752"]
    narrow = PipelineConfig(max_segment_aspect=PipelineConfig().max_digit_aspect)
    assert [n.text for n in read_frame(line.image, classifier, narrow)] == ["52572"]


@needs_model
def test_lines_of_touching_digits_read_better_cut_at_every_column_of_least_ink(classifier, mnist_path):
    lines = _touching_lines(mnist_path, 14)
    right = _read_exactly(classifier, lines)
    assert right >= 44  # the shipped model: 47
    assert right >= _read_exactly(classifier, lines, PipelineConfig(max_cuts=4)) + 3  # 41


def test_the_grouping_s_plain_python_medians_and_slopes_are_numpy_s_and_statistics_s():
    """_median_of_few and _fitted_slope stand in for statistics.median and np.polyfit, a few thousand calls
    a frame: the same medians, and slopes within rounding."""
    rng = np.random.default_rng(3)
    for size in range(1, 8):
        values = rng.uniform(-50, 500, size).tolist()
        assert _median_of_few(values) == statistics.median(values)
    for size in range(2, 14):
        x, y = rng.uniform(0, 640, size).tolist(), rng.uniform(0, 480, size).tolist()
        assert _fitted_slope(x, y) == pytest.approx(np.polyfit(x, y, 1)[0], rel=1e-9, abs=1e-12)
    assert _fitted_slope([0.0, 100.0, 200.0], [10.0, 15.0, 20.0]) == pytest.approx(0.05)


@needs_model
def test_runs_that_cannot_read_better_are_not_read_and_the_readings_are_as_if_all_were(classifier, mnist_path,
                                                                                       monkeypatch):
    """Lines of touching digits read the same, digit for digit, confidence for confidence, whether the runs
    of pieces that no path through could make read better are left unread or every run is read; far fewer
    crops are read."""
    lines = _touching_lines(mnist_path, 14, 30)
    counting = CountingClassifier(classifier)
    pruned = [read_frame(line.image, counting) for line in lines]
    fewer = counting.crops

    def every_run(index, box, count, runs, rows, probabilities, kind, config):
        return [k for k, (first, last, _, _) in enumerate(runs) if k not in rows and kind(first, last, count)]
    monkeypatch.setattr("edge_app.vision.segment._worth_reading", every_run)
    counting = CountingClassifier(classifier)
    assert [read_frame(line.image, counting) for line in lines] == pruned
    assert fewer < 0.8 * counting.crops  # the shipped model: 1,039 of 1,363 (never reading inner runs: 12
    # of the 30 lines read otherwise)


def test_worth_reading_leaves_the_runs_no_path_through_could_make_read_better():
    """Runs between cuts 0, 1, 2, 3 of a blob 75 px wide and 60 tall, each 25 px wide; a run scores its
    log-probability less split_margin (1.0). The whole blob (row 0) read at 0.5 scores -1.69: a cut path,
    two runs at least, scores under -2, so no run is read. Read at 0.1, -3.3: the end runs are worth
    reading; then the inner one only if a path of three runs through it may still read as well."""
    runs = [(first, last, (25 * first, 0, 25 * (last - first), 60), None)
            for first, last in [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3)]]
    ends, inner = RUN_KINDS

    def worth(rows, read, kind):
        probabilities = np.zeros((len(read), 10), np.float32)  # row 0 the whole blob, then the runs read
        probabilities[:, 0] = read
        return _worth_reading(0, (0, 0, 75, 60), 4, runs, rows, probabilities, kind, PipelineConfig())
    assert worth({}, [0.5], ends) == []
    assert worth({}, [0.1], ends) == [0, 1, 3, 4]
    # (0, 2) and (2, 3) read at 0.99, -2.02 together; (0, 1) and (1, 3) at 0.9: a path through the inner
    # run scores -3.1 at most
    assert worth({0: 1, 1: 2, 3: 3, 4: 4}, [0.1, 0.9, 0.99, 0.9, 0.99], inner) == []
    # ... (0, 2) and (1, 3) read at 0.3, -3.2 at best with the others; (0, 1) and (2, 3) read sure: a path
    # through the inner run may make -3.0
    assert worth({0: 1, 1: 2, 3: 3, 4: 4}, [0.1, 0.99, 0.3, 0.3, 0.99], inner) == [2]


def test_a_narrow_blob_is_cut_only_into_pieces_that_are_digits():
    frame = np.full((240, 320), 230, np.uint8)
    cv2.line(frame, (88, 60), (88, 172), 40, 6)  # the edge
    cv2.line(frame, (88, 150), (106, 150), 40, 2)  # the bridge
    cv2.circle(frame, (135, 140), 30, 40, 6)  # the 6's ring
    once = PipelineConfig(recheck=None)  # each crop read once: the stand-in answers by its call

    def read(edge_not_digit, config=once):
        return [n.text for n in read_frame(frame, EdgeBesideASix(edge_not_digit), config)]

    assert read(0.95) == ["6"]  # the edge's piece is "not one digit" at 90% or more: read whole
    assert read(0.95, dataclasses.replace(once, split_piece_not_digit=math.inf)) == ["16"]
    assert read(0.85) == ["16"]  # under 90%: the cut stands
