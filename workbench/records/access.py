"""Access to confidential records: seen only by those who should see them.

From an export of permissions (``access``: record_id, principal, principal_type,
permission), two tests on records classified confidential (the levels are a parameter):
shared with an external principal (external or guest accounts, sharing links, or an e-mail
address outside the client's domains), and shared with someone who has left
(``staff.leave_date`` on or before the audit date). A principal is matched to a person by
person id, by name, or by the user part of an account (``p020@client.com``,
``CLIENT\\p020``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pandas as pd

from workbench.findings import CheckResult, Finding, Severity
from workbench.records.register import outcome_frame, record_finding

_AREA = "Access"
DEFAULT_CONFIDENTIAL = ("confidential", "restricted", "secret", "strictly confidential")
DEFAULT_EXTERNAL_TYPES = ("external", "guest", "link")


def _norm(value: object) -> str:
    return re.sub(r"\s+", " ", str(value).strip().lower()) if value is not None else ""


def _account(principal: str) -> str:
    """The user part of an account: ``dom\\p020`` -> ``p020``, ``p020@x.com`` -> ``p020``."""
    text = principal.rsplit("\\", 1)[-1]
    return text.split("@", 1)[0]


def confidential_records(register: pd.DataFrame, levels: Iterable[str]) -> pd.DataFrame:
    """Records whose classification is one of the confidential ``levels``."""
    if "classification" not in register.columns:
        return register.iloc[0:0]
    wanted = {_norm(v) for v in levels}
    classes = register["classification"].map(lambda v: _norm(v) if pd.notna(v) else "")
    return register[classes.isin(wanted)]


def grants(
    access: pd.DataFrame,
    register: pd.DataFrame,
    staff: pd.DataFrame | None,
    as_of: pd.Timestamp,
    *,
    confidential_levels: Iterable[str] = DEFAULT_CONFIDENTIAL,
    external_types: Iterable[str] = DEFAULT_EXTERNAL_TYPES,
    internal_domains: Iterable[str] = (),
) -> pd.DataFrame:
    """Every grant on a confidential record, flagged ``external`` and ``leaver``.

    Returns
    -------
    DataFrame
        record_id, project_id, doc_type, classification, principal, principal_type,
        permission, external, leaver, person_id, leave_date.
    """
    conf = confidential_records(register, confidential_levels)
    cols = ["record_id", "project_id", "doc_type", "classification"]
    frame = access.copy()
    frame["record_id"] = frame["record_id"].astype("str")
    frame = frame.merge(conf[cols], on="record_id", how="inner")
    principal = frame["principal"].map(lambda v: _norm(v) if pd.notna(v) else "")
    ptype = frame["principal_type"].map(lambda v: _norm(v) if pd.notna(v) else "")
    ext_types = {_norm(t) for t in external_types}
    domains = {_norm(d).lstrip("@") for d in internal_domains if str(d).strip()}
    external = ptype.isin(ext_types)
    if domains:
        domain = principal.map(lambda p: p.rsplit("@", 1)[1] if "@" in p else "")
        external |= (domain != "") & ~domain.isin(domains) & (ptype != "group")
    frame["external"] = external.astype(bool)
    frame["person_id"] = pd.Series(pd.NA, index=frame.index, dtype="string")
    frame["leave_date"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    if staff is not None and "leave_date" in staff.columns:
        left = staff[staff["leave_date"].notna() & (staff["leave_date"] <= as_of)]
        lookup: dict[str, tuple[str, pd.Timestamp]] = {}
        for p in left.itertuples(index=False):
            entry = (str(p.person_id), pd.Timestamp(p.leave_date))
            lookup[_norm(p.person_id)] = entry
            if "name" in left.columns and pd.notna(p.name):
                lookup[_norm(p.name)] = entry
        matched = [
            lookup.get(pr, lookup.get(_account(pr))) if pt != "group" else None
            for pr, pt in zip(principal, ptype, strict=False)
        ]
        frame["person_id"] = pd.Series(
            [m[0] if m else pd.NA for m in matched], index=frame.index, dtype="string"
        )
        frame["leave_date"] = pd.to_datetime(
            pd.Series([m[1] if m else pd.NaT for m in matched], index=frame.index)
        )
    frame["leaver"] = frame["person_id"].notna().astype(bool)
    return frame


def _check(
    check: str,
    flag: str,
    conf: pd.DataFrame,
    frame: pd.DataFrame,
    severity: Severity,
    title: str,
    summary: str,
    **text: Any,
) -> CheckResult:
    bad = frame[frame[flag]]
    bad_ids = set(bad["record_id"])
    tested = outcome_frame(conf["record_id"], conf["project_id"], ~conf["record_id"].isin(bad_ids))
    findings: list[Finding] = []
    if bad_ids:
        findings.append(
            record_finding(
                check,
                _AREA,
                severity,
                title.format(n=len(bad_ids)),
                summary.format(n=len(bad_ids), pop=len(conf), grants=len(bad)),
                sorted(bad_ids),
                len(conf),
                "ACC",
                **text,
            )
        )
    return CheckResult(bad.reset_index(drop=True), findings, check=check, tested=tested)


def access_checks(
    access: pd.DataFrame,
    register: pd.DataFrame,
    staff: pd.DataFrame | None,
    as_of: pd.Timestamp,
    *,
    confidential_levels: Iterable[str] = DEFAULT_CONFIDENTIAL,
    external_types: Iterable[str] = DEFAULT_EXTERNAL_TYPES,
    internal_domains: Iterable[str] = (),
) -> tuple[CheckResult, CheckResult]:
    """Confidential records shared externally, and shared with leavers.

    Returns
    -------
    tuple of CheckResult
        ``confidential_shared_externally`` and ``confidential_shared_with_leavers``; the
        population of both is the confidential records, the detail lists the offending
        grants.
    """
    levels = list(confidential_levels)
    conf = confidential_records(register, levels)
    frame = grants(
        access,
        register,
        staff,
        as_of,
        confidential_levels=levels,
        external_types=external_types,
        internal_domains=internal_domains,
    )
    external = _check(
        "confidential_shared_externally",
        "external",
        conf,
        frame,
        "high",
        "{n} confidential record(s) shared outside the organisation",
        "{n} of {pop} confidential records are open to external accounts, guests or sharing "
        "links ({grants} grants).",
        recommendation="Remove the external grants unless a contract requires them; record "
        "the justification for any that stay.",
        corrective_action="Site owners revoke the listed grants within 5 working days.",
        preventive_action="Disable anonymous links and external sharing on libraries that "
        "hold confidential records; review external grants quarterly.",
        owner_role="Information security",
    )
    if staff is None or "leave_date" not in staff.columns:
        leavers = CheckResult.skipped(
            "confidential_shared_with_leavers", "staff.leave_date is not provided"
        )
    else:
        leavers = _check(
            "confidential_shared_with_leavers",
            "leaver",
            conf,
            frame,
            "high",
            "{n} confidential record(s) still open to people who have left",
            "{n} of {pop} confidential records remain accessible to accounts of people who "
            "have left the organisation ({grants} grants).",
            recommendation="Revoke the leavers' grants and disable their accounts.",
            corrective_action="IT removes the listed grants and confirms the accounts are "
            "disabled.",
            preventive_action="Tie access removal to the HR leaver process (joiner-mover-"
            "leaver) and grant access through groups, not to individuals.",
            owner_role="Information security",
        )
    return external, leavers
