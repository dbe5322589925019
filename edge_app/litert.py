"""The one place the device side gets a TFLite interpreter: LiteRT first, tflite_runtime second.

Never TensorFlow: the app must install in seconds on a Pi and start in well under a second.
"""

try:  # LiteRT, the maintained runtime (pip install ai-edge-litert)
    from ai_edge_litert.interpreter import Interpreter, load_delegate

    RUNTIME = "ai-edge-litert"
except ImportError:  # pragma: no cover - exercised only where LiteRT is absent
    try:  # the older standalone runtime, still common on Raspberry Pi OS
        from tflite_runtime.interpreter import Interpreter, load_delegate

        RUNTIME = "tflite-runtime"
    except ImportError:
        Interpreter = load_delegate = None
        RUNTIME = None

__all__ = ["Interpreter", "load_delegate", "RUNTIME", "runtime_version"]


def runtime_version() -> str:
    """'ai-edge-litert 2.3.0', say; for benchmark records and manifests."""
    if RUNTIME is None:
        return "none"
    from importlib.metadata import PackageNotFoundError, version
    try:
        return f"{RUNTIME} {version(RUNTIME)}"
    except PackageNotFoundError:
        return RUNTIME
