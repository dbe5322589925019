"""The web interface's routes (Flask) and server (waitress); what they serve is in edge_app/serve.py.

    python -m edge_app serve --source demo          # then open http://127.0.0.1:8080

    app = create_app(classifier, DemoSource())      # tests: app.test_client(); stop_app(app) after
"""

import io
import json
import signal
import threading
import traceback
from importlib import resources

import flask
from werkzeug.exceptions import HTTPException

from edge_app.pipeline import PipelineConfig
from edge_app.serve import MAX_VIEWERS, MB, LiveView, ServeOptions, UploadError, start

FORM_OVERHEAD = 64 * 1024  # bytes a multipart form may add around the image
SERVER_THREADS = 8  # waitress's worker threads: MAX_VIEWERS streams leave the rest to the API
CONNECTION_LIMIT = 32  # open connections; their bodies are buffered in memory, so this bounds memory too
NAME_LENGTH = 200  # characters of an uploaded file's name echoed back as "source"
PAGE_FILES = {"/": ("index.html", "text/html; charset=utf-8"),
              "/app.js": ("app.js", "text/javascript; charset=utf-8"),
              "/style.css": ("style.css", "text/css; charset=utf-8")}
PAGE_POLICY = ("default-src 'self'; img-src 'self' blob: data:; script-src 'self'; style-src 'self'; "
               "connect-src 'self'; frame-ancestors 'none'; form-action 'none'; base-uri 'none'")


class _MemoryRequest(flask.Request):
    """Keeps a multipart form's files in memory: no upload is written to disk, not even a temporary file.

    Werkzeug spools files over 500 KB to a temporary file; MAX_CONTENT_LENGTH caps
    the body, so memory stays bounded instead.
    """

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        return io.BytesIO()


def create_app(classifier, source=None, options: ServeOptions | None = None,
               config: PipelineConfig | None = None, log=print) -> flask.Flask:
    """The web app; with a source, its live view runs in a thread until stop_app(app)."""
    options, config = options or ServeOptions(), config or PipelineConfig()
    live, predictor = start(classifier, source, options, config, log)
    describe = getattr(classifier, "describe", lambda: type(classifier).__name__)()
    pages = {route: (resources.files("edge_app").joinpath("web", name).read_bytes(), kind)
             for route, (name, kind) in PAGE_FILES.items()}

    app = flask.Flask(__name__, static_folder=None)  # pages come from memory: no request path reaches a file
    app.request_class = _MemoryRequest
    app.config["MAX_CONTENT_LENGTH"] = options.max_upload_bytes + FORM_OVERHEAD
    app.json.sort_keys = False
    app.extensions["edge_app.live"] = live

    def page(route):
        body, kind = pages[route]
        return flask.Response(body, content_type=kind, headers={"Content-Security-Policy": PAGE_POLICY})

    for route in PAGE_FILES:
        app.add_url_rule(route, f"page{route}", lambda route=route: page(route))

    @app.get("/healthz")
    def healthz():
        state = live.snapshot()
        return {"status": "ok", "model": describe, "live": {"state": state["state"], "error": state["error"]},
                "limits": {"max_upload_bytes": options.max_upload_bytes, "max_pixels": options.max_pixels}}

    @app.get("/api/readings")
    def readings():
        return live.snapshot()

    @app.get("/stream.mjpg")
    def stream():
        if not live.streaming:
            state = live.snapshot()
            return _error(503, f"no live view: {state['error'] or state['state']}")
        if not live.add_viewer():
            return _error(503, f"the live view already has {MAX_VIEWERS} viewers; try again later")
        parts = (b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n%b\r\n" % (len(jpeg), jpeg)
                 for jpeg in live.jpegs())
        response = flask.Response(parts, mimetype="multipart/x-mixed-replace; boundary=frame")
        response.call_on_close(live.remove_viewer)
        return response

    @app.post("/api/predict")
    def predict():
        data, name = _upload(flask.request)
        try:
            prediction = predictor.predict(data, name)
        except UploadError as error:
            return _error(error.status, str(error))
        # Exactly a line of `predict --json`; the time taken goes in a header, for the page.
        return flask.Response(json.dumps(prediction.as_dict()), mimetype="application/json",
                              headers={"Server-Timing": f"predict;dur={prediction.seconds * 1000:.1f}"})

    @app.get("/api/openapi.json")
    def openapi():
        return OPENAPI

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code == 413:
            return _error(413, f"upload too large: the limit is {options.max_upload_bytes:,} bytes")
        return _error(error.code, error.description)

    @app.errorhandler(Exception)
    def internal_error(error):
        log(f"error in {flask.request.method} {flask.request.path}:\n" + "".join(traceback.format_exception(error)))
        return _error(500, "internal error; the server's log says more")

    @app.after_request
    def headers(response):
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app


def live_view(app: flask.Flask) -> LiveView:
    return app.extensions["edge_app.live"]


def stop_app(app: flask.Flask) -> None:
    """Stop the app's live view (its thread and source) and end its streams."""
    live_view(app).stop()


def _upload(request) -> tuple[bytes, str]:
    """The image bytes and a display name: a multipart form's first file, or else the whole body."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("image") or next(iter(request.files.values()), None)
        if upload is None:
            return b"", "upload"
        return upload.read(), _display_name(upload.filename)
    return request.get_data(cache=False), "upload"


def _display_name(filename: str | None) -> str:
    """The client's file name, for the JSON's "source" only: it never reaches the file system."""
    name = "".join(c for c in (filename or "") if c.isprintable())[:NAME_LENGTH]
    return name or "upload"


def _error(status: int, reason: str):
    return flask.jsonify(error=reason), status


def make_server(app: flask.Flask, host: str, port: int):
    """A waitress server for the app, listening but not yet serving; `.run()` serves.

    `.close()` stops it from the thread that runs it. Closing its sockets from another thread
    can kill the loop's select() with EBADF (Pylons/waitress#468): tests/conftest.serving runs
    the loop itself and closes the server there.
    """
    import waitress

    max_body = app.config["MAX_CONTENT_LENGTH"]
    return waitress.create_server(
        app, host=host, port=port, threads=SERVER_THREADS, connection_limit=CONNECTION_LIMIT,
        max_request_body_size=max_body,  # a larger declared body gets waitress's own 413, unread
        inbuf_overflow=max_body + 1,  # bodies stay in memory: waitress would spool larger ones to a file
        outbuf_overflow=2 * MB, outbuf_high_watermark=MB,  # a slow viewer holds its stream back; nothing spools
        ident="edge-digits", clear_untrusted_proxy_headers=True)


def serve(app: flask.Flask, host: str, port: int, log=print) -> None:
    """Serve the app until Ctrl-C or SIGTERM, then stop its live view."""
    server = make_server(app, host, port)
    live = live_view(app)
    log(f"serving on http://{host}:{server.effective_port}/ (Ctrl-C stops)")
    previous = {}
    if threading.current_thread() is threading.main_thread():
        def interrupt(signum, frame):
            live.stop(wait=False)  # ends the streams now, so waitress need not wait for them
            raise KeyboardInterrupt
        previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run()  # closes itself and returns on KeyboardInterrupt
    finally:
        server.close()
        live.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


_IMAGE_BODY = {"content": {
    "image/*": {"schema": {"type": "string", "format": "binary"}},
    "multipart/form-data": {"schema": {"type": "object", "properties": {
        "image": {"type": "string", "format": "binary"}}}}}}
_ERROR = {"description": "refused, with the reason",
          "content": {"application/json": {"schema": {"type": "object", "properties": {
              "error": {"type": "string"}}}}}}
OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "edge-digits", "version": "1",  # of this API, not of the package
             "description": "Handwritten numbers read on the device: uploads and the live camera."},
    "paths": {
        "/api/predict": {"post": {
            "summary": "Read the numbers in one image (JPEG, PNG, WebP or BMP)",
            "description": "The same JSON as `python -m edge_app predict --json`; boxes in the image's pixels. "
                           "The Server-Timing header gives the time taken.",
            "requestBody": {"required": True, **_IMAGE_BODY},
            "responses": {"200": {"description": "the numbers read, in reading order",
                                  "content": {"application/json": {}}},
                          "400": _ERROR, "413": _ERROR}}},
        "/api/readings": {"get": {
            "summary": "The live source's latest stable readings and its state",
            "description": "state: off, starting, live, stalled, ended or failed (then error says why); "
                           "fps: frames shown per second; shown: the index of the frame on view; "
                           "frame, time: the frame the numbers were read on; "
                           "ms: how long reading it took.",
            "responses": {"200": {"description": "state, error, frame, shown, time, age, fps, ms, numbers",
                                  "content": {"application/json": {}}}}}},
        "/stream.mjpg": {"get": {
            "summary": "The annotated live view as MJPEG",
            "responses": {"200": {"description": "multipart/x-mixed-replace JPEG frames"},
                          "503": _ERROR}}},
        "/healthz": {"get": {"summary": "Liveness, the model, the live source's state and the upload limits",
                             "responses": {"200": {"description": "ok", "content": {"application/json": {}}}}}},
        "/api/openapi.json": {"get": {"summary": "This description",
                                      "responses": {"200": {"description": "OpenAPI 3"}}}},
    },
}
