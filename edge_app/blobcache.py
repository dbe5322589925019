"""Readings of the last frames' blobs, for live video, where most blobs stay as they were.

Classifying a frame's blobs is most of the pipeline's time. A camera held over a
page sees the same digits frame after frame, shaken by a pixel or two, so a blob
whose box barely moved and whose ink looks the same as a blob read in a recent
frame takes that reading again. A reading is kept for at most `max_age` frames
from when it was made, so even a change too small to notice is read within that
many frames; a new stroke changes a blob's box or its look and is read at once.
The readings made in one frame (a new page) expire over several frames, not all
in the same one, so that re-reading them does not stall one frame in every `max_age`.
The paper's estimate, the costliest step before the blobs are found, is reused the
same way (`paper`), for fewer frames, and only while the whole frame barely changed.

    cache = BlobCache()
    numbers = read_frame(frame, classifier, cache=cache)  # one cache per video stream
"""

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

MAX_AGE = 15  # frames a reading is reused for, at most: half a second at 30 fps
THUMB = 8  # pixels: a blob's ink is compared as a THUMB x THUMB thumbnail
MAX_SHIFT = 0.1  # share of a blob's height each of its edges may move ...
MIN_SHIFT = 4  # ... or this many pixels, if more ...
MAX_CHANGE = 12.0  # ... and grey levels its thumbnail may differ by on average
STAGGER = 0.5  # readings live max_age, max_age - 1, ... frames in turn, over this share of max_age: 15 down to 9
TURN_TOLERANCE = 1.0  # degrees: a page askew is turned level by the same angle while its slope stays this close
PAPER_AGE = 5  # frames the paper's estimate is reused for, at most ...
PAPER_THUMB = 8  # ... while the frame, shrunk this many times each way, ...
PAPER_CHANGE = 1.0  # ... differs from the frame it was made in by at most this many grey levels on average


@dataclass
class _Entry:
    read_box: tuple[int, int, int, int]  # the blob's box when it was read
    box: tuple[int, int, int, int]  # ... and when it was last seen
    thumb: np.ndarray  # its look when it was read
    value: object
    expires: int  # the first frame it is no longer reused in


class BlobCache:
    def __init__(self, max_age: int = MAX_AGE):
        self.max_age = max_age
        self.frame = 0
        self._entries: list[_Entry] = []
        self._kept: list[_Entry] = []
        self._made = 0  # readings kept so far: picks each one's lifetime in turn
        self._turned: BlobCache | None = None
        self._angle: float | None = None  # degrees the last page held askew was turned by
        self._readings: dict[str, tuple[BlobCache, int]] = {}  # by name: a second reading's cache, last handed out in
        self._paper: tuple | None = None  # the last paper estimate made: (frame, the frame's thumbnail, estimate)

    def next_frame(self) -> None:
        """Start a frame: what was found or read in the last one is what the next one can reuse."""
        self.frame += 1
        self._entries = [e for e in self._kept if self.frame < e.expires]
        self._kept = []
        if self._turned is not None:
            self._turned.next_frame()

    def turned(self, angle: float) -> tuple["BlobCache", float]:
        """For a page held askew, read again turned level (pipeline._levelled) in other pixels than the
        frame's: the cache of those readings, made when first needed and kept in step with this one, and
        the angle to turn this frame by: the last frame's while the page's slope stays within
        TURN_TOLERANCE degrees of it, so that a steady page is turned the same way and its blobs stay put."""
        if self._turned is None:
            self._turned = BlobCache(self.max_age)
            self._turned.frame = self.frame
        if self._angle is None or abs(angle - self._angle) > TURN_TOLERANCE:
            self._angle = angle
        return self._turned, self._angle

    def filled(self) -> "BlobCache":
        """For a frame one digit may fill, read again shrunk (pipeline._filled_frame) by read_frame, which
        steps the cache it is given: that reading's cache, made when first needed, and made anew when the
        frame before did not read it, so that only a blob seen in the last frame is reused."""
        return self._reading("filled")

    def narrowed(self) -> "BlobCache":
        """For that frame read shrunk once more with a narrower kernel (pipeline._filled_frame, filled_edge_kernel):
        that reading's cache, kept as filled()'s is, apart from it, since its paper and blobs differ."""
        return self._reading("narrowed")

    def inverted(self) -> "BlobCache":
        """For a mostly dark frame read again with its grey levels inverted (pipeline.read_frame): that
        reading's cache, kept as filled()'s is; its blobs are light ink's, not the dark ground's."""
        return self._reading("inverted")

    def _reading(self, name: str) -> "BlobCache":
        cache, handed_in = self._readings.get(name, (None, -1))
        if cache is None or handed_in != self.frame - 1:
            cache = BlobCache(self.max_age)
        self._readings[name] = (cache, self.frame)
        return cache

    def paper(self, grey: np.ndarray, estimate: Callable[[], tuple]) -> tuple:
        """The paper's estimate for the grey frame (edge_app.vision.paper.paper_estimate): the one made in a recent
        frame while this one looks as that one did, else `estimate()`, kept. The paper changes slowly
        and its estimate is smooth: a steady camera's frames, shaken by a pixel, share it."""
        height, width = (side // PAPER_THUMB for side in grey.shape)
        thumb = cv2.resize(grey[:height * PAPER_THUMB, :width * PAPER_THUMB], (max(1, width), max(1, height)),
                           interpolation=cv2.INTER_AREA).astype(np.float32)
        if self._paper is not None:
            made, last, paper = self._paper
            if (self.frame - made < PAPER_AGE and last.shape == thumb.shape and paper[0].shape == grey.shape
                    and float(np.mean(np.abs(last - thumb))) <= PAPER_CHANGE):
                return paper
        paper = estimate()
        self._paper = (self.frame, thumb, paper)
        return paper

    def find(self, image: np.ndarray, box) -> tuple[tuple[int, int, int, int], object] | None:
        """A recent reading of this blob of `image` (the frame's grey ink): (its box then, the reading), or None.
        A reading found is kept for the next frame."""
        x, y, w, h = box
        shift = max(MIN_SHIFT, MAX_SHIFT * h)
        thumb = None  # made only for a blob with a box to match: a new blob's is made once, by keep()
        for entry in self._entries:
            ex, ey, ew, eh = entry.box
            if (abs(ex - x) > shift or abs(ey - y) > shift or abs(ex + ew - x - w) > shift
                    or abs(ey + eh - y - h) > shift):
                continue
            thumb = _thumbnail(image, box) if thumb is None else thumb
            if float(np.mean(np.abs(entry.thumb - thumb))) <= MAX_CHANGE:
                self._entries.remove(entry)
                entry.box = tuple(box)
                self._kept.append(entry)
                return entry.read_box, entry.value
        return None

    def keep(self, image: np.ndarray, box, value) -> None:
        """Remember a reading made in this frame."""
        lifetime = self.max_age - self._made % max(1, int(STAGGER * self.max_age))
        self._made += 1
        self._kept.append(_Entry(tuple(box), tuple(box), _thumbnail(image, box), value, self.frame + lifetime))


def _thumbnail(image: np.ndarray, box) -> np.ndarray:
    x, y, w, h = box
    return cv2.resize(image[y:y + h, x:x + w], (THUMB, THUMB), interpolation=cv2.INTER_AREA).astype(np.float32)
