"""The web interface: watch the camera, upload a photo, draw a digit, from a phone or a laptop.

    python -m edge_app serve --source demo          # then open http://127.0.0.1:8080
    python -m edge_app serve --source 0 --host 0.0.0.0 --save-uploads uploads/
    curl --data-binary @photo.jpg http://127.0.0.1:8080/api/predict

Routes: / (the page), /stream.mjpg (the annotated live view), GET /api/readings (the
live source's stable readings), POST /api/predict (an image as the body or in a
multipart form -> the JSON of `predict --json`), GET /healthz, GET /api/openapi.json.
It listens on 127.0.0.1 only unless --host says otherwise. Uploads are held in memory,
never written to disk unless --save-uploads names a folder, and are refused (413)
above --max-upload-mb or --max-megapixels; anything but a JPEG, PNG, WebP or BMP
image gets 400 with the reason. Needs the web extra: pip install .[web]
"""

# This module is the part that needs no web framework (the live view's thread, the
# checks and reading of uploads, the command line); edge_app/webapp.py puts it on the
# web with Flask and waitress.

import ctypes
import importlib
import os
import secrets
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import cv2

from edge_app.app import draw_frame, read_stable, reading
from edge_app.blobcache import BlobCache
from edge_app.fileio import atomic_write_bytes
from edge_app.imageio import ImageError, declared_size, image_format, jpeg_truncated
from edge_app.pipeline import PipelineConfig
from edge_app.predict import Prediction, full_size, read_numbers
from edge_app.sources import Paced
from edge_app.tracking import Stabilizer
from edge_app.worker import LatestWorker

MB = 1 << 20  # bytes in the megabyte of --max-upload-mb
DEFAULT_HOST = "127.0.0.1"  # this machine only: a device on a shared network is not opened by default
DEFAULT_PORT = 8080
MAX_UPLOAD_MB = 10.0  # a request body's size limit
MAX_MEGAPIXELS = 40.0  # an upload's declared pixel count limit: 120 MB once decoded as BGR
UPLOAD_FORMATS = ("jpeg", "png", "webp", "bmp")  # formats whose header gives the size before decoding
PREDICT_SLOTS = 2  # uploads decoded and read at once, the others wait: bounds memory under load
MAX_VIEWERS = 4  # live streams at once: each holds a server thread while it plays
REPLAY_FPS = 15.0  # frames per second for sources that are not live cameras (demo, video, images)
STALE_AFTER = 3.0  # seconds without a new frame before the live view counts as stalled
KEEPALIVE = 2.0  # seconds between repeats of the last frame to a viewer when none is new
JPEG_QUALITY = 80  # of the live view's frames
FPS_WINDOW = 30  # frames the shown frame rate is averaged over
WEB_DEPENDENCIES = ("flask", "waitress")  # the [web] extra
MMAP_THRESHOLD = 4 * MB  # glibc: larger blocks are mapped apart, and unmapped when freed


@dataclass(frozen=True)
class ServeOptions:
    max_upload_bytes: int = int(MAX_UPLOAD_MB * MB)  # larger request bodies get 413
    max_pixels: int = int(MAX_MEGAPIXELS * 1_000_000)  # images declaring more pixels get 413
    save_uploads: str | None = None  # folder for accepted uploads, under names the server picks
    roi: tuple[int, int, int, int] | None = None  # x, y, w, h of the live source to read
    replay_fps: float | None = REPLAY_FPS  # pace of sources that are not live cameras; None: unpaced
    source_error: str | None = None  # why there is no live source, for the page


class UploadError(Exception):
    """An upload refused with an HTTP status (400 or 413) and a reason for the client."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status


class _Serialized:
    """The classifier behind a lock: its one interpreter must never run two batches at once.

    Only predict() is locked, so decoding and the pipeline's other stages of the live
    view and of several uploads still run side by side.
    """

    def __init__(self, classifier):
        self.classifier = classifier
        self._lock = threading.Lock()

    def predict(self, digits):
        with self._lock:
            return self.classifier.predict(digits)


class LiveView:
    """Shows a frame source in its own thread, with the latest readings drawn on each frame, keeping the latest.

    A live source's frames are shown as they come, while another thread (LatestWorker)
    reads the newest of them; a frame that takes long to read (a new page) delays the
    readings, not the picture. A source that is not live (a file replayed unpaced) has
    each frame read before it is shown. The MJPEG stream and /api/readings read
    snapshots under a condition; a frame is encoded as JPEG only when someone watches,
    once however many watch. A source that fails is reported (state "failed"), never
    raised into the server.
    """

    def __init__(self, source, classifier, config: PipelineConfig, options: ServeOptions, log=print):
        self.source, self.classifier, self.config, self.options, self.log = source, classifier, config, options, log
        self._condition = threading.Condition()
        self._encode_lock = threading.Lock()
        self._state = "off" if source is None else "starting"
        self._error = options.source_error
        self._numbers, self._frame_index, self._frame_time, self._frame_ms = [], None, None, None
        self._shown_index = None
        self._image, self._sequence, self._jpeg, self._jpeg_sequence = None, 0, b"", 0
        self._ticks: deque[float] = deque(maxlen=FPS_WINDOW)  # perf_counter of recent frames
        self._stopped = False
        self._viewers = 0
        self._thread = None

    def start(self) -> "LiveView":
        if self.source is not None and self._thread is None:
            if not getattr(self.source, "live", False) and self.options.replay_fps:
                self.source = Paced(self.source, self.options.replay_fps)  # played as a camera gives frames
            self._thread = threading.Thread(target=self._run, name="live-view", daemon=True)
            self._thread.start()
        return self

    def stop(self, wait: bool = True) -> None:
        """End the loop and every stream; with wait, also close the source and join the thread."""
        with self._condition:
            self._stopped = True
            self._condition.notify_all()
        if wait and self._thread is not None and self._thread is not threading.current_thread():
            if getattr(self.source, "live", False):
                self.source.close()  # a camera reader's close() is thread-safe and ends its wait for a frame
            self._thread.join(timeout=5.0)

    def _run(self) -> None:
        stabilizer, cache = Stabilizer(), BlobCache()
        worker = LatestWorker(lambda frame: read_stable(frame, self.classifier, stabilizer, self.config,
                                                        self.options.roi, cache), "live-reader")
        live, frame, failure = getattr(self.source, "live", False), None, None
        try:
            for frame in self.source:
                if self._stopped:
                    break
                worker.offer(frame)  # read while it is shown; a camera's next frames are shown meanwhile
                if not live:
                    worker.settle()  # a file replayed unpaced: each frame is shown with its own reading
                self._show(frame, worker.result, time.perf_counter())
            if frame is not None and worker.settle(timeout=5.0) and not self._stopped:
                if worker.result is not None and worker.result[0] is frame:
                    self._show(frame, worker.result, None)  # the last frame, with its own reading
        except Exception as error:  # a source or driver can raise anything: the page says so, uploads go on
            failure = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            self.log(f"live source failed: {failure}")
        finally:
            worker.close()
            try:
                self.source.close()
            except Exception as error:  # closing a broken driver must not hide why it broke
                self.log(f"closing the live source: {error}")
            # Said only now, so that a client told "ended" or "failed" finds the camera released.
            with self._condition:
                if failure is not None:
                    self._state, self._error, self._numbers = "failed", failure, []
                elif not self._stopped:
                    self._state = "ended"
                self._condition.notify_all()

    def _show(self, frame, result, tick: float | None) -> None:
        """Publishes the frame with the latest reading drawn on it; tick (None: a redraw) counts it as shown."""
        read, numbers, seconds = result if result is not None else (None, [], None)
        ms = None if seconds is None else seconds * 1000
        with self._condition:
            if tick is not None:
                self._ticks.append(tick)
            fps = self._fps()
        image = draw_frame(frame, numbers, f"{fps:.0f} fps" + ("" if ms is None else f", read in {ms:.0f} ms"))
        with self._condition:
            self._numbers, self._frame_ms, self._image, self._sequence = numbers, ms, image, self._sequence + 1
            self._shown_index = frame.index
            if read is not None:
                self._frame_index, self._frame_time = read.index, read.time
            self._state, self._error = "live", None
            self._condition.notify_all()

    def snapshot(self) -> dict:
        """The state and latest stable readings, as /api/readings gives them."""
        now = time.perf_counter()
        with self._condition:
            state, error = self._state, self._error
            age = now - self._ticks[-1] if self._ticks else None
            if state == "live" and age is not None and age > STALE_AFTER:
                state, error = "stalled", f"no new frame for {age:.0f} s; the source is being retried"
            return {"state": state, "error": error, "frame": self._frame_index, "shown": self._shown_index,
                    "time": _rounded(self._frame_time, 3), "age": _rounded(age, 3),
                    "fps": round(self._fps(), 2) if state == "live" else 0.0, "ms": _rounded(self._frame_ms, 2),
                    "numbers": [reading(n) for n in self._numbers]}

    def _fps(self) -> float:
        """Frames per second actually delivered, over the last FPS_WINDOW frames; the caller holds the lock."""
        ticks = self._ticks
        return (len(ticks) - 1) / (ticks[-1] - ticks[0]) if len(ticks) > 1 and ticks[-1] > ticks[0] else 0.0

    @property
    def streaming(self) -> bool:
        """There is, or will be, a frame to show."""
        with self._condition:
            return self._state in ("starting", "live", "ended") or self._image is not None

    @property
    def viewers(self) -> int:
        with self._condition:
            return self._viewers

    def add_viewer(self) -> bool:
        with self._condition:
            if self._viewers >= MAX_VIEWERS:
                return False
            self._viewers += 1
            return True

    def remove_viewer(self) -> None:
        with self._condition:
            self._viewers -= 1

    def jpegs(self):
        """The annotated frames as JPEG, each new one once; the last is repeated every KEEPALIVE seconds.

        Ends when the view stops, or after the last frame of a source that ended or failed.
        """
        seen = -1
        while True:
            with self._condition:
                self._condition.wait_for(lambda seen=seen: self._sequence != seen or self._stopped
                                         or self._state in ("ended", "failed"), KEEPALIVE)
                if self._stopped:
                    return
                sequence, image, over = self._sequence, self._image, self._state in ("ended", "failed")
            if over and sequence == seen:
                return
            if image is not None:
                yield self._encoded(sequence, image)
            seen = sequence

    def _encoded(self, sequence: int, image) -> bytes:
        with self._encode_lock:
            if self._jpeg_sequence != sequence:
                ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
                self._jpeg, self._jpeg_sequence = data.tobytes() if ok else self._jpeg, sequence
            return self._jpeg


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


class Predictor:
    """Uploads to predictions: checks, decoding, the pipeline, and --save-uploads."""

    def __init__(self, classifier, config: PipelineConfig, options: ServeOptions, log=print):
        self.classifier, self.config, self.options, self.log = classifier, config, options, log
        self._slots = threading.BoundedSemaphore(PREDICT_SLOTS)

    def check(self, data: bytes) -> str:
        """The image format of an acceptable upload; UploadError (400 or 413) with the reason otherwise."""
        limit = self.options.max_upload_bytes
        if len(data) > limit:
            raise UploadError(413, f"upload too large: {len(data):,} bytes, the limit is {limit:,}")
        if not data:
            raise UploadError(400, "empty upload: send a JPEG, PNG, WebP or BMP image")
        kind = image_format(data)
        if kind not in UPLOAD_FORMATS:
            raise UploadError(400, f"not a JPEG, PNG, WebP or BMP image{f' ({kind})' if kind else ''}")
        size = declared_size(data)
        if size is None:
            raise UploadError(400, f"damaged {kind.upper()} header: the image size cannot be read")
        if size[0] * size[1] > self.options.max_pixels:
            raise UploadError(413, f"image too large: {size[0]}x{size[1]} pixels, "
                                   f"the limit is {self.options.max_pixels:,}")
        if jpeg_truncated(data):
            raise UploadError(400, "truncated JPEG: the file ends before the image does")
        return kind

    def predict(self, data: bytes, name: str) -> Prediction:
        kind = self.check(data)
        started = time.perf_counter()
        with self._slots:
            try:
                picture, numbers = read_numbers(data, self.classifier, self.config, self.options.max_pixels)
            except ImageError as error:
                raise UploadError(400, str(error)) from None
        prediction = Prediction(name, picture.width, picture.height, full_size(numbers, picture),
                                seconds=time.perf_counter() - started)
        if self.options.save_uploads:
            self._save(data, kind)
        return prediction

    def _save(self, data: bytes, kind: str) -> None:
        """Under a name the server picks: the time and a random part, never the client's name."""
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(4)}.{'jpg' if kind == 'jpeg' else kind}"
        try:
            atomic_write_bytes(Path(self.options.save_uploads) / name, data)
        except OSError as error:
            self.log(f"cannot save upload {name}: {error.strerror or error}")


def start(classifier, source, options: ServeOptions, config: PipelineConfig, log=print):
    """The live view, already running when there is a source, and the upload reader.

    Both share the classifier, behind one lock.
    """
    shared = _Serialized(classifier)
    return LiveView(source, shared, config, options, log).start(), Predictor(shared, config, options, log)


def command(args, classifier, prog: str) -> int:
    """`serve`'s command line, after cli.py has built the classifier."""
    from edge_app.cli_util import fail
    from edge_app.mnist import MnistError
    from edge_app.sources import SourceError, open_source

    def log(message):
        print(message, file=sys.stderr, flush=True)

    if args.save_uploads:
        try:
            Path(args.save_uploads).mkdir(parents=True, exist_ok=True)
        except OSError as error:
            return fail(prog, f"cannot create {args.save_uploads}: {error.strerror or error}")
    source, source_error = None, None
    if not args.live:
        source_error = "started with --no-live"
    else:
        try:
            source = open_source(args.source, seed=args.seed, mnist=args.mnist, log=log)
        except (SourceError, MnistError) as error:
            if args.source is not None:
                return fail(prog, str(error))  # a source named on the command line must open
            source_error = str(error)
            log(f"{prog}: no live view: {error}")
    options = ServeOptions(max_upload_bytes=int(args.max_upload_mb * MB),
                           max_pixels=int(args.max_megapixels * 1_000_000), save_uploads=args.save_uploads,
                           roi=args.roi, source_error=source_error, replay_fps=args.replay_fps or None)
    log(f"model {classifier.describe()}")
    _give_back_large_blocks()
    from edge_app.webapp import create_app, serve, stop_app
    app = create_app(classifier, source, options, PipelineConfig(min_confidence=args.min_confidence), log)
    try:
        serve(app, args.host, args.port, log)
    except OSError as error:
        stop_app(app)
        return fail(prog, f"cannot listen on {args.host}:{args.port}: {error.strerror or error}")
    log("stopped")
    return 0


def _give_back_large_blocks() -> None:
    """Fix glibc's mmap threshold, so that memory goes back to the system after a burst of uploads.

    glibc raises the threshold each time a large mapped block is freed; later decoded
    images then come from heaps that each thread keeps, and the server's memory stays
    near its peak (measured with 20 clients: 115 MB before, 180-230 MB after; with the
    threshold fixed, 101 MB before and 102 MB after). MALLOC_MMAP_THRESHOLD_ in the
    environment wins.
    """
    if not sys.platform.startswith("linux") or "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (musl, say): its allocator behaves otherwise
        return
    m_mmap_threshold = -3  # from glibc's malloc.h
    libc.mallopt(m_mmap_threshold, MMAP_THRESHOLD)


def missing_web_dependency() -> str | None:
    """The first package of the [web] extra that cannot be imported, if any."""
    for name in WEB_DEPENDENCIES:
        try:
            importlib.import_module(name)
        except ImportError:
            return name
    return None


