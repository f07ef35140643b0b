"""Every table of the data request (DESIGN.md), declared once.

Required columns first; optional columns unlock more checks. Allowed values are compared
after normalising case and spaces, so "On Hold" and "on_hold" are the same status.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.contracts.schema import TableContract, column, table
from workbench.contracts.vocabulary import Vocabulary

PM = "pm-function-audit"
RM = "record-management-audit"
BI = "bi-assessment"

# Allowed values of the categorical columns, each with the spellings clients use for it
# (compared after lower-casing and turning spaces and punctuation into "_").
PROJECT_STATUS = Vocabulary(
    {
        "planned": (
            "not started, not yet started, pipeline, proposed, pending start, scheduled, to do, "
            "todo, backlog, new, geplant, prévu"
        ),
        "active": (
            "in progress, ongoing, open, wip, work in progress, running, live, started, underway, "
            "in flight, in execution, current, aktiv, en cours"
        ),
        "on_hold": (
            "hold, held, paused, suspended, parked, frozen, on ice, deferred, postponed, pausiert"
        ),
        "closed": (
            "complete, completed, done, finished, delivered, closed out, archived, ended, "
            "abgeschlossen, terminé"
        ),
        "cancelled": (
            "canceled, terminated, abandoned, aborted, stopped, withdrawn, killed, dropped, "
            "storniert, abgebrochen, annulé"
        ),
    }
)
PHASES = Vocabulary(
    {
        "initiation": (
            "initiate, initiating, inception, start up, startup, concept, feasibility, kick off, "
            "kickoff, mobilisation, mobilization, pre project, initialisation, initialization"
        ),
        "planning": (
            "plan, planning phase, definition, elaboration, preparation, detailed planning, planung"
        ),
        "execution": (
            "execute, executing, in execution, delivery, implementation, build, construction, "
            "realisation, realization, development, deployment, rollout, roll out, monitoring and "
            "controlling, monitor and control, durchführung"
        ),
        "closing": (
            "closure, close, close out, closeout, closedown, close down, handover, hand over, "
            "completion, finalisation, finalization, post implementation, lessons learned, "
            "abschluss, clôture"
        ),
    }
)
SEVERITY = Vocabulary(
    {
        "critical": (
            "sev 1, sev1, s1, severity 1, p1, priority 1, 1, 1 critical, blocker, showstopper, "
            "show stopper, urgent, crit, fatal, kritisch"
        ),
        "high": (
            "sev 2, sev2, s2, severity 2, p2, priority 2, 2, 2 high, major, hi, serious, "
            "important, hoch"
        ),
        "medium": (
            "sev 3, sev3, s3, severity 3, p3, priority 3, 3, 3 medium, med, moderate, normal, "
            "average, mid, mittel"
        ),
        "low": (
            "sev 4, sev4, s4, severity 4, p4, priority 4, 4, 4 low, minor, trivial, cosmetic, lo, "
            "lowest, niedrig"
        ),
    }
)
CHANGE_STATUS = Vocabulary(
    {
        "open": "new, raised, logged, draft, created, offen",
        "submitted": (
            "pending, pending approval, awaiting approval, awaiting decision, under review, in "
            "review, for decision, in assessment, assessed, eingereicht"
        ),
        "approved": "accepted, agreed, authorised, authorized, signed off, genehmigt",
        "rejected": "declined, refused, denied, not approved, abgelehnt",
        "withdrawn": "cancelled, canceled, retracted, superseded, zurückgezogen",
        "implemented": "done, delivered, completed, complete, in production",
        "closed": "closed out, resolved, archived, geschlossen",
    }
)
RISK_STATUS = Vocabulary(
    {
        "open": "active, live, new, identified, raised, current, offen",
        "closed": "retired, expired, resolved, no longer relevant, geschlossen",
        "mitigated": "treated, reduced, controlled, mitigation complete",
        "accepted": "tolerated, accept, retained, akzeptiert",
        "occurred": (
            "materialised, materialized, realised, realized, issue, became issue, converted to "
            "issue, happened, eingetreten"
        ),
        "escalated": "escalate, escalated to steering, eskaliert",
    }
)
PRINCIPAL_TYPE = Vocabulary(
    {
        "user": "person, account, member, individual, internal user, employee",
        "group": (
            "security group, team, role, distribution list, sharepoint group, m365 group, ad group"
        ),
        "external": "external user, partner, vendor, third party, supplier",
        "guest": "guest user, visitor",
        "link": "sharing link, anonymous link, anyone link, shared link, public link, url",
    }
)

_tables = [
    table(
        "staff",
        "Staff",
        "Everyone who works on or around projects, with role and team.",
        {
            "person_id": column("id", "Unique id of the person", "P001", unique=True),
            "name": column("text", "Full name", "Amira Costa"),
            "role": column(
                "text", "Job role, e.g. Project Manager, PMO Analyst, Engineer", "Project Manager"
            ),
            "team": column("text", "Team or department", "PM Enterprise"),
            "segment": column("text", "Business segment the person works for", "Enterprise"),
            "grade": column("text", "Grade or band", "G5", required=False),
            "hire_date": column("date", "Date the person joined", "2019-03-01", required=False),
            "leave_date": column(
                "date", "Date the person left (empty if still employed)", "", required=False
            ),
            "manager_id": column("id", "person_id of the line manager", "P057", required=False),
        },
        key=("person_id",),
        used_by=(PM, RM, BI),
    ),
    table(
        "projects",
        "Projects",
        "The project portfolio: one row per project.",
        {
            "project_id": column("id", "Unique project id", "PRJ-001", unique=True),
            "name": column("text", "Project name", "Contoso CRM rollout"),
            "segment": column("text", "Business segment", "Enterprise"),
            "customer": column("text", "Customer name", "Contoso Bank"),
            "pm_id": column("id", "person_id of the project manager", "P001"),
            "project_type": column(
                "text", "Project type, e.g. implementation, consulting", "implementation"
            ),
            "status": column("category", "Status", "active", allowed=PROJECT_STATUS),
            "baseline_start": column("date", "Baseline (approved) start date", "2025-01-06"),
            "baseline_finish": column("date", "Baseline (approved) finish date", "2025-12-19"),
            "budget": column("number", "Approved budget (budget at completion, BAC)", 450000, ge=0),
            "contract_value": column("number", "Contract value with the customer", 560000, ge=0),
            "actual_start": column("date", "Actual start date", "2025-01-13", required=False),
            "actual_finish": column("date", "Actual finish date", "", required=False),
            "forecast_finish": column(
                "date", "Current forecast finish date", "2026-01-30", required=False
            ),
            "phase": column(
                "category", "Current phase", "execution", required=False, allowed=PHASES
            ),
        },
        key=("project_id",),
        used_by=(PM, RM, BI),
    ),
    table(
        "evm_snapshots",
        "Earned value snapshots",
        "Cumulative planned value, earned value and actual cost per project and period.",
        {
            "project_id": column("id", "Project id", "PRJ-001"),
            "period_end": column("date", "Last day of the reporting period", "2025-03-31"),
            "pv": column("number", "Planned value, cumulative", 120000, ge=0),
            "ev": column("number", "Earned value, cumulative", 100000, ge=0),
            "ac": column("number", "Actual cost, cumulative", 130000, ge=0),
        },
        key=("project_id", "period_end"),
        used_by=(PM,),
    ),
    table(
        "timesheets",
        "Timesheets",
        "Hours booked per person, day and activity.",
        {
            "person_id": column("id", "person_id", "P001"),
            "date": column("date", "Day (or week start) the hours were worked", "2025-03-03"),
            "hours": column("number", "Hours worked", 7.5, ge=0, le=168),
            "activity": column(
                "text", "Activity as booked, e.g. status reporting", "status reporting"
            ),
            "project_id": column(
                "id", "Project the hours were booked to", "PRJ-001", required=False
            ),
        },
        used_by=(PM,),
    ),
    table(
        "maturity_responses",
        "Maturity questionnaire answers",
        "One row per respondent and question of the maturity questionnaire.",
        {
            "respondent_id": column("id", "Who answered", "R01"),
            "area": column("text", "Knowledge area or PMO pillar", "Schedule"),
            "question_id": column("id", "Question id from the questionnaire sheet", "SCH-01"),
            "score": column(
                "number",
                "Answer 0-5 (see the anchors in the questionnaire)",
                3,
                ge=0,
                le=5,
                soft=True,
            ),
            "evidence": column(
                "text",
                "Evidence offered (document name or link)",
                "Schedule baseline v3.pdf",
                required=False,
            ),
        },
        used_by=(PM,),
    ),
    table(
        "change_requests",
        "Change requests",
        "The change log of every project.",
        {
            "cr_id": column("id", "Change request id", "CR-0001", unique=True),
            "project_id": column("id", "Project id", "PRJ-001"),
            "raised_date": column("date", "Date raised", "2025-04-02"),
            "status": column(
                "category",
                "Status",
                "approved",
                allowed=CHANGE_STATUS,
            ),
            "decided_date": column("date", "Date decided", "2025-04-16", required=False),
            "cost_impact": column("number", "Cost impact", 12000, required=False),
            "schedule_impact_days": column("number", "Schedule impact in days", 10, required=False),
        },
        key=("cr_id",),
        used_by=(PM,),
    ),
    table(
        "risks",
        "Risk register",
        "The risk registers of every project.",
        {
            "risk_id": column("id", "Risk id", "R-0001", unique=True),
            "project_id": column("id", "Project id", "PRJ-001"),
            "raised_date": column("date", "Date raised", "2025-02-10"),
            "status": column(
                "category",
                "Status",
                "open",
                allowed=RISK_STATUS,
            ),
            "probability": column("number", "Probability (0-1, or 1-5 scale)", 0.4, ge=0),
            "impact": column("number", "Impact (amount, or 1-5 scale)", 3, ge=0),
            "owner_id": column("id", "person_id of the risk owner", "P001", required=False),
            "last_review_date": column("date", "Date last reviewed", "2025-05-01", required=False),
            "escalated": column(
                "bool", "Escalated to the steering committee", "no", required=False
            ),
        },
        key=("risk_id",),
        used_by=(PM,),
    ),
    table(
        "records",
        "Records register",
        "The document register (e.g. a SharePoint export): one row per document version.",
        {
            "record_id": column("id", "Record id", "DOC-00001", unique=True),
            "project_id": column("id", "Project id", "PRJ-001"),
            "doc_type": column(
                "text", "Document type, e.g. acceptance certificate", "acceptance certificate"
            ),
            "file_name": column("text", "File name or path", "PRJ-001_SOW_v1.0.docx"),
            "version": column("text", "Version label, e.g. 1.0, v2, final", "1.0"),
            "status": column("text", "Status, e.g. draft, approved, final", "approved"),
            "created": column("date", "Created on", "2025-02-01"),
            "modified": column("date", "Last modified on", "2025-02-03"),
            "owner_id": column("id", "person_id of the owner", "P001", required=False),
            "approved_by": column("id", "person_id of the approver", "P057", required=False),
            "approved_date": column("date", "Approval date", "2025-02-04", required=False),
            "classification": column(
                "text",
                "Classification, e.g. internal, confidential",
                "confidential",
                required=False,
            ),
            "retention_class": column(
                "text", "Retention class from the schedule", "PRJ-7Y", required=False
            ),
            "disposed_date": column("date", "Date disposed of", "", required=False),
            "legal_hold": column("bool", "Under legal hold", "no", required=False),
            "location": column("text", "Where it is stored", "SharePoint/Projects", required=False),
            "template_id": column(
                "text", "Template the document was made from", "TPL-SOW-v3", required=False
            ),
        },
        key=("record_id",),
        used_by=(RM,),
    ),
    table(
        "retention_schedule",
        "Retention schedule",
        "How long each retention class is kept, from which trigger, and what happens then.",
        {
            "retention_class": column("text", "Retention class", "PRJ-7Y", unique=True),
            "retain_years": column("number", "Years to keep", 7, ge=0),
            "trigger": column(
                "text",
                "Event that starts the clock: created, modified, project_closed",
                "project_closed",
            ),
            "action": column(
                "text", "What happens at the end: destroy, archive, review", "destroy"
            ),
        },
        key=("retention_class",),
        used_by=(RM,),
    ),
    table(
        "access",
        "Access rights",
        "Who can open which record (an export of permissions).",
        {
            "record_id": column("id", "Record id", "DOC-00001"),
            "principal": column("text", "User, group or external address", "P001"),
            "principal_type": column(
                "category",
                "Kind of principal",
                "user",
                allowed=PRINCIPAL_TYPE,
            ),
            "permission": column("text", "Permission, e.g. read, edit, full control", "read"),
        },
        used_by=(RM,),
    ),
    table(
        "milestones",
        "Billing milestones",
        "Contractual milestones and what each bills.",
        {
            "milestone_id": column("id", "Milestone id", "M-0001", unique=True),
            "project_id": column("id", "Project id", "PRJ-001"),
            "name": column("text", "Milestone name", "Design accepted"),
            "planned_date": column("date", "Planned date", "2025-05-30"),
            "billable_amount": column("number", "Amount billable on acceptance", 90000, ge=0),
            "delivered_date": column("date", "Date delivered", "2025-06-06", required=False),
            "accepted_date": column(
                "date", "Date the customer accepted", "2025-06-20", required=False
            ),
        },
        key=("milestone_id",),
        used_by=(BI,),
    ),
    table(
        "invoices",
        "Invoices",
        "Customer invoices.",
        {
            "invoice_id": column("id", "Invoice id", "I-0001", unique=True),
            "invoice_number": column("text", "Invoice number as printed", "INV-100231"),
            "project_id": column("id", "Project id", "PRJ-001"),
            "invoice_date": column("date", "Invoice date", "2025-06-25"),
            "due_date": column("date", "Due date", "2025-07-25"),
            "amount": column("number", "Invoice amount", 90000),
            "milestone_id": column("id", "Milestone the invoice bills", "M-0001", required=False),
        },
        key=("invoice_id",),
        used_by=(BI,),
    ),
    table(
        "payments",
        "Payments received",
        "Customer payments against invoices.",
        {
            "payment_id": column("id", "Payment id", "PAY-0001", unique=True),
            "invoice_id": column("id", "Invoice id paid", "I-0001"),
            "payment_date": column("date", "Date received", "2025-07-21"),
            "amount": column("number", "Amount received", 90000),
        },
        key=("payment_id",),
        used_by=(BI,),
    ),
    table(
        "expenses",
        "Expenses and vendor payments",
        "Project expenses and vendor payments.",
        {
            "expense_id": column("id", "Expense id", "E-000001", unique=True),
            "date": column("date", "Posting date", "2025-03-14"),
            "amount": column("number", "Amount", 1250.40),
            "vendor": column("text", "Vendor name", "Acme Supplies Ltd"),
            "project_id": column("id", "Project id", "PRJ-001", required=False),
            "person_id": column("id", "person_id who incurred it", "P001", required=False),
            "category": column("text", "Expense category", "travel", required=False),
            "invoice_number": column("text", "Vendor invoice number", "AS-55812", required=False),
            "approver_id": column("id", "person_id who approved it", "P057", required=False),
        },
        key=("expense_id",),
        used_by=(BI,),
    ),
    table(
        "defects",
        "Defects",
        "Defects found in delivered work.",
        {
            "defect_id": column("id", "Defect id", "D-0001", unique=True),
            "project_id": column("id", "Project id", "PRJ-001"),
            "found_date": column("date", "Date found", "2025-05-02"),
            "severity": column("category", "Severity", "high", allowed=SEVERITY),
            "closed_date": column("date", "Date closed", "2025-05-09", required=False),
            "person_id": column("id", "person_id responsible", "P021", required=False),
            "phase": column("text", "Phase where it was found", "testing", required=False),
        },
        key=("defect_id",),
        used_by=(BI,),
    ),
    table(
        "trainings",
        "Trainings",
        "Training attended.",
        {
            "person_id": column("id", "person_id", "P001"),
            "course": column("text", "Course attended", "Earned value management"),
            "date": column("date", "Date of the course", "2025-04-10"),
            "hours": column("number", "Hours of training", 8, ge=0, le=500),
        },
        used_by=(BI,),
    ),
    table(
        "decisions",
        "Management decisions",
        "Decisions whose effect the client wants measured.",
        {
            "decision_id": column("id", "Decision id", "DEC-01", unique=True),
            "date": column("date", "Date effective", "2025-07-01"),
            "title": column("text", "What was decided", "Weekly acceptance chasing by PMO"),
            "segment": column(
                "text", "Segment it applies to (empty: all)", "Telecom", required=False
            ),
        },
        key=("decision_id",),
        used_by=(BI,),
    ),
    table(
        "kpi_catalogue",
        "KPI catalogue",
        "The KPIs the organisation says it measures.",
        {
            "kpi": column("text", "KPI name", "Schedule performance index", unique=True),
            "definition": column("text", "How it is computed", "EV / PV", nullable=True),
            "owner": column("text", "Who owns it", "PMO lead", nullable=True),
            "target": column("text", "Target value", ">= 0.95", nullable=True),
            "frequency": column("text", "How often it is measured", "monthly", nullable=True),
        },
        key=("kpi",),
        used_by=(BI,),
    ),
]

#: Every table of the data request, by name.
CONTRACTS: dict[str, TableContract] = {t.name: t for t in _tables}


@dataclass(frozen=True)
class Relation:
    """A cross-table key: every non-empty ``child.column`` exists in ``parent.key``."""

    child: str
    column: str
    parent: str
    key: str


RELATIONS: list[Relation] = [
    Relation("projects", "pm_id", "staff", "person_id"),
    Relation("staff", "manager_id", "staff", "person_id"),
    Relation("evm_snapshots", "project_id", "projects", "project_id"),
    Relation("timesheets", "person_id", "staff", "person_id"),
    Relation("timesheets", "project_id", "projects", "project_id"),
    Relation("change_requests", "project_id", "projects", "project_id"),
    Relation("risks", "project_id", "projects", "project_id"),
    Relation("risks", "owner_id", "staff", "person_id"),
    Relation("records", "project_id", "projects", "project_id"),
    Relation("records", "owner_id", "staff", "person_id"),
    Relation("records", "retention_class", "retention_schedule", "retention_class"),
    Relation("access", "record_id", "records", "record_id"),
    Relation("milestones", "project_id", "projects", "project_id"),
    Relation("invoices", "project_id", "projects", "project_id"),
    Relation("invoices", "milestone_id", "milestones", "milestone_id"),
    Relation("payments", "invoice_id", "invoices", "invoice_id"),
    Relation("expenses", "project_id", "projects", "project_id"),
    Relation("expenses", "person_id", "staff", "person_id"),
    Relation("defects", "project_id", "projects", "project_id"),
    Relation("defects", "person_id", "staff", "person_id"),
    Relation("trainings", "person_id", "staff", "person_id"),
]


def contract(name: str) -> TableContract:
    """The contract of one table; an unknown name is a ``KeyError`` listing the known ones."""
    try:
        return CONTRACTS[name]
    except KeyError:
        raise KeyError(
            f"unknown table {name!r}; the data request has: {', '.join(CONTRACTS)}"
        ) from None
