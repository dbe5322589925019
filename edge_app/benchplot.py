"""The benchmark's figures as PNG images, drawn with OpenCV alone so that a Pi can draw its own.

    python -m edge_app bench --out out/bench   # accuracy.png, confusion_<variant>.png

Each figure carries the machine, runtime and date it was measured on in its footer.
"""

import math

import cv2
import numpy as np

PANEL = (560, 380)  # pixels: one scatter plot
MARGIN = (84, 24, 44, 56)  # pixels around a plot's axes: left, right, top, bottom (tick labels, titles)
CELL = 46  # pixels: one cell of a confusion matrix
FOOTER_LINE = 18  # pixels per line of the footer
FONT = cv2.FONT_HERSHEY_SIMPLEX
WHITE, BLACK, GREY, LIGHT = (255, 255, 255), (0, 0, 0), (110, 110, 110), (228, 228, 228)  # BGR
PALETTE = [(180, 119, 31), (14, 127, 255), (44, 160, 44), (40, 39, 214), (189, 103, 148), (75, 86, 140),
           (194, 119, 227), (127, 127, 127), (34, 189, 188), (207, 190, 23)]  # BGR, one per model in row order


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About `count` round tick values (steps of 1, 2 or 5 times a power of ten) covering [low, high]."""
    if not high > low:
        pad = max(abs(low) * 0.01, 1e-6)
        low, high = low - pad, high + pad
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    return [round(i * step, 12) for i in range(first, last + 1)]


def _tick_text(value: float, step: float, percent: bool) -> str:
    scale = 100 if percent else 1
    decimals = max(0, -math.floor(math.log10(step * scale) + 1e-9))
    return f"{value * scale:.{decimals}f}" + ("%" if percent else "")


def _text(image, text, origin, scale=0.45, colour=BLACK, thickness=1, anchor="left"):
    (w, h), _ = cv2.getTextSize(text, FONT, scale, thickness)
    x, y = origin
    x = {"left": x, "centre": x - w // 2, "right": x - w}[anchor]
    cv2.putText(image, text, (int(x), int(y)), FONT, scale, colour, thickness, cv2.LINE_AA)


def _vertical_text(image, text, centre, scale=0.45):
    """Text turned a quarter anticlockwise, centred on `centre` (x, y): a y-axis label."""
    (w, h), base = cv2.getTextSize(text, FONT, scale, 1)
    strip = np.full((h + base + 4, w + 4, 3), 255, np.uint8)
    cv2.putText(strip, text, (2, h + 2), FONT, scale, BLACK, 1, cv2.LINE_AA)
    strip = np.rot90(strip)
    x0, y0 = centre[0] - strip.shape[1] // 2, centre[1] - strip.shape[0] // 2
    if x0 >= 0 and y0 >= 0 and y0 + strip.shape[0] <= image.shape[0] and x0 + strip.shape[1] <= image.shape[1]:
        image[y0:y0 + strip.shape[0], x0:x0 + strip.shape[1]] = strip


def scatter(points: list[tuple[str, float, float]], title: str, x_label: str, y_label: str,
            y_percent: bool = True) -> np.ndarray:
    """One panel: a labelled point per model (name, x, y) on round ticks, colours in PALETTE order."""
    width, height = PANEL
    left, right, top, bottom = MARGIN
    image = np.full((height, width, 3), 255, np.uint8)
    _text(image, title, (left, 26), 0.55, thickness=1)
    _text(image, x_label, (left + (width - left - right) // 2, height - 12), anchor="centre")
    _vertical_text(image, y_label, (18, top + (height - top - bottom) // 2))
    shown = [(i, name, x, y) for i, (name, x, y) in enumerate(points) if x is not None and y is not None]
    if not shown:
        _text(image, "nothing to plot", (width // 2, height // 2), 0.6, GREY, anchor="centre")
        return image
    # 8% of the span as a margin, so no point sits on the frame.
    xs, ys = [x for _, _, x, _ in shown], [y for _, _, _, y in shown]
    x_ticks = nice_ticks(min(xs) - 0.08 * (max(xs) - min(xs)), max(xs) + 0.08 * (max(xs) - min(xs)))
    y_ticks = nice_ticks(min(ys) - 0.08 * (max(ys) - min(ys)), max(ys) + 0.08 * (max(ys) - min(ys)))

    def to_pixel(x, y):
        px = left + (x - x_ticks[0]) / (x_ticks[-1] - x_ticks[0]) * (width - left - right)
        py = height - bottom - (y - y_ticks[0]) / (y_ticks[-1] - y_ticks[0]) * (height - top - bottom)
        return int(round(px)), int(round(py))

    for tick in x_ticks:
        px, _ = to_pixel(tick, y_ticks[0])
        cv2.line(image, (px, top), (px, height - bottom), LIGHT, 1)
        _text(image, _tick_text(tick, x_ticks[1] - x_ticks[0], False), (px, height - bottom + 18), 0.4, GREY,
              anchor="centre")
    for tick in y_ticks:
        _, py = to_pixel(x_ticks[0], tick)
        cv2.line(image, (left, py), (width - right, py), LIGHT, 1)
        _text(image, _tick_text(tick, y_ticks[1] - y_ticks[0], y_percent), (left - 6, py + 5), 0.4, GREY,
              anchor="right")
    cv2.rectangle(image, (left, top), (width - right, height - bottom), GREY, 1)
    placed = []  # label rectangles already drawn: close points get their labels moved apart
    for i, name, x, y in shown:
        px, py = to_pixel(x, y)
        colour = PALETTE[i % len(PALETTE)]
        cv2.circle(image, (px, py), 6, colour, -1, cv2.LINE_AA)
        (w, h), _ = cv2.getTextSize(name, FONT, 0.45, 1)
        sides = (1, -1) if px + 10 + w < width - right else (-1, 1)
        candidates = [(side, dy) for dy in (-8, 20, -26, 38, -44) for side in sides]
        for side, dy in candidates:
            x0 = px + 10 if side > 0 else px - 10 - w
            rect = (x0, py + dy - h, x0 + w, py + dy)
            if not any(_overlap(rect, other) for other in placed):
                break
        placed.append(rect)
        _text(image, name, (rect[0], rect[3]), 0.45, colour)
    return image


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] + 2 and b[1] < a[3] + 2


def footer_lines(machine: dict) -> list[str]:
    """The machine block in short lines that fit under the narrowest figure."""
    return [f"{machine.get('cpu')}, {machine.get('cores')} cores", str(machine.get("os")),
            f"{machine.get('runtime')}, Python {machine.get('python')}",
            f"numpy {machine.get('numpy')}, OpenCV {machine.get('opencv')}; measured {machine.get('date')}"]


def _with_footer(image: np.ndarray, machine: dict) -> np.ndarray:
    lines = footer_lines(machine)
    band = np.full((FOOTER_LINE * len(lines) + 10, image.shape[1], 3), 255, np.uint8)
    for i, line in enumerate(lines):
        _text(band, line, (10, FOOTER_LINE * (i + 1)), 0.42, GREY)
    return np.vstack([image, band])


def accuracy_figure(report: dict) -> np.ndarray:
    """Accuracy (MNIST above, scene digits below) against file size (left) and batch-1 latency (right)."""
    rows = [row for row in report["models"] if not row.get("error")]
    threads = report["settings"]["threads"][0]
    latency_label = f"latency p50, batch 1, {threads} thread{'s' if threads > 1 else ''} (ms)"
    mnist_images = report["data"].get("mnist_images")
    mnist_title = f"MNIST accuracy ({mnist_images:,} test digits)" if mnist_images else "MNIST accuracy (skipped)"
    scene_title = f"scene digits read right ({report['data']['scenes']} scenes)"
    panels = []
    for title, field in ((mnist_title, "mnist_accuracy"), (scene_title, "scene_digit_accuracy")):
        size = [(row["variant"], row["size_bytes"] / 1024 if row["size_bytes"] else None, row.get(field))
                for row in rows]
        speed = [(row["variant"], row.get("latency_ms_p50"), row.get(field)) for row in rows]
        panels.append(np.hstack([scatter(size, title, "file size (KB)", "accuracy"),
                                 scatter(speed, title, latency_label, "accuracy")]))
    return _with_footer(np.vstack(panels), report["machine"])


def confusion_figure(row: dict, machine: dict) -> np.ndarray:
    """The model's MNIST confusion matrix: counts, shaded by their share of the true digit's row."""
    matrix = np.asarray(row["confusion_matrix"], np.int64)
    left, top = 64, 76  # pixels: room for the row labels and the title
    image = np.full((top + 10 * CELL + 40, left + 10 * CELL + 24, 3), 255, np.uint8)
    _text(image, f"{row['variant']} ({row['file']})", (10, 24), 0.55)
    _text(image, f"{row['mnist_accuracy']:.2%} of {int(matrix.sum()):,} MNIST test digits; rows: true, "
          "columns: predicted", (10, 46), 0.42, GREY)
    shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    for t in range(10):
        _text(image, str(t), (left - 14, top + t * CELL + CELL // 2 + 5), 0.5, GREY, anchor="centre")
        _text(image, str(t), (left + t * CELL + CELL // 2, top - 8), 0.5, GREY, anchor="centre")
        for p in range(10):
            # The square root makes a handful of mistakes visible beside a diagonal of a thousand.
            shade = math.sqrt(shares[t, p])
            colour = tuple(int(round(255 - shade * (255 - c))) for c in (150, 60, 20))
            x, y = left + p * CELL, top + t * CELL
            cv2.rectangle(image, (x, y), (x + CELL - 1, y + CELL - 1), colour, -1)
            if matrix[t, p]:
                _text(image, str(matrix[t, p]), (x + CELL // 2, y + CELL // 2 + 5), 0.4,
                      WHITE if shade > 0.6 else BLACK, anchor="centre")
    cv2.rectangle(image, (left, top), (left + 10 * CELL, top + 10 * CELL), GREY, 1)
    return _with_footer(image, machine)
