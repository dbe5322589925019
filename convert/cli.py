"""Command line of the converter.

    python -m convert runs/edge/model.keras --out models/
    python -m convert runs/edge/model.keras --out /tmp/m --variants float32 int8 --calibration 300
"""

import argparse

from convert.conversion import ConvertConfig, ConvertError
from convert.variants import QUANTIZERS, VARIANTS
from edge_app.cli_util import ArgumentParser, HelpFormatter, fail
from edge_app.mnist import MnistError

PROG = "digits-convert"


def parse_args(argv=None) -> argparse.Namespace:
    defaults = ConvertConfig(model="")
    parser = ArgumentParser(prog=PROG, description=__doc__, formatter_class=HelpFormatter)
    parser.add_argument("model", help="the trained .keras model")
    parser.add_argument("--out", default=defaults.out, help="folder for the .tflite files and manifest.json")
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS), metavar="NAME",
                        help=f"variants to write, from: {' '.join(VARIANTS)}")
    parser.add_argument("--calibration", type=int, default=defaults.calibration,
                        help="images in the int8 representative set")
    parser.add_argument("--quantizer", choices=QUANTIZERS, default=defaults.quantizer,
                        help="int8 by TensorFlow's converter (tf) or the LiteRT Quantizer (litert)")
    parser.add_argument("--per-channel", action=argparse.BooleanOptionalAction, default=defaults.per_channel,
                        help="int8 weight scales per output channel; --no-per-channel: one per tensor, smaller")
    parser.add_argument("--run", default=None, help="training run folder whose run.json goes into the manifest "
                        "(default: the model's folder)")
    parser.add_argument("--mnist", default=None,
                        help="MNIST npz or IDX folder (default: $MNIST_PATH, then Keras's cache, then download)")
    parser.add_argument("--eval-limit", type=int, default=None,
                        help="check and measure on the first N MNIST test images only")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    config = ConvertConfig(model=args.model, out=args.out, variants=tuple(dict.fromkeys(args.variants)),
                           calibration=args.calibration, quantizer=args.quantizer, per_channel=args.per_channel,
                           run=args.run, mnist=args.mnist, eval_limit=args.eval_limit)
    try:
        from convert.conversion import convert
        manifest = convert(config)
    except (ConvertError, MnistError) as error:
        return fail(PROG, str(error))
    print(f"wrote {len(manifest['models'])} models and {config.out}/manifest.json")
    return 0
