"""MNIST loading with numpy alone, so the device-side benchmark needs no TensorFlow.

Where the data comes from, first found wins:
  1. a path given by the caller (a `--mnist` flag) or the MNIST_PATH environment
     variable: Keras's `mnist.npz`, or a folder with the four original IDX files
     (`train-images-idx3-ubyte[.gz]`, ...);
  2. Keras's cache, ~/.keras/datasets/mnist.npz;
  3. a download of Keras's `mnist.npz` into that cache.

    from edge_app.mnist import load_mnist, load_mnist_test
    (x_train, y_train), (x_test, y_test) = load_mnist()
    x_test, y_test = load_mnist_test()  # the test split alone: 8 MB instead of 55 in memory
"""

import gzip
import hashlib
import os
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import numpy as np

from edge_app.fileio import atomic_write_bytes

ENV_VAR = "MNIST_PATH"
KERAS_CACHE = Path("~/.keras/datasets/mnist.npz")
DOWNLOAD_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
DOWNLOAD_TIMEOUT = 30  # seconds
IMAGE_SHAPE = (28, 28)
SPLIT_SIZES = {"train": 60000, "test": 10000}
IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
_IDX_UBYTE = 0x08  # IDX type code for unsigned bytes


class MnistError(Exception):
    """The MNIST data could not be found, read or trusted; the message says why."""


Split = tuple[np.ndarray, np.ndarray]


def load_mnist(path: str | os.PathLike | None = None, *, download: bool = True) -> tuple[Split, Split]:
    """((x_train, y_train), (x_test, y_test)) as uint8, images (N, 28, 28), labels 0..9."""
    arrays = _load(path, download, ("train", "test"))
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def load_mnist_test(path: str | os.PathLike | None = None, *, download: bool = True) -> Split:
    """(x_test, y_test) alone, found as load_mnist finds MNIST: the device side draws and scores with
    the test digits, and the training split would take 47 MB of memory more."""
    arrays = _load(path, download, ("test",))
    return arrays["x_test"], arrays["y_test"]


def _load(path, download: bool, splits: tuple[str, ...]) -> dict[str, np.ndarray]:
    source = find_mnist(path, download=download)
    keys = [key for key in IDX_FILES if key.split("_")[1] in splits]
    arrays = _read_idx_folder(source, keys) if source.is_dir() else _read_npz(source, keys)
    _validate(arrays, source, splits)
    return arrays


def find_mnist(path: str | os.PathLike | None = None, *, download: bool = True) -> Path:
    """The file or folder `load_mnist` would read, downloading into Keras's cache if needed."""
    given = path if path is not None else os.environ.get(ENV_VAR) or None
    if given is not None:
        given = Path(given).expanduser()
        if not given.exists():
            origin = "--mnist" if path is not None else ENV_VAR
            raise MnistError(f"MNIST not found at {given} (from {origin})")
        return given
    cache = KERAS_CACHE.expanduser()
    if cache.is_file():
        return cache
    if not download:
        raise MnistError(_not_found_message())
    _download(cache)
    return cache


def checksum(x_train: np.ndarray, y_train: np.ndarray) -> str:
    """sha256 of the training arrays' raw bytes: names the data a model was trained on."""
    digest = hashlib.sha256()
    for array in (x_train, y_train):
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def _not_found_message() -> str:
    return (f"no local MNIST copy: set {ENV_VAR} (or pass --mnist) to Keras's mnist.npz or a folder "
            f"of the four IDX files, or put mnist.npz at {KERAS_CACHE}")


def _download(target: Path) -> None:
    try:
        with urllib.request.urlopen(DOWNLOAD_URL, timeout=DOWNLOAD_TIMEOUT) as response:
            data = response.read()
    except (urllib.error.URLError, OSError) as error:
        raise MnistError(f"download of {DOWNLOAD_URL} failed ({error}); {_not_found_message()}") from None
    atomic_write_bytes(target, data)


def _read_npz(path: Path, keys: list[str]) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:  # each array is read only when asked for
            missing = [key for key in IDX_FILES if key not in data.files]
            if missing:
                raise MnistError(f"{path}: not an MNIST npz, missing {', '.join(missing)}")
            return {key: data[key] for key in keys}
    except MnistError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise MnistError(f"{path}: unreadable or truncated MNIST npz ({error})") from None


def _read_idx_folder(folder: Path, keys: list[str]) -> dict[str, np.ndarray]:
    arrays = {}
    for key in keys:
        stem = IDX_FILES[key]
        # Both the official names and the dotted ones (train-images.idx3-ubyte) are common.
        candidates = [folder / name for base in (stem, stem.replace("-idx", ".idx"))
                      for name in (base, base + ".gz")]
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            raise MnistError(f"{folder}: no {stem} or {stem}.gz (need all four IDX files)")
        arrays[key] = read_idx(found)
    return arrays


def read_idx(path: Path) -> np.ndarray:
    """One IDX file (optionally gzipped) of unsigned bytes -> numpy array."""
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as stream:
            raw = stream.read()
    except (OSError, EOFError) as error:
        raise MnistError(f"{path}: unreadable ({error})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != _IDX_UBYTE:
        raise MnistError(f"{path}: not an IDX file of unsigned bytes")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise MnistError(f"{path}: truncated IDX header")
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    expected = int(np.prod(shape))
    if len(raw) - header != expected:
        raise MnistError(f"{path}: truncated or padded, {len(raw) - header} data bytes for shape {shape}")
    return np.frombuffer(raw, np.uint8, offset=header).reshape(shape)


def _validate(arrays: dict[str, np.ndarray], source: Path, splits: tuple[str, ...]) -> None:
    for split in splits:
        size = SPLIT_SIZES[split]
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.dtype != np.uint8 or y.dtype != np.uint8:
            raise MnistError(f"{source}: {split} arrays must be uint8, got {x.dtype} and {y.dtype}")
        if x.shape != (size, *IMAGE_SHAPE):
            raise MnistError(f"{source}: x_{split} has shape {x.shape}, expected {(size, *IMAGE_SHAPE)}")
        if y.shape != (size,):
            raise MnistError(f"{source}: y_{split} has shape {y.shape}, expected ({size},)")
        if y.max() > 9:
            raise MnistError(f"{source}: y_{split} has label {int(y.max())}, outside 0..9")
