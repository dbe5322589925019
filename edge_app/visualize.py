"""Drawing readings on a frame: a box and the digit on each digit, the number's text above it."""

import cv2
import numpy as np

from edge_app.pipeline import Number

DIGIT_COLOUR = (0, 200, 0)  # BGR
NUMBER_COLOUR = (0, 140, 255)
TEXT_COLOUR = (255, 255, 255)


def draw_numbers(frame: np.ndarray, numbers: list[Number]) -> np.ndarray:
    """A copy of the BGR frame with every number and digit marked; sizes follow the frame's size."""
    out = frame.copy() if frame.ndim == 3 else cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    scale = max(out.shape[:2]) / 800.0
    line = max(1, int(round(2 * scale)))
    for number in numbers:
        for digit in number.digits:
            x, y, w, h = digit.box
            cv2.rectangle(out, (x, y), (x + w, y + h), DIGIT_COLOUR, line)
            _label(out, str(digit.digit), (x, y + h), 0.5 * scale, DIGIT_COLOUR, below=True)
        x, y, w, h = number.box
        cv2.rectangle(out, (x - line * 2, y - line * 2), (x + w + line * 2, y + h + line * 2), NUMBER_COLOUR, line)
        _label(out, f"{number.text} ({number.confidence:.2f})", (x, y - line * 2), 0.7 * scale, NUMBER_COLOUR)
    return out


def draw_status(frame: np.ndarray, text: str) -> np.ndarray:
    """Write a status line (frames per second, milliseconds per frame) in the top-left corner, in place."""
    _label(frame, text, (5, 5), max(frame.shape[:2]) / 1200.0, (60, 60, 60), below=True)
    return frame


def _label(image, text, origin, scale, colour, below=False):
    scale = max(0.4, scale)
    thickness = max(1, int(round(scale * 2)))
    (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    x, y = origin
    top = y if below else y - h - base
    top = int(np.clip(top, 0, max(0, image.shape[0] - h - base)))
    x = int(np.clip(x, 0, max(0, image.shape[1] - w)))
    cv2.rectangle(image, (x, top), (x + w, top + h + base), colour, -1)
    cv2.putText(image, text, (x, top + h), cv2.FONT_HERSHEY_SIMPLEX, scale, TEXT_COLOUR, thickness, cv2.LINE_AA)
