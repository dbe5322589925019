"""The live app on the demo source, headless: bounded runs, JSON lines, saved video and frames."""

import json
import subprocess
import sys

import cv2
import numpy as np
import pytest
from conftest import ROOT, needs_model

from edge_app.app import RunOptions, run
from edge_app.sources import DemoSource


class Reads:
    """A classifier stand-in that reads every crop as a confident 7."""

    def predict(self, crops):
        probabilities = np.full((len(crops), 10), 0.01, np.float32)
        probabilities[:, 7] = 0.91
        return probabilities


def test_bounded_run_writes_json_video_and_frames(tmp_path):
    lines = []
    options = RunOptions(max_frames=12, json=True, save_video=str(tmp_path / "demo.avi"),
                         save_frames=str(tmp_path / "frames"))
    summary = run(DemoSource(seed=3, hold=6), Reads(), options, out=lines.append, log=lambda m: None)
    assert summary.frames == 12 and len(summary.frame_ms) == 12
    records = [json.loads(line) for line in lines]
    assert [r["frame"] for r in records] == list(range(12))
    assert all(set(n) == {"text", "box", "confidence"} for r in records for n in r["numbers"])
    assert any(r["numbers"] for r in records[1:])
    assert all(set(n["text"]) == {"7"} for r in records for n in r["numbers"])
    capture = cv2.VideoCapture(str(tmp_path / "demo.avi"))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 12
    assert len(list((tmp_path / "frames").glob("frame_*.jpg"))) == 12
    assert summary.scenes == 2 and summary.scene_numbers > 0
    assert "12 frames" in summary.line() and "median" in summary.line()


def test_a_failed_run_leaves_no_video(tmp_path):
    class Breaks:
        def predict(self, crops):
            raise RuntimeError("interpreter crashed")

    with pytest.raises(RuntimeError):
        run(DemoSource(seed=0, hold=2), Breaks(), RunOptions(max_frames=5, save_video=str(tmp_path / "v.avi")),
            out=lambda line: None, log=lambda m: None)
    assert list(tmp_path.iterdir()) == []


def test_duration_bounds_a_run():
    summary = run(DemoSource(seed=0), Reads(), RunOptions(duration=0.5), out=lambda line: None,
                  log=lambda m: None)
    assert 1 <= summary.frames and summary.seconds < 5


def test_a_region_of_interest_not_inside_the_frame_is_reported_once():
    """The demo's frames are 640x480: a region past them reads nothing, or only its part inside, and says so."""
    for roi, said in (((5000, 5000, 10, 10), "--roi 5000,5000,10,10 lies outside the 640x480 frame: nothing is read"),
                      ((600, 400, 100, 100), "only its 40x80 inside is read"),
                      ((0, 0, 640, 480), None)):
        notes, lines = [], []
        summary = run(DemoSource(seed=0, hold=2), Reads(), RunOptions(max_frames=4, json=True, roi=roi),
                      out=lines.append, log=notes.append)
        assert summary.frames == 4
        assert notes == [] if said is None else (len(notes) == 1 and said in notes[0])
        if roi[0] == 5000:
            assert all(json.loads(line)["numbers"] == [] for line in lines)


@needs_model
def test_cli_demo_run_headless(tmp_path):
    result = subprocess.run([sys.executable, "-m", "edge_app", "run", "--source", "demo", "--max-frames", "40",
                             "--no-display", "--save-video", str(tmp_path / "demo.mp4")],
                            capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("40 frames") and "numbers read exactly" in last
    assert (tmp_path / "demo.mp4").stat().st_size > 10_000


@pytest.mark.parametrize("args, fragment", [
    pytest.param(["--source", "absent.mp4"], "source not found", marks=needs_model),
    (["--source", "demo", "--max-frames", "0"], "must be positive"),
    (["--source", "demo", "--roi", "1,2,3"], "expected X,Y,W,H"),
    (["--source", "demo", "--model", "setup.cfg"], "not a loadable"),
])
def test_cli_run_bad_input(args, fragment):
    result = subprocess.run([sys.executable, "-m", "edge_app", "run", *args], capture_output=True, text=True,
                            timeout=120, cwd=ROOT)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("digits-edge")]
    assert len(errors) == 1 and fragment in errors[0], result.stderr
