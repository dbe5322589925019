"""Training, as a story: load the data, build the model, train it, evaluate it, save what made it.

    python -m train --arch edge --epochs 20 --out runs/edge

A run folder holds model.keras, history.json, curves.png and run.json (arguments,
seed, data checksum, parameter count, test accuracy, training time). While a run
is under way it also holds checkpoint.keras and checkpoint.json, written after
every epoch, from which `--resume` carries on.
"""

import dataclasses
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edge_app.fileio import atomic_path, atomic_write_json
from edge_app.mnist import checksum, load_mnist
from edge_app.preprocess import to_model_input
from train.augment import AugmentConfig, augment_batch, cross_sevens, flag_ones, long_tails
from train.negatives import NOT_DIGIT, not_one_digit

ARCHITECTURES = ("mlp", "cnn3", "edge")  # built by train.models, named here so checks need no Keras
AUGMENTED_BY_DEFAULT = {"edge"}
OPTIMIZERS = ("sgd", "adam", "nadam", "adadelta")
DEFAULT_LEARNING_RATES = {"sgd": 0.05, "adam": 2e-3, "nadam": 2e-3, "adadelta": 1.0}
LR_SCHEDULES = ("constant", "cosine", "exponential")
EXPONENTIAL_DECAY_PER_EPOCH = 0.85
COSINE_FLOOR = 0.01  # the cosine schedule ends at this share of the peak rate

MODEL_FILE = "model.keras"
HISTORY_FILE = "history.json"
CURVES_FILE = "curves.png"
RUN_FILE = "run.json"
CHECKPOINT_FILE = "checkpoint.keras"
CHECKPOINT_STATE = "checkpoint.json"


class TrainError(Exception):
    """A run cannot start or go on; the message says why."""


@dataclass(frozen=True)
class TrainConfig:
    """What a run is made of. Every field is recorded in run.json."""

    out: str = "runs/edge"  # run folder
    architecture: str = "edge"  # mlp | cnn3 | edge
    optimizer: str = "adam"  # sgd | adam | nadam | adadelta
    learning_rate: float | None = None  # peak rate; None takes the optimizer's default
    lr_schedule: str = "cosine"  # constant | cosine (one warm-up epoch) | exponential
    batch_size: int = 128
    epochs: int = 20
    seed: int = 1
    limit: int | None = None  # train on the first N training images
    eval_limit: int | None = None  # evaluate on the first N test images
    augment: bool | None = None  # None: on for `edge`, off for the others
    max_rotation: float = AugmentConfig.max_rotation  # degrees either way, when augmenting
    not_digit: float = 0.0  # share of each batch replaced by "not one digit" examples, an eleventh class
    init_from: str | None = None  # a trained .keras model of the same architecture to start from
    crossed_sevens: float = 0.0  # share of sevens drawn with the European bar across the stem
    flagged_ones: float = 0.0  # share of plain ones drawn with the continental flag, long and sloping
    long_tails: float = 0.0  # share of 4s, 7s and 9s drawn with a long tail below the line
    scene_crops: str | None = None  # .npz of the pipeline's crops of generated scenes (train.scenecrops)
    scene_share: float = 0.5  # ... replacing this share of each batch
    mnist: str | None = None  # path to MNIST; None: MNIST_PATH, Keras's cache, download
    verbose: int = 1  # Keras's: 0 silent, 1 progress bar, 2 a line per epoch

    def resolved_learning_rate(self) -> float:
        return self.learning_rate if self.learning_rate is not None else DEFAULT_LEARNING_RATES[self.optimizer]

    def resolved_augment(self) -> bool:
        return self.augment if self.augment is not None else self.architecture in AUGMENTED_BY_DEFAULT


def check_config(config: TrainConfig) -> None:
    """Refuse a bad configuration before anything slow (TensorFlow, data) is loaded."""
    if config.architecture not in ARCHITECTURES:
        raise TrainError(f"unknown architecture {config.architecture!r}; choose from {', '.join(ARCHITECTURES)}")
    if config.optimizer not in OPTIMIZERS:
        raise TrainError(f"unknown optimizer {config.optimizer!r}; choose from {', '.join(OPTIMIZERS)}")
    if config.lr_schedule not in LR_SCHEDULES:
        raise TrainError(f"unknown learning-rate schedule {config.lr_schedule!r}; "
                         f"choose from {', '.join(LR_SCHEDULES)}")
    if not 0.0 <= config.max_rotation <= 90.0:
        raise TrainError(f"max rotation must be in [0, 90] degrees, got {config.max_rotation}")
    for name, share in (("crossed-sevens", config.crossed_sevens), ("flagged-ones", config.flagged_ones),
                        ("long-tails", config.long_tails)):  # the digits drawn otherwise than MNIST's writers do
        if not 0.0 <= share <= 1.0:
            raise TrainError(f"{name} share must be in [0, 1], got {share}")
    if not 0.0 <= config.not_digit < 1.0:
        raise TrainError(f"not-digit share must be in [0, 1), got {config.not_digit}")
    if not 0.0 <= config.scene_share < 1.0:
        raise TrainError(f"scene share must be in [0, 1), got {config.scene_share}")
    if config.scene_crops is not None and not config.not_digit:
        raise TrainError("scene crops hold not-digits, an eleventh class: give --not-digit too")
    if config.scene_crops is not None and not Path(config.scene_crops).is_file():
        raise TrainError(f"no scene crops at {config.scene_crops}")
    if config.init_from is not None and not Path(config.init_from).is_file():
        raise TrainError(f"no model to start from at {config.init_from}")
    for name in ("epochs", "batch_size", "limit", "eval_limit"):
        value = getattr(config, name)
        if value is not None and value < 1:
            raise TrainError(f"{name.replace('_', '-')} must be at least 1, got {value}")
    check_writable(Path(config.out))


def check_writable(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise TrainError(f"cannot write to output folder {folder}: {error.strerror or error}") from None


def load_data(config: TrainConfig):
    """MNIST, cut to --limit/--eval-limit, plus the checksum of the full training arrays."""
    (x_train, y_train), (x_test, y_test) = load_mnist(config.mnist)
    data_checksum = checksum(x_train, y_train)
    if config.limit:
        x_train, y_train = x_train[:config.limit], y_train[:config.limit]
    if config.eval_limit:
        x_test, y_test = x_test[:config.eval_limit], y_test[:config.eval_limit]
    return (x_train, y_train), (x_test, y_test), data_checksum


def make_optimizer(config: TrainConfig, steps_per_epoch: int):
    import keras
    peak = config.resolved_learning_rate()
    total = steps_per_epoch * config.epochs
    if config.lr_schedule == "cosine":
        warmup = min(steps_per_epoch, total // 2)
        rate = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=peak * 0.1, decay_steps=max(1, total - warmup), alpha=COSINE_FLOOR,
            warmup_target=peak, warmup_steps=warmup)
    elif config.lr_schedule == "exponential":
        rate = keras.optimizers.schedules.ExponentialDecay(
            peak, decay_steps=steps_per_epoch, decay_rate=EXPONENTIAL_DECAY_PER_EPOCH)
    else:
        rate = peak
    if config.optimizer == "sgd":
        return keras.optimizers.SGD(rate, momentum=0.9, nesterov=True)
    if config.optimizer == "adam":
        return keras.optimizers.Adam(rate)
    if config.optimizer == "nadam":
        return keras.optimizers.Nadam(rate)
    return keras.optimizers.Adadelta(rate)


def train(config: TrainConfig, *, resume: bool = False) -> dict:
    """Run one training and write its folder; returns what run.json holds."""
    check_config(config)
    out = Path(config.out)
    (x_train, y_train), (x_test, y_test), data_checksum = load_data(config)
    scene_crops = None
    if config.scene_crops:
        from train.scenecrops import load_crops
        try:
            scene_crops = load_crops(config.scene_crops)
        except ValueError as error:
            raise TrainError(str(error)) from None

    import cv2
    import keras
    import tensorflow as tf

    from train.models import NUM_CLASSES, build_model, load_weights_from
    from train.plots import plot_history

    keras.utils.set_random_seed(config.seed)
    tf.config.experimental.enable_op_determinism()
    batches = _batches(x_train, y_train, config, scene_crops)
    validation = (to_model_input(x_test), y_test)

    history: dict[str, list[float]] = {}
    initial_epoch, previous_seconds = 0, 0.0
    if resume:
        model, initial_epoch, history, previous_seconds = _load_checkpoint(out, config)
        batches.epoch = initial_epoch
    else:
        model = build_model(config.architecture, NUM_CLASSES + 1 if config.not_digit else NUM_CLASSES)
        if config.init_from:
            load_weights_from(model, config.init_from)
        model.compile(optimizer=make_optimizer(config, len(batches)),
                      loss=keras.losses.SparseCategoricalCrossentropy(),
                      metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")])

    started = time.perf_counter()
    checkpoint = _epoch_checkpoint(out, config, history, started, previous_seconds)
    if initial_epoch < config.epochs:
        model.fit(batches, epochs=config.epochs, initial_epoch=initial_epoch, validation_data=validation,
                  callbacks=[checkpoint], verbose=config.verbose)
    seconds = previous_seconds + time.perf_counter() - started

    test_loss, test_accuracy = model.evaluate(*validation, batch_size=512, verbose=0)
    run = {
        "config": dataclasses.asdict(config),
        "learning_rate": config.resolved_learning_rate(),
        "augment": config.resolved_augment(),
        "data_checksum": data_checksum,
        "train_images": int(len(x_train)),
        "scene_crops": None if scene_crops is None else {
            "images": int(len(scene_crops[1])), "not_digits": int((scene_crops[1] == NOT_DIGIT).sum()),
            "checksum": checksum(*scene_crops)},
        "test_images": int(len(x_test)),
        "parameters": int(model.count_params()),
        "test_accuracy": float(test_accuracy),
        "test_loss": float(test_loss),
        "train_seconds": round(seconds, 1),
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__,
                     "opencv": cv2.__version__},
    }
    with atomic_path(out / MODEL_FILE) as tmp:
        model.save(tmp)
    atomic_write_json(out / HISTORY_FILE, history)
    plot_history(history, out / CURVES_FILE, title=f"{config.architecture} / {config.optimizer}")
    atomic_write_json(out / RUN_FILE, run)
    for name in (CHECKPOINT_FILE, CHECKPOINT_STATE):
        (out / name).unlink(missing_ok=True)
    return run


def _batches(x_train: np.ndarray, y_train: np.ndarray, config: TrainConfig, scene_crops=None):
    import keras

    class Batches(keras.utils.PyDataset):
        """Shuffled, optionally augmented batches; batch i of epoch e depends only on (seed, e, i)."""

        def __init__(self):
            super().__init__(workers=1, use_multiprocessing=False)
            self.epoch = 0
            self.order = np.arange(len(x_train))

        def __len__(self):
            return -(-len(x_train) // config.batch_size)

        def on_epoch_begin(self):
            self.order = np.random.default_rng([config.seed, self.epoch]).permutation(len(x_train))

        def on_epoch_end(self):
            self.epoch += 1

        def __getitem__(self, index):
            picked = self.order[index * config.batch_size:(index + 1) * config.batch_size]
            images, labels = x_train[picked], y_train[picked]
            rng = np.random.default_rng([config.seed, self.epoch, index])
            if config.crossed_sevens:
                images = cross_sevens(images, labels, rng, config.crossed_sevens)
            if config.flagged_ones:
                images = flag_ones(images, labels, rng, config.flagged_ones)
            if config.long_tails:
                images = long_tails(images, labels, rng, config.long_tails)
            if config.resolved_augment():
                images = augment_batch(images, rng, AugmentConfig(max_rotation=config.max_rotation))
            if config.not_digit:
                images, labels = images.copy(), labels.copy()
                for i in np.flatnonzero(rng.random(len(images)) < config.not_digit):
                    images[i], labels[i] = not_one_digit(x_train, rng), NOT_DIGIT
            if scene_crops is not None and config.scene_share:
                # Already as the pipeline cuts them: not augmented again.
                chosen = np.flatnonzero(rng.random(len(images)) < config.scene_share)
                drawn = rng.integers(len(scene_crops[1]), size=len(chosen))
                images[chosen], labels[chosen] = scene_crops[0][drawn], scene_crops[1][drawn]
            return to_model_input(images), labels

    return Batches()


def _load_checkpoint(out: Path, config: TrainConfig):
    import keras
    state_path, model_path = out / CHECKPOINT_STATE, out / CHECKPOINT_FILE
    if not state_path.is_file() or not model_path.is_file():
        raise TrainError(f"nothing to resume in {out}: no {CHECKPOINT_FILE} from an interrupted run")
    state = json.loads(state_path.read_text())
    recorded = {k: v for k, v in state["config"].items() if k not in ("verbose", "mnist")}
    current = {k: v for k, v in dataclasses.asdict(config).items() if k not in ("verbose", "mnist")}
    if recorded != current:
        changed = sorted(k for k in current if recorded.get(k) != current[k])
        raise TrainError(f"cannot resume {out}: the arguments differ from the interrupted run's ({', '.join(changed)})")
    model = keras.models.load_model(model_path)
    return model, state["epoch"], state["history"], state["seconds"]


def _epoch_checkpoint(out: Path, config: TrainConfig, history: dict, started: float, previous_seconds: float):
    """A callback that makes an epoch depend only on (seed, epoch) and checkpoints after it.

    Dropout's random state is not in a checkpoint, so each epoch re-seeds every
    seed generator in the model: a resumed epoch draws the same masks as it would
    have in an uninterrupted run. After the epoch, the metrics are recorded and
    the model with its optimizer state is saved, atomically.
    """
    import keras

    class EpochCheckpoint(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            generators = [value for layer in self.model._flatten_layers() for value in vars(layer).values()
                          if isinstance(value, keras.random.SeedGenerator)]
            for index, generator in enumerate(generators):
                generator.state.assign(np.array([config.seed, epoch * 1000 + index], dtype=generator.state.dtype))

        def on_epoch_end(self, epoch, logs=None):
            for key, value in (logs or {}).items():
                history.setdefault(key, []).append(float(value))
            with atomic_path(out / CHECKPOINT_FILE) as tmp:
                self.model.save(tmp)
            atomic_write_json(out / CHECKPOINT_STATE, {
                "epoch": epoch + 1, "seconds": previous_seconds + time.perf_counter() - started,
                "history": history, "config": dataclasses.asdict(config)})

    return EpochCheckpoint()
