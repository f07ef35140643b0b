"""Shaping analysis frames into what a chapter shows: display tables and metric rows.

Analysis functions keep machine column names, which metrics and tests read. The table a
client reads is declared once from such a frame, ``{header: source}``, and shaped here;
so is the list of metric rows a wide frame gives. The PM, BI and records chapters share
these helpers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd

from workbench.findings import Metric, metrics_from_frame

#: Where a display column comes from: a column of the frame, or a function of the frame
#: that returns the values (a Series, a list, or one value for every row).
Source = str | Callable[[pd.DataFrame], Any]


def present(frame: pd.DataFrame, columns: Iterable[str]) -> list[str]:
    """Those of ``columns`` that ``frame`` has, in the order given."""
    return [c for c in columns if c in frame.columns]


def select_present(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """``frame`` cut to those of ``columns`` it has (optional columns are skipped)."""
    return frame[present(frame, columns)]


def display_table(
    frame: pd.DataFrame,
    columns: Mapping[str, Source],
    *,
    rows: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    reset_index: bool = False,
) -> pd.DataFrame:
    """A table for the reader: chosen columns, under plain headers, in the order declared.

    Parameters
    ----------
    frame : pandas.DataFrame
        The analysis frame. An empty one is returned as it is, so that the chapter can say
        there is nothing to show.
    columns : mapping of str to str or callable
        Header -> the column of the shown rows to put under it, or a function of the shown
        rows that returns the values (see :data:`Source`).
    rows : callable, optional
        Picks and orders the rows to show from a non-empty ``frame`` (all rows when None).
    reset_index : bool
        Number the rows from 0 (for tables whose rows were filtered or reordered).
    """
    if frame.empty:
        return frame
    shown = frame if rows is None else rows(frame)
    out = pd.DataFrame(
        {
            header: shown[source] if isinstance(source, str) else source(shown)
            for header, source in columns.items()
        }
    )
    return out.reset_index(drop=True) if reset_index else out


def fixed_text(values: pd.Series, digits: int) -> pd.Series:
    """Numbers as text with ``digits`` decimals and thousands separators; blank where missing."""
    return values.map(lambda v: "" if pd.isna(v) else f"{v:,.{digits}f}")


def percent_text(values: pd.Series) -> pd.Series:
    """Shares as whole percentages (``0.25`` -> ``25%``); blank where missing."""
    return values.map(lambda v: "" if pd.isna(v) else f"{v:.0%}")


def fixed(column: str, digits: int) -> Callable[[pd.DataFrame], pd.Series]:
    """Display source: ``column`` as :func:`fixed_text` with ``digits`` decimals."""
    return lambda frame: fixed_text(frame[column], digits)


def percent(column: str) -> Callable[[pd.DataFrame], pd.Series]:
    """Display source: ``column`` as :func:`percent_text`."""
    return lambda frame: percent_text(frame[column])


def rounded(column: str, digits: int = 0) -> Callable[[pd.DataFrame], pd.Series]:
    """Display source: ``column`` rounded to ``digits`` decimals (still a number)."""
    return lambda frame: frame[column].round(digits)


def whole(column: str) -> Callable[[pd.DataFrame], pd.Series]:
    """Display source: ``column`` as integers (for counts held as floats)."""
    return lambda frame: frame[column].astype(int)


def frame_metrics(
    frame: pd.DataFrame,
    units: Mapping[str, str],
    *,
    entity_type: str = "",
    entity_col: str | None = None,
    period_col: str | None = None,
    prefix: str = "",
) -> list[Metric]:
    """Metric rows of a wide table, one per row and column named in ``units``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The result table.
    units : mapping of str to str
        Column -> unit, in the order the metrics are listed; only these columns are read.
    entity_type, entity_col, period_col, prefix
        As for :func:`workbench.findings.metrics_from_frame`.
    """
    return metrics_from_frame(
        frame,
        list(units),
        entity_type=entity_type,
        entity_col=entity_col,
        period_col=period_col,
        units=dict(units),
        prefix=prefix,
    )
