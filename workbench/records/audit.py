"""The record-management audit in one call, and what its chapter says first.

:func:`run` is the playbook's ``run`` (the contract of :mod:`workbench.result`).
:func:`run_audit` runs every check of the playbook on the tables an engagement provides
and returns a :class:`RecordsAudit`: each check's result, the completeness and metadata
tables, the retention clock, scores and ranking, the GARP maturity view and the inspection
sample. A check whose table or column is missing is listed as a limitation with the reason;
nothing in a messy register stops the others. :func:`key_messages` turns the result into
the three to five things the chapter opens with.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pandas as pd
from scipy import stats

from workbench.analytics import sampling
from workbench.findings import (
    SEVERITY_RANK,
    CheckResult,
    Finding,
    Metric,
    sort_findings,
)
from workbench.frames import frame_metrics, select_present
from workbench.records import access as access_mod
from workbench.records import completeness, control, metadata, retention, scoring
from workbench.records.register import (
    prepare_register,
    project_teams,
    record_finding,
)
from workbench.report.markup import md_text
from workbench.result import Chart, Criteria, Period, PlaybookParams, Result

#: Report sections and the checks whose findings and evidence they show.
SECTIONS: dict[str, tuple[str, ...]] = {
    "Required documents": ("missing_mandatory_document",),
    "Template, naming and version control": (
        "outdated_template",
        "naming_violation",
        "several_final_versions",
        "version_gap",
        "unapproved_document",
        "approval_before_creation",
    ),
    "Metadata": ("metadata_incomplete",),
    "Retention and disposition": (
        "no_retention_class",
        "unknown_retention_class",
        "disposal_overdue",
        "premature_disposal",
        "disposed_under_legal_hold",
    ),
    "Access": ("confidential_shared_externally", "confidential_shared_with_leavers"),
}


@dataclass
class RecordsAudit:
    """Everything the record-management chapter shows (see :func:`run_audit`)."""

    as_of: pd.Timestamp
    register: pd.DataFrame
    results: dict[str, CheckResult] = field(default_factory=dict)
    expected: pd.DataFrame = field(default_factory=pd.DataFrame)
    completeness: pd.DataFrame = field(default_factory=pd.DataFrame)
    fields: pd.DataFrame = field(default_factory=pd.DataFrame)
    team_metadata: pd.DataFrame = field(default_factory=pd.DataFrame)
    retention: pd.DataFrame = field(default_factory=pd.DataFrame)
    items: pd.DataFrame = field(default_factory=pd.DataFrame)
    project_scores: pd.DataFrame = field(default_factory=pd.DataFrame)
    pm_scores: pd.DataFrame = field(default_factory=pd.DataFrame)
    team_scores: pd.DataFrame = field(default_factory=pd.DataFrame)
    garp: pd.DataFrame = field(default_factory=pd.DataFrame)
    sample: pd.DataFrame = field(default_factory=pd.DataFrame)
    sample_plan: sampling.AttributePlan | None = None
    sample_finding: Finding | None = None
    notes: list[str] = field(default_factory=list)
    scoring: Mapping[str, Any] = field(default_factory=dict)
    #: why no inspection sample was drawn (empty when one was)
    sample_limitation: str = ""

    @property
    def limitations(self) -> list[tuple[str, str]]:
        """(check, reason) for every check that could not run, or not on every item."""
        out = [(c, r.limitation) for c, r in self.results.items() if r.limitation]
        out += [(c, r.note) for c, r in self.results.items() if r.note]
        if self.sample_limitation:
            out.append(("inspection_sample", self.sample_limitation))
        return out

    def findings(self, checks: Iterable[str] | None = None) -> list[Finding]:
        """Findings of the given checks (all checks when None), in check order."""
        wanted = list(self.results) if checks is None else list(checks)
        return [f for c in wanted if c in self.results for f in self.results[c].findings]

    def section_findings(self, section: str) -> list[Finding]:
        """Findings of one report section (see :data:`SECTIONS`)."""
        return self.findings(SECTIONS[section])

    def overall_score(self) -> float | None:
        """The organisation's weighted audit score (0-100) over every tested item."""
        if self.items.empty:
            return None
        everyone = pd.DataFrame({"project_id": self.items["project_id"].unique()})
        everyone["pm_id"] = "all"
        everyone["team"] = "all"
        frame = scoring.scores(self.items, everyone, self.scoring, by="team")
        return float(frame["score"].iloc[0])

    def check_summary(self) -> pd.DataFrame:
        """One row per check: population, exceptions, pass rate, or why it did not run."""
        rows = []
        for check, r in self.results.items():
            rate = (r.population - r.exceptions) / r.population if r.population else None
            rows.append(
                {
                    "check": check,
                    "tested": r.population if r.ran else None,
                    "exceptions": r.exceptions if r.ran else None,
                    "pass_rate": rate,
                    "status": "not assessed: " + str(r.limitation) if r.limitation else "run",
                }
            )
        return pd.DataFrame(rows)

    def metrics(self) -> list[Metric]:
        """Every number the chapter shows, as metric rows."""
        out: list[Metric] = []
        for row in self.check_summary().itertuples(index=False):
            if row.tested is None or pd.isna(row.tested):
                continue
            for name, value, unit in (
                ("tested", row.tested, "items"),
                ("exceptions", row.exceptions, "items"),
                ("pass_rate", row.pass_rate, "share"),
            ):
                out.append(Metric(f"{row.check}.{name}", value, unit, "check", row.check))
        out.append(Metric("records", len(self.register), "records"))
        scores = {
            "score": "points",
            "pass_rate": "share",
            "ci_low": "share",
            "ci_high": "share",
            "items": "items",
            "rank": "rank",
        }
        # (table, units per column, entity type, entity column, metric prefix)
        tables = [
            (
                self.completeness.reset_index(),
                {"overall": "share"},
                "project",
                "project_id",
                "mandatory_documents.",
            ),
            (self.fields, {"completeness": "share"}, "field", "field", "metadata."),
            (self.team_metadata.reset_index(), {"overall": "share"}, "team", "team", "metadata."),
            (self.project_scores, scores, "project", "project", "audit."),
            (self.pm_scores, scores, "pm", "pm", "audit."),
            (self.team_scores, scores, "team", "team", "audit."),
            (self.garp, {"level": "level"}, "garp_principle", "principle", "garp."),
        ]
        for frame, units, kind, column, prefix in tables:
            if not frame.empty:
                out += frame_metrics(
                    frame, units, entity_type=kind, entity_col=column, prefix=prefix
                )
        if self.sample_plan is not None:
            out.append(Metric("inspection_sample.size", self.sample_plan.n, "records"))
            out.append(
                Metric("inspection_sample.population", self.sample_plan.population, "records")
            )
        return out


def _safe(check: str, fn: Callable[[], CheckResult]) -> CheckResult:
    """Run a check; an unexpected data problem becomes a stated limitation, not a crash."""
    try:
        return fn()
    except (KeyError, ValueError, TypeError) as exc:
        return CheckResult.skipped(check, f"could not run on this data ({exc})")


def inspection_sample(
    register: pd.DataFrame,
    *,
    tolerable_rate: float = 0.05,
    risk: float = 0.05,
    expected_rate: float = 0.0,
    seed: int = 20260101,
) -> tuple[pd.DataFrame, sampling.AttributePlan, Finding]:
    """An attribute sample of records (not disposed of) for manual inspection.

    Sized by the exact binomial method (AICPA table A-1), drawn with a seeded generator so
    the same register and seed give the same sample, and recorded as an ``info`` finding
    whose entities are the sampled record ids.
    """
    population = register
    if "disposed_date" in register.columns:
        population = register[register["disposed_date"].isna()]
    plan, chosen = sampling.attribute_sample(
        population,
        tolerable_rate=tolerable_rate,
        risk=risk,
        expected_rate=expected_rate,
        seed=seed,
        id_col="record_id",
    )
    n = plan.n
    cols = [
        "sample_item",
        "record_id",
        "project_id",
        "doc_type",
        "file_base",
        "version",
        "status",
        "created",
    ]
    chosen = select_present(chosen, cols)
    finding = record_finding(
        "inspection_sample",
        "Inspection sample",
        "info",
        f"{n} records selected for manual inspection",
        (
            f"Attribute sample of {n} of {len(population):,} records held, sized by the exact "
            f"binomial method for a tolerable deviation rate of {tolerable_rate:.0%} at "
            f"{risk:.0%} risk with {plan.allowed_deviations} deviation(s) allowed "
            f"(seed {seed}). Inspect each record against the checklist: right template, "
            "signed where required, content matches metadata."
        ),
        chosen["record_id"].tolist(),
        len(population),
        "SAMP",
        recommendation=(
            f"Inspect the sampled records; if more than {plan.allowed_deviations} deviate, "
            "the control cannot be relied on at the chosen tolerable rate."
        ),
        corrective_action="Correct each deviating record found in the inspection.",
        preventive_action="Repeat the sample at every audit cycle with a new seed.",
        owner_role="Internal audit",
    )
    return chosen, plan, finding


def run_audit(
    tables: Mapping[str, pd.DataFrame],
    *,
    required_documents: pd.DataFrame,
    metadata_schema: pd.DataFrame,
    scoring_spec: Mapping[str, Any],
    as_of: pd.Timestamp,
    naming_rules: pd.DataFrame | None = None,
    templates: pd.DataFrame | None = None,
    approval_grace_days: int = 30,
    disposal_grace_days: int = 90,
    metadata_threshold: float = 0.95,
    confidential_levels: Iterable[str] = access_mod.DEFAULT_CONFIDENTIAL,
    external_types: Iterable[str] = access_mod.DEFAULT_EXTERNAL_TYPES,
    internal_domains: Iterable[str] = (),
    sample_tdr: float = 0.05,
    sample_risk: float = 0.05,
    sample_expected_rate: float = 0.0,
    sample_seed: int = 20260101,
) -> RecordsAudit:
    """Run every record-management check on an engagement's tables.

    Parameters
    ----------
    tables : mapping
        Input tables by name: ``records`` (required), ``projects``, ``staff``,
        ``retention_schedule``, ``access``.
    required_documents, metadata_schema, naming_rules, templates : DataFrame
        The criteria (or the client's overriding tables).
    scoring_spec : mapping
        ``scoring.yaml``.
    as_of : Timestamp
        Audit date for ages, retention and leavers.
    approval_grace_days, disposal_grace_days : int
        Days a document may stay unapproved, and a disposal may run late, before either is
        an exception.
    metadata_threshold : float
        Field completeness below which a metadata finding is medium rather than low.
    confidential_levels, external_types, internal_domains : iterable of str
        Access-check settings (see :mod:`workbench.records.access`).
    sample_tdr, sample_risk, sample_expected_rate, sample_seed
        Inspection sample settings.

    Returns
    -------
    RecordsAudit
    """
    records = tables["records"]
    projects = tables.get("projects")
    staff = tables.get("staff")
    reg = prepare_register(records, projects, staff)
    audit = RecordsAudit(as_of=as_of, register=reg, scoring=scoring_spec)
    unparsed = int(reg["version_major"].isna().sum())
    if unparsed:
        audit.notes.append(
            f"{unparsed:,} version label(s) carry no number (e.g. 'Final'); they count for "
            "the 'several finals' test but not for version gaps."
        )
    paths = int((reg["file_base"] != reg["file_name"].astype("string").str.strip()).sum())
    if paths:
        audit.notes.append(
            f"{paths:,} file name(s) were paths or URLs; the last component was used."
        )
    results = audit.results

    # Required documents
    if projects is None:
        results["missing_mandatory_document"] = CheckResult.skipped(
            "missing_mandatory_document", "the projects table is not provided"
        )
    else:

        def _docs() -> CheckResult:
            audit.expected = completeness.expected_documents(projects, required_documents)
            return completeness.missing_mandatory_documents(
                reg, projects, required_documents, as_of
            )

        results["missing_mandatory_document"] = _safe("missing_mandatory_document", _docs)
        if results["missing_mandatory_document"].ran:
            audit.completeness = completeness.completeness_table(
                results["missing_mandatory_document"], audit.expected
            )
            derived = completeness.project_phases(projects)
            if (derived["phase_source"] == "status").any():
                audit.notes.append(
                    f"{int((derived['phase_source'] == 'status').sum())} project(s) have no "
                    "valid phase; it was derived from their status."
                )

    # Template, naming, version control
    if templates is None:
        results["outdated_template"] = CheckResult.skipped(
            "outdated_template", "no criteria of current templates"
        )
    else:
        results["outdated_template"] = _safe(
            "outdated_template", lambda: control.outdated_templates(reg, templates)
        )
    if naming_rules is None:
        results["naming_violation"] = CheckResult.skipped("naming_violation", "no naming rules")
    else:
        results["naming_violation"] = _safe(
            "naming_violation", lambda: control.naming_violations(reg, naming_rules)
        )
    results["several_final_versions"] = _safe(
        "several_final_versions", lambda: control.several_finals(reg)
    )
    results["version_gap"] = _safe("version_gap", lambda: control.version_gaps(reg))
    results["unapproved_document"] = _safe(
        "unapproved_document", lambda: control.unapproved_documents(reg, as_of, approval_grace_days)
    )
    results["approval_before_creation"] = _safe(
        "approval_before_creation", lambda: control.approval_before_creation(reg)
    )

    # Metadata
    results["metadata_incomplete"] = _safe(
        "metadata_incomplete",
        lambda: metadata.metadata_incomplete(reg, metadata_schema, metadata_threshold),
    )
    if results["metadata_incomplete"].ran:
        audit.fields = metadata.field_completeness(reg, metadata_schema)
        audit.team_metadata = metadata.team_completeness(reg, metadata_schema)
        absent = results["metadata_incomplete"].table.attrs.get("absent_fields")
        if absent:
            audit.notes.append("Metadata field(s) not provided at all: " + ", ".join(absent) + ".")

    # Retention and disposition
    retention_checks = (
        "no_retention_class",
        "unknown_retention_class",
        "disposal_overdue",
        "premature_disposal",
        "disposed_under_legal_hold",
    )
    schedule = tables.get("retention_schedule")
    if "retention_class" not in reg.columns:
        for check in retention_checks:
            results[check] = CheckResult.skipped(check, "the register has no retention_class")
    elif schedule is None:
        results["no_retention_class"] = _safe(
            "no_retention_class",
            lambda: retention.no_retention_class(
                retention.retention_status(reg, _empty_schedule(), projects, as_of)
            ),
        )
        for check in retention_checks[1:]:
            results[check] = CheckResult.skipped(check, "the retention_schedule is not provided")
    else:
        try:
            status = retention.retention_status(reg, schedule, projects, as_of)
        except (KeyError, ValueError, TypeError) as exc:
            for check in retention_checks:
                results[check] = CheckResult.skipped(check, f"could not run ({exc})")
        else:
            audit.retention = status
            results["no_retention_class"] = retention.no_retention_class(status)
            results["unknown_retention_class"] = retention.unknown_retention_class(status)
            results["disposal_overdue"] = retention.disposal_overdue(
                status, as_of, disposal_grace_days
            )
            results["premature_disposal"] = retention.premature_disposal(status)
            results["disposed_under_legal_hold"] = retention.disposed_under_legal_hold(status)

    # Access
    acc = tables.get("access")
    if acc is None:
        for check in ("confidential_shared_externally", "confidential_shared_with_leavers"):
            results[check] = CheckResult.skipped(check, "the access table is not provided")
    elif "classification" not in reg.columns:
        for check in ("confidential_shared_externally", "confidential_shared_with_leavers"):
            results[check] = CheckResult.skipped(check, "the register has no classification column")
    else:
        ext, lvr = access_mod.access_checks(
            acc,
            reg,
            staff,
            as_of,
            confidential_levels=confidential_levels,
            external_types=external_types,
            internal_domains=internal_domains,
        )
        results[ext.check] = ext
        results[lvr.check] = lvr

    # Scores, ranking, maturity
    teams = project_teams(projects, staff)
    if teams.empty:
        teams = pd.DataFrame({"project_id": reg["project_id"].unique()})
        teams["pm_id"] = "(no PM)"
        teams["team"] = "(no team)"
    audit.items = scoring.scored_items(results, scoring_spec)
    if not audit.items.empty:
        audit.project_scores = scoring.scores(audit.items, teams, scoring_spec, by="project")
        audit.pm_scores = scoring.scores(audit.items, teams, scoring_spec, by="pm")
        audit.team_scores = scoring.scores(audit.items, teams, scoring_spec, by="team")
    audit.garp = scoring.garp_maturity(results, scoring_spec)

    # Inspection sample: parameters that no sample size can satisfy (an expected rate at or
    # above the tolerable rate) leave the sample undrawn and say so, the audit still reports
    try:
        audit.sample, audit.sample_plan, audit.sample_finding = inspection_sample(
            reg,
            tolerable_rate=sample_tdr,
            risk=sample_risk,
            expected_rate=sample_expected_rate,
            seed=sample_seed,
        )
    except ValueError as exc:
        audit.sample_limitation = (
            f"no sample was drawn: {exc} (sample_expected_rate {sample_expected_rate:.1%}, "
            f"sample_tdr {sample_tdr:.1%}); change the parameters in engagement.yaml"
        )
    return audit


def _empty_schedule() -> pd.DataFrame:
    return pd.DataFrame(columns=["retention_class", "retain_years", "trigger", "action"])


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


def ranking_sentence(teams: pd.DataFrame, confidence: float) -> str:
    """The best and the last team, and whether the gap between them is more than chance.

    The gap is tested directly (Fisher's exact test on their passed and failed items):
    overlapping confidence intervals do not mean the difference is not significant.
    ``confidence`` is the level of the intervals and of the test (1 - alpha).
    """
    best, last = teams.iloc[0], teams.iloc[-1]
    table = [
        [int(best["passes"]), int(best["items"] - best["passes"])],
        [int(last["passes"]), int(last["items"] - last["passes"])],
    ]
    p = float(stats.fisher_exact(table).pvalue)
    verdict = "significant" if p < 1 - confidence else "not significant"
    return (
        f"**Ranking.** {md_text(best['team'])} leads with {best['score']:.1f} points "
        f"(pass rate {best['pass_rate']:.1%}, {confidence:.0%} CI {best['ci_low']:.1%}–"
        f"{best['ci_high']:.1%}); {md_text(last['team'])} trails with {last['score']:.1f} "
        "(pass rate "
        f"{last['pass_rate']:.1%}). The gap between them is {verdict} (Fisher's exact test, "
        f"p={p:.3f})."
    )


def key_messages(audit: RecordsAudit, limit: int = 5) -> str:
    """The three to five things that matter, as markdown bullets computed from the audit.

    Parameters
    ----------
    audit : RecordsAudit
    limit : int
        Most messages to return.

    Returns
    -------
    str
        Markdown: the completeness of mandatory documents, the worst problem areas (by
        severity, then exceptions), the team ranking and the weakest GARP principle.
    """
    lines: list[str] = []
    docs = audit.results.get("missing_mandatory_document")
    if docs is not None and docs.ran and docs.population:
        present = docs.population - docs.exceptions
        text = (
            f"**Required documents.** {present:,} of the {docs.population:,} mandatory "
            f"documents due by each project's phase are in the register, approved and kept "
            f"({present / docs.population:.1%})."
        )
        if docs.exceptions:
            projects = docs.table["project_id"].nunique()
            text += (
                f" {docs.exceptions} are missing (or held only as a draft, unapproved or "
                f"disposed) across {projects} project(s)"
            )
            acc = docs.table[docs.table["doc_type"] == "acceptance_certificate"]
            if len(acc):
                text += (
                    f", including {len(acc)} acceptance certificate(s) "
                    f"({md_text(', '.join(acc['project_id']))})"
                )
            text += "."
        lines.append(text)
    areas: list[tuple[int, int, str]] = []
    for section, checks in SECTIONS.items():
        if section == "Required documents":
            continue
        found = sort_findings(audit.findings(checks))
        if not found:
            continue
        worst = min(SEVERITY_RANK[f.severity] for f in found)
        count = sum(f.exceptions.count for f in found)
        parts = [f"{md_text(_lower_first(f.title))} ({f.severity})" for f in found[:3]]
        areas.append((worst, -count, f"**{section}.** " + "; ".join(parts) + "."))
    for _, _, text in sorted(areas)[: max(0, limit - len(lines) - 2)]:
        lines.append(text)
    teams = audit.team_scores
    if not teams.empty and len(teams) > 1:
        flagged = int(audit.pm_scores["small_sample"].sum()) if not audit.pm_scores.empty else 0
        confidence = float((audit.scoring.get("ranking") or {}).get("confidence", 0.95))
        text = ranking_sentence(teams, confidence)
        if flagged:
            text += (
                f" {flagged} of {len(audit.pm_scores)} PMs are ranked on too few items "
                "to be compared with confidence."
            )
        lines.append(text)
    garp = audit.garp[audit.garp["assessed"]] if not audit.garp.empty else audit.garp
    if len(garp) and len(lines) < limit:
        weakest = garp.sort_values(["level", "weakest_rate"]).iloc[0]
        lines.append(
            f"**Maturity.** The weakest GARP principle is {weakest['principle']} at level "
            f"{int(weakest['level'])} ({weakest['label']}), held back by "
            f"{weakest['weakest'].replace('_', ' ')} ({weakest['weakest_rate']:.1%} pass)."
        )
    if not lines:
        lines.append("No exceptions were found in the checks that could run.")
    return "\n".join(f"- {line}" for line in lines[:limit])


def evidence(result: Result, section: str) -> list[tuple[str, pd.DataFrame]]:
    """The exception tables of a report section: (title, rows) per check with exceptions."""
    out = []
    for check in SECTIONS[section]:
        frame = result.tables.get(f"evidence.{check}")
        if frame is not None:
            title = f"{check.replace('_', ' ').capitalize()}: {len(frame):,} row(s)"
            out.append((title, frame))
    return out


@dataclass(frozen=True)
class Params(PlaybookParams):
    """The records audit's parameters (defaults and descriptions in its ``playbook.yaml``)."""

    playbook: ClassVar[str] = "record-management-audit"

    as_of: dt.date | None
    approval_grace_days: int
    disposal_grace_days: int
    metadata_threshold: float
    confidential_levels: list[str]
    external_principal_types: list[str]
    internal_domains: list[str]
    sample_tdr: float
    sample_risk: float
    sample_expected_rate: float
    sample_seed: int


def run(
    tables: Mapping[str, pd.DataFrame],
    criteria: Criteria,
    params: Params,
    period: Period,
) -> Result:
    """Audit the records register: the playbook's ``run`` (see :mod:`workbench.result`).

    Parameters
    ----------
    tables : mapping
        ``records`` (required), ``projects``, ``staff``, ``retention_schedule``, ``access``.
    criteria : mapping
        ``required_documents``, ``metadata_schema``, ``scoring``; ``naming_rules`` and
        ``templates`` when there are any (their checks are limitations otherwise).
    params : Params
    period : Period
        The engagement period; its end is the as-of date unless ``params.as_of`` is set.

    Returns
    -------
    Result
        Tables ``checks``, ``fields``, ``team_scores``, ``pm_scores``, ``project_scores``,
        ``garp``, ``sample`` and ``evidence.<check>`` (see :func:`evidence`); charts
        ``completeness``, ``metadata``, ``ranking``, ``garp``; text ``summary``, ``scope``,
        ``method``; the organisation's score; the :class:`RecordsAudit` as ``analysis``.
    """
    audit = run_audit(
        tables,
        required_documents=criteria["required_documents"],
        metadata_schema=criteria["metadata_schema"],
        scoring_spec=criteria["scoring"],
        naming_rules=criteria.get("naming_rules"),
        templates=criteria.get("templates"),
        as_of=period.as_of(params.as_of),
        approval_grace_days=params.approval_grace_days,
        disposal_grace_days=params.disposal_grace_days,
        metadata_threshold=params.metadata_threshold,
        confidential_levels=params.confidential_levels,
        external_types=params.external_principal_types,
        internal_domains=params.internal_domains,
        sample_tdr=params.sample_tdr,
        sample_risk=params.sample_risk,
        sample_expected_rate=params.sample_expected_rate,
        sample_seed=params.sample_seed,
    )
    shown = {
        "checks": audit.check_summary(),
        "fields": audit.fields,
        "team_scores": audit.team_scores,
        "pm_scores": audit.pm_scores,
        "project_scores": audit.project_scores,
        "garp": audit.garp[["principle", "level", "label", "evidence"]],
        "sample": audit.sample,
    }
    for checks in SECTIONS.values():
        for check in checks:
            result = audit.results.get(check)
            if result is not None and result.ran and not result.table.empty:
                shown[f"evidence.{check}"] = result.table
    found = [f for section in SECTIONS for f in audit.section_findings(section)]
    return Result(
        findings=found + ([audit.sample_finding] if audit.sample_finding else []),
        metrics=audit.metrics(),
        tables=shown,
        charts=_charts(audit),
        text={
            "summary": key_messages(audit),
            "scope": scope_text(audit),
            "method": method_text(audit),
        },
        limitations=audit.limitations,
        score=audit.overall_score(),
        analysis=audit,
    )


def _charts(audit: RecordsAudit) -> dict[str, Chart]:
    """The charts there is data for, drawn when shown."""
    from workbench.records import figures

    out: dict[str, Chart] = {}
    if not audit.completeness.empty:
        out["completeness"] = Chart(lambda: figures.completeness_heatmap(audit.completeness))
    if not audit.team_metadata.empty:
        out["metadata"] = Chart(lambda: figures.metadata_heatmap(audit.team_metadata))
    if not audit.team_scores.empty:
        out["ranking"] = Chart(lambda: figures.ranking_chart(audit.team_scores, "team"))
    out["garp"] = Chart(lambda: figures.garp_chart(audit.garp))
    return out


def scope_text(audit: RecordsAudit) -> str:
    """One paragraph on what was tested, for the chapter's scope section."""
    reg = audit.register
    projects = reg["project_id"].nunique()
    ran = sum(r.ran for r in audit.results.values())
    text = (
        f"The register holds {len(reg):,} records (document versions) of "
        f"{reg['document_id'].nunique():,} documents across {projects} projects, as of "
        f"{audit.as_of:%d %B %Y}. {ran} of {len(audit.results)} checks could run on the data "
        "provided."
    )
    if audit.notes:
        text += " " + " ".join(audit.notes)
    return text


def method_text(audit: RecordsAudit) -> str:
    """The parameters in force, for the Method section."""
    plan = audit.sample_plan
    crit = scoring.criteria_of(audit.scoring)
    weights = ", ".join(f"{name} {spec['weight']:g}" for name, spec in crit.items())
    ranking = audit.scoring.get("ranking") or {}
    lines = [
        f"- As-of date: {audit.as_of:%Y-%m-%d}.",
        f"- Scoring weights: {weights}; pass mark {float(audit.scoring.get('pass_mark', 0.9)):.0%}"
        f"; ranking flags fewer than {ranking.get('min_items', 50)} tested items or a Wilson "
        f"interval wider than {float(ranking.get('max_interval_width', 0.1)):.0%}.",
    ]
    if plan is not None:
        lines.append(
            f"- Inspection sample: tolerable deviation rate {plan.tolerable_rate:.0%}, risk "
            f"{plan.risk:.0%}, expected deviation rate {plan.expected_rate:.1%} -> {plan.n} "
            f"records ({plan.allowed_deviations} deviation(s) allowed), seed {plan.seed}, from "
            f"{plan.population:,} records held."
        )
    return "\n".join(lines)
