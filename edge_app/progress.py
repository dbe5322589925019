"""A one-line progress bar for long work: the benchmark, the accuracy targets, the scene-crop miner."""

import sys
import time


class Progress:
    """A one-line progress bar on stderr, redrawn in place at most 10 times a second; silent unless a terminal."""

    WIDTH = 24  # characters of the bar
    INTERVAL = 0.1  # seconds between redraws

    def __init__(self, prefix: str, stream=None):
        self.prefix, self.stream = prefix, stream or sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self._drawn = 0.0

    def show(self, label: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if not self.enabled or (done < total and now - self._drawn < self.INTERVAL):
            return
        self._drawn = now
        filled = self.WIDTH * done // max(total, 1)
        self.stream.write(f"\r\033[K{self.prefix}: {label} [{'#' * filled}{'.' * (self.WIDTH - filled)}] "
                          f"{done}/{total}")
        self.stream.flush()

    def track(self, label: str, items, total: int):
        """Yield `items`, redrawing the bar after each (outside the loop body, so outside any timing in it)."""
        self.show(label, 0, total)
        for done, item in enumerate(items, 1):
            yield item
            self.show(label, done, total)

    def clear(self) -> None:
        if self.enabled:
            self.stream.write("\r\033[K")
            self.stream.flush()
