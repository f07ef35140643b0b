"""Audit scoring, team ranking and the GARP maturity view.

Every check returns its tested population with a pass/fail per item. The criteria in the
playbook's ``scoring.yaml`` group checks (completeness, naming, templates, version control,
metadata, retention, access) and weight them. An item passes a criterion when it passes
every check of the criterion that tested it; a project's score is the weighted mean of its
criteria pass rates (weights re-normalised over the criteria that had items), and so are a
PM's and a team's over their projects' items. Rankings carry a Wilson interval on the pass
rate of all tested items and flag small populations, so a team of two projects is not
ranked first by luck.

The maturity view rates each of ARMA's eight Generally Accepted Recordkeeping Principles
on the Information Governance Maturity Model (1 Sub-standard .. 5 Transformational) from
the pass rates of the checks that evidence it, the weakest one deciding.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from workbench.analytics.sampling import wilson_interval
from workbench.findings import CheckResult

GARP_PRINCIPLES = (
    "Accountability",
    "Transparency",
    "Integrity",
    "Protection",
    "Compliance",
    "Availability",
    "Retention",
    "Disposition",
)
GARP_LEVELS = {
    1: "Sub-standard",
    2: "In development",
    3: "Essential",
    4: "Proactive",
    5: "Transformational",
}


def criteria_of(scoring: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The weighted criteria of ``scoring.yaml``: name -> {weight, checks, description}."""
    out: dict[str, dict[str, Any]] = {}
    for name, spec in (scoring.get("criteria") or {}).items():
        spec = spec or {}
        out[str(name)] = {
            "weight": float(spec.get("weight", 1.0)),
            "checks": [str(c) for c in spec.get("checks", [])],
            "description": str(spec.get("description", "")),
        }
    return out


def criterion_of_check(scoring: Mapping[str, Any]) -> dict[str, str]:
    """check name -> criterion name."""
    return {c: name for name, spec in criteria_of(scoring).items() for c in spec["checks"]}


def scored_items(results: Mapping[str, CheckResult], scoring: Mapping[str, Any]) -> pd.DataFrame:
    """Every tested item per criterion: criterion, item_id, project_id, passed.

    An item tested by several checks of one criterion passes only if it passes them all.
    """
    mapping = criterion_of_check(scoring)
    frames = []
    for check, result in results.items():
        if check not in mapping or not result.ran or result.tested.empty:
            continue
        frames.append(result.tested.assign(criterion=mapping[check]))
    if not frames:
        return pd.DataFrame(columns=["criterion", "item_id", "project_id", "passed"])
    items = pd.concat(frames, ignore_index=True)
    items = items.groupby(["criterion", "item_id", "project_id"], as_index=False)["passed"].all()
    return items


def scores(
    items: pd.DataFrame,
    teams: pd.DataFrame,
    scoring: Mapping[str, Any],
    by: str = "team",
) -> pd.DataFrame:
    """Weighted audit score, pass rate and Wilson interval per project, PM or team, ranked.

    Parameters
    ----------
    items : DataFrame
        Output of :func:`scored_items`.
    teams : DataFrame
        project_id, pm_id, team (see :func:`workbench.records.register.project_teams`).
    scoring : mapping
        ``scoring.yaml``: criteria (weights), ranking (confidence, min_items,
        max_interval_width), pass_mark.
    by : {"project", "pm", "team"}

    Returns
    -------
    DataFrame
        One row per entity, best first: entity, one pass-rate column per criterion, score
        (0-100), items, passes, pass_rate, ci_low, ci_high, small_sample, passed_audit,
        rank.
    """
    column = {"project": "project_id", "pm": "pm_id", "team": "team"}[by]
    crit = criteria_of(scoring)
    ranking = scoring.get("ranking") or {}
    confidence = float(ranking.get("confidence", 0.95))
    min_items = int(ranking.get("min_items", 50))
    max_width = float(ranking.get("max_interval_width", 0.10))
    pass_mark = float(scoring.get("pass_mark", 0.9))
    frame = items.merge(teams, on="project_id", how="left")
    if by != "project":
        frame[column] = frame[column].fillna("(unassigned)")
    rates = frame.pivot_table(
        index=column, columns="criterion", values="passed", aggfunc="mean"
    ).reindex(columns=[c for c in crit if c in set(frame["criterion"])])
    weights = pd.Series({c: crit[c]["weight"] for c in rates.columns}, dtype=float)
    weighted = rates.mul(weights, axis=1)
    present_weight = rates.notna().mul(weights, axis=1).sum(axis=1)
    out = rates.copy()
    out["score"] = (weighted.sum(axis=1) / present_weight.replace(0, np.nan) * 100).round(1)
    counts = frame.groupby(column)["passed"].agg(["size", "sum"])
    out["items"] = counts["size"].astype(int)
    out["passes"] = counts["sum"].astype(int)
    out["pass_rate"] = out["passes"] / out["items"]
    intervals = [
        wilson_interval(int(p), int(n), confidence)
        for p, n in zip(out["passes"], out["items"], strict=False)
    ]
    out["ci_low"] = [lo for lo, _ in intervals]
    out["ci_high"] = [hi for _, hi in intervals]
    out["small_sample"] = (out["items"] < min_items) | (out["ci_high"] - out["ci_low"] > max_width)
    out["passed_audit"] = out["score"] >= pass_mark * 100
    out = out.sort_values(["score", "ci_low"], ascending=False)
    out["rank"] = out["score"].rank(ascending=False, method="min").astype(int)
    out.index.name = by
    out.columns.name = None
    out = out.reset_index()
    out.attrs["confidence"] = confidence  # the level of ci_low and ci_high, for the labels
    return out


def garp_maturity(results: Mapping[str, CheckResult], scoring: Mapping[str, Any]) -> pd.DataFrame:
    """ARMA GARP maturity per principle, with the evidence behind each level.

    ``scoring.yaml`` maps each principle to checks (``garp.principles``) and pass-rate
    thresholds to levels (``garp.levels``: {2: 0.80, 3: 0.90, ...}); the level is the
    highest whose threshold the weakest check meets, capped at ``garp.data_cap`` because
    the top levels need evidence (automation, continuous improvement) that register data
    cannot show.

    Returns
    -------
    DataFrame
        principle, level, label, weakest (check), weakest_rate, evidence (text, one line per
        check), assessed (bool).
    """
    garp = scoring.get("garp") or {}
    thresholds = sorted(
        ((int(k), float(v)) for k, v in (garp.get("levels") or {}).items()),
        key=lambda kv: kv[0],
    )
    cap = int(garp.get("data_cap", 5))
    principles = garp.get("principles") or {}
    rows: list[tuple[Any, ...]] = []
    for principle in GARP_PRINCIPLES:
        spec = principles.get(principle) or {}
        evidence: list[str] = []
        rates: list[tuple[float, str]] = []
        for check in spec.get("checks", []):
            result = results.get(check)
            if result is None:
                evidence.append(f"{check}: not run")
                continue
            if not result.ran:
                evidence.append(f"{check}: not assessed ({result.limitation})")
                continue
            n = result.population
            if n == 0:
                evidence.append(f"{check}: nothing to test")
                continue
            passes = n - result.exceptions
            rate = passes / n
            rates.append((rate, check))
            evidence.append(f"{check}: {rate:.1%} pass ({passes:,} of {n:,})")
        if rates:
            weakest_rate, weakest = min(rates)
            level = 1
            for lvl, threshold in thresholds:
                if weakest_rate >= threshold:
                    level = lvl
            level = min(level, cap)
            rows.append(
                (
                    principle,
                    level,
                    GARP_LEVELS[level],
                    weakest,
                    weakest_rate,
                    "; ".join(evidence),
                    True,
                    str(spec.get("description", "")),
                )
            )
        else:
            rows.append(
                (
                    principle,
                    np.nan,
                    "not assessed",
                    "",
                    np.nan,
                    "; ".join(evidence),
                    False,
                    str(spec.get("description", "")),
                )
            )
    return pd.DataFrame(
        rows,
        columns=[
            "principle",
            "level",
            "label",
            "weakest",
            "weakest_rate",
            "evidence",
            "assessed",
            "description",
        ],
    )
