"""The one contract of a playbook's library: what ``run`` takes and what it gives back.

Every playbook library (:mod:`workbench.pm`, :mod:`workbench.records`,
:mod:`workbench.dbaudit`, :mod:`workbench.bi`) exposes the same two names:

``Params``
    A frozen dataclass of the playbook's parameters, one field per parameter of its
    ``playbook.yaml`` (same names, same types). The defaults live in ``playbook.yaml`` only:
    ``Params.defaults(**overrides)`` resolves them from there, and
    :func:`params_mismatches` (run by the tests) keeps the fields and the file equal.

``run(tables, criteria, params, period, **resources) -> Result``
    ``tables`` are the engagement's input tables that passed their contracts (absent ones
    are limitations, never errors); ``criteria`` the playbook's editable criteria by name
    (a client file of the same name overrides the shipped one); ``period`` the engagement
    period. Keyword resources a run declares are passed by name by the session:
    ``currency`` (the engagement currency, for amounts in prose) and ``engagement`` (the
    loaded engagement, for a playbook that reaches beyond the tables, such as the database
    audit).

A :class:`Result` carries what the chapter shows and what the deliverables collect: the
findings, the metric rows, the display tables by name, the charts by name (drawn only when
shown), the narrative by name, the limitations, and the score when the playbook states its
own. The notebook shows them; ``findings.json`` and ``metrics.csv`` are built from them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import pandas as pd

from workbench.findings import Finding, Metric

#: The criteria a run reads: name -> DataFrame (CSV) or mapping (YAML).
Criteria = Mapping[str, Any]

P = TypeVar("P", bound="PlaybookParams")


@dataclass(frozen=True)
class Period:
    """The engagement period a run covers.

    Parameters
    ----------
    start, end : pandas.Timestamp
        First and last day of the period (normalised to midnight).
    """

    start: pd.Timestamp
    end: pd.Timestamp

    @classmethod
    def of(cls, start: Any, end: Any) -> Period:
        """A period from two date-like values (dates, ISO strings, Timestamps)."""
        return cls(pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize())

    def as_of(self, value: Any = None) -> pd.Timestamp:
        """The as-of date of a run: ``value`` when one is given, else the period end.

        Parameters
        ----------
        value : date, str, Timestamp or None
            The playbook's ``as_of`` parameter; None, blank or NaN means "not given".

        Raises
        ------
        ValueError
            When ``value`` is given but is not a date.
        """
        if value is None or (isinstance(value, str) and not value.strip()):
            return self.end
        if isinstance(value, float) and pd.isna(value):
            return self.end
        stamp = pd.Timestamp(value)
        if pd.isna(stamp):
            raise ValueError(f"not a date: {value!r}")
        return stamp.normalize()


class PlaybookParams:
    """Base of every playbook's ``Params`` dataclass (see the module docstring).

    Subclasses are frozen dataclasses without defaults and set :attr:`playbook` to the name
    of the playbook whose ``playbook.yaml`` declares them.
    """

    playbook: ClassVar[str] = ""

    @classmethod
    def from_values(cls: type[P], values: Mapping[str, Any]) -> P:
        """The parameters from resolved values (``pb.params``); other names are ignored.

        Raises
        ------
        TypeError
            When a declared parameter has no value.
        """
        names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
        missing = [n for n in names if n not in values]
        if missing:
            raise TypeError(f"{cls.__name__}: no value for {', '.join(missing)}")
        return cls(**{n: values[n] for n in names})

    @classmethod
    def defaults(cls: type[P], **overrides: Any) -> P:
        """The defaults of ``playbook.yaml`` with ``overrides`` applied and type-checked."""
        from workbench.playbooks import get_playbook

        spec = get_playbook(cls.playbook)
        return cls.from_values(spec.resolve_parameters(overrides, cls.__name__))

    def values(self) -> dict[str, Any]:
        """The parameters as a plain dictionary, in declaration order."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}  # type: ignore[arg-type]


#: The Python type of each ``playbook.yaml`` parameter type.
YAML_TYPES: dict[str, Any] = {
    "int": int,
    "float": float,
    "str": str,
    "bool": bool,
    "date": dt.date,
    "list": list[str],
}


def params_mismatches(params: type[PlaybookParams], spec: Any) -> list[str]:
    """Where a ``Params`` dataclass and its ``playbook.yaml`` disagree (empty: they agree).

    Parameters
    ----------
    params : type
        The dataclass (a :class:`PlaybookParams` subclass).
    spec : workbench.playbooks.PlaybookSpec
        The playbook it belongs to.

    Returns
    -------
    list of str
        One sentence per difference: a name on one side only, a type that differs, a field
        that is optional (``X | None``) while the file's default is not null or the reverse.
    """
    hints = typing.get_type_hints(params)
    fields = [f.name for f in dataclasses.fields(params)]  # type: ignore[arg-type]
    problems = [
        f"{name}: in playbook.yaml, not in {params.__name__}"
        for name in spec.parameters
        if name not in fields
    ]
    problems += [
        f"{name}: in {params.__name__}, not in playbook.yaml"
        for name in fields
        if name not in spec.parameters
    ]
    for name in fields:
        declared = spec.parameters.get(name)
        if declared is None:
            continue
        expected = YAML_TYPES[declared.type]
        if declared.default is None:
            expected = expected | None
        if hints[name] != expected:
            problems.append(
                f"{name}: {params.__name__} says {hints[name]}, playbook.yaml says "
                f"{declared.type} (default {declared.default!r}), that is {expected}"
            )
    if [n for n in fields if n in spec.parameters] != [n for n in spec.parameters if n in fields]:
        problems.append(f"{params.__name__} lists the parameters in another order")
    return problems


@dataclass(frozen=True)
class Chart:
    """A chart of the chapter, drawn only when the notebook shows it.

    Parameters
    ----------
    draw : callable
        Returns a matplotlib Figure, or a ``(Figure, alt text)`` pair.
    alt : str
        Alt text; the pair returned by ``draw`` takes precedence.
    """

    draw: Callable[[], Any]
    alt: str = ""

    def render(self) -> tuple[Any, str]:
        """The figure and its alt text."""
        drawn = self.draw()
        if isinstance(drawn, tuple):
            fig, alt = drawn
            return fig, str(alt)
        return drawn, self.alt


@dataclass
class Result:
    """What a playbook's ``run`` gives back (see the module docstring).

    Attributes
    ----------
    findings : list of Finding
        In the order they are recorded (ids are numbered in this order per code).
    metrics : list of Metric
        Every number the chapter shows, as rows of ``metrics.csv``.
    tables : dict of str to DataFrame
        The tables the chapter shows, by name, ready to display.
    charts : dict of str to Chart
        The charts the chapter shows, by name; only those there is data for.
    text : dict of str to str or callable
        Narrative computed from the data (markdown), by name. A callable is called when
        the text is read, for narrative that cites the finding ids the session gives.
    limitations : list of (check, reason)
        Checks that could not run, and why.
    score : float or None
        The chapter's score when the playbook states its own method; None takes the
        session's default (see :data:`workbench.session.SCORE_METHOD`).
    analysis : object
        The library's full analysis object (``PMAudit``, ``Assessment``, ``RecordsAudit``,
        ``AuditResult``), for an analyst who explores beyond the chapter.
    """

    findings: list[Finding] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    charts: dict[str, Chart] = field(default_factory=dict)
    text: dict[str, str | Callable[[], str]] = field(default_factory=dict)
    limitations: list[tuple[str, str]] = field(default_factory=list)
    score: float | None = None
    analysis: Any = None

    def markdown(self, name: str) -> str:
        """One narrative block (see :attr:`text`)."""
        value = self.text[name]
        return value() if callable(value) else value

    def table(self, name: str) -> pd.DataFrame:
        """A display table; an empty frame when the data gave none."""
        return self.tables.get(name, pd.DataFrame())


__all__ = [
    "Chart",
    "Criteria",
    "Period",
    "PlaybookParams",
    "Result",
    "params_mismatches",
]
