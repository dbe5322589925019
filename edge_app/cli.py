"""Command line of the device side: `digits-edge` or `python -m edge_app`.

    python -m edge_app demo                 # photographed digits read by the shipped int8 model
    python -m edge_app demo --model models/digits_float32.tflite --count 500
"""

import argparse
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
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.command == "demo":
        return _demo(args)
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
