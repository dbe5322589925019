"""The digit classifier: a LiteRT interpreter built once, fed whole batches of 28x28 digits.

    clf = Classifier("models/digits_int8.tflite")
    probabilities = clf.predict(digits)   # uint8 (N, 28, 28) from edge_app.preprocess -> (N, 10 or 11)

A model has ten outputs, the digits, or eleven: the eleventh says "not one digit"
(two touching digits, a wrong cut, a smudge), which the pipeline uses to choose how
to cut a blob and to drop what is not a digit.

Works with every variant in models/: float32, float16 and dynamic-range models take
float32 pixels in [0, 1]; the int8 model takes int8 pixels, with its quantisation read
from the model itself. Anything else is refused when the model is loaded.
"""

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edge_app import litert
from edge_app.manifest import ManifestError, check_entry, find_entry
from edge_app.preprocess import MNIST_SIZE, to_model_input

NUM_CLASSES = 10  # the digits
NOT_DIGIT = 10  # index of the optional eleventh output, "not one digit"
_OUTPUT_SIZES = (NUM_CLASSES, NUM_CLASSES + 1)
_INPUT_DTYPES = (np.float32, np.int8, np.uint8)


class ModelError(Exception):
    """The model cannot be loaded or is not a digit classifier; the message says why."""


@dataclass(frozen=True)
class TensorInfo:
    """What a model's input or output tensor expects, as the manifest records it."""

    dtype: str
    shape: tuple[int, ...]  # -1 where the dimension is resizable
    scale: float  # 0.0 when the tensor is not quantised
    zero_point: int

    @property
    def quantized(self) -> bool:
        return self.scale != 0.0

    def as_dict(self) -> dict:
        return {"dtype": self.dtype, "shape": list(self.shape),
                "quantization": {"scale": self.scale, "zero_point": self.zero_point} if self.quantized else None}


def _tensor_info(detail: dict) -> TensorInfo:
    scale, zero_point = detail.get("quantization", (0.0, 0))
    shape = tuple(int(n) for n in detail.get("shape_signature", detail["shape"]))
    return TensorInfo(np.dtype(detail["dtype"]).name, shape, float(scale), int(zero_point))


class Classifier:
    """A .tflite digit classifier; `predict` takes all crops of a frame in one call."""

    def __init__(self, model: str | os.PathLike | bytes, *, num_threads: int | None = None,
                 delegate: str | None = None):
        if litert.Interpreter is None:
            raise ModelError("no TFLite runtime: pip install ai-edge-litert (or tflite-runtime)")
        self.name = "<bytes>" if isinstance(model, bytes) else str(model)
        self.interpreter = _make_interpreter(model, num_threads, delegate, self.name)
        inputs, outputs = self.interpreter.get_input_details(), self.interpreter.get_output_details()
        if len(inputs) != 1 or len(outputs) != 1:
            raise ModelError(f"{self.name}: expected one input and one output, "
                             f"got {len(inputs)} and {len(outputs)}: not a digit classifier")
        self.input, self.output = _tensor_info(inputs[0]), _tensor_info(outputs[0])
        self._input_index, self._output_index = inputs[0]["index"], outputs[0]["index"]
        if tuple(self.input.shape[1:]) != (MNIST_SIZE, MNIST_SIZE, 1) or len(self.input.shape) != 4:
            raise ModelError(f"{self.name}: input shape {list(self.input.shape)} is not [N, 28, 28, 1]: "
                             "not a digit classifier")
        if len(self.output.shape) != 2 or self.output.shape[1] not in _OUTPUT_SIZES:
            raise ModelError(f"{self.name}: output shape {list(self.output.shape)} is not [N, 10] or [N, 11]: "
                             "not a digit classifier")
        if np.dtype(self.input.dtype) not in _INPUT_DTYPES:
            raise ModelError(f"{self.name}: unsupported input type {self.input.dtype}")
        if np.dtype(self.input.dtype) != np.float32 and not self.input.quantized:
            raise ModelError(f"{self.name}: {self.input.dtype} input without quantisation parameters")
        self._batch = int(inputs[0]["shape"][0])
        self.classes = int(self.output.shape[1])
        self.rejects = self.classes == NUM_CLASSES + 1  # has the "not one digit" output
        self.input_is_pixel_shift = self.input.quantized and pixel_shift_is_exact(self.input)
        self.manifest_entry, self.warnings = None, []
        if not isinstance(model, bytes):
            self.manifest_entry = find_entry(model)
            if self.manifest_entry is not None:
                try:
                    self.warnings = check_entry(model, self.manifest_entry, self.input, self.output)
                except ManifestError as error:
                    raise ModelError(str(error)) from None

    def describe(self) -> str:
        """One line for logs: the file, its variant and its recorded MNIST accuracy when the manifest has them."""
        entry = self.manifest_entry or {}
        text = f"{Path(self.name).name} ({entry.get('variant', self.input.dtype + ' input')}"
        if "mnist_accuracy" in entry:
            text += f", {entry['mnist_accuracy']:.2%} on MNIST"
        return text + ")"

    def predict(self, digits: np.ndarray) -> np.ndarray:
        """uint8 digits (N, 28, 28), white ink on black -> float32 probabilities (N, 10 or 11)."""
        digits = np.asarray(digits, dtype=np.uint8)
        if digits.ndim == 2:
            digits = digits[None]
        if len(digits) == 0:
            return np.zeros((0, self.classes), np.float32)
        self._resize(len(digits))
        self.interpreter.set_tensor(self._input_index, self._quantize(digits))
        self.interpreter.invoke()
        return self._dequantize(self.interpreter.get_tensor(self._output_index))

    def _resize(self, batch: int) -> None:
        if batch != self._batch:
            self.interpreter.resize_tensor_input(self._input_index, [batch, MNIST_SIZE, MNIST_SIZE, 1])
            self.interpreter.allocate_tensors()
            self._batch = batch

    def _quantize(self, digits: np.ndarray) -> np.ndarray:
        if not self.input.quantized:
            return to_model_input(digits)
        dtype = np.dtype(self.input.dtype)
        if self.input_is_pixel_shift:
            q = digits.astype(np.int16) + self.input.zero_point
        else:
            q = _quantize_pixels(digits, self.input)
        info = np.iinfo(dtype)
        return np.clip(q, info.min, info.max).astype(dtype)[..., None]

    def _dequantize(self, raw: np.ndarray) -> np.ndarray:
        if not self.output.quantized:
            return raw.astype(np.float32, copy=False)
        return ((raw.astype(np.float32) - self.output.zero_point) * self.output.scale).astype(np.float32)


def _quantize_pixels(pixels: np.ndarray, info: TensorInfo) -> np.ndarray:
    # The model reads real = pixel / 255 and stores q = round(real / scale) + zero_point.
    return np.rint(pixels.astype(np.float32) / 255.0 / info.scale) + info.zero_point


def pixel_shift_is_exact(info: TensorInfo) -> bool:
    """True when q = pixel + zero_point equals the exact quantisation for every pixel 0..255.

    That holds for scale 1/255 and for scales within a few parts in 10,000 of it
    (the LiteRT Quantizer calibrates 0.0039210 where 1/255 is 0.0039216): then the
    device feeds raw pixels with one integer add and no float arithmetic.
    """
    pixels = np.arange(256)
    return bool(np.array_equal(_quantize_pixels(pixels, info), pixels + info.zero_point))


def _make_interpreter(model, num_threads, delegate, name):
    kwargs = {"num_threads": num_threads}
    if delegate:
        try:
            kwargs["experimental_delegates"] = [litert.load_delegate(delegate)]
        except (ValueError, OSError, RuntimeError) as error:
            raise ModelError(f"cannot load delegate {delegate}: {error}") from None
    if isinstance(model, bytes):
        kwargs["model_content"] = model
    else:
        if not os.path.isfile(model):
            raise ModelError(f"model not found: {model}")
        kwargs["model_path"] = os.fspath(model)
    try:
        interpreter = litert.Interpreter(**kwargs)
        interpreter.allocate_tensors()
    except (ValueError, RuntimeError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ModelError(f"{name}: not a loadable .tflite model ({first_line})") from None
    return interpreter
