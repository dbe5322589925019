"""The accuracy targets, measured: generated photos of single digits (and cropped to a square the digit
fills), numbers cropped to their line (with paper round them, and close: their digits touching the edges)
and whole sheets (one number a line, and in columns), MNIST digits as scans (28x28, and 16x16 enlarged in
blocks), and real photos (realdev) and real scans of another collection (USPS) when given.

    python -m edge_app targets                          # the shipped int8 model: a Markdown table
    python -m edge_app targets --quick                  # at most 40 items a set: under 30 s
    python -m edge_app targets --realdev ../shared/data/realdev --json
    python -m edge_app targets --realdev ../shared/data/realdev --changes  # also under camera-like changes
    python -m edge_app targets --usps zip.test.gz         # also USPS's postal-code scans (edge_app.usps)

Device side only. The generated sets come from the demo's generator with fixed seeds, so
a run measures the same images every time; drawn with MNIST test digits when MNIST is
found (--mnist, MNIST_PATH, Keras's cache), else with the stroke font, and the scans set
is then skipped. An item counts only when it reads exactly: a single digit as that one
digit and nothing else, a line as that one number, a sheet's number when one of the
numbers read is exactly it, a scan as its digit. With --changes, realdev's photos are read
again under each camera-like change of edge_app.changes (turned, darker, blurred, ...).
"""

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from edge_app.changes import CHANGES
from edge_app.imageio import read_image
from edge_app.pipeline import PipelineConfig, read_frame
from edge_app.progress import Progress
from edge_app.scenes import (
    LINE_MARGIN,
    DigitSource,
    SceneConfig,
    fill_frame,
    load_test_digits,
    make_line,
    make_scene,
    make_single_digit,
)
from edge_app.usps import UspsError, load_usps

REALDEV_ENV = "REALDEV_PATH"  # where realdev is when --realdev is not given


@dataclass(frozen=True)
class Outcome:
    name: str  # the set, as the table shows it
    items: int  # photos, lines, numbers or scans judged
    right: int  # read exactly
    target: float  # the share the issue asks for

    @property
    def share(self) -> float:
        return self.right / self.items if self.items else 0.0

    def as_dict(self) -> dict:
        return {**asdict(self), "share": round(self.share, 4)}


# A set yields (image, expected numbers, whole): with whole, the numbers read must be exactly the
# expected ones; without, each expected number counts when it is among those read.
Item = tuple[np.ndarray, list[str], bool]


@dataclass(frozen=True)
class Sizes:
    singles: int = 300  # generated single-digit photos, seed 200
    filled: int = 300  # ... cropped to a square round the digit, which fills it (scenes.fill_frame), seed 600
    lines: int = 200  # generated numbers cropped to their line, seed 400
    close_lines: int = 200  # ... and cropped close, seed 402
    sheets: int = 100  # generated sheets, seed 100
    column_sheets: int = 100  # ... with two numbers side by side on half the lines, in columns, seed 101
    scans: int = 1000  # MNIST test digits as dark-on-white scans, 28x28 and 16x16 enlarged (each)


QUICK = Sizes(singles=40, filled=40, lines=40, close_lines=40, sheets=10, column_sheets=10, scans=40)
COLUMNS = SceneConfig(columns=0.5)
CLOSE = (0.0, 0.05)  # a close crop's margin, in shares of the number's height: its digits touch the edges


Set = tuple[str, float, int, Callable[[], Iterator[Item]]]  # name, target, images, the items


def generated_sets(digits: DigitSource, sizes: Sizes) -> list[Set]:
    """The generated sets: single digits, lines, sheets."""
    def singles(seed, count, taken=lambda scene: scene):
        def items():
            rng = np.random.default_rng(seed)
            for _ in range(count):
                scene = taken(make_single_digit(rng, digits))
                yield scene.image, scene.texts, True
        return items

    def square(scene):
        return fill_frame(scene, margin=0.1, side=600, square=True)

    def lines(seed, count, margin):
        def items():
            rng = np.random.default_rng(seed)
            for _ in range(count):
                scene = make_line(rng, digits, margin=margin)
                yield scene.image, scene.texts, True
        return items

    def sheets(seed, count, config=None):
        def items():
            rng = np.random.default_rng(seed)
            for _ in range(count):
                scene = make_scene(rng, digits, config or SceneConfig())
                yield scene.image, scene.texts, False
        return items

    return [(f"single-digit photos (generated, seed 200, {digits.name})", 0.98, sizes.singles,
             singles(200, sizes.singles)),
            (f"single-digit photos cropped to a square the digit fills, 10% margin, 600 px (generated, seed 600, "
             f"{digits.name})", 0.98, sizes.filled, singles(600, sizes.filled, square)),
            (f"numbers cropped to their line (generated, seed 400, {digits.name})", 0.90, sizes.lines,
             lines(400, sizes.lines, LINE_MARGIN)),
            (f"numbers cropped close to their line, margin 0-5% of their height (generated, seed 402, {digits.name})",
             0.90, sizes.close_lines, lines(402, sizes.close_lines, CLOSE)),
            (f"numbers on whole sheets (generated, seed 100, {sizes.sheets} sheets, {digits.name})", 0.85,
             sizes.sheets, sheets(100, sizes.sheets)),
            (f"numbers on whole sheets in lines and columns, two side by side on half the lines (generated, "
             f"seed 101, {sizes.column_sheets} sheets, {digits.name})", 0.85, sizes.column_sheets,
             sheets(101, sizes.column_sheets, COLUMNS))]


def _scans(images: np.ndarray, labels: np.ndarray, make: Callable[[np.ndarray], np.ndarray]):
    """A set's items: each digit (white on black) as `make` shows it, read as its label alone."""
    def items():
        for image, label in zip(images, labels, strict=True):
            yield make(image), [str(int(label))], True
    return items


def scan_sets(images: np.ndarray, labels: np.ndarray) -> list[Set]:
    """MNIST test digits as dark-on-white scans: 28x28 as MNIST holds them, and 16x16 enlarged (small_scan)."""
    first = f"first {len(images):,}"
    return [(f"MNIST test digits as dark-on-white scans, 28x28 ({first})", 0.98, len(images),
             _scans(images, labels, lambda image: 255 - image)),
            (f"MNIST test digits as 16x16 scans enlarged 4 times in blocks ({first})", 0.98, len(images),
             _scans(images, labels, small_scan))]


def usps_sets(images: np.ndarray, labels: np.ndarray, count: int) -> list[Set]:
    """Real USPS scans (edge_app.usps), `count` of them spread evenly over the file (it may be sorted by
    class): dark on white at their 16x16, and enlarged 4 times in blocks as an image viewer shows them."""
    chosen = np.linspace(0, len(images) - 1, min(count, len(images))).round().astype(int)
    images, labels = images[chosen], labels[chosen]
    which = f"{len(chosen):,} spread over the file"
    return [(f"USPS scans of postal codes, 16x16 ({which})", 0.98, len(chosen),
             _scans(images, labels, lambda image: 255 - image)),
            (f"USPS scans enlarged 4 times in blocks ({which})", 0.98, len(chosen),
             _scans(images, labels, lambda image: cv2.resize(255 - image, None, fx=4, fy=4,
                                                             interpolation=cv2.INTER_NEAREST)))]


def small_scan(digit: np.ndarray, side: int = 16, enlarge: int = 4) -> np.ndarray:
    """An MNIST digit (white on black) as a collection of smaller scans might hold it (16x16, the ink
    filling the field's longer side; USPS instead stretches its digits to fill both), shown `enlarge`
    times larger in square blocks, as an image viewer enlarges it: dark on white, strokes as thick as
    a tenth of the image."""
    ink = crop_to_ink(digit)
    scale = side / max(ink.shape)
    ink = cv2.resize(ink, (max(1, round(ink.shape[1] * scale)), max(1, round(ink.shape[0] * scale))),
                     interpolation=cv2.INTER_AREA)
    field = np.zeros((side, side), np.uint8)
    top, left = (side - ink.shape[0]) // 2, (side - ink.shape[1]) // 2
    field[top:top + ink.shape[0], left:left + ink.shape[1]] = ink
    return 255 - cv2.resize(field, (side * enlarge, side * enlarge), interpolation=cv2.INTER_NEAREST)


def crop_to_ink(digit: np.ndarray) -> np.ndarray:
    """An MNIST digit (white on black) cut to the box of its pixels brighter than 30."""
    rows, cols = np.nonzero(digit > 30)
    return digit[rows.min():rows.max() + 1, cols.min():cols.max() + 1]


def realdev_sets(folder: Path) -> list[Set]:
    """realdev's single-digit photos, lines and sheets (its README describes the layout)."""
    singles = _rows(folder / "photos_single" / "labels.csv")
    strings = _rows(folder / "digit_strings" / "labels.csv")
    pages = sorted({row["page_image"] for row in strings})

    def photos():
        for row in singles:
            yield read_image(folder / "photos_single" / row["file"]), [row["label"]], True

    def lines():
        for row in strings:
            yield read_image(folder / "digit_strings" / "lines" / row["line_image"]), [row["string"]], True

    def sheets():
        for page in pages:
            yield (read_image(folder / "digit_strings" / "pages" / page),
                   [row["string"] for row in strings if row["page_image"] == page], False)

    return [("realdev: single-digit photos", 0.98, len(singles), photos),
            ("realdev: numbers cropped to their line", 0.90, len(strings), lines),
            (f"realdev: numbers on the sheets ({len(pages)} sheets)", 0.85, len(pages), sheets)]


def changed_sets(sets: list[Set]) -> list[Set]:
    """The same sets read again under every camera-like change (edge_app.changes)."""
    def changed(items):
        def under_changes():
            for image, expected, whole in items():
                for change in CHANGES.values():
                    yield change(image), expected, whole
        return under_changes

    return [(f"{name}, under {len(CHANGES)} camera-like changes", target, count * len(CHANGES), changed(items))
            for name, target, count, items in sets]


def _rows(path: Path) -> list[dict]:
    with path.open(newline="") as stream:
        return list(csv.DictReader(stream))


def measure(classifier, sets: list[Set], config: PipelineConfig | None = None, progress: Progress | None = None,
            on_outcome: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Read every item of every set with the whole pipeline; one Outcome per set."""
    config = config or PipelineConfig()
    outcomes = []
    for name, target, count, items in sets:
        right = judged = 0
        source = items() if progress is None else progress.track(name, items(), count)
        for image, expected, whole in source:
            read = [number.text for number in read_frame(image, classifier, config)]
            if whole:
                judged += 1
                right += read == expected
            else:
                judged += len(expected)
                right += sum(text in read for text in expected)
        if progress is not None:
            progress.clear()
        outcome = Outcome(name, judged, right, target)
        outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
    return outcomes


def markdown(outcomes: list[Outcome]) -> str:
    lines = ["| set | items | read exactly | target |", "|---|---:|---:|---|"]
    for outcome in outcomes:
        target = f"{outcome.target:.0%}: {'met' if outcome.share >= outcome.target else 'not met'}"
        lines.append(f"| {outcome.name} | {outcome.items:,} | {outcome.right:,} ({outcome.share:.1%}) | {target} |")
    return "\n".join(lines)


def run(classifier, sizes: Sizes, mnist: str | None, realdev: Path | None, as_json: bool,
        config: PipelineConfig, log, changes: bool = False, usps: Path | None = None) -> int:
    """The targets command once the model is loaded: 0, or 2 when realdev is not where it was said to be
    (or not said, with `changes`), or `usps` is not a USPS file."""
    sets = []
    if changes and realdev is None:
        log(f"error: --changes reads realdev's photos changed: give --realdev DIR or ${REALDEV_ENV}")
        return 2
    if realdev is not None:
        if not (realdev / "photos_single" / "labels.csv").is_file():
            log(f"error: no realdev at {realdev} (photos_single/labels.csv is missing)")
            return 2
        real = realdev_sets(realdev)
        sets += real + (changed_sets(real) if changes else [])
    if usps is not None:
        try:
            sets += usps_sets(*load_usps(usps), sizes.scans)
        except UspsError as error:
            log(f"error: {error}")
            return 2
    scans, digits = load_test_digits(mnist, sizes.scans, log)
    sets += generated_sets(digits, sizes)
    if scans is not None:
        sets += scan_sets(*scans)
    print_json = (lambda outcome: print(json.dumps(outcome.as_dict()), flush=True)) if as_json else None
    outcomes = measure(classifier, sets, config, Progress("targets"), print_json)
    if not as_json:
        print(markdown(outcomes))
    return 0
