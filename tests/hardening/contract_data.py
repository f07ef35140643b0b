"""Hypothesis strategies for input tables that pass their contracts.

A generated table is built the way the loader builds one: raw cells (text, as a client's CSV
holds them) are coerced column by column with :func:`workbench.io.coerce.coerce` and checked
against the table's pandera schema, so the frames have exactly the dtypes a check receives
from ``pb.tables``. Only what the contract accepts is kept: rule failures on soft columns
(the loader keeps those rows and warns) are accepted, anything else is rejected.

Values lean on the awkward: empty tables, single rows, optional columns left entirely
empty, zero, negative and huge amounts, unicode and markup in names, ids that look like
numbers, references to rows that do not exist. A few small rows come from hypothesis (so
that failures shrink); an optional bulk of rows comes from a seeded generator, so that the
checks with minimum population sizes (Benford, peer comparisons) take their main path too.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.errors as pa_errors
from hypothesis import assume
from hypothesis import strategies as st

from workbench.contracts import CONTRACTS
from workbench.contracts.schema import ColumnInfo, TableContract
from workbench.io.coerce import coerce

#: The engagement period every generated table is read against.
PERIOD_START = dt.date(2025, 1, 1)
PERIOD_END = dt.date(2025, 12, 31)

#: Names no client should have, and a report must still show as text.
AWKWARD_TEXT = [
    "Acme Supplies Ltd",
    "ACME Supplies Ltd.",
    "Acme Supplies Limited",
    "Zoë & Söhne GmbH",
    "株式会社テスト",
    "Ωmega Σ Services",
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(2)">',
    '=HYPERLINK("http://example.invalid","x")',
    "http://example.invalid/vendor",
    "   padded   ",
    'O\'Brien; "Quoted", Ltd',
    "Ärzte ohne Grenzen e.V.",
    "😀 Emoji Trading",
    "x" * 120,
    "1001",
    "-",
]

#: Per-column pools, so that checks that match on text (activities, document types,
#: statuses) take their matching paths as well as their fall-through ones.
TEXT_POOLS: dict[str, list[str]] = {
    "role": ["Project Manager", "PMO Analyst", "Engineer", "PMO Lead", "Consultant"],
    "team": ["PM", "PMO", "Delivery", "Finance"],
    "segment": ["Enterprise", "Public", "Telecom", "Zoë"],
    "project_type": ["implementation", "consulting", "support", "migration"],
    "activity": [
        "project planning",
        "status reporting",
        "schedule control",
        "portfolio reporting",
        "development",
        "unknown thing",
    ],
    "area": ["integration", "schedule", "cost", "risk", "pmo monitoring", "Unknown area"],
    "doc_type": [
        "scope_of_work",
        "minutes_of_meeting",
        "communication_plan",
        "design",
        "acceptance certificate",
        "memo",
    ],
    "version": ["1.0", "v2", "final", "2.1", "0.1 draft", "x", "v1.0 FINAL"],
    "status": ["draft", "approved", "final", "superseded", "in review"],
    "trigger": ["created", "modified", "project_closed", "something else"],
    "action": ["destroy", "archive", "review"],
    "category": ["travel", "software", "hardware", "subcontractor", "meals"],
    "permission": ["read", "edit", "full control"],
    "principal": ["P001", "alice@client.example", "guest@other.example", "Everyone"],
    "classification": ["internal", "confidential", "restricted", "public"],
    "location": ["SharePoint/Projects", "//fileserver/share", "email"],
    "frequency": ["monthly", "weekly", "quarterly"],
    "target": [">= 0.95", "95%", "n/a"],
    "kpi": ["Schedule performance index", "Cost performance index", "Invoice cycle time"],
}

#: Id columns that refer to another table's key, by the entity they name.
ENTITY = {
    "person_id": "P",
    "pm_id": "P",
    "manager_id": "P",
    "owner_id": "P",
    "approver_id": "P",
    "approved_by": "P",
    "respondent_id": "P",
    "project_id": "PRJ",
    "milestone_id": "M",
    "invoice_id": "INV",
    "payment_id": "PAY",
    "expense_id": "E",
    "record_id": "DOC",
    "cr_id": "CR",
    "risk_id": "R",
    "defect_id": "D",
    "decision_id": "DEC",
    "question_id": "INT",
}


def entity_id(prefix: str, i: int) -> str:
    """The ``i``-th id of an entity; a few are unicode, markup or number-like on purpose."""
    special = {3: f"{prefix}-Ω{i}", 5: f"<b>{prefix}{i}</b>", 7: f"{1000 + i}"}
    if prefix == "INT":
        return f"INT-{(i % 9) + 1:02d}"  # questionnaire ids that exist
    return special.get(i, f"{prefix}-{i:03d}")


def _pool(column: str, table: str) -> list[str]:
    if column == "retention_class":
        return ["PRJ-7Y", "FIN-10Y", "HR-2Y", "Ω-1Y"]
    if column in TEXT_POOLS:
        return TEXT_POOLS[column]
    return AWKWARD_TEXT


def _number_cell(info: ColumnInfo, lo: float | None, hi: float | None) -> st.SearchStrategy[str]:
    low = -1e12 if lo is None else lo
    high = 1e12 if hi is None else hi
    specials = [
        v
        for v in (0.0, 0.01, 1.0, 99.99, 100.0, 999.5, 1000.0, 4999.99, 5000.0, 1e9, 1e15, -250.0)
        if low <= v <= high
    ]
    values = st.one_of(
        st.sampled_from(specials),
        st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False),
        st.integers(min_value=int(max(low, -(10**7))), max_value=int(min(high, 10**7))).map(float),
    )
    return values.map(repr)


def _bounds(contract: TableContract, column: str) -> tuple[float | None, float | None]:
    lo = hi = None
    for check in contract.schema.columns[column].checks:
        stats = check.statistics or {}
        if "min_value" in stats:
            lo = float(stats["min_value"])
        if "max_value" in stats:
            hi = float(stats["max_value"])
    return lo, hi


def cell(contract: TableContract, info: ColumnInfo) -> st.SearchStrategy[str]:
    """One raw cell of a column, as text; empty only where the contract allows it."""
    if info.kind == "id":
        prefix = ENTITY.get(info.name, info.name[:3].upper())
        value: st.SearchStrategy[str] = st.integers(0, 14).map(lambda i: entity_id(prefix, i))
    elif info.kind == "text":
        value = st.one_of(
            st.sampled_from(_pool(info.name, contract.name)),
            st.text(min_size=1, max_size=16).filter(lambda s: bool(s.strip())),
        )
    elif info.kind in ("number", "integer"):
        lo, hi = _bounds(contract, info.name)
        value = _number_cell(info, lo, hi)
    elif info.kind == "date":
        value = st.dates(dt.date(1995, 1, 1), dt.date(2035, 12, 31)).map(dt.date.isoformat)
    elif info.kind == "bool":
        value = st.sampled_from(["yes", "no", "true", "FALSE", "1", "0", "x"])
    elif info.kind == "category":
        value = st.sampled_from(info.allowed).map(
            lambda v: v.replace("_", " ").title() if len(v) % 2 else v
        )
    else:  # pragma: no cover - a new kind needs a strategy here
        raise AssertionError(f"no strategy for kind {info.kind!r}")
    if info.nullable:
        return st.one_of(value, st.just(""))
    return value


def _bulk(contract: TableContract, info: ColumnInfo, rng: np.random.Generator, n: int) -> list[str]:
    """``n`` raw cells from a seeded generator (fast; for population-size paths)."""
    if n == 0:
        return []
    if info.kind == "id":
        prefix = ENTITY.get(info.name, info.name[:3].upper())
        out = [entity_id(prefix, int(i)) for i in rng.integers(0, 40, n)]
    elif info.kind == "text":
        pool = _pool(info.name, contract.name)
        out = [pool[int(i)] for i in rng.integers(0, len(pool), n)]
    elif info.kind in ("number", "integer"):
        lo, hi = _bounds(contract, info.name)
        values = np.round(10 ** rng.uniform(0, 6, n), 2)
        if lo is None:
            values = np.where(rng.random(n) < 0.05, -values, values)
        if hi is not None:
            values = np.minimum(values, hi) if lo is None else np.clip(values, lo, hi)
        out = [repr(float(v)) for v in values]
    elif info.kind == "date":
        base = np.datetime64(PERIOD_START.isoformat())
        days = rng.integers(-400, 500, n)
        out = [str(base + np.timedelta64(int(d), "D")) for d in days]
    elif info.kind == "bool":
        out = [("yes", "no")[int(i)] for i in rng.integers(0, 2, n)]
    else:
        out = [info.allowed[int(i)] for i in rng.integers(0, len(info.allowed), n)]
    if info.nullable:
        blank = rng.random(n) < 0.1
        out = ["" if b else v for v, b in zip(out, blank, strict=True)]
    return out


def accepted(contract: TableContract, typed: pd.DataFrame) -> bool:
    """The loader would keep this frame: no schema failure outside soft columns."""
    try:
        contract.schema.validate(typed, lazy=True)
    except pa_errors.SchemaErrors as exc:
        failed = set(exc.failure_cases["column"].dropna().astype(str))
        soft = {c.name for c in contract.columns.values() if c.soft}
        return failed <= soft and exc.failure_cases["column"].notna().all()
    return True


def typed_frame(contract: TableContract, raw: dict[str, list[str]]) -> pd.DataFrame | None:
    """Coerce raw cells as the loader does; ``None`` when a cell would be reported as bad."""
    n = len(next(iter(raw.values()))) if raw else 0
    frame = pd.DataFrame(raw, index=pd.RangeIndex(2, n + 2), dtype=object)
    typed = pd.DataFrame(index=frame.index)
    for col, info in contract.columns.items():
        if col not in frame.columns:
            continue
        result = coerce(frame[col], info.kind)
        if result.bad_rows:
            return None
        typed[col] = result.values
    return typed


@st.composite
def tables(
    draw: st.DrawFn,
    name: str,
    *,
    min_rows: int = 0,
    max_rows: int = 6,
    max_bulk: int = 0,
    fill: Callable[[TableContract, dict[str, list[str]]], None] | None = None,
) -> pd.DataFrame:
    """A typed table ``name`` that passes its contract (see the module docstring)."""
    contract = CONTRACTS[name]
    optional = [c for c in contract.optional_columns if draw(st.booleans())]
    empty_columns = {c for c in optional if draw(st.integers(0, 4)) == 0}  # NaN-only columns
    n_small = draw(st.integers(min_rows, max_rows))
    n_bulk = draw(st.sampled_from([0, 0, max_bulk])) if max_bulk else 0
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    raw: dict[str, list[str]] = {}
    for col in contract.required_columns + optional:
        info = contract.columns[col]
        if col in empty_columns:
            raw[col] = [""] * (n_small + n_bulk)
            continue
        small = [draw(cell(contract, info)) for _ in range(n_small)]
        raw[col] = small + _bulk(contract, info, rng, n_bulk)
    if len(contract.key) == 1 and contract.key[0] in raw:
        key = contract.key[0]
        info = contract.columns[key]
        n = n_small + n_bulk
        if info.kind == "id":
            prefix = ENTITY.get(key, key[:3].upper())
            offset = draw(st.integers(0, 3))
            raw[key] = [entity_id(prefix, i + offset) for i in range(n)]
        else:
            raw[key] = [f"{v} #{i}" if i else v for i, v in enumerate(raw[key])]
    if fill is not None:
        fill(contract, raw)
    typed = typed_frame(contract, raw)
    assume(typed is not None)
    assert typed is not None
    if len(contract.key) > 1:
        typed = typed.drop_duplicates(subset=list(contract.key))
    assume(accepted(contract, typed))
    return typed.reset_index(drop=True)


def engagement_tables(
    names: list[str], *, required: tuple[str, ...] = (), **kwargs: Any
) -> st.SearchStrategy[dict[str, pd.DataFrame]]:
    """A mapping of typed tables as ``pb.tables`` holds them; optional ones may be absent."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, pd.DataFrame]:
        out: dict[str, pd.DataFrame] = {}
        for name in names:
            if name in required or draw(st.booleans()):
                out[name] = draw(tables(name, **kwargs))
        return out

    return build()


def parameter_values(playbook: str) -> st.SearchStrategy[dict[str, Any]]:
    """Overrides of a playbook's parameters, anywhere in the range ``playbook.yaml`` accepts.

    Each parameter keeps its default half of the time, so that one odd value at a time is
    what usually breaks a check (and what a failure shrinks to).
    """
    from workbench.playbooks import get_playbook

    spec = get_playbook(playbook)
    choices: dict[str, st.SearchStrategy[Any]] = {}
    for name, p in spec.parameters.items():
        if p.choices:
            value: st.SearchStrategy[Any] = st.sampled_from(p.choices)
        elif p.type == "float":
            low = float(p.min) if p.min is not None else 0.0
            high = float(p.max) if p.max is not None else low + 1e6
            value = st.floats(low, high, allow_nan=False, allow_infinity=False)
        elif p.type == "int":
            low_i = int(p.min) if p.min is not None else 0
            high_i = int(p.max) if p.max is not None else low_i + 400
            value = st.integers(low_i, high_i)
        elif p.type == "bool":
            value = st.booleans()
        elif p.type == "date":
            value = st.one_of(st.none(), st.dates(dt.date(2024, 1, 1), dt.date(2026, 12, 31)))
        else:
            continue  # text and list parameters keep their defaults
        choices[name] = st.one_of(st.just(p.default), value)
    return st.fixed_dictionaries(choices)


def session_on(
    playbook: str, tables_: Mapping[str, pd.DataFrame], overrides: Mapping[str, Any] | None = None
) -> Any:
    """A playbook session on these tables, as ``start()`` builds it for a notebook."""
    from workbench.engagement import Engagement, LoadedEngagement, Period
    from workbench.io.loader import LoadResult
    from workbench.playbooks import get_playbook
    from workbench.session import Params, PlaybookSession

    spec = get_playbook(playbook)
    config = Engagement(
        client="Property Test",
        engagement="property-test",
        period=Period(start=PERIOD_START, end=PERIOD_END),
    )
    engagement = LoadedEngagement(Path(tempfile.gettempdir()), config)
    params = Params(spec.resolve_parameters(dict(overrides or {}), f"playbook {playbook}"))
    return PlaybookSession(spec, engagement, params, LoadResult(tables=dict(tables_)), None)
