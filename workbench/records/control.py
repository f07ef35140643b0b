"""Template, naming and version control of the records register.

* documents not made from the current PMO template (``template_id`` against the criteria
  ``templates.csv``: the current template id per document type and when it took effect);
* file names that break the naming rules (a regular expression per document type in the
  criteria ``naming_rules.csv``; ``{project_id}`` in a pattern stands for the record's own
  project id, so a file filed under the wrong project fails too);
* version control: several "final" versions of one document, gaps in the major version
  sequence, documents with nothing approved, approvals dated before the record was created.
"""

from __future__ import annotations

import re
from itertools import pairwise

import pandas as pd

from workbench.findings import CheckResult, Finding
from workbench.records.register import (
    is_blank,
    normalise_key,
    outcome_frame,
    record_finding,
)

_AREA = "Template, naming and version control"
#: The columns that name a record in the exception tables of these checks.
_DETAIL = ["record_id", "project_id", "doc_type", "file_base"]


def _ids(frame: pd.DataFrame, col: str = "record_id") -> list[str]:
    return sorted(frame[col].astype("str").unique().tolist())


# --------------------------------------------------------------------------- templates


def outdated_templates(register: pd.DataFrame, templates: pd.DataFrame) -> CheckResult:
    """Records made from a template other than the current one for their document type.

    A record created before the current template's ``effective_from`` date may legitimately
    use the previous template and is not an exception. Records without a ``template_id``
    are left to the metadata check.

    Parameters
    ----------
    register : DataFrame
        Prepared register.
    templates : DataFrame
        Criteria: doc_type, template_id [, effective_from].

    Returns
    -------
    CheckResult
    """
    check = "outdated_template"
    if "template_id" not in register.columns:
        return CheckResult.skipped(check, "the register has no template_id column")
    crit = templates.copy()
    crit.columns = [normalise_key(c) for c in crit.columns]
    if not {"doc_type", "template_id"} <= set(crit.columns):
        return CheckResult.skipped(check, "the templates criteria need doc_type and template_id")
    crit["doc_key"] = [normalise_key(v) for v in crit["doc_type"]]
    crit["current_template"] = crit["template_id"].astype("string").str.strip()
    crit["current"] = crit["current_template"].str.upper()
    if "effective_from" in crit.columns:
        crit["effective_from"] = pd.to_datetime(crit["effective_from"], errors="coerce")
    else:
        crit["effective_from"] = pd.NaT
    crit = crit.drop_duplicates("doc_key", keep="last")[
        ["doc_key", "current", "current_template", "effective_from"]
    ]
    reg = register[~is_blank(register["template_id"])].merge(crit, on="doc_key", how="inner")
    used = reg["template_id"].astype("string").str.strip().str.upper()
    in_force = reg["effective_from"].isna() | (reg["created"] >= reg["effective_from"])
    bad = (used != reg["current"]).fillna(False) & in_force.fillna(True)
    tested = outcome_frame(reg["record_id"], reg["project_id"], ~bad)
    detail = reg.loc[bad, [*_DETAIL, "created", "template_id", "current_template"]]
    findings: list[Finding] = []
    if bad.any():
        n = int(bad.sum())
        findings.append(
            record_finding(
                check,
                _AREA,
                "medium",
                f"{n} record(s) made from an outdated template",
                (
                    f"{n} of {len(reg)} records with a known template were created after the "
                    "current template took effect but from an earlier one "
                    f"({', '.join(sorted(set(detail['doc_type'].astype(str))))})."
                ),
                _ids(detail),
                len(reg),
                "TPL",
                recommendation="Re-issue the listed documents on the current template.",
                corrective_action=(
                    "Owners migrate the content of the listed records to the current "
                    "template at their next revision."
                ),
                preventive_action=(
                    "Publish only the current template in the document library; archive "
                    "superseded templates where authors cannot pick them."
                ),
                owner_role="PMO",
            )
        )
    return CheckResult(detail.reset_index(drop=True), findings, check=check, tested=tested)


# --------------------------------------------------------------------------- naming


def compile_rules(rules: pd.DataFrame) -> tuple[dict[str, str], list[str]]:
    """Naming rules by document type; returns (patterns, problems with the criteria)."""
    crit = rules.copy()
    crit.columns = [normalise_key(c) for c in crit.columns]
    problems: list[str] = []
    if not {"doc_type", "pattern"} <= set(crit.columns):
        return {}, ["the naming rules need columns doc_type and pattern"]
    patterns: dict[str, str] = {}
    for doc, pattern in zip(crit["doc_type"], crit["pattern"], strict=False):
        key = "*" if str(doc).strip() in {"*", ""} else normalise_key(doc)
        text = str(pattern)
        try:
            re.compile(text.replace("{project_id}", "PRJ-001"))
        except re.error as exc:
            problems.append(f"pattern for {doc!r} is not a valid regular expression ({exc})")
            continue
        patterns[key] = text
    return patterns, problems


def naming_violations(register: pd.DataFrame, rules: pd.DataFrame) -> CheckResult:
    """File names (last path component) that do not match their document type's rule.

    Parameters
    ----------
    register : DataFrame
        Prepared register.
    rules : DataFrame
        Criteria: doc_type (``*`` for any other type), pattern (a regular expression matched
        against the whole file name; ``{project_id}`` is replaced by the record's project id).

    Returns
    -------
    CheckResult
    """
    check = "naming_violation"
    patterns, problems = compile_rules(rules)
    if not patterns:
        return CheckResult.skipped(check, "; ".join(problems) or "no naming rules given")
    compiled: dict[tuple[str, str], re.Pattern[str]] = {}
    rows = []
    for rec in register[["record_id", "project_id", "doc_key", "file_base"]].itertuples(
        index=False
    ):
        pattern = patterns.get(rec.doc_key, patterns.get("*"))
        if pattern is None:
            continue
        key = (pattern, rec.project_id)
        if key not in compiled:
            compiled[key] = re.compile(pattern.replace("{project_id}", re.escape(rec.project_id)))
        ok = compiled[key].fullmatch(rec.file_base) is not None
        rows.append((rec.record_id, rec.project_id, ok, rec.doc_key))
    tested = outcome_frame([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])
    bad_ids = {r[0] for r in rows if not r[2]}
    detail = register.loc[register["record_id"].isin(bad_ids), _DETAIL].copy()
    # show the convention by example where the criteria give one, else the pattern itself
    examples = dict(patterns)
    crit = rules.copy()
    crit.columns = [normalise_key(c) for c in crit.columns]
    if "example" in crit.columns:
        for doc, example in zip(crit["doc_type"], crit["example"], strict=False):
            name = "*" if str(doc).strip() in {"*", ""} else normalise_key(doc)
            if name in examples and isinstance(example, str) and example.strip():
                examples[name] = f"e.g. {example.strip()}"
    detail["expected"] = [
        examples.get(k, examples.get("*")) for k in register.loc[detail.index, "doc_key"]
    ]
    findings: list[Finding] = []
    if bad_ids:
        findings.append(
            record_finding(
                check,
                _AREA,
                "low",
                f"{len(bad_ids)} file name(s) break the naming convention",
                (
                    f"{len(bad_ids)} of {len(rows)} records have a file name that does not "
                    "follow the naming rule of their document type (project id, type code, "
                    "version), which makes them hard to find and to tell apart."
                ),
                sorted(bad_ids),
                len(rows),
                "NAM",
                recommendation="Rename the listed files to the convention.",
                corrective_action="Document controller renames the listed files.",
                preventive_action=(
                    "Enforce the convention at upload (library column validation or a naming "
                    "macro) and include it in PM onboarding."
                ),
                owner_role="Document controller",
            )
        )
    result = CheckResult(detail.reset_index(drop=True), findings, check=check, tested=tested)
    if problems:
        result.table.attrs["criteria_problems"] = problems
    return result


# --------------------------------------------------------------------------- versions


def several_finals(register: pd.DataFrame) -> CheckResult:
    """Documents with more than one record marked final (by status or version label)."""
    check = "several_final_versions"
    counts = register.groupby("document_id")["is_final"].transform("sum")
    reg = register.assign(_finals=counts)
    bad_docs = reg.loc[reg["_finals"] > 1, "document_id"].unique()
    docs = reg.groupby("document_id").agg(project_id=("project_id", "first"))
    tested = outcome_frame(docs.index, docs["project_id"], ~docs.index.isin(bad_docs))
    detail = reg.loc[
        reg["document_id"].isin(bad_docs) & reg["is_final"], [*_DETAIL, "version", "status"]
    ]
    findings: list[Finding] = []
    if len(bad_docs):
        findings.append(
            record_finding(
                check,
                _AREA,
                "medium",
                f"{len(bad_docs)} document(s) have several 'final' versions",
                (
                    f"{len(bad_docs)} of {len(docs)} documents carry more than one version "
                    f"marked final ({len(detail)} records): a reader cannot tell which one is "
                    "authoritative."
                ),
                _ids(detail),
                len(docs),
                "VER",
                recommendation="Keep one final version per document; supersede the others.",
                corrective_action=(
                    "Owners confirm the authoritative version and set the others to superseded."
                ),
                preventive_action=(
                    "Use the library's major/minor versioning and check-in/out instead of "
                    "'final' in file names; only the approval workflow may set status final."
                ),
                owner_role="Document controller",
            )
        )
    return CheckResult(detail.reset_index(drop=True), findings, check=check, tested=tested)


def version_gaps(register: pd.DataFrame) -> CheckResult:
    """Gaps in a document's major version sequence (1, 2, 4: version 3 is missing).

    The record after each gap is the exception. Minor versions often skip legitimately
    and are not tested; versions without a number (``Final``) are left out.
    """
    check = "version_gap"
    numbered = register[register["version_major"].notna()]
    rows: list[tuple[str, str, float, float]] = []
    docs = register.groupby("document_id")["project_id"].first()
    bad_docs: set[str] = set()
    for doc_id, grp in numbered.groupby("document_id"):
        majors = sorted(set(grp["version_major"].astype(int)))
        for prev, nxt in pairwise(majors):
            if nxt - prev > 1:
                bad_docs.add(str(doc_id))
                after = grp[grp["version_major"] == nxt].sort_values("version_minor")
                rows.append((str(after["record_id"].iloc[0]), str(doc_id), prev, nxt))
    tested = outcome_frame(docs.index, docs.to_numpy(), ~docs.index.isin(bad_docs))
    detail = pd.DataFrame(rows, columns=["record_id", "document_id", "previous", "next"])
    detail = detail.merge(register[[*_DETAIL, "version"]], on="record_id").drop(
        columns="document_id"
    )
    findings: list[Finding] = []
    if rows:
        findings.append(
            record_finding(
                check,
                _AREA,
                "low",
                f"{len(bad_docs)} document(s) with gaps in their version history",
                (
                    f"{len(bad_docs)} of {len(docs)} documents jump over a major version "
                    "(e.g. 1.0 to 3.0): intermediate versions were lost or never registered, "
                    "so the document's history cannot be reconstructed."
                ),
                _ids(detail),
                len(docs),
                "VER",
                recommendation=(
                    "Locate and register the missing versions, or record why none exists."
                ),
                corrective_action=(
                    "Owners search the mail and file shares for the missing versions."
                ),
                preventive_action="Keep versions in the library's version history, not as copies.",
                owner_role="Document controller",
            )
        )
    return CheckResult(detail, findings, check=check, tested=tested)


def unapproved_documents(
    register: pd.DataFrame, as_of: pd.Timestamp, grace_days: int = 30
) -> CheckResult:
    """Documents of which no version was ever approved, older than the grace period.

    Parameters
    ----------
    register : DataFrame
        Prepared register.
    as_of : Timestamp
        Audit date.
    grace_days : int
        A document first created less than this many days before ``as_of`` is still in
        review and is not an exception.

    Returns
    -------
    CheckResult
        Exceptions are every record of the unapproved documents.
    """
    check = "unapproved_document"
    if not {"approved_by", "approved_date"} & set(register.columns):
        return CheckResult.skipped(check, "the register has neither approved_by nor approved_date")
    docs = register.groupby("document_id").agg(
        project_id=("project_id", "first"),
        approved=("is_approved", "any"),
        first_created=("created", "min"),
    )
    cutoff = as_of - pd.Timedelta(days=grace_days)
    mature = docs["first_created"].isna() | (docs["first_created"] <= cutoff)
    docs = docs[mature]
    bad = docs.index[~docs["approved"]]
    tested = outcome_frame(docs.index, docs["project_id"], docs["approved"])
    detail = register.loc[
        register["document_id"].isin(bad), [*_DETAIL, "version", "status", "created"]
    ]
    findings: list[Finding] = []
    if len(bad):
        findings.append(
            record_finding(
                check,
                _AREA,
                "high",
                f"{len(bad)} document(s) never approved",
                (
                    f"{len(bad)} of {len(docs)} documents older than {grace_days} days have "
                    f"no approved version ({len(detail)} records): they are in use without "
                    "sign-off."
                ),
                _ids(detail),
                len(docs),
                "APR",
                recommendation="Have each listed document approved by its approver of record.",
                corrective_action="PMO chases the approvals and records approver and date.",
                preventive_action=(
                    "Route documents through an approval workflow that records approver and "
                    "date; report open approvals older than 30 days monthly."
                ),
                owner_role="PMO",
            )
        )
    return CheckResult(detail.reset_index(drop=True), findings, check=check, tested=tested)


def approval_before_creation(register: pd.DataFrame) -> CheckResult:
    """Records approved (by date) before they were created: a backdated or copied approval."""
    check = "approval_before_creation"
    if "approved_date" not in register.columns:
        return CheckResult.skipped(check, "the register has no approved_date column")
    reg = register[register["approved_date"].notna() & register["created"].notna()]
    bad = reg["approved_date"].dt.normalize() < reg["created"].dt.normalize()
    tested = outcome_frame(reg["record_id"], reg["project_id"], ~bad)
    cols = [*_DETAIL, "created", "approved_date"]
    cols += ["approved_by"] if "approved_by" in reg.columns else []
    detail = reg.loc[bad, cols].copy()
    detail["days_before"] = (detail["created"] - detail["approved_date"]).dt.days
    findings: list[Finding] = []
    if bad.any():
        findings.append(
            record_finding(
                check,
                _AREA,
                "high",
                f"{int(bad.sum())} record(s) approved before they were created",
                (
                    f"{int(bad.sum())} of {len(reg)} approved records show an approval date "
                    "earlier than the creation date: the approval cannot relate to this "
                    "version (backdated, or carried over from an earlier version)."
                ),
                _ids(detail),
                len(reg),
                "APR",
                recommendation="Re-approve the listed records and explain each date.",
                corrective_action="Approvers re-approve; PMO documents the cause per record.",
                preventive_action=(
                    "Capture approval dates from the workflow system, never by hand; reset "
                    "approval when a new version is checked in."
                ),
                owner_role="PMO",
            )
        )
    return CheckResult(detail.reset_index(drop=True), findings, check=check, tested=tested)
