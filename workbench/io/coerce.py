"""Coercion of raw client values into the kinds the contracts declare.

Each coercer returns the typed series and the row numbers whose non-empty value could not
be read, so the validation report can point at the exact cells.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.contracts.vocabulary import YES_NO, Vocabulary, normalise_value

_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
#: how a yes/no cell reads when it is simply written as yes/no or true/false: not a mapping
_PLAIN_BOOL = {"yes", "no", "true", "false"}
_NUMBER_NOISE = re.compile(r"[\s\u00a0\u202f'€$£¥%]")


@dataclass
class Coerced:
    """A column coerced to its kind.

    ``mapped`` lists each client value placed on another (``{"from", "to", "rows", "by"}``,
    ``by`` one of spelling, synonym, engagement.yaml); ``unplaced`` gives, for a column with
    allowed values, each client value no vocabulary or mapping places, with its rows.
    """

    values: pd.Series
    bad_rows: list[int] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    note: str = ""
    mapped: list[dict[str, Any]] = field(default_factory=list)
    unplaced: dict[str, list[int]] = field(default_factory=dict)


def _blank(raw: pd.Series) -> pd.Series:
    as_text = raw.astype("string").str.strip()
    return raw.isna() | as_text.isna() | (as_text == "")


def _failures(raw: pd.Series, ok: pd.Series, blank: pd.Series) -> tuple[list[int], list[str]]:
    bad = ~ok & ~blank
    rows = [int(i) for i in raw.index[bad]]
    examples = [str(v) for v in raw[bad].drop_duplicates().head(3)]
    return rows, examples


def to_text(raw: pd.Series) -> Coerced:
    def text(v: object) -> object:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        if isinstance(v, float) and v.is_integer():
            return str(int(v))  # ids typed as numbers in Excel: 1001.0 -> "1001"
        if isinstance(v, (dt.datetime, pd.Timestamp)):
            return v.date().isoformat() if v.time() == dt.time(0) else v.isoformat()
        s = str(v).strip()
        return s or None

    values = raw.map(text) if raw.dtype == object else raw.astype("string").str.strip()
    values = values.astype("string").replace("", pd.NA).astype("str")
    return Coerced(values.where(values.notna(), None))


def _finite(values: pd.Series, raw: pd.Series, blank: pd.Series) -> Coerced:
    """Numbers with infinities (``inf``, ``1e400``) turned into named bad rows: no amount
    in a client's books is infinite, and one would poison every total and ratio."""
    infinite = pd.Series(np.isinf(values.to_numpy(dtype="float64")), index=values.index)
    values = values.where(~infinite)
    rows, examples = _failures(raw, values.notna(), blank)
    return Coerced(values, rows, examples)


def to_number(raw: pd.Series, decimal: str = ".") -> Coerced:
    blank = _blank(raw)
    if pd.api.types.is_numeric_dtype(raw.dtype) and raw.dtype != bool:
        return _finite(raw.astype("float64"), raw, blank)
    numeric = pd.to_numeric(
        raw.where(raw.map(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool))),
        errors="coerce",
    )
    text = raw.astype("string").str.strip()
    text = text.str.replace(_NUMBER_NOISE, "", regex=True)
    negative = text.str.match(r"^\(.*\)$", na=False)
    text = text.str.strip("()")
    if decimal == ",":
        text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        text = text.str.replace(r"(?<=\d),(?=\d{3}\b)", "", regex=True)
    parsed = pd.to_numeric(text, errors="coerce").astype("float64")
    parsed = parsed.where(~negative, -parsed)
    values = numeric.astype("float64").fillna(parsed)
    return _finite(values, raw, blank)


def to_integer(raw: pd.Series, decimal: str = ".") -> Coerced:
    number = to_number(raw, decimal)
    # a fraction, or a whole number beyond what a 64-bit integer holds (it would wrap)
    frac = number.values.notna() & ((number.values % 1 != 0) | (number.values.abs() >= 2**63))
    rows = sorted(set(number.bad_rows) | {int(i) for i in raw.index[frac]})
    examples = number.examples + [str(v) for v in raw[frac].head(3)]
    return Coerced(number.values.where(~frac).astype("Float64").astype("Int64"), rows, examples)


def _mask(values: pd.Series) -> pd.Series:
    """A plain numpy-backed boolean mask (nullable and Arrow booleans count NA as False)."""
    return pd.Series(values.fillna(False).astype(bool).to_numpy(), index=values.index)


def _as_ns(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parsed dates as naive ``datetime64[ns]``, and which fell outside its range.

    The range is 1677-09-21 .. 2262-04-11. Dates outside it (the 0001-01-01 and 9999-12-31
    placeholders some systems write for "no date") become missing, so that they are reported
    as unreadable cells instead of stopping the load.
    """
    values = pd.to_datetime(values, errors="coerce", utc=False)
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_localize(None)
    inside = values.isna() | ((values >= pd.Timestamp.min) & (values <= pd.Timestamp.max))
    return values.where(inside).astype("datetime64[ns]"), ~inside


def _timestamp(value: object) -> object:
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, OverflowError):
        return pd.NaT
    return stamp.tz_localize(None) if stamp.tzinfo is not None else stamp


_DAY_MONTH = re.compile(r"^\s*(\d{1,2})[./-](\d{1,2})[./-]\d{2,4}\b")


def infer_dayfirst(text: pd.Series, default: bool) -> bool:
    """Day-first or month-first, as the column itself shows it.

    A column holding ``14/03/2025`` is day-first and one holding ``03/14/2025`` month-first,
    whatever the engagement's default; a column that never shows a number above 12 in
    either place (or shows both) keeps ``default``.
    """
    parts = text.dropna().astype(str).str.extract(_DAY_MONTH).dropna().astype(int)
    if parts.empty:
        return default
    first_is_day = bool((parts[0] > 12).any())
    second_is_day = bool((parts[1] > 12).any())
    if first_is_day != second_is_day:
        return first_is_day
    return default


def to_date(raw: pd.Series, dayfirst: bool = True) -> Coerced:
    """Dates from date cells, Excel serial numbers (as numbers or text) and text in the
    usual formats (ISO, ``14.03.2025``, ``14 Mar 2025``, ``March 14, 2025``, ...); the
    day-month order of slashed or dotted dates is read from the column when it shows it."""
    blank = _mask(_blank(raw))
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    outside = pd.Series(False, index=raw.index)
    is_dt = _mask(raw.map(lambda v: isinstance(v, (dt.date, dt.datetime, pd.Timestamp))))
    if is_dt.any():
        out[is_dt], dropped = _as_ns(raw[is_dt].map(_timestamp))
        outside[is_dt] = dropped
    is_num = (
        _mask(raw.map(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool))) & ~blank
    )
    text = raw.astype("string").str.strip()
    serial = _mask(text.str.fullmatch(r"\d{5}(\.\d+)?")) & ~is_dt
    serial_values = pd.to_numeric(text.where(serial | is_num), errors="coerce").astype("float64")
    in_range = _mask(serial_values.between(10000, 80000))  # 1927-05-18 .. 2119-01-10
    if in_range.any():
        days = pd.to_timedelta(serial_values[in_range].round(), unit="D")
        out[in_range] = (_EXCEL_EPOCH + days).astype("datetime64[ns]")
    rest = ~is_dt & ~in_range & ~blank & ~is_num
    notes = []
    if rest.any():
        iso, dropped = _as_ns(pd.to_datetime(text[rest], format="ISO8601", errors="coerce"))
        outside[rest] = dropped
        out[rest] = iso
        other = rest & out.isna()
        if other.any():
            shown = infer_dayfirst(text[other], dayfirst)
            if shown != dayfirst:
                notes.append(
                    f"dates read {'day' if shown else 'month'}-first, as the column shows "
                    f"(e.g. {text[other].dropna().iloc[0]})"
                )
                dayfirst = shown
            guess, dropped = _as_ns(
                pd.to_datetime(text[other], format="mixed", dayfirst=dayfirst, errors="coerce")
            )
            outside[other] |= dropped
            out[other] = guess
            if guess.notna().any() and iso.notna().any():
                order = "day" if dayfirst else "month"
                notes.append(
                    f"dates in more than one format (ISO and {order}-first); read "
                    f"{int(guess.notna().sum())} non-ISO dates as {order}-first"
                )
    out = out.dt.normalize()
    outside &= out.isna()
    if outside.any():
        notes.append(
            f"{int(outside.sum())} date(s) before 1677 or after 2262, such as a 9999-12-31 "
            "placeholder for 'no end date'; leave such cells empty"
        )
    rows, examples = _failures(raw, out.notna(), blank)
    return Coerced(out, rows, examples, "; ".join(notes))


def _place(
    text: pd.Series, vocabulary: Vocabulary | None, mapping: dict[str, str]
) -> tuple[pd.Series, list[dict[str, Any]], dict[str, list[int]]]:
    """Each distinct client value placed by the engagement's mapping, else the vocabulary.

    Returns the placed values (``None`` where nothing places a value), the mappings
    applied and the values left unplaced with their rows.
    """
    placed: dict[str, str | None] = {}
    mapped: list[dict[str, Any]] = []
    present = text.dropna()
    counts = present.value_counts(sort=False)
    for original, rows in counts.items():
        key = normalise_value(original)
        target: str | None
        if key in mapping:
            target, by = mapping[key], "engagement.yaml"
        elif vocabulary is not None:
            found = vocabulary.canonical(original)
            target, by = found, ("spelling" if key == found else "synonym")
        else:
            target, by = str(original), "spelling"
        placed[str(original)] = target
        if target is not None and target != original:
            mapped.append({"from": str(original), "to": target, "rows": int(rows), "by": by})
    values = text.map(placed, na_action="ignore")
    unknown = present[present.map(placed).isna()]
    unplaced = {
        str(value): [int(i) for i in group.index] for value, group in unknown.groupby(unknown)
    }
    return values.where(values.notna(), None), mapped, unplaced


def to_bool(raw: pd.Series, mapping: dict[str, str] | None = None) -> Coerced:
    """yes/no in any of the spellings of :data:`YES_NO`, or as the engagement maps it."""
    if raw.dtype == bool:
        return Coerced(raw.astype("boolean"))
    blank = _blank(raw)
    text = to_text(raw).values
    placed, mapped, _ = _place(text, YES_NO, mapping or {})
    values = placed.map({"yes": True, "no": False}, na_action="ignore").astype("boolean")
    rows, examples = _failures(raw, values.notna(), blank)
    # reading "TRUE" or "No" as yes/no is not a mapping worth listing; "Ja" or "x" is
    shown = [m for m in mapped if normalise_value(m["from"]) not in _PLAIN_BOOL]
    return Coerced(values, rows, examples, mapped=shown)


def to_category(
    raw: pd.Series, vocabulary: Vocabulary | None = None, mapping: dict[str, str] | None = None
) -> Coerced:
    """Values placed on the allowed values: exactly, in another spelling, as a synonym the
    vocabulary declares, or as the engagement maps them. What nothing places is
    ``unplaced`` (its cells empty), for the validation report to propose a mapping."""
    text = to_text(raw).values
    values, mapped, unplaced = _place(text, vocabulary, mapping or {})
    return Coerced(values, mapped=mapped, unplaced=unplaced)


def to_mapped_text(raw: pd.Series, mapping: dict[str, str] | None = None) -> Coerced:
    """Text, with the values the engagement maps replaced (``SOW`` -> ``scope of work``)."""
    text = to_text(raw)
    if not mapping:
        return text
    lookup = text.values.map(lambda v: mapping.get(normalise_value(v)), na_action="ignore")
    values = text.values.where(lookup.isna(), lookup)
    counts = text.values[lookup.notna()].value_counts(sort=False)
    mapped = [
        {"from": str(v), "to": mapping[normalise_value(v)], "rows": int(n), "by": "engagement.yaml"}
        for v, n in counts.items()
    ]
    return Coerced(values, mapped=mapped)


def coerce(
    raw: pd.Series,
    kind: str,
    *,
    decimal: str = ".",
    dayfirst: bool = True,
    vocabulary: Vocabulary | None = None,
    mapping: dict[str, str] | None = None,
) -> Coerced:
    """Coerce one column to its declared kind.

    Parameters
    ----------
    raw : Series
        The cells as read.
    kind : str
        The declared kind (id, text, number, integer, date, bool, category).
    decimal : str
        The file's decimal separator.
    dayfirst : bool
        How a text date whose day and month could be either way round is read.
    vocabulary : Vocabulary, optional
        The allowed values of a category column and their spellings.
    mapping : dict, optional
        The engagement's mapping for this column, keyed by normalised client value.
    """
    if kind in ("id", "text"):
        return to_mapped_text(raw, mapping)
    if kind == "number":
        return to_number(raw, decimal)
    if kind == "integer":
        return to_integer(raw, decimal)
    if kind == "date":
        return to_date(raw, dayfirst)
    if kind == "bool":
        return to_bool(raw, mapping)
    if kind == "category":
        return to_category(raw, vocabulary, mapping)
    raise ValueError(f"unknown column kind {kind!r}")
