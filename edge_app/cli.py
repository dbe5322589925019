"""Command line of the device side: `digits-edge` or `python -m edge_app`.

    python -m edge_app predict photo.jpg --json
    python -m edge_app run --source demo --max-frames 300 --save-video out/demo.mp4
    python -m edge_app run --source 0              # camera 0; q or Esc quits the window
    python -m edge_app serve --source demo         # web page on http://127.0.0.1:8080
    python -m edge_app bench --out out/bench       # every model: accuracy, size, speed
    python -m edge_app targets --quick             # the accuracy targets on generated photos, lines, sheets
"""

import argparse
import json
import os
import sys
from pathlib import Path

from edge_app.classifier import ModelError
from edge_app.cli_util import ArgumentParser, HelpFormatter, fail
from edge_app.mnist import MnistError

PROG = "digits-edge"
DEFAULT_MODEL_NAME = "digits_int8.tflite"


def default_model() -> Path:
    """models/digits_int8.tflite in the working folder, else beside this source checkout.

    `pip install .` does not copy models/ into site-packages, so a deployed app is
    started from its checkout (the systemd unit sets WorkingDirectory).
    """
    for folder in (Path.cwd() / "models", Path(__file__).resolve().parent.parent / "models"):
        if (folder / DEFAULT_MODEL_NAME).is_file():
            return folder / DEFAULT_MODEL_NAME
    return Path("models") / DEFAULT_MODEL_NAME


def parse_args(argv=None) -> argparse.Namespace:
    parser = ArgumentParser(prog=PROG, description=__doc__, formatter_class=HelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    predict = commands.add_parser("predict", help="read the numbers in still images",
                                  description=predict_doc(), formatter_class=HelpFormatter)
    predict.add_argument("images", nargs="+", metavar="IMAGE", help="image files (JPEG, PNG, ...) or folders of them")
    predict.add_argument("--json", action="store_true", help="one JSON object per image, in input order")
    predict.add_argument("--annotate", metavar="DIR", default=None, help="write annotated copies here")
    _add_model_options(predict)

    run = commands.add_parser("run", help="read numbers live from a camera, video, images or the demo",
                              description=run_doc(), formatter_class=HelpFormatter)
    _add_source_options(run, "demo, picamera, a camera index (0), a video file or URL, an image, folder or glob "
                             "(default: picamera on a Raspberry Pi, else camera 0)")
    run.add_argument("--max-frames", type=_positive(int), default=None, help="stop after N frames")
    run.add_argument("--duration", type=_positive(float), default=None, help="stop after S seconds")
    run.add_argument("--display", action=argparse.BooleanOptionalAction, default=None,
                     help="show a window (default: when a display exists)")
    run.add_argument("--json", action="store_true", help="one JSON object per frame on stdout")
    run.add_argument("--save-video", metavar="FILE", default=None, help="write the annotated video (.mp4, .avi)")
    run.add_argument("--save-frames", metavar="DIR", default=None, help="write annotated frames as JPEG")
    _add_model_options(run)

    from edge_app import serve as web
    serve = commands.add_parser("serve", help="web page and JSON API: live view, photo upload, drawing pad",
                                description=serve_doc(), formatter_class=HelpFormatter)
    _add_source_options(serve, "as for run (default: picamera on a Raspberry Pi, else camera 0; when neither "
                               "gives frames the page says so and uploads still work)")
    serve.add_argument("--live", action=argparse.BooleanOptionalAction, default=True,
                       help="read the source for the live view (--no-live: uploads and drawing only)")
    serve.add_argument("--replay-fps", type=_frame_rate, default=web.REPLAY_FPS,
                       help="frames per second of the demo, a video or images in the live view, played as a "
                            "camera gives them: a slow frame skips the next (0: every frame, as fast as read); "
                            "a camera sets its own")
    serve.add_argument("--host", default=web.DEFAULT_HOST,
                       help="address to listen on; 0.0.0.0 opens it to every network the device is on")
    serve.add_argument("--port", type=_port, default=web.DEFAULT_PORT, help="TCP port (0: any free one)")
    serve.add_argument("--save-uploads", metavar="DIR", default=None,
                       help="keep accepted uploads here, under names the server picks (none are kept without it)")
    serve.add_argument("--max-upload-mb", type=_positive(float), default=web.MAX_UPLOAD_MB,
                       help="larger uploads are refused (413); MB of 2**20 bytes")
    serve.add_argument("--max-megapixels", type=_positive(float), default=web.MAX_MEGAPIXELS,
                       help="images declaring more pixels are refused (413) before decoding")
    _add_model_options(serve)
    _add_bench_parser(commands)
    _add_targets_parser(commands)
    return parser.parse_args(argv)


def _positive(kind, bound: str = "positive"):
    """An argparse type: a number of `kind` above zero; `bound` words the error."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid {kind.__name__} value: {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be {bound}, got {text}")
        return value
    return parse


def _in_range(kind, low, high):
    """An argparse type: a number of `kind` from `low` to `high`, both included."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid {kind.__name__} value: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low:g} and {high:g}, got {text}")
        return value
    return parse


_probability = _in_range(float, 0.0, 1.0)
_port = _in_range(int, 0, 65535)
_frame_rate = _in_range(float, 0.0, 1000.0)


def _roi(text: str) -> tuple[int, int, int, int]:
    try:
        values = tuple(int(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 4 or values[0] < 0 or values[1] < 0 or values[2] < 1 or values[3] < 1:
        raise argparse.ArgumentTypeError(f"expected X,Y,W,H with W and H at least 1, got {text!r}")
    return values


def run_doc() -> str:
    from edge_app import app, sources
    return app.__doc__ + "\nSources:\n" + sources.__doc__.split("\n", 2)[2]


def serve_doc() -> str:
    from edge_app import serve
    return serve.__doc__


def _add_source_options(parser, source_help: str) -> None:
    """The frame source and what shapes it, shared by `run` and `serve`."""
    parser.add_argument("--source", default=None, help=source_help)
    parser.add_argument("--roi", type=_roi, default=None, metavar="X,Y,W,H", help="read only inside this region")
    parser.add_argument("--seed", type=int, default=0, help="seed of the demo's scenes")
    parser.add_argument("--mnist", default=None, help="MNIST for the demo's digits (default: $MNIST_PATH, "
                        "then Keras's cache, else the built-in stroke font)")


def _add_model_options(parser) -> None:
    from edge_app.pipeline import PipelineConfig
    parser.add_argument("--model", default=None,
                        help=f".tflite digit classifier (default: models/{DEFAULT_MODEL_NAME})")
    parser.add_argument("--num-threads", type=_positive(int, "at least 1"), default=None,
                        help="threads for the interpreter and OpenCV (default: each one's own)")
    parser.add_argument("--delegate", default=None, metavar="PATH",
                        help="external delegate library, such as an Edge TPU's")
    parser.add_argument("--min-confidence", type=_probability, default=PipelineConfig().min_confidence,
                        help="digits read with less confidence are dropped")


def predict_doc() -> str:
    from edge_app import predict
    return predict.__doc__


def _add_bench_parser(commands) -> None:
    from edge_app import bench
    full, quick = bench.BenchSettings(), bench.QUICK
    parser = commands.add_parser("bench", help="compare the models: accuracy on MNIST and scenes, size, speed",
                                 description=bench.__doc__, formatter_class=HelpFormatter)
    parser.add_argument("--models", nargs="+", metavar="MODEL", default=None,
                        help="the .tflite models (default: every one in models/, in its manifest's order)")
    parser.add_argument("--out", metavar="DIR", default=None, help="also write bench.json, bench.csv and PNG plots")
    parser.add_argument("--quick", action="store_true",
                        help=f"{quick.mnist_limit:,} MNIST digits, {quick.scenes} scenes, fewer timed runs")
    parser.add_argument("--scenes", type=_positive(int), default=None,
                        help=f"camera-like scenes (default: {full.scenes}, {quick.scenes} with --quick)")
    parser.add_argument("--seed", type=int, default=full.seed, help="seed of the scenes")
    parser.add_argument("--ruled", type=_probability, default=full.ruled, metavar="SHARE",
                        help="share of the scenes on ruled or squared notebook paper")
    parser.add_argument("--mnist", default=None,
                        help="MNIST (default: $MNIST_PATH, then Keras's cache; never downloaded)")
    parser.add_argument("--mnist-limit", type=_positive(int), default=None, metavar="N",
                        help=f"classify the first N MNIST test digits (default: all, {quick.mnist_limit:,} "
                             "with --quick)")
    parser.add_argument("--threads", type=_positive(int, "at least 1"), nargs="+", default=None, metavar="N",
                        help="threads to time (interpreter and OpenCV); bench.json's top-level figures are the first's "
                             f"(default: {' '.join(map(str, full.threads))}, 1 and the core count)")
    parser.add_argument("--compare", nargs=2, metavar=("A.json", "B.json"), default=None,
                        help="print two saved bench.json side by side, and measure nothing")


def _add_targets_parser(commands) -> None:
    from edge_app import targets
    from edge_app.usps import USPS_ENV as usps_env
    full, quick = targets.Sizes(), targets.QUICK
    parser = commands.add_parser("targets", help="measure the accuracy targets: single digits, lines, sheets, scans",
                                 description=targets.__doc__, formatter_class=HelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help=f"{quick.singles} single digits, {quick.filled} cropped to a square, {quick.lines} lines, "
                             f"{quick.close_lines} lines cropped close, {quick.sheets} sheets, {quick.column_sheets} "
                             f"sheets in columns, {quick.scans} scans (default: {full.singles}, {full.filled}, "
                             f"{full.lines}, {full.close_lines}, {full.sheets}, {full.column_sheets}, {full.scans})")
    parser.add_argument("--realdev", metavar="DIR", default=None,
                        help=f"also read realdev's real photos from here (default: ${targets.REALDEV_ENV}, "
                             "else they are left out)")
    parser.add_argument("--changes", action="store_true",
                        help="also read realdev's photos again under each camera-like change of "
                             f"edge_app.changes: {'; '.join(targets.CHANGES)}".replace("%", "%%"))  # argparse's %
    parser.add_argument("--mnist", default=None,
                        help="MNIST for the digits drawn and the scans (default: $MNIST_PATH, then Keras's "
                             "cache; without it the stroke font draws and the scans are skipped)")
    parser.add_argument("--usps", metavar="FILE", default=None,
                        help="also read real USPS scans from this file: zip.test or zip.train (gzipped or not) or "
                             f"usps_all.mat (default: ${usps_env}, else they are left out)")
    parser.add_argument("--json", action="store_true", help="one JSON object per set instead of the table")
    _add_model_options(parser)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.command == "predict":
        return _predict(args)
    if args.command == "run":
        return _run(args)
    if args.command == "serve":
        return _serve(args)
    if args.command == "bench":
        return _bench(args)
    if args.command == "targets":
        return _targets(args)
    return fail(PROG, f"unknown command {args.command}")


def _classifier(args):
    from edge_app.classifier import Classifier
    classifier = Classifier(args.model or default_model(), num_threads=args.num_threads, delegate=args.delegate)
    if args.num_threads is not None:
        import cv2
        cv2.setNumThreads(args.num_threads)  # OpenCV's pool costs more than it saves on a 640x480 frame
    for warning in classifier.warnings:
        print(f"{PROG}: warning: {warning}", file=sys.stderr)
    return classifier


def _predict(args) -> int:
    from edge_app.imageio import image_paths
    from edge_app.pipeline import PipelineConfig
    from edge_app.predict import annotated_names, predict_file
    try:
        classifier = _classifier(args)
    except ModelError as error:
        return fail(PROG, str(error))
    annotate = Path(args.annotate) if args.annotate else None
    if annotate is not None:
        try:
            annotate.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            return fail(PROG, f"cannot create {annotate}: {error.strerror or error}")
    config = PipelineConfig(min_confidence=args.min_confidence)
    try:
        paths = image_paths(args.images)
    except OSError as error:
        return fail(PROG, f"cannot list {error.filename}: {error.strerror or error}")
    failed = 0
    for path, name in zip(paths, annotated_names(paths), strict=True):
        prediction = predict_file(path, classifier, config, annotate, name)
        failed += prediction.error is not None
        print(json.dumps(prediction.as_dict()) if args.json else prediction.summary(), flush=True)
    if failed:
        print(f"{PROG}: {failed} of {len(paths)} images could not be read", file=sys.stderr)
    return 1 if failed else 0


def _run(args) -> int:
    from edge_app.app import RunOptions, has_display, run
    from edge_app.pipeline import PipelineConfig
    from edge_app.sources import SourceError, open_source
    try:
        classifier = _classifier(args)
        source = open_source(args.source, seed=args.seed, mnist=args.mnist,
                             log=lambda message: print(message, file=sys.stderr, flush=True))
    except (ModelError, SourceError, MnistError) as error:
        return fail(PROG, str(error))
    print(f"model {classifier.describe()}", file=sys.stderr, flush=True)
    display = has_display() if args.display is None else args.display
    options = RunOptions(max_frames=args.max_frames, duration=args.duration, display=display, json=args.json,
                         save_video=args.save_video, save_frames=args.save_frames, roi=args.roi)
    config = PipelineConfig(min_confidence=args.min_confidence)
    try:
        summary = run(source, classifier, options, config, out=lambda line: print(line, flush=True))
    except OSError as error:
        return fail(PROG, f"cannot write output: {error.strerror or error}")
    print(summary.line() + (f"; video {args.save_video}" if args.save_video else ""),
          file=sys.stderr if args.json else sys.stdout, flush=True)
    return 0


def _serve(args) -> int:
    from edge_app import serve
    missing = serve.missing_web_dependency()
    if missing:
        return fail(PROG, f"serve needs the web extra ({missing} is not installed): pip install .[web]")
    try:
        classifier = _classifier(args)
    except ModelError as error:
        return fail(PROG, str(error))
    return serve.command(args, classifier, PROG)


def _bench(args) -> int:
    from edge_app import bench, benchreport
    if args.compare:
        try:
            print(benchreport.compare_files(*args.compare))
        except benchreport.BenchError as error:
            return fail(PROG, str(error))
        return 0
    settings = bench.bench_settings(quick=args.quick, scenes=args.scenes, seed=args.seed, ruled=args.ruled,
                                    mnist_limit=args.mnist_limit, threads=args.threads)
    models = [Path(m) for m in args.models] if args.models else bench.default_models(default_model().parent)
    if not models:
        return fail(PROG, f"no .tflite models in {default_model().parent}; pass --models")
    try:
        return bench.run(models, settings, mnist=args.mnist, out=Path(args.out) if args.out else None,
                         log=lambda line: print(f"{PROG} bench: {line}", file=sys.stderr, flush=True))
    except OSError as error:
        return fail(PROG, f"cannot write {error.filename or 'output'}: {error.strerror or error}")


def _targets(args) -> int:
    from edge_app import targets
    from edge_app.pipeline import PipelineConfig
    from edge_app.usps import USPS_ENV
    try:
        classifier = _classifier(args)
    except ModelError as error:
        return fail(PROG, str(error))
    realdev = args.realdev or os.environ.get(targets.REALDEV_ENV)
    usps = args.usps or os.environ.get(USPS_ENV)
    config = PipelineConfig(min_confidence=args.min_confidence)
    return targets.run(classifier, targets.QUICK if args.quick else targets.Sizes(), args.mnist,
                       Path(realdev) if realdev else None, args.json, config,
                       log=lambda line: print(f"{PROG} targets: {line}", file=sys.stderr, flush=True),
                       changes=args.changes, usps=Path(usps) if usps else None)
