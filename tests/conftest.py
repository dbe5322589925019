import contextlib
import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
REALDEV = SHARED / "data" / "realdev"
MODELS = ROOT / "models"
INT8 = MODELS / "digits_int8.tflite"
DRAIN_SECONDS = 10  # for a test server's connections to end once it is told to stop
needs_model = pytest.mark.skipif(not INT8.is_file(), reason="no shipped model yet: run `make models`")


class CountingClassifier:
    """A classifier's stand-in that passes every call on, counting the crops it is given."""

    def __init__(self, inner):
        self.inner, self.crops = inner, 0

    def predict(self, digits):
        self.crops += len(digits)
        return self.inner.predict(digits)


def real_mnist_path() -> Path | None:
    """The real MNIST from MNIST_PATH or ../shared, or None."""
    for candidate in (os.environ.get("MNIST_PATH"), SHARED / "data" / "mnist.npz"):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def mnist_path() -> Path:
    path = real_mnist_path()
    if path is None:
        pytest.skip("no MNIST copy: set MNIST_PATH (CI points it at ../shared/data/mnist.npz)")
    return path


@pytest.fixture(scope="module")
def classifier():
    """The shipped int8 model (tests that take it are marked needs_model)."""
    from edge_app.classifier import Classifier
    return Classifier(INT8)


@pytest.fixture(scope="session")
def mnist(mnist_path):
    from edge_app.mnist import load_mnist
    return load_mnist(mnist_path)


@pytest.fixture(scope="session")
def synthetic_arrays():
    """Arrays of MNIST's shapes and dtypes with random content: for loader tests."""
    rng = np.random.default_rng(0)
    return {
        "x_train": rng.integers(0, 256, (60000, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, 60000, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (10000, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, 10000, dtype=np.uint8),
    }


@pytest.fixture(scope="session")
def synthetic_npz(tmp_path_factory, synthetic_arrays) -> Path:
    path = tmp_path_factory.mktemp("mnist") / "mnist.npz"
    np.savez(path, **synthetic_arrays)
    return path


@contextlib.contextmanager
def serving(app):
    """The app in a real waitress server on a free loopback port, run in a thread; yields the port.

    The thread runs the server's loop itself, a tenth of a second at a time. Told to stop, it
    closes the listening socket, gives the open connections DRAIN_SECONDS to end,
    and only then closes waitress's trigger, the pipe that worker threads write to in order to
    wake the loop. Closing the sockets from another thread can break the loop's select() with
    EBADF (Pylons/waitress#468); `server.close()` closes the trigger at once, under workers
    that may still pull it.
    """
    from edge_app.webapp import make_server

    server = make_server(app, "127.0.0.1", 0)
    stop, failures = threading.Event(), []

    def connections():
        return [channel for channel in server._map.values() if channel is not server.trigger]

    def run():
        loop = server.asyncore.loop
        try:
            while not stop.is_set():
                loop(timeout=0.1, map=server._map, count=1)
            server.asyncore.dispatcher.close(server)  # the listening socket only: no new connections
            deadline = time.monotonic() + DRAIN_SECONDS
            while connections() and time.monotonic() < deadline:
                loop(timeout=0.1, map=server._map, count=1)  # a channel with output to send returns at once
            if connections():
                still = [(channel.addr, channel.total_outbufs_len) for channel in connections()]
                failures.append(AssertionError(f"connections (address, bytes unsent) still open "
                                               f"{DRAIN_SECONDS} s after the close: {still}"))
                server.asyncore.close_all(server._map)
            server.trigger.close()
        except BaseException as error:  # reported below, in the test's own thread
            failures.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield server.effective_port
    finally:
        stop.set()
        thread.join(timeout=DRAIN_SECONDS + 5)
    assert not thread.is_alive(), "the server did not stop"
    assert not failures, f"the server's loop failed: {failures[0]!r}"
