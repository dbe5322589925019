"""The models in models/ against their manifest: device side only, no TensorFlow."""

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from edge_app.classifier import Classifier

MODELS = Path(__file__).resolve().parent.parent / "models"


def shipped_manifest():
    path = MODELS / "manifest.json"
    if not path.is_file():
        pytest.skip("no shipped models yet: run `make models`")
    return json.loads(path.read_text())


def test_shipped_models_match_their_manifest():
    manifest = shipped_manifest()
    keras_file = MODELS / manifest["keras"]["file"]
    assert hashlib.sha256(keras_file.read_bytes()).hexdigest() == manifest["keras"]["sha256"]
    assert {entry["variant"] for entry in manifest["models"]} == {"float32", "float16", "dynamic", "int8"}
    for entry in manifest["models"]:
        data = (MODELS / entry["file"]).read_bytes()
        assert len(data) == entry["size_bytes"]
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert entry["mnist_images"] == 10000


def test_shipped_models_reach_their_recorded_accuracy(mnist):
    manifest = shipped_manifest()
    (_, _), (x_test, y_test) = mnist
    for entry in manifest["models"]:
        classifier = Classifier(MODELS / entry["file"])
        probabilities = np.concatenate([classifier.predict(x_test[i:i + 1000]) for i in range(0, len(x_test), 1000)])
        # Accuracy over the ten digits: every MNIST image is one; "not one digit" answers are counted apart.
        digits = probabilities[:, :10].argmax(axis=1)
        assert (digits == y_test).mean() == pytest.approx(entry["mnist_accuracy"], abs=1e-4), entry["file"]
        if classifier.rejects:
            assert (probabilities.argmax(axis=1) == 10).sum() == entry["mnist_not_digit"], entry["file"]
