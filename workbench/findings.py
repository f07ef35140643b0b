"""The one shape of a finding, of a metric and of a check's result, shared by every playbook.

A check is a function that takes DataFrames and returns :class:`Finding` objects (and,
where it measures something, :class:`Metric` rows), or a :class:`CheckResult` holding its
exception rows and findings. Playbooks never build dictionaries by
hand: they build these objects, and the runner collects them from the executed notebooks
into ``findings.json``, ``findings.xlsx`` and ``metrics.csv``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from workbench.severity import SEVERITIES, SEVERITY_RANK, Severity

#: Columns of ``metrics.csv``, in order.
METRIC_COLUMNS = ["playbook", "metric", "entity_type", "entity_id", "period", "value", "unit"]


def _clean_number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(number) or math.isinf(number):
        return None
    return number


@dataclass
class Population:
    """What was tested: how many records and, where it applies, their total amount."""

    count: int
    value: float | None = None


@dataclass
class Exceptions:
    """What failed the test; ``share`` is exceptions over population (by count)."""

    count: int
    value: float | None = None
    share: float | None = None


@dataclass
class Entities:
    """The records behind a finding: the auditor's trail from the finding to the rows."""

    type: str
    ids: list[str] = field(default_factory=list)


@dataclass
class Finding:
    """One audit finding, as in DESIGN.md.

    Parameters
    ----------
    check : str
        Machine name of the check that raised it (``accepted_not_invoiced``).
    area : str
        Audit area as the client reads it (``Revenue assurance``).
    severity : {"critical", "high", "medium", "low", "info"}
    title, summary : str
        One line, then a few sentences with the numbers.
    population, exceptions : Population, Exceptions
        What was tested and what failed.
    entities : Entities
        Every id behind the exceptions.
    recommendation, corrective_action, preventive_action, owner_role : str
        What the client should do, fix now, prevent next time, and who owns it.
    code : str
        Short code used in the finding id (``LEAK`` gives ``BI-LEAK-001``).
    playbook, id : str
        Filled by the playbook session when the finding is recorded.
    """

    check: str
    area: str
    severity: Severity
    title: str
    summary: str
    population: Population
    exceptions: Exceptions
    entities: Entities
    recommendation: str = ""
    corrective_action: str = ""
    preventive_action: str = ""
    owner_role: str = "PMO"
    code: str = ""
    playbook: str = ""
    id: str = ""

    def __post_init__(self) -> None:
        if self.severity not in SEVERITY_RANK:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {self.severity!r}")
        if isinstance(self.population, dict):
            self.population = Population(**self.population)
        if isinstance(self.exceptions, dict):
            self.exceptions = Exceptions(**self.exceptions)
        if isinstance(self.entities, dict):
            self.entities = Entities(**self.entities)
        self.entities.ids = [str(i) for i in self.entities.ids]
        self.population.value = _clean_number(self.population.value)
        self.exceptions.value = _clean_number(self.exceptions.value)
        if self.exceptions.share is None and self.population.count:
            self.exceptions.share = round(self.exceptions.count / self.population.count, 6)
        self.exceptions.share = _clean_number(self.exceptions.share)

    def to_dict(self) -> dict[str, Any]:
        """The finding as in ``findings.json`` (``code`` is folded into ``id``)."""
        data = asdict(self)
        data.pop("code")
        order = [
            "id",
            "playbook",
            "check",
            "area",
            "severity",
            "title",
            "summary",
            "population",
            "exceptions",
            "entities",
            "recommendation",
            "corrective_action",
            "preventive_action",
            "owner_role",
        ]
        return {k: data[k] for k in order}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        data = dict(data)
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def finding_from_ids(
    *,
    check: str,
    area: str,
    severity: Severity,
    title: str,
    summary: str,
    entity_type: str,
    ids: Sequence[Any],
    population_count: int,
    population_value: float | None = None,
    exception_value: float | None = None,
    exception_count: int | None = None,
    recommendation: str = "",
    corrective_action: str = "",
    preventive_action: str = "",
    owner_role: str = "PMO",
    code: str = "",
) -> Finding:
    """Build a finding from the exception ids: the one way every check builds one.

    The exceptions are counted from the distinct ``ids``, unless ``exception_count`` says how
    many there are because ``ids`` is only a sample of them (a database check keeps at most
    a few keys per check). The other arguments are the fields of :class:`Finding`.
    """
    unique_ids = list(dict.fromkeys(str(i) for i in ids))
    count = len(unique_ids) if exception_count is None else int(exception_count)
    return Finding(
        check=check,
        area=area,
        severity=severity,
        title=title,
        summary=summary,
        population=Population(int(population_count), population_value),
        exceptions=Exceptions(count, exception_value),
        entities=Entities(entity_type, unique_ids),
        recommendation=recommendation,
        corrective_action=corrective_action,
        preventive_action=preventive_action,
        owner_role=owner_role,
        code=code,
    )


@dataclass
class Metric:
    """One number the report shows, as a row of ``metrics.csv``."""

    metric: str
    value: float | None
    unit: str = ""
    entity_type: str = ""
    entity_id: str = ""
    period: str = ""
    playbook: str = ""

    def to_row(self) -> dict[str, Any]:
        return {
            "playbook": self.playbook,
            "metric": self.metric,
            "entity_type": self.entity_type,
            "entity_id": str(self.entity_id),
            "period": str(self.period),
            "value": _clean_number(self.value),
            "unit": self.unit,
        }


def metrics_from_frame(
    frame: pd.DataFrame,
    columns: Iterable[str],
    *,
    entity_type: str = "",
    entity_col: str | None = None,
    period_col: str | None = None,
    units: dict[str, str] | None = None,
    prefix: str = "",
) -> list[Metric]:
    """Turn a wide result table into metric rows: one per (row, column in ``columns``)."""
    units = units or {}
    out: list[Metric] = []
    for _, row in frame.iterrows():
        entity = "" if entity_col is None else str(row[entity_col])
        period = "" if period_col is None else str(row[period_col])
        for col in columns:
            out.append(
                Metric(
                    metric=f"{prefix}{col}",
                    value=_clean_number(row[col]),
                    unit=units.get(col, ""),
                    entity_type=entity_type,
                    entity_id=entity,
                    period=period,
                )
            )
    return out


def _outcomes() -> pd.DataFrame:
    return pd.DataFrame(columns=["item_id", "project_id", "passed"])


@dataclass
class CheckResult:
    """What a check returns: the rows behind its findings and the findings it raises.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per exception, with the evidence an auditor needs to follow it up (or the
        whole analysis table when a check has no exception rows).
    findings : list of Finding
        Findings raised; empty when the check found nothing or could not run.
    check : str
        Machine name of the check, where one result is one check (``naming_violation``).
    tested : pandas.DataFrame
        The tested population and its outcome (``item_id``, ``project_id``, ``passed``),
        for checks whose pass rates are scored; empty otherwise.
    limitation : str or None
        Why the check could not run (a missing table or column), else None.
    note : str or None
        Items the check ran past because the data cannot decide them (an unknown date),
        stated as a limitation of the check, else None.
    """

    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    findings: list[Finding] = field(default_factory=list)
    check: str = ""
    tested: pd.DataFrame = field(default_factory=_outcomes)
    limitation: str | None = None
    note: str | None = None

    @classmethod
    def skipped(cls, check: str, reason: str) -> CheckResult:
        """A check that could not run, with the reason for the report."""
        return cls(check=check, limitation=reason)

    @property
    def ran(self) -> bool:
        """The check could run on the data provided."""
        return self.limitation is None

    @property
    def ids(self) -> list[str]:
        """Every entity id behind the findings, sorted."""
        return sorted({i for f in self.findings for i in f.entities.ids})

    def ids_for(self, check: str) -> list[str]:
        """The entity ids of the findings raised by one check name, sorted."""
        return sorted({i for f in self.findings if f.check == check for i in f.entities.ids})

    @property
    def population(self) -> int:
        """Number of items tested."""
        return len(self.tested)

    @property
    def exceptions(self) -> int:
        """Number of tested items that failed."""
        return int((~self.tested["passed"].astype(bool)).sum()) if len(self.tested) else 0


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Most severe first, then by the money and the count at stake."""
    return sorted(
        findings,
        key=lambda f: (
            SEVERITY_RANK[f.severity],
            -(f.exceptions.value or 0.0),
            -f.exceptions.count,
            f.id,
        ),
    )
