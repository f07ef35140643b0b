"""What the analytics modules share: column checks, record ids, and the rules by which
their ``*_finding`` companions turn exception rows into a
:class:`~workbench.findings.Finding` (the money at stake, the severity, the ids).

Private to :mod:`workbench.analytics`: the public checks live in the modules named for
them and call these helpers, so every companion counts, rates and words its exceptions
the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from workbench.findings import SEVERITIES, Finding, Severity, finding_from_ids


def require_columns(frame: pd.DataFrame, columns: Iterable[str], test: str) -> None:
    """Raise a KeyError naming ``test``, the missing columns and the columns there are."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"{test}: column(s) {missing} not in the table (has {list(frame.columns)})")


def as_list(columns: str | Sequence[str] | None) -> list[str]:
    """One column name or several as a list; None is no column."""
    if columns is None:
        return []
    return [columns] if isinstance(columns, str) else list(columns)


def record_ids(frame: pd.DataFrame, id_col: str | None) -> pd.Series:
    """Each row's id as text, aligned with ``frame``: ``id_col``, else the index.

    The index stands in when ``id_col`` is None or not a column of ``frame``.
    """
    if id_col is not None and id_col in frame.columns:
        return frame[id_col].astype("str")
    return pd.Series(frame.index.astype("str"), index=frame.index, dtype="str")


def absolute_total(frame: pd.DataFrame, column: str) -> float | None:
    """The sum of ``|column|``, or None when ``frame`` has no such column."""
    return float(frame[column].abs().sum()) if column in frame.columns else None


def escalate(base: Severity, value: float | None, materiality: float | None) -> Severity:
    """``base``, one level more severe once ``value`` reaches ``materiality``.

    A missing value counts as zero; without a materiality the severity stays ``base``.
    """
    if materiality is not None and (value or 0.0) >= materiality:
        return SEVERITIES[max(SEVERITIES.index(base) - 1, 0)]  # type: ignore[return-value]
    return base


def _finding_ids(rows: pd.DataFrame, id_col: str | None) -> list[str]:
    if id_col is not None and id_col in rows.columns:
        return rows[id_col].astype("str").tolist()
    # str() of each label rather than record_ids: on a datetime index the two differ, and
    # the ids these findings have always carried must not change
    return [str(i) for i in rows.index]


def rows_finding(
    rows: pd.DataFrame,
    population: pd.DataFrame,
    *,
    check: str,
    code: str,
    title: str,
    summary: str,
    base: Severity,
    severity: Severity | None,
    materiality: float | None,
    amount_col: str,
    id_col: str | None,
    entity_type: str,
    area: str,
    owner_role: str,
    recommendation: str,
    corrective_action: str,
    preventive_action: str,
    separator: str = ": ",
) -> Finding | None:
    """A finding whose exceptions are ``rows``, each one record of ``population``.

    Parameters
    ----------
    rows, population : DataFrame
        The exception rows and the table they were found in; no rows, no finding (None).
    summary : str
        What the rows are; the summary reads ``"{n} of {N} records, worth {value}"``, then
        ``separator``, then this (the value part only where ``amount_col`` is a column).
    base : str
        Severity by default, one level up once the rows' value reaches ``materiality``;
        ``severity``, when given, overrides both.
    amount_col : str
        Column whose absolute sum is the exception value (over ``rows``) and the population
        value (over ``population``); either is None where the column is absent.
    id_col : str, optional
        Column with the record ids; the index stands in when None or absent.

    The other arguments are those of :func:`~workbench.findings.finding_from_ids`.
    """
    if rows.empty:
        return None
    value = absolute_total(rows, amount_col)
    value_txt = f", worth {value:,.2f}" if value is not None else ""
    return finding_from_ids(
        check=check,
        area=area,
        severity=severity or escalate(base, value, materiality),
        title=title,
        summary=f"{len(rows):,} of {len(population):,} records{value_txt}{separator}{summary}",
        entity_type=entity_type,
        ids=_finding_ids(rows, id_col),
        population_count=len(population),
        population_value=absolute_total(population, amount_col),
        exception_value=value,
        recommendation=recommendation,
        corrective_action=corrective_action,
        preventive_action=preventive_action,
        owner_role=owner_role,
        code=code,
    )
