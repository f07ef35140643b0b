"""The records register made auditable: names, versions, documents and teams.

Client registers are exports (SharePoint, a DMS, a spreadsheet) and are messy: paths where
a file name is expected, versions written ``1.0``, ``v2``, ``final_v3`` or ``Final``, document
types spelled ``Acceptance Certificate`` or ``acceptance_certificate``. Every check of the
record-management audit runs on the frame :func:`prepare_register` returns, so each of these
is handled once, here.

The module also holds :func:`outcome_frame`, the tested population of a
:class:`~workbench.findings.CheckResult`, and :func:`record_finding`, the finding most records
checks raise.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote

import numpy as np
import pandas as pd

from workbench.findings import Finding, Severity, finding_from_ids

#: Statuses that mean "this is the released version of the document".
FINAL_STATUSES = frozenset({"final", "approved", "released", "published", "signed", "issued"})
#: Statuses that mean "replaced by a later version"; a "final" label on them is history.
RETIRED_STATUSES = frozenset({"superseded", "obsolete", "withdrawn", "archived", "retired"})

_VERSION_NUMBER = re.compile(r"(\d+)(?:\.(\d+))?")
_VERSION_TOKEN = re.compile(
    r"(?:^|[\s_.\-])(?:v|ver|version|rev)[\s_.\-]?\d+(?:\.\d+)*(?=$|[\s_.\-])", re.IGNORECASE
)
_LABEL_TOKEN = re.compile(r"(?:^|[\s_.\-])(?:final|draft|copy)(?=$|[\s_.\-])", re.IGNORECASE)
_COPY_MARK = re.compile(r"\s*\(\d+\)$")
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")


def outcome_frame(item_ids: Any, project_ids: Any, passed: Any) -> pd.DataFrame:
    """Build the ``tested`` frame of a :class:`CheckResult`."""
    return pd.DataFrame(
        {
            "item_id": pd.Series(list(item_ids), dtype="str"),
            "project_id": pd.Series(list(project_ids), dtype="str"),
            "passed": pd.Series(list(passed), dtype="bool"),
        }
    )


def record_finding(
    check: str,
    area: str,
    severity: Severity,
    title: str,
    summary: str,
    ids: Sequence[Any],
    population: int,
    code: str,
    **text: Any,
) -> Finding:
    """A finding whose entities are records of the register.

    Parameters
    ----------
    check, area, severity, title, summary, code
        As for :class:`~workbench.findings.Finding`.
    ids : sequence
        The ``record_id`` of every record behind the finding.
    population : int
        How many items the check tested.
    **text
        ``recommendation``, ``corrective_action``, ``preventive_action``, ``owner_role``.
    """
    return finding_from_ids(
        check=check,
        area=area,
        severity=severity,
        title=title,
        summary=summary,
        entity_type="record",
        ids=ids,
        population_count=population,
        code=code,
        **text,
    )


# --------------------------------------------------------------------------- normalisers


def is_blank(series: pd.Series) -> pd.Series:
    """True where a value is missing or only whitespace."""
    text = series.astype("string").str.strip()
    return (series.isna() | text.isna() | (text == "")).fillna(True).astype(bool)


def truthy(series: pd.Series) -> pd.Series:
    """Interpret yes/no style flags (``True``, ``1``, ``yes``, ``Y``, ``hold``) as booleans."""
    if pd.api.types.is_bool_dtype(series):
        return series.fillna(False).astype(bool)
    text = series.astype("string").str.strip().str.lower()
    return text.isin(["true", "1", "1.0", "yes", "y", "x", "hold", "on hold", "t"]).fillna(False)


def normalise_key(value: Any) -> str:
    """Lower-case snake form used to match document types and classes: ``Scope of Work`` ->
    ``scope_of_work``."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return re.sub(r"[^a-z0-9]+", "_", str(value).strip().lower()).strip("_")


def file_name_of(value: Any) -> str:
    """The file name of a register entry: the last component of a path or URL, decoded."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    text = str(value).strip().split("?")[0].replace("\\", "/").rstrip("/")
    return unquote(text.rsplit("/", 1)[-1]).strip()


def parse_version(value: Any) -> tuple[float, float, bool, bool]:
    """Read a version label.

    Parameters
    ----------
    value : Any
        ``"1.0"``, ``"v2"``, ``"final_v3"``, ``"Final"``, ``"0.3 draft"``, ``2.0``, ...

    Returns
    -------
    tuple
        ``(major, minor, final_label, draft_label)``; major and minor are NaN when the label
        carries no number (``"Final"``).
    """
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return (np.nan, np.nan, False, False)
    text = str(value).strip().lower()
    final = "final" in text
    draft = "draft" in text
    match = _VERSION_NUMBER.search(text)
    if not match:
        return (np.nan, np.nan, final, draft)
    major = float(match.group(1))
    minor = float(match.group(2)) if match.group(2) is not None else 0.0
    return (major, minor, final, draft)


def document_stem(file_name: str) -> str:
    """The name of the document a file is a version of: the file name without extension,
    version tokens (``_v1.0``, ``rev 2``), labels (``final``, ``draft``, ``copy``) and
    duplicate marks (``(1)``), in lower case with separators collapsed."""
    stem = _EXTENSION.sub("", file_name.strip())
    stem = _COPY_MARK.sub("", stem)
    for _ in range(3):  # labels and versions can be stacked: "final_v3", "v2 draft"
        stem = _VERSION_TOKEN.sub(" ", stem)
        stem = _LABEL_TOKEN.sub(" ", stem)
    return re.sub(r"[\s_.\-]+", " ", stem).strip().lower()


def project_teams(projects: pd.DataFrame | None, staff: pd.DataFrame | None) -> pd.DataFrame:
    """Project -> PM -> team (the team of the project's PM), one row per project."""
    if projects is None or "project_id" not in projects.columns:
        return pd.DataFrame(columns=["project_id", "pm_id", "team"])
    out = projects[["project_id"]].astype("str").copy()
    out["pm_id"] = projects["pm_id"].astype("string") if "pm_id" in projects else pd.NA
    if staff is not None and {"person_id", "team"} <= set(staff.columns):
        teams = dict(zip(staff["person_id"].astype("str"), staff["team"], strict=False))
        # object dtype: mapping onto an empty staff table would give an all-missing float
        # column, which cannot take the "(no team)" text below
        out["team"] = out["pm_id"].map(teams).astype("object")
    else:
        out["team"] = pd.NA
    out["pm_id"] = out["pm_id"].fillna("(no PM)")
    out["team"] = out["team"].fillna("(no team)").astype("str")
    return out.drop_duplicates("project_id")


def _text(values: list[str], index: pd.Index) -> pd.Series:
    return pd.Series(values, index=index, dtype="str")


def prepare_register(
    records: pd.DataFrame,
    projects: pd.DataFrame | None = None,
    staff: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Add the derived columns every records check relies on.

    Parameters
    ----------
    records : DataFrame
        The ``records`` input table.
    projects, staff : DataFrame, optional
        Used to attach each record's PM and team.

    Returns
    -------
    DataFrame
        ``records`` plus ``file_base`` (last path component), ``doc_key`` (normalised doc
        type), ``version_major``/``version_minor`` (NaN when unparseable),
        ``version_final_label``, ``status_key``, ``is_final``, ``is_approved``, ``stem`` and
        ``document_id`` (project, doc type and stem: the document the record is a version
        of), ``pm_id`` and ``team``.
    """
    reg = records.copy()
    reg["record_id"] = reg["record_id"].astype("str")
    reg["project_id"] = reg["project_id"].astype("str")
    # text columns built row by row keep the text dtype even on an empty register, so that
    # joining them into document_id never meets a float column
    reg["file_base"] = _text([file_name_of(v) for v in reg["file_name"]], reg.index)
    reg["doc_key"] = _text([normalise_key(v) for v in reg["doc_type"]], reg.index)
    parsed = [parse_version(v) for v in reg["version"]]
    reg["version_major"] = pd.Series([p[0] for p in parsed], index=reg.index, dtype="float64")
    reg["version_minor"] = pd.Series([p[1] for p in parsed], index=reg.index, dtype="float64")
    reg["version_final_label"] = pd.Series([p[2] for p in parsed], index=reg.index, dtype=bool)
    reg["status_key"] = _text([normalise_key(v) for v in reg["status"]], reg.index)
    retired = reg["status_key"].isin(RETIRED_STATUSES) | (reg["status_key"] == "draft")
    reg["is_final"] = reg["status_key"].isin(FINAL_STATUSES) | (
        reg["version_final_label"] & ~retired
    )
    approved = pd.Series(False, index=reg.index)
    if "approved_date" in reg.columns:
        approved |= reg["approved_date"].notna()
    if "approved_by" in reg.columns:
        approved |= ~is_blank(reg["approved_by"])
    reg["is_approved"] = approved.astype(bool)
    reg["stem"] = _text([document_stem(f) for f in reg["file_base"]], reg.index)
    reg["document_id"] = reg["project_id"] + "|" + reg["doc_key"] + "|" + reg["stem"]
    teams = project_teams(projects, staff)
    reg = reg.merge(teams, on="project_id", how="left")
    reg["pm_id"] = reg["pm_id"].fillna("(no PM)").astype("str")
    reg["team"] = reg["team"].fillna("(no team)").astype("str")
    return reg
