"""Duplicate tests as ACL and IDEA run them: exact, same-same-different, -near, -similar.

Each test returns the records that belong to a duplicate group, one row per record:
``group_id`` (1, 2, ... in order of the group's first record), ``group_size``, ``id`` (the
record id as a string), then the columns the test compared. A companion,
:func:`duplicates_finding`, turns any of them into a :class:`~workbench.findings.Finding`.

Scale: keys are factorised column by column and combined into one integer per row, so
grouping 10 million rows is a few hash passes and a sort, never a Python loop. Fuzzy
matching runs over the *distinct* names only, blocked by their first characters, and the
clusters it finds are mapped back to the rows.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from workbench.analytics._common import (
    absolute_total,
    as_list,
    escalate,
    record_ids,
    require_columns,
)
from workbench.findings import Finding, Severity, finding_from_ids

#: Legal-form words dropped before names are compared ("Acme Ltd" ~ "ACME Limited").
LEGAL_FORMS: frozenset[str] = frozenset(
    {
        "ltd", "limited", "inc", "incorporated", "llc", "llp", "lp", "plc", "corp",
        "corporation", "co", "company", "gmbh", "mbh", "ag", "kg", "ohg", "ug", "sa",
        "sas", "sarl", "srl", "spa", "bv", "nv", "pty", "pte", "oy", "ab", "as", "aps",
        "kft", "sro", "zoo", "sp", "the",
    }
)  # fmt: skip

_PUNCT = re.compile(r"[^\w\s]|_")
_SPACE = re.compile(r"\s+")


# --------------------------------------------------------------------------------------
# keys
# --------------------------------------------------------------------------------------


def group_codes(
    frame: pd.DataFrame, columns: Sequence[str], *, missing_is_value: bool = True
) -> tuple[np.ndarray, int]:
    """One integer per row identifying its combination of values in ``columns``.

    Each column is factorised (one hash pass in C) and the codes are combined by mixed
    radix, refactorised whenever the radix would overflow, so any number of columns costs
    a few vectorised passes and never builds a tuple per row.

    Parameters
    ----------
    frame : DataFrame
    columns : sequence of str
    missing_is_value : bool
        True: a missing value is one more value (two blanks match). False: a row with a
        missing value in any of ``columns`` gets code -1 and belongs to no group.

    Returns
    -------
    codes : ndarray of int64
        0..n_groups-1 in order of first appearance; -1 for excluded rows.
    n_groups : int
    """
    n = len(frame)
    key = np.zeros(n, dtype=np.int64)
    radix = 1
    has_missing = np.zeros(n, dtype=bool)
    for col in columns:
        codes, uniques = pd.factorize(frame[col], use_na_sentinel=True)
        codes = np.asarray(codes, dtype=np.int64)
        absent = codes < 0
        if absent.any():
            has_missing |= absent
            codes = np.where(absent, len(uniques), codes)
        size = len(uniques) + 1
        if radix * size >= 2**62:
            refactored, uniq = pd.factorize(key)
            key = np.asarray(refactored, dtype=np.int64)
            radix = len(uniq)
        key = key * size + codes
        radix *= size
    if not missing_is_value:
        key = np.where(has_missing, -1, key)
    codes, uniq = pd.factorize(key)
    codes = np.asarray(codes, dtype=np.int64)
    if not missing_is_value and has_missing.any():
        # the -1 sentinel key took a code of its own: drop it and keep the codes dense
        sentinel = int(codes[np.flatnonzero(has_missing)[0]])
        codes = np.where(has_missing, -1, codes - (codes > sentinel))
        return codes, len(uniq) - 1
    return codes, len(uniq)


def repeated_group_codes(
    frame: pd.DataFrame, columns: Sequence[str], *, missing_is_value: bool = True
) -> tuple[np.ndarray, int]:
    """Like :func:`group_codes`, but only for rows whose combination occurs twice or more.

    A duplicate test needs no code for a row that is unique, and a row unique on the first
    columns is unique on all of them. So the columns are hashed one at a time, cheap
    numeric and date columns first, and the rows already unique are dropped before the
    next column is hashed: on a ledger the expensive text columns (invoice numbers) are
    hashed for a small remainder only.

    Returns
    -------
    codes : ndarray of int64
        0..n_groups-1 in order of first appearance for rows in a group of two or more;
        -1 for the others (and for rows with a missing value when ``missing_is_value`` is
        False).
    n_groups : int
    """
    n = len(frame)
    cols = sorted(
        columns,
        key=lambda c: (
            0
            if pd.api.types.is_numeric_dtype(frame[c])
            or pd.api.types.is_datetime64_any_dtype(frame[c])
            else 1
        ),
    )
    rows = np.arange(n)
    key = np.zeros(n, dtype=np.int64)
    radix = 1  # key values lie in [0, radix)
    for col in cols:
        values = frame[col] if len(rows) == n else frame[col].iloc[rows]
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        codes = np.asarray(codes, dtype=np.int64)
        if not missing_is_value:
            present = codes >= 0
            rows, key, codes = rows[present], key[present], codes[present]
        else:
            codes = np.where(codes < 0, len(uniques), codes)
        size = len(uniques) + 1
        if radix == 1:
            # first column: its codes are already dense
            combined, radix = codes, size
        elif radix * size <= max(4 * len(rows), 1 << 20):
            # small key space: count directly, no hash pass
            combined, radix = key * np.int64(size) + codes, radix * size
        else:
            dense, uniq = pd.factorize(key * np.int64(size) + codes)
            combined, radix = np.asarray(dense, dtype=np.int64), len(uniq)
        repeated = np.bincount(combined, minlength=radix)[combined] > 1
        rows, key = rows[repeated], combined[repeated]
        if not len(rows):
            break
    out = np.full(n, -1, dtype=np.int64)
    final, uniq = pd.factorize(key)
    out[rows] = final
    return out, len(uniq)


def first_rows(codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Position of each group's first row, for codes numbered by first appearance.

    Such codes reach a new maximum exactly at each group's first row, so a running
    maximum finds them in one pass (no sort). Rows with code -1 are skipped.
    """
    running = np.maximum.accumulate(np.concatenate([[-1], codes]))
    starts = np.flatnonzero(running[1:] > running[:-1])
    return starts[:n_groups]


def _groups_frame(
    frame: pd.DataFrame,
    codes: np.ndarray,
    keep: np.ndarray,
    columns: Sequence[str],
    id_col: str | None,
    extra: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Rows whose group code is kept, numbered 1..G by first appearance, grouped together.

    ``keep`` is a boolean per group code.
    """
    # code -1 picks the appended False
    rows = np.flatnonzero(np.append(np.asarray(keep, dtype=bool), False)[codes])
    group_of_row = codes[rows]
    # renumber kept groups by first appearance: rows are in frame order already
    new_ids, _ = pd.factorize(group_of_row)
    new_ids = np.asarray(new_ids, dtype=np.int64) + 1
    sizes = np.bincount(new_ids)[new_ids] if len(new_ids) else np.zeros(0, dtype=np.int64)
    order = np.argsort(new_ids, kind="stable")
    rows, new_ids, sizes = rows[order], new_ids[order], sizes[order]
    sub = frame.iloc[rows]
    out = pd.DataFrame(
        {
            "group_id": new_ids,
            "group_size": sizes.astype(np.int64),
            "id": record_ids(sub, id_col).to_numpy(),
        },
        index=sub.index,
    )
    for col in columns:
        if col != id_col:
            out[col] = sub[col].to_numpy()
    for name, values in (extra or {}).items():
        out[name] = values[rows]
    return out


def _distinct_per_group(
    codes: np.ndarray, values: np.ndarray, n_groups: int, n_values: int
) -> np.ndarray:
    """How many distinct ``values`` codes each group holds (rows with code -1 ignored)."""
    valid = codes >= 0
    radix = np.int64(n_values + 2)
    # values may be -1 (missing): shift by one so every pair maps to a distinct integer
    pairs = pd.unique(codes[valid] * radix + (values[valid] + 1))
    return np.bincount(np.asarray(pairs) // radix, minlength=n_groups)


def group_summary(groups: pd.DataFrame, *, amount_col: str | None = "amount") -> pd.DataFrame:
    """One row per duplicate group: size, total amount, and the ids behind it.

    Parameters
    ----------
    groups : DataFrame
        Output of any test in this module.
    amount_col : str or None
        Amount column to total, if the groups carry one.

    Returns
    -------
    DataFrame
        ``group_id, group_size, ids`` (comma-separated) and ``amount_total`` when the
        amount column is present.
    """
    if groups.empty:
        cols = ["group_id", "group_size", "ids"]
        return pd.DataFrame({c: pd.Series(dtype="int64" if c != "ids" else "str") for c in cols})
    g = groups.groupby("group_id", sort=True)
    out = pd.DataFrame(
        {
            "group_size": g["group_size"].first(),
            "ids": g["id"].agg(lambda s: ", ".join(s)),
        }
    )
    if amount_col is not None and amount_col in groups.columns:
        out["amount_total"] = g[amount_col].sum()
    return out.reset_index()


# --------------------------------------------------------------------------------------
# tests
# --------------------------------------------------------------------------------------


def exact_duplicates(
    frame: pd.DataFrame,
    columns: Sequence[str] = ("vendor", "date", "amount", "invoice_number"),
    *,
    id_col: str | None = "expense_id",
) -> pd.DataFrame:
    """Records identical on every one of ``columns`` (two blanks count as equal).

    Columns of ``columns`` absent from the table are ignored, so the default works on
    expenses with or without ``invoice_number``.

    Returns
    -------
    DataFrame
        One row per record in a group of two or more: ``group_id, group_size, id`` and
        ``columns``.
    """
    cols = [c for c in columns if c in frame.columns]
    if not cols:
        raise KeyError(f"exact_duplicates: none of {list(columns)} in the table")
    codes, n_groups = repeated_group_codes(frame, cols)
    return _groups_frame(frame, codes, np.ones(n_groups, dtype=bool), cols, id_col)


def same_same_different(
    frame: pd.DataFrame,
    same: Sequence[str] = ("vendor", "amount"),
    different: str = "invoice_number",
    *,
    id_col: str | None = "expense_id",
    near: str | None = None,
    window: float | pd.Timedelta | str = "60D",
    recurring_min_days: float = 7.0,
) -> pd.DataFrame:
    """Records equal on ``same`` whose ``different`` column takes two or more values.

    The classic case: the same vendor and amount under different invoice numbers (a
    re-keyed invoice paid twice). Rows with a missing value in ``same`` are left out;
    a missing ``different`` value counts as one more value.

    With ``near`` (a date column) the records must also lie close in time: they are chained
    within ``window`` of each other, and a chain of three or more that recurs on a schedule
    (median gap of ``recurring_min_days`` or more: monthly rent, a weekly fee) is a recurring
    payment, not a duplicate; only a repeat inside it (a gap under half the schedule's) is
    kept. See :func:`recurring_payments` for the schedules themselves.

    Returns
    -------
    DataFrame
        Every record of each qualifying group: ``group_id, group_size, id``, ``same``
        and ``different`` (and ``near`` when given).
    """
    same = as_list(same)
    require_columns(frame, [*same, different, *([near] if near else [])], "same_same_different")
    if near is None:
        codes, n_groups = repeated_group_codes(frame, same, missing_is_value=False)
    else:
        codes, n_groups, _ = _date_chains(frame, same, near, window, recurring_min_days)
    # only rows in a repeated group can qualify: hash the other column for those alone
    active = np.flatnonzero(codes >= 0)
    diff_active, diff_uniques = pd.factorize(frame[different].iloc[active])
    diff_codes = np.full(len(frame), -1, dtype=np.int64)
    diff_codes[active] = diff_active
    distinct = _distinct_per_group(codes, diff_codes, n_groups, len(diff_uniques))
    columns = [*same, different, *([near] if near else [])]
    return _groups_frame(frame, codes, distinct > 1, columns, id_col)


def recurring_payments(
    frame: pd.DataFrame,
    same: Sequence[str] = ("vendor", "amount"),
    near: str = "date",
    window: float | pd.Timedelta | str = "60D",
    *,
    recurring_min_days: float = 7.0,
    id_col: str | None = "expense_id",
) -> pd.DataFrame:
    """Records equal on ``same`` that recur on a schedule (the chains
    :func:`same_same_different` sets aside): three or more, each within ``window`` of the
    previous, with a median gap of ``recurring_min_days`` or more. A repeat inside the
    schedule is left out here (it is a duplicate there).

    Returns
    -------
    DataFrame
        ``group_id, group_size, id``, ``same`` and ``near``.
    """
    same = as_list(same)
    require_columns(frame, [*same, near], "recurring_payments")
    _, _, schedule = _date_chains(frame, same, near, window, recurring_min_days)
    n = int(schedule.max()) + 1 if len(schedule) else 0
    return _groups_frame(frame, schedule, np.ones(n, dtype=bool), [*same, near], id_col)


def _date_chains(
    frame: pd.DataFrame,
    same: Sequence[str],
    near: str,
    window: float | pd.Timedelta | str,
    recurring_min_days: float,
) -> tuple[np.ndarray, int, np.ndarray]:
    """Repeats close in time, and recurring schedules, among records equal on ``same``.

    Records of one ``same`` group are sorted by date and chained while the gap to the
    previous is at most ``window``. A chain of three or more whose median gap is at least
    ``recurring_min_days`` is a schedule: inside it only gaps under half the median are
    repeats. In any other chain every gap is a repeat.

    Returns
    -------
    repeat_codes : ndarray
        Per row, the group of repeats it belongs to (-1: none); groups of two or more.
    n_groups : int
    schedule_codes : ndarray
        Per row, the recurring schedule it belongs to (-1: none), repeats excluded.
    """
    span = (
        pd.Timedelta(days=float(window))
        if isinstance(window, int | float)
        else pd.Timedelta(window)
    )
    codes, _ = repeated_group_codes(frame, same, missing_is_value=False)
    column = frame[near]
    days = column.to_numpy(dtype="datetime64[ns]").astype(np.int64) / 86_400e9
    usable = np.flatnonzero((codes >= 0) & column.notna().to_numpy())
    order = usable[np.lexsort((days[usable], codes[usable]))]
    key, day = codes[order], days[order]
    gap = np.full(len(order), np.inf)
    gap[1:] = np.where(key[1:] == key[:-1], np.diff(day), np.inf)
    linked = gap <= span / pd.Timedelta(days=1)
    chain = np.cumsum(~linked) - 1
    chains = pd.DataFrame({"chain": chain, "gap": np.where(linked, gap, np.nan)})
    size = chains.groupby("chain")["gap"].transform("size").to_numpy()
    median = chains.groupby("chain")["gap"].transform("median").to_numpy()
    scheduled = (size >= 3) & (median >= recurring_min_days)
    repeat_gap = linked & (~scheduled | (gap < median / 2))
    # a run of repeat gaps is one group; it starts at the record before the first of them
    run = np.cumsum(~repeat_gap) - 1
    run_size = np.bincount(run) if len(run) else np.zeros(0, dtype=np.int64)
    in_repeat = run_size[run] > 1 if len(run) else np.zeros(0, dtype=bool)
    repeat_codes = np.full(len(frame), -1, dtype=np.int64)
    dense, uniq = pd.factorize(run[in_repeat])
    repeat_codes[order[in_repeat]] = np.asarray(dense, dtype=np.int64)
    schedule_codes = np.full(len(frame), -1, dtype=np.int64)
    on_schedule = scheduled & ~repeat_gap
    sched_dense, _ = pd.factorize(chain[on_schedule])
    schedule_codes[order[on_schedule]] = np.asarray(sched_dense, dtype=np.int64)
    return repeat_codes, len(uniq), schedule_codes


def combine_groups(*tests: pd.DataFrame) -> pd.DataFrame:
    """The groups of several duplicate tests as one set, each record once.

    Every test numbers its groups from 1, so two tests' groups cannot simply be stacked:
    group 1 of one and group 1 of the other would read as one group. Here a record found by
    two tests links their groups, and the linked groups are numbered afresh (1, 2, ... in
    order of first appearance).

    Returns
    -------
    DataFrame
        ``group_id, group_size, id`` and the columns the tests share.
    """
    parts = [t for t in tests if not t.empty]
    if not parts:
        return (
            tests[0].iloc[0:0] if tests else pd.DataFrame(columns=["group_id", "group_size", "id"])
        )
    stacked = pd.concat(
        [t.assign(_test_group=f"{i}:" + t["group_id"].astype(str)) for i, t in enumerate(parts)],
        join="inner",
    )
    group_codes_, group_names = pd.factorize(stacked["_test_group"])
    record_codes, _ = pd.factorize(stacked["id"])
    n_groups = len(group_names)
    # a bipartite graph of records and groups: its components are the combined groups
    nodes = n_groups + int(record_codes.max()) + 1
    graph = coo_matrix(
        (np.ones(len(stacked)), (group_codes_, n_groups + record_codes)), shape=(nodes, nodes)
    )
    _, component = connected_components(graph, directed=False)
    stacked["group_id"] = component[group_codes_]
    out = stacked.drop(columns="_test_group").drop_duplicates("id")
    out["group_id"] = pd.factorize(out["group_id"])[0] + 1
    out["group_size"] = out.groupby("group_id")["id"].transform("size")
    return out.sort_values("group_id", kind="stable")


def same_same_near(
    frame: pd.DataFrame,
    same: Sequence[str] = ("vendor", "amount"),
    near: str = "date",
    tolerance: float | pd.Timedelta | str = "7D",
    *,
    relative: bool = False,
    require_difference: bool = True,
    id_col: str | None = "expense_id",
) -> pd.DataFrame:
    """Records equal on ``same`` whose ``near`` values lie within ``tolerance``.

    Records are sorted by ``near`` within each ``same`` group and chained: a record joins
    the current cluster when it lies within ``tolerance`` of the previous one (single
    linkage, so a cluster may span more than ``tolerance`` end to end; the span is
    reported).

    Parameters
    ----------
    frame : DataFrame
    same : sequence of str
        Columns that must be equal (rows with a missing value there are left out).
    near : str
        A numeric or datetime column.
    tolerance : float, Timedelta or str
        Largest gap between neighbours: an amount (or a fraction with ``relative``), or a
        time span for dates (``"7D"``, ``pd.Timedelta(days=3)``, or a number of days).
    relative : bool
        Numeric ``near`` only: the gap is measured relative to the larger of the two.
    require_difference : bool
        Keep only clusters whose ``near`` values are not all equal (clusters with all equal
        values are exact matches, reported by the other tests).
    id_col : str or None

    Returns
    -------
    DataFrame
        ``group_id, group_size, id``, ``same``, ``near`` and ``spread`` (max - min of
        ``near`` within the group).
    """
    same = as_list(same)
    require_columns(frame, [*same, near], "same_same_near")
    codes, _ = repeated_group_codes(frame, same, missing_is_value=False)
    column = frame[near]
    is_time = pd.api.types.is_datetime64_any_dtype(column)
    if is_time:
        span = (
            pd.Timedelta(days=float(tolerance))
            if isinstance(tolerance, int | float)
            else pd.Timedelta(tolerance)
        )
        values = column.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(np.float64)
        valid_near = column.notna().to_numpy()
        tol = float(span.value)
    else:
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
        valid_near = np.isfinite(values)
        tol = float(tolerance)
    usable = np.flatnonzero((codes >= 0) & valid_near)
    order = usable[np.lexsort((values[usable], codes[usable]))]
    key, val = codes[order], values[order]
    gap = np.diff(val)
    if relative:
        scale = np.maximum(np.abs(val[1:]), np.abs(val[:-1]))
        within = gap <= tol * scale
    else:
        within = gap <= tol
    starts = np.ones(len(order), dtype=bool)
    starts[1:] = (key[1:] != key[:-1]) | ~within
    cluster = np.cumsum(starts) - 1
    n_clusters = int(cluster[-1]) + 1 if len(cluster) else 0
    sizes = np.bincount(cluster, minlength=n_clusters)
    # values ascend within a cluster: its first and last rows hold the minimum and maximum
    first_row = np.flatnonzero(starts)
    lo = val[first_row]
    hi = val[np.append(first_row[1:], len(val)) - 1] if n_clusters else val[:0]
    keep = sizes > 1
    if require_difference:
        keep &= hi > lo
    cluster_of_row = np.full(len(frame), -1, dtype=np.int64)
    cluster_of_row[order] = cluster
    spread_of_cluster = hi - lo
    spread = np.full(len(frame), np.nan)
    spread[order] = spread_of_cluster[cluster]
    out = _groups_frame(frame, cluster_of_row, keep, [*same, near], id_col, {"spread": spread})
    if is_time:
        out["spread"] = pd.to_timedelta(out["spread"].to_numpy(), unit="ns")
    return out


def normalise_names(names: pd.Series | Sequence[str]) -> pd.Series:
    """Names reduced for comparison: accents, case, punctuation and legal forms removed.

    ``"ACME Ltd."``, ``"Acme Limited"`` and ``"acme"`` all become ``"acme"``; ``&``
    becomes ``and``. Missing names stay missing.
    """
    series = pd.Series(names, dtype="str")

    def one(name: str) -> str:
        text = unicodedata.normalize("NFKD", name)
        text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
        text = _PUNCT.sub(" ", text.replace("&", " and "))
        words = [w for w in _SPACE.split(text) if w and w not in LEGAL_FORMS]
        return " ".join(words)

    # one Python call per distinct name, never per row
    codes, uniques = pd.factorize(series)
    cleaned = np.array([one(str(u)) for u in uniques] + [None], dtype=object)
    # code -1 (missing) picks the trailing None
    return pd.Series(cleaned[codes], index=series.index, dtype="str")


def similar_names(
    names: pd.Series | Sequence[str],
    *,
    threshold: float = 90.0,
    block_chars: int = 1,
    scorer: object = fuzz.ratio,
    workers: int = 1,
) -> pd.DataFrame:
    """Cluster the distinct names that are the same after normalising or fuzzily close.

    Parameters
    ----------
    names : Series or sequence of str
        Names, duplicates allowed (only the distinct ones are compared).
    threshold : float
        rapidfuzz score (0-100) from which two normalised names are the same party.
    block_chars : int
        Compare only names whose normalised form starts with the same ``block_chars``
        characters (0 compares all pairs). Blocking keeps the work near-linear; a typo in
        the first letter is the price.
    scorer : callable
        A rapidfuzz scorer applied to the normalised names with their words sorted, so
        the default ``ratio`` scores as ``token_sort_ratio`` (word order ignored) while
        sorting each name once instead of once per pair.
    workers : int
        Threads for rapidfuzz (-1: all cores).

    Returns
    -------
    DataFrame
        One row per distinct name: ``name, normalised, cluster_id, cluster_size``;
        ``cluster_id`` numbers clusters of two or more names from 1 (0: a name alone).
    """
    series = pd.Series(names, dtype="str").dropna()
    distinct = pd.Series(pd.unique(series), dtype="str")
    normal = normalise_names(distinct)
    norm_codes, norm_uniques = pd.factorize(normal)
    labels = np.array([" ".join(sorted(str(u).split())) for u in norm_uniques], dtype=object)
    n = len(labels)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    if n > 1:
        # block on the name as written (normalised), score on its sorted words
        keys = pd.Series(norm_uniques, dtype="str").str[:block_chars] if block_chars else None
        blocks = (
            [np.arange(n)]
            if keys is None
            else [np.asarray(ix) for ix in keys.groupby(keys, sort=False).indices.values()]
        )
        for block in blocks:
            if len(block) < 2:
                continue
            texts = labels[block].tolist()
            # chunk the queries so a large block never materialises a huge score matrix
            for start in range(0, len(block), 2000):
                scores = process.cdist(
                    texts[start : start + 2000],
                    texts,
                    scorer=scorer,  # type: ignore[arg-type]
                    score_cutoff=threshold,
                    dtype=np.uint8,
                    workers=workers,
                )
                i, j = np.nonzero(scores)
                i = i + start
                mask = i < j
                rows.append(block[i[mask]])
                cols.append(block[j[mask]])
    if rows:
        r = np.concatenate(rows)
        c = np.concatenate(cols)
    else:
        r = c = np.zeros(0, dtype=np.int64)
    graph = coo_matrix((np.ones(len(r)), (r, c)), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    comp_of_name = component[norm_codes] if n else np.zeros(0, dtype=np.int64)
    sizes = np.bincount(comp_of_name) if len(comp_of_name) else np.zeros(0, dtype=np.int64)
    multi = sizes[comp_of_name] > 1
    cluster_ids = np.zeros(len(distinct), dtype=np.int64)
    if multi.any():
        numbered, _ = pd.factorize(comp_of_name[multi])
        cluster_ids[multi] = np.asarray(numbered) + 1
    return pd.DataFrame(
        {
            "name": distinct.to_numpy(),
            "normalised": normal.to_numpy(),
            "cluster_id": cluster_ids,
            "cluster_size": sizes[comp_of_name].astype(np.int64),
        }
    )


def same_same_similar(
    frame: pd.DataFrame,
    same: Sequence[str] = ("amount",),
    similar: str = "vendor",
    *,
    threshold: float = 90.0,
    block_chars: int = 1,
    id_col: str | None = "expense_id",
    workers: int = 1,
) -> pd.DataFrame:
    """Records equal on ``same`` whose ``similar`` text differs but names the same party.

    Example: the same amount paid to "Acme Ltd" and to "ACME Limited." (or "Acme Ltd" and
    "Acme Ltdd"). Names are clustered with :func:`similar_names` over the distinct
    names; a group qualifies when it holds two or more distinct raw names of one cluster.

    Returns
    -------
    DataFrame
        ``group_id, group_size, id``, ``same``, ``similar`` and ``name_cluster`` (the
        cluster id from :func:`similar_names`).
    """
    same = as_list(same)
    require_columns(frame, [*same, similar], "same_same_similar")
    # one hash pass over the rows; the fuzzy work then runs on the distinct names alone
    name_codes, name_uniques = pd.factorize(frame[similar])
    name_codes = np.asarray(name_codes, dtype=np.int64)
    clusters = similar_names(
        pd.Series(name_uniques, dtype="str"),
        threshold=threshold,
        block_chars=block_chars,
        workers=workers,
    )
    # similar_names keeps the order of the distinct names it is given
    cluster_of_name = np.append(clusters["cluster_id"].to_numpy(dtype=np.int64), 0)
    cluster = cluster_of_name[name_codes]  # code -1 (no name) picks the trailing 0
    # only rows whose name has a look-alike can form a qualifying group
    candidates = np.flatnonzero(cluster > 0)
    work = pd.DataFrame({col: frame[col].iloc[candidates].to_numpy() for col in same})
    work["_cluster"] = cluster[candidates]
    sub_codes, n_groups = repeated_group_codes(work, [*same, "_cluster"], missing_is_value=False)
    codes = np.full(len(frame), -1, dtype=np.int64)
    codes[candidates] = sub_codes
    distinct = _distinct_per_group(codes, name_codes, n_groups, len(name_uniques))
    return _groups_frame(
        frame, codes, distinct > 1, [*same, similar], id_col, {"name_cluster": cluster}
    )


# --------------------------------------------------------------------------------------
# finding
# --------------------------------------------------------------------------------------

#: Per kind: check name, default severity, then the title and the summary phrase as
#: templates over ``{cols}``, ``{same}`` and ``{diff}``.
_KINDS: dict[str, tuple[str, Severity, str, str]] = {
    "exact": (
        "exact_duplicates",
        "high",
        "Exact duplicate records",
        "identical on {cols}",
    ),
    "same_same_different": (
        "duplicates_same_same_different",
        "high",
        "Same {same}, different {diff}",
        "with the same {same} under different {diff}",
    ),
    "same_same_near": (
        "duplicates_same_same_near",
        "medium",
        "Same {same}, {diff} close together",
        "with the same {same} and {diff} within the tolerance",
    ),
    "same_same_similar": (
        "duplicates_same_same_similar",
        "medium",
        "Same {same}, similar {diff}",
        "with the same {same} and look-alike {diff} names",
    ),
}


def duplicates_finding(
    groups: pd.DataFrame,
    population: pd.DataFrame,
    *,
    kind: str,
    same: Sequence[str] = ("vendor", "amount"),
    other: str = "invoice_number",
    amount_col: str = "amount",
    entity_type: str = "expense",
    area: str = "Expense analytics",
    materiality: float | None = None,
    severity: Severity | None = None,
    owner_role: str = "Accounts payable",
) -> Finding | None:
    """Turn the output of a duplicate test into a finding (None when there are no groups).

    Parameters
    ----------
    groups : DataFrame
        Output of :func:`exact_duplicates`, :func:`same_same_different`,
        :func:`same_same_near` or :func:`same_same_similar`.
    population : DataFrame
        The table that was tested (its row count and total amount are the population).
    kind : {"exact", "same_same_different", "same_same_near", "same_same_similar"}
    same, other : names of the compared columns, for the text.
    amount_col : str
    materiality : float, optional
        The value at risk from which the severity goes one level up.
    severity : str, optional
        Overrides the default (high for exact and same-same-different, medium otherwise).

    Notes
    -----
    The exception count is every record in a group (the auditor needs both the original
    and the copies); the exception value is the value at risk, the amounts of all but
    the first record of each group.
    """
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {sorted(_KINDS)}")
    if groups.empty:
        return None
    check, default, title_t, phrase_t = _KINDS[kind]
    same_txt = " and ".join(as_list(same))
    text = {"cols": same_txt, "same": same_txt, "diff": other}
    n_groups = int(groups["group_id"].nunique())
    at_risk = None
    if amount_col in groups.columns:
        amounts = groups[amount_col].abs()
        first_of_group = ~groups["group_id"].duplicated()
        at_risk = float(amounts[~first_of_group].sum())
    ids = groups["id"].tolist()
    summary = (
        f"{len(ids):,} of {len(population):,} records fall in {n_groups:,} group(s) "
        f"{phrase_t.format(**text)}."
    )
    if at_risk is not None:
        summary += f" Value at risk (all but the first record of each group): {at_risk:,.2f}."
    return finding_from_ids(
        check=check,
        area=area,
        severity=severity or escalate(default, at_risk, materiality),
        title=title_t.format(**text),
        summary=summary,
        entity_type=entity_type,
        ids=ids,
        population_count=len(population),
        population_value=absolute_total(population, amount_col),
        exception_value=at_risk,
        recommendation=(
            "Confirm each group against the vendor's statement and the supporting "
            "documents; treat every unsupported repeat as a duplicate payment."
        ),
        corrective_action=(
            "Recover duplicate payments from the vendors (credit notes or refunds) and "
            "reverse duplicate postings."
        ),
        preventive_action=(
            "Enforce a duplicate check at invoice entry (vendor, amount, date window, "
            "normalised invoice number) and keep one master record per vendor."
        ),
        owner_role=owner_role,
        code="DUP",
    )
