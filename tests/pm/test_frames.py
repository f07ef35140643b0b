"""The shared table-shaping helpers (``workbench.frames``): display tables and metric rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.frames import (
    display_table,
    fixed,
    fixed_text,
    frame_metrics,
    percent,
    percent_text,
    present,
    rounded,
    select_present,
    whole,
)


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["A", "B", "C"],
            "cost": [1234.567, np.nan, 12.0],
            "share": [0.25, 0.5, np.nan],
            "count": [1.0, 2.0, 3.0],
        },
        index=[10, 11, 12],
    )


def test_display_table_puts_each_source_under_its_header_in_declared_order() -> None:
    table = display_table(
        _frame(),
        {
            "project": "id",
            "cost": fixed("cost", 1),
            "share": percent("share"),
            "n": whole("count"),
            "note": lambda f: [f"row {i}" for i in f["id"]],
        },
    )
    assert list(table.columns) == ["project", "cost", "share", "n", "note"]
    assert table["cost"].tolist() == ["1,234.6", "", "12.0"]
    assert table["share"].tolist() == ["25%", "50%", ""]
    assert table["n"].tolist() == [1, 2, 3]
    assert table["note"].tolist() == ["row A", "row B", "row C"]
    assert table.index.tolist() == [10, 11, 12]


def test_display_table_returns_an_empty_frame_as_it_is() -> None:
    empty = pd.DataFrame(columns=["id", "cost"])
    assert display_table(empty, {"project": "id"}) is empty


def test_display_table_shows_the_rows_picked_and_can_renumber_them() -> None:
    def costly(f: pd.DataFrame) -> pd.DataFrame:
        return f[f["cost"] > 100]

    kept = display_table(_frame(), {"project": "id"}, rows=costly)
    assert kept["project"].tolist() == ["A"] and kept.index.tolist() == [10]
    renumbered = display_table(_frame(), {"project": "id"}, rows=costly, reset_index=True)
    assert renumbered.index.tolist() == [0]
    none = display_table(_frame(), {"project": "id"}, rows=lambda f: f[f["cost"] > 1e9])
    assert none.empty and list(none.columns) == ["project"]


def test_number_formats_leave_missing_values_blank() -> None:
    assert fixed_text(pd.Series([1_500_000.0, np.nan, 0.4]), 0).tolist() == ["1,500,000", "", "0"]
    assert percent_text(pd.Series([0.126, np.nan, 1.0])).tolist() == ["13%", "", "100%"]
    assert rounded("cost", 0)(_frame()).tolist()[0] == 1235.0


def test_present_keeps_the_order_asked_and_skips_absent_columns() -> None:
    frame = _frame()
    assert present(frame, ["share", "missing", "id"]) == ["share", "id"]
    assert list(select_present(frame, ("count", "nope", "id")).columns) == ["count", "id"]


def test_frame_metrics_gives_one_row_per_entity_and_unit_column_in_unit_order() -> None:
    rows = frame_metrics(
        _frame(),
        {"share": "ratio", "cost": "currency"},
        entity_type="project",
        entity_col="id",
        prefix="x_",
    )
    assert [(m.entity_id, m.metric, m.unit) for m in rows[:2]] == [
        ("A", "x_share", "ratio"),
        ("A", "x_cost", "currency"),
    ]
    assert len(rows) == 6
    assert rows[3].value is None  # B's missing cost
    assert {m.entity_type for m in rows} == {"project"}
