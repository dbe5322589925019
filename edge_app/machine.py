"""What a measurement ran on, so that figures from a Pi and a laptop can be put side by side.

    python -m edge_app bench --out out/bench   # bench.json's "machine" block comes from machine_info()
"""

import os
import platform
import sys
from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np

from edge_app import litert

CPUINFO = Path("/proc/cpuinfo")
STATUS = Path("/proc/self/status")


def machine_info() -> dict:
    """CPU model, core count, OS, Python, the interpreter runtime and library versions, and the date."""
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "arch": platform.machine(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "runtime": litert.runtime_version(),
        "numpy": np.__version__,
        "opencv": cv2.__version__,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def cpu_model(cpuinfo: Path = CPUINFO) -> str:
    """'AMD EPYC 7B13' on a PC; a Raspberry Pi's 64-bit kernel names only the board ('Raspberry Pi 5 Model B')."""
    try:
        fields = dict(line.split(":", 1) for line in cpuinfo.read_text().splitlines() if ":" in line)
    except OSError:
        fields = {}
    fields = {key.strip(): value.strip() for key, value in fields.items()}
    return fields.get("model name") or fields.get("Model") or platform.processor() or platform.machine() or "unknown"


def peak_rss_mb() -> float | None:
    """This process's peak resident memory in MiB, or None where the system does not say.

    Linux: VmHWM, the high-water mark of this process's own memory. ru_maxrss is not
    used there: a child started by spawn inherits its parent's peak across exec, so
    every child would report at least the parent's size.
    """
    try:
        for line in STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, kB elsewhere


def describe(machine: dict) -> str:
    """One line: 'AMD EPYC (2 cores), Linux-6.1-x86_64, Python 3.11.7, ai-edge-litert 1.4.0, ...'."""
    return (f"{machine.get('cpu')} ({machine.get('cores')} cores), {machine.get('os')}, "
            f"Python {machine.get('python')}, {machine.get('runtime')}, numpy {machine.get('numpy')}, "
            f"OpenCV {machine.get('opencv')}; {machine.get('date')}")
