"""One rule for amounts: the chapters' narrative, the findings and the report print an amount
the same way."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from workbench.bi import summary
from workbench.findings import finding_from_ids
from workbench.formats import format_amount, money
from workbench.pm import evm
from workbench.report.document import format_compact


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "EUR 0"),
        (950.4, "EUR 950"),
        (9_500, "EUR 9,500"),
        (9_999.6, "EUR 10k"),
        (214_400, "EUR 214k"),
        (999_700, "EUR 1.0m"),  # not "1000k"
        (1_615_234, "EUR 1.6m"),
        (-1_615_234, "EUR -1.6m"),
        (2_340_000_000, "EUR 2.3bn"),
        (None, "n/a"),
        (math.nan, "n/a"),
        ("not a number", "n/a"),
    ],
)
def test_an_amount_in_prose_is_compact(value: object, text: str) -> None:
    assert money(value, "EUR") == text


def test_without_a_currency_the_amount_stands_alone() -> None:
    assert money(61_234) == "61k"


def test_tables_show_the_exact_amount() -> None:
    assert format_amount(1_615_234.4) == "1,615,234"
    assert format_amount(989.41, 2) == "989.41"
    assert format_amount(None) == ""


def test_pm_findings_bi_summary_and_report_print_one_amount_alike() -> None:
    latest = pd.DataFrame(
        {
            "project_id": ["P1"],
            "cpi": [0.5],
            "spi_t": [1.0],
            "bac": [3_230_468.0],
            "vac": [-1_615_234.0],
            "rag": ["red"],
        }
    )
    [overrun] = evm.cost_overrun_findings(latest, evm.RagThresholds(0.85, 0.95, 0.85, 0.95), "EUR")
    assert "finish EUR 1.6m over budget" in overrun.summary
    stake = finding_from_ids(
        check="accepted_not_invoiced",
        area="Revenue assurance",
        severity="high",
        title="Accepted, not invoiced",
        summary="One milestone.",
        entity_type="milestone",
        ids=["M1"],
        population_count=10,
        exception_value=1_615_234.0,
        recommendation="Invoice it.",
    )
    assert "At stake: EUR 1.6m." in summary.executive_summary([stake], currency="EUR")
    assert format_compact(1_615_234.0, "EUR") == "EUR 1.6m"  # the report's headline figures
