"""The benchmark: every model on MNIST and on camera-like scenes, for accuracy, size and speed.

    python -m edge_app bench                                  # every model in models/, the full run
    python -m edge_app bench --quick --out out/bench          # under 30 s; bench.json, bench.csv, PNG plots
    python -m edge_app bench --models models/digits_int8.tflite --threads 1 4
    python -m edge_app bench --compare pi/bench.json laptop/bench.json

Device side only (numpy, OpenCV, the LiteRT interpreter). Every model sees the same
images: the first MNIST test digits, and seeded scenes from the demo's generator, made
once and kept as lossless PNGs in a temporary folder. Each model is measured in a fresh
process per thread count (forked from a server that never loads a model), so nothing is
cached between models and each peak-memory figure is that process's own. Accuracy does
not depend on the thread count: it is measured once per model, in the first thread
count's process, after its timings.
"""

import json
import os
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np

from edge_app.benchreport import REQUIRED_FIELDS, TIMING_FIELDS, markdown, write_outputs
from edge_app.blobcache import BlobCache
from edge_app.classifier import NUM_CLASSES, Classifier, ModelError
from edge_app.machine import machine_info, peak_rss_mb
from edge_app.manifest import MANIFEST_FILE, find_entry
from edge_app.pipeline import read_frame
from edge_app.progress import Progress
from edge_app.scenes import DigitSource, SceneConfig, load_test_digits, make_scene, shake
from edge_app.strokefont import draw

REFERENCE_VARIANT = "float32"  # agreement is counted against this variant's predictions
TIMING_DIGITS = 256  # distinct digits cycled through by the latency and throughput runs
MNIST_FILE = "mnist.npy"  # the MNIST digits the accuracy job classifies, in the temporary folder
VIDEO_HOLD = 15  # frames each scene is held for in the steady-video timing: half a second at 30 fps


def default_threads() -> tuple[int, ...]:
    """One thread (for the interpreter and OpenCV), and one per core."""
    return tuple(sorted({1, os.cpu_count() or 1}))


@dataclass(frozen=True)
class BenchSettings:
    """How much of everything to measure; `QUICK` is the --quick run."""

    mnist_limit: int | None = None  # MNIST test digits to classify, the first ones; None: all 10,000
    scenes: int = 200  # camera-like 640x480 scenes, the same for every model
    seed: int = 0  # of the scenes: one np.random.default_rng(seed) draws them all, one after another
    ruled: float = 0.0  # share of the scenes on ruled or squared notebook paper
    threads: tuple[int, ...] = field(default_factory=default_threads)  # interpreter and OpenCV threads timed
    mnist_batch: int = 250  # digits per interpreter call for MNIST accuracy (untimed)
    latency_warmup: int = 20  # batch-1 calls run and thrown away before timing
    latency_runs: int = 500  # timed batch-1 calls
    throughput_batch: int = 32  # digits per call for throughput
    throughput_warmup: int = 3  # batches thrown away
    throughput_runs: int = 40  # timed batches
    frame_warmup: int = 3  # scenes read and thrown away before timing the whole pipeline
    frame_runs: int = 40  # timed scenes (the first ones, cycled when there are fewer)
    quick: bool = False


QUICK = BenchSettings(mnist_limit=1000, scenes=12, latency_runs=100, throughput_runs=10, frame_runs=10, quick=True)


def bench_settings(*, quick: bool = False, **given) -> BenchSettings:
    """The full or quick settings with the options given on the command line (None: not given)."""
    base = QUICK if quick else BenchSettings()
    given = {key: value for key, value in given.items() if value is not None}
    if "threads" in given:
        given["threads"] = tuple(dict.fromkeys(given["threads"]))  # in the order given, without repeats
    return replace(base, **given)


def default_models(folder: Path) -> list[Path]:
    """Every .tflite in `folder`: those in its manifest first, in the manifest's order, then the rest by name."""
    files = sorted(folder.glob("*.tflite"))
    try:
        listed = [entry.get("file") for entry in json.loads((folder / MANIFEST_FILE).read_text())["models"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        listed = []
    rank = {name: i for i, name in enumerate(listed)}
    return sorted(files, key=lambda path: (rank.get(path.name, len(rank)), path.name))


def variant_name(path: Path) -> str:
    """The variant its manifest records ('int8'), else the file's name without .tflite."""
    entry = find_entry(path)
    return str(entry["variant"]) if entry and entry.get("variant") else Path(path).stem


# --- the data every model sees --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BenchData:
    """What the parent prepares once, in a temporary folder; every child reads the same."""

    folder: str  # scene_00000.png, ..., and mnist.npy
    mnist_labels: np.ndarray | None  # of the digits in mnist.npy; None when MNIST was not found
    timing_digits: np.ndarray  # uint8 (TIMING_DIGITS, 28, 28) for latency and throughput
    scenes: list  # per scene: {"numbers": [(text, box)], "digits": [(digit, box)]}

    @property
    def mnist_file(self) -> str | None:
        return None if self.mnist_labels is None else str(Path(self.folder) / MNIST_FILE)


def write_scenes(folder: Path, settings: BenchSettings, digits: DigitSource, progress: Progress) -> list[dict]:
    """Make the scenes from the seed, save them as PNG (lossless), return their ground truth."""
    rng = np.random.default_rng(settings.seed)
    truths = []
    for i in progress.track("making scenes", range(settings.scenes), settings.scenes):
        scene = make_scene(rng, digits, SceneConfig(rules=settings.ruled))
        ok, png = cv2.imencode(".png", scene.image, [cv2.IMWRITE_PNG_COMPRESSION, 1])
        if not ok:
            raise OSError(f"cannot encode scene {i} as PNG")
        (folder / _scene_name(i)).write_bytes(png.tobytes())
        truths.append({"numbers": scene.numbers, "digits": scene.digits})
    progress.clear()
    return truths


def _scene_name(index: int) -> str:
    return f"scene_{index:05d}.png"


def font_digits(count: int, seed: int) -> np.ndarray:
    """Stroke-font digits for the timings when there is no MNIST: what is read does not change how long it takes."""
    rng = np.random.default_rng(seed)
    return np.stack([draw(i % 10, rng) for i in range(count)])


# --- one model, one thread count, in a fresh process ----------------------------------------------------------------

@dataclass(frozen=True)
class Job:
    model: str
    threads: int
    settings: BenchSettings
    timing_digits: np.ndarray
    folder: str  # BenchData's
    scene_count: int
    accuracy: bool  # also classify MNIST (mnist_file) and read every scene, after the timings
    mnist_file: str | None  # read only then, so that it weighs on no job's timings or peak memory
    label: str  # names the job on the progress bar


def measure(job: Job) -> dict:
    """Timings, then (for the accuracy job) predictions on MNIST and readings of every scene."""
    progress = Progress(job.label)
    settings = job.settings
    cv2.setNumThreads(job.threads)  # the pipeline's OpenCV calls too: "1 thread" is one core's figure
    started = time.perf_counter()
    classifier = Classifier(job.model, num_threads=job.threads)
    load_ms = (time.perf_counter() - started) * 1e3
    progress.show("timing digits", 0, 1)
    latency = _latency_ms(classifier, job.timing_digits, settings.latency_warmup, settings.latency_runs)
    throughput = _throughput(classifier, job.timing_digits, settings)
    frames = _frame_ms(classifier, job, progress)
    video = _video_frame_ms(classifier, job, progress)
    timing = {
        "num_threads": job.threads,
        "load_ms": load_ms,
        "latency_ms_p50": float(np.percentile(latency, 50)),
        "latency_ms_p95": float(np.percentile(latency, 95)),
        "throughput_per_s": throughput,
        "frame_ms_p50": float(np.percentile(frames, 50)),
        "frame_ms_p95": float(np.percentile(frames, 95)),
        "video_frame_ms_p50": float(np.percentile(video, 50)),
        "video_frame_ms_p95": float(np.percentile(video, 95)),
        "peak_rss_mb": peak_rss_mb(),  # before the accuracy runs, which hold more data than the timings
        "opencv_threads": cv2.getNumThreads(),  # the pipeline's OpenCV calls ran on these
    }
    result = {"timing": timing, "warnings": classifier.warnings, "mnist": None, "scenes": None}
    if job.accuracy:
        if job.mnist_file is not None:
            result["mnist"] = _classify(classifier, np.load(job.mnist_file), settings.mnist_batch, progress)
        result["scenes"] = [_plain(read_frame(cv2.imread(str(Path(job.folder) / _scene_name(i))), classifier))
                            for i in progress.track("reading scenes", range(job.scene_count), job.scene_count)]
    progress.clear()
    return result


def _latency_ms(classifier, digits: np.ndarray, warmup: int, runs: int) -> np.ndarray:
    """Per-digit latency at batch 1: perf_counter around predict alone, warm-up calls thrown away."""
    times = []
    for i in range(warmup + runs):
        digit = digits[i % len(digits)][None]
        start = time.perf_counter()
        classifier.predict(digit)
        elapsed = time.perf_counter() - start
        if i >= warmup:
            times.append(elapsed)
    return np.array(times) * 1e3


def _throughput(classifier, digits: np.ndarray, settings: BenchSettings) -> float:
    """Digits per second at `throughput_batch` digits per call, warm-up batches thrown away."""
    size = settings.throughput_batch
    total = 0.0
    for i in range(settings.throughput_warmup + settings.throughput_runs):
        batch = digits[np.arange(i * size, (i + 1) * size) % len(digits)]
        start = time.perf_counter()
        classifier.predict(batch)
        elapsed = time.perf_counter() - start
        if i >= settings.throughput_warmup:
            total += elapsed
    return settings.throughput_runs * size / total


def _frame_ms(classifier, job: Job, progress: Progress) -> np.ndarray:
    """The whole pipeline on one 640x480 scene, per scene; the PNG is decoded outside the timing."""
    settings = job.settings
    count = settings.frame_warmup + settings.frame_runs
    times = []
    for i in progress.track("timing frames", range(count), count):
        frame = cv2.imread(str(Path(job.folder) / _scene_name(i % job.scene_count)))
        start = time.perf_counter()
        read_frame(frame, classifier)
        elapsed = time.perf_counter() - start
        if i >= settings.frame_warmup:
            times.append(elapsed)
    return np.array(times) * 1e3


def _video_frame_ms(classifier, job: Job, progress: Progress) -> np.ndarray:
    """The pipeline on a steady camera's video, as `run` reads it (with a BlobCache): each timed scene
    held for VIDEO_HOLD frames shaken by about a pixel; the shaken frames are made outside the timing."""
    settings = job.settings
    count = min(settings.frame_runs, job.scene_count)
    rng = np.random.default_rng(0)
    times = []
    for i in progress.track("timing video", range(count), count):
        scene = cv2.imread(str(Path(job.folder) / _scene_name(i)))
        cache = BlobCache()
        for dx, dy in rng.normal(0, 1.0, (VIDEO_HOLD, 2)):
            frame = shake(scene, dx, dy)
            start = time.perf_counter()
            read_frame(frame, classifier, cache=cache)
            times.append(time.perf_counter() - start)
    return np.array(times) * 1e3


def _classify(classifier, images: np.ndarray, batch: int, progress: Progress) -> tuple[np.ndarray, np.ndarray]:
    """Predicted digit and its probability for every image.

    Every MNIST image is a digit, so a model's eleventh output, "not one digit", is left out of the choice.
    """
    starts = range(0, len(images), batch)
    probabilities = [classifier.predict(images[i:i + batch])[:, :NUM_CLASSES]
                     for i in progress.track("MNIST", starts, len(starts))]
    probabilities = np.concatenate(probabilities) if probabilities else np.zeros((0, NUM_CLASSES), np.float32)
    return probabilities.argmax(axis=1).astype(np.uint8), probabilities.max(axis=1).astype(np.float32)


def _plain(numbers) -> list:
    """Numbers as plain tuples (text, box, [(digit, box), ...]), to send back to the parent."""
    return [(n.text, tuple(n.box), [(d.digit, tuple(d.box)) for d in n.digits]) for n in numbers]


def run_in_child(job: Job) -> dict:
    """`measure(job)` in a fresh process: {"error": reason} if the model or the process failed."""
    context = _fresh_processes()
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child_main, args=(send, job), daemon=True)
    process.start()
    send.close()
    try:
        result = receive.recv()
    except EOFError:  # it died without a word: a crash inside the runtime, or killed for memory
        result = None
    process.join()
    receive.close()
    if result is None:
        return {"error": f"the measuring process died (exit code {process.exitcode})"}
    return result


def _fresh_processes():
    """Processes that start with nothing from any other model: forked from a server that has only imported
    this module (a few milliseconds each, where spawning and importing take half a second), or spawned where
    there is no fork server (Windows)."""
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def _child_main(send, job: Job) -> None:
    try:
        result = measure(job)
    except ModelError as error:
        result = {"error": str(error)}
    except Exception as error:  # noqa: BLE001 - one model's failure must not stop the others
        result = {"error": f"{type(error).__name__}: {error}"}
    send.send(result)
    send.close()


# --- scores ---------------------------------------------------------------------------------------------------------

def _centre(box) -> tuple[float, float]:
    x, y, w, h = box
    return x + w / 2, y + h / 2


def _inside(point, box) -> bool:
    x, y, w, h = box
    return x <= point[0] <= x + w and y <= point[1] <= y + h


def match_digits(truth: list, read: list) -> list[tuple[int, int]]:
    """Pairs (true index, read index), each used once: a read digit matches a true one when its
    centre lies inside the true digit's box; where several could, the nearest centres pair first."""
    candidates = []
    for t, (_, true_box) in enumerate(truth):
        tx, ty = _centre(true_box)
        for r, (_, read_box) in enumerate(read):
            centre = _centre(read_box)
            if _inside(centre, true_box):
                candidates.append(((centre[0] - tx) ** 2 + (centre[1] - ty) ** 2, t, r))
    pairs, used_true, used_read = [], set(), set()
    for _, t, r in sorted(candidates):
        if t not in used_true and r not in used_read:
            pairs.append((t, r))
            used_true.add(t)
            used_read.add(r)
    return sorted(pairs)


@dataclass
class SceneCounts:
    """Counts over scenes; the figures are ratios of them."""

    scenes: int = 0
    true_digits: int = 0
    read_digits: int = 0
    found: int = 0  # true digits matched by a read digit
    correct: int = 0  # ... read as the right digit
    true_numbers: int = 0
    exact: int = 0  # true numbers read with exactly their text, in their place

    def add(self, truth: dict, read: list) -> None:
        """One scene: its ground truth and what was read there, as `_plain` gives it."""
        read_digits = [digit for _, _, digits in read for digit in digits]
        pairs = match_digits(truth["digits"], read_digits)
        self.scenes += 1
        self.true_digits += len(truth["digits"])
        self.read_digits += len(read_digits)
        self.found += len(pairs)
        self.correct += sum(truth["digits"][t][0] == read_digits[r][0] for t, r in pairs)
        self.true_numbers += len(truth["numbers"])
        used = set()
        for text, box in truth["numbers"]:
            match = next((i for i, (read_text, read_box, _) in enumerate(read)
                          if i not in used and read_text == text and _inside(_centre(read_box), box)), None)
            if match is not None:
                used.add(match)
                self.exact += 1

    def figures(self) -> dict:
        return {
            "scene_digit_recall": _ratio(self.found, self.true_digits),
            "scene_digit_precision": _ratio(self.found, self.read_digits),
            "scene_digit_accuracy": _ratio(self.correct, self.true_digits),
            "scene_number_accuracy": _ratio(self.exact, self.true_numbers),
            "scene_counts": asdict(self),
        }


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def mnist_figures(labels: np.ndarray, predicted: np.ndarray, confidence: np.ndarray,
                  reference: np.ndarray | None) -> dict:
    """Top-1 and per-class accuracy, mean confidence, confusion matrix, and agreement with the reference's
    predictions: how many change, of which true digits, and how many of those were right before or after."""
    confusion = np.zeros((10, 10), np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    per_class = [_ratio(int(confusion[d, d]), int(confusion[d].sum())) for d in range(10)]
    figures = {
        "mnist_images": int(len(labels)),
        "mnist_accuracy": _ratio(int(np.trace(confusion)), int(len(labels))),
        "mnist_per_class_accuracy": per_class,
        "mnist_mean_confidence": float(confidence.mean()) if len(confidence) else None,
        "agreement_with_float32": None,
        "changed_vs_float32": None,
        "confusion_matrix": confusion.tolist(),
    }
    if reference is not None:
        changed = predicted != reference
        figures["agreement_with_float32"] = _ratio(int((~changed).sum()), int(len(labels)))
        figures["changed_vs_float32"] = {
            "count": int(changed.sum()),
            "by_true_digit": np.bincount(labels[changed], minlength=10).tolist(),
            "now_right": int((changed & (predicted == labels)).sum()),  # float32 was wrong on these
            "now_wrong": int((changed & (reference == labels)).sum()),  # float32 was right on these
        }
    return figures


# --- the run --------------------------------------------------------------------------------------------------------

def collect(models: list[Path], settings: BenchSettings, mnist: str | None = None, log=None) -> dict:
    """Measure every model; the bench.json object: {"machine", "data", "settings", "models"}."""
    log = log or _stderr
    started = time.perf_counter()
    machine = machine_info()
    test, digits = load_test_digits(mnist, settings.mnist_limit, log)
    timing_from_mnist = test is not None and len(test[0]) >= TIMING_DIGITS
    with tempfile.TemporaryDirectory(prefix="edge-bench-") as folder:
        scenes = write_scenes(Path(folder), settings, digits, Progress("bench"))
        if test is not None:
            np.save(Path(folder) / MNIST_FILE, test[0])
        data = BenchData(folder, None if test is None else test[1],
                         test[0][:TIMING_DIGITS] if timing_from_mnist else font_digits(TIMING_DIGITS, settings.seed),
                         scenes)
        rows = [_bench_model(Path(path), settings, data, log) for path in models]
    _add_accuracy(rows, data)
    described = {
        "mnist_images": None if test is None else int(len(test[0])),
        "agreement_reference": next((row["file"] for row in rows if _is_reference(row)), None),
        "scenes": settings.scenes,
        "scene_seed": settings.seed,
        "scene_ruled": settings.ruled,
        "scene_size": [SceneConfig().width, SceneConfig().height],
        "scene_digits": digits.name,
        "scene_numbers": sum(len(scene["numbers"]) for scene in scenes),
        "scene_true_digits": sum(len(scene["digits"]) for scene in scenes),
        "timing_digits": "MNIST test set" if timing_from_mnist else "stroke font",
    }
    settings_block = {**asdict(settings), "threads": list(settings.threads),
                      "wall_s": round(time.perf_counter() - started, 1)}
    return {"machine": machine, "data": described, "settings": settings_block, "models": rows}


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _bench_model(path: Path, settings: BenchSettings, data: BenchData, log) -> dict:
    row = {"variant": variant_name(path), "file": path.name, "path": str(path),
           "size_bytes": path.stat().st_size if path.is_file() else None, "error": None}
    row.update({name: None for name in (*REQUIRED_FIELDS, *TIMING_FIELDS) if name not in row})
    row.update({"by_threads": [], "warnings": [], "_mnist": None, "_scenes": None})
    for i, threads in enumerate(settings.threads):
        label = f"{path.name}, {threads} thread{'s' if threads > 1 else ''}"
        job = Job(str(path), threads, settings, data.timing_digits, data.folder, len(data.scenes),
                  accuracy=i == 0, mnist_file=data.mnist_file if i == 0 else None, label=label)
        started = time.perf_counter()
        result = run_in_child(job)
        seconds = time.perf_counter() - started
        if "error" in result:
            log(f"{label}: failed: {result['error']}")
            if i == 0:  # it cannot be loaded, or broke before its accuracy was measured: no other thread count runs
                row["error"] = result["error"]
                break
            row["by_threads"].append({"num_threads": threads, "error": result["error"]})
            continue
        log(f"{label}: {seconds:.1f} s")
        row["by_threads"].append({**result["timing"], "error": None})
        if i == 0:
            row.update({name: result["timing"][name] for name in TIMING_FIELDS})
            row["warnings"] = result["warnings"]
            row["_mnist"], row["_scenes"] = result["mnist"], result["scenes"]
    return row


def _is_reference(row: dict) -> bool:
    """The float32 model, named so by its manifest or its file name, that ran."""
    named = row["variant"] == REFERENCE_VARIANT or Path(row["file"]).stem.endswith(REFERENCE_VARIANT)
    return named and row["error"] is None


def _add_accuracy(rows: list[dict], data: BenchData) -> None:
    """MNIST and scene figures for every row, from what its child sent back; the raw predictions are dropped."""
    reference = next((row["_mnist"][0] for row in rows if _is_reference(row) and row["_mnist"] is not None), None)
    for row in rows:
        mnist, scenes = row.pop("_mnist"), row.pop("_scenes")
        if mnist is not None:
            row.update(mnist_figures(data.mnist_labels, mnist[0], mnist[1], reference))
        if scenes is not None:
            counts = SceneCounts()
            for truth, read in zip(data.scenes, scenes, strict=True):
                counts.add(truth, read)
            row.update(counts.figures())


def run(models: list[Path], settings: BenchSettings, mnist: str | None = None, out: Path | None = None,
        log=None) -> int:
    """The bench command: measure, print the table, write the files; 1 if any model failed."""
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)  # fail now, not after minutes of measuring
    report = collect(models, settings, mnist, log)
    print(markdown(report), flush=True)
    if out is not None:
        written = write_outputs(report, out)
        (log or _stderr)(f"wrote {', '.join(str(p) for p in written)}")
    return 1 if any(row["error"] for row in report["models"]) else 0
