"""The notebook session: ids, scores, tables, parameters and criteria overrides."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.errors import InputError
from workbench.findings import finding_from_ids
from workbench.session import start, table_html


def _finding(check: str, severity: str, n: int, population: int):
    return finding_from_ids(
        check=check,
        area="A",
        severity=severity,
        title="t",
        summary="s",
        entity_type="project",
        ids=[f"P{i}" for i in range(n)],
        population_count=population,
    )


def test_ids_are_numbered_per_code_and_score_follows_the_stated_method(
    fixture_home, make_engagement
) -> None:
    pb = start("fixture-audit", {"engagement_dir": str(make_engagement())})
    pb.record(
        [
            _finding("accepted_not_invoiced", "high", 5, 10),
            _finding("accepted_not_invoiced", "medium", 1, 100),
            _finding("gaps", "low", 10, 10),
        ]
    )
    assert [f.id for f in pb.findings] == ["FX-ANI-001", "FX-ANI-002", "FX-GAPS-001"]
    # high: 6 x (0.5 + 0.25) = 4.5; medium: 2.5 x (0.5 + 0.005) = 1.2625; low: 1 x 1.0 = 1
    assert pb.score() == pytest.approx(round(100 - 4.5 - 1.2625 - 1.0, 1))
    bundle = pb.results()
    assert [f["id"] for f in bundle["findings"]] == ["FX-ANI-001", "FX-ANI-002", "FX-GAPS-001"]


def test_parameters_come_from_the_notebook_and_are_type_checked(
    fixture_home, make_engagement
) -> None:
    folder = make_engagement(parameters={"fixture-audit": {"margin_floor": 0.3}})
    by_hand = start("fixture-audit", {"engagement_dir": str(folder), "margin_floor": 0.1})
    assert by_hand.params.margin_floor == 0.3  # the cell keeps the default: engagement.yaml's
    injected = start(
        "fixture-audit",
        {"engagement_dir": str(folder), "output_dir": "/tmp/x", "margin_floor": 0.2},
    )
    assert injected.params.margin_floor == 0.2  # the runner's injected value wins
    with pytest.raises(InputError, match="margin_floor"):
        start(
            "fixture-audit",
            {"engagement_dir": str(folder), "output_dir": "/tmp/x", "margin_floor": "low"},
        )


def test_client_criteria_file_overrides_the_shipped_one(fixture_home, make_engagement) -> None:
    folder = make_engagement()
    (fixture_home / "playbooks" / "fixture-audit" / "criteria").mkdir()
    (fixture_home / "playbooks" / "fixture-audit" / "criteria" / "floors.csv").write_text(
        "segment,floor\nEnterprise,0.1\n"
    )
    pb = start("fixture-audit", {"engagement_dir": str(folder)})
    assert pb.criteria("floors")["floor"].tolist() == [0.1]
    (folder / "inputs" / "our_floors.csv").write_text("Segment,Floor\nEnterprise,0.25\n")
    text = (folder / "engagement.yaml").read_text()
    (folder / "engagement.yaml").write_text(
        text.replace("inputs:\n", "inputs:\n  floors: inputs/our_floors.csv\n")
    )
    pb = start("fixture-audit", {"engagement_dir": str(folder)})
    assert pb.criteria("floors")["floor"].tolist() == [0.25]


def test_report_tables_escape_client_text_and_cut_long_tables() -> None:
    df = pd.DataFrame({"vendor": ["<script>alert(1)</script>"] * 30, "amount": [1234.5] * 30})
    html = table_html(df, title="Vendors", max_rows=25)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "Showing 25 of 30 rows" in html
    assert '<th class="num">amount</th>' in html and "1,234.50" in html


def test_empty_tables_say_none_found_and_lists_read_as_text() -> None:
    empty = table_html(pd.DataFrame(columns=["table", "rows"]), title="Tables without a key")
    assert "None found." in empty and "<table" not in empty and "Tables without a key" in empty
    listed = table_html(pd.DataFrame({"sample_keys": [["1", "2"], []]}))
    assert "<td>1, 2</td>" in listed and "[" not in listed


def test_by_hand_a_typed_value_wins_and_every_engagement_value_is_shown(
    fixture_home, make_engagement, monkeypatch
) -> None:
    import workbench.session as session

    shown: list[str] = []
    monkeypatch.setattr(session, "display", lambda obj, **_: shown.append(obj.data))
    folder = make_engagement(
        parameters={"fixture-audit": {"margin_floor": 0.3, "label": "Client label"}}
    )
    pb = start(
        "fixture-audit",
        {"engagement_dir": str(folder), "margin_floor": 0.2, "label": "Portfolio"},
    )
    assert pb.params.margin_floor == 0.2  # typed in the cell (the default is 0.1): it wins
    assert pb.params.label == "Client label"  # the cell keeps the default: engagement.yaml's
    [note] = shown
    assert (
        "`margin_floor` = 0.2 from the parameters cell; engagement.yaml's 0.3 is not used" in note
    )
    assert "`label` = 'Client label' from engagement.yaml" in note

    shown.clear()
    injected = start(
        "fixture-audit",
        {"engagement_dir": str(folder), "output_dir": "/tmp/x", "margin_floor": 0.3},
    )
    assert injected.params.margin_floor == 0.3 and shown == []  # the runner resolved them
