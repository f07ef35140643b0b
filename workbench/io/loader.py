"""Load an engagement's input tables: read, coerce to the contract, validate, relate.

The result holds the typed tables, every issue found (with file, table, column and the
client's row numbers), and the provenance of each file (sha256, rows) for the manifest.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.errors as pa_errors

from workbench.contracts import CONTRACTS, RELATIONS, TableContract, normalise_name
from workbench.contracts.mapping import mapping_lookup
from workbench.contracts.schema import KINDS
from workbench.engagement import LoadedEngagement
from workbench.errors import InputError
from workbench.io.coerce import Coerced, coerce
from workbench.io.fixes import mapping_block
from workbench.io.layout import totals_rows
from workbench.io.readers import read_raw
from workbench.io.validation import Issue, Level, ValidationReport
from workbench.paths import sha256_file


@dataclass
class LoadResult:
    """Typed tables (only those present and usable), the issues, and file provenance."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    report: ValidationReport = field(default_factory=ValidationReport)
    provenance: list[dict[str, Any]] = field(default_factory=list)


def _expected_text(info_kind: str, allowed: list[str]) -> str:
    if allowed:
        return "one of " + ", ".join(allowed)
    return KINDS.get(info_kind, info_kind)


def _pandera_issues(
    exc: pa_errors.SchemaErrors, table: str, source: str, contract: TableContract
) -> list[Issue]:
    cases = exc.failure_cases
    issues: list[Issue] = []
    for (col, check), group in cases.groupby(["column", "check"], dropna=False, sort=False):
        col = "" if pd.isna(col) else str(col)
        check = str(check)
        if check == "column_in_dataframe":
            continue  # reported with suggestions before validation
        rows = sorted({int(i) for i in group["index"].dropna()})
        examples = [str(v) for v in group["failure_case"].dropna().drop_duplicates().head(3)]
        if check == "not_nullable":
            msg, expected = (
                f"{len(rows)} empty value(s) in a required column",
                "a value in every row",
            )
            examples = []
        elif check == "field_uniqueness" or check.startswith("multiple_fields_uniqueness"):
            key = col or ", ".join(contract.key)
            msg = f"duplicate key values in {key} ({len(rows)} rows share a key)"
            expected = "each key to appear once"
        else:
            msg = f"{len(rows)} value(s) fail the rule"
            expected = check
        issues.append(Issue("error", table, msg, source, col, rows, expected, examples))
    return issues


def load_table(
    contract: TableContract,
    path: Path,
    sheet: str | None = None,
    *,
    dayfirst: bool = True,
    display_path: str | None = None,
    from_workbook: bool = False,
    columns: dict[str, str] | None = None,
    row_ids: bool = False,
    mappings: dict[str, dict[str, str]] | None = None,
) -> tuple[pd.DataFrame | None, list[Issue], dict[str, Any]]:
    """Read one table and check it against its contract.

    ``columns`` maps data-request names to the client's own headers; ``row_ids`` numbers
    the rows when the client's export has no id column for the table's key; ``mappings``
    places the client's values per column (``{phase: {"Stage 4": "closing"}}``).

    Returns the typed frame (indexed by the client's row numbers; ``None`` when unusable),
    the issues, and the provenance record.
    """
    mapping = {normalise_name(client): ours for ours, client in (columns or {}).items()}
    name = contract.name
    shown = display_path or str(path)
    if sheet:
        shown = f"{shown} [{sheet}]"
    prov: dict[str, Any] = {"table": name, "path": display_path or str(path), "sheet": sheet}
    issues: list[Issue] = []
    try:
        raw = read_raw(path, sheet, [*contract.columns, *mapping])
    except InputError as exc:
        issues.append(Issue("error", name, str(exc).replace(f"{path}: ", ""), shown))
        return None, issues, prov
    prov["sha256"] = sha256_file(path)
    if raw.notes:
        prov["notes"] = list(raw.notes)
    frame = raw.frame
    normalised = [normalise_name(c) for c in frame.columns]
    dupes = sorted({c for c in normalised if normalised.count(c) > 1})
    if dupes:
        issues.append(
            Issue(
                "error",
                name,
                f"column(s) {', '.join(dupes)} appear more than once in the header",
                shown,
                expected="each column once",
            )
        )
        return None, issues, prov
    frame.columns = [mapping.get(c, c) for c in normalised]
    if row_ids and len(contract.key) == 1 and contract.key[0] not in frame.columns:
        frame[contract.key[0]] = [f"row-{i}" for i in frame.index]
    if len(frame) and len(frame.columns):
        blank = frame.astype("string").apply(lambda s: s.str.strip().fillna("").eq(""))
        frame = frame[~blank.to_numpy(dtype=bool).all(axis=1)]
    prov["rows_read"] = len(frame)
    totals = totals_rows(frame, _id_columns(contract, frame))
    if totals:
        frame = frame.drop(index=list(totals))
        prov["totals_rows"] = list(totals)
        issues.append(
            Issue(
                "warning",
                name,
                f"{len(totals)} totals row(s) at the bottom left out "
                f"({'; '.join(totals.values())})",
                shown,
                rows=list(totals),
            )
        )
    prov["rows"] = len(frame)
    present = set(frame.columns)
    missing = [c for c in contract.required_columns if c not in present]
    if len(frame) == 0:
        if not present:
            msg = "no header row and no data"
        elif from_workbook:
            msg = "the sheet has no data rows; the table is treated as not provided"
        else:
            msg = "the file has a header but no data rows"
        level: Level = "warning" if from_workbook and present else "error"
        issues.append(
            Issue(level, name, msg, shown, expected="one row per record under the header")
        )
        return None, issues, prov
    unknown = sorted(present - set(contract.columns))
    for col in missing:
        close = difflib.get_close_matches(col, unknown, n=1, cutoff=0.75)
        hint = f"; found {close[0]!r}, is it misspelt?" if close else ""
        issues.append(
            Issue(
                "error",
                name,
                f"required column is missing{hint}",
                shown,
                col,
                expected=f"a column named {col!r} ({contract.columns[col].meaning})",
            )
        )
    if missing:
        return None, issues, prov
    if unknown:
        issues.append(Issue("info", name, f"extra column(s) ignored: {', '.join(unknown)}", shown))
    typed = pd.DataFrame(index=frame.index)
    for col, info in contract.columns.items():
        if col not in present:
            continue
        result = coerce(
            frame[col],
            info.kind,
            decimal=raw.decimal,
            dayfirst=dayfirst,
            vocabulary=info.vocabulary,
            mapping=mapping_lookup((mappings or {}).get(col, {})),
        )
        typed[col] = result.values
        if result.mapped:
            prov.setdefault("mappings", []).extend({"column": col, **m} for m in result.mapped)
        if result.unplaced:
            issues.append(_unplaced_issue(name, col, shown, info.vocabulary, result))
        if result.bad_rows:
            issues.append(
                Issue(
                    "error",
                    name,
                    f"{len(result.bad_rows)} value(s) cannot be read as {KINDS[info.kind]}",
                    shown,
                    col,
                    result.bad_rows,
                    _expected_text(info.kind, info.allowed),
                    result.examples,
                )
            )
        if result.note:
            issues.append(Issue("warning", name, result.note, shown, col))
    schema = contract.schema
    try:
        schema.validate(typed, lazy=True)
    except pa_errors.SchemaErrors as exc:
        for issue in _pandera_issues(exc, name, shown, contract):
            found = contract.columns.get(issue.column)
            if found and issue.expected not in ("a value in every row", "each key to appear once"):
                issue.expected = _rule_text(schema, issue.column, issue.expected)
                if found.soft:
                    issue.level = "warning"
                    issue.message += "; the playbook leaves these rows out of its scoring"
            if (
                found is not None
                and issue.rows
                and set(issue.rows) <= set(_bad_rows(issues, issue.column))
            ):
                continue  # already reported as unreadable
            issues.append(issue)
    return typed, issues, prov


def _id_columns(contract: TableContract, frame: pd.DataFrame) -> list[str]:
    """The columns that identify a record: the key, else the required id columns."""
    if contract.key:
        return list(contract.key)
    return [c.name for c in contract.columns.values() if c.kind == "id" and c.required]


def _unplaced_issue(table: str, column: str, shown: str, vocabulary: Any, result: Coerced) -> Issue:
    """Values of a column with allowed values that nothing places, with the mapping that
    would place them (best guesses filled in)."""
    unplaced = result.unplaced
    rows = sorted(r for found in unplaced.values() for r in found)
    counted = ", ".join(f"{v!r} ({len(r)})" for v, r in list(unplaced.items())[:6])
    guesses = {value: vocabulary.guesses(value) for value in unplaced}
    return Issue(
        "error",
        table,
        f"{len(rows)} value(s) are neither an allowed value nor a known spelling of one: "
        f"{counted}{' and more' if len(unplaced) > 6 else ''}",
        shown,
        column,
        rows,
        "one of: " + ", ".join(vocabulary.values) + " (or a mapping in engagement.yaml)",
        list(unplaced)[:3],
        fix=mapping_block({table: {column: guesses}}),
    )


def _bad_rows(issues: list[Issue], column: str) -> list[int]:
    return [r for i in issues if i.column == column for r in i.rows]


def _rule_text(schema: Any, column: str, check_name: str) -> str:
    for check in schema.columns[column].checks:
        if check.name == check_name or str(check) == check_name or check.error == check_name:
            return str(check.error or check_name)
    return check_name


def check_relations(tables: dict[str, pd.DataFrame], sources: dict[str, str]) -> list[Issue]:
    """Cross-table keys: a child's value that its parent table does not hold (a warning,
    since finding such gaps is part of the audit)."""
    issues = []
    for rel in RELATIONS:
        child, parent = tables.get(rel.child), tables.get(rel.parent)
        if child is None or parent is None or rel.column not in child.columns:
            continue
        values = child[rel.column]
        known = set(parent[rel.key].dropna().astype(str))
        orphan = values.notna() & ~values.astype("string").isin(known).fillna(False)
        if orphan.any():
            rows = [int(i) for i in child.index[orphan]]
            examples = [str(v) for v in values[orphan].drop_duplicates().head(3)]
            issues.append(
                Issue(
                    "warning",
                    rel.child,
                    f"{len(rows)} row(s) refer to a {rel.key} that is not in {rel.parent}",
                    sources.get(rel.child, ""),
                    rel.column,
                    rows,
                    f"every {rel.column} to exist in {rel.parent}.{rel.key}",
                    examples,
                )
            )
    return issues


def criteria_names() -> set[str]:
    """Names of the playbooks' editable criteria: a client file under such a name in the
    engagement's inputs replaces the shipped one (read by the playbook, not validated here)."""
    from workbench.playbooks import playbook_folders

    files = [p for folder in playbook_folders() for p in folder.glob("criteria/*")]
    return {p.stem.replace("-", "_") for p in files} | {p.stem for p in files}


def load_inputs(engagement: LoadedEngagement, tables: Iterable[str] | None = None) -> LoadResult:
    """Load the engagement's inputs (all of them, or only ``tables``) with validation."""
    config = engagement.config
    wanted = list(config.inputs) if tables is None else [t for t in tables if t in config.inputs]
    result = LoadResult()
    sources: dict[str, str] = {}
    criteria = criteria_names()
    for name in config.inputs:
        if name not in CONTRACTS and name not in criteria:
            close = difflib.get_close_matches(name, list(CONTRACTS), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            result.report.add(
                Issue(
                    "error",
                    name,
                    f"unknown table {name!r} in engagement.yaml inputs{hint}",
                    str(engagement.folder / "engagement.yaml"),
                    expected="a table of the data request: " + ", ".join(CONTRACTS),
                )
            )
    for name in wanted:
        if name not in CONTRACTS:
            continue
        spec = config.inputs[name]
        path = engagement.input_path(name)
        frame, issues, prov = load_table(
            CONTRACTS[name],
            path,
            spec.sheet,
            dayfirst=config.dayfirst,
            display_path=spec.path,
            from_workbook=spec.sheet is not None,
            columns=spec.columns,
            row_ids=spec.row_ids,
            mappings=config.mappings.get(name),
        )
        result.report.extend(issues)
        if "sha256" in prov:
            result.provenance.append(prov)
        if frame is not None:
            result.tables[name] = frame
            sources[name] = spec.path + (f" [{spec.sheet}]" if spec.sheet else "")
    result.report.extend(check_relations(result.tables, sources))
    for name, frame in result.tables.items():
        result.tables[name] = frame.reset_index(drop=True)
    return result
