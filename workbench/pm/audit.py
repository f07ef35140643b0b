"""The PM-function audit in one call: every section computed, findings, metrics, limitations.

:func:`run_pm_audit` computes every section from the engagement's tables, criteria and
:class:`Params` into a :class:`PMAudit`; :func:`workbench.pm.chapter.run` (the playbook's
``run``) turns it into what the chapter shows. Each section runs on whatever subset of the
tables is present; what cannot run is a limitation with its reason, never an exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from workbench.findings import SEVERITY_RANK, Finding, Metric
from workbench.formats import money
from workbench.frames import frame_metrics
from workbench.pm import change_risk, evm, governance, maturity, roles, workload
from workbench.pm._frames import ended_without_date, fmt_ids, period_months, plural
from workbench.report.markup import md_text
from workbench.result import PlaybookParams


@dataclass(frozen=True)
class Params(PlaybookParams):
    """The PM-function audit's parameters (defaults and descriptions in its ``playbook.yaml``)."""

    playbook: ClassVar[str] = "pm-function-audit"

    spi_red: float
    spi_amber: float
    cpi_red: float
    cpi_amber: float
    target_level: int
    pmo_share_threshold: float
    max_weighted_projects: float
    overload_min_months: int
    risk_review_days: int
    risk_escalation_score: float
    risk_probability_scale: float | None
    risk_impact_scale: float | None
    cr_decision_days: int
    cr_growth_threshold: float
    data_weight: float
    governance_compliance_min: float
    fte_hours_per_year: float

    @property
    def thresholds(self) -> evm.RagThresholds:
        """The RAG thresholds."""
        return evm.RagThresholds(self.spi_red, self.spi_amber, self.cpi_red, self.cpi_amber)


_EMPTY = pd.DataFrame


@dataclass
class PMAudit:
    """Everything the PM-function audit computed; the notebook shows it section by section."""

    params: Params
    period_start: pd.Timestamp
    period_end: pd.Timestamp
    currency: str = ""
    # project health
    periods: pd.DataFrame = field(default_factory=_EMPTY)
    latest: pd.DataFrame = field(default_factory=_EMPTY)
    totals: dict[str, float] = field(default_factory=dict)
    trend: pd.DataFrame = field(default_factory=_EMPTY)
    worst: list[str] = field(default_factory=list)
    cadence: pd.DataFrame = field(default_factory=_EMPTY)
    # maturity
    responses: pd.DataFrame = field(default_factory=_EMPTY)
    excluded: pd.DataFrame = field(default_factory=_EMPTY)
    questions: pd.DataFrame = field(default_factory=_EMPTY)
    areas: pd.DataFrame = field(default_factory=_EMPTY)
    gaps: pd.DataFrame = field(default_factory=_EMPTY)
    # workload
    names: dict[str, str] = field(default_factory=dict)
    pm_ids: list[str] = field(default_factory=list)
    shares: pd.DataFrame = field(default_factory=_EMPTY)
    monthly_share: pd.DataFrame = field(default_factory=_EMPTY)
    load: pd.DataFrame = field(default_factory=_EMPTY)
    overload: pd.DataFrame = field(default_factory=_EMPTY)
    absorb: pd.DataFrame = field(default_factory=_EMPTY)
    misplaced: pd.DataFrame = field(default_factory=_EMPTY)
    unclassified: pd.DataFrame = field(default_factory=_EMPTY)
    classification: pd.DataFrame = field(default_factory=_EMPTY)
    pmo_hours_by_pmo_staff: float = 0.0
    guidance: pd.DataFrame = field(default_factory=_EMPTY)
    job_descriptions: dict[str, str] = field(default_factory=dict)
    # change and risk
    change_requests: pd.DataFrame = field(default_factory=_EMPTY)
    cr_stats: pd.DataFrame = field(default_factory=_EMPTY)
    risks: pd.DataFrame = field(default_factory=_EMPTY)
    risk_stats: pd.DataFrame = field(default_factory=_EMPTY)
    # governance
    pillar_rules: pd.DataFrame = field(default_factory=_EMPTY)
    data_rules: pd.DataFrame = field(default_factory=_EMPTY)
    # results
    findings: list[Finding] = field(default_factory=list)
    limitations: list[tuple[str, str]] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)

    def by_check(self, check: str) -> list[Finding]:
        """The findings raised by one check."""
        return [f for f in self.findings if f.check == check]

    def ids(self, check: str) -> list[str]:
        """Every entity id behind one check's findings, sorted."""
        return sorted({i for f in self.by_check(check) for i in f.entities.ids})

    @property
    def months(self) -> int:
        """Months in the engagement period."""
        return len(period_months(self.period_start, self.period_end))

    @property
    def pmo_fte(self) -> float:
        """FTE of PMO-type work done outside the PMO."""
        return float(self.absorb["fte"].sum()) if not self.absorb.empty else 0.0

    def summary_markdown(self) -> str:
        """The executive summary: the three to five things that matter, computed."""
        return executive_summary(self)


def run_pm_audit(
    tables: Mapping[str, pd.DataFrame],
    *,
    questionnaire: pd.DataFrame,
    activity_catalogue: pd.DataFrame,
    size_bands: pd.DataFrame,
    governance_rules: Mapping[str, Any],
    params: Params,
    period_start: Any,
    period_end: Any,
    currency: str = "",
    activity_overrides: Mapping[str, str] | None = None,
) -> PMAudit:
    """Run every section of the PM-function audit on the tables present.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        The engagement's tables (projects, staff, evm_snapshots, timesheets,
        maturity_responses, change_requests, risks); absent ones are limitations.
    questionnaire, activity_catalogue, size_bands : DataFrame
        The playbook's criteria (or the client's versions of them).
    governance_rules : mapping
        The governance-rules criteria (``{"rules": {rule_id: {rule, question_id}}}``).
    params : Params
    period_start, period_end : date-like
        The engagement period; ``period_end`` is the cut-off for ages and currency.
    currency : str
        For amounts in prose.
    activity_overrides : mapping of str to str, optional
        Timesheet activity labels classified by the consultant (label -> category or
        catalogue activity).
    """
    audit = PMAudit(
        params=params,
        period_start=pd.Timestamp(period_start),
        period_end=pd.Timestamp(period_end),
        currency=currency,
    )
    projects = tables.get("projects")
    staff = tables.get("staff")
    if staff is not None and not staff.empty:
        audit.names = dict(
            zip(staff["person_id"].astype(str), staff["name"].astype(str), strict=False)
        )
    if projects is None or projects.empty:
        audit.limitations.append(
            (
                "project_health",
                "The projects table is missing or empty: "
                "project health, workload and change control need it.",
            )
        )
    else:
        _health(audit, tables, projects)
        _workload(
            audit, tables, projects, staff, activity_catalogue, size_bands, activity_overrides
        )
        _change_and_risk(audit, tables, projects, staff)
    _maturity(audit, tables, questionnaire)
    _governance(audit, governance_rules)
    _roles(audit, staff)
    audit.findings = sorted(audit.findings, key=lambda f: (SEVERITY_RANK[f.severity], f.check))
    return audit


def _limit(audit: PMAudit, check: str, reason: str) -> None:
    audit.limitations.append((check, reason))


def _health(audit: PMAudit, tables: Mapping[str, pd.DataFrame], projects: pd.DataFrame) -> None:
    p = audit.params
    snaps = tables.get("evm_snapshots")
    audit.cadence = governance.reporting_cadence(
        snaps, projects, audit.period_start, audit.period_end
    )
    if snaps is None or snaps.empty:
        _limit(
            audit,
            "evm_cost_overrun",
            "No evm_snapshots table: earned value, earned "
            "schedule and RAG status could not be computed.",
        )
        return
    issues = evm.snapshot_issues(snaps, projects)
    for issue, group in issues.groupby("issue"):
        _limit(
            audit,
            "evm_snapshots",
            f"{plural(len(group), 'snapshot row')}: {issue} "
            f"({fmt_ids(sorted(set(group['project_id'].dropna().astype(str))))}).",
        )
    audit.periods = evm.project_periods(
        snaps, projects, audit.period_end, period_start=audit.period_start
    )
    before = evm.ended_before(snaps, projects, audit.period_start)
    if before:
        _limit(
            audit,
            "evm_cost_overrun",
            f"{plural(len(before), 'project')} closed before the engagement period left out "
            f"of project health: {fmt_ids(before)}.",
        )
    audit.latest = evm.latest_status(audit.periods, p.thresholds)
    audit.totals = evm.portfolio_totals(audit.latest)
    audit.trend = evm.portfolio_trend(
        audit.periods[audit.periods["period_end"] >= audit.period_start]
    )
    audit.worst = evm.worst_projects(audit.latest)
    no_data = audit.cadence.loc[~audit.cadence["has_data"], "project_id"].tolist()
    if no_data:
        _limit(
            audit,
            "evm_cost_overrun",
            f"{plural(len(no_data), 'running project')} without "
            f"earned-value data left out of project health: {fmt_ids(no_data)}.",
        )
    no_bac = audit.latest.loc[audit.latest["bac"].isna(), "project_id"].tolist()
    if no_bac:
        _limit(
            audit,
            "evm_cost_overrun",
            f"{plural(len(no_bac), 'project')} without a budget (BAC): "
            f"EAC, VAC and TCPI are blank for {fmt_ids(no_bac)}.",
        )
    audit.findings += evm.cost_overrun_findings(audit.latest, p.thresholds, audit.currency)
    audit.findings += evm.schedule_delay_findings(audit.latest, p.thresholds, audit.currency)
    audit.findings += governance.no_data_findings(audit.cadence)
    audit.findings += governance.reporting_gap_findings(audit.cadence)
    # The indicators of every month, then those only the latest status is reported on.
    monthly = ["pv", "ev", "ac", "cpi", "spi", "spi_t"]
    audit.metrics += frame_metrics(
        audit.periods,
        {c: evm.UNITS[c] for c in monthly},
        entity_type="project",
        entity_col="project_id",
        period_col="month",
        prefix="evm_",
    )
    audit.metrics += frame_metrics(
        audit.latest,
        {c: evm.UNITS[c] for c in evm.INDICATORS if c not in monthly},
        entity_type="project",
        entity_col="project_id",
        period_col="month",
        prefix="evm_",
    )
    audit.metrics += [_portfolio(f"portfolio_{k}", v, _unit(k)) for k, v in audit.totals.items()]
    audit.metrics += frame_metrics(
        audit.trend,
        {"cpi": "ratio", "spi": "ratio", "projects": "count"},
        entity_type="portfolio",
        period_col="month",
        prefix="portfolio_month_",
    )


def _portfolio(metric: str, value: float | None, unit: str) -> Metric:
    """A metric of the whole portfolio (entity ``portfolio`` / ``all``)."""
    return Metric(metric, value, unit, "portfolio", "all")


def _unit(key: str) -> str:
    if key in ("spi", "cpi"):
        return "ratio"
    if key in ("projects", "red", "amber", "green", "eac_fallback_projects"):
        return "count"
    return "currency"


def _maturity(
    audit: PMAudit, tables: Mapping[str, pd.DataFrame], questionnaire: pd.DataFrame
) -> None:
    p = audit.params
    responses = tables.get("maturity_responses")
    if responses is None or responses.empty:
        _limit(
            audit,
            "maturity_below_target",
            "No maturity_responses table: the maturity "
            "assessment and the questionnaire side of governance could not be scored.",
        )
        audit.questions = maturity.question_scores(
            pd.DataFrame(columns=["question_id", "score", "raw_score", "capped"]), questionnaire
        )
        audit.areas = maturity.area_maturity(audit.questions)
        return
    valid, audit.excluded = maturity.validate_responses(responses, questionnaire)
    audit.responses = maturity.apply_evidence_cap(valid)
    audit.questions = maturity.question_scores(audit.responses, questionnaire)
    areas = maturity.area_maturity(audit.questions)
    audit.areas = maturity.blend_with_data(areas, _data_scores(audit), p.data_weight)
    audit.gaps = maturity.gap_list(audit.questions, p.target_level)
    if not audit.excluded.empty:
        _limit(
            audit,
            "maturity_invalid_answers",
            f"{plural(len(audit.excluded), 'answer')} excluded "
            f"from scoring: {fmt_ids(audit.excluded['response_id'])}.",
        )
    for area in maturity.unanswered_areas(audit.areas):
        _limit(
            audit,
            "maturity_below_target",
            f"No answer was scored for {maturity.area_label(area)}: its maturity is not assessed.",
        )
    audit.findings += maturity.below_target_findings(audit.gaps, audit.areas, p.target_level)
    audit.findings += maturity.evidence_cap_finding(audit.responses)
    audit.findings += maturity.invalid_answer_finding(audit.excluded, len(responses))
    audit.metrics += frame_metrics(
        audit.areas,
        {
            "mean": "score",
            "level": "level",
            "blended": "score",
            "data_score": "score",
            "coverage": "ratio",
        },
        entity_type="area",
        entity_col="area",
        prefix="maturity_",
    )
    audit.metrics += frame_metrics(
        audit.questions,
        {"score": "score", "respondents": "count"},
        entity_type="question",
        entity_col="question_id",
        prefix="maturity_question_",
    )
    audit.metrics += [
        _portfolio("maturity_answers_capped", float(audit.responses["capped"].sum()), "count"),
        _portfolio("maturity_answers_excluded", float(len(audit.excluded)), "count"),
    ]


def _data_scores(audit: PMAudit) -> dict[str, float]:
    """0-5 scores from the data for the areas the data measures."""
    p = audit.params
    scores: dict[str, float] = {}
    latest = audit.latest
    if not latest.empty:
        spi = latest["spi_t"].dropna()
        cpi = latest["cpi"].dropna()
        if len(spi):
            scores["schedule"] = 5 * float((spi >= p.spi_amber).mean())
        if len(cpi):
            scores["cost"] = 5 * float((cpi >= p.cpi_amber).mean())
    if not audit.risks.empty and audit.risks["open"].any():
        scores["risk"] = 5 * float(1 - audit.risks.loc[audit.risks["open"], "stale"].mean())
    if not audit.cadence.empty and audit.latest is not None and not audit.latest.empty:
        scores["pmo_monitoring"] = 5 * governance.cadence_compliance(audit.cadence)
    return scores


def _workload(
    audit: PMAudit,
    tables: Mapping[str, pd.DataFrame],
    projects: pd.DataFrame,
    staff: pd.DataFrame | None,
    catalogue: pd.DataFrame,
    bands: pd.DataFrame,
    overrides: Mapping[str, str] | None = None,
) -> None:
    p = audit.params
    audit.pm_ids = workload.project_managers(staff, projects)
    traces = workload.last_activity(tables.get("evm_snapshots"), tables.get("timesheets"))
    audit.load = workload.concurrent_load(
        projects, bands, audit.period_start, audit.period_end, last_activity=traces
    )
    undated = ended_without_date(projects)
    if undated:
        _limit(
            audit,
            "pm_overloaded",
            f"{plural(len(undated), 'project')} closed or cancelled without an actual finish "
            f"date ({fmt_ids(undated)}): counted as load and expected to report only up to "
            "their last snapshot or timesheet entry, and not at all without one.",
        )
    audit.overload = workload.overload_table(
        audit.load, audit.pm_ids, p.max_weighted_projects, p.overload_min_months
    )
    audit.findings += workload.overload_findings(
        audit.overload, p.max_weighted_projects, p.overload_min_months
    )
    audit.metrics += frame_metrics(
        audit.overload,
        {
            "peak_weighted": "weighted projects",
            "mean_weighted": "weighted projects",
            "months_over": "months",
            "current_weighted": "weighted projects",
        },
        entity_type="person",
        entity_col="pm_id",
        prefix="load_",
    )
    audit.metrics += frame_metrics(
        audit.load,
        {"weighted": "weighted projects", "projects": "count"},
        entity_type="person",
        entity_col="pm_id",
        period_col="month",
        prefix="load_month_",
    )
    timesheets = tables.get("timesheets")
    if timesheets is None or timesheets.empty:
        _limit(
            audit,
            "pmo_work_on_pms",
            "No timesheets table: the share of PM time on PMO work could not be measured.",
        )
        return
    classified = workload.classify_hours(
        timesheets, catalogue, audit.period_start, audit.period_end, overrides
    )
    audit.unclassified = workload.unclassified_activities(classified)
    audit.classification = workload.activity_classification(classified)
    _classification_limit(audit, float(classified["hours"].sum()))
    pmo_ids = workload.pmo_staff(staff)
    audit.shares = workload.time_shares(classified, audit.pm_ids)
    missing = audit.shares.loc[~audit.shares["has_timesheets"], "person_id"].tolist()
    if missing:
        _limit(
            audit,
            "pmo_work_on_pms",
            f"{plural(len(missing), 'project manager')} without "
            f"timesheets in the period, not assessed: {fmt_ids(missing)}.",
        )
    audit.monthly_share = workload.monthly_pmo_share(classified, audit.pm_ids)
    audit.pmo_hours_by_pmo_staff = float(
        classified.loc[
            (classified["category"] == "pmo") & classified["person_id"].isin(pmo_ids), "hours"
        ].sum()
    )
    audit.absorb = workload.pmo_absorbable(
        classified, pmo_ids, audit.period_start, audit.period_end, p.fte_hours_per_year
    )
    audit.misplaced = workload.misplaced_activities(
        classified, audit.pm_ids, catalogue, audit.period_start, audit.period_end
    )
    audit.findings += workload.pmo_work_findings(audit.shares, p.pmo_share_threshold)
    measured = audit.shares[audit.shares["has_timesheets"]]
    audit.metrics += frame_metrics(
        measured,
        {
            "pmo_share": "ratio",
            "pm_share": "ratio",
            "delivery_share": "ratio",
            "pmo_hours": "hours",
            "worked_hours": "hours",
            "other_hours": "hours",
            "total_hours": "hours",
        },
        entity_type="person",
        entity_col="person_id",
        prefix="workload_",
    )
    audit.metrics += frame_metrics(
        audit.monthly_share,
        {"pmo_share": "ratio"},
        entity_type="person",
        entity_col="person_id",
        period_col="month",
        prefix="workload_month_",
    )
    audit.metrics += frame_metrics(
        audit.absorb,
        {"hours_per_year": "hours", "fte": "fte"},
        entity_type="person",
        entity_col="person_id",
        prefix="pmo_absorbable_",
    )
    audit.metrics += [
        _portfolio(
            "pmo_absorbable_hours_per_year", float(audit.absorb["hours_per_year"].sum()), "hours"
        ),
        _portfolio("pmo_absorbable_fte", audit.pmo_fte, "fte"),
    ]


#: share of all hours on labels classified with low confidence above which it is stated
UNCERTAIN_SHARE = 0.01


def _classification_limit(audit: PMAudit, total_hours: float) -> None:
    """Unclassified hours, and low-confidence hours above :data:`UNCERTAIN_SHARE` of the
    total, stated as a limitation naming the labels (never dropped in silence)."""
    uncertain = workload.uncertain_activities(audit.classification)
    unclassified = uncertain[uncertain["category"] == "unclassified"]
    weak = uncertain[uncertain["category"] != "unclassified"]
    parts = []
    if not unclassified.empty:
        parts.append(
            f"{unclassified['hours'].sum():,.0f} hours logged on activities the catalogue "
            f"does not classify ({fmt_ids(unclassified['activity'].astype(str))}) count in "
            "total hours but in no category"
        )
    if not weak.empty and weak["hours"].sum() > UNCERTAIN_SHARE * total_hours:
        named = ", ".join(
            f"{r.activity} as {r.category} ({r.method})" for r in weak.head(10).itertuples()
        )
        parts.append(
            f"{weak['hours'].sum():,.0f} hours are classified with low confidence: {named}"
        )
    if parts:
        _limit(
            audit,
            "pmo_work_on_pms",
            "; ".join(parts) + ". Classify them in engagement.yaml (classify: "
            "{activity_catalogue: {label: category}}) or in a client activity catalogue.",
        )


def _change_and_risk(
    audit: PMAudit,
    tables: Mapping[str, pd.DataFrame],
    projects: pd.DataFrame,
    staff: pd.DataFrame | None,
) -> None:
    p = audit.params
    crs = tables.get("change_requests")
    if crs is None or crs.empty:
        _limit(
            audit,
            "cr_decision_overdue",
            "No change_requests table: change control could not be assessed.",
        )
    else:
        audit.change_requests = change_risk.change_request_status(
            crs, audit.period_end, p.cr_decision_days
        )
        audit.cr_stats = change_risk.change_request_stats(
            audit.change_requests, projects, audit.period_end
        )
        undated = audit.change_requests[
            (audit.change_requests["state"] == "decided")
            & audit.change_requests["decision_days"].isna()
        ]
        if len(undated):
            _limit(
                audit,
                "cr_decision_overdue",
                f"{plural(len(undated), 'decided change request')} "
                f"without a decision date: decision time unknown.",
            )
        audit.findings += change_risk.cr_overdue_findings(audit.change_requests, p.cr_decision_days)
        audit.findings += change_risk.scope_growth_findings(
            audit.cr_stats, p.cr_growth_threshold, audit.currency
        )
        audit.metrics += frame_metrics(
            audit.cr_stats[audit.cr_stats["change_requests"] > 0],
            {
                "change_requests": "count",
                "cr_per_month": "per month",
                "median_decision_days": "days",
                "approved_cost": "currency",
                "approved_schedule_days": "days",
                "cost_growth": "ratio",
            },
            entity_type="project",
            entity_col="project_id",
            prefix="cr_",
        )
        cr = audit.change_requests
        audit.metrics += [
            _portfolio("cr_total", float(len(cr)), "count"),
            _portfolio("cr_median_decision_days", _f(cr["decision_days"].median()), "days"),
            _portfolio("cr_late", float(cr["late"].sum()), "count"),
            _portfolio("cr_pending", float((cr["state"] == "pending").sum()), "count"),
            _portfolio(
                "cr_approved_cost", _f(cr.loc[cr["approved"], "cost_impact"].sum()), "currency"
            ),
        ]
    risks = tables.get("risks")
    if risks is None or risks.empty:
        _limit(audit, "risk_review_overdue", "No risks table: risk practice could not be assessed.")
        return
    audit.risks = change_risk.risk_register(
        risks,
        staff,
        audit.period_end,
        p.risk_review_days,
        p.risk_escalation_score,
        probability_scale=p.risk_probability_scale,
        impact_scale=p.risk_impact_scale,
    )
    for problem in change_risk.risk_scale_problems(
        risks, p.risk_probability_scale, p.risk_impact_scale
    ):
        _limit(audit, "risk_not_escalated", problem)
    if "last_review_date" not in risks.columns:
        _limit(
            audit,
            "risk_review_overdue",
            "The risks table has no last_review_date: "
            "currency is measured from the date each risk was raised.",
        )
    if "owner_id" not in risks.columns:
        _limit(
            audit,
            "risk_unowned",
            "The risks table has no owner_id: every open risk counts as unowned.",
        )
    audit.risk_stats = change_risk.risk_stats(audit.risks)
    audit.findings += change_risk.risk_findings(
        audit.risks, p.risk_review_days, p.risk_escalation_score
    )
    audit.metrics += frame_metrics(
        audit.risk_stats,
        dict.fromkeys(
            ["risks", "open", "stale", "unowned", "high", "escalated", "not_escalated"], "count"
        ),
        entity_type="project",
        entity_col="project_id",
        prefix="risk_",
    )
    opened = audit.risks[audit.risks["open"]]
    audit.metrics += [
        _portfolio(f"risk_{k}_total", float(v), "count")
        for k, v in (
            ("open", len(opened)),
            ("stale", opened["stale"].sum()),
            ("unowned", opened["unowned"].sum()),
            ("escalated", opened["escalated"].sum()),
            ("not_escalated", opened["not_escalated"].sum()),
        )
    ]


def _f(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _governance(audit: PMAudit, definitions: Mapping[str, Any]) -> None:
    p = audit.params
    audit.pillar_rules = governance.pillar_rules(audit.questions)
    measures: dict[str, dict[str, Any]] = {}
    if not audit.cadence.empty and (audit.cadence["has_data"].any()):
        c = audit.cadence
        measures["evm_reporting_cadence"] = _measure(
            c["reported_months"].sum(), c["expected_months"].sum(), "project-months"
        )
    if not audit.risks.empty:
        opened = audit.risks[audit.risks["open"]]
        measures["risk_review_cadence"] = _measure(
            len(opened) - opened["stale"].sum(), len(opened), "open risks"
        )
        measures["risk_ownership"] = _measure(
            len(opened) - opened["unowned"].sum(), len(opened), "open risks"
        )
        high = opened[opened["high"]]
        measures["risk_escalation"] = _measure(
            high["escalated"].sum(), len(high), "high-exposure open risks"
        )
    if not audit.change_requests.empty:
        cr = audit.change_requests[audit.change_requests["state"] != "withdrawn"]
        measures["cr_decision_time"] = _measure(
            len(cr) - cr["late"].sum(), len(cr), "change requests"
        )
    if not audit.shares.empty:
        measures["timesheet_coverage"] = _measure(
            audit.shares["has_timesheets"].sum(), len(audit.shares), "project managers"
        )
        outside = float(audit.absorb["pmo_hours"].sum()) if not audit.absorb.empty else 0.0
        measures["pmo_work_by_pmo"] = _measure(
            audit.pmo_hours_by_pmo_staff,
            audit.pmo_hours_by_pmo_staff + outside,
            "hours of PMO work",
        )
    rules = definitions.get("rules", definitions) if isinstance(definitions, Mapping) else {}
    values = p.values()
    audit.data_rules = governance.data_rules(
        rules, measures, audit.questions, 3, p.governance_compliance_min, values
    )
    unknown = [r for r in rules if r not in measures]
    if unknown:
        _limit(
            audit,
            "governance_claim_unsupported",
            f"No data to test the rules "
            f"{fmt_ids(unknown)}; they are shown from the questionnaire only.",
        )
    audit.findings += governance.claim_unsupported_findings(
        audit.data_rules, p.governance_compliance_min
    )
    audit.metrics += frame_metrics(
        audit.data_rules.dropna(subset=["compliance"]),
        {"compliance": "ratio"},
        entity_type="governance_rule",
        entity_col="rule_id",
        prefix="governance_",
    )
    if not audit.cadence.empty:
        audit.metrics += frame_metrics(
            audit.cadence,
            {"expected_months": "months", "missing_months": "months"},
            entity_type="project",
            entity_col="project_id",
            prefix="evm_cadence_",
        )


def _measure(ok: float, population: float, basis: str) -> dict[str, Any]:
    population = float(population)
    return {
        "compliance": float(ok) / population if population else np.nan,
        "population": population,
        "exceptions": population - float(ok),
        "basis": basis,
    }


def _roles(audit: PMAudit, staff: pd.DataFrame | None) -> None:
    p = audit.params
    if audit.shares.empty and audit.overload.empty:
        return
    audit.guidance = roles.staffing_guidance(
        audit.shares,
        audit.overload,
        audit.misplaced,
        staff,
        pmo_share_threshold=p.pmo_share_threshold,
        max_weighted=p.max_weighted_projects,
        months=audit.months,
    )
    audit.job_descriptions = roles.job_descriptions(
        audit.misplaced,
        audit.gaps,
        pmo_share_threshold=p.pmo_share_threshold,
        max_weighted=p.max_weighted_projects,
        fte_hours_per_year=p.fte_hours_per_year,
        pmo_fte=audit.pmo_fte,
    )


def _sentence(parts: list[str]) -> str:
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "."


def executive_summary(audit: PMAudit) -> str:
    """Three to five messages, most severe first, each with its numbers."""
    p = audit.params
    items: list[tuple[int, str]] = []

    def rank(*checks: str) -> int:
        found = [SEVERITY_RANK[f.severity] for c in checks for f in audit.by_check(c)]
        return min(found) if found else len(SEVERITY_RANK)

    buried = audit.ids("pmo_work_on_pms")
    overloaded = audit.ids("pm_overloaded")
    if buried or overloaded:
        parts = []
        if buried:
            shares = audit.shares.set_index("person_id")["pmo_share"]
            who = ", ".join(
                f"{md_text(i)} {md_text(audit.names.get(i, ''))} ({shares[i]:.0%})".replace(
                    "  ", " "
                )
                for i in buried
            )
            measured = int(audit.shares["has_timesheets"].sum())
            parts.append(
                f"{len(buried)} of {measured} project managers spend more than "
                f"{p.pmo_share_threshold:.0%} of their time on PMO work: {who}."
            )
        if audit.pmo_fte > 0:
            parts.append(
                f"PMO-type work done outside the PMO adds up to "
                f"{audit.absorb['hours_per_year'].sum():,.0f} hours a year, about "
                f"{audit.pmo_fte:.1f} FTE that a PMO would absorb."
            )
        if overloaded:
            peak = audit.overload.set_index("pm_id")["peak_weighted"]
            parts.append(
                "Overloaded: "
                + ", ".join(
                    f"{md_text(i)} (up to {peak[i]:.1f} size-weighted projects at once)"
                    for i in overloaded
                )
                + "."
            )
        items.append(
            (
                rank("pmo_work_on_pms", "pm_overloaded"),
                "**Project managers are doing the PMO's work.** " + " ".join(parts),
            )
        )
    over = audit.ids("evm_cost_overrun")
    late = audit.ids("evm_schedule_delay")
    if over or late or audit.totals:
        t = audit.totals
        parts = []
        if over:
            vac = float(audit.latest.loc[audit.latest["project_id"].isin(over), "vac"].sum())
            parts.append(
                f"{len(over)} overrun their budget (CPI < {p.cpi_red:g}: "
                f"{md_text(fmt_ids(over))}), heading for {money(-vac, audit.currency)} "
                f"over budget"
            )
        if late:
            parts.append(f"{len(late)} are late (SPI(t) < {p.spi_red:g}: {md_text(fmt_ids(late))})")
        head = (
            f"**{int(t.get('red', 0))} of {int(t.get('projects', 0))} projects are red.** "
            if t
            else "**Project health.** "
        )
        text = head + ("; ".join(parts) + ". " if parts else "")
        if t:
            text += (
                f"Portfolio CPI {t['cpi']:.2f}, SPI {t['spi']:.2f} on a budget of "
                f"{money(t['bac'], audit.currency)}."
            )
        items.append((rank("evm_cost_overrun", "evm_schedule_delay"), text))
    if not audit.areas.empty and audit.areas["answered"].sum() > 0:
        assessed = audit.areas[audit.areas["answered"] > 0]
        below = assessed[assessed["level"] < p.target_level]
        weakest = assessed.sort_values(["level", "mean"]).head(3)
        text = (
            f"**Maturity is below the target level {p.target_level} in {len(below)} of "
            f"{len(assessed)} assessed areas.** Weakest: "
            + ", ".join(
                f"{md_text(r.label)} (level {int(r.level)}, mean {r.mean:.1f})"
                for r in weakest.itertuples()
            )
            + f". {len(audit.gaps)} practices are not "
            "applied at the target level (ranked in the gap list)."
        )
        capped = int(audit.responses["capped"].sum()) if not audit.responses.empty else 0
        if capped:
            text += f" {capped} self-assessed scores had no evidence and were capped at 2."
        items.append((rank("maturity_below_target", "maturity_evidence_cap"), text))
    gov_checks = ("governance_claim_unsupported", "evm_no_data", "evm_reporting_gaps")
    if any(audit.by_check(c) for c in gov_checks):
        parts = []
        claims = audit.data_rules[
            audit.data_rules["verdict"] == "claimed, not supported by the data"
        ]
        if len(claims):
            parts.append(
                "claimed as standard but not followed: "
                + "; ".join(f"{md_text(r.rule)} ({r.compliance:.0%})" for r in claims.itertuples())
            )
        nodata = audit.ids("evm_no_data")
        if nodata:
            parts.append(
                f"{len(nodata)} running projects report no earned value "
                f"({md_text(fmt_ids(nodata))})"
            )
        gaps = audit.ids("evm_reporting_gaps")
        if gaps:
            parts.append(f"{len(gaps)} skipped monthly reporting")
        items.append((rank(*gov_checks), "**PMO governance is not enforced.** " + _sentence(parts)))
    rc_checks = (
        "risk_review_overdue",
        "risk_unowned",
        "risk_not_escalated",
        "cr_decision_overdue",
        "cr_scope_growth",
    )
    if any(audit.by_check(c) for c in rc_checks):
        parts = []
        for check, text in (
            (
                "risk_review_overdue",
                f"open risks not reviewed for more than {p.risk_review_days} days",
            ),
            ("risk_unowned", "open risks without a current owner"),
            ("risk_not_escalated", "high-exposure risks never escalated"),
            (
                "cr_decision_overdue",
                f"change requests not decided within {p.cr_decision_days} days",
            ),
            (
                "cr_scope_growth",
                f"projects grown by more than {p.cr_growth_threshold:.0%} through approved changes",
            ),
        ):
            n = len(audit.ids(check))
            if n:
                parts.append(f"{n} {text}")
        items.append(
            (
                rank(*rc_checks),
                "**Risk and change control are not kept current.** " + _sentence(parts),
            )
        )
    if not items:
        return "No exception was found in the data provided; see the limitations below."
    items.sort(key=lambda x: x[0])
    return "\n".join(f"{i}. {text}" for i, (_, text) in enumerate(items[:5], start=1))
