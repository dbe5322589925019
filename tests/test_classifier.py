"""The device-side classifier, on models converted here and on models that are not digit classifiers."""

import numpy as np
import pytest

from edge_app.classifier import Classifier, ModelError, TensorInfo, pixel_shift_is_exact

tf = pytest.importorskip("tensorflow")


def tflite_bytes(model) -> bytes:
    from convert.variants import float32
    return float32(model)


def test_refuses_missing_and_garbage_files(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        Classifier(tmp_path / "absent.tflite")
    garbage = tmp_path / "garbage.tflite"
    garbage.write_bytes(b"this is not a flatbuffer" * 10)
    with pytest.raises(ModelError, match="not a loadable"):
        Classifier(garbage)


def test_refuses_a_model_that_is_not_a_digit_classifier():
    import keras
    inputs = keras.Input((32, 32, 3))
    outputs = keras.layers.Dense(10)(keras.layers.Flatten()(inputs))
    with pytest.raises(ModelError, match="not a digit classifier"):
        Classifier(tflite_bytes(keras.Model(inputs, outputs)))
    for classes in (5, 12):
        inputs = keras.Input((28, 28, 1))
        outputs = keras.layers.Dense(classes)(keras.layers.Flatten()(inputs))
        with pytest.raises(ModelError, match="not a digit classifier"):
            Classifier(tflite_bytes(keras.Model(inputs, outputs)))


@pytest.mark.parametrize("classes, rejects", [(10, False), (11, True)])
def test_ten_digits_or_ten_and_not_one_digit(classes, rejects):
    import keras
    inputs = keras.Input((28, 28, 1))
    outputs = keras.layers.Dense(classes)(keras.layers.Flatten()(inputs))
    classifier = Classifier(tflite_bytes(keras.Model(inputs, outputs)))
    assert classifier.classes == classes and classifier.rejects is rejects
    assert classifier.predict(np.zeros((3, 28, 28), np.uint8)).shape == (3, classes)
    assert classifier.predict(np.zeros((0, 28, 28), np.uint8)).shape == (0, classes)


def test_batches_of_any_size_match_one_by_one():
    import keras
    keras.utils.set_random_seed(0)
    inputs = keras.Input((28, 28, 1))
    outputs = keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(inputs))
    model = keras.Model(inputs, outputs)
    classifier = Classifier(tflite_bytes(model))
    digits = np.random.default_rng(0).integers(0, 256, (7, 28, 28), dtype=np.uint8)
    batch = classifier.predict(digits)
    singles = np.concatenate([classifier.predict(d) for d in digits])
    np.testing.assert_allclose(batch, singles, rtol=1e-5, atol=1e-6)
    expected = model.predict(digits[..., None].astype(np.float32) / 255.0, verbose=0)
    np.testing.assert_allclose(batch, expected, rtol=1e-4, atol=1e-5)
    assert classifier.predict(np.zeros((0, 28, 28), np.uint8)).shape == (0, 10)


@pytest.mark.parametrize("scale, exact", [(1 / 255, True), (0.003921003546565771, True), (1 / 256, False),
                                          (2 / 255, False)])
def test_pixel_shift_is_exact_only_near_one_over_255(scale, exact):
    assert pixel_shift_is_exact(TensorInfo("int8", (-1, 28, 28, 1), scale, -128)) is exact


def test_manifest_entry_is_read_and_a_mismatch_refused(tmp_path):
    import json

    import keras
    keras.utils.set_random_seed(0)
    inputs = keras.Input((28, 28, 1))
    model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(inputs)))
    path = tmp_path / "digits_float32.tflite"
    path.write_bytes(tflite_bytes(model))
    entry = {"variant": "float32", "file": path.name, "mnist_accuracy": 0.5, "sha256": "0" * 64,
             "input": Classifier(path).input.as_dict(), "output": Classifier(path).output.as_dict()}
    (tmp_path / "manifest.json").write_text(json.dumps({"models": [entry]}))
    classifier = Classifier(path)
    assert classifier.manifest_entry["variant"] == "float32"
    assert "50.00% on MNIST" in classifier.describe()
    assert classifier.warnings and "sha256" in classifier.warnings[0]
    entry["input"] = {**entry["input"], "dtype": "int8"}
    (tmp_path / "manifest.json").write_text(json.dumps({"models": [entry]}))
    with pytest.raises(ModelError, match="differs from the manifest"):
        Classifier(path)
