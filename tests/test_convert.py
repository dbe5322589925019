"""Conversion of a tiny, quickly trained model, and the shipped models against their manifest."""

import hashlib
import json
import subprocess
import sys

import pytest

tf = pytest.importorskip("tensorflow")

from convert.conversion import ConvertConfig, ConvertError, convert  # noqa: E402
from edge_app.classifier import Classifier  # noqa: E402

EVAL_LIMIT = 1000
TINY_MIN_AGREEMENT = 0.95  # a 12-second model has many near-ties; the shipped one must reach 99.8%


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory, mnist_path):
    from train.training import TrainConfig, train
    out = tmp_path_factory.mktemp("tiny")
    train(TrainConfig(out=str(out), architecture="cnn3", epochs=2, limit=2000, eval_limit=EVAL_LIMIT,
                      mnist=str(mnist_path), verbose=0))
    return out / "model.keras"


@pytest.fixture(scope="module", params=["tf", "litert"])
def converted(request, tiny_model, tmp_path_factory, mnist_path):
    pytest.importorskip("litert_quantizer") if request.param == "litert" else None
    out = tmp_path_factory.mktemp(f"models_{request.param}")
    config = ConvertConfig(model=str(tiny_model), out=str(out), calibration=100, quantizer=request.param,
                           mnist=str(mnist_path), eval_limit=EVAL_LIMIT, min_quantized_agreement=TINY_MIN_AGREEMENT)
    manifest = convert(config, log=lambda message: None)
    return out, manifest


def test_every_variant_is_written_and_described(converted):
    out, manifest = converted
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["digits.keras", "digits_float32.tflite", "digits_float16.tflite", "digits_dynamic.tflite",
         "digits_int8.tflite", "manifest.json"])
    assert json.loads((out / "manifest.json").read_text()) == json.loads(json.dumps(manifest))
    assert manifest["default_model"] == "digits_int8.tflite"
    assert manifest["training"]["config"]["architecture"] == "cnn3"
    assert len(manifest["data_checksum"]) == 64
    for entry in manifest["models"]:
        data = (out / entry["file"]).read_bytes()
        assert entry["size_bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()


def test_variants_load_with_the_expected_types_and_quantization(converted):
    out, manifest = converted
    entries = {entry["variant"]: entry for entry in manifest["models"]}
    for variant in ("float32", "float16", "dynamic"):
        classifier = Classifier(out / entries[variant]["file"])
        assert classifier.input.dtype == "float32" and not classifier.input.quantized
        assert classifier.output.dtype == "float32"
        assert classifier.input.shape == (-1, 28, 28, 1)  # resizable batch
    int8 = Classifier(out / "digits_int8.tflite")
    assert int8.input.dtype == "int8" and int8.output.dtype == "int8"
    assert int8.input.zero_point == -128 and abs(int8.input.scale * 255 - 1) < 1e-3
    assert int8.input_is_pixel_shift
    assert entries["int8"]["input"]["quantization"]["zero_point"] == -128
    sizes = {v: entries[v]["size_bytes"] for v in entries}
    assert sizes["int8"] < sizes["float16"] < sizes["float32"]
    assert sizes["dynamic"] < sizes["float16"]


def test_tensor_names_are_stripped(converted):
    out, _ = converted
    from ai_edge_litert.interpreter import Interpreter
    interpreter = Interpreter(model_path=str(out / "digits_int8.tflite"))
    assert all(not detail["name"] for detail in interpreter.get_tensor_details())
    assert interpreter.get_signature_list() == {}


def test_per_tensor_int8_is_smaller(tiny_model, tmp_path, mnist_path):
    sizes = {}
    for per_channel in (True, False):
        config = ConvertConfig(model=str(tiny_model), out=str(tmp_path / str(per_channel)), variants=("int8",),
                               calibration=100, per_channel=per_channel, mnist=str(mnist_path),
                               eval_limit=EVAL_LIMIT, min_quantized_agreement=TINY_MIN_AGREEMENT)
        entry = convert(config, log=lambda message: None)["models"][0]
        assert entry["per_channel"] is per_channel
        sizes[per_channel] = entry["size_bytes"]
    # 12 bytes of scale and zero point per output channel of weights and biases go
    assert sizes[False] < sizes[True] - 1000


def test_variants_agree_with_keras(converted, tiny_model, mnist):
    import keras
    out, manifest = converted
    (_, _), (x_test, y_test) = mnist
    x, y = x_test[:EVAL_LIMIT], y_test[:EVAL_LIMIT]
    reference = keras.models.load_model(tiny_model).predict(x[..., None] / 255.0, verbose=0).argmax(axis=1)
    for entry in manifest["models"]:
        predictions = Classifier(out / entry["file"]).predict(x).argmax(axis=1)
        agreement = (predictions == reference).mean()
        assert agreement == pytest.approx(entry["agreement_with_keras"])
        assert (predictions == y).mean() == pytest.approx(entry["mnist_accuracy"])
        if entry["variant"] == "float32":
            assert agreement == 1.0
        elif entry["variant"] == "float16":
            assert agreement >= 0.9995
        else:
            assert agreement >= TINY_MIN_AGREEMENT


def test_a_failed_check_writes_nothing(tiny_model, tmp_path, mnist_path):
    config = ConvertConfig(model=str(tiny_model), out=str(tmp_path / "out"), variants=("float32", "int8"),
                           calibration=100, mnist=str(mnist_path), eval_limit=EVAL_LIMIT,
                           min_quantized_agreement=1.0)
    with pytest.raises(ConvertError, match="int8: check 'agrees with Keras"):
        convert(config, log=lambda message: None)
    assert not any((tmp_path / "out").iterdir())


def run_cli(*args, mnist=None):
    import os
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    if mnist:
        env["MNIST_PATH"] = str(mnist)
    return subprocess.run([sys.executable, "-m", "convert", *args], capture_output=True, text=True, env=env,
                          timeout=300)


def error_lines(result):
    return [line for line in result.stderr.splitlines() if line.startswith("digits-convert:")]


def test_cli_bad_inputs_give_one_line_and_write_nothing(tmp_path, tiny_model, mnist_path):
    import keras
    not_a_model = tmp_path / "notes.keras"
    not_a_model.write_text("hello")
    wrong_shape = tmp_path / "wide.keras"
    inputs = keras.Input((32, 32, 1))
    keras.Model(inputs, keras.layers.Dense(10)(keras.layers.Flatten()(inputs))).save(wrong_shape)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    cases = [
        ([str(not_a_model)], mnist_path, "is not a Keras model"),
        ([str(wrong_shape)], mnist_path, "is not (None, 28, 28, 1)"),
        ([str(tiny_model), "--mnist", str(tmp_path / "absent.npz")], None, "MNIST not found"),
        ([str(tiny_model), "--out", str(blocker / "models")], mnist_path, "cannot write to output folder"),
        ([str(tiny_model), "--variants", "int4"], mnist_path, "invalid choice"),
    ]
    for args, mnist, fragment in cases:
        out = tmp_path / "out"
        result = run_cli(*args, *([] if "--out" in args else ["--out", str(out)]), mnist=mnist)
        assert result.returncode != 0
        assert "Traceback" not in result.stderr
        lines = error_lines(result)
        assert len(lines) == 1 and fragment in lines[0], result.stderr
        assert not out.exists() or not any(out.iterdir())
