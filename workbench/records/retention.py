"""Retention and disposition: kept as long as they must be, and no longer.

Each record's retention class points to the client's ``retention_schedule`` (retain_years,
trigger, action). The clock starts at the trigger: ``created`` or ``modified`` (the record's
own dates) or ``project_closed`` (the project's ``actual_finish``; a project not yet closed
has not started the clock). At the end of retention the action (destroy, archive,
transfer, review) is due, unless the record is under legal hold; ``permanent`` records are
never disposed of.

Checks: no retention class; a class the schedule does not know; disposal overdue; disposed
before the end of retention; disposed while on legal hold.
"""

from __future__ import annotations

import pandas as pd

from workbench.findings import CheckResult
from workbench.frames import select_present
from workbench.records.register import (
    is_blank,
    normalise_key,
    outcome_frame,
    record_finding,
    truthy,
)

_AREA = "Retention and disposition"
TRIGGERS = {
    "created": "created",
    "creation": "created",
    "created_date": "created",
    "modified": "modified",
    "last_modified": "modified",
    "modified_date": "modified",
    "project_closed": "project_closed",
    "project_close": "project_closed",
    "project_closure": "project_closed",
    "project_end": "project_closed",
    "closure": "project_closed",
    "closed": "project_closed",
}
PERMANENT_ACTIONS = {"permanent", "retain", "keep", "retain_permanently", "none"}
#: The columns that name a record in the exception tables of the retention checks.
_DETAIL = ["record_id", "project_id", "doc_type", "retention_class"]


def _class_key(series: pd.Series) -> pd.Series:
    return series.astype("string").str.strip().str.upper()


def _add_years(dates: pd.Series, years: pd.Series) -> pd.Series:
    out = pd.Series(pd.NaT, index=dates.index, dtype="datetime64[ns]")
    for y in years.dropna().unique():
        mask = (years == y) & dates.notna()
        whole = int(y)
        extra = pd.Timedelta(days=round((float(y) - whole) * 365.25))
        out.loc[mask] = dates[mask] + pd.DateOffset(years=whole) + extra
    return out


def _project_state(project_ids: pd.Series, projects: pd.DataFrame | None) -> pd.Series:
    """Per record: ``closed`` (its project is closed or cancelled), ``open`` or ``unknown``
    (the project is not in the projects table)."""
    if projects is None or projects.empty:
        return pd.Series("unknown", index=project_ids.index)
    ids = projects["project_id"].astype("str")
    if "status" in projects.columns:
        status = [normalise_key(v) for v in projects["status"]]
        state = ["closed" if s in ("closed", "cancelled") else "open" for s in status]
    else:
        state = ["open"] * len(ids)
    return project_ids.map(dict(zip(ids, state, strict=False))).fillna("unknown")


def retention_status(
    register: pd.DataFrame,
    schedule: pd.DataFrame,
    projects: pd.DataFrame | None,
    as_of: pd.Timestamp,
) -> pd.DataFrame:
    """Each record's retention clock.

    Returns
    -------
    DataFrame
        record_id, project_id, doc_type, retention_class, class_known, trigger, trigger_date,
        retention_end, action, permanent, disposed_date, legal_hold, disposed, due (retention
        ended by ``as_of``), clock_unknown (why the clock's start is not known, else empty:
        a missing date, a closed project without ``actual_finish``, a project not in the
        projects table; a project still open has simply not started it).
    """
    reg = register.copy()
    sched = schedule.copy()
    sched.columns = [normalise_key(c) for c in sched.columns]
    sched["class_key"] = _class_key(sched["retention_class"])
    sched["trigger_key"] = [TRIGGERS.get(normalise_key(t), "") for t in sched["trigger"]]
    sched["action_key"] = [normalise_key(a) for a in sched["action"]]
    sched["retain_years"] = pd.to_numeric(sched["retain_years"], errors="coerce")
    sched = sched.drop_duplicates("class_key")
    if "retention_class" in reg.columns:
        reg["class_key"] = _class_key(reg["retention_class"])
        reg["has_class"] = ~is_blank(reg["retention_class"])
    else:
        reg["class_key"] = pd.Series(pd.NA, index=reg.index, dtype="string")
        reg["has_class"] = False
    reg = reg.merge(
        sched[["class_key", "retain_years", "trigger_key", "action_key"]],
        on="class_key",
        how="left",
    )
    reg["class_known"] = reg["has_class"] & reg["retain_years"].notna()
    closed = pd.Series(pd.NaT, index=reg.index, dtype="datetime64[ns]")
    if projects is not None and "actual_finish" in projects.columns:
        finish = dict(
            zip(projects["project_id"].astype("str"), projects["actual_finish"], strict=False)
        )
        closed = pd.to_datetime(reg["project_id"].map(finish), errors="coerce")
    project_state = _project_state(reg["project_id"], projects)
    trigger_date = pd.Series(pd.NaT, index=reg.index, dtype="datetime64[ns]")
    for key, source in (
        ("created", reg["created"]),
        ("modified", reg["modified"]),
        ("project_closed", closed),
    ):
        mask = reg["trigger_key"] == key
        trigger_date.loc[mask] = pd.to_datetime(source[mask], errors="coerce")
    reg["trigger_date"] = trigger_date
    # Why a clock with no start date has none: a project still open has not started it; a
    # missing date, or a closed project without its finish date, leaves it unknown.
    unknown = pd.Series("", index=reg.index, dtype="string")
    no_date = reg["class_known"] & (reg["trigger_key"] != "") & trigger_date.isna()
    for key in ("created", "modified"):
        unknown[no_date & (reg["trigger_key"] == key)] = f"{key} date missing"
    by_project = no_date & (reg["trigger_key"] == "project_closed")
    unknown[by_project & (project_state == "closed")] = (
        "project " + reg["project_id"] + " closed without actual_finish"
    )
    unknown[by_project & (project_state == "unknown")] = (
        "project " + reg["project_id"] + " not in the projects table"
    )
    reg["clock_unknown"] = unknown
    reg["permanent"] = reg["action_key"].isin(PERMANENT_ACTIONS).fillna(False).astype(bool)
    reg["retention_end"] = _add_years(reg["trigger_date"], reg["retain_years"])
    reg.loc[reg["permanent"], "retention_end"] = pd.NaT
    has_disposed = "disposed_date" in reg.columns
    has_hold = "legal_hold" in reg.columns
    if has_disposed:
        reg["disposed"] = reg["disposed_date"].notna()
    else:
        reg["disposed_date"] = pd.NaT
        reg["disposed"] = False
    reg["legal_hold"] = truthy(reg["legal_hold"]) if "legal_hold" in reg.columns else False
    reg["due"] = (reg["retention_end"] <= as_of).fillna(False).astype(bool)
    cols = [
        "record_id",
        "project_id",
        "doc_type",
        "class_key",
        "class_known",
        "has_class",
        "trigger_key",
        "trigger_date",
        "retention_end",
        "action_key",
        "permanent",
        "disposed_date",
        "disposed",
        "legal_hold",
        "due",
        "clock_unknown",
        "team",
    ]
    out = select_present(reg, cols).rename(
        columns={"class_key": "retention_class", "trigger_key": "trigger", "action_key": "action"}
    )
    out.attrs["has_disposed_date"] = has_disposed
    out.attrs["has_legal_hold"] = has_hold
    return out


def _no_disposal_data(status: pd.DataFrame) -> bool:
    return not status.attrs.get("has_disposed_date", True)


def no_retention_class(status: pd.DataFrame) -> CheckResult:
    """Records with no retention class: nobody can say when they may be disposed of."""
    check = "no_retention_class"
    tested = outcome_frame(status["record_id"], status["project_id"], status["has_class"])
    bad = status[~status["has_class"]]
    findings = []
    if len(bad):
        findings.append(
            record_finding(
                check,
                _AREA,
                "medium",
                f"{len(bad)} record(s) have no retention class",
                f"{len(bad)} of {len(status)} records carry no retention class, so their "
                "disposal date is unknown and they will either be kept forever or disposed of "
                "without authority.",
                sorted(bad["record_id"]),
                len(status),
                "RET",
                recommendation="Assign a retention class from the schedule to each listed record.",
                corrective_action="Records manager classifies the listed records.",
                preventive_action=(
                    "Default the retention class from the document type in the library so no "
                    "record can be saved without one."
                ),
                owner_role="Records manager",
            )
        )
    detail = bad[["record_id", "project_id", "doc_type"]].reset_index(drop=True)
    return CheckResult(detail, findings, check=check, tested=tested)


def unknown_retention_class(status: pd.DataFrame) -> CheckResult:
    """Records whose retention class is not in the retention schedule."""
    check = "unknown_retention_class"
    scope = status[status["has_class"]]
    tested = outcome_frame(scope["record_id"], scope["project_id"], scope["class_known"])
    bad = scope[~scope["class_known"]]
    findings = []
    if len(bad):
        classes = ", ".join(sorted(bad["retention_class"].astype(str).unique()))
        findings.append(
            record_finding(
                check,
                _AREA,
                "medium",
                f"{len(bad)} record(s) with a retention class not in the schedule",
                f"{len(bad)} of {len(scope)} classified records use classes the retention "
                f"schedule does not define ({classes}).",
                sorted(bad["record_id"]),
                len(scope),
                "RET",
                recommendation="Map the listed classes to the schedule or add them to it.",
                corrective_action="Records manager reclassifies the listed records.",
                preventive_action="Offer only the schedule's classes as choices in the library.",
                owner_role="Records manager",
            )
        )
    return CheckResult(bad[_DETAIL].reset_index(drop=True), findings, check=check, tested=tested)


def disposal_overdue(
    status: pd.DataFrame, as_of: pd.Timestamp, grace_days: int = 90
) -> CheckResult:
    """Records past retention (plus a grace period), not disposed of and not on legal hold."""
    check = "disposal_overdue"
    if _no_disposal_data(status):
        return CheckResult.skipped(check, "the register has no disposed_date column")
    limit = as_of - pd.Timedelta(days=grace_days)
    scope = status[
        status["class_known"]
        & ~status["permanent"]
        & (status["retention_end"] <= limit).fillna(False)
        & ~status["legal_hold"]
    ]
    tested = outcome_frame(scope["record_id"], scope["project_id"], scope["disposed"])
    bad = scope[~scope["disposed"]].copy()
    bad["days_overdue"] = (as_of - bad["retention_end"]).dt.days
    findings = []
    if len(bad):
        findings.append(
            record_finding(
                check,
                _AREA,
                "medium",
                f"Disposal overdue on {len(bad)} record(s)",
                f"{len(bad)} of {len(scope)} records whose retention ended more than "
                f"{grace_days} days before {as_of:%Y-%m-%d} are still kept (up to "
                f"{int(bad['days_overdue'].max())} days overdue): keeping them adds cost and "
                "discovery risk.",
                sorted(bad["record_id"]),
                len(scope),
                "DISP",
                recommendation="Apply the scheduled disposition to the listed records.",
                corrective_action="Records manager disposes of (or archives) the records, with a "
                "disposal certificate.",
                preventive_action="Run a quarterly disposition report from the schedule and sign "
                "it off.",
                owner_role="Records manager",
            )
        )
    cols = [*_DETAIL, "retention_end", "action", "days_overdue"]
    return CheckResult(bad[cols].reset_index(drop=True), findings, check=check, tested=tested)


def premature_disposal(status: pd.DataFrame) -> CheckResult:
    """Records disposed of before their retention ended (or whose clock never started).

    A disposed record whose clock start is unknown (``clock_unknown``) is not judged: the
    check says so in its ``note``, never calls it a breach.
    """
    check = "premature_disposal"
    if _no_disposal_data(status):
        return CheckResult.skipped(check, "the register has no disposed_date column")
    judged = status["disposed"] & status["class_known"] & (status["trigger"] != "")
    unknown = status[judged & (status["clock_unknown"] != "")]
    scope = status[judged & (status["clock_unknown"] == "")].copy()
    early = (
        scope["permanent"]
        | scope["retention_end"].isna()
        | (scope["disposed_date"] < scope["retention_end"]).fillna(False)
    )
    tested = outcome_frame(scope["record_id"], scope["project_id"], ~early)
    bad = scope[early].copy()
    bad["days_early"] = (bad["retention_end"] - bad["disposed_date"]).dt.days
    findings = []
    if len(bad):
        findings.append(
            record_finding(
                check,
                _AREA,
                "high",
                f"{len(bad)} record(s) disposed of before the end of retention",
                f"{len(bad)} of {len(scope)} disposed records were destroyed before their "
                "retention period ended (or before it started): the organisation can no longer "
                "produce them if asked by a customer, an auditor or a court.",
                sorted(bad["record_id"]),
                len(scope),
                "DISP",
                recommendation="Establish for each listed record whether a copy survives and "
                "who authorised the disposal.",
                corrective_action="Records manager recovers copies where possible and reports the "
                "loss to the information governance owner.",
                preventive_action="Dispose only through a disposition workflow that checks the "
                "retention end date and requires sign-off.",
                owner_role="Records manager",
            )
        )
    cols = [*_DETAIL, "trigger_date", "retention_end", "disposed_date", "days_early"]
    note = None
    if len(unknown):
        shown = unknown.sort_values("record_id").head(10)
        reasons = "; ".join(f"{r.record_id} {r.clock_unknown}" for r in shown.itertuples())
        if len(unknown) > len(shown):
            reasons += f"; and {len(unknown) - len(shown)} more"
        note = (
            f"{len(unknown)} disposed record(s) could not be judged: their retention trigger "
            f"date is unknown ({reasons})."
        )
    return CheckResult(
        bad[cols].reset_index(drop=True), findings, check=check, tested=tested, note=note
    )


def disposed_under_legal_hold(status: pd.DataFrame) -> CheckResult:
    """Records disposed of while on legal hold."""
    check = "disposed_under_legal_hold"
    if not status.attrs.get("has_legal_hold", True):
        return CheckResult.skipped(check, "the register has no legal_hold column")
    if _no_disposal_data(status):
        return CheckResult.skipped(check, "the register has no disposed_date column")
    scope = status[status["disposed"]]
    tested = outcome_frame(scope["record_id"], scope["project_id"], ~scope["legal_hold"])
    bad = scope[scope["legal_hold"]]
    findings = []
    if len(bad):
        findings.append(
            record_finding(
                check,
                _AREA,
                "critical",
                f"{len(bad)} record(s) disposed of while on legal hold",
                f"{len(bad)} records under legal hold were disposed of: a hold suspends every "
                "disposition, and destroying held records exposes the organisation to "
                "spoliation claims.",
                sorted(bad["record_id"]),
                len(scope),
                "HOLD",
                recommendation="Inform legal counsel at once and try to recover the records.",
                corrective_action="Legal and records manager recover backups and document the "
                "incident.",
                preventive_action="Block deletion of held records in the system itself, not by "
                "procedure.",
                owner_role="Legal counsel",
            )
        )
    return CheckResult(
        bad[[*_DETAIL, "disposed_date"]].reset_index(drop=True),
        findings,
        check=check,
        tested=tested,
    )
