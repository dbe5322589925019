import gzip
import hashlib
import urllib.error

import numpy as np
import pytest

from edge_app import mnist as mnist_module
from edge_app.mnist import IDX_FILES, MnistError, load_mnist, load_mnist_test, read_idx


def write_idx(path, array, compress):
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    data = header + array.tobytes()
    if compress:
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(data, compresslevel=1))
    else:
        path.write_bytes(data)
    return path


def assert_same(loaded, arrays):
    (x_train, y_train), (x_test, y_test) = loaded
    for got, key in ((x_train, "x_train"), (y_train, "y_train"), (x_test, "x_test"), (y_test, "y_test")):
        np.testing.assert_array_equal(got, arrays[key])
        assert got.dtype == np.uint8


def test_loads_npz_from_argument(synthetic_npz, synthetic_arrays, monkeypatch):
    monkeypatch.delenv("MNIST_PATH", raising=False)
    assert_same(load_mnist(synthetic_npz), synthetic_arrays)


def test_loads_npz_from_environment(synthetic_npz, synthetic_arrays, monkeypatch):
    monkeypatch.setenv("MNIST_PATH", str(synthetic_npz))
    assert_same(load_mnist(), synthetic_arrays)


@pytest.mark.parametrize("compress", [True, False])
def test_loads_folder_of_idx_files(tmp_path, synthetic_arrays, compress):
    for key, name in IDX_FILES.items():
        write_idx(tmp_path / name, synthetic_arrays[key], compress)
    assert_same(load_mnist(tmp_path), synthetic_arrays)


def test_the_test_split_alone_is_read_from_an_npz_or_from_its_two_idx_files(tmp_path, synthetic_npz,
                                                                              synthetic_arrays):
    for key in ("x_test", "y_test"):
        write_idx(tmp_path / IDX_FILES[key], synthetic_arrays[key], compress=False)
    for x_test, y_test in (load_mnist_test(synthetic_npz), load_mnist_test(tmp_path)):
        np.testing.assert_array_equal(x_test, synthetic_arrays["x_test"])
        np.testing.assert_array_equal(y_test, synthetic_arrays["y_test"])
    with pytest.raises(MnistError, match="train-images"):  # the folder has no training files, ...
        load_mnist(tmp_path)  # ... which load_mnist needs


def test_the_test_split_alone_is_still_checked(tmp_path, synthetic_arrays):
    for key in ("x_test", "y_test"):
        write_idx(tmp_path / IDX_FILES[key], synthetic_arrays[key][:100], compress=False)
    with pytest.raises(MnistError, match="x_test has shape"):
        load_mnist_test(tmp_path)


def test_falls_back_to_keras_cache(tmp_path, synthetic_npz, synthetic_arrays, monkeypatch):
    monkeypatch.delenv("MNIST_PATH", raising=False)
    cache = tmp_path / "datasets" / "mnist.npz"
    cache.parent.mkdir()
    cache.write_bytes(synthetic_npz.read_bytes())
    monkeypatch.setattr(mnist_module, "KERAS_CACHE", cache)
    assert_same(load_mnist(), synthetic_arrays)


def test_offline_download_says_how_to_point_at_a_copy(tmp_path, monkeypatch):
    monkeypatch.delenv("MNIST_PATH", raising=False)
    monkeypatch.setattr(mnist_module, "KERAS_CACHE", tmp_path / "absent" / "mnist.npz")

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(mnist_module.urllib.request, "urlopen", offline)
    with pytest.raises(MnistError, match="MNIST_PATH"):
        load_mnist()
    assert not (tmp_path / "absent" / "mnist.npz").exists()


def test_missing_path_is_named(tmp_path):
    with pytest.raises(MnistError, match="not found"):
        load_mnist(tmp_path / "nope.npz")


def test_truncated_npz(tmp_path, synthetic_npz):
    bad = tmp_path / "cut.npz"
    bad.write_bytes(synthetic_npz.read_bytes()[:100_000])
    with pytest.raises(MnistError, match="truncated"):
        load_mnist(bad)


def test_not_an_npz(tmp_path):
    bad = tmp_path / "text.npz"
    bad.write_text("hello")
    with pytest.raises(MnistError):
        load_mnist(bad)


@pytest.mark.parametrize("key, bad, message", [
    ("x_train", np.zeros((60000, 28, 27), np.uint8), "shape"),
    ("y_test", np.zeros(9999, np.uint8), "shape"),
    ("x_test", np.zeros((10000, 28, 28), np.float32), "uint8"),
    ("y_train", np.full(60000, 10, np.uint8), "outside 0..9"),
])
def test_wrong_content_is_named(tmp_path, synthetic_arrays, key, bad, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **{**synthetic_arrays, key: bad})
    with pytest.raises(MnistError, match=message):
        load_mnist(path)


def test_npz_missing_an_array(tmp_path, synthetic_arrays):
    path = tmp_path / "partial.npz"
    np.savez(path, **{k: v for k, v in synthetic_arrays.items() if k != "y_test"})
    with pytest.raises(MnistError, match="missing y_test"):
        load_mnist(path)


def test_truncated_idx(tmp_path):
    path = write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.arange(10, dtype=np.uint8), compress=False)
    path.write_bytes(path.read_bytes()[:-3])
    with pytest.raises(MnistError, match="truncated"):
        read_idx(path)


def test_real_mnist_matches_published_checksums(mnist):
    # sha256 of the raw arrays, from ../shared/data/README.md
    (x_train, y_train), (x_test, y_test) = mnist
    assert hashlib.sha256(x_train.tobytes()).hexdigest().startswith("741c988805d008ac")
    assert hashlib.sha256(y_test.tobytes()).hexdigest().startswith("ddeff807876a9661")
    assert list(y_train[:5]) == [5, 0, 4, 1, 9]
