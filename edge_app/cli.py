"""Command line of the device side: `digits-edge` or `python -m edge_app`.

    python -m edge_app demo                 # photographed digits read by the shipped int8 model
    python -m edge_app demo --model models/digits_float32.tflite --count 500
    python -m edge_app predict photo.jpg --json
"""

import argparse
import json
import sys
from pathlib import Path

from edge_app.classifier import ModelError
from edge_app.cli_util import ArgumentParser, HelpFormatter, fail
from edge_app.mnist import MnistError

PROG = "digits-edge"
MODELS = Path(__file__).resolve().parent.parent / "models"
DEFAULT_MODEL = MODELS / "digits_int8.tflite"


def demo_doc() -> str:
    from edge_app import demo
    return demo.__doc__


def parse_args(argv=None) -> argparse.Namespace:
    parser = ArgumentParser(prog=PROG, description=__doc__, formatter_class=HelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser("demo", help="read photographed single digits with the shipped model",
                               description=demo_doc(), formatter_class=HelpFormatter)
    demo.add_argument("--model", default=str(DEFAULT_MODEL), help=".tflite digit classifier")
    demo.add_argument("--count", type=int, default=200, help="digits to read")
    demo.add_argument("--seed", type=int, default=0, help="seed for the digits and their photos")
    demo.add_argument("--sheet", default="out/demo.png", help="contact sheet to write ('' for none)")
    demo.add_argument("--mnist", default=None, help="MNIST to draw digits from (default: $MNIST_PATH, "
                      "then Keras's cache, else the built-in stroke font)")
    demo.add_argument("--num-threads", type=int, default=None, help="interpreter threads")

    predict = commands.add_parser("predict", help="read the numbers in still images",
                                  description=predict_doc(), formatter_class=HelpFormatter)
    predict.add_argument("images", nargs="+", metavar="IMAGE", help="image files (JPEG, PNG, ...)")
    predict.add_argument("--json", action="store_true", help="one JSON object per image, in input order")
    predict.add_argument("--annotate", metavar="DIR", default=None, help="write annotated copies here")
    _add_model_options(predict)
    return parser.parse_args(argv)


def _add_model_options(parser) -> None:
    from edge_app.pipeline import PipelineConfig
    parser.add_argument("--model", default=str(DEFAULT_MODEL), help=".tflite digit classifier")
    parser.add_argument("--num-threads", type=int, default=None, help="interpreter threads (default: runtime's)")
    parser.add_argument("--delegate", default=None, metavar="PATH",
                        help="external delegate library, such as an Edge TPU's")
    parser.add_argument("--min-confidence", type=float, default=PipelineConfig().min_confidence,
                        help="digits read with less confidence are dropped")


def predict_doc() -> str:
    from edge_app import predict
    return predict.__doc__


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.command == "demo":
        return _demo(args)
    if args.command == "predict":
        return _predict(args)
    return fail(PROG, f"unknown command {args.command}")


def _demo(args) -> int:
    from edge_app.demo import run_demo
    if args.count < 1:
        return fail(PROG, f"--count must be at least 1, got {args.count}")
    try:
        result = run_demo(args.model, count=args.count, seed=args.seed, sheet=args.sheet or None,
                          mnist=args.mnist, num_threads=args.num_threads)
    except (ModelError, MnistError, OSError) as error:
        return fail(PROG, str(error))
    right = int((result.truth == result.predicted).sum())
    print(f"read {right}/{len(result.truth)} photographed digits correctly ({result.accuracy:.1%}) "
          f"from the {result.source}; {Path(args.model).name}, {result.ms_per_digit:.3f} ms per digit"
          + (f"; contact sheet {result.sheet}" if result.sheet else ""))
    return 0


def _classifier(args):
    from edge_app.classifier import Classifier
    if args.num_threads is not None and args.num_threads < 1:
        raise ModelError(f"--num-threads must be at least 1, got {args.num_threads}")
    return Classifier(args.model, num_threads=args.num_threads, delegate=args.delegate)


def _predict(args) -> int:
    import dataclasses

    from edge_app.pipeline import PipelineConfig
    from edge_app.predict import annotated_names, predict_file
    if not 0.0 <= args.min_confidence <= 1.0:
        return fail(PROG, f"--min-confidence must be between 0 and 1, got {args.min_confidence}")
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
    config = dataclasses.replace(PipelineConfig(), min_confidence=args.min_confidence)
    failed = 0
    for path, name in zip(args.images, annotated_names(args.images), strict=True):
        prediction = predict_file(path, classifier, config, annotate, name)
        failed += prediction.error is not None
        print(json.dumps(prediction.as_dict()) if args.json else prediction.summary(), flush=True)
    if failed:
        print(f"{PROG}: {failed} of {len(args.images)} images could not be read", file=sys.stderr)
    return 1 if failed else 0
