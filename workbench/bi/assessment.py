"""One run of the BI assessment: every check on whatever tables the client gave.

:func:`run` is the playbook's ``run`` (the contract of :mod:`workbench.result`): it calls
:func:`run_assessment` and :func:`run_expense_analytics`, which fill an :class:`Assessment`,
and gathers what the chapter shows into a :class:`~workbench.result.Result`. Checks whose
tables are missing are listed in ``limitations`` with the reason, never silently skipped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pandas as pd

from workbench.bi import (
    catalogue,
    dashboard,
    kpis,
    people,
    periods,
    quality,
    revenue,
    segments,
    summary,
)
from workbench.bi import expenses as expense_checks
from workbench.findings import CheckResult, Finding, Metric, metrics_from_frame
from workbench.formats import money
from workbench.report.markup import md_text
from workbench.result import Chart, Criteria, Period, PlaybookParams, Result


@dataclass(frozen=True)
class Params(PlaybookParams):
    """The BI assessment's parameters (defaults and descriptions in its ``playbook.yaml``)."""

    playbook: ClassVar[str] = "bi-assessment"

    as_of: dt.date | None
    materiality: float
    alpha: float
    acceptance_days: int
    invoicing_days: int
    unpaid_days: int
    aging_basis: str
    billing_tolerance: float
    on_time_grace_days: int
    decision_window_days: int
    defect_rate_ratio: float
    min_observations: int
    benford_min_amount: float
    approval_limit: float
    holiday_country: str
    round_amount_unit: float
    near_amount_tolerance: float
    near_days_window: int
    repeat_days_window: int
    fuzzy_vendor_score: float
    outlier_threshold: float
    sampling_risk: float
    tolerable_deviation_rate: float
    tolerable_misstatement_share: float
    sample_seed: int


@dataclass
class Assessment:
    """Everything the chapter shows; attributes are None when their tables were missing."""

    as_of: pd.Timestamp
    findings: list[Finding] = field(default_factory=list)
    limitations: list[tuple[str, str]] = field(default_factory=list)
    ledger: pd.DataFrame | None = None
    events: pd.DataFrame | None = None
    checks: dict[str, CheckResult] = field(default_factory=dict)
    aging: pd.DataFrame | None = None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, name: str, result: CheckResult) -> CheckResult:
        """Keep a check's result and collect its findings."""
        self.checks[name] = result
        self.findings.extend(result.findings)
        return result

    def limit(self, check: str, reason: str) -> None:
        """Note a check that could not run."""
        self.limitations.append((check, reason))

    def at_stake(self, part: str = "total") -> float:
        """Revenue at stake over the revenue checks, each milestone counted once.

        ``part`` is ``total``, ``leakage`` (earned, not or under-billed) or ``exposure``
        (awaiting acceptance, unpaid).
        """
        table = self.tables.get("leakage_by_segment")
        return float(table[part].sum()) if table is not None and not table.empty else 0.0

    def facts(self, currency: str) -> list[str]:
        """Headline sentences for the executive summary, computed from the results."""
        out = []
        if self.ledger is not None:
            delivered = self.ledger["delivered_date"].notna().sum()
            billable = self.ledger["billable_amount"].sum()
            out.append(
                f"As of {self.as_of:%d %B %Y}, {len(self.ledger)} billable milestones "
                f"worth {money(billable, currency)} were reviewed, {delivered} of them "
                "delivered."
            )
        if "leakage_by_segment" in self.tables and self.at_stake() > 0:
            top = self.tables["leakage_by_segment"].iloc[0]
            out.append(
                f"Revenue at stake: **{money(self.at_stake(), currency)}**, each milestone "
                f"counted once at its furthest stage: {money(self.at_stake('leakage'), currency)} "
                "leakage (accepted and not invoiced, or invoiced below billable) and "
                f"{money(self.at_stake('exposure'), currency)} delay and credit exposure "
                f"(not accepted, unpaid); {top['share']:.0%} of it in {md_text(top['segment'])}."
            )
        if "pain_points" in self.tables and not self.tables["pain_points"].empty:
            top = self.tables["pain_points"].iloc[0]
            out.append(
                f"{md_text(top['segment'])} ranks first on pain points for its size (on "
                f"average {top['score']:.1f} times the client's rate of delay, leakage, overrun "
                "and defects per unit of exposure)."
            )
        return out

    def metrics(self) -> list[Metric]:
        """Every number the chapter shows, as metric rows."""
        rows: list[Metric] = []
        spec = {
            "dashboard_quarter": ("segment", "segment", "period"),
            "dashboard_month": ("segment", "segment", "period"),
            "leakage_by_segment": ("segment", "segment", None),
            "leakage_by_project": ("project", "project_id", None),
            "aging_by_segment": ("segment", "segment", None),
            "pain_points": ("segment", "segment", None),
            "pm_performance": ("person", "person_id", None),
            "defects_by_segment": ("segment", "segment", None),
        }
        for name, (etype, ecol, pcol) in spec.items():
            table = self.tables.get(name)
            if table is None or table.empty:
                continue
            cols = [
                c
                for c in table.columns
                if c not in (ecol, pcol)
                and pd.api.types.is_numeric_dtype(table[c])
                and not pd.api.types.is_bool_dtype(table[c])
            ]
            prefix = "" if name.startswith("dashboard") else f"{name}."
            rows += metrics_from_frame(
                table, cols, entity_type=etype, entity_col=ecol, period_col=pcol, prefix=prefix
            )
        cycle = self.tables.get("cycle_times")
        if cycle is not None:
            for _, r in cycle.iterrows():
                rows.append(
                    Metric(
                        f"cycle_median_days.{r['stage']}",
                        r["median_days"],
                        "days",
                        "segment",
                        str(r["segment"]),
                    )
                )
        for name in ("qoq", "mom", "decision_effects"):
            table = self.tables.get(name)
            if table is None or table.empty or "relative_change" not in table.columns:
                continue
            measures = [("relative_change", "share"), ("p_value", "")]
            if "p_adjusted" in table.columns:
                measures.append(("p_adjusted", ""))
            for _, r in table.iterrows():
                entity = r.get("decision_id", r.get("segment", "")) or ""
                for column, unit in measures:
                    rows.append(
                        Metric(
                            f"{name}.{r['kpi']}.{column}",
                            r.get(column),
                            unit,
                            "decision" if name == "decision_effects" else "",
                            str(entity),
                            str(r.get("period", "")),
                        )
                    )
        for key, table_name in (("benford_expenses", "expenses"), ("benford_invoices", "invoices")):
            if key in self.extra:
                rows += expense_checks.benford_metrics(self.extra[key], table_name)
        rows.append(Metric("revenue_at_stake", self.at_stake(), "currency"))
        rows.append(Metric("revenue_leakage", self.at_stake("leakage"), "currency"))
        rows.append(Metric("revenue_exposure", self.at_stake("exposure"), "currency"))
        return rows


def _present(tables: Mapping[str, pd.DataFrame], *names: str) -> bool:
    return all(n in tables and tables[n] is not None for n in names)


def _stake_by_project(a: Assessment) -> pd.Series | None:
    """Revenue at stake per project from the leakage checks (None when nothing leaked)."""
    leakage = a.tables.get("leakage_by_project")
    if leakage is None or leakage.empty:
        return None
    return leakage.set_index("project_id")["total"]


def run_assessment(
    tables: Mapping[str, pd.DataFrame],
    params: Params,
    *,
    period: Period,
    criteria: Criteria,
) -> Assessment:
    """Run every BI check the tables allow, with the playbook's parameters.

    Parameters
    ----------
    tables : mapping
        The engagement's input tables.
    params : Params
    period : Period
        The engagement period; ``params.as_of`` defaults to its end.
    criteria : mapping
        ``decision-kpis`` and ``computable-kpis`` criteria tables.

    Returns
    -------
    Assessment
    """
    as_of = period.as_of(params.as_of)
    a = Assessment(as_of=as_of)
    p = params
    projects = tables.get("projects")
    alpha, materiality = p.alpha, p.materiality

    # Revenue assurance -------------------------------------------------------------------------
    if _present(tables, "milestones"):
        a.ledger = revenue.milestone_ledger(
            tables["milestones"],
            tables.get("invoices"),
            tables.get("payments"),
            projects,
            as_of=as_of,
        )
        leak: dict[str, pd.DataFrame] = {}
        r = a.add(
            "delivered_not_accepted",
            revenue.delivered_not_accepted(a.ledger, as_of=as_of, max_days=p.acceptance_days),
        )
        leak["delivered, not accepted"] = r.table
        if revenue.can_link_invoices(tables.get("invoices")):
            r = a.add(
                "accepted_not_invoiced",
                revenue.accepted_not_invoiced(a.ledger, as_of=as_of, max_days=p.invoicing_days),
            )
            leak["accepted, not invoiced"] = r.table
            r = a.add(
                "invoiced_below_billable",
                revenue.invoiced_below_billable(a.ledger, tolerance=p.billing_tolerance),
            )
            leak["invoiced below billable"] = r.table
        else:
            a.limit(
                "accepted_not_invoiced, invoiced_below_billable",
                "the invoices do not name the milestone they bill (milestone_id); money "
                "awaiting acceptance may also sit in the unpaid invoices",
            )
        if _present(tables, "invoices"):
            a.aging = revenue.invoice_aging(
                tables["invoices"],
                tables.get("payments"),
                projects,
                as_of=as_of,
                basis=p.aging_basis,
            )
            r = a.add(
                "long_unpaid_invoices",
                revenue.long_unpaid_invoices(a.aging, min_days=p.unpaid_days),
            )
            leak[f"unpaid > {p.unpaid_days} days"] = r.table
            a.tables["aging_by_segment"] = revenue.aging_summary(a.aging, "segment")
        a.tables["leakage_by_segment"] = revenue.leakage_by(leak, "segment")
        a.tables["leakage_by_project"] = revenue.leakage_by(leak, "project_id")
        a.tables["cycle_times"] = revenue.cycle_times(a.ledger, "segment")
        a.extra["leak"] = leak
    else:
        a.limit("revenue assurance", "no milestones table")

    # KPI events, dashboard, period comparison, decisions ---------------------------------------
    a.events = kpis.kpi_events(
        ledger=a.ledger,
        invoices=tables.get("invoices"),
        payments=tables.get("payments"),
        expenses=tables.get("expenses"),
        defects=tables.get("defects"),
        projects=projects,
        as_of=as_of,
        grace_days=p.on_time_grace_days,
    )
    if not a.events.empty:
        for freq, name in (("Q", "dashboard_quarter"), ("M", "dashboard_month")):
            board = dashboard.dashboard_table(
                a.events, a.ledger, freq=freq, start=period.start, end=as_of
            )
            if not board.empty:  # empty when the as-of date falls before the period
                a.tables[name] = board
        a.tables["qoq"] = periods.compare_periods(
            a.events, freq="Q", alpha=alpha, materiality=materiality, last=1, as_of=as_of
        )
        a.tables["qoq_by_segment"] = periods.compare_periods(
            a.events,
            freq="Q",
            alpha=alpha,
            materiality=materiality,
            by="segment",
            last=1,
            as_of=as_of,
        )
        a.tables["mom"] = periods.compare_periods(
            a.events, freq="M", alpha=alpha, materiality=materiality, last=1, as_of=as_of
        )
        a.tables["qoq_history"] = periods.compare_periods(
            a.events, freq="Q", alpha=alpha, materiality=materiality, as_of=as_of
        )
    if _present(tables, "decisions") and a.events is not None:
        effects = periods.decision_effects(
            tables["decisions"],
            a.events,
            criteria["decision-kpis"],
            as_of=as_of,
            window_days=p.decision_window_days,
            alpha=alpha,
            materiality=materiality,
        )
        a.tables["decision_effects"] = effects
        a.add("decisions", periods.decision_findings(effects))
    else:
        a.limit("decision effects", "no decisions table")

    # Quality -----------------------------------------------------------------------------------
    if _present(tables, "defects"):
        units = quality.exposure(a.ledger, projects)
        a.tables["defects_by_segment"] = quality.defect_summary(
            tables["defects"], projects, as_of=as_of, units=units
        )
        a.add(
            "defect_hotspot",
            quality.defect_hotspots(
                a.tables["defects_by_segment"], alpha=alpha, min_ratio=p.defect_rate_ratio
            ),
        )
        a.tables["defects_by_project"] = quality.defect_summary(
            tables["defects"],
            projects,
            as_of=as_of,
            by="project_id",
            units=quality.exposure(a.ledger, projects, "project_id"),
        )
        a.tables["severity_mix"] = quality.severity_mix(tables["defects"], projects, as_of=as_of)
        a.tables["person_quality"] = people.person_quality(
            tables["defects"],
            tables.get("staff"),
            as_of=as_of,
            period_start=period.start,
            alpha=alpha,
        )
    else:
        a.limit("quality of work", "no defects table")

    # Pain points -------------------------------------------------------------------------------
    if projects is not None:
        overrun = segments.project_overrun(projects, tables.get("evm_snapshots"), as_of=as_of)
        stake = _stake_by_project(a)
        for name, by in (("pain_points", "segment"), ("pain_points_projects", "project_id")):
            a.tables[name] = segments.pain_points(
                projects=projects,
                ledger=a.ledger,
                at_stake=stake,
                overrun=overrun,
                defects=tables.get("defects"),
                by=by,
            )
        a.add("segment_pain_points", segments.pain_point_findings(a.tables["pain_points"]))
        if not _present(tables, "evm_snapshots"):
            a.limit("cost overrun", "no evm_snapshots table: overrun is schedule-only")

    # People ------------------------------------------------------------------------------------
    if a.ledger is not None:
        perf = people.pm_performance(
            a.ledger,
            tables.get("staff"),
            defects=tables.get("defects"),
            at_stake=_stake_by_project(a),
            as_of=as_of,
            grace_days=p.on_time_grace_days,
            alpha=alpha,
        )
        a.tables["pm_performance"] = perf
        a.add(
            "delivery_below_peers",
            people.delivery_below_peers(perf, min_n=p.min_observations, alpha=alpha),
        )
        a.tables["key_players"] = people.key_players(perf, min_n=p.min_observations)
        training = None
        if _present(tables, "trainings"):
            training, corr = people.training_vs_results(
                tables["trainings"], perf, a.tables.get("person_quality")
            )
            a.tables["training"] = training
            a.tables["training_correlation"] = corr
        else:
            a.limit("training against results", "no trainings table")
        a.tables["role_candidates"] = people.role_candidates(
            perf,
            a.tables.get("person_quality"),
            training,
            alpha=alpha,
            min_n=p.min_observations,
        )

    # KPI catalogue -----------------------------------------------------------------------------
    if _present(tables, "kpi_catalogue"):
        a.add(
            "kpi_catalogue",
            catalogue.catalogue_check(
                tables["kpi_catalogue"], criteria["computable-kpis"], tables.keys()
            ),
        )
    else:
        a.limit("KPI catalogue", "no kpi_catalogue table")
    return a


def run_expense_analytics(
    a: Assessment, tables: Mapping[str, pd.DataFrame], params: Params
) -> None:
    """Expense and invoice analytics through the toolkit; results go into ``a.extra``.

    Benford findings are recorded for the tests with a MAD verdict (first, second and
    first-two digits); the last-two digits table is shown for inspection only, because
    amounts concentrated in three digits are not uniform in their last two digits.
    """
    missing = expense_checks.missing_modules()
    for module in missing:
        a.limit(
            f"expense analytics: {module}",
            f"the toolkit module workbench.analytics.{module} is not available",
        )
    p = params
    exp = tables.get("expenses")
    if "gaps" not in missing and _present(tables, "invoices"):
        a.add("invoice_gaps", expense_checks.invoice_gaps(tables["invoices"]))
    if exp is None:
        a.limit("expense analytics", "no expenses table")
        return
    if "benford" not in missing:
        floor = p.benford_min_amount
        run = expense_checks.benford(
            exp, id_col="expense_id", entity_type="expense", min_amount=floor
        )
        a.extra["benford_expenses"] = run
        a.findings.extend(f for f in run.findings if "last_two" not in f.check)
        if _present(tables, "invoices"):
            a.extra["benford_invoices"] = expense_checks.benford(
                tables["invoices"], id_col="invoice_id", entity_type="invoice", min_amount=floor
            )
    if "duplicates" not in missing:
        dup = expense_checks.duplicates(
            exp,
            near_amount_tolerance=p.near_amount_tolerance,
            near_days_window=p.near_days_window,
            fuzzy_score=p.fuzzy_vendor_score,
            repeat_days_window=p.repeat_days_window,
        )
        a.extra["duplicates"] = dup
        a.findings.extend(dup.findings)
        a.add(
            "fuzzy_vendor_names",
            expense_checks.vendor_names(exp, fuzzy_score=p.fuzzy_vendor_score),
        )
    if "ledger" not in missing:
        for name, result in expense_checks.ledger_tests(
            exp,
            approval_limit=p.approval_limit,
            holiday_country=p.holiday_country,
            round_amount_unit=p.round_amount_unit,
        ).items():
            a.add(name, result)
    if "outliers" not in missing:
        a.add(
            "outliers",
            expense_checks.amount_outliers(exp, by="category", threshold=p.outlier_threshold),
        )
    if "sampling" not in missing:
        a.extra["samples"] = expense_checks.samples(
            exp,
            risk=p.sampling_risk,
            tolerable_rate=p.tolerable_deviation_rate,
            tolerable_misstatement_share=p.tolerable_misstatement_share,
            seed=p.sample_seed,
        )


#: Exception tables of the revenue-assurance checks, in the order the chapter shows them.
REVENUE_EXCEPTIONS = (
    "delivered_not_accepted",
    "accepted_not_invoiced",
    "invoiced_below_billable",
    "long_unpaid_invoices",
    "invoice_gaps",
)


def run(
    tables: Mapping[str, pd.DataFrame],
    criteria: Criteria,
    params: Params,
    period: Period,
    *,
    currency: str = "",
) -> Result:
    """The BI assessment: the playbook's ``run`` (see :mod:`workbench.result`).

    Parameters
    ----------
    tables : mapping
        ``projects``, ``staff``, ``milestones``, ``invoices``, ``payments``, ``expenses``,
        ``defects``, ``trainings``, ``decisions``, ``kpi_catalogue``, ``evm_snapshots``;
        each section runs on those present, the rest are limitations.
    criteria : mapping
        ``decision-kpis`` and ``computable-kpis``.
    params : Params
    period : Period
        The engagement period; its end is the as-of date unless ``params.as_of`` is set.
    currency : str
        For amounts in the executive summary.

    Returns
    -------
    Result
        The tables and charts each section shows (see :func:`chapter_tables`), text
        ``summary`` (computed when read, so that it cites the recorded finding ids); the
        :class:`Assessment` as ``analysis``.
    """
    a = run_assessment(tables, params, period=period, criteria=criteria)
    run_expense_analytics(a, tables, params)
    result = Result(
        findings=list(a.findings),
        metrics=a.metrics(),
        tables=chapter_tables(a),
        charts=_charts(a),
        limitations=list(a.limitations),
        analysis=a,
    )
    facts = a.facts(currency)
    result.text["summary"] = lambda: summary.executive_summary(
        result.findings, currency=currency, facts=facts
    )
    for key, label in (("benford_expenses", "expenses"), ("benford_invoices", "invoices")):
        if key in a.extra:
            result.text[f"{key}_rule"] = (
                f"**Benford tests on {label}**, population: {a.extra[key].rule()}."
            )
    return result


def chapter_tables(a: Assessment) -> dict[str, pd.DataFrame]:
    """The tables the chapter shows, by name; only those the data gave.

    Names: the analysis tables of :attr:`Assessment.tables` the chapter shows as they are;
    ``dashboard_quarter_all`` and ``dashboard_month_last12`` (the whole client);
    ``exceptions.<check>`` for :data:`REVENUE_EXCEPTIONS` with rows; ``pain_points``
    (per segment, with the finding's reading), ``pain_points_top`` and ``delay_pareto``;
    ``decision_verdicts``; ``benford_expenses``, ``benford_invoices`` (each with its
    ``_summation`` spikes and ``_duplication``), ``benford_drill_down``;
    ``duplicates``, ``vendor_spellings``; ``samples``, ``mus_sample``; ``kpi_catalogue`` and
    ``kpi_definitions``.
    """
    out: dict[str, pd.DataFrame] = {}
    for name in (
        "leakage_by_segment",
        "leakage_by_project",
        "aging_by_segment",
        "cycle_times",
        "pm_performance",
        "key_players",
        "role_candidates",
        "training_correlation",
        "person_quality",
        "defects_by_segment",
        "severity_mix",
        "defects_by_project",
    ):
        if name in a.tables:
            out[name] = a.tables[name]
    for name in ("qoq", "mom", "decision_effects"):
        if name in a.tables and not a.tables[name].empty:
            out[name] = a.tables[name]
    if "dashboard_quarter" in a.tables:
        q = a.tables["dashboard_quarter"]
        # The whole client: the segment column would only repeat "All".
        out["dashboard_quarter_all"] = q[q["segment"] == "All"].drop(columns="segment")
    if "dashboard_month" in a.tables:
        m = a.tables["dashboard_month"]
        out["dashboard_month_last12"] = m[m["segment"] == "All"].tail(12).drop(columns="segment")
    for name in REVENUE_EXCEPTIONS:
        if name in a.checks and not a.checks[name].table.empty:
            out[f"exceptions.{name}"] = a.checks[name].table
    if "pain_points" in a.tables:
        out["pain_points"] = segments.pain_view(a.checks["segment_pain_points"].table)
        projects = a.tables["pain_points_projects"]
        out["pain_points_top"] = segments.pain_view(projects.head(10), by="project_id")
        if "delay_days" in projects.columns:
            out["delay_pareto"] = segments.pareto(projects, "delay_days")
    if "decisions" in a.checks:
        out["decision_verdicts"] = a.checks["decisions"].table
    for key in ("benford_expenses", "benford_invoices"):
        if key in a.extra:
            out[key] = a.extra[key].view()
            out[f"{key}_summation"] = a.extra[key].summation_spikes()
            out[f"{key}_duplication"] = a.extra[key].duplication
    if "benford_expenses" in a.extra and not a.extra["benford_expenses"].drill_down.empty:
        out["benford_drill_down"] = a.extra["benford_expenses"].drill_down
    if "duplicates" in a.extra:
        out["duplicates"] = a.extra["duplicates"].table()
        out["vendor_spellings"] = a.checks["fuzzy_vendor_names"].table
    if "samples" in a.extra:
        out["samples"] = a.extra["samples"].table()
        out["mus_sample"] = a.extra["samples"].mus_sample
    if "kpi_catalogue" in a.checks:
        out["kpi_catalogue"] = a.checks["kpi_catalogue"].table
    out["kpi_definitions"] = kpis.kpi_table()
    return out


def _charts(a: Assessment) -> dict[str, Chart]:
    """The dashboard charts there is data for, drawn when shown."""
    out: dict[str, Chart] = {}
    if "dashboard_quarter" in a.tables:
        q = a.tables["dashboard_quarter"]
        out["dashboard_quarter"] = Chart(
            lambda: dashboard.dashboard_figure(q, title="Quarterly trends by segment"),
            alt="Quarterly trend charts per segment: invoiced revenue, revenue deviation, "
            "expenses, on-time delivery rate, acceptance backlog and defects found.",
        )
    if "dashboard_month" in a.tables:
        m = a.tables["dashboard_month"]
        out["dashboard_month"] = Chart(
            lambda: dashboard.dashboard_figure(
                m,
                [
                    "invoiced_revenue",
                    "cash_collected",
                    "on_time_delivery_rate",
                    "acceptance_backlog",
                ],
            ),
            alt="Monthly trend charts per segment of revenue, cash, on-time delivery and "
            "acceptance backlog.",
        )
    return out
