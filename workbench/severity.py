"""The severity scale of findings, most severe first: one definition for the playbooks, the
report, the batch summary and the portfolio (a light module: it imports nothing)."""

from __future__ import annotations

from typing import Literal

Severity = Literal["critical", "high", "medium", "low", "info"]
SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low", "info")
#: Position of each severity in :data:`SEVERITIES` (0 is the most severe).
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}

__all__ = ["SEVERITIES", "SEVERITY_RANK", "Severity"]
