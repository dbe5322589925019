"""Command line of the trainer.

    python -m train --arch edge --epochs 20 --out runs/edge
    python -m train --arch cnn3 --epochs 5 --compare-optimizers sgd adam nadam adadelta
    python -m train --arch edge --out runs/edge --resume
"""

import argparse
import os
import sys

from edge_app.cli_util import ArgumentParser, HelpFormatter, fail
from edge_app.mnist import MnistError
from train.training import ARCHITECTURES, LR_SCHEDULES, OPTIMIZERS, TrainConfig, TrainError

PROG = "digits-train"


def parse_args(argv=None) -> argparse.Namespace:
    defaults = TrainConfig()
    parser = ArgumentParser(prog=PROG, description=__doc__, formatter_class=HelpFormatter)
    parser.add_argument("--arch", choices=ARCHITECTURES, default=defaults.architecture,
                        help="network to train")
    parser.add_argument("--optimizer", choices=OPTIMIZERS, default=defaults.optimizer, help="optimizer")
    parser.add_argument("--lr", type=float, default=None,
                        help="peak learning rate (default: 0.05 sgd, 0.002 adam/nadam, 1.0 adadelta)")
    parser.add_argument("--lr-schedule", choices=LR_SCHEDULES, default=defaults.lr_schedule,
                        help="learning-rate schedule; cosine warms up for one epoch")
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size, help="images per step")
    parser.add_argument("--epochs", type=int, default=defaults.epochs, help="passes over the training set")
    parser.add_argument("--seed", type=int, default=defaults.seed, help="seed for weights, order and augmentation")
    parser.add_argument("--limit", type=int, default=None, help="train on the first N training images only")
    parser.add_argument("--eval-limit", type=int, default=None, help="evaluate on the first N test images only")
    parser.add_argument("--augment", action=argparse.BooleanOptionalAction, default=None,
                        help="camera-like augmentation (default: on for edge, off for mlp and cnn3)")
    parser.add_argument("--max-rotation", type=float, default=defaults.max_rotation, metavar="DEGREES",
                        help="augmentation turns digits by up to this many degrees either way")
    parser.add_argument("--not-digit", type=float, default=defaults.not_digit, metavar="SHARE",
                        help="share of each batch replaced by 'not one digit' examples (touching digits, "
                             "wrong cuts), taught as an eleventh class; 0 keeps ten classes")
    parser.add_argument("--crossed-sevens", type=float, default=defaults.crossed_sevens, metavar="SHARE",
                        help="share of sevens drawn with the European bar across the stem")
    parser.add_argument("--flagged-ones", type=float, default=defaults.flagged_ones, metavar="SHARE",
                        help="share of plain ones drawn with the continental flag, long and sloping")
    parser.add_argument("--long-tails", type=float, default=defaults.long_tails, metavar="SHARE",
                        help="share of 4s, 7s and 9s drawn with a long tail below the line")
    parser.add_argument("--scene-crops", default=None, metavar="FILE",
                        help="crops the app's pipeline cut from generated scenes (python -m train.scenecrops), "
                             "digits and not-digits, mixed into each batch; needs --not-digit")
    parser.add_argument("--scene-share", type=float, default=defaults.scene_share, metavar="SHARE",
                        help="share of each batch replaced by --scene-crops")
    parser.add_argument("--init-from", default=None, metavar="MODEL",
                        help="start from this trained .keras model of the same architecture (fine-tuning)")
    parser.add_argument("--mnist", default=None,
                        help="MNIST npz or IDX folder (default: $MNIST_PATH, then Keras's cache, then download)")
    parser.add_argument("--out", default=None, help="run folder (default: runs/ARCH)")
    parser.add_argument("--resume", action="store_true", help="continue an interrupted run in --out")
    parser.add_argument("--compare-optimizers", nargs="+", choices=OPTIMIZERS, metavar="NAME",
                        help="train once per optimizer into OUT/NAME and write a comparison table and plot")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    verbose = 0 if args.quiet else (1 if sys.stdout.isatty() else 2)
    config = TrainConfig(
        out=args.out or os.path.join("runs", args.arch), architecture=args.arch, optimizer=args.optimizer,
        learning_rate=args.lr, lr_schedule=args.lr_schedule, batch_size=args.batch_size, epochs=args.epochs,
        seed=args.seed, limit=args.limit, eval_limit=args.eval_limit, augment=args.augment, mnist=args.mnist,
        max_rotation=args.max_rotation, not_digit=args.not_digit, init_from=args.init_from,
        crossed_sevens=args.crossed_sevens, flagged_ones=args.flagged_ones, long_tails=args.long_tails,
        scene_crops=args.scene_crops, scene_share=args.scene_share, verbose=verbose)
    try:
        if args.compare_optimizers:
            from train.compare import compare_optimizers
            rows = compare_optimizers(config, args.compare_optimizers)
            for row in rows:
                print(f"{row['optimizer']}: test accuracy {row['test_accuracy']:.4f} in {row['train_seconds']} s")
            print(f"comparison written to {config.out}/comparison.md, .csv and .png")
            return 0
        from train.training import train
        run = train(config, resume=args.resume)
    except (TrainError, MnistError) as error:
        return fail(PROG, str(error))
    except KeyboardInterrupt:
        return fail(PROG, f"interrupted; continue with the same arguments and --resume (run folder {config.out})", 130)
    print(f"{config.architecture}: test accuracy {run['test_accuracy']:.4f} on {run['test_images']} images, "
          f"{run['parameters']:,} parameters, {run['train_seconds']} s; saved {config.out}/model.keras")
    return 0
