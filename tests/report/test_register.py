"""findings.json, findings.xlsx and metrics.csv: deterministic files a client can use."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

from openpyxl import load_workbook

from tests.report.builders import finding_dicts
from workbench.findings import Finding, Metric
from workbench.report.register import (
    MAX_EVIDENCE_CHARS,
    REGISTER_COLUMNS,
    evidence_text,
    write_findings_json,
    write_findings_xlsx,
    write_metrics_csv,
)
from workbench.report.render import ReportMeta

META = ReportMeta(client="Acme Holdings", engagement="acme-2026", run_id="20260312-101500")


def findings(n: int = 7) -> list[Finding]:
    out = [Finding.from_dict(d) for d in finding_dicts("bi-assessment", "BI", n)]
    out[1].title = '=HYPERLINK("http://evil.example","click")'
    out[2].entities.ids = [f"INV-{i:06d}" for i in range(400)]
    out[2].exceptions.count = 400
    return out


def metrics() -> list[Metric]:
    rows = [
        Metric("exceptions", 3.0, "count", "project", "P-2", "2025-06", "bi-assessment"),
        Metric("exceptions", 1.0, "count", "project", "P-1", "2025-06", "bi-assessment"),
        Metric("cpi", 0.9312345678901, "", "project", "P-1", "2025-06", "pm-function-audit"),
        Metric("cpi", None, "", "project", "P-3", "2025-06", "pm-function-audit"),
        Metric("value", float("nan"), "EUR", "", "", "", "bi-assessment"),
    ]
    return rows


def test_findings_json_is_byte_identical_whatever_the_input_order(tmp_path: Path) -> None:
    items = findings()
    write_findings_json(items, tmp_path / "a.json")
    shuffled = items[:]
    random.Random(4).shuffle(shuffled)
    write_findings_json(shuffled, tmp_path / "b.json")
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def test_findings_json_lists_findings_most_severe_first_with_the_design_schema(
    tmp_path: Path,
) -> None:
    write_findings_json(findings(), tmp_path / "findings.json")
    data = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))
    ranks = ["critical", "high", "medium", "low", "info"]
    order = [ranks.index(d["severity"]) for d in data]
    assert order == sorted(order)
    assert list(data[0]) == [
        "id", "playbook", "check", "area", "severity", "title", "summary", "population",
        "exceptions", "entities", "recommendation", "corrective_action", "preventive_action",
        "owner_role",
    ]  # fmt: skip
    assert {Finding.from_dict(d).id for d in data} == {f.id for f in findings()}


def test_metrics_csv_is_sorted_and_byte_identical(tmp_path: Path) -> None:
    rows = metrics()
    write_metrics_csv(rows, tmp_path / "a.csv")
    write_metrics_csv(list(reversed(rows)), tmp_path / "b.csv")
    data = (tmp_path / "a.csv").read_bytes()
    assert data == (tmp_path / "b.csv").read_bytes()
    assert b"\r" not in data
    table = list(csv.reader(data.decode("utf-8").splitlines()))
    assert table[0] == ["playbook", "metric", "entity_type", "entity_id", "period", "value", "unit"]
    assert table[1:] == [
        ["bi-assessment", "exceptions", "project", "P-1", "2025-06", "1", "count"],
        ["bi-assessment", "exceptions", "project", "P-2", "2025-06", "3", "count"],
        ["bi-assessment", "value", "", "", "", "", "EUR"],
        ["pm-function-audit", "cpi", "project", "P-1", "2025-06", "0.9312345678901", ""],
        ["pm-function-audit", "cpi", "project", "P-3", "2025-06", "", ""],
    ]


def test_xlsx_register_has_filter_frozen_header_and_one_row_per_finding(tmp_path: Path) -> None:
    items = findings()
    path = tmp_path / "findings.xlsx"
    write_findings_xlsx(items, path, META)
    book = load_workbook(path)
    assert book.sheetnames == ["Cover", "Findings", "Evidence"]
    sheet = book["Findings"]
    assert sheet.auto_filter.ref == f"A1:S{len(items) + 1}"
    assert sheet.freeze_panes == "B2"
    header = [c.value for c in sheet[1]]
    assert header == [c[0] for c in REGISTER_COLUMNS]
    rows = [
        dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)
    ]
    assert len(rows) == len(items)
    assert {r["ID"] for r in rows} == {f.id for f in items}
    assert all(r["Status"] == "Open" for r in rows)
    assert rows[0]["Severity"] == "critical"
    severity_cell = sheet.cell(row=2, column=header.index("Severity") + 1)
    assert severity_cell.fill.fgColor.rgb.endswith("7B1E24")
    first = next(f for f in items if f.id == rows[0]["ID"])
    assert rows[0]["Exceptions (count)"] == first.exceptions.count
    assert rows[0]["Population (value)"] == first.population.value
    assert sheet.column_dimensions["G"].width == 60


def test_xlsx_keeps_formula_like_text_as_text(tmp_path: Path) -> None:
    path = tmp_path / "findings.xlsx"
    write_findings_xlsx(findings(), path, META)
    sheet = load_workbook(path)["Findings"]
    titles = [sheet.cell(row=r, column=6) for r in range(2, sheet.max_row + 1)]
    hostile = [c for c in titles if str(c.value).startswith("=HYPERLINK")]
    assert hostile and all(c.data_type == "s" for c in hostile)


def test_xlsx_evidence_is_cut_in_the_register_and_complete_on_its_own_sheet(
    tmp_path: Path,
) -> None:
    items = findings()
    path = tmp_path / "findings.xlsx"
    write_findings_xlsx(items, path, META)
    book = load_workbook(path)
    sheet = book["Findings"]
    big = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == items[2].id)
    assert len(big[-1]) <= MAX_EVIDENCE_CHARS + 60
    assert "more (see the Evidence sheet)" in big[-1]
    evidence = list(book["Evidence"].iter_rows(min_row=2, values_only=True))
    assert len(evidence) == sum(len(f.entities.ids) for f in items)
    assert sum(1 for r in evidence if r[0] == items[2].id) == 400
    assert book["Evidence"].auto_filter.ref == f"A1:E{len(evidence) + 1}"


def test_xlsx_cover_names_client_and_run(tmp_path: Path) -> None:
    path = tmp_path / "findings.xlsx"
    write_findings_xlsx(findings(), path, META)
    cover = {r[0]: r[1] for r in load_workbook(path)["Cover"].iter_rows(values_only=True) if r[0]}
    assert cover["Client"] == "Acme Holdings"
    assert cover["Run"] == "20260312-101500"
    assert cover["Findings"] == 7


def test_evidence_text_lists_short_lists_whole() -> None:
    assert evidence_text(["A", "B"]) == "A, B"
    cut = evidence_text([f"ID-{i}" for i in range(100)], limit=30)
    assert cut.startswith("ID-0, ID-1") and cut.endswith("more (see the Evidence sheet)")


def test_xlsx_evidence_sheet_caps_population_wide_findings(tmp_path: Path, monkeypatch) -> None:
    import workbench.report.register as register

    monkeypatch.setattr(register, "MAX_EVIDENCE_ROWS_PER_FINDING", 150)
    items = findings()
    path = tmp_path / "findings.xlsx"
    write_findings_xlsx(items, path, META)
    evidence = list(load_workbook(path)["Evidence"].iter_rows(min_row=2, values_only=True))
    rows = [r for r in evidence if r[0] == items[2].id]
    assert len(rows) == 151
    assert rows[-1][-1] == "... and 250 more ids: the full list is in findings.json"
    json_path = tmp_path / "findings.json"
    write_findings_json(items, json_path)
    saved = json.loads(json_path.read_text())
    assert len(next(f for f in saved if f["id"] == items[2].id)["entities"]["ids"]) == 400
