"""Demo records register, retention schedule and access export, with planted problems.

Northwind keeps its project documents in SharePoint. The register is a realistic export: a
few thousand document versions across the forty projects, file names given as plain names,
SharePoint URLs or UNC paths, versions written ``1.0``, ``v2``, ``V1.1``, ``final_v2`` or
``Final``. Clean rows follow the PMO's rules exactly (names, current templates, approvals,
retention, access), so each check of the record-management audit finds only what was
planted, and every plant is recorded with ``ctx.plant`` under the check's name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.demo.core import DemoContext

PLAYBOOK = "record-management-audit"

#: Document types: (naming code, extensions, classification, retention class of the final).
DOC_TYPES: dict[str, tuple[str, tuple[str, ...], str, str]] = {
    "scope_of_work": ("SOW", ("docx", "pdf"), "confidential", "PRJ-CORE-10Y"),
    "minutes_of_meeting": ("MOM", ("docx",), "internal", "MOM-3Y"),
    "communication_plan": ("COM", ("docx", "xlsx"), "internal", "PRJ-CORE-10Y"),
    "design": ("DES", ("docx", "vsdx"), "confidential", "PRJ-CORE-10Y"),
    "vendor_payment": ("VP", ("pdf",), "confidential", "FIN-7Y"),
    "billing": ("BIL", ("pdf",), "confidential", "FIN-7Y"),
    "acceptance_certificate": ("ACC", ("pdf",), "confidential", "CONTRACT-PERM"),
    "lessons_learned": ("LL", ("docx",), "internal", "PRJ-CORE-10Y"),
}
#: Spelling of the document type in the export (SharePoint content type names).
DOC_LABELS = {
    "scope_of_work": "Scope of Work",
    "minutes_of_meeting": "Minutes of Meeting",
    "communication_plan": "Communication Plan",
    "design": "Design",
    "vendor_payment": "Vendor Payment",
    "billing": "Billing",
    "acceptance_certificate": "Acceptance Certificate",
    "lessons_learned": "Lessons Learned",
}
#: Current template, when it took effect, previous template (criteria ``templates.csv``).
TEMPLATES: dict[str, tuple[str, str, str]] = {
    "design": ("TPL-DES-v3", "2024-01-01", "TPL-DES-v2"),
    "scope_of_work": ("TPL-SOW-v4", "2025-04-01", "TPL-SOW-v3"),
    "communication_plan": ("TPL-COM-v2", "2024-01-01", "TPL-COM-v1"),
    "minutes_of_meeting": ("TPL-MOM-v2", "2025-01-01", "TPL-MOM-v1"),
    "vendor_payment": ("TPL-VP-v3", "2024-01-01", "TPL-VP-v2"),
    "billing": ("TPL-BIL-v2", "2025-07-01", "TPL-BIL-v1"),
    "acceptance_certificate": ("TPL-ACC-v2", "2024-01-01", "TPL-ACC-v1"),
    "lessons_learned": ("TPL-LL-v1", "2024-01-01", ""),
}
#: Mandatory documents by phase (criteria ``required_documents.csv``); None = all types.
REQUIRED: list[tuple[str, str, tuple[str, ...] | None, bool]] = [
    ("initiation", "scope_of_work", None, True),
    ("initiation", "minutes_of_meeting", None, True),
    ("planning", "communication_plan", None, True),
    ("planning", "design", ("implementation", "infrastructure"), True),
    ("planning", "design", ("consulting",), False),
    ("execution", "vendor_payment", ("implementation", "infrastructure"), True),
    ("execution", "vendor_payment", ("consulting",), False),
    ("execution", "billing", None, True),
    ("closing", "acceptance_certificate", None, True),
    ("closing", "lessons_learned", None, False),
]
RETENTION_SCHEDULE = [
    {
        "retention_class": "PRJ-CORE-10Y",
        "retain_years": 10.0,
        "trigger": "project_closed",
        "action": "archive",
    },
    {"retention_class": "FIN-7Y", "retain_years": 7.0, "trigger": "created", "action": "destroy"},
    {
        "retention_class": "MOM-3Y",
        "retain_years": 3.0,
        "trigger": "project_closed",
        "action": "destroy",
    },
    {
        "retention_class": "DRAFT-1Y",
        "retain_years": 1.0,
        "trigger": "modified",
        "action": "destroy",
    },
    {
        "retention_class": "CONTRACT-PERM",
        "retain_years": 100.0,
        "trigger": "created",
        "action": "permanent",
    },
]
PHASES = ("initiation", "planning", "execution", "closing")
_VENDORS = ("ACME", "GLOBEX", "INITECH", "UMBRELLA", "HOOLI", "STARK")
_EXTERNAL = (
    "j.miller@contoso-bank.com",
    "procurement@fabrikam.com",
    "a.novak@partner-it.eu",
    "guest_auditor@tailspin.com",
)


@dataclass
class _Version:
    major: int
    minor: int
    created: pd.Timestamp
    status: str = "draft"
    modified: pd.Timestamp | None = None
    approved_by: str | None = None
    approved_date: pd.Timestamp | None = None
    label: str = "plain"  # how the version is written
    template: str | None = None
    record_id: str = ""
    file_name: str = ""
    retention_class: str | None = None
    disposed: pd.Timestamp | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Document:
    project_id: str
    doc_type: str
    suffix: str
    ext: str
    owner: str
    versions: list[_Version] = field(default_factory=list)
    path_style: str = "name"
    bad_name: str | None = None


def _version_text(v: _Version) -> str:
    if v.label == "final":
        return "Final"
    if v.label == "final_v":
        return f"final_v{v.major}"
    if v.label == "v":
        return f"v{v.major}" if v.minor == 0 else f"v{v.major}.{v.minor}"
    if v.label == "V":
        return f"V{v.major}.{v.minor}"
    return f"{v.major}.{v.minor}"


def _path(doc: _Document, name: str) -> str:
    if doc.path_style == "url":
        return (
            f"https://northwind.sharepoint.com/sites/{doc.project_id}/Shared%20Documents/"
            f"{name.replace(' ', '%20')}"
        )
    if doc.path_style == "unc":
        return f"\\\\fs01\\projects\\{doc.project_id}\\{name}"
    return name


def _days(rng: np.random.Generator, low: int, high: int) -> pd.Timedelta:
    return pd.Timedelta(days=int(rng.integers(low, high + 1)))


def _required_for(ptype: str, phase: str, rng: np.random.Generator) -> list[str]:
    reached = PHASES[: PHASES.index(phase) + 1]
    out = []
    for ph, doc, types, mandatory in REQUIRED:
        if ph not in reached or (types is not None and ptype not in types):
            continue
        if mandatory or rng.random() < 0.5:
            out.append(doc)
    return list(dict.fromkeys(out))


def _build_documents(
    ctx: DemoContext, rng: np.random.Generator, skip: set[tuple[str, str]]
) -> list[_Document]:
    projects = ctx.tables["projects"]
    staff = ctx.tables["staff"]
    delivery = staff.loc[staff.role.isin(["Engineer", "Consultant"]), "person_id"].tolist()
    as_of = pd.Timestamp(ctx.period_end)
    latest = as_of - pd.Timedelta(days=35)  # every clean document is older than the grace
    docs: list[_Document] = []
    for p in projects.itertuples(index=False):
        start = pd.Timestamp(p.actual_start)
        end = pd.Timestamp(p.actual_finish) if pd.notna(p.actual_finish) else latest
        end = min(end, latest)
        span = max((end - start).days, 60)
        windows = {
            "initiation": (start - pd.Timedelta(days=30), start + pd.Timedelta(days=span * 0.1)),
            "planning": (
                start + pd.Timedelta(days=span * 0.05),
                start + pd.Timedelta(days=span * 0.25),
            ),
            "execution": (
                start + pd.Timedelta(days=span * 0.2),
                end - pd.Timedelta(days=span * 0.1),
            ),
            "closing": (end - pd.Timedelta(days=span * 0.08), end),
        }
        phase_of_doc = {doc: ph for ph, doc, _, _ in REQUIRED}
        for doc_type in _required_for(p.project_type, p.phase, rng):
            if (p.project_id, doc_type) in skip:
                continue
            code, exts, _, _ = DOC_TYPES[doc_type]
            lo, hi = windows[phase_of_doc[doc_type]]
            if doc_type == "minutes_of_meeting":
                count = int(np.clip(span // 14, 3, 40))
                lo, hi = windows["initiation"][0], end
            elif doc_type == "vendor_payment":
                count = int(rng.integers(3, 13))
            elif doc_type == "billing":
                count = int(rng.integers(3, 10))
            else:
                count = 1
            used: set[str] = set()
            for i in range(count):
                first = lo + pd.Timedelta(days=int(rng.integers(0, max(1, (hi - lo).days))))
                first = min(first, latest - pd.Timedelta(days=20))
                if doc_type == "minutes_of_meeting":
                    while first.strftime("%Y-%m-%d") in used:
                        first += pd.Timedelta(days=1)
                    suffix = f"_{first:%Y-%m-%d}"
                    used.add(first.strftime("%Y-%m-%d"))
                elif doc_type == "vendor_payment":
                    suffix = f"_{_VENDORS[int(rng.integers(0, len(_VENDORS)))]}-{i + 1:04d}"
                elif doc_type == "billing":
                    suffix = f"_INV-{first:%Y}{int(p.project_id[-3:]):03d}{i + 1:02d}"
                else:
                    suffix = ""
                owner = p.pm_id
                if doc_type in ("minutes_of_meeting", "design") and rng.random() < 0.4:
                    owner = delivery[int(rng.integers(0, len(delivery)))]
                doc = _Document(
                    p.project_id,
                    doc_type,
                    f"{code}{suffix}",
                    exts[int(rng.integers(0, len(exts)))],
                    owner,
                )
                doc.path_style = str(rng.choice(["name", "name", "name", "url", "unc"]))
                _add_versions(doc, first, rng, latest)
                docs.append(doc)
    return docs


def _add_versions(
    doc: _Document, first: pd.Timestamp, rng: np.random.Generator, latest: pd.Timestamp
) -> None:
    single = doc.doc_type in ("scope_of_work", "communication_plan", "design", "lessons_learned")
    if single:
        plan = [(0, 1), (0, 2), (1, 0)] if rng.random() < 0.5 else [(0, 1), (1, 0)]
        if rng.random() < 0.3:
            plan.append((2, 0))
    elif doc.doc_type in ("minutes_of_meeting", "acceptance_certificate"):
        plan = [(0, 1), (1, 0)] if rng.random() < 0.5 else [(1, 0)]
    else:
        plan = [(1, 0), (2, 0)] if rng.random() < 0.15 else [(1, 0)]
    when = first
    for major, minor in plan:
        v = _Version(major, minor, min(when, latest))
        v.label = str(rng.choice(["plain", "plain", "plain", "v", "V"]))
        doc.versions.append(v)
        when = when + _days(rng, 2, 20)
    last = doc.versions[-1]
    last.status = "final"
    if rng.random() < 0.08:
        last.label = "final_v" if rng.random() < 0.5 else "final"
    for prev, nxt in zip(doc.versions, doc.versions[1:], strict=False):
        prev.status = "superseded"
        prev.modified = nxt.created
    last.modified = last.created


def generate(ctx: DemoContext) -> None:
    """Add ``records``, ``retention_schedule`` and ``access``; plant and record the problems."""
    rng = ctx.rng_for("records")
    projects = ctx.tables["projects"]
    staff = ctx.tables["staff"]
    as_of = pd.Timestamp(ctx.period_end)
    pms = dict(zip(projects.project_id, projects.pm_id, strict=False))
    closed = projects.loc[projects.status == "closed", "project_id"].tolist()
    executing = projects.loc[projects.phase.isin(["execution", "closing"]), "project_id"].tolist()
    implementation = projects.loc[
        projects.project_type.isin(["implementation", "infrastructure"])
        & projects.phase.isin(["execution", "closing"]),
        "project_id",
    ].tolist()

    # -- missing mandatory documents ------------------------------------------------------
    pick = rng.permutation(closed)
    missing = {(str(pid), "acceptance_certificate") for pid in pick[:5]}
    others = [
        pid for pid in rng.permutation(executing) if (pid, "acceptance_certificate") not in missing
    ]
    missing |= {
        (str(others[0]), "communication_plan"),
        (str(others[1]), "communication_plan"),
        (str(others[2]), "scope_of_work"),
    }
    design_pid = next(
        pid for pid in rng.permutation(implementation) if str(pid) not in {o for o, _ in missing}
    )
    missing.add((str(design_pid), "design"))
    docs = _build_documents(ctx, rng, missing)

    # Documents still in review: drafts younger than the approval grace period (clean).
    active = projects.loc[projects.status == "active"]
    for p in active.head(5).itertuples(index=False):
        created = as_of - _days(rng, 5, 20)
        doc = _Document(
            p.project_id, "minutes_of_meeting", f"MOM_{created:%Y-%m-%d}", "docx", p.pm_id
        )
        doc.versions.append(_Version(0, 1, created, status="draft", modified=created))
        docs.append(doc)

    approvers = staff.loc[staff.role.isin(["Director", "PMO Analyst"]), "person_id"].tolist()
    finance = staff.loc[staff.role == "Finance Officer", "person_id"].tolist()
    # clean approvals and templates
    for doc in docs:
        current, effective, previous = TEMPLATES[doc.doc_type]
        for v in doc.versions:
            v.template = current if v.created >= pd.Timestamp(effective) else previous
            if v.status == "final":
                pool = finance if doc.doc_type in ("vendor_payment", "billing") else approvers
                v.approved_by = pool[int(rng.integers(0, len(pool)))]
                v.approved_date = v.created + _days(rng, 0, 10)
                v.modified = v.approved_date

    def numbered(doc: _Document) -> bool:
        return all(v.label not in ("final",) for v in doc.versions)

    mature = [d for d in docs if d.versions[-1].status == "final"]
    order = rng.permutation(len(mature))
    pool = [mature[i] for i in order]
    taken: set[int] = set()

    def take(n: int, cond: Any) -> list[_Document]:
        out: list[_Document] = []
        for d in pool:
            if len(out) == n:
                break
            if id(d) not in taken and cond(d):
                taken.add(id(d))
                out.append(d)
        return out

    # -- version control plants ------------------------------------------------------------
    several = take(6, lambda d: len(d.versions) >= 2 and numbered(d))
    for d in several:
        d.versions[-2].status = "final"
        d.versions[-2].extra["planted"] = "several_final_versions"
    gaps = take(6, lambda d: len(d.versions) >= 2 and numbered(d))
    for d in gaps:
        d.versions[-1].major += 1
        d.versions[-1].extra["planted"] = "version_gap"
    unapproved = take(8, lambda d: True)
    for d in unapproved:
        d.versions[-1].approved_by = None
        d.versions[-1].approved_date = None
    backdated = take(6, lambda d: True)
    for d in backdated:
        d.versions[-1].approved_date = d.versions[-1].created - _days(rng, 2, 20)
    # -- naming and template plants --------------------------------------------------------
    bad_names = take(
        15,
        lambda d: (
            len(d.versions) == 1
            and d.doc_type in ("minutes_of_meeting", "billing", "vendor_payment")
        ),
    )
    for i, d in enumerate(bad_names):
        v = d.versions[0]
        style = i % 5
        if style == 0:
            d.bad_name = f"Minutes {v.created:%d %B %Y}.{d.ext}"
        elif style == 1:
            d.bad_name = f"{d.project_id}_{d.suffix}_final.{d.ext}"
        elif style == 2:
            d.bad_name = f"{d.project_id.replace('-', '')}-{d.suffix}-v1.{d.ext}"
        elif style == 3:
            d.bad_name = f"scan_{int(rng.integers(1000, 9999))}_{i}.pdf"
        else:
            other = projects.project_id[(projects.project_id != d.project_id)].iloc[i % 7]
            d.bad_name = f"{other}_{d.suffix}_v{v.major}.{v.minor}.{d.ext}"
    outdated = take(
        10,
        lambda d: (
            d.doc_type in ("scope_of_work", "minutes_of_meeting", "billing")
            and d.versions[-1].created
            >= pd.Timestamp(TEMPLATES[d.doc_type][1]) + pd.Timedelta(days=30)
        ),
    )
    for d in outdated:
        d.versions[-1].template = TEMPLATES[d.doc_type][2]
        d.versions[-1].extra["planted"] = "outdated_template"

    # -- assign ids, names, retention and disposal ----------------------------------------
    hold_projects = set(rng.permutation(closed)[5:7].tolist())
    records: list[dict[str, Any]] = []
    versions: list[tuple[_Document, _Version]] = []
    counter = 0
    docs.sort(key=lambda d: (d.project_id, d.versions[0].created, d.doc_type, d.suffix))
    for doc in docs:
        for v in doc.versions:
            counter += 1
            v.record_id = f"DOC-{counter:05d}"
            name = doc.bad_name or (f"{doc.project_id}_{doc.suffix}_v{v.major}.{v.minor}.{doc.ext}")
            v.file_name = _path(doc, name)
            final_class = DOC_TYPES[doc.doc_type][3]
            v.retention_class = "DRAFT-1Y" if v.status == "superseded" else final_class
            if v.status == "superseded" and doc.project_id not in hold_projects:
                end = pd.Timestamp(v.modified) + pd.DateOffset(years=1)
                if end <= as_of - pd.Timedelta(days=90):
                    v.disposed = end + _days(rng, 1, 60)
                elif end < as_of - pd.Timedelta(days=2) and rng.random() < 0.5:
                    v.disposed = end + _days(rng, 1, (as_of - end).days)
            versions.append((doc, v))

    def by_cond(n: int, cond: Any, used: set[str]) -> list[_Version]:
        candidates = [v for d, v in versions if v.record_id not in used and cond(d, v)]
        idx = rng.permutation(len(candidates))[:n]
        chosen = [candidates[i] for i in sorted(idx)]
        used |= {v.record_id for v in chosen}
        return chosen

    planted_docs = {id(d) for d in several + gaps + unapproved + backdated + bad_names + outdated}
    used: set[str] = set()

    def neutral(d: _Document, v: _Version) -> bool:
        return id(d) not in planted_docs and d.project_id not in hold_projects

    overdue = by_cond(
        8,
        lambda d, v: (
            neutral(d, v)
            and v.disposed is not None
            and pd.Timestamp(v.modified) + pd.DateOffset(years=1) <= as_of - pd.Timedelta(days=120)
        ),
        used,
    )
    for v in overdue:
        v.disposed = None
    early_final = by_cond(
        4,
        lambda d, v: (
            neutral(d, v)
            and v.status == "final"
            and d.doc_type in ("billing", "vendor_payment", "acceptance_certificate")
            and v.created < as_of - pd.Timedelta(days=200)
        ),
        used,
    )
    for v in early_final:
        v.disposed = v.created + _days(rng, 60, 150)
    early_draft = by_cond(
        2,
        lambda d, v: (
            neutral(d, v)
            and v.status == "superseded"
            and v.disposed is None
            and pd.Timestamp(v.modified) < as_of - pd.Timedelta(days=120)
        ),
        used,
    )
    for v in early_draft:
        v.disposed = pd.Timestamp(v.modified) + _days(rng, 30, 90)
    held = by_cond(
        4,
        lambda d, v: (
            d.project_id in hold_projects
            and v.status == "superseded"
            and id(d) not in planted_docs
            and pd.Timestamp(v.modified) + pd.DateOffset(years=1) <= as_of - pd.Timedelta(days=30)
        ),
        used,
    )
    for v in held:
        v.disposed = pd.Timestamp(v.modified) + pd.DateOffset(years=1) + _days(rng, 1, 20)
    no_class = by_cond(12, lambda d, v: neutral(d, v) and v.disposed is None, used)
    for v in no_class:
        v.retention_class = None

    # -- metadata plants -------------------------------------------------------------------
    meta_missing: dict[str, list[_Version]] = {}
    for fld, n in (("owner_id", 10), ("classification", 8), ("location", 6), ("template_id", 5)):
        meta_missing[fld] = by_cond(
            n, lambda d, v: neutral(d, v) and v.status != "superseded", used
        )

    # -- records table ---------------------------------------------------------------------
    blank = {fld: {v.record_id for v in vs} for fld, vs in meta_missing.items()}
    for doc, v in versions:
        _, _, classification, _ = DOC_TYPES[doc.doc_type]
        status = "disposed" if v.disposed is not None else v.status
        records.append(
            {
                "record_id": v.record_id,
                "project_id": doc.project_id,
                "doc_type": DOC_LABELS[doc.doc_type],
                "file_name": v.file_name,
                "version": _version_text(v),
                "status": status,
                "created": v.created.normalize(),
                "modified": pd.Timestamp(v.modified or v.created).normalize(),
                "owner_id": None if v.record_id in blank["owner_id"] else doc.owner,
                "approved_by": v.approved_by,
                "approved_date": v.approved_date.normalize()
                if v.approved_date is not None
                else None,
                "classification": None
                if v.record_id in blank["classification"]
                else (classification.title() if rng.random() < 0.3 else classification),
                "retention_class": v.retention_class,
                "disposed_date": v.disposed.normalize() if v.disposed is not None else None,
                "legal_hold": doc.project_id in hold_projects,
                "location": None
                if v.record_id in blank["location"]
                else (
                    "DMS/Finance"
                    if doc.doc_type in ("billing", "vendor_payment")
                    else f"SharePoint/Projects/{doc.project_id}"
                ),
                "template_id": None if v.record_id in blank["template_id"] else v.template,
            }
        )
    table = pd.DataFrame(records)
    for col in ("created", "modified", "approved_date", "disposed_date"):
        table[col] = pd.to_datetime(table[col])
    ctx.tables["records"] = table
    ctx.tables["retention_schedule"] = pd.DataFrame(RETENTION_SCHEDULE)

    # -- access ------------------------------------------------------------------------------
    leavers = staff.loc[staff.leave_date.notna()]
    leaver_principals = [leavers.person_id.iloc[0], leavers.name.iloc[1]]
    segments = dict(zip(projects.project_id, projects.segment, strict=False))
    rows: list[dict[str, str]] = []
    conf_ids: list[str] = []
    for rec in table.itertuples(index=False):
        confidential = str(rec.classification).lower() == "confidential"
        rows.append(
            {
                "record_id": rec.record_id,
                "principal": pms[rec.project_id],
                "principal_type": "user",
                "permission": "edit",
            }
        )
        if confidential:
            conf_ids.append(rec.record_id)
            rows.append(
                {
                    "record_id": rec.record_id,
                    "principal": f"PM {segments[rec.project_id]}",
                    "principal_type": "group",
                    "permission": "read",
                }
            )
        else:
            rows.append(
                {
                    "record_id": rec.record_id,
                    "principal": "All Staff",
                    "principal_type": "group",
                    "permission": "read",
                }
            )
            if rec.doc_type == "Minutes of Meeting" and rng.random() < 0.1:
                rows.append(
                    {
                        "record_id": rec.record_id,
                        "principal": _EXTERNAL[int(rng.integers(0, 2))],
                        "principal_type": "external",
                        "permission": "read",
                    }
                )
            if rng.random() < 0.02:  # leavers kept on internal records: not confidential
                rows.append(
                    {
                        "record_id": rec.record_id,
                        "principal": str(leavers.person_id.iloc[0]),
                        "principal_type": "user",
                        "permission": "read",
                    }
                )
    excluded = {v.record_id for vs in meta_missing.values() for v in vs}
    candidates = [r for r in conf_ids if r not in excluded]
    order = rng.permutation(len(candidates))
    shared_ext = [candidates[i] for i in order[:7]]
    shared_leaver = [candidates[i] for i in order[7:13]]
    for i, rid in enumerate(shared_ext):
        kind = ("external", "guest", "link")[i % 3]
        principal = "Anyone with the link" if kind == "link" else _EXTERNAL[i % len(_EXTERNAL)]
        rows.append(
            {"record_id": rid, "principal": principal, "principal_type": kind, "permission": "read"}
        )
    for i, rid in enumerate(shared_leaver):
        rows.append(
            {
                "record_id": rid,
                "principal": str(leaver_principals[i % 2]),
                "principal_type": "user",
                "permission": "edit" if i % 2 else "read",
            }
        )
    ctx.tables["access"] = pd.DataFrame(rows)

    # -- answer key --------------------------------------------------------------------------
    def ids(vs: list[_Version]) -> list[str]:
        return [v.record_id for v in vs]

    ctx.plant(PLAYBOOK, "missing_mandatory_document", [f"{p}/{d}" for p, d in missing])
    ctx.plant(
        PLAYBOOK,
        "several_final_versions",
        [v.record_id for d in several for v in d.versions if v.status == "final"],
    )
    ctx.plant(PLAYBOOK, "version_gap", [d.versions[-1].record_id for d in gaps])
    ctx.plant(
        PLAYBOOK, "unapproved_document", [v.record_id for d in unapproved for v in d.versions]
    )
    ctx.plant(PLAYBOOK, "approval_before_creation", [d.versions[-1].record_id for d in backdated])
    ctx.plant(PLAYBOOK, "naming_violation", [d.versions[0].record_id for d in bad_names])
    ctx.plant(PLAYBOOK, "outdated_template", [d.versions[-1].record_id for d in outdated])
    ctx.plant(
        PLAYBOOK, "metadata_incomplete", [v.record_id for vs in meta_missing.values() for v in vs]
    )
    ctx.plant(PLAYBOOK, "no_retention_class", ids(no_class))
    ctx.plant(PLAYBOOK, "disposal_overdue", ids(overdue))
    ctx.plant(PLAYBOOK, "premature_disposal", ids(early_final + early_draft))
    ctx.plant(PLAYBOOK, "disposed_under_legal_hold", ids(held))
    ctx.plant(PLAYBOOK, "confidential_shared_externally", shared_ext)
    ctx.plant(PLAYBOOK, "confidential_shared_with_leavers", shared_leaver)
    ctx.plant(PLAYBOOK, "unknown_retention_class", [])
