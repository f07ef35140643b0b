"""Shapes shared by the BI checks: period labels, segment lookups, severity.

Every BI check returns a :class:`~workbench.findings.CheckResult`: the detail table the
chapter shows and the findings it raises.
"""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd

from workbench.findings import SEVERITY_RANK, Severity
from workbench.frames import present, select_present

Freq = Literal["M", "Q"]


def period_range(start: Any, end: Any, freq: Freq) -> list[pd.Period]:
    """All months or quarters from ``start`` to ``end`` inclusive."""
    return list(pd.period_range(pd.Timestamp(start), pd.Timestamp(end), freq=freq))


def project_segments(projects: pd.DataFrame | None) -> pd.DataFrame:
    """``project_id -> segment, pm_id`` lookup (``Unknown`` segment when projects are absent)."""
    if projects is None or projects.empty:
        return pd.DataFrame(
            {
                "project_id": pd.Series(dtype="string"),
                "segment": pd.Series(dtype="string"),
                "pm_id": pd.Series(dtype="string"),
            }
        )
    out = (
        select_present(projects, ("project_id", "segment", "pm_id"))
        .drop_duplicates("project_id")
        .copy()
    )
    if "pm_id" not in out.columns:
        out["pm_id"] = pd.Series(pd.NA, index=out.index, dtype="string")
    return out


def with_segment(frame: pd.DataFrame, projects: pd.DataFrame | None) -> pd.DataFrame:
    """Add ``segment`` and ``pm_id`` from projects by ``project_id``; unmatched -> Unknown."""
    out = frame.drop(columns=present(frame, ("segment", "pm_id")))
    if "project_id" not in out.columns:
        out["segment"] = "Unknown"
        out["pm_id"] = pd.Series(pd.NA, index=out.index, dtype="string")
        return out
    out = out.merge(project_segments(projects), on="project_id", how="left")
    out["segment"] = out["segment"].fillna("Unknown").astype("string")
    return out


def share_severity(
    value: float,
    population_value: float | None,
    *,
    floor: Severity = "low",
    high_share: float = 0.05,
    medium_share: float = 0.01,
) -> Severity:
    """Severity from the money at stake as a share of the population's value.

    At or above ``high_share`` of the population value -> high, at or above ``medium_share``
    -> medium, else ``floor``. Without a population value the floor applies.
    """
    if population_value and population_value > 0:
        share = value / population_value
        sev: Severity = (
            "high" if share >= high_share else "medium" if share >= medium_share else "low"
        )
    else:
        sev = floor
    # The floor is a minimum severity: never report below it.
    return sev if SEVERITY_RANK[sev] <= SEVERITY_RANK[floor] else floor
