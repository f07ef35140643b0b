"""Small engagement folders for the hardening tests, written on the fly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests import factories


def write_engagement(folder: Path, **config: Any) -> Path:
    """``folder/engagement.yaml`` for Acme Holdings' 2025 audit, with ``config`` on top.

    ``folder/inputs`` is created (empty); the caller writes the files it names (see
    :func:`tests.factories.write_engagement`).
    """
    return factories.write_engagement(folder, tables={}, **config)
