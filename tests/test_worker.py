"""LatestWorker: work on the newest item in a thread of its own."""

import threading
import time

import pytest

from edge_app.worker import LatestWorker


def test_items_offered_while_busy_replace_each_other_and_the_last_is_done():
    done = []

    def work(item):
        time.sleep(0.05)
        done.append(item)
        return item * 10

    worker = LatestWorker(work)
    for item in range(20):
        worker.offer(item)
        time.sleep(0.005)
    assert worker.settle(timeout=5.0)
    assert done == sorted(set(done)) and done[-1] == 19 and len(done) < 10
    item, answer, seconds = worker.result
    assert (item, answer) == (19, 190) and seconds >= 0.04
    worker.close()


def test_settle_waits_for_the_item_in_hand():
    started, release = threading.Event(), threading.Event()

    def work(item):
        started.set()
        release.wait(5.0)
        return item

    worker = LatestWorker(work)
    worker.offer("a")
    assert started.wait(5.0)
    assert not worker.settle(timeout=0.1) and worker.result is None
    release.set()
    assert worker.settle(timeout=5.0) and worker.result[:2] == ("a", "a")
    worker.close()


def test_an_error_stops_the_worker_and_is_raised_to_the_caller():
    def work(item):
        if item == 2:
            raise ValueError("bad frame")
        return item

    worker = LatestWorker(work)
    worker.offer(1)
    worker.settle()
    worker.offer(2)
    with pytest.raises(ValueError, match="bad frame"):
        worker.settle(timeout=5.0)
    with pytest.raises(ValueError, match="bad frame"):
        worker.offer(3)
    assert worker.result[:2] == (1, 1)
    worker.close()


def test_close_ends_the_thread_and_drops_a_waiting_item():
    started, release = threading.Event(), threading.Event()
    done = []

    def work(item):
        started.set()
        release.wait(5.0)
        done.append(item)

    worker = LatestWorker(work, name="closing")
    worker.offer(1)
    assert started.wait(5.0)
    worker.offer(2)  # waits behind 1
    closer = threading.Thread(target=worker.close)
    closer.start()
    time.sleep(0.05)
    release.set()
    closer.join(5.0)
    assert not closer.is_alive() and not worker._thread.is_alive()
    assert done == [1]  # the item in hand is finished, the waiting one dropped
