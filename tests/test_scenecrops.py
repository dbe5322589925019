"""Crops the pipeline cuts from generated scenes, labelled from the scenes' truth (train.scenecrops)."""

import subprocess
import sys

import numpy as np
import pytest
from conftest import INT8, needs_model

from edge_app.classifier import Classifier
from edge_app.pipeline import PipelineConfig
from edge_app.scenes import DigitSource, make_single_digit
from train.negatives import NOT_DIGIT
from train.scenecrops import label_blob, load_crops, mine_crops, save_crops, scene_crops, straight_stroke

TRUTH = [(4, (100, 100, 40, 60)), (7, (142, 100, 40, 60))]  # two neighbouring digits, 40x60


@pytest.mark.parametrize("box, label", [
    ((104, 102, 34, 56), 4),  # on the 4, covering most of it
    ((146, 98, 34, 64), 7),  # on the 7, a little taller than its box
    ((300, 100, 30, 50), NOT_DIGIT),  # on no digit: a shadow's tip, the sheet's edge
    ((138, 100, 6, 60), None),  # between the two: a stroke of one of them, not clearly either
    ((104, 102, 76, 56), None),  # both digits as one blob
    ((104, 102, 16, 20), None),  # a piece of the 4
])
def test_a_blob_is_labelled_from_the_digit_boxes_it_lies_on(box, label):
    assert label_blob(box, TRUTH) == label


def test_two_touching_digits_are_no_one_digit_even_mostly_inside_one_box():
    touching = [(4, (100, 100, 40, 60)), (7, (125, 100, 40, 60))]  # written overlapping
    assert label_blob((100, 102, 55, 56), touching) is None
    assert label_blob((102, 102, 26, 56), touching) == 4


def test_a_straight_stroke_is_never_taught_as_not_a_digit_for_a_crop_alone_cannot_tell_it_from_a_one(mnist):
    import cv2
    bar, slanted, box = (np.zeros((28, 28), np.uint8) for _ in range(3))
    cv2.line(bar, (14, 4), (14, 23), 255, 3)
    cv2.line(slanted, (8, 4), (20, 23), 255, 2)
    cv2.rectangle(box, (4, 8), (23, 19), 255, 2)  # a square of squared paper
    assert straight_stroke(bar) and straight_stroke(slanted) and not straight_stroke(box)
    (x_train, y_train), _ = mnist
    assert np.mean([straight_stroke(image) for image in x_train[y_train == 1][:300]]) > 0.9
    assert np.mean([straight_stroke(image) for image in x_train[y_train == 7][:300]]) < 0.1


def test_the_tips_of_shadows_the_app_drops_are_still_mined_as_not_digits(mnist_path):
    rng = np.random.default_rng(200)
    scene = [make_single_digit(rng, DigitSource.find(str(mnist_path))) for _ in range(25)][-1]  # a 4, a shadow
    assert [label for _, label in scene_crops(scene)] == [4, NOT_DIGIT]
    assert [label for _, label in scene_crops(scene, PipelineConfig())] == [4]  # the app drops the shadow's tip


@pytest.fixture(scope="module")
def mined(mnist):
    (x_train, y_train), _ = mnist
    return mine_crops(40, seed=3, pool=(x_train[:2000], y_train[:2000]))


def test_mined_crops_are_contract_images_and_reproducible(mined, mnist):
    images, labels = mined
    assert images.dtype == np.uint8 and images.shape[1:] == (28, 28) and len(images) == len(labels) >= 40
    assert set(np.unique(labels)) <= set(range(NOT_DIGIT + 1))
    assert (labels == NOT_DIGIT).any() and (labels < NOT_DIGIT).sum() >= 30
    assert (images.reshape(len(images), -1).max(axis=1) == 255).all()  # normalised, as every crop is
    assert not any(straight_stroke(image) for image in images[labels == NOT_DIGIT])
    (x_train, y_train), _ = mnist
    again = mine_crops(40, seed=3, pool=(x_train[:2000], y_train[:2000]))
    np.testing.assert_array_equal(again[0], images)
    np.testing.assert_array_equal(again[1], labels)


@needs_model
def test_the_shipped_model_reads_the_mined_digits_as_labelled(mined):
    images, labels = mined
    digits = labels < NOT_DIGIT
    read = Classifier(str(INT8)).predict(images[digits])[:, :NOT_DIGIT].argmax(axis=1)
    assert (read == labels[digits]).mean() >= 0.9  # a wrong label (a neighbour's digit) would read as another


def test_crops_file_round_trip_and_refusals(tmp_path, mined):
    images, labels = mined
    path = tmp_path / "crops.npz"
    save_crops(path, images, labels, seed=3, scenes=40)
    loaded = load_crops(path)
    np.testing.assert_array_equal(loaded[0], images)
    np.testing.assert_array_equal(loaded[1], labels)
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not an npz")
    with pytest.raises(ValueError, match="not a file of scene crops"):
        load_crops(junk)
    np.savez(tmp_path / "wrong.npz", images=np.zeros((3, 32, 32), np.uint8), labels=np.zeros(3, np.int64))
    with pytest.raises(ValueError, match="not a file of scene crops"):
        load_crops(tmp_path / "wrong.npz")
    np.savez(tmp_path / "labels.npz", images=images[:2], labels=np.array([3, 11]))
    with pytest.raises(ValueError, match="labels outside"):
        load_crops(tmp_path / "labels.npz")


def test_cli_writes_the_file_and_reports(tmp_path, mnist_path):
    out = tmp_path / "crops.npz"
    result = subprocess.run([sys.executable, "-m", "train.scenecrops", "--scenes", "6", "--seed", "1",
                             "--out", str(out), "--mnist", str(mnist_path)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "crops from 6 scenes" in result.stdout
    images, labels = load_crops(out)
    assert len(labels) == int(result.stdout.split()[0])
    bad = subprocess.run([sys.executable, "-m", "train.scenecrops", "--scenes", "0", "--out", str(out)],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "--scenes must be at least 1" in bad.stderr
    empty = tmp_path / "empty.npz"  # seed 2's one scene is a blank sheet in which nothing is found
    bad = subprocess.run([sys.executable, "-m", "train.scenecrops", "--scenes", "1", "--seed", "2",
                          "--out", str(empty), "--mnist", str(mnist_path)], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "could be labelled" in bad.stderr and not empty.exists()
