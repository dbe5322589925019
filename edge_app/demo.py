"""The built-in demo, for now: photographed single digits read by the shipped model.

    python -m edge_app demo --count 200

Each digit (from the MNIST test set when a local copy is found, else drawn by
edge_app.strokefont) is photographed by edge_app.render, normalised by the
preprocessing contract and classified in one batched LiteRT call. It prints what
was read against the truth and writes a contact sheet. The whole-frame camera
pipeline (segmenting numbers out of a scene) is not here yet.
"""

import os
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from edge_app.classifier import Classifier
from edge_app.fileio import atomic_path
from edge_app.mnist import ENV_VAR, MnistError, load_mnist
from edge_app.preprocess import normalize_digit
from edge_app.render import photograph_digit
from edge_app.strokefont import draw

THUMB = 64  # pixels: side of each photo on the contact sheet
SHEET_COLUMNS = 20


@dataclass(frozen=True)
class DemoResult:
    source: str  # where the digits came from
    truth: np.ndarray
    predicted: np.ndarray
    confidence: np.ndarray
    ms_per_digit: float
    sheet: Path | None

    @property
    def accuracy(self) -> float:
        return float((self.truth == self.predicted).mean())


def demo_digits(count: int, rng: np.random.Generator, mnist: str | None = None):
    """(digits uint8 (count, 28, 28) white on black, labels, source name).

    MNIST given by `mnist` or MNIST_PATH must load; otherwise Keras's cache is
    used if present, and with no local copy at all the stroke font draws them.
    """
    try:
        (_, _), (x_test, y_test) = load_mnist(mnist, download=False)
    except MnistError:
        if mnist or os.environ.get(ENV_VAR):
            raise
        labels = rng.integers(0, 10, size=count)
        return np.stack([draw(int(label), rng) for label in labels]), labels, "stroke font (no local MNIST)"
    picked = rng.choice(len(x_test), size=count, replace=count > len(x_test))
    return x_test[picked], y_test[picked].astype(np.int64), "MNIST test set"


def run_demo(model: str, count: int = 200, seed: int = 0, sheet: str | None = "out/demo.png",
             mnist: str | None = None, num_threads: int | None = None, log=print) -> DemoResult:
    classifier = Classifier(model, num_threads=num_threads)
    rng = np.random.default_rng(seed)
    digits, labels, source = demo_digits(count, rng, mnist)
    photos, crops, kept = [], [], []
    for index, digit in enumerate(digits):
        photo = photograph_digit(digit, rng)
        if photo is None:  # the render's own threshold failed; the app would see no digit
            continue
        photos.append(photo[0])
        crops.append(normalize_digit(*photo))
        kept.append(index)
    classifier.predict(np.stack(crops[:1]))  # warm-up, not timed
    started = time.perf_counter()
    probabilities = classifier.predict(np.stack(crops))
    ms_per_digit = (time.perf_counter() - started) * 1000 / len(crops)
    result = DemoResult(source, labels[kept], probabilities.argmax(axis=1), probabilities.max(axis=1),
                        ms_per_digit, Path(sheet) if sheet else None)
    for start in range(0, len(kept), SHEET_COLUMNS):
        stop = start + SHEET_COLUMNS
        log("read  " + " ".join(str(d) for d in result.predicted[start:stop]))
        log("truth " + " ".join(str(d) for d in result.truth[start:stop]))
    if result.sheet:
        write_sheet(photos, result, result.sheet)
    return result


def write_sheet(photos: list[np.ndarray], result: DemoResult, target: Path) -> None:
    """Each photo with the digit read: green when right, red when wrong."""
    tiles = []
    for photo, truth, predicted in zip(photos, result.truth, result.predicted, strict=True):
        tile = cv2.cvtColor(cv2.resize(photo, (THUMB, THUMB), interpolation=cv2.INTER_AREA), cv2.COLOR_GRAY2BGR)
        colour = (0, 160, 0) if truth == predicted else (0, 0, 220)
        cv2.putText(tile, str(predicted), (3, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.6, colour, 2, cv2.LINE_AA)
        cv2.rectangle(tile, (0, 0), (THUMB - 1, THUMB - 1), colour, 1)
        tiles.append(tile)
    while len(tiles) % SHEET_COLUMNS:
        tiles.append(np.full_like(tiles[0], 255))
    rows = [np.hstack(tiles[i:i + SHEET_COLUMNS]) for i in range(0, len(tiles), SHEET_COLUMNS)]
    with atomic_path(target) as tmp:
        if not cv2.imwrite(str(tmp), np.vstack(rows)):
            raise OSError(f"cannot write {target}")
