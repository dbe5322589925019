"""Frame sources: each is an iterable of Frame, so the app's loop is `for frame in source:`.

    demo            camera-like scenes of handwritten numbers, made on the fly (edge_app.scenes)
    picamera        a Raspberry Pi camera through picamera2: the low-resolution YUV420
                    stream's Y plane is processed, the main stream is shown
    0, 1, ...       an OpenCV camera, read in its own thread keeping only the newest frame
    FILE or URL     a video file, frame by frame; a stream URL like a camera
    IMAGE, DIR, GLOB still images, one frame each

Cameras that fail or disconnect are retried with back-off and reported, not a crash.
"""

import glob
import os
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from edge_app.imageio import ImageError, folder_images, is_image_name, read_image
from edge_app.worker import JOIN_TIMEOUT, ThreadOwner

STREAM_PREFIXES = ("rtsp://", "rtmp://", "http://", "https://", "udp://", "tcp://")
RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0)  # seconds between reconnection attempts, then the last one repeats
FRAME_TIMEOUT = 5.0  # seconds without a new frame before a live source counts as lost
DEMO_HOLD = 45  # frames each demo scene stays in view, as if the camera were held over it


class SourceError(Exception):
    """A source cannot be opened; the message says why and what to try."""


@dataclass
class Frame:
    image: np.ndarray  # what the pipeline reads: BGR or grey
    index: int
    time: float  # seconds since the source started
    display: np.ndarray | None = None  # what is shown, when it differs (picamera's main stream)
    truth: list | None = None  # demo frames know what is written on them

    @property
    def shown(self) -> np.ndarray:
        return self.image if self.display is None else self.display

    @property
    def display_scale(self) -> float:
        """Display pixels per processed pixel."""
        return 1.0 if self.display is None else self.display.shape[1] / self.image.shape[1]


class DemoSource:
    """Scenes from the generator; each is held for DEMO_HOLD frames with a little camera shake."""

    live = False

    def __init__(self, seed: int = 0, mnist: str | None = None, hold: int = DEMO_HOLD):
        from edge_app.scenes import DigitSource
        self.seed, self.hold = seed, hold
        self.digits = DigitSource.find(mnist)

    def __iter__(self) -> Iterator[Frame]:
        from edge_app.scenes import make_scene, shake
        rng = np.random.default_rng(self.seed)
        started = time.perf_counter()
        index = 0
        while True:
            scene = make_scene(rng, self.digits)
            for _ in range(self.hold):
                dx, dy = rng.normal(0, 1.0, size=2)
                yield Frame(shake(scene.image, dx, dy), index, time.perf_counter() - started, truth=scene.numbers)
                index += 1

    def close(self) -> None:
        pass


class ImageSource:
    """Still images from files, a folder or a glob: one frame each, unreadable ones reported and skipped."""

    live = False

    def __init__(self, paths: list[str], log=print):
        self.paths, self.log = paths, log

    def __iter__(self) -> Iterator[Frame]:
        started = time.perf_counter()
        index = 0
        for path in self.paths:
            try:
                image = read_image(path)
            except ImageError as error:
                self.log(f"skipping {path}: {error}")
                continue
            yield Frame(image, index, time.perf_counter() - started)
            index += 1

    def close(self) -> None:
        pass


class VideoSource:
    """A video file, every frame in order."""

    live = False

    def __init__(self, path: str):
        self.capture = cv2.VideoCapture(path)
        if not self.capture.isOpened():
            raise SourceError(f"cannot open video {path}")
        self.fps = self.capture.get(cv2.CAP_PROP_FPS) or 30.0

    def __iter__(self) -> Iterator[Frame]:
        index = 0
        while True:
            ok, image = self.capture.read()
            if not ok:
                return
            yield Frame(image, index, index / self.fps)
            index += 1

    def close(self) -> None:
        self.capture.release()


class LatestFrameReader(ThreadOwner):
    """Reads a live source in its own thread and keeps only the newest frame.

    Slow processing then drops frames instead of falling behind. When reading
    fails, the source is reopened after RETRY_DELAYS, and each failure is logged.
    `open_capture` returns something with read() -> (ok, image) and release().
    """

    live = True

    def __init__(self, open_capture, name: str, log=print, first_frame_timeout: float = FRAME_TIMEOUT):
        self.open_capture, self.name, self.log = open_capture, name, log
        self._latest: np.ndarray | None = None
        self._sequence = 0
        self._failures = 0
        self._start_thread(f"reader-{name}")
        with self._condition:
            self._condition.wait_for(lambda: self._latest is not None or self._stopped, first_frame_timeout)
            if self._latest is None:
                self.close()
                raise SourceError(f"no frames from {name}; is it connected? (try --source demo)")

    def _run(self) -> None:
        capture = None
        while not self._stopped:
            if capture is None:
                capture = self._open()
                if capture is None:
                    continue
            ok, image = capture.read()
            if not ok or image is None:
                capture.release()
                capture = None
                self._failures += 1
                self.log(f"{self.name}: no frame, reconnecting (failure {self._failures})")
                self._sleep(self._delay())
                continue
            self._failures = 0
            with self._condition:
                self._latest, self._sequence = image, self._sequence + 1
                self._condition.notify_all()
        if capture is not None:
            capture.release()

    def _open(self):
        try:
            capture = self.open_capture()
        except Exception as error:  # a driver can raise anything; the loop must go on
            capture, reason = None, str(error)
        else:
            reason = "cannot open"
        if capture is None:
            self._failures += 1
            self.log(f"{self.name}: {reason}, retrying (failure {self._failures})")
            self._sleep(self._delay())
        return capture

    def _delay(self) -> float:
        return RETRY_DELAYS[min(self._failures, len(RETRY_DELAYS)) - 1]

    def _sleep(self, seconds: float) -> None:
        with self._condition:
            self._condition.wait_for(lambda: self._stopped, seconds)

    def __iter__(self) -> Iterator[Frame]:
        started = time.perf_counter()
        seen = 0
        index = 0
        while True:
            with self._condition:
                fresh = self._condition.wait_for(lambda last=seen: self._sequence != last or self._stopped,
                                                 FRAME_TIMEOUT)
                if self._stopped:
                    return
                if not fresh:
                    self.log(f"{self.name}: no new frame for {FRAME_TIMEOUT:.0f} s, still trying")
                    continue
                image, seen = self._latest, self._sequence
            yield Frame(image, index, time.perf_counter() - started)
            index += 1


_END = object()  # after a source's last frame


class Paced(ThreadOwner):
    """A file or demo source played as a live camera at `fps`: read in its own thread, newest frame kept.

    Frames are made up to READ_AHEAD ahead by one thread (drawing a demo scene, decoding
    video, which can take longer than a frame's interval now and then) and handed on at
    `fps` by another, so the replay keeps its pace. A reader slower than `fps` skips
    frames as it would a camera's, instead of slowing the replay. Ends when the source does.
    """

    live = True
    READ_AHEAD = 15  # frames made before they are due

    def __init__(self, source, fps: float):
        self.source, self.interval = source, 1.0 / fps
        self._latest: Frame | None = None
        self._sequence = 0
        self._ended = False
        self._error: Exception | None = None
        self._ahead: deque = deque()  # frames made and not yet due, then _END
        self._start_thread("paced-source")
        self._maker = threading.Thread(target=self._make, name="paced-maker", daemon=True)
        self._maker.start()

    def _make(self) -> None:
        try:
            for frame in self.source:
                with self._condition:
                    if not self._condition.wait_for(
                            lambda: len(self._ahead) < self.READ_AHEAD or self._stopped) or self._stopped:
                        return
                    self._ahead.append(frame)
                    self._condition.notify_all()
        except Exception as error:  # handed to the reader, which reports it
            self._error = error
        finally:
            with self._condition:
                self._ahead.append(_END)
                self._condition.notify_all()

    def _run(self) -> None:
        due = time.perf_counter()
        try:
            while True:
                with self._condition:
                    self._condition.wait_for(lambda: self._ahead or self._stopped)
                    if self._stopped or self._ahead[0] is _END:
                        return
                    if self._condition.wait_for(lambda: self._stopped, due - time.perf_counter()):
                        return
                    self._latest, self._sequence = self._ahead.popleft(), self._sequence + 1
                    self._condition.notify_all()
                due += self.interval
                if due < time.perf_counter():  # a frame late: the next one its interval later, no catching up
                    due = time.perf_counter() + self.interval
        finally:
            with self._condition:
                self._ended = True
                self._condition.notify_all()

    def __iter__(self) -> Iterator[Frame]:
        seen = 0
        while True:
            with self._condition:
                self._condition.wait_for(lambda last=seen: self._sequence != last or self._ended or self._stopped)
                if self._stopped or self._sequence == seen:
                    if self._error is not None:
                        raise self._error
                    return
                frame, seen = self._latest, self._sequence
            yield frame

    def close(self) -> None:
        super().close()
        self._maker.join(timeout=JOIN_TIMEOUT)
        self.source.close()


class PiCamera:
    """A capture-like wrapper of picamera2: read() gives the lores Y plane and the main stream."""

    def __init__(self, main_size=(1280, 960), lores_size=(640, 480)):
        from picamera2 import Picamera2  # only on a Raspberry Pi
        self.camera = Picamera2()
        config = self.camera.create_preview_configuration(
            main={"size": main_size, "format": "RGB888"}, lores={"size": lores_size, "format": "YUV420"})
        self.camera.configure(config)
        self.camera.start()
        self.lores_height = lores_size[1]

    def read(self):
        request = self.camera.capture_request()
        try:
            yuv = request.make_array("lores")
            main = request.make_array("main")
        finally:
            request.release()
        # YUV420: the first `height` rows are Y, already the grey image we need.
        return True, (yuv[:self.lores_height], main)

    def release(self) -> None:
        self.camera.stop()
        self.camera.close()


class PiCameraSource(LatestFrameReader):
    def __init__(self, log=print, open_camera=PiCamera):
        super().__init__(open_camera, "picamera", log)

    def __iter__(self) -> Iterator[Frame]:
        for frame in super().__iter__():
            grey, main = frame.image
            yield Frame(grey, frame.index, frame.time, display=main)


def picamera_available() -> bool:
    try:
        from picamera2 import Picamera2
    except ImportError:
        return False
    try:
        return bool(Picamera2.global_camera_info())
    except Exception:  # no libcamera service, no permission: no camera for us
        return False


def open_source(spec: str | None, seed: int = 0, mnist: str | None = None, log=print):
    """The source named by --source; None picks picamera, then camera 0, else says to try demo."""
    if spec is None:
        if picamera_available():
            return PiCameraSource(log)
        try:
            return _camera(0, log)
        except SourceError:
            raise SourceError("no camera found (no picamera2 camera, OpenCV camera 0 gives no frames); "
                              "try --source demo") from None
    if spec == "demo":
        return DemoSource(seed, mnist)
    if spec == "picamera":
        try:
            import picamera2  # noqa: F401
        except ImportError:
            raise SourceError("picamera2 is not installed (on a Raspberry Pi: sudo apt install "
                              "python3-picamera2, and a venv made with --system-site-packages)") from None
        return PiCameraSource(log)
    if spec.isdigit():
        return _camera(int(spec), log)
    if spec.startswith(STREAM_PREFIXES):
        return LatestFrameReader(lambda: _opened(cv2.VideoCapture(spec)), spec, log)
    folder = os.path.isdir(spec)
    if folder or any(c in spec for c in "*?["):
        paths = folder_images(spec) if folder else sorted(p for p in glob.glob(spec) if is_image_name(p))
        if not paths:
            raise SourceError(f"no images in folder {spec}" if folder else f"no images match {spec}")
        return ImageSource(paths, log)
    if not os.path.exists(spec):
        raise SourceError(f"source not found: {spec}")
    if is_image_name(spec):
        return ImageSource([spec], log)
    return VideoSource(spec)


def _camera(index: int, log) -> LatestFrameReader:
    return LatestFrameReader(lambda: _opened(cv2.VideoCapture(index)), f"camera {index}", log)


def _opened(capture):
    if capture.isOpened():
        return capture
    capture.release()
    return None
