"""Load test of the web API on loopback: clients posting images at once, for a bounded time.

    python -m edge_app.loadtest --clients 20 --duration 30      # starts `serve --no-live` itself
    python -m edge_app.loadtest --url http://127.0.0.1:8080 --clients 4 --duration 10

Every client posts, in turn, camera photos, a phone-sized photo, a drawing, and the
deliberately bad uploads (not an image, a decompression bomb, a body over the size
limit). It prints requests by kind and status, the unexpected answers (anything but
200 for an image, 400 or 413 for a bad upload, or no answer), requests per second,
latency percentiles of the good uploads, and, when it started the server itself, the
server's resident memory before, at its peak, and after.
"""

import http.client
import json
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import cv2
import numpy as np

from edge_app.cli_util import ArgumentParser, HelpFormatter

SETTLE = 5.0  # seconds after the load before the server's memory is read again
SAMPLE_EVERY = 0.2  # seconds between memory samples during the load
ROUNDS = ("photo", "phone", "photo", "drawing", "photo", "not-image", "photo", "bomb", "photo", "too-large")


@dataclass(frozen=True)
class Payload:
    body: bytes
    content_type: str
    expected: tuple[int, ...]  # statuses that are right for it


@dataclass
class LoadResult:
    seconds: float = 0.0
    statuses: Counter = field(default_factory=Counter)  # (kind, status) -> count; status "no answer" on failure
    unexpected: list[str] = field(default_factory=list)  # a few examples
    unexpected_count: int = 0
    latency_ms: list[float] = field(default_factory=list)  # of the uploads answered 200

    def summary(self) -> dict:
        total = sum(self.statuses.values())
        p50, p95 = np.percentile(self.latency_ms, [50, 95]) if self.latency_ms else (None, None)
        return {"seconds": round(self.seconds, 1), "requests": total,
                "requests_per_s": round(total / max(self.seconds, 1e-9), 1),
                "by_kind_and_status": {f"{kind} {status}": n for (kind, status), n in sorted(self.statuses.items(),
                                                                                             key=str)},
                "unexpected": self.unexpected_count, "unexpected_examples": self.unexpected[:5],
                "ok_latency_ms": {"p50": _round(p50), "p95": _round(p95),
                                  "max": _round(max(self.latency_ms, default=None))}}


def _round(value):
    return None if value is None else round(float(value), 1)


def payloads(max_upload_bytes: int, seed: int = 0) -> dict[str, Payload]:
    """The uploads the clients send, keyed by kind."""
    from edge_app.scenes import make_scene
    rng = np.random.default_rng(seed)
    scene = make_scene(rng, texts=["4096", "31"]).image
    phone = cv2.resize(scene, (4000, 3000), interpolation=cv2.INTER_CUBIC)
    drawing = np.full((280, 560, 3), 255, np.uint8)
    cv2.putText(drawing, "42", (150, 220), cv2.FONT_HERSHEY_SIMPLEX, 7, (0, 0, 0), 16, cv2.LINE_AA)
    return {
        "photo": Payload(_encode(scene, ".jpg"), "image/jpeg", (200,)),
        "phone": Payload(_encode(phone, ".jpg", [cv2.IMWRITE_JPEG_QUALITY, 90]), "image/jpeg", (200,)),
        "drawing": Payload(_encode(drawing, ".png"), "image/png", (200,)),
        "not-image": Payload(b"this is not an image\n" * 10, "text/plain", (400,)),
        "bomb": Payload(bomb_png(20000, 20000), "image/png", (413,)),
        "too-large": Payload(b"\xff\xd8\xff" + bytes(max_upload_bytes), "image/jpeg", (413,)),
    }


def bomb_png(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares width x height pixels: a decompression bomb for the checks."""
    import zlib
    small = _encode(np.zeros((4, 4), np.uint8), ".png")
    ihdr = b"IHDR" + width.to_bytes(4, "big") + height.to_bytes(4, "big") + small[24:29]
    return small[:12] + ihdr + zlib.crc32(ihdr).to_bytes(4, "big") + small[33:]


def _encode(image, ext, params=()) -> bytes:
    ok, data = cv2.imencode(ext, image, list(params))
    if not ok:
        raise RuntimeError(f"cannot encode {ext}")
    return data.tobytes()


def run_load(url: str, uploads: dict[str, Payload], clients: int, seconds: float,
             rounds: tuple[str, ...] = ROUNDS, at_least: int = 0) -> LoadResult:
    """`clients` threads, each with its own keep-alive connection, posting `rounds` in turn for `seconds`.

    Each client sends at least `at_least` requests, however short `seconds` is.
    """
    parts = urlsplit(url)
    result = LoadResult()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(offset: int) -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        turn = offset
        while time.perf_counter() < deadline or turn - offset < at_least:
            kind = rounds[turn % len(rounds)]
            turn += 1
            payload = uploads[kind]
            started = time.perf_counter()
            try:
                connection.request("POST", "/api/predict", payload.body, {"Content-Type": payload.content_type})
                response = connection.getresponse()
                answer = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
                status, answer = "no answer", repr(error).encode()
            ms = (time.perf_counter() - started) * 1000
            with lock:
                result.statuses[(kind, status)] += 1
                if status == 200:
                    result.latency_ms.append(ms)
                if status not in payload.expected:
                    result.unexpected_count += 1
                    if len(result.unexpected) < 20:
                        result.unexpected.append(f"{kind}: {status} {answer[:200]!r}")
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from /proc (Linux)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def start_server(extra_args: list[str]) -> tuple[subprocess.Popen, str]:
    """`serve --no-live` on a free loopback port; returns the process and its URL."""
    process = subprocess.Popen([sys.executable, "-m", "edge_app", "serve", "--no-live", "--port", "0", *extra_args],
                               stderr=subprocess.PIPE, text=True)
    for line in process.stderr:
        found = re.search(r"serving on (http://\S+?)/? ", line)
        if found:
            threading.Thread(target=_drain, args=(process.stderr,), daemon=True).start()
            return process, found.group(1)
    raise RuntimeError(f"the server did not start (exit code {process.wait()})")


def _drain(stream) -> None:
    """Read the server's log to its end, so that a full pipe never blocks it."""
    for _ in stream:
        pass


def main(argv=None) -> int:
    parser = ArgumentParser(prog="python -m edge_app.loadtest", description=__doc__, formatter_class=HelpFormatter)
    parser.add_argument("--url", default=None, help="a running server (default: start one on loopback)")
    parser.add_argument("--clients", type=int, default=20, help="clients posting at once")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load")
    parser.add_argument("--max-upload-mb", type=float, default=10.0, help="the server's limit, for the too-large body")
    parser.add_argument("--model", default=None, help="model for the server it starts")
    args = parser.parse_args(argv)
    uploads = payloads(int(args.max_upload_mb * (1 << 20)))
    process = None
    url = args.url
    if url is None:
        process, url = start_server(["--max-upload-mb", str(args.max_upload_mb)]
                                    + (["--model", args.model] if args.model else []))
    try:
        warm_up = run_load(url, uploads, 1, 0.0, rounds=tuple(uploads), at_least=len(uploads))
        if warm_up.unexpected:
            print(f"warm-up: {warm_up.unexpected}", file=sys.stderr)
        memory = {}
        if process:
            memory["before_mb"] = round(rss_mb(process.pid), 1)
            peak = [memory["before_mb"]]
            sampling = threading.Event()

            def sample():
                while not sampling.wait(SAMPLE_EVERY):
                    peak.append(rss_mb(process.pid))
            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
        result = run_load(url, uploads, args.clients, args.duration)
        if process:
            sampling.set()
            sampler.join()
            memory["peak_mb"] = round(max(peak), 1)
            time.sleep(SETTLE)
            memory["after_mb"] = round(rss_mb(process.pid), 1)
        print(json.dumps({"clients": args.clients, **result.summary(), "server_rss": memory or None}, indent=2))
        return 1 if result.unexpected_count else 0
    finally:
        if process:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
