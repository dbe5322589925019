"""The benchmark's reports: the Markdown table, bench.json and bench.csv, plots, and two runs side by side.

    python -m edge_app bench --out out/bench                          # writes them all
    python -m edge_app bench --compare pi/bench.json laptop/bench.json
"""

import csv
import io
import json
import os
from pathlib import Path

import cv2
import numpy as np

from edge_app.fileio import atomic_write_bytes
from edge_app.machine import describe

# The figures every bench.json model object holds; other tools read these names.
REQUIRED_FIELDS = ("variant", "file", "size_bytes", "mnist_accuracy", "agreement_with_float32",
                   "scene_digit_accuracy", "scene_number_accuracy", "latency_ms_p50", "latency_ms_p95",
                   "throughput_per_s", "frame_ms_p50", "video_frame_ms_p50", "peak_rss_mb")
# The timing figures, measured once per thread count; the top level holds the first thread count's.
TIMING_FIELDS = ("num_threads", "load_ms", "latency_ms_p50", "latency_ms_p95", "throughput_per_s",
                 "frame_ms_p50", "frame_ms_p95", "video_frame_ms_p50", "video_frame_ms_p95", "peak_rss_mb",
                 "opencv_threads")


class BenchError(Exception):
    """A saved benchmark cannot be read; the message says why."""


def _pct(value, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}%}"


def _num(value, digits: int = 2) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _per_threads(row: dict, name: str, digits: int) -> str:
    return " / ".join(_num(entry.get(name), digits) for entry in row["by_threads"]) or "—"


def markdown(report: dict) -> str:
    """The stdout report: machine and data, one table row per model, and what changed against float32."""
    data, settings = report["data"], report["settings"]
    threads = " / ".join(str(n) for n in settings["threads"])
    mnist = (f"{data['mnist_images']:,} MNIST test digits" if data["mnist_images"] is not None
             else "MNIST skipped")
    lines = [
        f"Machine: {describe(report['machine'])}",
        f"Data: {mnist}; {data['scenes']} scenes of {'x'.join(map(str, data['scene_size']))} "
        f"(seed {data['scene_seed']}, {data.get('scene_ruled', 0.0):.0%} on ruled paper, digits from the "
        f"{data['scene_digits']}, {data['scene_numbers']} numbers, {data['scene_true_digits']} digits). "
        f"Timings with {threads} thread(s) for the interpreter and OpenCV, warm-up excluded.",
        "",
        "| model | variant | size | MNIST | agrees with float32 | scene digits found | precision | scene digits "
        f"right | numbers exact | load ms | latency p50 ms | p95 ms | digits/s at batch "
        f"{settings['throughput_batch']} | frame p50 ms | steady video frame p50 ms | peak MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report["models"]:
        size = "—" if row["size_bytes"] is None else f"{row['size_bytes'] / 1024:,.1f} KB"
        head = [f"`{row['file']}`", row["variant"], size]
        if row["error"]:
            cells = head + [f"error: {row['error']}"] + [""] * 12
        else:
            cells = head + [_pct(row.get("mnist_accuracy")), _pct(row.get("agreement_with_float32")),
                            _pct(row.get("scene_digit_recall"), 1), _pct(row.get("scene_digit_precision"), 1),
                            _pct(row.get("scene_digit_accuracy"), 1), _pct(row.get("scene_number_accuracy"), 1),
                            _per_threads(row, "load_ms", 0), _per_threads(row, "latency_ms_p50", 3),
                            _per_threads(row, "latency_ms_p95", 3), _per_threads(row, "throughput_per_s", 0),
                            _per_threads(row, "frame_ms_p50", 1), _per_threads(row, "video_frame_ms_p50", 1),
                            _per_threads(row, "peak_rss_mb", 0)]
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    lines += ["", f"Timing cells: {threads} thread(s). " + changes_line(report)]
    return "\n".join(lines)


def changes_line(report: dict) -> str:
    """Which MNIST predictions differ from the float32 model's, per model."""
    reference = report["data"].get("agreement_reference")
    if report["data"]["mnist_images"] is None:
        return "No MNIST, so no agreement with float32."
    if reference is None:
        return "No float32 model among those measured, so no agreement figures."
    parts = []
    for row in report["models"]:
        changed = row.get("changed_vs_float32")
        if row["error"] or changed is None or row["file"] == reference:
            continue
        digits = ", ".join(str(d) if n == 1 else f"{d} ({n})" for d, n in enumerate(changed["by_true_digit"]) if n)
        parts.append(f"{row['variant']}: {changed['count']}" + (f" (true digits {digits}; {changed['now_right']} "
                                                                  f"now right, {changed['now_wrong']} now wrong)"
                                                                  if changed["count"] else ""))
    return f"Predictions that differ from {reference}'s: " + ("; ".join(parts) if parts else "none compared") + "."


CSV_MODEL_FIELDS = ("variant", "file", "size_bytes", "error") + TIMING_FIELDS + (
    "mnist_images", "mnist_accuracy", "mnist_mean_confidence", "agreement_with_float32", "scene_digit_recall",
    "scene_digit_precision", "scene_digit_accuracy", "scene_number_accuracy")
CSV_MACHINE_FIELDS = ("cpu", "cores", "arch", "os", "python", "runtime", "numpy", "opencv", "date")


def to_csv(report: dict) -> str:
    """One row per model and thread count (a model that failed: one row with its error), the machine on each."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_MODEL_FIELDS + CSV_MACHINE_FIELDS, lineterminator="\n")
    writer.writeheader()
    machine = {name: report["machine"].get(name) for name in CSV_MACHINE_FIELDS}
    for row in report["models"]:
        for entry in row["by_threads"] or [{}]:
            values = {name: row.get(name) for name in CSV_MODEL_FIELDS}
            values.update({name: entry.get(name) for name in TIMING_FIELDS})
            values["error"] = row["error"] or entry.get("error")
            writer.writerow({**values, **machine})
    return out.getvalue()


def write_outputs(report: dict, out: Path) -> list[Path]:
    """bench.json, bench.csv, accuracy.png and one confusion_<variant>.png per model, each written atomically."""
    from edge_app.benchplot import accuracy_figure, confusion_figure

    # Everything is drawn before anything is written, so a failure leaves no partial set behind.
    files = {"bench.json": (json.dumps(report, indent=2) + "\n").encode(), "bench.csv": to_csv(report).encode(),
             "accuracy.png": _png(accuracy_figure(report))}
    for row in report["models"]:
        if row.get("confusion_matrix") is not None:
            files[f"confusion_{_safe(row['variant'])}.png"] = _png(confusion_figure(row, report["machine"]))
    for name, data in files.items():
        atomic_write_bytes(out / name, data)
    return [out / name for name in files]


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def _png(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", image)
    if not ok:
        raise OSError("cannot encode a PNG")
    return data.tobytes()


# --- two runs side by side ------------------------------------------------------------------------------------------

COMPARE_FIELDS = ("size_bytes", "mnist_accuracy", "agreement_with_float32", "scene_digit_accuracy",
                  "scene_number_accuracy", "num_threads", "load_ms", "latency_ms_p50", "latency_ms_p95",
                  "throughput_per_s", "frame_ms_p50", "video_frame_ms_p50", "peak_rss_mb")


COMPARE_DATA = ("mnist_images", "scenes", "scene_seed", "scene_ruled", "scene_digits")  # runs on different data differ
COMPARE_SETTINGS = ("threads", "quick")


def read_report(path: str | os.PathLike) -> dict:
    """A saved bench.json, checked enough to compare; BenchError says what is wrong."""
    try:
        report = json.loads(Path(path).read_text())
    except OSError as error:
        raise BenchError(f"cannot read {path}: {error.strerror or error}") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise BenchError(f"{path}: not JSON ({error})") from None
    if (not isinstance(report, dict) or not isinstance(report.get("machine"), dict)
            or not isinstance(report.get("models"), list)
            or not all(isinstance(row, dict) and "variant" in row for row in report["models"])):
        raise BenchError(f"{path}: not a bench.json (expected {{\"machine\": {{...}}, \"models\": [...]}})")
    return report


def compare(a: dict, b: dict, names: tuple[str, str] = ("A", "B")) -> str:
    """Two runs side by side: both machine blocks and what each measured on, then every model's figures."""
    lines = [f"| machine | {names[0]} | {names[1]} |", "|---|---|---|"]
    for key in dict.fromkeys([*a["machine"], *b["machine"]]):
        lines.append(f"| {key} | {a['machine'].get(key, '—')} | {b['machine'].get(key, '—')} |")
    for block, keys in (("data", COMPARE_DATA), ("settings", COMPARE_SETTINGS)):
        for key in keys:
            value_a, value_b = a.get(block, {}).get(key, "—"), b.get(block, {}).get(key, "—")
            lines.append(f"| {key} | {value_a} | {value_b} |")
    lines += ["", f"| model | figure | {names[0]} | {names[1]} | 2nd / 1st |", "|---|---|---:|---:|---:|"]
    rows_a = {row["variant"]: row for row in a["models"]}
    rows_b = {row["variant"]: row for row in b["models"]}
    for variant in dict.fromkeys([*rows_a, *rows_b]):
        row_a, row_b = rows_a.get(variant, {}), rows_b.get(variant, {})
        if row_a.get("error") or row_b.get("error"):
            lines.append(f"| {variant} | error | {row_a.get('error') or '—'} | {row_b.get('error') or '—'} | |")
        for name in COMPARE_FIELDS:
            value_a, value_b = row_a.get(name), row_b.get(name)
            if value_a is None and value_b is None:
                continue
            lines.append(f"| {variant} | {name} | {_cell(name, value_a)} | {_cell(name, value_b)} | "
                         f"{_quotient(name, value_a, value_b)} |")
        extra_a, extra_b = row_a.get("by_threads", [])[1:], row_b.get("by_threads", [])[1:]
        # The other thread counts, paired in order: the machines' core counts may differ.
        for entry_a, entry_b in zip(extra_a, extra_b, strict=False):
            label = f"{entry_a.get('num_threads')} / {entry_b.get('num_threads')} threads"
            for name in ("latency_ms_p50", "throughput_per_s", "frame_ms_p50", "peak_rss_mb"):
                value_a, value_b = entry_a.get(name), entry_b.get(name)
                lines.append(f"| {variant} | {name} ({label}) | {_cell(name, value_a)} | {_cell(name, value_b)} | "
                             f"{_quotient(name, value_a, value_b)} |")
    return "\n".join(lines)


def _cell(name: str, value) -> str:
    if value is None:
        return "—"
    if "accuracy" in name or "agreement" in name:
        return _pct(value)
    if isinstance(value, float):
        return _num(value, 3 if value < 10 else 1)
    return f"{value:,}" if isinstance(value, int) else str(value)


def _quotient(name: str, a, b) -> str:
    """B / A for sizes and timings; accuracy and thread counts are read better side by side."""
    if "accuracy" in name or "agreement" in name or name == "num_threads":
        return ""
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)) or not a:
        return ""
    return f"{b / a:.2f}"


def compare_files(path_a: str, path_b: str) -> str:
    """The --compare report; names the columns by file name, or by path when the names are the same."""
    names = (Path(path_a).name, Path(path_b).name)
    if names[0] == names[1]:
        names = (str(path_a), str(path_b))
    return compare(read_report(path_a), read_report(path_b), names)
