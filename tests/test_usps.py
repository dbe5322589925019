import gzip
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import INT8, ROOT, needs_model

from edge_app.targets import crop_to_ink, measure, usps_sets
from edge_app.usps import UspsError, load_usps

REAL_USPS = os.environ.get("USPS_PATH")


def fields(count: int, seed: int = 0) -> np.ndarray:
    """16x16 fields, ink bright on black, each with its own pattern and one bright pixel at row 2, column 5."""
    rng = np.random.default_rng(seed)
    images = np.zeros((count, 16, 16), np.uint8)
    images[:, 4:12, 4:12] = rng.integers(0, 256, (count, 8, 8))
    images[:, 2, 5] = 255
    return images


def write_text(path: Path, images: np.ndarray, labels: np.ndarray, ink: float = 1.0) -> None:
    """The Elements of Statistical Learning's layout: label, then 256 values in -1..1 row by row; ink at `ink`."""
    values = ink * (images.reshape(len(images), -1) / 127.5 - 1.0)
    text = "".join(f"{label} " + " ".join(f"{v:.4f}" for v in row) + "\n" for label, row
                   in zip(labels, values, strict=True))
    path.write_bytes(gzip.compress(text.encode()) if path.suffix == ".gz" else text.encode())


def element(kind: int, data: bytes, padded: bool = True) -> bytes:
    if len(data) <= 4 and padded:  # MATLAB's small element: the count in the tag's top half
        return struct.pack("<HH", kind, len(data)) + data.ljust(4, b"\0")
    return struct.pack("<II", kind, len(data)) + (data.ljust((len(data) + 7) // 8 * 8, b"\0") if padded else data)


def matrix(name: str, array: np.ndarray, mx_class: int, mi_type: int) -> bytes:
    return element(14, element(6, struct.pack("<II", mx_class, 0)) + element(5, np.array(array.shape, "<i4").tobytes())
                   + element(1, name.encode()) + element(mi_type, array.tobytes(order="F")))


def write_mat(path: Path, images: np.ndarray, compressed: bool) -> None:
    """Roweis's usps_all.mat: `data`, 256 x per class x 10, uint8, each digit column by column, 1s first, 0s last;
    here after a double named `version`, as a file may hold other arrays."""
    per_class = len(images) // 10
    data = images.reshape(10, per_class, 256 // 16, 16).transpose(0, 1, 3, 2).reshape(10, per_class, 256)
    data = np.ascontiguousarray(data.transpose(2, 1, 0))
    arrays = [matrix("version", np.array([[2.0]]), 6, 9), matrix("data", data, 9, 2)]
    if compressed:
        arrays = [element(15, zlib.compress(array), padded=False) for array in arrays]
    header = b"MATLAB 5.0 MAT-file, written by the tests".ljust(116) + b"\0" * 8 + struct.pack("<H", 0x0100) + b"IM"
    path.write_bytes(header + b"".join(arrays))


@pytest.mark.parametrize("name, ink", [("zip.test", 1.0), ("zip.test.gz", 1.0), ("dark.txt", -1.0)])
def test_the_text_layout_gives_back_its_fields_with_bright_ink(tmp_path, name, ink):
    images, labels = fields(6), np.array([3, 1, 4, 1, 5, 9])
    write_text(tmp_path / name, images, labels, ink)
    read, read_labels = load_usps(tmp_path / name)
    assert read.dtype == np.uint8 and read.shape == (6, 16, 16)
    assert np.abs(read.astype(int) - images).max() <= 1  # the text rounds to 4 places
    np.testing.assert_array_equal(read_labels, labels)


@pytest.mark.parametrize("compressed", [False, True])
def test_roweis_mat_file_gives_its_fields_upright_and_labelled_1_to_9_then_0(tmp_path, compressed):
    images = fields(20)
    write_mat(tmp_path / "usps_all.mat", images, compressed)
    read, labels = load_usps(tmp_path / "usps_all.mat")
    np.testing.assert_array_equal(read, images)
    assert read[0, 2, 5] == 255 and read[0, 5, 2] == 0  # rows stay rows
    np.testing.assert_array_equal(labels, np.repeat([1, 2, 3, 4, 5, 6, 7, 8, 9, 0], 2))


def test_files_that_are_not_usps_are_refused_with_the_reason(tmp_path):
    header = b"MATLAB 5.0".ljust(126) + b"IM"
    cases = {"words.txt": b"not numbers at all\n", "short.txt": b"1 0.5 0.5\n2 0.1 0.1\n",
             "label.txt": ("12 " + " -1" * 256 + "\n").encode(),
             "cut.mat": header + struct.pack("<II", 14, 1000) + bytes(16),  # runs past the end
             "squeezed.mat": header + struct.pack("<II", 15, 8) + b"not zlib"}
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(UspsError, match=name):
            load_usps(tmp_path / name)
    write_mat(tmp_path / "empty.mat", np.zeros((0, 16, 16), np.uint8), compressed=True)
    with pytest.raises(UspsError, match="no array 'data'"):
        load_usps(tmp_path / "empty.mat")  # 256 x 0 x 10: no digits
    with pytest.raises(UspsError, match="cannot read"):
        load_usps(tmp_path / "absent.mat")


def stretched(digits: np.ndarray) -> np.ndarray:
    """MNIST digits as USPS holds its own: the ink's box stretched to fill 16x16 both ways."""
    return np.stack([cv2.resize(crop_to_ink(digit), (16, 16), interpolation=cv2.INTER_AREA) for digit in digits])


@needs_model
def test_usps_sets_spread_over_a_file_sorted_by_class_and_read_stretched_digits(mnist):
    from edge_app.classifier import Classifier
    _, (x_test, y_test) = mnist
    order = np.argsort(y_test[:400], kind="stable")  # sorted by class, as Roweis's file is
    images, labels = stretched(x_test[:400][order]), y_test[:400][order]
    as_is, enlarged = usps_sets(images, labels, 60)
    assert as_is[2] == enlarged[2] == 60
    read = [(image.shape, expected[0]) for image, expected, _ in as_is[3]()]
    assert {label for _, label in read} == {str(d) for d in range(10)}  # spread, not the first 60 (all 0s)
    assert {shape for shape, _ in read} == {(16, 16)}
    assert {image.shape for image, _, _ in enlarged[3]()} == {(64, 64)}
    outcomes = measure(Classifier(INT8, num_threads=1), [as_is, enlarged])
    assert all(outcome.right >= 54 for outcome in outcomes), outcomes  # 90%: stretched digits are still read


@needs_model
def test_the_command_refuses_a_file_that_is_not_usps_in_one_line(tmp_path):
    (tmp_path / "zip.test").write_text("hello\n")
    command = [sys.executable, "-m", "edge_app", "targets", "--quick", "--usps", str(tmp_path / "zip.test")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 2 and "not USPS" in result.stderr and "Traceback" not in result.stderr
    ours = [line for line in result.stderr.splitlines() if not line.startswith("INFO: ")]  # not the runtime's
    assert len(ours) == 1


@needs_model
@pytest.mark.skipif(not REAL_USPS, reason="no real USPS file: set USPS_PATH to zip.test(.gz) or usps_all.mat")
def test_real_usps_scans_read_at_least_98_percent():
    from edge_app.classifier import Classifier
    sets = usps_sets(*load_usps(REAL_USPS), 200)
    outcomes = measure(Classifier(INT8, num_threads=1), sets)
    assert all(outcome.right >= 196 for outcome in outcomes), outcomes
