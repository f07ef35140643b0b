"""Gaps and duplicates in numbered sequences (invoice numbers, cheque numbers, orders).

A document number such as ``INV-000123`` is split into a prefix (``INV-``) and a trailing
number (123); each prefix is its own sequence (optionally also per ``by`` column, e.g.
per company). Gaps are reported as ranges with their count (``INV-000124`` to
``INV-000130``: 7 missing), numbers used more than once are reported with the ids behind
them, and values without a trailing number are counted apart.

Scale: the split runs in Arrow's vectorised regex engine and the gap search is a sort and
a ``diff``, so tens of millions of numbers take seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from workbench.analytics._common import record_ids
from workbench.analytics.duplicates import first_rows, group_codes
from workbench.findings import Finding, Severity, finding_from_ids

# lazy prefix, then up to 18 digits at the end (fits int64); surrounding blanks ignored
_PATTERN = r"^\s*(?P<prefix>.*?)(?P<number>\d{1,18})\s*$"


@dataclass
class SequenceResult:
    """Outcome of :func:`sequence_gaps`.

    Attributes
    ----------
    gaps : DataFrame
        One row per missing range: ``[by...], prefix, gap_start, gap_end, missing,
        first_missing, last_missing`` (the last two formatted like the documents, with the
        sequence's zero padding).
    duplicates : DataFrame
        One row per record whose number is used more than once: ``[by...], prefix,
        number, value, id, times_used``.
    sequences : DataFrame
        One row per sequence: ``[by...], prefix, first, last, used, distinct, expected,
        missing, duplicated`` (``expected`` = last - first + 1).
    unparsed : DataFrame
        Rows whose value has no trailing number (``id, value``); missing values are not
        listed but counted in ``n_missing``.
    n_records : int
        Records with a parsed number (the population).
    n_missing : int
        Records with no value at all.
    """

    gaps: pd.DataFrame
    duplicates: pd.DataFrame
    sequences: pd.DataFrame
    unparsed: pd.DataFrame
    n_records: int
    n_missing: int

    @property
    def missing_count(self) -> int:
        """Total numbers missing across all gaps."""
        return int(self.gaps["missing"].sum()) if len(self.gaps) else 0


def _split_arrow(values: pd.Series) -> tuple[pa.Array, np.ndarray, np.ndarray, np.ndarray]:
    """Prefix (Arrow strings), number, width and prefix code per value, all vectorised.

    Number and width are -1 where there is no trailing number (or no value).
    """
    arr = pa.array(values.astype("str"), from_pandas=True)
    parts = pc.extract_regex(arr, _PATTERN)
    # struct_field propagates the struct's nulls (non-matching values)
    prefix = pc.struct_field(parts, "prefix")
    digits = pc.struct_field(parts, "number")
    number = pc.fill_null(pc.cast(digits, pa.int64()), -1).to_numpy(zero_copy_only=False)
    width = pc.fill_null(pc.utf8_length(digits), -1).to_numpy(zero_copy_only=False)
    encoded = pc.dictionary_encode(pc.fill_null(prefix, ""))
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return prefix, np.asarray(number, np.int64), np.asarray(width, np.int64), codes


def split_document_number(values: pd.Series) -> pd.DataFrame:
    """Split ``INV-000123`` into prefix ``INV-``, number 123 and width 6 (vectorised).

    Returns
    -------
    DataFrame
        ``prefix`` (str), ``number`` (Int64, missing when there is no trailing number),
        ``width`` (digits as written, for zero padding), aligned with ``values``.
    """
    prefix, number, width, _ = _split_arrow(values)
    found = number >= 0
    return pd.DataFrame(
        {
            "prefix": pd.Series(prefix.to_pandas(), dtype="str").to_numpy(),
            "number": pd.Series(number, dtype="Int64").where(found).array,
            "width": pd.Series(width, dtype="Int64").where(found).array,
        },
        index=values.index,
    )


def _format(prefix: np.ndarray, number: np.ndarray, width: np.ndarray) -> list[str]:
    """Document numbers as written: prefix + zero-padded number (few rows: the gaps)."""
    return [
        f"{p}{str(int(n)).zfill(int(w))}" for p, n, w in zip(prefix, number, width, strict=True)
    ]


def _by_codes(frame: pd.DataFrame, by: list[str], rows: np.ndarray) -> tuple[np.ndarray, int]:
    if not by:
        return np.zeros(len(rows), dtype=np.int64), 1
    return group_codes(frame.iloc[rows], by)


def sequence_gaps(
    frame: pd.DataFrame,
    column: str = "invoice_number",
    *,
    by: Sequence[str] = (),
    id_col: str | None = "expense_id",
    max_gap: int | None = None,
) -> SequenceResult:
    """Find gaps and repeated numbers in a document-number sequence.

    Parameters
    ----------
    frame : DataFrame
    column : str
        The document number, as text (``INV-000123``) or as a number.
    by : sequence of str
        Extra columns that each start their own sequence (e.g. ``vendor`` for the vendors'
        invoice numbers, ``company`` for several ledgers).
    id_col : str or None
        Record id for the duplicate rows (the index when None or absent).
    max_gap : int, optional
        Ranges with more missing numbers than this are not gaps but separate number
        blocks (e.g. a new year's series); they are left out. None keeps every gap.

    Returns
    -------
    SequenceResult
    """
    by = list(by)
    missing_cols = [c for c in [column, *by] if c not in frame.columns]
    if missing_cols:
        raise KeyError(f"sequence_gaps: column(s) {missing_cols} not in the table")
    raw = frame[column]
    if pd.api.types.is_float_dtype(raw):
        # numbers read as floats (e.g. from Excel): 123.0 -> "123"
        text = raw.round().astype("Int64").astype("str")
    else:
        text = raw.astype("str")
    present = text.notna().to_numpy()
    prefix_arr, number, width, prefix_code = _split_arrow(text)
    parsed = present & (number >= 0)
    ids = record_ids(frame, id_col)
    bad = present & ~parsed
    unparsed = pd.DataFrame({"id": ids[bad].to_numpy(), "value": text[bad].to_numpy()})

    rows = np.flatnonzero(parsed)
    num = number[rows]
    wid = width[rows]
    by_code, _ = _by_codes(frame, by, rows)
    # a sequence is (by..., prefix): combine the two integer codes and make them dense
    codes_raw = by_code * np.int64(int(prefix_code.max(initial=0)) + 1) + prefix_code[rows]
    codes, seq_uniques = pd.factorize(codes_raw)
    codes = np.asarray(codes, dtype=np.int64)
    n_seq = len(seq_uniques)

    def labels(at: np.ndarray) -> dict[str, np.ndarray]:
        """The ``by`` values and prefix of the records at positions ``at`` of ``rows``."""
        src = rows[at]
        out = {c: frame[c].iloc[src].to_numpy() for c in by}
        out["prefix"] = np.asarray(prefix_arr.take(pa.array(src)).to_pylist(), dtype=object)
        return out

    # duplicates: the same number twice in one sequence
    span = int(num.max(initial=0)) + 1
    if n_seq * span < 2**62:
        key = codes * np.int64(span) + num
        # ledgers usually come sorted by number: check before paying for a sort
        order = (
            np.arange(len(key))
            if len(key) < 2 or bool(np.all(key[1:] >= key[:-1]))
            else np.argsort(key, kind="stable")
        )
    else:
        order = np.lexsort((num, codes))
    c_sorted, n_sorted = codes[order], num[order]
    same_as_prev = np.zeros(len(order), dtype=bool)
    same_as_prev[1:] = (c_sorted[1:] == c_sorted[:-1]) & (n_sorted[1:] == n_sorted[:-1])
    run_start = ~same_as_prev
    run_id = np.cumsum(run_start) - 1
    run_len = np.bincount(run_id) if len(run_id) else np.zeros(0, dtype=np.int64)
    times = run_len[run_id] if len(run_id) else np.zeros(0, dtype=np.int64)
    dup_at = order[times > 1]
    duplicates = pd.DataFrame(
        {
            **labels(dup_at),
            "number": num[dup_at],
            "value": text.iloc[rows[dup_at]].to_numpy(),
            "id": ids.iloc[rows[dup_at]].to_numpy(),
            "times_used": times[times > 1],
        }
    )

    # gaps: consecutive distinct numbers more than one apart
    distinct_at = order[run_start]
    dc, dn = codes[distinct_at], num[distinct_at]
    next_same = np.zeros(len(dc), dtype=bool)
    next_same[:-1] = dc[1:] == dc[:-1]
    step = np.zeros(len(dc), dtype=np.int64)
    step[:-1] = dn[1:] - dn[:-1]
    is_gap = next_same & (step > 1)
    if max_gap is not None:
        is_gap &= step - 1 <= max_gap
    g = np.flatnonzero(is_gap)
    gap_at = distinct_at[g]
    start = dn[g] + 1
    end = dn[g + 1] - 1
    # zero padding: only when every number of the sequence is written with the same width
    w_max = np.full(n_seq, -1, dtype=np.int64)
    w_min = np.full(n_seq, np.iinfo(np.int64).max, dtype=np.int64)
    np.maximum.at(w_max, codes, wid)
    np.minimum.at(w_min, codes, wid)
    seq_of_gap = codes[gap_at]
    widths = np.where(w_min[seq_of_gap] == w_max[seq_of_gap], w_max[seq_of_gap], 0)
    gap_labels = labels(gap_at)
    gaps = pd.DataFrame(
        {
            **gap_labels,
            "gap_start": start.astype(np.int64),
            "gap_end": end.astype(np.int64),
            "missing": (end - start + 1).astype(np.int64),
            "first_missing": _format(gap_labels["prefix"], start, widths),
            "last_missing": _format(gap_labels["prefix"], end, widths),
        }
    )

    # one row per sequence, in order of first appearance
    lo = np.full(n_seq, np.iinfo(np.int64).max, dtype=np.int64)
    hi = np.full(n_seq, -1, dtype=np.int64)
    np.minimum.at(lo, codes, num)
    np.maximum.at(hi, codes, num)
    used = np.bincount(codes, minlength=n_seq)
    distinct = np.bincount(dc, minlength=n_seq)
    missing = np.bincount(seq_of_gap, weights=end - start + 1, minlength=n_seq)
    first_at = first_rows(codes, n_seq)
    sequences = pd.DataFrame(
        {
            **labels(first_at),
            "first": lo,
            "last": hi,
            "used": used.astype(np.int64),
            "distinct": distinct.astype(np.int64),
            "expected": (hi - lo + 1).astype(np.int64),
            "missing": missing.astype(np.int64),
            "duplicated": (used - distinct).astype(np.int64),
        }
    )
    keys = [*by, "prefix"]
    return SequenceResult(
        gaps=gaps.sort_values([*keys, "gap_start"], kind="stable").reset_index(drop=True),
        duplicates=duplicates,
        sequences=sequences,
        unparsed=unparsed,
        n_records=len(rows),
        n_missing=int((~present).sum()),
    )


def gaps_finding(
    result: SequenceResult,
    *,
    column: str = "invoice_number",
    entity_type: str = "sequence_range",
    area: str = "Expense analytics",
    severity: Severity = "medium",
    owner_role: str = "Finance controller",
) -> Finding | None:
    """A finding for the missing numbers; the ids are the missing ranges (``A..B``)."""
    if result.gaps.empty:
        return None
    labels = [
        a if a == b else f"{a}..{b}"
        for a, b in zip(result.gaps["first_missing"], result.gaps["last_missing"], strict=True)
    ]
    missing = result.missing_count
    expected = int(result.sequences["expected"].sum())
    finding = finding_from_ids(
        check=f"sequence_gaps_{column}",
        area=area,
        severity=severity,
        title=f"Gaps in the {column.replace('_', ' ')} sequence",
        summary=(
            f"{missing:,} numbers are missing from {len(result.sequences):,} sequence(s) "
            f"spanning {expected:,} numbers, in {len(labels):,} range(s)."
        ),
        entity_type=entity_type,
        ids=labels,
        population_count=expected,
        recommendation=(
            "Obtain an explanation for each missing range (voided, cancelled, not yet "
            "posted, or issued outside the ledger) with evidence."
        ),
        corrective_action="Locate the missing documents and post or formally void them.",
        preventive_action=(
            "Let the system issue numbers, log voids with a reason, and reconcile the "
            "sequence every period."
        ),
        owner_role=owner_role,
        code="GAP",
    )
    # the count is the missing numbers, not the number of ranges listed as ids
    finding.exceptions.count = missing
    finding.exceptions.share = round(missing / expected, 6) if expected else None
    return finding


def sequence_duplicates_finding(
    result: SequenceResult,
    *,
    column: str = "invoice_number",
    amount: pd.Series | None = None,
    entity_type: str = "expense",
    area: str = "Expense analytics",
    severity: Severity = "high",
    owner_role: str = "Finance controller",
) -> Finding | None:
    """A finding for document numbers used more than once; ids are the records.

    ``amount`` (indexed by record id) adds the value of the records involved.
    """
    dups = result.duplicates
    if dups.empty:
        return None
    value = None
    if amount is not None:
        value = float(amount.reindex(dups["id"]).abs().sum())
    numbers = dups.drop_duplicates(["prefix", "number"]).shape[0]
    return finding_from_ids(
        check=f"sequence_duplicates_{column}",
        area=area,
        severity=severity,
        title=f"{column.replace('_', ' ').capitalize()} used more than once",
        summary=(f"{numbers:,} number(s) appear on {len(dups):,} of {result.n_records:,} records."),
        entity_type=entity_type,
        ids=dups["id"].tolist(),
        population_count=result.n_records,
        exception_value=value,
        recommendation="Check whether each repeated number is a duplicate document.",
        corrective_action="Reverse duplicate postings and re-number documents keyed twice.",
        preventive_action="Make the document number unique in the system (per sequence).",
        owner_role=owner_role,
        code="GAP",
    )
