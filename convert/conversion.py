"""Keras model -> checked .tflite variants and models/manifest.json, all or nothing.

    python -m convert runs/edge/model.keras --out models/

Every variant is run in the device's own LiteRT classifier (edge_app.classifier)
and compared with Keras on all 10,000 MNIST test images before anything is
written: float32 and float16 must agree on every image, the quantized ones on at
least 99.8%. If any check fails, no file is written and the error names the check.
"""

import datetime
import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from convert.variants import FILE_NAMES, QUANTIZED, VARIANTS, converter_for, strip_names
from edge_app.classifier import NOT_DIGIT, NUM_CLASSES, Classifier, pixel_shift_is_exact
from edge_app.fileio import atomic_path, atomic_write_bytes, atomic_write_json
from edge_app.mnist import checksum, load_mnist
from edge_app.preprocess import normalize_ink, to_model_input

KERAS_FILE = "digits.keras"
MANIFEST_FILE = "manifest.json"
DEFAULT_MODEL = FILE_NAMES["int8"]
MIN_QUANTIZED_AGREEMENT = 0.998  # share of test images whose top class matches Keras
# float16 weights are not float32's: a near-tie (a digit against "not one digit") may flip in a handful of images.
MIN_FLOAT16_AGREEMENT = 0.9995
INT8_INPUT_ZERO_POINT = -128
CALIBRATION_SEED = 0
EVAL_BATCH = 500  # images per interpreter call when measuring accuracy
REBUILD_COMMAND = "make models"


class ConvertError(Exception):
    """Conversion cannot start, or a variant failed its check; the message says which."""


@dataclass(frozen=True)
class ConvertConfig:
    model: str  # the .keras file
    out: str = "models"
    variants: tuple[str, ...] = VARIANTS
    calibration: int = 500  # images in the int8 representative set
    quantizer: str = "tf"  # int8 by TensorFlow's converter ("tf") or the LiteRT Quantizer ("litert")
    per_channel: bool = True  # int8 weight scales per output channel (else one per tensor: smaller)
    run: str | None = None  # training run folder with run.json; default: the model's folder
    mnist: str | None = None
    eval_limit: int | None = None  # check and measure on the first N test images only (for tests)
    min_quantized_agreement: float = MIN_QUANTIZED_AGREEMENT  # tests of barely trained models lower it


def convert(config: ConvertConfig, log=print) -> dict:
    """Convert, check and write every variant; returns the manifest."""
    out = Path(config.out)
    _check_writable(out)
    if config.calibration < 10:
        raise ConvertError(f"--calibration must be at least 10 images, got {config.calibration}")
    (x_train, y_train), (x_test, y_test) = load_mnist(config.mnist)  # before TensorFlow: bad data fails fast
    model = load_keras_model(config.model)
    if config.eval_limit:
        x_test, y_test = x_test[:config.eval_limit], y_test[:config.eval_limit]

    keras_probabilities = model.predict(to_model_input(x_test), batch_size=EVAL_BATCH, verbose=0)
    keras_predictions = keras_probabilities.argmax(axis=1)
    keras_accuracy = digit_accuracy(keras_probabilities, y_test)
    log(f"keras: {keras_accuracy:.4%} on {len(y_test)} MNIST test images")

    converted = {}
    for name in config.variants:
        extra = {}
        if name == "int8":
            representative = representative_set(x_train, config.calibration)
            data = converter_for(name)(model, representative, config.quantizer, config.per_channel)
            extra = {"quantizer": config.quantizer, "per_channel": config.per_channel}
        else:
            data = converter_for(name)(model)
        data = strip_names(data)
        entry = check_variant(name, data, x_test, y_test, keras_predictions, config.min_quantized_agreement)
        converted[name] = (data, {**entry, **extra})
        log(f"{name}: {len(data):,} bytes, {entry['mnist_accuracy']:.4%} on MNIST test, "
            f"{entry['agreement_with_keras']:.4%} agreement with Keras")

    keras_bytes = Path(config.model).read_bytes()
    manifest = build_manifest(config, model, keras_bytes, keras_accuracy, len(y_test),
                              checksum(x_train, y_train), converted)
    # Every check has passed: only now does anything reach the output folder.
    if Path(config.model).resolve() != (out / KERAS_FILE).resolve():
        with atomic_path(out / KERAS_FILE) as tmp:
            shutil.copyfile(config.model, tmp)
    for name, (data, _) in converted.items():
        atomic_write_bytes(out / FILE_NAMES[name], data)
    atomic_write_json(out / MANIFEST_FILE, manifest)
    return manifest


def load_keras_model(path: str):
    """The Keras model, refused unless it takes 28x28x1 images and gives 10 classes."""
    if not Path(path).is_file():
        raise ConvertError(f"model not found: {path}")
    import keras
    try:
        model = keras.models.load_model(path)
    except Exception as error:  # Keras raises many types for a file that is not a model
        reason = str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__
        raise ConvertError(f"{path} is not a Keras model ({reason})") from None
    if tuple(model.input_shape[1:]) != (28, 28, 1):
        raise ConvertError(f"{path}: input shape {model.input_shape} is not (None, 28, 28, 1)")
    if tuple(model.output_shape[1:]) not in ((10,), (11,)):
        raise ConvertError(f"{path}: output shape {model.output_shape} is not (None, 10) or (None, 11)")
    return model


def representative_set(x_train: np.ndarray, count: int) -> np.ndarray:
    """`count` training digits as the app sees them: half through the contract, half photographed.

    float32 (count, 28, 28, 1) in [0, 1]. The photographed half goes through the
    augmentation's camera path, which ends in the same contract.
    """
    from train.augment import camera_crop
    rng = np.random.default_rng(CALIBRATION_SEED)
    picked = rng.choice(len(x_train), size=count, replace=False)
    digits = [normalize_ink(x_train[i]) if n % 2 == 0 else camera_crop(x_train[i], rng)
              for n, i in enumerate(picked)]
    return to_model_input(np.stack(digits))


def check_variant(name: str, data: bytes, x_test, y_test, keras_predictions,
                  min_quantized_agreement: float = MIN_QUANTIZED_AGREEMENT) -> dict:
    """Run one variant in the device's classifier; raise ConvertError if it fails a check."""
    try:
        classifier = Classifier(data)
    except Exception as error:
        raise ConvertError(f"{name}: check 'loads in LiteRT' failed: {error}") from None
    if name == "int8":
        got = (classifier.input.dtype, classifier.input.scale, classifier.input.zero_point)
        if (got[0] != "int8" or got[2] != INT8_INPUT_ZERO_POINT or not pixel_shift_is_exact(classifier.input)
                or classifier.output.dtype != "int8"):
            raise ConvertError(f"int8: check 'int8 input fed exactly by pixel - 128, int8 output' failed: "
                               f"input {got}, output {classifier.output.dtype}")
    probabilities = np.concatenate([classifier.predict(x_test[i:i + EVAL_BATCH])
                                    for i in range(0, len(x_test), EVAL_BATCH)])
    predictions = probabilities.argmax(axis=1)  # every output, "not one digit" included, must agree
    agreement = float((predictions == keras_predictions).mean())
    required = min_quantized_agreement if name in QUANTIZED else MIN_FLOAT16_AGREEMENT if name == "float16" else 1.0
    if agreement < required:
        changed = int((predictions != keras_predictions).sum())
        raise ConvertError(f"{name}: check 'agrees with Keras on >= {required:.1%} of test images' failed: "
                           f"{agreement:.4%} ({changed} of {len(predictions)} differ)")
    return {
        "variant": name,
        "file": FILE_NAMES[name],
        "size_bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "input": classifier.input.as_dict(),
        "output": classifier.output.as_dict(),
        "mnist_accuracy": digit_accuracy(probabilities, y_test),
        "mnist_images": int(len(y_test)),
        "mnist_not_digit": int((predictions == NOT_DIGIT).sum()),
        "agreement_with_keras": agreement,
        "quantizer": "tf" if name in QUANTIZED else None,
    }


def digit_accuracy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """Share of images whose most likely digit is right: every MNIST image is a digit, so an
    eleventh "not one digit" output is left out of the choice (its rate is recorded apart)."""
    return float((probabilities[:, :NUM_CLASSES].argmax(axis=1) == labels).mean())


def build_manifest(config, model, keras_bytes, keras_accuracy, test_images, data_checksum, converted) -> dict:
    import keras
    import tensorflow as tf

    from edge_app.litert import runtime_version
    run_dir = Path(config.run) if config.run else Path(config.model).parent
    run = json.loads((run_dir / "run.json").read_text()) if (run_dir / "run.json").is_file() else None
    return {
        "format": 1,
        "created": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat(),
        "rebuild": REBUILD_COMMAND,
        "default_model": DEFAULT_MODEL if "int8" in converted else FILE_NAMES[next(iter(converted))],
        "preprocessing": {
            "module": "edge_app.preprocess",
            "image": "28x28x1, white ink (255) on black (0), ink fitted into 20x20, centre of mass at (14, 14)",
            "float_input": "float32 pixel / 255, in [0, 1]",
            "int8_input": "int8 pixel - 128: exact for the int8 model's input scale (about 1/255) and "
                          "zero point -128, no float arithmetic",
        },
        "keras": {
            "file": KERAS_FILE,
            "size_bytes": len(keras_bytes),
            "sha256": hashlib.sha256(keras_bytes).hexdigest(),
            "parameters": int(model.count_params()),
            "mnist_accuracy": keras_accuracy,
            "mnist_images": test_images,
        },
        "training": run,
        "data_checksum": data_checksum,
        "tensor_names": "stripped (the device addresses tensors by index)",
        "calibration": {"images": config.calibration, "seed": CALIBRATION_SEED,
                        "source": "MNIST training digits through edge_app.preprocess, half via the camera path"},
        "models": [entry for _, entry in converted.values()],
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__, "runtime": runtime_version()},
    }


def _check_writable(folder: Path) -> None:
    from train.training import TrainError, check_writable
    try:
        check_writable(folder)
    except TrainError as error:
        raise ConvertError(str(error)) from None
