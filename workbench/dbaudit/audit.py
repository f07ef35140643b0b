"""The database audit end to end: one connection, the sections in order, one result.

:func:`run` is the playbook's ``run`` (the contract of :mod:`workbench.result`): it opens
the engagement's database, audits it and closes it. :func:`run_audit` audits an engine
already open; :class:`Auditor` runs the same sections one at a time (inventory, integrity,
validity, archival, scorecard) for an analyst at the keyboard. The audit holds a single
read-only connection and never commits.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
from sqlalchemy.engine import Engine

from workbench.dbaudit import archival, integrity, scorecard, validity
from workbench.dbaudit.common import AuditContext
from workbench.dbaudit.connect import connect, redact_url
from workbench.dbaudit.findings import audit_findings, audit_metrics
from workbench.dbaudit.inventory import Catalogue, inventory_frames, read_catalogue
from workbench.dbaudit.rules import AuditRules, load_rules
from workbench.dbaudit.scorecard import database_scores, table_scores
from workbench.engagement import LoadedEngagement
from workbench.errors import InputError
from workbench.findings import Finding, Metric
from workbench.report.markup import md_text
from workbench.result import Chart, Criteria, Period, PlaybookParams, Result

METHOD = """\
Every check runs as SQL inside the audited database over one read-only connection; only
counts, group-by aggregates and at most `sample_rows` row keys per check leave it.

- **Inventory**: tables, columns, types, indexes and constraints from the engine's catalogue
  (SQLAlchemy inspector); row counts are exact (`COUNT(*)` at audit time); sizes from
  `pg_total_relation_size` (PostgreSQL), `information_schema.tables` data + index length
  (MySQL/MariaDB, InnoDB estimates) or `dbstat` (SQLite).
- **Integrity**: declared primary keys and unique constraints are enforced by the engine
  and not re-scanned; a table without a primary key has its id-like column tested with
  `GROUP BY ... HAVING COUNT(*) > 1`. Orphans by anti-join (`NOT EXISTS`) per declared
  foreign key and per relationship inferred from column names (`customer_id`, `CustomerId`
  -> table `customer(s)` with a single-column key of the same type). A foreign key is
  unindexed when no index starts with its columns. Natural keys come from the rules or from
  names (email, *_code, *_number, name) when at least `natural_key_min_distinct` of their
  values are distinct; values are compared after `LOWER(TRIM())`.
- **Validity**: required = listed in the rules, the table's own id, `name`, `status`,
  `created*`, or declared NOT NULL; missing = null or blank. Text columns hold dates when
  named so or when at least 50% of values are date-shaped (ISO date/time, d/m/y or m/d/y
  with `/ . -`, y/m/d), numbers when named so or when at least 90% are plain decimals (not
  ids, codes or phone numbers); unparseable values are counted. Rules (range, allowed
  values, regex, cross-field comparison) are one `COUNT(*)` each; nulls never violate a
  rule; MySQL/MariaDB text is compared byte-wise and regexes case-sensitively so that all
  engines agree.
- **Archival and timeliness**: rows older than the as-of date minus `retain_years` on the
  rules' date column; rows per month (`EXTRACT(year/month)`) and latest date per table from
  its record date column; stale when the latest row is more than `freshness_days` before
  the as-of date (the engagement period end).
- **Scorecard** (DAMA UK 2013 dimensions): see `workbench.dbaudit.scorecard`; each
  dimension is a share of clean cells/rows, the table score their mean, the database score
  the unweighted mean over tables.
"""

#: How the scorecard is computed (shown after METHOD).
SCORE_METHOD = scorecard.METHOD


@dataclass
class AuditResult:
    """Every table the audit produced, its findings and metrics, and what it could not do."""

    backend: str
    database_label: str
    as_of: dt.date
    parameters: dict[str, Any]
    inventory: dict[str, pd.DataFrame]
    no_primary_key: pd.DataFrame
    keys: pd.DataFrame
    relationships: pd.DataFrame
    unindexed_foreign_keys: pd.DataFrame
    natural_keys: pd.DataFrame
    required: pd.DataFrame
    text_types: pd.DataFrame
    rules: pd.DataFrame
    retention: pd.DataFrame
    growth: pd.DataFrame
    freshness: pd.DataFrame
    scorecard: pd.DataFrame
    database_score: pd.DataFrame
    limitations: list[tuple[str, str]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)
    duration_s: float = 0.0
    database_size: int | None = None


class Auditor:
    """Runs the audit section by section over one read-only connection.

    Parameters
    ----------
    engine : sqlalchemy.engine.Engine
        From :func:`workbench.dbaudit.connect.connect` (read-only by construction).
    rules : AuditRules, dict, path or None
        The rules (see :mod:`workbench.dbaudit.rules`).
    as_of : date
        The engagement's period end: retention cut-offs and freshness are measured from it.
    sample_rows : int
        Most row keys kept per check.
    infer_foreign_keys, infer_natural_keys : bool
        Whether to test relationships and business keys implied by names.
    natural_key_min_distinct : float
        Share of distinct values above which a name-inferred key is treated as meant unique.
    freshness_days : int
        A table whose latest row is older than this (before ``as_of``) is stale.
    """

    def __init__(
        self,
        engine: Engine,
        rules: AuditRules | dict[str, Any] | str | None = None,
        as_of: dt.date | str | None = None,
        *,
        sample_rows: int = 20,
        infer_foreign_keys: bool = True,
        infer_natural_keys: bool = True,
        natural_key_min_distinct: float = 0.9,
        freshness_days: int = 45,
    ) -> None:
        self.engine = engine
        self.rules = load_rules(rules)
        self.as_of = pd.Timestamp(as_of or dt.date.today()).date()
        self.parameters = {
            "sample_rows": sample_rows,
            "infer_foreign_keys": infer_foreign_keys,
            "infer_natural_keys": infer_natural_keys,
            "natural_key_min_distinct": natural_key_min_distinct,
            "freshness_days": freshness_days,
        }
        self._started = time.perf_counter()
        self.conn = engine.connect()
        password = engine.url.password
        self.frames: dict[str, Any] = {}
        cat = read_catalogue(
            self.conn, schemas=self.rules.schemas or None, ignore_tables=self.rules.ignore_tables
        )
        self.ctx = AuditContext(
            conn=self.conn,
            catalogue=cat,
            rules=self.rules,
            as_of=self.as_of,
            sample_rows=sample_rows,
            infer_foreign_keys=infer_foreign_keys,
            infer_natural_keys=infer_natural_keys,
            natural_key_min_distinct=natural_key_min_distinct,
            freshness_days=freshness_days,
            limitations=list(cat.limitations),
            secrets=[password] if isinstance(password, str) else [],
        )

    @property
    def catalogue(self) -> Catalogue:
        """The reflected catalogue with exact row counts."""
        return self.ctx.catalogue

    def inventory(self) -> dict[str, pd.DataFrame]:
        """Tables, columns, indexes and constraints (see :func:`inventory_frames`)."""
        if "inventory" not in self.frames:
            self.frames["inventory"] = inventory_frames(self.catalogue)
        return dict(self.frames["inventory"])

    def integrity(self) -> dict[str, pd.DataFrame]:
        """Keys, relationships and their orphans, unindexed foreign keys, natural keys."""
        if "relationships" not in self.frames:
            rel = integrity.foreign_key_orphans(self.ctx)
            self.frames.update(
                no_primary_key=integrity.tables_without_primary_key(self.catalogue),
                keys=integrity.key_uniqueness(self.ctx),
                relationships=rel,
                unindexed_foreign_keys=integrity.unindexed_foreign_keys(self.catalogue, rel),
                natural_keys=integrity.natural_key_duplicates(self.ctx),
            )
        return {
            k: self.frames[k]
            for k in (
                "no_primary_key",
                "keys",
                "relationships",
                "unindexed_foreign_keys",
                "natural_keys",
            )
        }

    def validity(self) -> dict[str, pd.DataFrame]:
        """Missing required values, dates and numbers kept as text, rule violations."""
        if "required" not in self.frames:
            self.frames.update(
                required=validity.missing_required(self.ctx),
                text_types=validity.text_typed_values(self.ctx),
                rules=validity.rule_violations(self.ctx),
            )
        return {k: self.frames[k] for k in ("required", "text_types", "rules")}

    def archival(self) -> dict[str, pd.DataFrame]:
        """Rows past retention, growth per month, freshness per table."""
        if "retention" not in self.frames:
            self.frames.update(
                retention=archival.retention(self.ctx),
                growth=archival.growth_per_month(self.ctx),
                freshness=archival.freshness(self.ctx),
            )
        return {k: self.frames[k] for k in ("retention", "growth", "freshness")}

    def result(self) -> AuditResult:
        """Run whatever section has not run yet, score, and gather findings and metrics."""
        inv = self.inventory()
        integ, valid, arch = self.integrity(), self.validity(), self.archival()
        scores = table_scores(
            inv["tables"],
            valid["required"],
            integ["keys"],
            integ["natural_keys"],
            valid["text_types"],
            valid["rules"],
            integ["relationships"],
            arch["freshness"],
            arch["retention"],
        )
        res = AuditResult(
            backend=self.catalogue.backend,
            database_label=redact_url(self.engine.url),
            as_of=self.as_of,
            parameters=dict(self.parameters),
            inventory=inv,
            **integ,
            **valid,
            **arch,
            scorecard=scores,
            database_score=database_scores(scores),
            limitations=list(dict.fromkeys(self.ctx.limitations)),
            database_size=self.catalogue.database_size,
        )
        res.findings = audit_findings(res)
        res.metrics = audit_metrics(res)
        res.duration_s = round(time.perf_counter() - self._started, 3)
        return res

    def close(self) -> None:
        """End the read transaction (never a commit) and release the connection."""
        try:
            self.conn.rollback()
        finally:
            self.conn.close()

    def __enter__(self) -> Auditor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_audit(
    engine: Engine,
    rules: AuditRules | dict[str, Any] | str | None = None,
    as_of: dt.date | str | None = None,
    **options: Any,
) -> AuditResult:
    """Audit the database behind ``engine``: inventory, integrity, validity, archival, score.

    Parameters
    ----------
    engine : sqlalchemy.engine.Engine
        A read-only engine from :func:`workbench.dbaudit.connect.connect`.
    rules : AuditRules, dict, path or None
        The audit rules; None audits from the catalogue and names alone.
    as_of : date
        The engagement's period end.
    **options
        ``sample_rows``, ``infer_foreign_keys``, ``infer_natural_keys``,
        ``natural_key_min_distinct``, ``freshness_days`` (see :class:`Auditor`).

    Returns
    -------
    AuditResult
    """
    with Auditor(engine, rules, as_of, **options) as auditor:
        return auditor.result()


@dataclass(frozen=True)
class Params(PlaybookParams):
    """The database audit's parameters (defaults and descriptions in its ``playbook.yaml``)."""

    playbook: ClassVar[str] = "database-audit"

    as_of: dt.date | None
    sample_rows: int
    statement_timeout_s: float
    infer_foreign_keys: bool
    infer_natural_keys: bool
    natural_key_min_distinct: float
    freshness_days: int


def run(
    tables: Mapping[str, pd.DataFrame],
    criteria: Criteria,
    params: Params,
    period: Period,
    *,
    engagement: LoadedEngagement,
) -> Result:
    """Audit the engagement's database: the playbook's ``run`` (see :mod:`workbench.result`).

    The database is the one ``engagement.yaml`` names (its ``database`` section, with the
    client's rules file); it is opened read-only for the audit and closed (the engine
    disposed of) before this returns, whatever happens.

    Parameters
    ----------
    tables, criteria : mapping
        Not used: the audit reads the database itself.
    params : Params
    period : Period
        The engagement period; its end is the as-of date unless ``params.as_of`` is set.
    engagement : LoadedEngagement
        The engagement whose database is audited.

    Returns
    -------
    Result
        Tables named as the :class:`AuditResult` frames (``tables``, ``constraints``,
        ``indexes``, ``columns``, ``no_primary_key``, ``relationships``,
        ``unindexed_foreign_keys``, ``natural_keys``, ``required``, ``text_types``,
        ``rules``, ``retention``, ``freshness``, ``scorecard``, ``database_score``), chart
        ``growth``, text ``summary`` and ``method``; the score is the overall data-quality
        score x 100; the :class:`AuditResult` is ``analysis``.
    """
    engine, rules = open_engagement_database(
        engagement.config.database, engagement.folder, params.statement_timeout_s
    )
    try:
        with Auditor(
            engine,
            rules,
            period.as_of(params.as_of).date(),
            sample_rows=params.sample_rows,
            infer_foreign_keys=params.infer_foreign_keys,
            infer_natural_keys=params.infer_natural_keys,
            natural_key_min_distinct=params.natural_key_min_distinct,
            freshness_days=params.freshness_days,
        ) as auditor:
            r = auditor.result()
    finally:
        engine.dispose()
    return result_of(r)


def result_of(r: AuditResult) -> Result:
    """What the chapter shows of an :class:`AuditResult`."""
    overall = r.database_score.set_index("dimension")["score"].get("overall")
    shown = {
        **r.inventory,
        "no_primary_key": r.no_primary_key,
        "relationships": r.relationships.drop(columns=["referred_table", "referred_columns"]),
        "unindexed_foreign_keys": r.unindexed_foreign_keys,
        "natural_keys": r.natural_keys,
        "required": r.required[r.required.source != "not null"],
        "text_types": r.text_types,
        "rules": r.rules.drop(columns=["description"]),
        "retention": r.retention,
        "freshness": r.freshness,
        "scorecard": r.scorecard,
        "database_score": r.database_score,
    }
    summary = "\n".join(f"- {p}" for p in summary_points(r))
    audited = (
        f"Database audited: {md_text(r.database_label)} (password never recorded), "
        f"as of {r.as_of}, in {r.duration_s:.1f} s."
    )
    return Result(
        findings=list(r.findings),
        metrics=list(r.metrics),
        tables=shown,
        charts={
            "growth": Chart(
                lambda: growth_figure(r.growth),
                alt="Line chart of rows added per month for each table with a date column.",
            )
        },
        text={"summary": summary, "audited": audited, "method": METHOD + "\n" + SCORE_METHOD},
        limitations=list(r.limitations),
        score=None if overall is None else round(100 * float(overall), 1),
        analysis=r,
    )


def summary_points(r: AuditResult, limit: int = 5) -> list[str]:
    """The few sentences that open the chapter, computed from the result."""
    tables = r.inventory["tables"]
    overall = r.database_score.set_index("dimension")["score"]
    points = [
        f"{len(tables)} tables and {int(tables.rows.sum()):,} rows audited on {r.backend} "
        f"(as of {r.as_of}); overall data-quality score {overall.get('overall', float('nan')):.0%}."
    ]
    tested = r.relationships[r.relationships.status == "tested"]
    orphans = tested[tested.orphan_rows > 0]
    if len(orphans):
        worst = orphans.sort_values("orphan_rows").iloc[-1].relationship
        points.append(
            f"{int(orphans.orphan_rows.sum())} orphan rows across {len(orphans)} of "
            f"{len(tested)} relationships, worst {md_text(worst)}."
        )
    else:
        points.append(f"No orphan rows in the {len(tested)} relationships tested.")
    if len(r.no_primary_key):
        points.append(
            f"{len(r.no_primary_key)} table(s) without a primary key: "
            f"{md_text(', '.join(r.no_primary_key.table))}."
        )
    broken = r.rules[(r.rules.status == "tested") & (r.rules.violations > 0)]
    if len(broken):
        points.append(
            f"{len(broken)} of {len(r.rules)} validation rules broken, "
            f"{int(broken.violations.sum())} rows in all."
        )
    bad_text = r.text_types[r.text_types.unparseable > 0]
    if len(bad_text):
        points.append(
            f"{len(bad_text)} text column(s) holding dates or numbers with "
            f"{int(bad_text.unparseable.sum())} values that do not parse."
        )
    past = r.retention[r.retention.rows_past_retention > 0]
    if len(past):
        points.append(
            f"{int(past.rows_past_retention.sum())} rows kept past their retention "
            f"period in {md_text(', '.join(past.table))}."
        )
    return points[:limit]


def open_engagement_database(
    database: Any, engagement_dir: str | Path, statement_timeout_s: float = 0.0
) -> tuple[Engine, AuditRules]:
    """The read-only engine and the rules named by an engagement's ``database`` section.

    Parameters
    ----------
    database : workbench.engagement.DatabaseSpec
        ``url`` (no password), ``password_env``, ``rules`` (relative to the engagement) and
        ``statement_timeout_s``.
    engagement_dir : path
        The engagement folder (relative file URLs and the rules path are relative to it).
    statement_timeout_s : float
        Overrides the engagement's timeout when positive.
    """
    if database is None:
        raise InputError("engagement.yaml names no database (section database: {url: ...})")
    folder = Path(engagement_dir)
    timeout = (
        statement_timeout_s
        if statement_timeout_s and statement_timeout_s > 0
        else float(getattr(database, "statement_timeout_s", 60.0) or 60.0)
    )
    engine = connect(
        database.url,
        base_dir=folder,
        password_env=database.password_env,
        statement_timeout_s=timeout,
    )
    rules = load_rules(folder / database.rules if database.rules else None)
    return engine, rules


def growth_figure(growth: pd.DataFrame, months: int = 24) -> Any:
    """Rows added per month for each dated table over the last ``months`` months."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 3.6))
    if growth.empty:
        ax.text(0.5, 0.5, "No dated tables", ha="center", va="center")
        return fig
    wide = growth.pivot_table(index="month", columns="table", values="rows", aggfunc="sum")
    wide = wide.sort_index().tail(months).fillna(0)
    wide.plot(ax=ax, marker="o", markersize=3)
    ax.set_xlabel("month")
    ax.set_ylabel("rows added")
    ax.set_title("Growth per month")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return fig
