"""Tables as data beside their HTML, and executed notebooks read back as report blocks."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from tests.report.builders import HOSTILE_VENDOR, SECRET_PATH, TRACEBACK_MARK, executed_notebook
from tests.report.office import consolidated_html
from workbench.report.content import (
    Heading,
    Image,
    Markdown,
    Notice,
    Table,
    chapter_content,
    tables_from_html,
)
from workbench.report.document import ReportMeta
from workbench.session import RESULTS_MIME, TABLE_MIME, start, table_data, table_html


def _shown(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    shown: list[dict[str, Any]] = []
    monkeypatch.setattr("workbench.session.display", lambda obj, raw=False, **kw: shown.append(obj))
    return shown


def test_show_emits_the_table_as_data_beside_its_html(
    fixture_home, make_engagement, monkeypatch
) -> None:
    pb = start("fixture-audit", {"engagement_dir": str(make_engagement())})
    shown = _shown(monkeypatch)
    frame = pd.DataFrame(
        {
            "project_id": [f"P-{i:02d}" for i in range(30)],
            "vendor": [HOSTILE_VENDOR] * 30,
            "amount_paid": [1234.5 + i for i in range(30)],
            "late": [i % 2 == 0 for i in range(30)],
        }
    )
    pb.show(frame, title="Payments", note="Amounts in EUR.")
    (output,) = shown
    data = output[TABLE_MIME]
    assert data["title"] == "Payments" and data["note"] == "Amounts in EUR."
    assert data["columns"] == ["project id", "vendor", "amount paid", "late"]
    assert data["numeric"] == ["amount paid"]  # booleans are not figures
    assert data["total_rows"] == 30 and len(data["rows"]) == 25
    assert data["rows"][0] == ["P-00", HOSTILE_VENDOR, "1,234.50", "yes"]
    assert data["rows"][24][2] == "1,258.50"
    # the HTML is the report's table as before: escaped and cut with a note
    assert output["text/html"] == table_html(frame, title="Payments", note="Amounts in EUR.")
    assert "Showing 25 of 30 rows" in output["text/html"]


def test_finish_emits_the_chapter_findings_as_table_data(
    fixture_home, make_engagement, monkeypatch
) -> None:
    from workbench.findings import finding_from_ids

    pb = start("fixture-audit", {"engagement_dir": str(make_engagement())})
    pb.record(
        finding_from_ids(
            check="late_payments",
            area="Payables",
            severity="high",
            title="Late payments",
            summary="3 late",
            entity_type="payment",
            ids=["A", "B", "C"],
            population_count=10,
        )
    )
    shown = _shown(monkeypatch)
    pb.finish()
    (output,) = shown
    assert RESULTS_MIME in output
    data = output[TABLE_MIME]
    assert data["columns"] == ["id", "severity", "area", "finding", "exceptions", "value"]
    assert data["rows"] == [["FX-LP-001", "high", "Payables", "Late payments", "3", ""]]


def test_empty_table_data_has_columns_and_no_rows() -> None:
    data = table_data(pd.DataFrame(columns=["table", "rows"]), title="Tables without a key")
    assert data["rows"] == [] and data["total_rows"] == 0
    assert data["columns"] == ["table", "rows"]


def test_html_report_ignores_table_data() -> None:
    nb = executed_notebook()
    cell = next(c for c in nb.cells if c.cell_type == "code" and "pb.show" in c.source)
    frame = pd.DataFrame({"vendor": ["Vendor A"], "amount": [10.0]})
    cell.outputs[0]["data"][TABLE_MIME] = table_data(frame, title="As data")
    html = consolidated_html([nb], ReportMeta(client="Acme", engagement="acme"))
    assert TABLE_MIME not in html and "As data" not in html
    assert "Projects checked (1)" in html  # the HTML beside it is what the report shows


def test_chapter_blocks_follow_the_notebook_without_parameters_or_code() -> None:
    content = chapter_content(executed_notebook(n_findings=4))
    assert content.title == "Business intelligence assessment"
    assert content.playbook == "bi-assessment"
    assert isinstance(content.blocks[0], Heading) and content.blocks[0].level == 1
    sections = [b.text for b in content.blocks if isinstance(b, Heading) and b.level == 2]
    assert sections == ["Scope and data", "Analysis"]  # the method goes to the appendix
    text = repr(content.blocks)
    assert SECRET_PATH not in text and "from workbench.session" not in text
    assert "FutureWarning" not in text and "(412, 14)" not in text
    tables = [b for b in content.blocks if isinstance(b, Table)]
    # the HTML table of pb.show (read back from its markup) and the findings of pb.finish
    assert [t.title for t in tables] == ["Projects checked (1)", ""]
    checked = tables[0]
    assert checked.columns == ["Project", "Vendor", "Amount", "Count", "Date"]
    assert checked.numeric == ["Amount", "Count"]
    assert len(checked.rows) == 25 and checked.rows[1][1] == HOSTILE_VENDOR
    assert checked.note.startswith("Showing 25 of 40 rows")
    images = [b for b in content.blocks if isinstance(b, Image)]
    assert [i.alt for i in images] == [
        "Chart 1 of bi-assessment: exceptions per month",
        "Trend of bi-assessment exceptions",  # no alt text: its text/plain stands in
    ]
    assert all(i.data.startswith(b"\x89PNG") for i in images)
    narrative = [b for b in content.blocks if isinstance(b, Markdown)]
    assert any(HOSTILE_VENDOR in b.text and b.min_level == 3 for b in narrative)
    assert content.method and "Nigrini" in repr(content.method)
    assert len(content.results["findings"]) == 4  # type: ignore[index]


def test_failed_cell_becomes_a_notice_without_traceback() -> None:
    content = chapter_content(executed_notebook(failed=True, finished=False))
    notices = [b for b in content.blocks if isinstance(b, Notice)]
    assert notices == [Notice("KeyError", "'amount'")]
    assert TRACEBACK_MARK not in repr(content.blocks)
    assert "papermill" not in repr(content.blocks).lower()
    assert content.results is None and content.playbook == ""


def test_tables_read_back_from_html_keep_titles_notes_and_numbers() -> None:
    html = table_html(
        pd.DataFrame({"name": ["A", "B", "C"], "amount": [1.5, 2000.0, None]}),
        title="Amounts",
        max_rows=2,
    )
    (table,) = tables_from_html(html)
    assert table.title == "Amounts"
    assert table.columns == ["name", "amount"] and table.numeric == ["amount"]
    assert table.rows == [["A", "1.50"], ["B", "2,000.00"]]
    assert table.note.startswith("Showing 2 of 3 rows")
    assert tables_from_html("<p>No table here</p>") == []
