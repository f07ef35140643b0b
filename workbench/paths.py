"""Where the project's own folders are: playbooks, notebooks, the demo engagement.

The workbench runs from a checkout (``pip install -e .``); ``WORKBENCH_HOME`` points
elsewhere when the playbooks live in another folder.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def home() -> Path:
    env = os.environ.get("WORKBENCH_HOME")
    return Path(env).resolve() if env else Path(__file__).resolve().parent.parent


def playbooks_dir() -> Path:
    return home() / "playbooks"


def notebooks_dir() -> Path:
    return home() / "notebooks"


def demo_dir() -> Path:
    return home() / "data" / "demo"


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes (read in 1 MiB blocks), as hex."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
