"""The web interface through Flask's test client, a real waitress server on loopback, and the command line."""

import http.client
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import INT8, ROOT, serving

pytest.importorskip("flask", reason="the web extra is not installed: pip install .[web]")

from edge_app import serve as web  # noqa: E402
from edge_app.loadtest import bomb_png, payloads, run_load  # noqa: E402
from edge_app.predict import predict_file  # noqa: E402
from edge_app.scenes import SceneConfig, make_scene  # noqa: E402
from edge_app.serve import ServeOptions  # noqa: E402
from edge_app.sources import DemoSource, Frame  # noqa: E402
from edge_app.webapp import OPENAPI, create_app, live_view, stop_app  # noqa: E402

pytestmark = pytest.mark.skipif(not INT8.is_file(), reason="no shipped model yet: run `make models`")
CLEAR = SceneConfig(touching=0.0)
QUICK = ServeOptions(replay_fps=None)  # tests need not wait for a paced replay


@pytest.fixture
def make_app(classifier):
    """create_app with the shipped classifier; every app made is stopped afterwards."""
    apps = []

    def make(source=None, options=QUICK):
        app = create_app(classifier, source, options, log=lambda message: None)
        apps.append(app)
        return app
    yield make
    for app in apps:
        stop_app(app)


@pytest.fixture(scope="module")
def scene_png(tmp_path_factory) -> Path:
    """A photo of "2024" that the pipeline reads exactly (tests/test_predict.py reads it too)."""
    path = tmp_path_factory.mktemp("serve") / "clear.png"
    cv2.imwrite(str(path), make_scene(np.random.default_rng(4), config=CLEAR, texts=["2024"]).image)
    return path


def encode(image, ext=".png", params=()):
    ok, data = cv2.imencode(ext, image, list(params))
    assert ok
    return data.tobytes()


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_page_health_and_openapi(make_app):
    client = make_app().test_client()
    page = client.get("/")
    assert page.status_code == 200 and b"<canvas id=\"pad\"" in page.data
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert client.get("/app.js").status_code == 200 and client.get("/style.css").status_code == 200
    health = client.get("/healthz").get_json()
    assert health["status"] == "ok" and "int8" in health["model"]
    assert health["live"] == {"state": "off", "error": None}
    assert health["limits"] == {"max_upload_bytes": 10 * 2**20, "max_pixels": 40_000_000}
    routes = {rule.rule for rule in client.application.url_map.iter_rules()} - {"/", "/app.js", "/style.css"}
    assert routes == set(OPENAPI["paths"]) == set(client.get("/api/openapi.json").get_json()["paths"])


@pytest.mark.parametrize("path", ["/web/index.html", "/../setup.cfg", "/%2e%2e/setup.cfg", "/static/app.js"])
def test_no_request_path_reaches_the_file_system(make_app, path):
    response = make_app().test_client().get(path)
    assert response.status_code == 404 and set(response.get_json()) == {"error"}


def test_predict_raw_body_and_form_give_predict_json(make_app, classifier, scene_png):
    client = make_app().test_client()
    data = scene_png.read_bytes()
    expected = predict_file(str(scene_png), classifier).as_dict()
    assert [n["text"] for n in expected["numbers"]] == ["2024"]

    raw = client.post("/api/predict", data=data, content_type="image/png")
    assert raw.status_code == 200, raw.get_json()
    assert raw.get_json() == {**expected, "source": "upload"}
    assert raw.headers["Server-Timing"].startswith("predict;dur=")

    form = client.post("/api/predict", data={"image": (scene_png.open("rb"), "clear.png")})
    assert form.status_code == 200
    assert form.data.decode() == json.dumps({**expected, "source": "clear.png"})  # byte for byte, as --json prints


def test_phone_photo_boxes_in_full_image_pixels(make_app):
    scene = make_scene(np.random.default_rng(4), config=CLEAR, texts=["2024"])
    phone = cv2.resize(scene.image, (4000, 3000), interpolation=cv2.INTER_CUBIC)
    answer = make_app().test_client().post("/api/predict", data=encode(phone, ".jpg", [cv2.IMWRITE_JPEG_QUALITY, 90]))
    record = answer.get_json()
    assert (record["width"], record["height"]) == (4000, 3000)
    assert [n["text"] for n in record["numbers"]] == ["2024"]
    x, _, w, _ = record["numbers"][0]["box"]
    tx, _, tw, _ = (v * 4000 / 640 for v in scene.numbers[0][1])
    assert abs(x - tx) < 0.2 * tw and abs(w - tw) < 0.3 * tw


def _jpeg():
    return encode(make_scene(np.random.default_rng(0)).image, ".jpg")


@pytest.mark.parametrize("body, status, reason", [
    (b"", 400, "empty upload"),
    (b"hello, I am text", 400, "not a JPEG, PNG, WebP or BMP image"),
    (encode(np.zeros((8, 8), np.uint8), ".tiff"), 400, "(tiff)"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, 400, "not an image"),
    (encode(np.random.default_rng(0).integers(0, 256, (64, 64), dtype=np.uint8))[:2000], 400,
     "not an image, or a truncated one"),
    (_jpeg()[:4000], 400, "truncated JPEG"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", 400, "damaged JPEG header"),
    (bomb_png(20000, 20000), 413, "image too large: 20000x20000 pixels"),
    (bomb_png(40000, 1001), 413, "the limit is 40,000,000"),
])
def test_bad_uploads_are_refused_with_the_reason(make_app, body, status, reason):
    client = make_app().test_client()
    for answer in (client.post("/api/predict", data=body, content_type="application/octet-stream"),
                   client.post("/api/predict", data={"image": (_stream(body), "bad.png")})):
        assert answer.status_code == status
        error = answer.get_json()
        assert set(error) == {"error"} and reason in error["error"], error


def _stream(data):
    import io
    return io.BytesIO(data)


def test_too_large_bodies_get_413(make_app):
    client = make_app(options=ServeOptions(max_upload_bytes=100_000)).test_client()
    big = b"\xff\xd8\xff" + bytes(100_000)
    for answer in (client.post("/api/predict", data=big),
                   client.post("/api/predict", data={"image": (_stream(big), "big.jpg")}),
                   client.post("/api/predict", data=bytes(400_000))):  # over the form allowance too: unread
        assert answer.status_code == 413
        assert "upload too large" in answer.get_json()["error"]


def test_a_form_without_a_file_and_wrong_methods(make_app):
    client = make_app().test_client()
    assert client.post("/api/predict", data={"note": "hello"}).status_code == 400
    assert client.get("/api/predict").status_code == 405
    assert client.post("/healthz").status_code == 405


def test_uploads_never_touch_the_disk_without_save_uploads(make_app, scene_png, monkeypatch, tmp_path):
    import tempfile

    import werkzeug.formparser

    def refuse(*args, **kwargs):
        raise AssertionError("an upload was spooled to a file")
    monkeypatch.setattr(werkzeug.formparser, "SpooledTemporaryFile", refuse)
    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    monkeypatch.setattr(tempfile, "NamedTemporaryFile", refuse)
    monkeypatch.chdir(tmp_path)
    image = cv2.imread(str(scene_png))
    big = encode(cv2.resize(image, (2000, 1500)), ".png")  # over werkzeug's 500 KB in-memory threshold
    assert len(big) > 600_000
    answer = make_app().test_client().post("/api/predict", data={"image": (_stream(big), "../../big.png")})
    assert answer.status_code == 200 and answer.get_json()["source"] == "../../big.png"
    assert list(tmp_path.iterdir()) == []


def test_save_uploads_writes_only_there_under_a_server_chosen_name(make_app, scene_png, tmp_path):
    folder = tmp_path / "uploads"
    folder.mkdir()
    client = make_app(options=ServeOptions(save_uploads=str(folder))).test_client()
    data = scene_png.read_bytes()
    assert client.post("/api/predict", data={"image": (_stream(data), "../escape.png")}).status_code == 200
    assert client.post("/api/predict", data=b"not an image").status_code == 400
    saved = list(folder.iterdir())
    assert len(saved) == 1 and saved[0].suffix == ".png" and "escape" not in saved[0].name
    assert saved[0].read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["uploads"]


def test_readings_and_stream_of_the_demo(make_app):
    app = make_app(DemoSource(seed=3, hold=6))
    client = app.test_client()
    state = wait_for(lambda: (s := client.get("/api/readings").get_json())["numbers"] and s)
    assert state["state"] == "live" and state["error"] is None and state["frame"] >= 1 and state["fps"] > 0
    assert all(set(n) == {"text", "box", "confidence"} for n in state["numbers"])
    response = client.get("/stream.mjpg", buffered=False)
    assert response.mimetype == "multipart/x-mixed-replace"
    parts = iter(response.response)
    first = next(parts)
    assert first.startswith(b"--frame\r\nContent-Type: image/jpeg\r\n")
    jpeg = first.split(b"\r\n\r\n", 1)[1]
    assert cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR).shape == (480, 640, 3)
    assert next(parts).startswith(b"--frame")
    response.close()
    assert live_view(app).viewers == 0


def test_a_replayed_source_is_shown_at_its_pace(make_app):
    app = make_app(DemoSource(seed=3, hold=6), ServeOptions(replay_fps=20))
    client = app.test_client()
    wait_for(lambda: (client.get("/api/readings").get_json()["frame"] or 0) >= 25)
    state = client.get("/api/readings").get_json()
    assert state["state"] == "live" and 0 < state["fps"] <= 21  # not as fast as it can, as QUICK's test runs


def test_a_slow_reading_delays_the_numbers_not_the_picture(make_app, monkeypatch):
    reads, shown = [], []
    read_stable, draw_frame = web.read_stable, web.draw_frame

    def slow(frame, *args):
        reads.append(frame.index)
        time.sleep(0.25)  # a new page, a slow device
        return read_stable(frame, *args)

    def draw(frame, *args):
        shown.append(frame.index)
        return draw_frame(frame, *args)

    monkeypatch.setattr(web, "read_stable", slow)
    monkeypatch.setattr(web, "draw_frame", draw)
    app = make_app(DemoSource(seed=3, hold=6), ServeOptions(replay_fps=20))
    client = app.test_client()
    state = wait_for(lambda: len(shown) >= 30 and (s := client.get("/api/readings").get_json())["ms"] and s)
    assert state["state"] == "live" and state["ms"] >= 250
    assert len(reads) <= len(shown) // 2  # most frames shown were never read
    assert shown == sorted(set(shown)) and state["frame"] in reads


def test_the_last_frame_of_a_replay_is_shown_with_its_own_reading(make_app, scene_png):
    image = cv2.imread(str(scene_png))

    class Three:
        def __iter__(self):
            for index in range(3):
                yield Frame(image, index, index / 10)

        def close(self):
            pass

    app = make_app(Three(), ServeOptions(replay_fps=10))
    client = app.test_client()
    state = wait_for(lambda: (s := client.get("/api/readings").get_json())["state"] == "ended" and s)
    assert state["frame"] == state["shown"] == 2 and [n["text"] for n in state["numbers"]] == ["2024"]


def test_viewers_are_capped(make_app, monkeypatch):
    monkeypatch.setattr(web, "MAX_VIEWERS", 1)
    client = make_app(DemoSource(seed=0, hold=2)).test_client()
    first = client.get("/stream.mjpg", buffered=False)
    second = client.get("/stream.mjpg")
    assert second.status_code == 503 and "viewers" in second.get_json()["error"]
    first.close()


class Breaks:
    """A camera that gives a few frames, then fails as an unplugged one would."""

    def __init__(self, frames=3):
        self.image = make_scene(np.random.default_rng(4), config=CLEAR, texts=["2024"]).image
        self.frames, self.closed = frames, False

    def __iter__(self):
        for index in range(self.frames):
            yield Frame(self.image, index, index / 30)
        raise RuntimeError("camera unplugged")

    def close(self):
        time.sleep(0.2)  # a driver takes a while to let go: "failed" must not be said before it has
        self.closed = True


def test_a_failing_source_is_reported_and_uploads_go_on(make_app, scene_png):
    source = Breaks()
    client = make_app(source).test_client()
    state = wait_for(lambda: (s := client.get("/api/readings").get_json())["state"] == "failed" and s)
    assert "camera unplugged" in state["error"] and state["numbers"] == [] and state["frame"] == 2
    assert client.get("/healthz").get_json()["live"]["state"] == "failed"
    assert source.closed
    stream = client.get("/stream.mjpg")  # the last frame, then the end
    assert stream.status_code == 200 and stream.data.count(b"--frame") == 1
    answer = client.post("/api/predict", data=scene_png.read_bytes())
    assert answer.status_code == 200 and [n["text"] for n in answer.get_json()["numbers"]] == ["2024"]


def test_a_silent_source_is_reported_stalled(make_app, monkeypatch):
    monkeypatch.setattr(web, "STALE_AFTER", 0.2)
    released = threading.Event()

    class Silent(Breaks):
        def __iter__(self):
            yield Frame(self.image, 0, 0.0)
            released.wait(10)

        def close(self):
            released.set()

    client = make_app(Silent()).test_client()
    state = wait_for(lambda: (s := client.get("/api/readings").get_json())["state"] == "stalled" and s)
    assert "no new frame" in state["error"]
    released.set()


def test_no_source_says_why(classifier):
    app = create_app(classifier, None, ServeOptions(source_error="no camera found; try --source demo"))
    client = app.test_client()
    state = client.get("/api/readings").get_json()
    assert state["state"] == "off" and "no camera found" in state["error"] and state["numbers"] == []
    assert client.get("/stream.mjpg").status_code == 503


@pytest.fixture
def server(make_app):
    """The app in a real waitress server on a free loopback port."""
    with serving(make_app()) as port:
        yield f"http://127.0.0.1:{port}", port


def test_concurrent_clients_get_only_deliberate_errors(server):
    url, _ = server
    result = run_load(url, payloads(10 * 2**20), clients=4, seconds=2.0, at_least=10)
    summary = result.summary()
    assert result.unexpected_count == 0, summary["unexpected_examples"]
    assert {kind for kind, _ in result.statuses} == {"photo", "phone", "drawing", "not-image", "bomb", "too-large"}


def test_a_huge_declared_body_is_refused_unread(server):
    _, port = server
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.putrequest("POST", "/api/predict")
    connection.putheader("Content-Type", "image/jpeg")
    connection.putheader("Content-Length", str(500 * 2**20))
    connection.endheaders(b"\xff\xd8\xff")
    response = connection.getresponse()
    assert response.status == 413
    connection.close()


def run_cli(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "edge_app", "serve", *args], capture_output=True, text=True,
                          timeout=120, cwd=ROOT, **kwargs)


@pytest.mark.parametrize("args, fragment", [
    (["--port", "70000"], "between 0 and 65535"),
    (["--max-upload-mb", "0"], "must be positive"),
    (["--replay-fps", "-1"], "between 0 and 1000"),
    (["--source", "absent.mp4"], "source not found"),
    (["--model", "setup.cfg"], "not a loadable"),
])
def test_cli_serve_bad_input_one_line(args, fragment):
    result = run_cli(*args)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("digits-edge")]
    assert len(errors) == 1 and fragment in errors[0], result.stderr


def test_cli_serve_without_the_web_extra_says_how_to_install_it():
    code = "import sys; sys.modules['flask'] = None; from edge_app.cli import main; sys.exit(main(['serve']))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == ("digits-edge: error: serve needs the web extra (flask is not installed): "
                                     "pip install .[web]")


def test_cli_serve_runs_and_stops_on_ctrl_c():
    process = subprocess.Popen([sys.executable, "-m", "edge_app", "serve", "--source", "demo", "--port", "0",
                                "--replay-fps", "5"], stderr=subprocess.PIPE, text=True, cwd=ROOT)
    lines = []
    threading.Thread(target=lambda: lines.extend(process.stderr), daemon=True).start()
    try:
        line = wait_for(lambda: next((line for line in lines if "serving on" in line), None), timeout=60)
        port = int(line.split(":")[2].split("/")[0])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

        def frame():
            connection.request("GET", "/api/readings")
            return json.loads(connection.getresponse().read())["frame"]

        first = wait_for(frame, timeout=60)
        time.sleep(2.0)
        assert frame() - first <= 2 * 5 + 2  # paced at 5 frames a second (the default, 15, would give 30)
        connection.request("GET", "/stream.mjpg")
        stream = connection.getresponse()
        assert stream.status == 200 and stream.read(7) == b"--frame"  # a viewer is watching when Ctrl-C comes
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
        wait_for(lambda: any("stopped" in line for line in lines), timeout=5)
    finally:
        process.kill()
