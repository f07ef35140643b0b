"""Coercion of raw client values into the kinds the contracts declare.

Each coercer returns the typed series and the row numbers whose non-empty value could not
be read, so the validation report can point at the exact cells.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_TRUE = {"true", "yes", "y", "1", "x", "t", "ja", "oui", "si", "1.0"}
_FALSE = {"false", "no", "n", "0", "f", "nein", "non", "0.0", "-"}
_NUMBER_NOISE = re.compile(r"[\s\u00a0\u202f'€$£¥%]")


@dataclass
class Coerced:
    values: pd.Series
    bad_rows: list[int] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    note: str = ""


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


def to_number(raw: pd.Series, decimal: str = ".") -> Coerced:
    blank = _blank(raw)
    if pd.api.types.is_numeric_dtype(raw.dtype) and raw.dtype != bool:
        values = raw.astype("float64")
        return Coerced(values)
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
    rows, examples = _failures(raw, values.notna(), blank)
    return Coerced(values, rows, examples)


def to_integer(raw: pd.Series, decimal: str = ".") -> Coerced:
    number = to_number(raw, decimal)
    frac = number.values.notna() & (number.values % 1 != 0)
    rows = sorted(set(number.bad_rows) | {int(i) for i in raw.index[frac]})
    examples = number.examples + [str(v) for v in raw[frac].head(3)]
    return Coerced(number.values.where(~frac).astype("Float64").astype("Int64"), rows, examples)


def _mask(values: pd.Series) -> pd.Series:
    """A plain numpy-backed boolean mask (nullable and Arrow booleans count NA as False)."""
    return pd.Series(values.fillna(False).astype(bool).to_numpy(), index=values.index)


def to_date(raw: pd.Series, dayfirst: bool = True) -> Coerced:
    blank = _mask(_blank(raw))
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    is_dt = _mask(raw.map(lambda v: isinstance(v, (dt.date, dt.datetime, pd.Timestamp))))
    if is_dt.any():
        out[is_dt] = pd.to_datetime(raw[is_dt].map(pd.Timestamp)).astype("datetime64[ns]")
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
    note = ""
    if rest.any():
        iso = pd.to_datetime(text[rest], format="ISO8601", errors="coerce")
        out[rest] = iso.astype("datetime64[ns]")
        other = rest & out.isna()
        if other.any():
            guess = pd.to_datetime(text[other], format="mixed", dayfirst=dayfirst, errors="coerce")
            out[other] = guess.astype("datetime64[ns]")
            if guess.notna().any() and iso.notna().any():
                order = "day" if dayfirst else "month"
                note = (
                    f"dates in more than one format (ISO and {order}-first); read "
                    f"{int(guess.notna().sum())} non-ISO dates as {order}-first"
                )
    out = out.dt.normalize()
    rows, examples = _failures(raw, out.notna(), blank)
    return Coerced(out, rows, examples, note)


def to_bool(raw: pd.Series) -> Coerced:
    blank = _blank(raw)
    text = raw.astype("string").str.strip().str.lower()
    values = pd.Series(pd.NA, index=raw.index, dtype="boolean")
    values[text.isin(_TRUE).fillna(False)] = True
    values[text.isin(_FALSE).fillna(False)] = False
    if raw.dtype == bool:
        values = raw.astype("boolean")
    rows, examples = _failures(raw, values.notna(), blank)
    return Coerced(values, rows, examples)


def to_category(raw: pd.Series) -> Coerced:
    text = to_text(raw).values
    norm = text.str.lower().str.replace(r"[\s\-]+", "_", regex=True)
    return Coerced(norm.where(text.notna(), None))


def coerce(raw: pd.Series, kind: str, *, decimal: str = ".", dayfirst: bool = True) -> Coerced:
    """Coerce one column to its declared kind."""
    if kind in ("id", "text"):
        return to_text(raw)
    if kind == "number":
        return to_number(raw, decimal)
    if kind == "integer":
        return to_integer(raw, decimal)
    if kind == "date":
        return to_date(raw, dayfirst)
    if kind == "bool":
        return to_bool(raw)
    if kind == "category":
        return to_category(raw)
    raise ValueError(f"unknown column kind {kind!r}")
