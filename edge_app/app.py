"""The live app: frames in, stable numbers out, drawn, printed and saved.

    python -m edge_app run --source demo --max-frames 300 --save-video out/demo.mp4
    python -m edge_app run --source 0 --json
    python -m edge_app run --source picamera --no-display --json >> readings.log
"""

import dataclasses
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from edge_app.blobcache import BlobCache
from edge_app.fileio import atomic_path
from edge_app.pipeline import Number, PipelineConfig, read_frame
from edge_app.tracking import Stabilizer
from edge_app.vision.boxes import scale_number
from edge_app.visualize import draw_numbers, draw_status

WINDOW = "edge-digits"
QUIT_KEYS = (ord("q"), 27)  # q and Esc
VIDEO_FPS = 30.0  # frames per second written to --save-video when the source has no rate of its own


@dataclass(frozen=True)
class RunOptions:
    max_frames: int | None = None  # stop after this many frames
    duration: float | None = None  # stop after this many seconds
    display: bool = False  # show a window (q or Esc quits)
    json: bool = False  # one JSON object per frame on stdout
    save_video: str | None = None  # annotated video file (.mp4 or .avi)
    save_frames: str | None = None  # folder for annotated frames as JPEG
    roi: tuple[int, int, int, int] | None = None  # x, y, w, h: read only inside this region


@dataclass
class RunSummary:
    frames: int = 0
    seconds: float = 0.0
    frame_ms: list[float] = field(default_factory=list)
    scenes: int = 0  # demo only: scenes shown, and numbers read exactly at each scene's end
    scene_numbers: int = 0
    scene_numbers_exact: int = 0

    def line(self) -> str:
        if not self.frames:
            return "no frames"
        p50, p95 = np.percentile(self.frame_ms, [50, 95])
        text = (f"{self.frames} frames in {self.seconds:.1f} s ({self.frames / max(self.seconds, 1e-9):.1f} fps); "
                f"frame time median {p50:.1f} ms, 95th percentile {p95:.1f} ms")
        if self.scene_numbers:
            text += (f"; demo: {self.scene_numbers_exact}/{self.scene_numbers} numbers read exactly "
                     f"over {self.scenes} scenes")
        return text


def has_display() -> bool:
    """A window can be shown: a display is set (or not on Linux) and OpenCV was built with a GUI."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return False
    gui = next((line for line in cv2.getBuildInformation().splitlines() if line.strip().startswith("GUI:")), "")
    return bool(gui) and "NONE" not in gui.upper()


def run(source, classifier, options: RunOptions | None = None, config: PipelineConfig | None = None,
        out=print, log=None) -> RunSummary:
    """The main loop. `out` gets the JSON lines and readings; `log` the notes (default stderr)."""
    options, config = options or RunOptions(), config or PipelineConfig()
    log = log or (lambda message: print(message, file=sys.stderr, flush=True))
    stabilizer, cache = Stabilizer(), BlobCache()
    summary = RunSummary()
    video = _VideoOutput(options.save_video, getattr(source, "fps", None) or VIDEO_FPS)
    if options.save_frames:
        Path(options.save_frames).mkdir(parents=True, exist_ok=True)
    display = options.display
    last_texts: list[str] = []
    scene_truth, scene_read = None, []
    started = time.perf_counter()
    completed = False
    noted: set[str] = set()  # what was said of the region of interest, said once for each size of frame
    try:
        for frame in _until_interrupted(source):
            note = roi_note(options.roi, frame.image.shape)
            if note and note not in noted:
                noted.add(note)
                log(note)
            tick = time.perf_counter()
            stable = read_stable(frame, classifier, stabilizer, config, options.roi, cache)
            summary.frame_ms.append((time.perf_counter() - tick) * 1000)
            summary.frames += 1
            texts = [n.text for n in stable]
            if frame.truth is not None:
                if scene_truth is not None and frame.truth is not scene_truth:
                    _score_scene(summary, scene_truth, scene_read)
                scene_truth, scene_read = frame.truth, texts
            if options.json:
                out(json.dumps({"frame": frame.index, "time": round(frame.time, 3),
                                "ms": round(summary.frame_ms[-1], 2), "numbers": [reading(n) for n in stable]}))
            elif texts != last_texts:
                out(f"frame {frame.index}: " + (", ".join(texts) if texts else "(none)"))
            last_texts = texts
            if display or video.path or options.save_frames:
                annotated = annotate(frame, stable, summary)
                video.write(annotated)
                if options.save_frames:
                    cv2.imwrite(os.path.join(options.save_frames, f"frame_{frame.index:06d}.jpg"), annotated)
                if display:
                    display = _show(annotated, log)
                    if display is None:
                        break  # the user quit
            if options.max_frames and summary.frames >= options.max_frames:
                break
            if options.duration and time.perf_counter() - started >= options.duration:
                break
        completed = True
    finally:
        summary.seconds = time.perf_counter() - started
        source.close()
        video.close(keep=completed)
        if options.display:
            cv2.destroyAllWindows()
    if scene_truth is not None:
        _score_scene(summary, scene_truth, scene_read)
    return summary


def _until_interrupted(source):
    """The source's frames; Ctrl-C ends the run like --max-frames, with everything written."""
    iterator = iter(source)
    while True:
        try:
            yield next(iterator)
        except (StopIteration, KeyboardInterrupt):
            return


def roi_note(roi: tuple[int, int, int, int] | None, shape) -> str | None:
    """What to tell a user whose region of interest (x, y, w, h) is not all inside a frame of `shape`: None if it is."""
    if roi is None:
        return None
    x, y, w, h = roi
    height, width = shape[:2]
    inside_w, inside_h = min(x + w, width) - x, min(y + h, height) - y
    region = f"--roi {x},{y},{w},{h}"
    if inside_w <= 0 or inside_h <= 0:
        return f"{region} lies outside the {width}x{height} frame: nothing is read"
    if (inside_w, inside_h) != (w, h):
        return f"{region} reaches past the {width}x{height} frame: only its {inside_w}x{inside_h} inside is read"
    return None


def read_stable(frame, classifier, stabilizer: Stabilizer, config: PipelineConfig,
                roi: tuple[int, int, int, int] | None = None, cache: BlobCache | None = None) -> list[Number]:
    """One frame through the pipeline and the stabilizer: each number with its voted text."""
    numbers = read_frame(frame.image, classifier, config, roi, cache)
    return [dataclasses.replace(number, text=text) for text, number in stabilizer.update(numbers)]


def annotate(frame, numbers: list[Number], summary: RunSummary) -> np.ndarray:
    recent = summary.frame_ms[-30:]
    fps = 1000.0 / max(np.mean(recent), 1e-6)
    return draw_frame(frame, numbers, f"{fps:.0f} fps (processing), {recent[-1]:.1f} ms/frame")


def draw_frame(frame, numbers: list[Number], status: str) -> np.ndarray:
    """The frame as shown (picamera's main stream, say), the readings drawn at its scale, a status line."""
    scale = frame.display_scale
    if scale != 1.0:
        numbers = [scale_number(n, scale) for n in numbers]
    return draw_status(draw_numbers(frame.shown, numbers), status)


def reading(number: Number) -> dict:
    """A stable reading as `run --json` and the web API's /api/readings give it."""
    return {"text": number.text, "box": list(number.box), "confidence": round(number.confidence, 4)}


def _score_scene(summary: RunSummary, truth, read: list[str]) -> None:
    summary.scenes += 1
    summary.scene_numbers += len(truth)
    summary.scene_numbers_exact += sum(text in read for text, _ in truth)


def _show(image, log):
    """Show a frame; returns True to go on, None when the user quits, False when no window can be shown."""
    try:
        cv2.imshow(WINDOW, image)
        key = cv2.waitKey(1) & 0xFF
    except cv2.error:
        log("no window can be shown here; going on headless")
        return False
    return None if key in QUIT_KEYS else True


class _VideoOutput:
    """An annotated video, written to a temporary file and moved into place only when complete."""

    def __init__(self, path: str | None, fps: float):
        self.path, self.fps = path, fps
        self._writer = None
        self._atomic = None

    def write(self, image) -> None:
        if not self.path:
            return
        if self._writer is None:
            self._atomic = atomic_path(self.path)
            tmp = self._atomic.__enter__()
            fourcc = cv2.VideoWriter_fourcc(*("MJPG" if str(self.path).lower().endswith(".avi") else "mp4v"))
            self._writer = cv2.VideoWriter(str(tmp), fourcc, self.fps, (image.shape[1], image.shape[0]))
            self._size = (image.shape[1], image.shape[0])
        if (image.shape[1], image.shape[0]) != self._size:
            image = cv2.resize(image, self._size)
        self._writer.write(image)

    def close(self, keep: bool = True) -> None:
        """Finish the file; with keep=False (the run failed) remove it instead."""
        if self._writer is not None:
            self._writer.release()
            if keep:
                self._atomic.__exit__(None, None, None)
            else:
                failure = RuntimeError("run failed")
                self._atomic.__exit__(RuntimeError, failure, None)
            self._writer = None
