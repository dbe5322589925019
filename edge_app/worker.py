"""Work in threads of its own: ThreadOwner (a thread that close() stops and joins), and
LatestWorker, a function run on the newest of the items offered to it.

The live view shows every frame a camera gives, and reads digits on whichever frame
is newest when the last reading is done: a slow reading (a new page) then delays
the readings by a frame or two, never the picture.
"""

import threading
import time

JOIN_TIMEOUT = 2.0  # seconds close() waits for the thread


class ThreadOwner:
    """Runs `_run` in a thread of its own; close() sets `_stopped`, wakes `_condition` and waits for the thread."""

    def _start_thread(self, name: str) -> None:
        self._condition = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        with self._condition:
            self._stopped = True
            self._condition.notify_all()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=JOIN_TIMEOUT)


class LatestWorker(ThreadOwner):
    """Runs `work(item)` in a thread on the newest item offered; items offered while it is busy replace each other.

    `result` is (item, work's answer, seconds it took) of the last item done, or None.
    If `work` raises, the worker stops and `error` holds the exception; offer() then
    raises it in the caller's thread. close() stops it once the item in hand is done;
    an item still waiting is dropped.
    """

    def __init__(self, work, name: str = "worker"):
        self.work = work
        self.result = None
        self.error: BaseException | None = None
        self._pending, self._has_pending, self._busy = None, False, False
        self._start_thread(name)

    def offer(self, item) -> None:
        """Hands the item over, dropping one still waiting; raises the error that stopped the worker."""
        with self._condition:
            if self.error is not None:
                raise self.error
            self._pending, self._has_pending = item, True
            self._condition.notify_all()

    def settle(self, timeout: float | None = None) -> bool:
        """Waits until every item offered is done; False if the timeout came first. Raises as offer() does."""
        with self._condition:
            done = self._condition.wait_for(
                lambda: not (self._has_pending or self._busy) or self.error is not None or self._stopped, timeout)
            if self.error is not None:
                raise self.error
            return done

    def _run(self) -> None:
        while True:
            with self._condition:
                self._condition.wait_for(lambda: self._has_pending or self._stopped)
                if self._stopped:
                    return
                item, self._pending, self._has_pending, self._busy = self._pending, None, False, True
            tick = time.perf_counter()
            try:
                answer = self.work(item)
            except BaseException as error:  # handed to the caller by offer(), where it can say what failed
                with self._condition:
                    self.error, self._busy = error, False
                    self._condition.notify_all()
                return
            with self._condition:
                self.result, self._busy = (item, answer, time.perf_counter() - tick), False
                self._condition.notify_all()
