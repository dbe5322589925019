"""Helpers the vision pipeline's test modules share: scenes made, read and counted."""

import csv

import cv2
import numpy as np
import pytest
from conftest import REALDEV

from edge_app.pipeline import Blob, PipelineConfig, read_frame
from edge_app.scenes import DigitSource, SceneConfig, make_line, make_scene

needs_realdev = pytest.mark.skipif(not REALDEV.is_dir(), reason="../shared/data/realdev is not here")


def paper(h=120, w=160, level=220):
    return np.full((h, w), level, np.uint8)


def _generated_item(make, mnist_path, seed: int, index: int, config: SceneConfig):
    """Scene `index` of those `make` (make_scene, make_single_digit) generates from `seed` with `config`."""
    rng, digits = np.random.default_rng(seed), DigitSource.find(str(mnist_path))
    return [make(rng, digits, config=config) for _ in range(index + 1)][-1]


def _numbers_read(classifier, scenes, config: PipelineConfig | None = None) -> int:
    """How many of the scenes' numbers are among those read in them."""
    config = config or PipelineConfig()
    return sum(sum(text in [n.text for n in read_frame(s.image, classifier, config)] for text in s.texts)
               for s in scenes)


def _marked_sheets(mnist_path, seed: int, mark, scene: SceneConfig) -> list[tuple[np.ndarray, list[str]]]:
    """30 generated sheets (`seed`) with `mark(image, rng, box, ink, pen)` drawn at every number in its own
    ink (the darkest of its box) and a pen of a twelfth its height, then blurred a little: (image, texts)."""
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(seed)
    sheets = []
    for _ in range(30):
        drawn = make_scene(rng, digits, scene)
        image = drawn.image.copy()
        for _, (x, y, w, h) in drawn.numbers:
            ink = tuple(int(v) for v in image[y:y + h, x:x + w].reshape(-1, 3).min(axis=0))
            mark(image, rng, (x, y, w, h), ink, max(2, h // 12))
        sheets.append((cv2.GaussianBlur(image, (0, 0), 0.8), drawn.texts))
    return sheets


def _numbers_found(classifier, sheets, **config) -> int:
    """How many of the sheets' numbers are among those read with PipelineConfig(**config)."""
    config = PipelineConfig(**config)
    return sum(sum(text in [n.text for n in read_frame(image, classifier, config)] for text in texts)
               for image, texts in sheets)


STROKES = [((520, 150), (530, 260), 0.65), ((280, 250), (270, 330), 0.65), ((210, 90), (215, 170), 0.65),
           ((300, 380), (310, 440), 0.2)]  # pencil on lit paper, into the shadow, beside it; pen inside it


def shadow_scene(strokes=STROKES, tip=30):
    """Paper lit unevenly under a hard-edged wedge of shadow, its narrow tip up at row `tip`, and
    `strokes`: lines from one point to another of ink with the reflectance given."""
    h, w = 480, 640
    wedge = np.zeros((h, w), np.float32)
    cv2.fillConvexPoly(wedge, np.array([[60, tip], [80, tip], [460, 560], [260, 560]], np.int32), 1.0)
    light = np.linspace(215, 235, w, dtype=np.float32)[None, :] * (1 - 0.4 * cv2.GaussianBlur(wedge, (0, 0), 8))
    reflectance = np.ones((h, w), np.float32)  # ink darkens what light reaches it, in the shadow too
    for start, end, ink in strokes:
        cv2.line(reflectance, start, end, ink, 6)
    noise = np.random.default_rng(0).normal(0, 2, (h, w))
    return np.clip(light * reflectance + noise, 0, 255).astype(np.uint8)


class WholeIsNotOneDigit:
    """An eleven-output stand-in: the first crop of each call (a blob read whole) is "not one digit",
    every other crop a confident 4; records how many crops it saw."""

    def __init__(self, reject_all=False):
        self.reject_all, self.seen = reject_all, 0

    def predict(self, crops):
        self.seen = len(crops)
        probabilities = np.full((len(crops), 11), 0.005, np.float32)
        probabilities[:, 4] = 0.95
        rejected = slice(None) if self.reject_all else slice(0, 1)
        probabilities[rejected] = 0.005
        probabilities[rejected, 10] = 0.95
        return probabilities


def _read_exactly(classifier, scenes, config: PipelineConfig | None = None) -> int:
    """How many of the generated scenes read as exactly their numbers, nothing else."""
    config = config or PipelineConfig()
    return sum([n.text for n in read_frame(s.image, classifier, config)] == s.texts for s in scenes)


def _touching_lines(mnist_path, seed: int, count: int = 60) -> list:
    """Generated lines whose neighbouring digits all touch."""
    return _generated_lines(mnist_path, seed, SceneConfig(touching=1.0), count)


def _generated_lines(mnist_path, seed: int, config: SceneConfig, count: int) -> list:
    """`count` generated numbers of `config`, each cropped to its line."""
    rng = np.random.default_rng(seed)
    digits = DigitSource.find(str(mnist_path))
    return [make_line(rng, digits, config) for _ in range(count)]


def _scans_read_exactly(classifier, scans, labels, config: PipelineConfig | None = None) -> int:
    """How many scans of one digit each read as exactly their label, nothing else."""
    config = config or PipelineConfig()
    return sum([n.text for n in read_frame(scan, classifier, config)] == [str(label)]
               for scan, label in zip(scans, labels, strict=True))


def _pieces_of(ink: np.ndarray):
    """(labels, pieces, areas) of a binary ink image, as find_ink gives them."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    return labels, [Blob(tuple(int(v) for v in stats[i, :4]), (i,)) for i in range(1, count)], stats[:, 4]


def _numbers_on_blank_pages(classifier, mnist_path, scene: SceneConfig):
    """A function of a PipelineConfig: how many numbers it reads on 30 generated pages with nothing
    written on them (seed 7)."""
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(7)
    pages = [make_scene(rng, digits, scene, texts=[]).image for _ in range(30)]
    return lambda config: sum(len(read_frame(image, classifier, config)) for image in pages)


def realdev_rows(name):
    with open(REALDEV / name / "labels.csv") as stream:
        return list(csv.DictReader(stream))
