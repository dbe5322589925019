"""The benchmark: its scores on hand-made cases, then the bench command on two models and a tiny data subset,
checked against counts made here with the classifier itself."""

import csv
import json
import multiprocessing
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import INT8, MODELS, ROOT

from edge_app.bench import SceneCounts, bench_settings, match_digits
from edge_app.benchplot import nice_ticks
from edge_app.benchreport import REQUIRED_FIELDS
from edge_app.machine import cpu_model, peak_rss_mb
from edge_app.scenes import DigitSource, SceneConfig, make_scene

FLOAT32 = MODELS / "digits_float32.tflite"
needs_models = pytest.mark.skipif(not (FLOAT32.is_file() and INT8.is_file()),
                                  reason="no shipped models yet: run `make models`")
MNIST_LIMIT, SCENES, SEED, RULED = 200, 3, 5, 0.5  # a tiny subset: the command runs in seconds
MACHINE_KEYS = {"cpu", "cores", "arch", "os", "python", "runtime", "numpy", "opencv", "date"}


def run_bench(*args):
    return subprocess.run([sys.executable, "-m", "edge_app", "bench", *args], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)


# --- scores and helpers, no model -----------------------------------------------------------------------------------

def test_match_digits_pairs_each_digit_once_by_centre_and_nearest_first():
    truth = [(1, (0, 0, 20, 40)), (2, (18, 0, 20, 40)), (3, (100, 0, 20, 40))]  # 1 and 2 touch
    read = [(1, (2, 2, 16, 36)), (7, (19, 1, 18, 38)), (2, (15, 0, 10, 40)), (5, (300, 300, 10, 10))]
    # read[2]'s centre (20, 20) is inside both 1 and 2: it pairs with neither, as each has a nearer match.
    assert match_digits(truth, read) == [(0, 0), (1, 1)]
    assert match_digits(truth, []) == [] and match_digits([], read) == []


def test_scene_counts():
    truth = {"numbers": [("12", (0, 0, 40, 40)), ("3", (100, 0, 20, 40)), ("3", (200, 0, 20, 40))],
             "digits": [(1, (0, 0, 20, 40)), (2, (20, 0, 20, 40)), (3, (100, 0, 20, 40)), (3, (200, 0, 20, 40))]}
    read = [("17", (1, 1, 38, 38), [(1, (1, 1, 18, 38)), (7, (21, 1, 18, 38))]),
            ("3", (101, 1, 18, 38), [(3, (101, 1, 18, 38))]),  # the first 3 is read in its place ...
            ("3", (400, 0, 20, 40), [(3, (400, 0, 20, 40))])]  # ... the second one is not found: this is elsewhere
    counts = SceneCounts()
    counts.add(truth, read)
    assert (counts.true_digits, counts.read_digits, counts.found, counts.correct) == (4, 4, 3, 2)
    assert (counts.true_numbers, counts.exact) == (3, 1)
    figures = counts.figures()
    assert figures["scene_digit_recall"] == 3 / 4 and figures["scene_digit_precision"] == 3 / 4
    assert figures["scene_digit_accuracy"] == 2 / 4 and figures["scene_number_accuracy"] == 1 / 3
    empty = SceneCounts().figures()
    assert empty["scene_digit_precision"] is None and empty["scene_number_accuracy"] is None


def test_scenes_know_every_digit_and_its_box():
    for seed in range(4):
        scene = make_scene(np.random.default_rng(seed), DigitSource())
        values = [d for d, _ in scene.digits]
        assert values == [int(c) for text in scene.texts for c in text]
        digit_boxes = iter(box for _, box in scene.digits)
        for text, (x, y, w, h) in scene.numbers:
            for _ in text:  # each digit's box lies within its number's, give or take the warp's rounding
                dx, dy, dw, dh = next(digit_boxes)
                assert x - 2 <= dx and dx + dw <= x + w + 2 and y - 2 <= dy and dy + dh <= y + h + 2 and dw > 0


def test_nice_ticks_cover_the_range_in_round_steps():
    assert nice_ticks(0.9917, 0.9933) == [0.9915, 0.992, 0.9925, 0.993, 0.9935]
    assert nice_ticks(144, 563) == [100, 200, 300, 400, 500, 600]
    ticks = nice_ticks(0.5, 0.5)  # one point: still a range around it
    assert ticks[0] < 0.5 < ticks[-1]


def test_settings_quick_and_overrides():
    quick = bench_settings(quick=True, scenes=7, seed=None, threads=[2, 1, 2])
    assert quick.quick and quick.scenes == 7 and quick.mnist_limit == 1000 and quick.threads == (2, 1)
    full = bench_settings()
    assert not full.quick and full.mnist_limit is None and full.threads[0] == 1


def test_cpu_model_on_a_pc_and_on_a_raspberry_pi(tmp_path):
    pc, pi = tmp_path / "pc", tmp_path / "pi"
    pc.write_text("processor\t: 0\nmodel name\t: AMD EPYC 7B13\nflags\t\t: fpu vme\n")
    pi.write_text("processor\t: 0\nBogoMIPS\t: 108.00\n\nHardware\t: BCM2835\nModel\t\t: Raspberry Pi 5 Model B\n")
    assert cpu_model(pc) == "AMD EPYC 7B13"
    assert cpu_model(pi) == "Raspberry Pi 5 Model B"
    assert cpu_model(tmp_path / "absent")  # falls back to the platform module


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="Linux only")
def test_a_spawned_child_reports_its_own_peak_memory_not_its_parents():
    ballast = np.ones(300 * 2**20 // 8)  # 300 MiB in this process
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        child = pool.apply(peak_rss_mb)
    assert ballast.sum() > 0 and child is not None
    assert 5 < child < 200, child  # ru_maxrss would say at least 300 here: it carries the parent's peak over exec


# --- the bench command ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_run(tmp_path_factory, mnist_path):
    """One run on float32, int8 and a broken file: 200 MNIST digits, 3 scenes (half on ruled paper), 1 and 2
    threads, --quick timings."""
    out = tmp_path_factory.mktemp("bench")
    broken = out / "digits_broken.tflite"
    broken.write_bytes(b"not a flatbuffer at all")
    result = run_bench("--models", str(FLOAT32), str(broken), str(INT8), "--quick", "--mnist", str(mnist_path),
                       "--mnist-limit", str(MNIST_LIMIT), "--scenes", str(SCENES), "--seed", str(SEED),
                       "--ruled", str(RULED), "--threads", "1", "2", "--out", str(out / "out"))
    report = json.loads((out / "out" / "bench.json").read_text())
    return result, report, out / "out"


@needs_models
def test_bench_json_holds_every_figure_and_the_machine(small_run):
    result, report, _ = small_run
    assert result.returncode == 1, result.stderr  # one model failed: reported, and the others ran
    assert "Traceback" not in result.stderr
    assert {"machine", "models"} <= set(report) and MACHINE_KEYS <= set(report["machine"])
    assert report["machine"]["cores"] >= 1 and report["machine"]["runtime"].startswith(("ai-edge-litert", "tflite"))
    assert report["data"]["mnist_images"] == MNIST_LIMIT and report["data"]["scenes"] == SCENES
    assert report["data"]["scene_ruled"] == RULED and "50% on ruled paper" in result.stdout
    assert report["data"]["scene_digits"] == "MNIST test set"
    float32, broken, int8 = report["models"]
    assert [float32["variant"], broken["variant"], int8["variant"]] == ["float32", "digits_broken", "int8"]
    for row in (float32, int8):
        assert row["error"] is None
        assert all(row[name] is not None for name in REQUIRED_FIELDS), row
        assert row["size_bytes"] == (FLOAT32 if row is float32 else INT8).stat().st_size
        assert [entry["num_threads"] for entry in row["by_threads"]] == [1, 2]
        assert [entry["opencv_threads"] for entry in row["by_threads"]] == [1, 2]  # the pipeline's too
        assert all(row[name] == row["by_threads"][0][name] for name in ("latency_ms_p50", "frame_ms_p50"))
        assert 0 < row["latency_ms_p50"] <= row["latency_ms_p95"] and row["throughput_per_s"] > 0
        assert 5 < row["peak_rss_mb"] < 2000 and row["frame_ms_p50"] > 0
        assert 0 < row["video_frame_ms_p50"] <= row["video_frame_ms_p95"]
    assert set(REQUIRED_FIELDS) <= set(broken) and broken["error"] and "not a loadable" in broken["error"]
    assert broken["mnist_accuracy"] is None and broken["latency_ms_p50"] is None and broken["by_threads"] == []
    assert "digits_broken.tflite, 1 thread: failed" in result.stderr


@needs_models
def test_mnist_figures_agree_with_an_independent_count(small_run, mnist):
    from edge_app.classifier import Classifier
    _, report, _ = small_run
    (_, _), (x_test, y_test) = mnist
    images, labels = x_test[:MNIST_LIMIT], y_test[:MNIST_LIMIT]
    # The most likely of the ten digits: an eleventh "not one digit" output is not an answer for MNIST.
    predicted = {name: Classifier(path).predict(images)[:, :10].argmax(axis=1) for name, path in
                 (("float32", FLOAT32), ("int8", INT8))}
    rows = {row["variant"]: row for row in report["models"]}
    for name in ("float32", "int8"):
        row = rows[name]
        right = sum(int(p) == int(t) for p, t in zip(predicted[name], labels, strict=True))
        assert row["mnist_images"] == MNIST_LIMIT and row["mnist_accuracy"] == right / MNIST_LIMIT
        same = sum(int(a) == int(b) for a, b in zip(predicted[name], predicted["float32"], strict=True))
        assert row["agreement_with_float32"] == same / MNIST_LIMIT
        assert row["changed_vs_float32"]["count"] == MNIST_LIMIT - same
        matrix = np.asarray(row["confusion_matrix"])
        assert matrix.sum() == MNIST_LIMIT and np.trace(matrix) == right
        for digit in range(10):
            shown = labels == digit
            assert matrix[digit, digit] == int((predicted[name][shown] == digit).sum())
            assert row["mnist_per_class_accuracy"][digit] == pytest.approx((predicted[name][shown] == digit).mean())
        assert 0.5 < row["mnist_mean_confidence"] <= 1.0
    assert rows["float32"]["agreement_with_float32"] == 1.0


@needs_models
def test_scene_figures_agree_with_an_independent_count(small_run, mnist):
    from edge_app.classifier import Classifier
    from edge_app.pipeline import read_frame
    _, report, _ = small_run
    (_, _), (x_test, y_test) = mnist
    rng, digits = np.random.default_rng(SEED), DigitSource(x_test, y_test)  # the demo's scenes for this seed
    classifier = Classifier(INT8, num_threads=1)
    true_digits = read_digits = numbers = exact = 0
    for _ in range(SCENES):
        scene = make_scene(rng, digits, SceneConfig(rules=RULED))
        read = read_frame(scene.image, classifier)
        true_digits += sum(len(text) for text in scene.texts)
        read_digits += sum(len(number.digits) for number in read)
        numbers += len(scene.numbers)
        for text, (x, y, w, h) in scene.numbers:
            exact += any(n.text == text and x <= n.box[0] + n.box[2] / 2 <= x + w and y <= n.box[1] + n.box[3] / 2
                         <= y + h for n in read)
    row = next(row for row in report["models"] if row["variant"] == "int8")
    counts = row["scene_counts"]
    assert (counts["scenes"], counts["true_digits"], counts["read_digits"]) == (SCENES, true_digits, read_digits)
    assert (counts["true_numbers"], counts["exact"]) == (numbers, exact)
    assert row["scene_number_accuracy"] == exact / numbers
    assert row["scene_digit_accuracy"] == counts["correct"] / true_digits <= row["scene_digit_recall"]


@needs_models
def test_stdout_table_csv_and_plots(small_run):
    result, report, out = small_run
    rows = [line for line in result.stdout.splitlines() if line.startswith("| `")]
    assert len(rows) == 3 and "error: " in rows[1] and "float32" in rows[0] and "int8" in rows[2]
    assert report["machine"]["cpu"] in result.stdout
    with open(out / "bench.csv", newline="") as stream:
        lines = list(csv.DictReader(stream))
    assert [(line["variant"], line["num_threads"]) for line in lines] == [
        ("float32", "1"), ("float32", "2"), ("digits_broken", ""), ("int8", "1"), ("int8", "2")]
    int8 = report["models"][2]
    assert float(lines[3]["mnist_accuracy"]) == int8["mnist_accuracy"]
    assert float(lines[4]["latency_ms_p50"]) == int8["by_threads"][1]["latency_ms_p50"]
    assert lines[2]["error"] == report["models"][1]["error"] and lines[2]["cpu"] == report["machine"]["cpu"]
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert pngs == ["accuracy.png", "confusion_float32.png", "confusion_int8.png"]
    for name in pngs:
        image = cv2.imread(str(out / name))
        assert image is not None and image.shape[0] > 300 and image.std() > 10
    assert not list(out.glob(".*"))  # no temporary files left behind


@needs_models
def test_compare_prints_two_runs_side_by_side(small_run, tmp_path):
    _, report, out = small_run
    other = dict(report, machine=dict(report["machine"], cpu="Raspberry Pi 5 Model B", cores=4))
    (tmp_path / "pi.json").write_text(json.dumps(other))
    result = run_bench("--compare", str(out / "bench.json"), str(tmp_path / "pi.json"))
    assert result.returncode == 0, result.stderr
    assert report["machine"]["cpu"] in result.stdout and "Raspberry Pi 5 Model B" in result.stdout
    assert "| int8 | mnist_accuracy |" in result.stdout and "| float32 | latency_ms_p50 |" in result.stdout
    assert "| digits_broken | error |" in result.stdout


@pytest.mark.parametrize("content, fragment", [
    (None, "cannot read"),
    ("{not json", "not JSON"),
    ('{"models": []}', "not a bench.json"),
])
def test_compare_bad_files_one_line(tmp_path, content, fragment):
    path = tmp_path / "a.json"
    if content is not None:
        path.write_text(content)
    result = run_bench("--compare", str(path), str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and fragment in result.stderr, result.stderr


@needs_models
def test_missing_mnist_skips_that_section_with_one_clear_line(tmp_path):
    result = run_bench("--models", str(INT8), "--quick", "--scenes", "2", "--threads", "1",
                       "--mnist", str(tmp_path / "absent.npz"), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    skipped = [line for line in result.stderr.splitlines() if "MNIST accuracy skipped" in line]
    assert len(skipped) == 1 and "--mnist PATH" in skipped[0] and "MNIST_PATH" in skipped[0]
    report = json.loads((tmp_path / "out" / "bench.json").read_text())
    row = report["models"][0]
    assert row["mnist_accuracy"] is None and row["agreement_with_float32"] is None
    assert row["scene_digit_accuracy"] is not None and row["latency_ms_p50"] is not None
    assert report["data"]["scene_digits"] == "stroke font" and report["data"]["mnist_images"] is None
    assert "MNIST skipped" in result.stdout
