"""The intake report that ``workbench validate`` prints: what was read, what was placed on
the data request and how, what could not be placed, and what fixes each.

Per table: rows read and kept (totals rows left out), the client values mapped onto the
allowed values (by spelling, synonym or the engagement's mapping), the values and free-text
labels nothing placed, each with the block of ``engagement.yaml`` that places it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pandas as pd

from workbench.classify import LOW_CONFIDENCE, Matcher, extend_catalogue
from workbench.engagement import LoadedEngagement
from workbench.io.fixes import classify_block
from workbench.io.loader import LoadResult
from workbench.paths import playbooks_dir

#: free-text columns classified against a shipped catalogue: (table, column) ->
#: (playbook, catalogue, name column, class column)
CLASSIFIED_COLUMNS = {
    ("timesheets", "activity"): ("pm-function-audit", "activity_catalogue", "activity", "category")
}


def _catalogue(engagement: LoadedEngagement, playbook: str, name: str) -> pd.DataFrame | None:
    path = playbooks_dir() / playbook / "criteria" / f"{name}.csv"
    if not path.exists():
        return None
    shipped = pd.read_csv(path, keep_default_na=False, na_values=[""])
    if name not in engagement.config.inputs:
        return shipped
    from workbench.io.readers import read_raw

    spec = engagement.config.inputs[name]
    client = read_raw(engagement.input_path(name), spec.sheet).frame
    return extend_catalogue(shipped, client.dropna(how="all"), str(shipped.columns[0]))


@dataclass
class Labels:
    """How one free-text column's labels were classified: label, hours (or rows), class,
    entry, confidence, method; the matcher and the catalogue's name."""

    decided: pd.DataFrame
    matcher: Matcher
    catalogue: str


def label_classification(
    engagement: LoadedEngagement, loaded: LoadResult
) -> dict[tuple[str, str], Labels]:
    """Each classified free-text column present, most weight first."""
    out: dict[tuple[str, str], Labels] = {}
    for (table, column), (playbook, name, name_col, class_col) in CLASSIFIED_COLUMNS.items():
        frame = loaded.tables.get(table)
        if frame is None or column not in frame.columns:
            continue
        catalogue = _catalogue(engagement, playbook, name)
        if catalogue is None:
            continue
        matcher = Matcher.from_frame(
            catalogue, name_col, class_col, engagement.config.classify.get(name)
        )
        weight = frame["hours"] if "hours" in frame.columns else pd.Series(1.0, frame.index)
        labels = frame[column].astype("string").fillna("")
        sums = weight.groupby(labels).sum().sort_values(ascending=False)
        decided = matcher.classify(sums.index).set_index("label")
        decided["hours"] = sums
        out[(table, column)] = Labels(decided.reset_index(), matcher, name)
    return out


def _mapped_line(mappings: list[dict[str, Any]]) -> list[str]:
    by_column: dict[str, list[str]] = defaultdict(list)
    for m in mappings:
        by_column[m["column"]].append(f"{m['from']!r} -> {m['to']} ({m['rows']:,}, {m['by']})")
    return [f"    mapped {col}: {'; '.join(items)}" for col, items in by_column.items()]


def render_intake(engagement: LoadedEngagement, loaded: LoadResult) -> str:
    """The intake report, one block per table read, then what is left to place.

    Parameters
    ----------
    engagement : LoadedEngagement
        The engagement (its mappings and classification overrides).
    loaded : LoadResult
        What :func:`workbench.io.load_inputs` read, including its issues.
    """
    lines: list[str] = []
    classified = label_classification(engagement, loaded)
    for prov in loaded.provenance:
        table = prov["table"]
        where = prov["path"] + (f" [{prov['sheet']}]" if prov.get("sheet") else "")
        lines.append(f"{table}  {where}")
        read, kept = prov.get("rows_read", prov.get("rows", 0)), prov.get("rows", 0)
        usable = ""
        if table not in loaded.tables:
            blocked = any(i.level == "error" for i in loaded.report.for_table(table))
            usable = "; not usable until the errors below are fixed" if blocked else "; not used"
        totals = (
            f" ({len(prov['totals_rows'])} totals row(s) left out)"
            if prov.get("totals_rows")
            else ""
        )
        lines.append(f"    rows read {read:,}, kept {kept:,}{totals}{usable}")
        if prov.get("notes"):
            lines.append(f"    read as: {'; '.join(prov['notes'])}")
        lines += _mapped_line(prov.get("mappings", []))
        for issue in loaded.report.for_table(table):
            if issue.level == "info":
                continue
            lines.append(f"    {issue.level}: " + issue.render().replace("\n", "\n    "))
        for (t, column), labels in classified.items():
            if t == table:
                lines += _classification_lines(column, labels)
    for issue in loaded.report.issues:
        if issue.level != "info" and issue.table not in {p["table"] for p in loaded.provenance}:
            lines.append(f"{issue.level}: {issue.render()}")
    return "\n".join(lines)


def _classification_lines(column: str, labels: Labels) -> list[str]:
    decided = labels.decided
    total = float(decided["hours"].sum())
    sure = decided[(decided["class"] != "unclassified") & (decided["confidence"] >= LOW_CONFIDENCE)]
    methods = decided.groupby(decided["method"].str.split().str[0])["hours"].sum()
    how = ", ".join(f"{m} {h / total:.0%}" for m, h in methods.sort_values(ascending=False).items())
    lines = [
        f"    {column}: {len(decided):,} labels, {total:,.0f} hours; "
        f"{sure['hours'].sum() / total if total else 1:.1%} classified with confidence ({how})"
    ]
    unsure = decided.drop(sure.index)
    if unsure.empty:
        return lines
    named = "; ".join(
        f"{r.label!r} ({r.hours:,.0f} h, {r.method})" for r in unsure.head(8).itertuples()
    )
    lines.append(f"    not placed with confidence: {named}")
    guesses = {str(r.label): labels.matcher.guesses(r.label) for r in unsure.itertuples()}
    block = classify_block({labels.catalogue: guesses})
    lines.append("      fix, in engagement.yaml:")
    lines += ["        " + line for line in block.splitlines()]
    return lines
