"""Frame sources with fake cameras: no hardware, no network."""

import sys
import threading
import time
import types

import cv2
import numpy as np
import pytest

from edge_app import sources
from edge_app.sources import (
    DemoSource,
    Frame,
    ImageSource,
    LatestFrameReader,
    Paced,
    PiCameraSource,
    SourceError,
    VideoSource,
    open_source,
)


class FakeCapture:
    """Gives numbered frames; fails after `fail_after` reads, as a camera that is unplugged."""

    def __init__(self, fail_after=None, delay=0.0):
        self.count, self.fail_after, self.delay, self.released = 0, fail_after, delay, False

    def read(self):
        time.sleep(self.delay)
        if self.fail_after is not None and self.count >= self.fail_after:
            return False, None
        self.count += 1
        return True, np.full((4, 4, 3), self.count % 256, np.uint8)

    def release(self):
        self.released = True


def test_live_reader_keeps_only_the_newest_frame():
    reader = LatestFrameReader(lambda: FakeCapture(delay=0.001), "fake", log=lambda m: None)
    try:
        frames = iter(reader)
        first = next(frames)
        time.sleep(0.05)  # slow processing: the camera moved on meanwhile
        second = next(frames)
        assert int(second.image[0, 0, 0]) - int(first.image[0, 0, 0]) > 5
        assert second.index == first.index + 1
    finally:
        reader.close()


def test_live_reader_reconnects_after_a_disconnect(monkeypatch):
    monkeypatch.setattr(sources, "RETRY_DELAYS", (0.01,))
    opened, notes = [], []

    def open_capture():
        capture = FakeCapture(fail_after=3 if not opened else None, delay=0.001)
        opened.append(capture)
        return capture

    reader = LatestFrameReader(open_capture, "flaky", log=notes.append)
    try:
        deadline = time.time() + 5
        while len(opened) < 2 and time.time() < deadline:
            time.sleep(0.01)
        assert len(opened) >= 2 and opened[0].released
        assert any("reconnecting" in note for note in notes)
        assert next(iter(reader)).image.shape == (4, 4, 3)
    finally:
        reader.close()


def test_camera_that_never_gives_frames_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(sources, "RETRY_DELAYS", (0.01,))
    with pytest.raises(SourceError, match="no frames from ghost"):
        LatestFrameReader(lambda: None, "ghost", log=lambda m: None, first_frame_timeout=0.2)


def test_close_stops_the_reader_thread():
    reader = LatestFrameReader(lambda: FakeCapture(delay=0.001), "fake", log=lambda m: None)
    reader.close()
    assert not reader._thread.is_alive()
    assert list(iter(reader)) == []


class Numbered:
    """A file-like source of `count` numbered frames, then (optionally) a failure."""

    def __init__(self, count, fails=False):
        self.count, self.fails, self.closed = count, fails, False

    def __iter__(self):
        for index in range(self.count):
            yield Frame(np.full((4, 4), index % 256, np.uint8), index, index / 100)
        if self.fails:
            raise RuntimeError("disk gone")

    def close(self):
        self.closed = True


def test_paced_source_skips_frames_for_a_slow_reader_as_a_camera_would():
    paced = Paced(Numbered(40), fps=100)
    seen = []
    for frame in paced:
        seen.append(frame.index)
        time.sleep(0.04)  # four frame intervals
    assert seen == sorted(set(seen)) and seen[-1] == 39  # in order, none twice, up to the last
    assert len(seen) < 25  # a reader that kept up would have seen all 40
    paced.close()
    assert paced.source.closed


def test_paced_source_keeps_pace_and_ends_with_its_source():
    started = time.perf_counter()
    seen = [frame.index for frame in Paced(Numbered(10), fps=50)]
    assert seen == list(range(10))  # a fast reader misses nothing
    assert time.perf_counter() - started >= 9 / 50  # ... and gets them no faster than 50 a second


def test_paced_source_makes_frames_ahead_so_a_slow_one_keeps_its_pace():
    class SlowNow(Numbered):
        """Numbered frames, of which frame 30 takes a long time to make (a new demo scene)."""

        made = 0

        def __iter__(self):
            for frame in super().__iter__():
                if frame.index == 30:
                    time.sleep(0.25)
                self.made += 1
                yield frame

    unread = SlowNow(60)
    slow = Paced(unread, fps=2)  # only frame 0 due in the next 0.3 s
    time.sleep(0.3)
    assert Paced.READ_AHEAD + 1 <= unread.made <= Paced.READ_AHEAD + 2  # made ahead, and no further
    slow.close()
    paced = Paced(SlowNow(60), fps=50)
    stamps = []
    for frame in paced:
        stamps.append((frame.index, time.perf_counter()))
    assert [index for index, _ in stamps] == list(range(60))
    times = [stamp for _, stamp in stamps]
    gaps = np.diff(times)
    assert max(gaps) < 0.15  # 0.25 s to make frame 30, hidden by the 0.3 s made ahead


def test_paced_source_hands_on_its_failure_and_stops_on_close():
    with pytest.raises(RuntimeError, match="disk gone"):
        for _ in Paced(Numbered(3, fails=True), fps=1000):
            pass
    endless = Paced(DemoSource(seed=0, hold=1000), fps=1000)
    next(iter(endless))
    endless.close()
    assert not endless._thread.is_alive()


def test_picamera_source_with_a_fake_picamera2(monkeypatch):
    """picamera2 exists only on a Pi: a fake module stands in, with a YUV420 lores and a main stream."""
    calls = []

    sizes = {}

    class FakeRequest:
        def make_array(self, name):
            width, height = sizes[name]
            if name == "lores":  # YUV420: `height` rows of Y, then half as many of U and V
                return np.vstack([np.full((height, width), 200, np.uint8), np.zeros((height // 2, width), np.uint8)])
            return np.zeros((height, width, 3), np.uint8)

        def release(self):
            calls.append("release")

    class FakePicamera2:
        @staticmethod
        def global_camera_info():
            return [{"Model": "fake"}]

        def create_preview_configuration(self, main, lores):
            sizes["main"], sizes["lores"] = main["size"], lores["size"]
            calls.append(("configure", lores["format"]))
            return {}

        def configure(self, config):
            pass

        def start(self):
            calls.append("start")

        def capture_request(self):
            return FakeRequest()

        def stop(self):
            calls.append("stop")

        def close(self):
            calls.append("close")

    monkeypatch.setitem(sys.modules, "picamera2", types.SimpleNamespace(Picamera2=FakePicamera2))
    assert sources.picamera_available()
    source = open_source("picamera", log=lambda m: None)
    assert isinstance(source, PiCameraSource)
    try:
        frame = next(iter(source))
        lores_width, lores_height = sizes["lores"]
        assert frame.image.shape == (lores_height, lores_width) and frame.image.max() == 200  # the Y plane only
        assert frame.shown.shape[:2] == sizes["main"][::-1]
        assert frame.display_scale == sizes["main"][0] / lores_width
    finally:
        source.close()
    assert calls[0] == ("configure", "YUV420") and "release" in calls and calls[-1] == "close"


def test_picamera_without_picamera2_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "picamera2", None)
    with pytest.raises(SourceError, match="apt install python3-picamera2"):
        open_source("picamera")


def test_images_from_a_folder_and_a_glob(tmp_path):
    for name in ("b.png", "a.jpg"):
        cv2.imwrite(str(tmp_path / name), np.full((5, 7, 3), 128, np.uint8))
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "broken.png").write_bytes(b"not a png")
    skipped = []
    folder = open_source(str(tmp_path), log=skipped.append)
    assert isinstance(folder, ImageSource)
    assert [f.image.shape for f in folder] == [(5, 7, 3), (5, 7, 3)]
    assert skipped == [f"skipping {tmp_path / 'broken.png'}: not an image, or a truncated one (cannot decode)"]
    assert len(list(open_source(str(tmp_path / "*.jpg")))) == 1


def test_video_file_frame_by_frame(tmp_path):
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (32, 24))
    for value in range(6):
        writer.write(np.full((24, 32, 3), value * 40, np.uint8))
    writer.release()
    source = open_source(str(path))
    assert isinstance(source, VideoSource)
    assert len(list(source)) == 6


@pytest.mark.parametrize("spec, message", [
    ("absent.mp4", "source not found"),
    ("nothing-*.png", "no images match"),
])
def test_bad_sources(spec, message):
    with pytest.raises(SourceError, match=message):
        open_source(spec)


def test_demo_holds_each_scene_with_its_truth():
    source = DemoSource(seed=1, hold=3)
    frames = []
    for frame in source:
        frames.append(frame)
        if len(frames) == 7:
            break
    assert frames[0].truth is frames[2].truth and frames[3].truth is not frames[2].truth
    assert frames[0].image.shape == (480, 640, 3)
    assert [f.index for f in frames] == list(range(7))


def test_no_camera_suggests_the_demo(monkeypatch):
    monkeypatch.setattr(sources, "picamera_available", lambda: False)
    monkeypatch.setattr(sources, "_camera", lambda index, log: (_ for _ in ()).throw(SourceError("none")))
    with pytest.raises(SourceError, match="--source demo"):
        open_source(None)


def test_threads_left_running_are_only_daemons():
    assert all(t.daemon for t in threading.enumerate() if t.name.startswith("reader-"))


@pytest.fixture
def no_local_mnist(tmp_path, monkeypatch):
    from edge_app import mnist
    monkeypatch.delenv("MNIST_PATH", raising=False)
    monkeypatch.setattr(mnist, "KERAS_CACHE", tmp_path / "absent.npz")


def test_demo_digits_come_from_the_stroke_font_offline(no_local_mnist):
    from edge_app.scenes import DigitSource
    digits = DigitSource.find()
    assert digits.name == "stroke font"
    image = digits.digit(4, np.random.default_rng(0))
    assert image.dtype == np.uint8 and image.max() > 200 and min(image.shape) > 3


def test_demo_digits_from_a_given_mnist_path_must_load(no_local_mnist, tmp_path):
    from edge_app.mnist import MnistError
    from edge_app.scenes import DigitSource
    with pytest.raises(MnistError, match="not found"):
        DigitSource.find(str(tmp_path / "nope.npz"))
