"""Crops cut by the app's own pipeline from camera-like scenes, labelled from the scenes' truth.

MNIST digits are centred scans; the app hands the model crops of photos, cut by
edge_app.pipeline, with their blur, stroke widths and stray blobs: the tip of a
shadow, the edge of the sheet, a smudge. Scenes drawn by edge_app.scenes with
training digits, cut by that same pipeline (keeping the tips of shadows, which it
drops), give both kinds:
  - a blob lying on one written digit and covering most of it: that digit;
  - a blob lying on no written digit: NOT_DIGIT, the model's eleventh class. Few
    scenes hold one, so a share of the scenes is a sheet with nothing written on it,
    where every blob found is one.
Blobs that are neither (half a digit, two touching digits) are left out: the pipeline
joins and cuts those, and train.negatives makes them. So is a not-digit that is one
straight stroke (a piece of a rule, the sheet's edge): alone, its crop is a "1".

    images, labels = mine_crops(2000, seed=7, pool=(x_train, y_train))   # uint8 (N, 28, 28), int64 (N,)
"""

import sys
from pathlib import Path

import numpy as np

from edge_app.cli_util import ArgumentParser, HelpFormatter, fail
from edge_app.fileio import atomic_path
from edge_app.mnist import MnistError, load_mnist
from edge_app.pipeline import PipelineConfig, find_blobs
from edge_app.progress import Progress
from edge_app.scenes import DigitSource, Scene, SceneConfig, make_scene, make_single_digit
from edge_app.tracking import intersection
from edge_app.vision.paper import shrink, to_grey
from edge_app.vision.segment import crop_blob
from train.negatives import NOT_DIGIT
from train.training import TrainError, check_writable

PROG = "python -m train.scenecrops"

BLANK_SHARE = 0.5  # share of scenes with nothing written: every blob in them is not a digit
SINGLES_SHARE = 0.6  # share of the others that are a photo of one digit; the rest hold lines of numbers
SCENES = SceneConfig(rules=0.15, table=0.15)  # some notebook paper, some sheets on a table
MATCH = 0.6  # a digit's blob lies at least this share inside its box, and covers this share of it
OTHER = 0.4  # ... and less than this share of any other digit's box: two touching digits are not one
STRAY = 0.05  # a blob with less than this share inside every digit's box is not a digit
STRAIGHT = 0.3  # ink whose narrower spread is less than this share of its longer one is a straight stroke
INK = 128  # crop pixels from this level are ink
# The app's own pipeline, but keeping the shadows' tips it drops (drop_shadows): taught as not digits too,
# the model stands behind that test where a shadow defeats it.
PIPELINE = PipelineConfig(shadow_reach=None)


def mine_crops(count: int, seed: int, pool: tuple[np.ndarray, np.ndarray],
               config: PipelineConfig = PIPELINE, progress=None) -> tuple[np.ndarray, np.ndarray]:
    """The labelled crops of `count` scenes drawn with `pool`, (uint8 (N, 28, 28) digits, labels).

    `progress(done, total)` is called after each scene.
    """
    digits, rng = DigitSource(*pool), np.random.default_rng(seed)
    images, labels = [], []
    for done in range(1, count + 1):
        kind = rng.random()
        if kind < BLANK_SHARE:
            scene = make_scene(rng, digits, SCENES, texts=[])
        elif kind < BLANK_SHARE + (1 - BLANK_SHARE) * SINGLES_SHARE:
            scene = make_single_digit(rng, digits, config=SCENES)
        else:
            scene = make_scene(rng, digits, SCENES)
        for image, label in scene_crops(scene, config):
            images.append(image)
            labels.append(label)
        if progress:
            progress(done, count)
    if not images:
        return np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64)
    return np.stack(images), np.array(labels, np.int64)


def scene_crops(scene: Scene, config: PipelineConfig = PIPELINE) -> list[tuple[np.ndarray, int]]:
    """(crop, label) for each blob the pipeline finds in `scene` that label_blob can name."""
    grey, scale = shrink(to_grey(scene.image), config.work_side)
    truth = [(value, tuple(v * scale for v in box)) for value, box in scene.digits]
    found = find_blobs(grey, config)
    crops = []
    for blob in found.blobs:
        label = label_blob(blob.box, truth)
        if label is None:
            continue
        crop = crop_blob(found.flat, found.labels, blob, blob.box, config)
        if label != NOT_DIGIT or not straight_stroke(crop):
            crops.append((crop, label))
    return crops


def straight_stroke(crop: np.ndarray) -> bool:
    """Whether a crop's ink is one straight stroke, which a crop alone cannot tell from a "1":
    a piece of a rule or of the sheet's edge is not taught as "not a digit"."""
    rows, cols = np.nonzero(crop >= INK)
    if len(rows) < 2:
        return True
    spread = np.linalg.eigvalsh(np.cov(np.stack([rows, cols]).astype(np.float64)))
    return spread[0] < STRAIGHT ** 2 * spread[1]


def label_blob(box, truth: list[tuple[int, tuple]]) -> int | None:
    """The digit a blob at `box` is, NOT_DIGIT, or None when it is neither clearly.

    `truth` holds (digit, box) for every digit written, in the same pixels.
    """
    area = box[2] * box[3]
    shares = [(shared / max(area, 1), shared / max(other[2] * other[3], 1), value)
              for value, other in truth for shared in [intersection(box, other)]]
    if all(inside < STRAY for inside, _, _ in shares):
        return NOT_DIGIT
    matches = [value for inside, covered, value in shares if inside >= MATCH and covered >= MATCH]
    others = sum(covered >= OTHER for _, covered, _ in shares)  # digits the blob holds most of
    return matches[0] if len(matches) == 1 and others == 1 else None


def save_crops(path, images: np.ndarray, labels: np.ndarray, seed: int, scenes: int) -> None:
    """Write the crops as .npz (images, labels, seed, scenes), whole or not at all."""
    with atomic_path(path) as tmp, open(tmp, "wb") as out:
        np.savez_compressed(out, images=images, labels=labels, seed=seed, scenes=scenes)


def load_crops(path) -> tuple[np.ndarray, np.ndarray]:
    """(images, labels) written by save_crops; ValueError, saying why, for anything else."""
    try:
        with np.load(path) as data:
            images, labels = data["images"], data["labels"]
    except (OSError, KeyError, ValueError, EOFError) as error:
        raise ValueError(f"{path} is not a file of scene crops (python -m train.scenecrops): {error}") from None
    if images.dtype != np.uint8 or images.shape[1:] != (28, 28) or labels.shape != images.shape[:1]:
        raise ValueError(f"{path} is not a file of scene crops: images {images.shape} {images.dtype}, "
                         f"labels {labels.shape}")
    if not len(labels):
        raise ValueError(f"{path} holds no crops")
    if labels.min() < 0 or labels.max() > NOT_DIGIT:
        raise ValueError(f"{path} has labels outside 0-{NOT_DIGIT}")
    return images, labels.astype(np.int64)


def main(argv=None) -> int:
    parser = ArgumentParser(prog=PROG, formatter_class=HelpFormatter, description=__doc__.split("\n\n")[0] + """

    python -m train.scenecrops --scenes 6000 --seed 7 --out runs/scene-crops.npz
    python -m train --init-from runs/edge/model.keras --scene-crops runs/scene-crops.npz ...""")
    parser.add_argument("--scenes", type=int, default=6000, help="scenes to draw")
    parser.add_argument("--seed", type=int, default=7, help="seed of the scenes")
    parser.add_argument("--out", default="runs/scene-crops.npz", help="the .npz file to write")
    parser.add_argument("--mnist", default=None,
                        help="MNIST npz or IDX folder (default: $MNIST_PATH, then Keras's cache, then download)")
    args = parser.parse_args(argv)
    if args.scenes < 1:
        return fail(PROG, f"--scenes must be at least 1, got {args.scenes}")
    try:
        check_writable(Path(args.out).parent)
        (x_train, y_train), _ = load_mnist(args.mnist)
    except (TrainError, MnistError) as error:
        return fail(PROG, str(error))
    progress = Progress("scene crops")
    images, labels = mine_crops(args.scenes, args.seed, (x_train, y_train),
                                progress=lambda done, total: progress.show("mining", done, total))
    progress.clear()
    if not len(labels):
        return fail(PROG, f"no blob in {args.scenes} scenes could be labelled; draw more scenes")
    save_crops(args.out, images, labels, args.seed, args.scenes)
    counts = np.bincount(labels, minlength=NOT_DIGIT + 1)
    print(f"{len(labels)} crops from {args.scenes} scenes: {counts[:NOT_DIGIT].sum()} digits "
          f"({' '.join(str(c) for c in counts[:NOT_DIGIT])}), {counts[NOT_DIGIT]} not digits; wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
