"""Virtualenvs with older Pulumi SDKs, built once and kept under .cache/preflight-sdk/.

Each is named by what it pins; a finished build leaves a stamp with its pins, so a later
session reuses it (a build takes about 40-80 s: grpcio and the provider SDK dominate).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("PREFLIGHT_SDK_VENVS", ROOT / ".cache" / "preflight-sdk"))


def sdk_venv(*pins: str) -> Path:
    """The python of a virtualenv holding exactly `pins` (e.g. "pulumi==3.86.0"), built if missing."""
    name = "-".join(pin.replace("==", "") for pin in pins)
    venv = CACHE / name
    python = venv / "bin" / "python"
    stamp = venv / ".pins"
    wanted = "\n".join(pins)
    if python.exists() and stamp.is_file() and stamp.read_text() == wanted:
        return python
    CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *pins],
                   check=True)
    stamp.write_text(wanted)
    return python
