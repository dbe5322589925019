"""Stable readings in live video: numbers are tracked across frames by their boxes and voted on.

A number read slightly differently in one frame, or missed for a frame or two,
does not make the displayed text flicker: each track reports the text it was
read as most often over its last VOTES frames, appears only after it was seen
in MIN_SEEN frames, and goes after MAX_MISSED frames without a match.
"""

from collections import Counter, deque
from dataclasses import dataclass, field

from edge_app.pipeline import Number
from edge_app.vision.boxes import intersection

VOTES = 9  # readings each track votes over
MIN_SEEN = 2  # frames a number must be seen in before it is reported
MAX_MISSED = 5  # frames a track survives without a match
MIN_IOU = 0.3  # box overlap (intersection over union) for a reading to continue a track


@dataclass
class Track:
    number: Number  # the latest reading
    texts: deque = field(default_factory=lambda: deque(maxlen=VOTES))
    seen: int = 0
    missed: int = 0
    shown: str | None = None  # the text last reported

    def vote(self) -> str:
        """The most frequent recent reading; a tie keeps what is shown, so two readings cannot alternate."""
        counts = Counter(self.texts)
        best = max(counts.values())
        if self.shown is not None and counts[self.shown] == best:
            return self.shown
        self.shown = next(t for t in reversed(self.texts) if counts[t] == best)
        return self.shown


class Stabilizer:
    def __init__(self, min_seen: int = MIN_SEEN, max_missed: int = MAX_MISSED, min_iou: float = MIN_IOU):
        self.tracks: list[Track] = []
        self.min_seen, self.max_missed, self.min_iou = min_seen, max_missed, min_iou

    def update(self, numbers: list[Number]) -> list[tuple[str, Number]]:
        """Feed one frame's readings; returns (stable text, latest reading) per reported track, in reading order."""
        unmatched = list(numbers)
        for track in self.tracks:
            best = max(unmatched, key=lambda n: iou(n.box, track.number.box), default=None)
            if best is not None and iou(best.box, track.number.box) >= self.min_iou:
                unmatched.remove(best)
                track.number, track.missed, track.seen = best, 0, track.seen + 1
                track.texts.append(best.text)
            else:
                track.missed += 1
        self.tracks = [t for t in self.tracks if t.missed <= self.max_missed]
        for number in unmatched:
            self.tracks.append(Track(number, deque([number.text], maxlen=VOTES), seen=1))
        reported = [t for t in self.tracks if t.seen >= self.min_seen]
        reported.sort(key=lambda t: (t.number.box[1], t.number.box[0]))
        return [(t.vote(), t.number) for t in reported]


def iou(a, b) -> float:
    inter = intersection(a, b)
    if inter <= 0:
        return 0.0
    return inter / float(a[2] * a[3] + b[2] * b[3] - inter)
