"""Fixtures of the BI tests: the demo tables typed as the loader types them, and small frames."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
import pytest

from workbench.contracts.tables import CONTRACTS
from workbench.demo import bi
from workbench.demo.core import DemoContext, build_core
from workbench.io.coerce import coerce


def typed(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A table as analysis functions receive it: through CSV text and the contract's coercion,
    indexed by client row numbers (so nothing may rely on a 0..n-1 index)."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, date_format="%Y-%m-%d")
    raw = pd.read_csv(io.StringIO(buffer.getvalue()), dtype=str, keep_default_na=False)
    columns = CONTRACTS[name].columns if name in CONTRACTS else {}
    out = pd.DataFrame(index=raw.index)
    for col in raw.columns:
        kind = columns[col].kind if col in columns else "text"
        out[col] = coerce(raw[col], kind, dayfirst=False).values
    out.index = out.index + 2
    return out


@pytest.fixture(scope="session")
def demo() -> dict[str, Any]:
    """The generated demo engagement's tables (typed) and the BI answer key."""
    ctx = DemoContext()
    build_core(ctx)
    bi.generate(ctx)
    tables = {name: typed(name, frame) for name, frame in ctx.tables.items()}
    return {
        "tables": tables,
        "key": ctx.answer_key["bi-assessment"],
        "as_of": pd.Timestamp(ctx.period_end),
        "start": pd.Timestamp(ctx.period_start),
    }
