"""The interim demo and the device CLI: device side only, with the shipped model."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from edge_app import mnist as mnist_module
from edge_app.demo import demo_digits, run_demo
from edge_app.mnist import MnistError

ROOT = Path(__file__).resolve().parent.parent
INT8 = ROOT / "models" / "digits_int8.tflite"
needs_model = pytest.mark.skipif(not INT8.is_file(), reason="no shipped model yet: run `make models`")


@pytest.fixture
def no_local_mnist(tmp_path, monkeypatch):
    monkeypatch.delenv("MNIST_PATH", raising=False)
    monkeypatch.setattr(mnist_module, "KERAS_CACHE", tmp_path / "absent.npz")


def test_stroke_font_when_no_mnist_anywhere(no_local_mnist):
    digits, labels, source = demo_digits(12, np.random.default_rng(0))
    assert source.startswith("stroke font")
    assert digits.shape == (12, 28, 28) and digits.dtype == np.uint8
    assert set(labels) <= set(range(10))
    assert (digits.reshape(12, -1).max(axis=1) > 200).all()


def test_a_given_mnist_path_must_load(no_local_mnist, tmp_path):
    with pytest.raises(MnistError, match="not found"):
        demo_digits(5, np.random.default_rng(0), mnist=str(tmp_path / "nope.npz"))


@needs_model
def test_demo_reads_photographed_mnist_digits(mnist_path, tmp_path):
    result = run_demo(str(INT8), count=100, seed=1, sheet=str(tmp_path / "sheet.png"), mnist=str(mnist_path),
                      log=lambda line: None)
    assert result.source == "MNIST test set"
    assert len(result.truth) >= 95  # a render whose own threshold fails is dropped, rarely
    assert result.accuracy >= 0.9
    assert (tmp_path / "sheet.png").read_bytes()[:4] == b"\x89PNG"


@needs_model
def test_demo_reads_the_stroke_font_offline(no_local_mnist):
    result = run_demo(str(INT8), count=100, seed=2, sheet=None, log=lambda line: None)
    assert result.source.startswith("stroke font")
    assert result.accuracy >= 0.8


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "edge_app", *args], capture_output=True, text=True, timeout=120)


def test_cli_never_imports_tensorflow():
    code = ("import sys, edge_app.cli, edge_app.demo, edge_app.classifier, edge_app.render; "
            "sys.exit('tensorflow' in sys.modules or 'keras' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


@pytest.mark.parametrize("args, fragment", [
    (["demo", "--model", "setup.cfg"], "not a loadable .tflite model"),
    (["demo", "--model", "absent.tflite"], "model not found"),
    (["demo", "--count", "0"], "--count must be at least 1"),
    (["demo", "--count", "many"], "invalid int value"),
    ([], "required: COMMAND"),
])
def test_cli_bad_input_one_line(args, fragment):
    result = subprocess.run([sys.executable, "-m", "edge_app", *args], capture_output=True, text=True,
                            timeout=120, cwd=ROOT)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("digits-edge")]
    assert len(errors) == 1 and fragment in errors[0], result.stderr
    assert "Traceback" not in result.stderr


@needs_model
def test_cli_demo_prints_summary(tmp_path):
    result = run_cli("demo", "--count", "30", "--sheet", str(tmp_path / "s.png"))
    assert result.returncode == 0, result.stderr
    assert "photographed digits correctly" in result.stdout.splitlines()[-1]
    assert (tmp_path / "s.png").is_file()
