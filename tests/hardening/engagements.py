"""Small engagement folders for the hardening tests, written on the fly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def write_engagement(folder: Path, **config: Any) -> Path:
    """``folder/engagement.yaml`` for Acme Holdings' 2025 audit, with ``config`` on top.

    ``folder/inputs`` is created (empty); the caller writes the files it names.
    """
    (folder / "inputs").mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {
        "client": "Acme Holdings",
        "engagement": "acme-2026",
        "period": {"start": "2025-01-01", "end": "2025-12-31"},
        **config,
    }
    (folder / "engagement.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return folder
