"""Are the required documents there? The required-documents matrix applied to each project.

The matrix (``project_type x phase -> doc_type, mandatory``) ships as the playbook's criteria
``required_documents.csv`` with the PMO templates as the default; a client table of the same
shape overrides it. A project is expected to hold the documents of its current phase and of
every earlier phase (initiation, planning, execution, closing).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.findings import CheckResult, Finding, finding_from_ids
from workbench.records.register import normalise_key, outcome_frame, truthy

PHASES = ("initiation", "planning", "execution", "closing")
#: Phase assumed from the project status when the optional ``phase`` column is missing.
PHASE_OF_STATUS = {
    "planned": "initiation",
    "active": "execution",
    "on_hold": "execution",
    "closed": "closing",
    "cancelled": "initiation",
}
WILDCARDS = {"", "all", "any", "*", "_"}
#: Statuses of a record that is not yet the document (work in progress).
DRAFT_STATUSES = frozenset({"draft", "in_review", "under_review", "wip", "work_in_progress"})
#: Documents whose absence puts revenue or the customer's acceptance at risk.
HIGH_SEVERITY_DOCS = {"acceptance_certificate", "billing", "scope_of_work"}


def normalise_matrix(matrix: pd.DataFrame) -> pd.DataFrame:
    """Bring a required-documents matrix into canonical form.

    Parameters
    ----------
    matrix : DataFrame
        Columns project_type, phase, doc_type, mandatory (any case and spelling of values:
        ``Acceptance Certificate``, ``yes``/``no``, ``*`` for every project type).

    Returns
    -------
    DataFrame
        ``project_type`` (``*`` for all), ``phase``, ``doc_type`` (snake case), ``mandatory``
        (bool), rows with unknown phases dropped.

    Raises
    ------
    ValueError
        When a required column is missing (the message names it).
    """
    frame = matrix.copy()
    frame.columns = [normalise_key(c) for c in frame.columns]
    missing = [c for c in ("project_type", "phase", "doc_type") if c not in frame.columns]
    if missing:
        raise ValueError(
            f"the required-documents matrix lacks column(s) {', '.join(missing)}; "
            "expected project_type, phase, doc_type, mandatory"
        )
    out = pd.DataFrame(
        {
            "project_type": [normalise_key(v) or "*" for v in frame["project_type"]],
            "phase": [normalise_key(v) for v in frame["phase"]],
            "doc_type": [normalise_key(v) for v in frame["doc_type"]],
        }
    )
    out["project_type"] = out["project_type"].where(~out["project_type"].isin(WILDCARDS), "*")
    if "mandatory" in frame.columns:
        out["mandatory"] = (
            truthy(frame["mandatory"]).to_numpy()
            | frame["mandatory"]
            .astype("string")
            .str.strip()
            .str.lower()
            .isin(["mandatory", "m", "required"])
            .fillna(False)
            .to_numpy()
        )
    else:
        out["mandatory"] = True
    out = out[out["phase"].isin(PHASES) & (out["doc_type"] != "")]
    return out.drop_duplicates().reset_index(drop=True)


def project_phases(projects: pd.DataFrame) -> pd.DataFrame:
    """Each project's current phase: the ``phase`` column, else derived from ``status``.

    Returns
    -------
    DataFrame
        project_id, project_type (snake case), phase, phase_source ("register" or "status").
    """
    out = pd.DataFrame({"project_id": projects["project_id"].astype("str")})
    out["project_type"] = [normalise_key(v) for v in projects.get("project_type", pd.Series())]
    status = [normalise_key(v) for v in projects.get("status", pd.Series([""] * len(projects)))]
    derived = pd.Series([PHASE_OF_STATUS.get(s, "execution") for s in status], index=out.index)
    if "phase" in projects.columns:
        given = pd.Series([normalise_key(v) for v in projects["phase"]], index=out.index)
        valid = given.isin(PHASES)
        out["phase"] = given.where(valid, derived)
        out["phase_source"] = valid.map({True: "register", False: "status"})
    else:
        out["phase"] = derived
        out["phase_source"] = "status"
    return out


def expected_documents(projects: pd.DataFrame, matrix: pd.DataFrame) -> pd.DataFrame:
    """The mandatory documents each project should hold by its current phase.

    Returns
    -------
    DataFrame
        project_id, project_type, phase (current), due_phase, doc_type; one row per project
        and document type (the earliest phase that requires it).
    """
    canon = normalise_matrix(matrix)
    canon = canon[canon["mandatory"]]
    phases = project_phases(projects)
    rows = []
    for p in phases.itertuples(index=False):
        reached = PHASES[: PHASES.index(p.phase) + 1]
        due = canon[
            canon["phase"].isin(reached) & canon["project_type"].isin([p.project_type, "*"])
        ]
        for d in due.itertuples(index=False):
            rows.append((p.project_id, p.project_type, p.phase, d.phase, d.doc_type))
    out = pd.DataFrame(
        rows, columns=["project_id", "project_type", "phase", "due_phase", "doc_type"]
    )
    out["_order"] = out["due_phase"].map(PHASES.index)
    out = out.sort_values(["project_id", "_order"]).drop_duplicates(["project_id", "doc_type"])
    return out.drop(columns="_order").reset_index(drop=True)


def _title(doc_key: str) -> str:
    return doc_key.replace("_", " ")


def held_documents(register: pd.DataFrame, as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """What each project holds of each document type, judged as evidence.

    A record is the document only when it is not a draft, is approved (where the register
    records approvals at all) and was not disposed of by ``as_of``. For each project and
    document type the best record decides: ``ok``, else ``not approved``, ``draft only``
    or ``disposed``.

    Returns
    -------
    DataFrame
        project_id, doc_key, held.
    """
    disposed = pd.Series(False, index=register.index)
    if "disposed_date" in register.columns:
        dates = pd.to_datetime(register["disposed_date"], errors="coerce")
        disposed = dates.notna() & ((dates <= as_of) if as_of is not None else True)
    draft = register["status_key"].isin(DRAFT_STATUSES)
    records_approvals = bool({"approved_by", "approved_date"} & set(register.columns))
    unapproved = ~register["is_approved"] if records_approvals else False
    # The order is the ranking: the best record of a document decides its state.
    defect = np.select([disposed, draft, unapproved], [3, 2, 1], default=0)
    frame = pd.DataFrame(
        {"project_id": register["project_id"], "doc_key": register["doc_key"], "rank": defect}
    )
    best = frame.groupby(["project_id", "doc_key"], as_index=False)["rank"].min()
    best["held"] = best["rank"].map(_HELD)
    return best.drop(columns="rank")


_HELD = {0: "ok", 1: "not approved", 2: "draft only", 3: "disposed"}


def missing_mandatory_documents(
    register: pd.DataFrame,
    projects: pd.DataFrame,
    matrix: pd.DataFrame,
    as_of: pd.Timestamp | None = None,
) -> CheckResult:
    """Mandatory documents a project should hold by its phase but does not.

    Held means held as evidence (:func:`held_documents`): a draft, an unapproved record or
    one disposed of by ``as_of`` does not count, and the detail says which it was.

    Parameters
    ----------
    register : DataFrame
        Output of :func:`workbench.records.register.prepare_register`.
    projects : DataFrame
        The ``projects`` table.
    matrix : DataFrame
        The required-documents matrix (criteria or client table).
    as_of : pandas.Timestamp, optional
        Records disposed of after it were still held then.

    Returns
    -------
    CheckResult
        ``tested`` has one item per expected (project, document type), id
        ``PRJ-001/acceptance_certificate``; one finding per document type that is missing
        anywhere, listing those ids.
    """
    check = "missing_mandatory_document"
    expected = expected_documents(projects, matrix)
    held = held_documents(register, as_of).rename(columns={"doc_key": "doc_type"})
    expected = expected.merge(held, on=["project_id", "doc_type"], how="left")
    expected["held"] = expected["held"].fillna("none")
    expected["present"] = expected["held"] == "ok"
    expected["item_id"] = expected["project_id"] + "/" + expected["doc_type"]
    tested = outcome_frame(expected["item_id"], expected["project_id"], expected["present"])
    info = projects[["project_id"]].astype("str").copy()
    for col in ("name", "pm_id", "status"):
        if col in projects.columns:
            info[col] = projects[col].astype("string").to_numpy()
    detail = expected[~expected["present"]].merge(info, on="project_id", how="left")
    detail = detail.drop(columns=["present", "item_id"]).reset_index(drop=True)
    findings: list[Finding] = []
    for doc, rows in detail.groupby("doc_type", sort=True):
        doc = str(doc)
        due = expected[expected["doc_type"] == doc]
        ids = (rows["project_id"] + "/" + rows["doc_type"]).tolist()
        acceptance = doc == "acceptance_certificate"
        listed = ", ".join(
            p if h == "none" else f"{p} ({h})"
            for p, h in zip(rows["project_id"], rows["held"], strict=True)
        )
        article = "an" if _title(doc)[:1] in "aeiou" else "a"
        summary = (
            f"{len(ids)} of {len(due)} projects that should hold {article} {_title(doc)} by their "
            f"current phase have none approved and kept in the register: {listed}."
        )
        if acceptance:
            summary += (
                " Without an approved acceptance certificate on file, the customer's "
                "acceptance, and the final billing it releases, cannot be evidenced."
            )
        findings.append(
            finding_from_ids(
                check=check,
                area="Required documents",
                severity="high" if doc in HIGH_SEVERITY_DOCS else "medium",
                title=f"Mandatory {_title(doc)} missing on {len(ids)} project(s)",
                summary=summary,
                entity_type="project_document",
                ids=ids,
                population_count=len(due),
                recommendation=(
                    f"Obtain or reconstruct the {_title(doc)} for each listed project and file "
                    "it in the register under the project's id."
                ),
                corrective_action=(
                    f"PM of each listed project files the {_title(doc)} (signed where it "
                    "needs a signature) within 30 days; PMO verifies."
                ),
                preventive_action=(
                    "Make the required-documents matrix a phase-gate checklist: a project "
                    "cannot pass a gate while a mandatory document of the phase is missing."
                ),
                owner_role="Project Manager" if not acceptance else "PMO",
                code="DOC",
            )
        )
    return CheckResult(detail, findings, check=check, tested=tested)


def completeness_table(result: CheckResult, expected: pd.DataFrame) -> pd.DataFrame:
    """Share of due mandatory documents present, per project and phase (the heatmap).

    Parameters
    ----------
    result : CheckResult
        Result of :func:`missing_mandatory_documents`.
    expected : DataFrame
        Output of :func:`expected_documents` (gives each item's due phase).

    Returns
    -------
    DataFrame
        Index project_id, one column per phase (NaN where nothing is due yet) and ``overall``.
    """
    frame = expected.assign(item_id=expected["project_id"] + "/" + expected["doc_type"])
    frame = frame.merge(result.tested[["item_id", "passed"]], on="item_id", how="left")
    frame["passed"] = frame["passed"].fillna(False).astype(float)
    table = frame.pivot_table(
        index="project_id", columns="due_phase", values="passed", aggfunc="mean"
    )
    table = table.reindex(columns=[p for p in PHASES if p in table.columns])
    table["overall"] = frame.groupby("project_id")["passed"].mean()
    table.columns.name = None
    return table
