"""Camera-like scenes of handwritten numbers on paper, each with its ground truth.

The built-in demo shows them, the tests and the benchmark measure the pipeline
on them. A scene is a sheet of paper (white, beige, blue or yellow, with some
texture) holding lines of numbers of 1-12 digits in pen, marker or pencil, some
digits touching, seen under uneven light with a soft shadow, slight perspective
and rotation, blur, noise and JPEG compression; optionally on ruled or squared
paper (SceneConfig.rules), or lying whole on a table (SceneConfig.table), or written in
marker on a whiteboard (SceneConfig.board) or in chalk on a blackboard (SceneConfig.chalk); numbers may
be written as dates and phone numbers with dashes, dots and gaps (SceneConfig.separators),
dates with slashes (SceneConfig.dates), phone numbers with the area code in brackets
(SceneConfig.brackets), two to a line in columns (SceneConfig.columns), their digits spaced
as widely as SceneConfig.spacing says; a number's digits may be written into a form's printed boxes
(SceneConfig.combs), a sheet's numbers into the cells of a printed table (SceneConfig.tables); a pen
may lie on the page (SceneConfig.pens), and a loose-leaf sheet have its punched holes in view (SceneConfig.holes).
make_single_digit photographs one digit, and fill_frame crops that photo close round it; make_line
crops one number of a scene to its line.

    scene = make_scene(np.random.default_rng(0), digits=DigitSource.find())
    scene.image      # uint8 BGR (480, 640, 3)
    scene.numbers    # [("20231105", (x, y, w, h)), ...] in reading order
    scene.digits     # [(2, (x, y, w, h)), (0, ...), ...]: every digit written, in writing order
"""

import itertools
import math
import os
from dataclasses import dataclass, field

import cv2
import numpy as np

from edge_app.mnist import ENV_VAR, MnistError, load_mnist_test
from edge_app.strokefont import draw

PAPERS = {  # BGR
    "white": (238, 240, 240), "beige": (200, 225, 240), "blue": (240, 215, 190), "yellow": (150, 235, 245),
}
INKS = {"black": (30, 30, 30), "blue": (140, 60, 20), "red": (40, 40, 170), "pencil": (110, 110, 110)}
MARKERS = {"black": (45, 40, 40), "blue": (150, 70, 25), "red": (45, 40, 175), "green": (70, 130, 30)}
SEPARATED = ("dd-dd-dddd", "dd.dd.dd", "dd.dd.dddd", "ddd-dddd", "ddd-ddd-dddd", "ddd dddd", "ddd ddd dddd")  # d: digit
BRACKETED = ("(ddd) ddd-dddd", "(ddd)ddd-dddd", "(ddd) ddd dddd", "(dd) dddd dddd", "(dddd) dddddd")
DESCENDING = "479"  # digits many write with a tail hanging below the others: 30-60% of its height more
BOARD_CLEAR = 6  # pixels at least between a whiteboard's frame and the writing
RULE_INKS = {"blue": (200, 150, 90), "grey": (130, 130, 130), "red": (110, 110, 220)}  # printed notebook lines
BLACKBOARDS = {"black": (42, 45, 45), "slate": (70, 64, 58), "green": (55, 78, 48)}  # BGR
CHALKS = {"white": (228, 232, 232), "yellow": (150, 228, 236), "pink": (200, 185, 240)}
PENS = {"black": (35, 32, 32), "blue": (150, 70, 30), "red": (40, 35, 160), "white": (225, 228, 228)}  # bodies
PEN_WIDTH = (0.2, 1.0)  # a pen is this many of the digits' median height thick ...
PEN_MAX_WIDTH = 0.08  # ... but at most this share of the frame's shorter side (a single digit filling it) ...
PEN_LENGTH = (11.0, 16.0)  # ... and this many times as long as thick (a ballpoint's 140 by 9 mm)
PEN_CLEAR = 0.5  # its edge at least this many of its own thicknesses from any ink
HOLE_SIZE = (0.3, 0.8)  # a loose-leaf sheet's punched hole is this many of the digits' median height across ...
HOLE_MAX_SIZE = 0.1  # ... but at most this share of the frame's shorter side (a single digit filling it) ...
HOLE_PITCH = (2.0, 16.0)  # ... its centres this many of its diameters apart (a 23-hole to a 2-hole punch) ...
HOLE_INSET = (0.7, 4.0)  # ... and this many from the frame's edge they run along
HOLE_CLEAR = 0.5  # the holes' rims at least this many diameters from any ink
COMB_BOX = (1.15, 1.45)  # a form's box for one digit: this many of the digits' height high and wide
COMB_APART = 0.3  # share of combs printed as boxes apart, a gap of COMB_GAP of a box between them
COMB_GAP = (0.1, 0.3)
TABLE_GAP = (1.0, 2.5)  # digit heights between a table's two numbers on a line, its middle wall between them


@dataclass(frozen=True)
class SceneConfig:
    width: int = 640  # pixels
    height: int = 480
    max_lines: int = 4  # lines of numbers on the sheet
    max_digits: int = 12  # digits in one number
    min_digit_height: int = 24  # pixels
    max_digit_height: int = 64
    touching: float = 0.15  # share of neighbouring digit pairs drawn touching
    max_tilt: float = 4.0  # degrees of rotation of the whole sheet
    max_perspective: float = 0.03  # share of the frame each corner may move
    jpeg_quality: tuple[int, int] = (45, 95)
    rules: float = 0.0  # share of sheets printed with lines, half of them squared (a notebook page)
    rule_spacing: tuple[int, int] = (24, 60)  # pixels between printed lines
    table: float = 0.0  # share of photos taken from further away: the whole sheet on a table, its edges in view
    board: float = 0.0  # share written in marker on a whiteboard: wiped writing's ghosts, a glare, the board's
    # frame and the wall beyond it along one side (mostly)
    separators: float = 0.0  # share of numbers written as a date or a phone number with dashes, dots or gaps
    # (24-11-2026, 24.11.26, 555-1234, 555 1234): their text, what should be read, is their digits
    dates: float = 0.0  # share of numbers written as a date with slashes (24/11/2026, 3/7/98, 2026/11/24): its
    # text is its digits too
    brackets: float = 0.0  # share of numbers written as a phone number with its area code in brackets
    # ((555) 123-4567, (02) 9876 5432): its digits too
    spacing: tuple[float, float] = (0.15, 0.6)  # digit heights between a number's digits (those not touching)
    columns: float = 0.0  # share of lines written as two numbers of 1-6 digits side by side, in columns ...
    column_gap: tuple[float, float] = (2.5, 5.0)  # ... this many digit heights apart
    descenders: float = 0.0  # share of 4s, 7s and 9s written with a long tail below the line (DESCENDING)
    chalk: float = 0.0  # share written in chalk on a blackboard: light, dusty strokes on a dark board, with the
    # haze of wiped chalk (light ink on a dark ground)
    combs: float = 0.0  # share of numbers written into a form's printed boxes, a digit to a box: a comb of them
    # side by side, or (COMB_APART of them) boxes apart; the digits often touch or cross their walls
    tables: float = 0.0  # share of sheets written as a printed table: two numbers of 1-6 digits to a line, in
    # cells of two columns about one middle, TABLE_GAP digit heights apart
    pen_shadows: float = 0.0  # share of photos with a narrow shadow across the page: a pen's, a phone's edge
    pens: float = 0.0  # share of photos with a pen lying on the page beside the writing, clear of it (PEN_*)
    holes: float = 0.0  # share of photos of a loose-leaf sheet, its punched holes in a row along one side (HOLE_*)


Box = tuple[int, int, int, int]  # x, y, w, h in the image's pixels


@dataclass
class Scene:
    image: np.ndarray
    numbers: list[tuple[str, Box]] = field(default_factory=list)
    digits: list[tuple[int, Box]] = field(default_factory=list)  # each digit's own box, for digit-level scores

    @property
    def texts(self) -> list[str]:
        return [text for text, _ in self.numbers]


class DigitSource:
    """Handwritten digits to draw with: MNIST test digits if a local copy exists, else the stroke font."""

    def __init__(self, images: np.ndarray | None = None, labels: np.ndarray | None = None):
        self.images, self.labels = images, labels
        self.by_label = None if labels is None else [np.flatnonzero(labels == d) for d in range(10)]

    @classmethod
    def find(cls, mnist: str | None = None) -> "DigitSource":
        """MNIST from `mnist`, MNIST_PATH or Keras's cache; the stroke font when there is none at all."""
        try:
            x_test, y_test = load_mnist_test(mnist, download=False)
        except MnistError:
            if mnist or os.environ.get(ENV_VAR):
                raise
            return cls()
        return cls(x_test, y_test)

    @property
    def name(self) -> str:
        return "stroke font" if self.images is None else "MNIST test set"

    def digit(self, value: int, rng: np.random.Generator) -> np.ndarray:
        """A white-on-black image of `value`, cropped to its ink."""
        if self.images is None:
            image = draw(value, rng)
        else:
            image = self.images[rng.choice(self.by_label[value])]
        rows, cols = np.nonzero(image > 40)
        # One pixel of the strokes' soft rim kept all round: cut off, the strokes would end square once enlarged.
        image = np.pad(image, 1)
        return image[rows.min():rows.max() + 3, cols.min():cols.max() + 3]


def load_test_digits(mnist: str | None, limit: int | None, log) -> tuple[tuple | None, DigitSource]:
    """((images, labels) of the first `limit` MNIST test digits, or None), and the digits to draw scenes with."""
    try:
        x_test, y_test = load_mnist_test(mnist, download=False)
    except MnistError as error:
        log(f"MNIST accuracy skipped ({error}); give MNIST with --mnist PATH or MNIST_PATH to include it. "
            "The scenes use the built-in stroke font meanwhile.")
        return None, DigitSource()
    return (x_test[:limit], y_test[:limit]), DigitSource(x_test, y_test)


def make_scene(rng: np.random.Generator, digits: DigitSource | None = None,
               config: SceneConfig = SceneConfig(), texts: list[str] | None = None) -> Scene:
    """One scene. `texts` fixes the numbers written (one per line: digits, and "-", ".", "/", "(",
    ")" or " ", a gap, among them); otherwise they are random. A scene's numbers are the digits written."""
    digits = digits or DigitSource()
    ink_alpha = np.zeros((config.height, config.width), np.float32)
    printed = np.zeros_like(ink_alpha) if config.combs or config.tables else None  # in the paper's printing
    lines = texts if texts is not None else [_random_number(rng, config)
                                             for _ in range(int(rng.integers(1, config.max_lines + 1)))]
    numbers, digit_boxes = [], []
    top = rng.uniform(0.08, 0.2) * config.height
    table = texts is None and config.tables and rng.random() < config.tables
    if table:
        middle, rows = rng.uniform(0.4, 0.6) * config.width, []  # each line's top and digit height
    for text in lines:
        height = int(rng.integers(config.min_digit_height, config.max_digit_height + 1))
        if top + 1.3 * height > 0.9 * config.height:
            break
        row = [(text, None)]
        if table:
            row = _two_numbers(rng, middle, rng.uniform(*TABLE_GAP) * height)
            rows.append((top, height))
        elif config.columns and texts is None and rng.random() < config.columns:
            middle = rng.uniform(0.35, 0.65) * config.width
            row = _two_numbers(rng, middle, rng.uniform(*config.column_gap) * height)
        for written_text, at in row:
            written = _write_number(ink_alpha, written_text, digits, rng, height, int(top), config, at, printed)
            if written is not None:
                numbers.append(("".join(c for c in written_text if c.isdigit()), written[0]))
                digit_boxes += written[1]
        top += height * rng.uniform(1.5, 2.3)
    if table and numbers:
        _draw_table(printed, rows, middle, [box for _, box in numbers], rng)
    image, numbers, digit_boxes = _photograph(ink_alpha, numbers, digit_boxes, rng, config, printed)
    return Scene(image, numbers, digit_boxes)


def make_single_digit(rng: np.random.Generator, digits: DigitSource | None = None, value: int | None = None,
                      config: SceneConfig = SceneConfig()) -> Scene:
    """A photo of one digit, anywhere from small to filling the frame."""
    digits = digits or DigitSource()
    value = int(rng.integers(0, 10)) if value is None else value
    ink_alpha = np.zeros((config.height, config.width), np.float32)
    height = int(rng.uniform(0.12, 0.8) * config.height)
    glyph = _ink(digits.digit(value, rng), height, rng)
    h, w = glyph.shape
    y = int(rng.integers(int(0.05 * config.height), config.height - h - int(0.05 * config.height) + 1))
    x = int(rng.integers(int(0.05 * config.width), max(int(0.05 * config.width) + 1, config.width - w - 20)))
    ink_alpha[y:y + h, x:x + w] = np.maximum(ink_alpha[y:y + h, x:x + w], glyph[:, :config.width - x])
    image, numbers, digit_boxes = _photograph(ink_alpha, [(str(value), (x, y, w, h))], [(value, (x, y, w, h))],
                                              rng, config)
    return Scene(image, numbers, digit_boxes)


def fill_frame(scene: Scene, margin: float = 0.15, side: int = 400, square: bool = False) -> Scene:
    """A single-digit photo taken close, the digit filling it: the scene cropped round its digit with
    `margin` of the digit's longer side of paper each way (less where the scene ends), enlarged so the
    crop's longer side is `side` pixels. Its strokes are then wider than a phone photo of a page's.
    With `square`, the crop is the square round the digit's centre (moved inside the scene), as a
    photo is cropped "as best you can to a square"."""
    (text, (x, y, w, h)), = scene.numbers
    height, width = scene.image.shape[:2]
    if square:
        edge = min(int(round(max(w, h) * (1 + 2 * margin))), height, width)
        left = int(min(max(0, x + w / 2 - edge / 2), width - edge))
        top = int(min(max(0, y + h / 2 - edge / 2), height - edge))
        crop = scene.image[top:top + edge, left:left + edge]
    else:
        pad = int(round(margin * max(w, h)))
        top, left = max(0, y - pad), max(0, x - pad)
        crop = scene.image[top:min(height, y + h + pad), left:min(width, x + w + pad)]
    scale = side / max(crop.shape[:2])
    image = cv2.resize(crop, (round(crop.shape[1] * scale), round(crop.shape[0] * scale)),
                       interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)

    def moved(box: Box) -> Box:
        bx, by, bw, bh = box
        return (round((bx - left) * scale), round((by - top) * scale), round(bw * scale), round(bh * scale))
    return Scene(image, [(text, moved((x, y, w, h)))], [(digit, moved(box)) for digit, box in scene.digits])


LINE_MARGIN = (0.15, 0.8)  # a line crop's paper round its number, in shares of its height: a loose hand-made crop


def make_line(rng: np.random.Generator, digits: DigitSource | None = None,
              config: SceneConfig = SceneConfig(), margin: tuple[float, float] = LINE_MARGIN) -> Scene:
    """A photographed number cropped to its line: one number of 3 digits or more from a scene, with a
    margin of paper round it drawn from `margin` (shares of its height; 0: its digits touch the crop's
    edges), kept off the scene's other numbers."""
    if config.max_digits < 3:
        raise ValueError("a line needs numbers of 3 digits or more: SceneConfig.max_digits is below 3")
    while True:
        scene = make_scene(rng, digits, config)
        long = [number for number in scene.numbers if len(number[0]) >= 3]
        if long:
            break
    text, (x, y, w, h) = long[int(rng.integers(len(long)))]
    pad = rng.uniform(*margin) * h
    height, width = scene.image.shape[:2]
    top, bottom = max(0, int(y - pad)), min(height, int(y + h + pad))
    left, right = max(0, int(x - pad)), min(width, int(x + w + pad))
    for other, (ox, oy, ow, oh) in scene.numbers:  # a neighbour may show only cut, as in a hand-made crop
        if (other, (ox, oy, ow, oh)) == (text, (x, y, w, h)) or ox > right or ox + ow < left:
            continue
        if oy + oh / 2 < y:
            top = max(top, int(oy + 0.7 * oh))
        elif oy + oh / 2 > y + h:
            bottom = min(bottom, int(oy + 0.3 * oh))
    digit_boxes = [(digit, (bx - left, by - top, bw, bh)) for digit, (bx, by, bw, bh) in scene.digits
                   if x <= bx + bw / 2 <= x + w and y <= by + bh / 2 <= y + h]
    return Scene(scene.image[top:bottom, left:right].copy(), [(text, (x - left, y - top, w, h))], digit_boxes)


def shake(image: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """The image moved by (dx, dy) pixels, as a camera held over the page moves between frames."""
    return cv2.warpAffine(image, np.float32([[1, 0, dx], [0, 1, dy]]), image.shape[1::-1],
                          borderMode=cv2.BORDER_REPLICATE)


def _random_number(rng: np.random.Generator, config: SceneConfig) -> str:
    if config.dates and rng.random() < config.dates:
        return _random_date(rng)
    for share, patterns in ((config.separators, SEPARATED), (config.brackets, BRACKETED)):
        if share and rng.random() < share:
            pattern = patterns[int(rng.integers(len(patterns)))]
            return "".join(str(rng.integers(0, 10)) if c == "d" else c for c in pattern)
    return _digits(rng, 1, config.max_digits)


def _digits(rng: np.random.Generator, shortest: int, longest: int) -> str:
    length = int(rng.integers(shortest, longest + 1))
    return "".join(str(d) for d in rng.integers(0, 10, size=length))


def _random_date(rng: np.random.Generator) -> str:
    """A date as people write it, parted by slashes: day and month with or without a leading zero, the
    day first (24/11/2026), the month first (11/24/26) or after a year of 4 digits (2026/11/24); a
    year after them of 2 or 4 digits."""
    day, month = int(rng.integers(1, 32)), int(rng.integers(1, 13))
    year = int(rng.integers(1930, 2040))
    zero = rng.random() < 0.5
    day_month = [f"{part:02d}" if zero else str(part) for part in (day, month)]
    order = rng.random()
    if order < 0.25:
        return "/".join([str(year), *day_month[::-1]])
    if order < 0.45:
        day_month.reverse()
    return "/".join([*day_month, str(year) if rng.random() < 0.6 else f"{year % 100:02d}"])


def _separator(char: str, height: int, rng: np.random.Generator) -> np.ndarray:
    """A hand-drawn "-" (a short stroke about the digits' middle, sloping a little), "." (a dot on
    their baseline), "/" (a straight stroke about as tall as the digits, leaning 15-40 degrees right),
    "(" or ")" (an arc as tall as the digits, bowed a tenth to a quarter of that) or " " (no ink, 0.8-2
    heights wide: a gap inside the number) as alpha in [0, 1], `height` pixels tall, in a pen of about
    a ninth of it."""
    pen = max(2, int(round(height / 9 * rng.uniform(0.7, 1.3))))
    if char == "-":
        length = int(height * rng.uniform(0.3, 0.55))
        glyph = np.zeros((height, length + 2 * pen), np.float32)
        y, rise = height * rng.uniform(0.45, 0.6), rng.uniform(-0.06, 0.06) * length
        cv2.line(glyph, (pen, int(y + rise)), (pen + length, int(y - rise)), 1.0, pen, cv2.LINE_AA)
    elif char == ".":
        radius = max(1, int(pen * rng.uniform(0.5, 0.9)))
        glyph = np.zeros((height, 4 * radius + 2), np.float32)
        cv2.circle(glyph, (2 * radius + 1, int(height * rng.uniform(0.85, 0.95)) - radius), radius, 1.0, -1,
                   cv2.LINE_AA)
    elif char == "/":
        tall = int(height * rng.uniform(0.85, 1.0))
        across = int(tall * np.tan(np.radians(rng.uniform(15.0, 40.0))))
        glyph = np.zeros((height, across + 2 * pen), np.float32)
        top = int(rng.uniform(0.0, height - tall + 1))
        cv2.line(glyph, (pen, top + tall - 1), (pen + across, top), 1.0, pen, cv2.LINE_AA)
    elif char in "()":
        bow = int(height * rng.uniform(0.1, 0.25))
        glyph = np.zeros((height, bow + 2 * pen), np.float32)
        down = np.linspace(-1.0, 1.0, 24)
        across = bow * (1 - down ** 2) if char == ")" else bow * down ** 2
        points = np.stack([pen + across, (height - 1) * (down + 1) / 2], axis=1)
        cv2.polylines(glyph, [np.round(points).astype(np.int32)], False, 1.0, pen, cv2.LINE_AA)
    elif char == " ":
        glyph = np.zeros((height, int(height * rng.uniform(0.8, 2.0))), np.float32)
    else:
        raise ValueError(f"a number is written with digits, '-', '.', '/', '(', ')' and ' ', not {char!r}")
    return glyph


def _ink(image: np.ndarray, height: int, rng: np.random.Generator) -> np.ndarray:
    """A digit image scaled to `height` pixels with a random pen: alpha in [0, 1]."""
    scale = height / image.shape[0]
    width = max(2, int(round(image.shape[1] * scale * rng.uniform(0.85, 1.15))))
    alpha = cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR).astype(np.float32) / 255.0
    pen = int(rng.integers(-1, 2)) * max(1, height // 30)
    if pen:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (abs(pen) + 1, abs(pen) + 1))
        if pen > 0:  # a broader pen: room around the ink, or the strokes end square at the image's edges
            alpha = cv2.dilate(cv2.copyMakeBorder(alpha, pen, pen, pen, pen, cv2.BORDER_CONSTANT, value=0), kernel)
        else:
            alpha = cv2.erode(alpha, kernel)
    return np.clip(alpha * 1.3, 0.0, 1.0)  # MNIST's soft rim becomes a solid stroke


def long_tail(glyph: np.ndarray, rng: np.random.Generator, start: tuple[float, float] = (2 / 3, 2 / 3),
              extra: tuple[float, float] = (0.3, 0.6)) -> tuple[np.ndarray, int]:
    """A digit's glyph (its ink's box) with a long tail: its rows below `start` of its height stretched to
    add `extra` of its height below the line; and the rows added. The generator's descenders, and the
    training's (train.augment.long_tails, over wider ranges)."""
    height, width = glyph.shape
    first = int(round(height * rng.uniform(*start)))
    tail = int(round(height * rng.uniform(*extra)))
    stretched = cv2.resize(glyph[first:], (width, height - first + tail), interpolation=cv2.INTER_LINEAR)
    return np.vstack([glyph[:first], stretched]), tail


def _two_numbers(rng: np.random.Generator, middle: float, gap: float) -> list[tuple[str, tuple[float, str]]]:
    """A line of two numbers of 1-6 digits, `gap` pixels apart about `middle`: the first ending there, the
    second starting (as _write_number takes them)."""
    return [(_digits(rng, 1, 6), (middle - gap / 2, "end")), (_digits(rng, 1, 6), (middle + gap / 2, "start"))]


def _write_number(ink_alpha, text, digits, rng, height, top, config, at: tuple[float, str] | None = None,
                  printed: np.ndarray | None = None) -> tuple[Box, list[tuple[int, Box]]] | None:
    """Draw `text` into `ink_alpha`: the number's box (its digits', and its brackets' across) and each
    digit's (its separators left out), or None when it does not fit. It starts anywhere it fits, or
    `at` (x, "start") or ends at (x, "end"). With `printed`, a number of digits alone may be written
    into boxes (SceneConfig.combs), drawn there."""
    glyphs = [_ink(digits.digit(int(c), rng), int(height * rng.uniform(0.85, 1.1)), rng) if c.isdigit()
              else _separator(c, height, rng) for c in text]
    tails = [0] * len(text)  # pixels a digit's tail adds below the line
    for i, c in enumerate(text):
        if c in DESCENDING and config.descenders and rng.random() < config.descenders:
            glyphs[i], tails[i] = long_tail(glyphs[i], rng)
    comb = printed is not None and text.isdigit() and rng.random() < config.combs
    if comb:  # each digit in the middle of its box, give or take a tenth of it
        box = height * rng.uniform(*COMB_BOX)
        apart = box * rng.uniform(*COMB_GAP) if rng.random() < COMB_APART else 0.0
        shifts = rng.uniform(-0.1, 0.1, len(text)) * box
        gaps = [box + apart - (g.shape[1] + later.shape[1]) / 2 + after - before
                for g, later, before, after in zip(glyphs, glyphs[1:], shifts, shifts[1:], strict=False)] + [0]
        total = len(text) * box + (len(text) - 1) * apart
    else:
        gaps = [(rng.uniform(0.1, 0.4) if not (c + after).isdigit()
                 else -rng.uniform(0.02, 0.12) if rng.random() < config.touching else rng.uniform(*config.spacing))
                * height for c, after in itertools.pairwise(text)] + [0]
        total = sum(g.shape[1] for g in glyphs) + sum(gaps)
    if at is None:
        if total > 0.9 * config.width:
            return None
        x = rng.uniform(0.05 * config.width, 0.95 * config.width - total)
    else:
        x = at[0] - total if at[1] == "end" else at[0]
        if x < 0.05 * config.width or x + total > 0.95 * config.width:
            return None
    if comb:
        _draw_comb(printed, x, top + (height - box) / 2, box, apart, len(text), rng)
        x += (box - glyphs[0].shape[1]) / 2 + shifts[0]
    x0, y0, x1, y1 = config.width, config.height, 0, 0
    boxes = []
    for char, glyph, gap, tail in zip(text, glyphs, gaps, tails, strict=True):
        h, w = glyph.shape
        y = int(top + rng.uniform(-0.06, 0.06) * height + (height - h + tail) / 2) if char.isdigit() else top
        xi = int(x)
        region = ink_alpha[y:y + h, xi:xi + w]
        region[...] = np.maximum(region, glyph[:region.shape[0], :region.shape[1]])
        if char.isdigit():
            x0, y0, x1, y1 = min(x0, xi), min(y0, y), max(x1, xi + w), max(y1, y + h)
            boxes.append((int(char), (xi, y, w, h)))
        elif char in "()":  # a crop of the number's line holds its brackets too
            x0, x1 = min(x0, xi), max(x1, xi + w)
        x += w + gap
    return (x0, y0, x1 - x0, y1 - y0), boxes


def _draw_comb(printed: np.ndarray, x: float, y: float, box: float, apart: float, count: int, rng) -> None:
    """A form's `count` boxes for digits, `box` pixels square, their top left corner at `x`, `y`: side by side
    with walls between them, or `apart` pixels apart."""
    thickness = int(rng.integers(1, 3))
    if apart == 0:
        corners = [(x, y, x + count * box, y + box)]
        for i in range(1, count):
            cv2.line(printed, (round(x + i * box), round(y)), (round(x + i * box), round(y + box)), 1.0, thickness)
    else:
        corners = [(x + i * (box + apart), y, x + i * (box + apart) + box, y + box) for i in range(count)]
    for left, top, right, bottom in corners:
        cv2.rectangle(printed, (round(left), round(top)), (round(right), round(bottom)), 1.0, thickness)


def _draw_table(printed: np.ndarray, rows: list[tuple[float, int]], middle: float, boxes: list[Box], rng) -> None:
    """A printed table round lines of numbers (`rows`: each line's top and digit height; `boxes`: the numbers'):
    lines across above, between and below the lines, and walls down its sides and at `middle`."""
    thickness = int(rng.integers(1, 3))
    margin = 0.4 * float(np.median([height for _, height in rows]))
    left = min(x for x, _, _, _ in boxes) - margin
    right = max(x + w for x, _, w, _ in boxes) + margin
    across = [rows[0][0] - 0.35 * rows[0][1]]
    across += [(top + 1.15 * height + later) / 2 for (top, height), (later, _) in itertools.pairwise(rows)]
    across.append(rows[-1][0] + 1.35 * rows[-1][1])
    for y in across:
        cv2.line(printed, (round(left), round(y)), (round(right), round(y)), 1.0, thickness)
    for x in (left, middle, right):
        cv2.line(printed, (round(x), round(across[0])), (round(x), round(across[-1])), 1.0, thickness)


def _pen_shadow(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """The shadow of a pen or a phone's edge across the page: a straight band 3-5% of the longer side wide,
    soft-edged, 25-40% dark, through the middle third of the frame at any slant."""
    band = np.zeros((h, w), np.float32)
    angle = math.radians(rng.uniform(0, 180))
    centre = np.array([w, h]) * rng.uniform(1 / 3, 2 / 3, 2)
    reach = np.array([math.cos(angle), math.sin(angle)]) * (h + w)
    width = int(round(max(h, w) * rng.uniform(0.03, 0.05)))
    cv2.line(band, tuple(int(v) for v in centre - reach), tuple(int(v) for v in centre + reach), 1.0, width)
    return cv2.GaussianBlur(band, (0, 0), rng.uniform(2, 5)) * rng.uniform(0.25, 0.4)


def _median_height(boxes: list[Box], frame_height: int) -> float:
    """The digits' median height, by which a pen or a hole laid beside them is sized; a tenth of the frame's
    height where there are none."""
    return float(np.median([box[3] for box in boxes])) if boxes else 0.1 * frame_height


def _pen(image: np.ndarray, ink_alpha: np.ndarray, boxes: list[Box], rng: np.random.Generator) -> np.ndarray | None:
    """A pen lying on the page (in place), clear of the ink by PEN_CLEAR of its thickness, at any slant, often
    running out of the frame: a shaded round body with a highlight along it, a cap at one end and a cone
    with a metal tip at the other, and its soft shadow. Returns the pen's alpha; None, and no pen, where 40
    tries find no room for one."""
    h, w = ink_alpha.shape
    digit = _median_height(boxes, h)
    radius = min(digit * rng.uniform(*PEN_WIDTH), PEN_MAX_WIDTH * min(h, w)) / 2
    radius = max(radius, 3.0)
    length = 2 * radius * rng.uniform(*PEN_LENGTH)
    near_ink = cv2.dilate((ink_alpha > 0.05).view(np.uint8), None) if ink_alpha.any() else None
    ys, xs = np.indices((h, w), dtype=np.float32)
    for _ in range(40):
        angle = rng.uniform(0, math.pi)
        axis = np.array([math.cos(angle), math.sin(angle)], np.float32)
        start = np.array([rng.uniform(0, w), rng.uniform(0, h)], np.float32) - axis * length * rng.uniform(0, 1)
        along = (xs - start[0]) * axis[0] + (ys - start[1]) * axis[1]  # pixels from the cap's end
        across = (xs - start[0]) * -axis[1] + (ys - start[1]) * axis[0]  # pixels from the axis
        beyond = np.maximum(0, np.maximum(-along, along - length))  # pixels past either end
        reach = np.hypot(across, beyond)  # from the segment
        if not (reach <= radius).any():
            continue  # wholly outside the frame
        if near_ink is None or not near_ink[reach <= radius * (1 + 2 * PEN_CLEAR)].any():
            break
    else:
        return None
    tip, cap_end = 0.1 * length, 0.22 * length  # the cone's length; where the cap ends
    profile = np.where(along > length - tip, radius * np.clip((length - along) / tip, 0.25, 1.0), radius)
    profile = np.where(along < cap_end, radius * 1.12, profile)  # the cap, a little thicker
    shadow = np.clip(profile - np.hypot(across - radius * 0.7, beyond), 0, 1)  # the pen moved aside, blurred
    image *= (1 - cv2.GaussianBlur(shadow, (0, 0), radius * 0.6 + 1) * rng.uniform(0.2, 0.4))[..., None]
    alpha = np.clip(profile - reach + 0.5, 0, 1)
    side = np.clip(across / np.maximum(profile, 1e-3), -1, 1)
    body = np.array(PENS[rng.choice(list(PENS))], np.float32)
    cap = body * rng.uniform(0.6, 1.0) if rng.random() < 0.5 else np.array(PENS["black"], np.float32)
    colour = np.where((along < cap_end)[..., None], cap, body)
    colour = np.where((along > length - 0.25 * tip)[..., None], np.float32(170), colour)  # the metal tip
    shade = 0.55 + 0.45 * np.sqrt(1 - side ** 2)  # a lit cylinder ...
    glint = np.exp(-((side + 0.4) / 0.12) ** 2) * 120  # ... with a highlight along it
    _lay(image, alpha[..., None], np.clip(colour * shade[..., None] + glint[..., None], 0, 255))
    return alpha


def _holes(image: np.ndarray, ink_alpha: np.ndarray, paper: np.ndarray, boxes: list[Box],
           rng: np.random.Generator) -> bool:
    """A loose-leaf sheet's punched holes (in place): a row of them along one side of the frame, clear of the
    ink by HOLE_CLEAR, each showing what lies under the sheet, a table or the next sheet, with the upper
    sheet's shadow as a crescent inside one side of its rim. Returns False, and no holes, where 40 tries
    find no room for them."""
    h, w = ink_alpha.shape
    digit = _median_height(boxes, h)
    radius = max(4.0, min(digit * rng.uniform(*HOLE_SIZE), HOLE_MAX_SIZE * min(h, w)) / 2)
    pitch = 2 * radius * rng.uniform(*HOLE_PITCH)
    ink = (ink_alpha > 0.05).view(np.uint8)
    far = cv2.distanceTransform(1 - ink, cv2.DIST_L2, 3) if ink.any() else None  # pixels from the nearest ink
    for _ in range(40):
        side = int(rng.integers(4))  # the left, right, top or bottom edge of the frame
        along_size, across_size = (h, w) if side < 2 else (w, h)
        inset = 2 * radius * rng.uniform(*HOLE_INSET)
        across = inset if side % 2 == 0 else across_size - inset
        centres = [(across, along) if side < 2 else (along, across)
                   for along in np.arange(rng.uniform(0, pitch), along_size, pitch)]
        if centres and (far is None or all(far[int(min(max(y, 0), h - 1)), int(min(max(x, 0), w - 1))]
                                           > radius * (1 + 2 * HOLE_CLEAR) for x, y in centres)):
            break
    else:
        return False
    under = (rng.uniform(30, 160, 3) if rng.random() < 0.5 else paper * rng.uniform(0.85, 1.0)).astype(np.float32)
    darkness = rng.uniform(0.3, 0.7)  # the crescent of the upper sheet's shadow, this dark ...
    towards = rng.uniform(0, 2 * math.pi)
    shift = radius * rng.uniform(0.15, 0.4) * np.array([math.cos(towards), math.sin(towards)])  # ... this wide
    reach = int(math.ceil(radius)) + 2
    for x, y in centres:
        left, top = max(0, int(x) - reach), max(0, int(y) - reach)
        window = np.s_[top:int(y) + reach + 1, left:int(x) + reach + 1]
        ys, xs = np.indices(image[window].shape[:2], dtype=np.float32)
        xs, ys = xs + (left - x), ys + (top - y)  # from the hole's centre
        alpha = np.clip(radius - np.hypot(xs, ys) + 0.5, 0, 1)
        lit = np.clip(radius - np.hypot(xs - shift[0], ys - shift[1]) + 0.5, 0, 1)
        shade = 1 - darkness * cv2.GaussianBlur(alpha * (1 - lit), (0, 0), 0.1 * radius + 0.5)
        _lay(image[window], alpha[..., None], under * shade[..., None])
    return True


def _lay(image: np.ndarray, alpha: np.ndarray, ink: np.ndarray) -> None:
    """Ink (BGR) laid over `image` (float, in place: a frame's float copies add up, and the demo makes one
    per scene) where `alpha` (h, w, 1) says how much."""
    image *= 1 - alpha
    image += ink * alpha


def _photograph(ink_alpha, numbers, digits, rng, config, printed: np.ndarray | None = None):
    """Paper, ink, light, shadow, perspective, blur, noise and JPEG; boxes follow the geometry. `printed`:
    alpha of what is printed on the paper besides its rules (a form's boxes), in a printing ink."""
    h, w = ink_alpha.shape
    board = config.board and rng.random() < config.board
    if config.chalk and rng.random() < config.chalk:
        paper = np.array(BLACKBOARDS[rng.choice(list(BLACKBOARDS))], np.float32) + rng.uniform(-8, 8)
        ink = np.array(CHALKS[rng.choice(list(CHALKS))], np.float32) * rng.uniform(0.75, 1.0)
        ink_alpha, texture = _chalk(ink_alpha, rng), -0.6 * _ghosts(h, w, rng)  # wiped chalk is lighter
    elif board:
        paper = np.float32(rng.uniform(222, 245)) + rng.uniform(-6, 6, 3).astype(np.float32)
        ink = np.array(MARKERS[rng.choice(list(MARKERS))], np.float32)
        ink_alpha, texture = _marker(ink_alpha, rng), _ghosts(h, w, rng)
    else:
        paper = np.array(PAPERS[rng.choice(list(PAPERS))], np.float32)
        ink = np.array(INKS[rng.choice(list(INKS))], np.float32)
        if tuple(ink) == INKS["pencil"]:
            ink_alpha = ink_alpha * rng.uniform(0.55, 0.9)  # pencil never gets fully dark
        texture = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 3) * rng.uniform(2, 6)
    image = np.broadcast_to(paper, (h, w, 3)).astype(np.float32)
    if config.rules and rng.random() < config.rules:
        rule_alpha = _rules(h, w, rng, config)[..., None]
        _lay(image, rule_alpha, np.array(RULE_INKS[rng.choice(list(RULE_INKS))], np.float32))
    if printed is not None and printed.any():
        print_alpha = (printed * rng.uniform(0.5, 0.95))[..., None]
        _lay(image, print_alpha, np.array(RULE_INKS[rng.choice(list(RULE_INKS))], np.float32) * rng.uniform(0.3, 1.0))
    _lay(image, ink_alpha[..., None], ink)
    image += texture[..., None]
    if config.holes and rng.random() < config.holes:
        _holes(image, ink_alpha, paper, [box for _, box in digits], rng)
    if config.pens and rng.random() < config.pens:
        _pen(image, ink_alpha, [box for _, box in digits], rng)
    sheet = np.eye(3)
    if config.table and rng.random() < config.table:
        image, sheet = _on_table(image, rng)

    ys, xs = np.indices((h, w), dtype=np.float32)
    direction = rng.uniform(-1, 1, size=2)
    light = 1.0 + rng.uniform(0.1, 0.35) * (direction[0] * (ys / h - 0.5) + direction[1] * (xs / w - 0.5))
    shadow = np.zeros((h, w), np.float32)
    if rng.random() < 0.6:  # a soft shadow of a hand or phone over part of the sheet
        corners = np.array([[rng.uniform(-0.2, 1.2) * w, rng.uniform(-0.2, 1.2) * h] for _ in range(4)], np.int32)
        cv2.fillConvexPoly(shadow, cv2.convexHull(corners), 1.0)
        shadow = cv2.GaussianBlur(shadow, (0, 0), rng.uniform(8, 30)) * rng.uniform(0.2, 0.45)
    if config.pen_shadows and rng.random() < config.pen_shadows:
        shadow = np.maximum(shadow, _pen_shadow(h, w, rng))
    image *= (light * (1 - shadow))[..., None]
    if board:
        _glare(image, rng)
        _board_frame(image, ink_alpha, rng)

    camera = _camera_matrix(rng, w, h, config)
    image = cv2.warpPerspective(image, camera, (w, h), borderMode=cv2.BORDER_REPLICATE)
    matrix = camera @ sheet  # the ink was drawn before the sheet was moved onto the table
    numbers = [(text, _warp_box(box, matrix, w, h)) for text, box in numbers]
    digits = [(value, _warp_box(box, matrix, w, h)) for value, box in digits]
    sigma = rng.uniform(0.0, 1.3)
    if sigma > 0.3:
        image = cv2.GaussianBlur(image, (0, 0), sigma)
    noise, band = rng.uniform(1, 6), -(-h // 8)
    for top in range(0, h, band):  # the same draws as one call, without its float64 copy of the frame
        rows = image[top:top + band]
        rows += rng.normal(0, noise, rows.shape).astype(np.float32)
    image = np.clip(image, 0, 255).astype(np.uint8)
    quality = int(rng.integers(*config.jpeg_quality))
    image = cv2.imdecode(cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])[1], cv2.IMREAD_COLOR)
    return image, numbers, digits


def _rules(h, w, rng, config) -> np.ndarray:
    """The printed lines of a ruled or (half the time) squared page, as alpha in [0, 1]."""
    alpha = np.zeros((h, w), np.float32)
    spacing = int(rng.integers(*config.rule_spacing))
    thickness = int(rng.integers(1, 3))
    for y in range(int(rng.integers(0, spacing)), h, spacing):
        cv2.line(alpha, (0, y), (w, y), 1.0, thickness)
    if rng.random() < 0.5:
        for x in range(int(rng.integers(0, spacing)), w, spacing):
            cv2.line(alpha, (x, 0), (x, h), 1.0, thickness)
    return alpha * rng.uniform(0.4, 0.9)


def _marker(ink_alpha, rng):
    """Marker strokes: a little broader than a pen's, and streaky where the felt runs dry."""
    h, w = ink_alpha.shape
    broader = int(rng.integers(0, 3))
    if broader:
        ink_alpha = cv2.dilate(ink_alpha, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (broader + 1, broader + 1)))
    streaks = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 1.5)
    streaks = cv2.blur(streaks, (15, 1) if rng.random() < 0.5 else (1, 15))  # dragged along one way
    streaks /= max(1e-6, float(streaks.std()))
    return ink_alpha * np.clip(rng.uniform(0.8, 0.95) + 0.12 * streaks, 0.45, 1.0)


def _chalk(ink_alpha, rng):
    """Chalk strokes: broad, their dust patchy across the stroke, where the board's grain skips."""
    h, w = ink_alpha.shape
    broader = int(rng.integers(1, 4))
    ink_alpha = cv2.dilate(ink_alpha, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (broader + 1, broader + 1)))
    dust = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 0.8)
    dust /= max(1e-6, float(dust.std()))
    return ink_alpha * np.clip(rng.uniform(0.7, 0.9) + rng.uniform(0.1, 0.25) * dust, 0.3, 1.0)


def _ghosts(h, w, rng):
    """What wiping leaves on a whiteboard, as a texture (grey levels, negative: darker): faint smeared
    strokes and a wiped haze."""
    ghost = np.zeros((h, w), np.float32)
    for _ in range(int(rng.integers(1, 6))):
        points = np.cumsum(rng.normal(0, 25, (int(rng.integers(3, 9)), 2)), axis=0) + rng.uniform(0, 1, 2) * (w, h)
        cv2.polylines(ghost, [points.astype(np.int32)], False, float(rng.uniform(0.04, 0.14)), int(rng.integers(2, 8)))
    haze = np.zeros((h, w), np.float32)
    for _ in range(int(rng.integers(0, 3))):
        x, y = rng.uniform(0, 1, 2) * (w, h)
        axes = (int(rng.uniform(40, 200)), int(rng.uniform(15, 60)))
        cv2.ellipse(haze, (int(x), int(y)), axes, rng.uniform(-30, 30), 0, 360, float(rng.uniform(0.03, 0.08)), -1)
    return -140.0 * (cv2.GaussianBlur(ghost, (0, 0), rng.uniform(1, 6)) + cv2.GaussianBlur(haze, (0, 0), 15))


def _glare(image, rng):
    """A lamp's or a window's reflection on the glossy board, in place: a soft patch washed towards white."""
    h, w = image.shape[:2]
    glare = np.zeros((h, w), np.float32)
    x, y = rng.uniform(0.1, 0.9, 2) * (w, h)
    axes = (int(rng.uniform(40, 220)), int(rng.uniform(20, 120)))
    cv2.ellipse(glare, (int(x), int(y)), axes, rng.uniform(0, 180), 0, 360, 1.0, -1)
    glare = cv2.GaussianBlur(glare, (0, 0), rng.uniform(15, 50)) * rng.uniform(0.3, 0.8)
    image += glare[..., None] * (285.0 - image) * 0.9


def _board_frame(image, ink_alpha, rng):
    """Mostly, the board's aluminium frame along one side of the photo and the wall beyond it, in place,
    clear of the writing."""
    if rng.random() >= 0.6:
        return
    h, w = image.shape[:2]
    side, width = int(rng.integers(0, 4)), int(rng.uniform(8, 18))
    at = int(rng.uniform(0.02, 0.1) * (h if side < 2 else w))
    views = [lambda a: a, lambda a: a[::-1], lambda a: a.swapaxes(0, 1), lambda a: a.swapaxes(0, 1)[::-1]]
    view, ink = views[side](image), views[side](ink_alpha)  # that side on top
    written = np.flatnonzero(ink.max(axis=1) > 0.05)
    at = min(at, (written[0] if written.size else len(ink)) - width - BOARD_CLEAR)
    if at < 1:
        return
    view[:at] = rng.uniform(60, 200, 3).astype(np.float32)
    view[at:at + width] = rng.uniform(130, 190)


def _on_table(image, rng):
    """The sheet shrunk, turned and moved a little, on a table of any colour: (image, 3x3 matrix of the move)."""
    h, w = image.shape[:2]
    move = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-8, 8), rng.uniform(0.75, 0.92))
    move[:, 2] += rng.uniform(-0.04, 0.04, 2) * (w, h)
    table = rng.uniform(30, 160, 3).astype(np.float32)
    grain = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 2) * rng.uniform(5, 20)
    sheet = cv2.warpAffine(image, move, (w, h))
    cover = cv2.warpAffine(np.ones((h, w), np.float32), move, (w, h))[..., None]
    image = sheet * cover + (table + grain[..., None]) * (1 - cover)
    return image, np.vstack([move, [0, 0, 1]])


def _camera_matrix(rng, w, h, config):
    """Slight rotation and perspective: each corner moves a little."""
    angle = np.deg2rad(rng.uniform(-config.max_tilt, config.max_tilt))
    centre = np.array([w / 2, h / 2])
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    moved = (corners - centre) @ rotation.T + centre
    moved += rng.uniform(-config.max_perspective, config.max_perspective, size=(4, 2)) * [w, h]
    return cv2.getPerspectiveTransform(corners, moved.astype(np.float32))


def _warp_box(box, matrix, w, h):
    x, y, bw, bh = box
    points = np.array([[[x, y]], [[x + bw, y]], [[x + bw, y + bh]], [[x, y + bh]]], np.float32)
    warped = cv2.perspectiveTransform(points, matrix)[:, 0]
    x0, y0 = np.clip(warped.min(axis=0), 0, [w, h])
    x1, y1 = np.clip(warped.max(axis=0), 0, [w, h])
    return (int(x0), int(y0), int(x1 - x0), int(y1 - y0))
