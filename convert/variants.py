"""One function per .tflite variant; each takes the Keras model and returns the model's bytes.

All variants keep Keras's resizable batch dimension, so the app classifies every
crop of a frame in one call. Full-integer conversion is the only one that needs
data: a representative set of digits made by the app's preprocessing contract.
"""

import contextlib
import io
import warnings
from collections.abc import Callable

import numpy as np

VARIANTS = ("float32", "float16", "dynamic", "int8")
FILE_NAMES = {name: f"digits_{name}.tflite" for name in VARIANTS}
QUANTIZED = {"dynamic", "int8"}  # compared with Keras at >= 99.8% agreement, float16 99.95%, float32 100%
QUANTIZERS = ("tf", "litert")  # TensorFlow's converter, or the LiteRT Quantizer (litert-quantizer)


@contextlib.contextmanager
def _quiet():
    """Keras's export and the quantizer's progress bar print pages; keep the command's output readable."""
    with (contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()),
          warnings.catch_warnings()):
        warnings.simplefilter("ignore")
        yield


def _converter(model):
    import tensorflow as tf
    # from_keras_model folds the weights in as constants; a concrete function would
    # keep them as resource variables, which the int8 calibrator cannot run.
    return tf.lite.TFLiteConverter.from_keras_model(model)


def _convert(converter) -> bytes:
    with _quiet():
        return converter.convert()


def float32(model) -> bytes:
    return _convert(_converter(model))


def float16(model) -> bytes:
    import tensorflow as tf
    converter = _converter(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.target_spec.supported_types = [tf.float16]
    return _convert(converter)


def dynamic(model) -> bytes:
    """Dynamic range: int8 weights, float activations, float32 input and output."""
    import tensorflow as tf
    converter = _converter(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    return _convert(converter)


def int8(model, representative: np.ndarray, quantizer: str = "tf", per_channel: bool = True) -> bytes:
    """Full integer: int8 weights, activations, input and output.

    `representative` is float32 (N, 28, 28, 1) in [0, 1] and holds pixels of 0 and
    1, so the calibrated input range is [0, 1]: scale 1/255 and zero point -128,
    which lets the device feed `pixel - 128` with no float arithmetic.
    `quantizer` picks TensorFlow's converter ("tf") or the LiteRT Quantizer ("litert");
    `per_channel=False` gives one weight scale per tensor (TensorFlow's converter only):
    about 8 KB smaller, since each channel's scale and zero point cost 12 bytes.
    """
    if quantizer == "litert":
        return _int8_litert(float32(model), representative)
    import tensorflow as tf
    converter = _converter(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([image[None]] for image in representative)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    converter._experimental_disable_per_channel = not per_channel
    return _convert(converter)


def _int8_litert(float_model: bytes, representative: np.ndarray) -> bytes:
    """Full integer with the LiteRT Quantizer, the successor of the converter's post-training quantization.

    Its static int8 recipe quantizes weights per channel and activations per
    tensor from min-max calibration; input and output come out int8.
    """
    from ai_edge_litert.interpreter import Interpreter
    from litert_quantizer import calibrator, quantizer, recipe
    signatures = Interpreter(model_content=float_model).get_signature_list()
    signature = next(iter(signatures))
    input_name = signatures[signature]["inputs"][0]
    calibration_data = {signature: [{input_name: image[None]} for image in representative]}
    with _quiet():
        tool = quantizer.Quantizer(float_model)
        tool.load_quantization_recipe(recipe.static_wi8_ai8())
        ranges = tool.calibrate(calibration_data, num_threads=1,
                                mode=calibrator.CalibrationMode.CALIBRATION_PROFILER_BASED)
        result = tool.quantize(calibration_result=ranges, enable_progress_bar=False, enable_progress_report=False)
    return bytes(result.quantized_model)


def strip_names(data: bytes) -> bytes:
    """The model without tensor names and signatures: a few KB the interpreter never reads.

    The device addresses tensors by index (edge_app.classifier), so nothing is lost.
    """
    from tensorflow.lite.tools import flatbuffer_utils
    model = flatbuffer_utils.read_model_from_bytearray(bytearray(data))
    flatbuffer_utils.strip_strings(model)
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model))


def converter_for(name: str) -> Callable:
    return {"float32": float32, "float16": float16, "dynamic": dynamic, "int8": int8}[name]
