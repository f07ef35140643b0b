"""Rules files are checked with clear messages; name heuristics read snake and camel case."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from workbench.dbaudit.archival import retention_cutoff
from workbench.dbaudit.common import (
    is_date_name,
    is_natural_key_name,
    is_number_name,
    is_required_name,
    words,
)
from workbench.dbaudit.rules import compare_literal, load_rules, parse_compare
from workbench.demo import database as demo_db
from workbench.demo.core import DemoContext
from workbench.errors import InputError

CRITERIA = Path(__file__).resolve().parents[2] / "playbooks" / "database-audit" / "criteria"


def test_example_rules_file_parses() -> None:
    rules = load_rules(CRITERIA / "db_rules.yaml")
    assert rules.retention["timesheet_entries"].retain_years == 7
    assert {r.kind for r in rules.rules} == {"range", "allowed", "regex", "compare"}
    assert rules.natural_keys["customers"] == [["email"], ["name", "country"]]


def test_demo_rules_round_trip_through_yaml(tmp_path: Path) -> None:
    path = tmp_path / "db_rules.yaml"
    path.write_text(demo_db.rules_yaml())
    rules = load_rules(path)
    assert [r.label for r in rules.rules][:2] == ["invoice_amount_not_negative", "hours_per_entry"]
    assert rules.date_columns == {"employees": None}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rules": [{"table": "t", "column": "c"}]}, "exactly one of"),
        ({"rules": [{"table": "t", "range": {"min": 0}}]}, "needs a column"),
        ({"rules": [{"table": "t", "compare": "a between b"}]}, "compare"),
        ({"rules": [{"table": "t", "column": "c", "regex": "(["}]}, "does not compile"),
        ({"retention": {"t": {"date_column": "d", "retain_years": 0}}}, "retention.t"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_bad_rules_are_refused_with_the_field(data: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_rules(data)


def test_missing_or_broken_rules_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_rules(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: [unclosed")
    with pytest.raises(InputError, match="not valid YAML"):
        load_rules(bad)


def test_compare_parsing() -> None:
    assert parse_compare("end_date >= start_date") == ("end_date", ">=", "start_date")
    assert parse_compare("a <> b") == ("a", "!=", "b")
    assert compare_literal("start_date") == (True, "start_date")
    assert compare_literal("2020-01-01") == (False, dt.date(2020, 1, 1))
    assert compare_literal("'open'") == (False, "open")
    assert compare_literal("12.5") == (False, 12.5)


def test_names_in_any_case_style() -> None:
    assert words("CustomerId") == words("customer_id") == words("customerID") == ["customer", "id"]
    assert is_date_name("InvoiceDate") and is_date_name("paid_on") and is_date_name("created_at")
    assert not is_date_name("Description") and not is_date_name("Region")
    assert is_number_name("UnitPrice") and is_number_name("hours") and not is_number_name("code")
    assert is_natural_key_name("customer_code") and is_natural_key_name("Email")
    assert is_natural_key_name("invoice_number")
    assert not is_natural_key_name("PostalCode") and not is_natural_key_name("country_code")
    assert not is_natural_key_name("customer_id")
    assert is_required_name("customers", "customer_id") and is_required_name("x", "Status")
    assert not is_required_name("customers", "fax")


def test_retention_cutoff_by_calendar_years() -> None:
    assert retention_cutoff(dt.date(2026, 6, 30), 7) == dt.date(2019, 6, 30)
    assert retention_cutoff(dt.date(2024, 2, 29), 1) == dt.date(2023, 2, 28)
    assert retention_cutoff(dt.date(2026, 6, 30), 0.5) == dt.date(2025, 12, 29)


def test_demo_database_is_deterministic() -> None:
    rows_a, key_a = demo_db.erp_rows(DemoContext())
    rows_b, key_b = demo_db.erp_rows(DemoContext())
    assert rows_a == rows_b and key_a == key_b
    assert yaml.safe_load(demo_db.rules_yaml()) == demo_db.RULES


def test_demo_registers_its_files_and_answer_key() -> None:
    ctx = DemoContext()
    demo_db.generate(ctx)
    assert set(ctx.extra_files) == {"inputs/erp.sqlite", "inputs/db_rules.yaml"}
    key = ctx.answer_key["database-audit"]
    assert key["orphans:invoice_lines.invoice_id"] == ["147", "148", "149"]
    assert key["no_primary_key"] == ["audit_log"]
