"""The audit finds exactly what the demo generator planted, on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from workbench.dbaudit import AuditResult, run_audit, scorecard
from workbench.demo import database as demo_db
from workbench.demo.core import DemoContext

AS_OF = DemoContext().period_end
_CACHE: dict[str, AuditResult] = {}


def audit(server: Any) -> AuditResult:
    """One full audit per engine per test session (the results are read-only)."""
    if server.backend not in _CACHE:
        _CACHE[server.backend] = run_audit(
            server.audit_engine(), demo_db.RULES, AS_OF, sample_rows=50
        )
    return _CACHE[server.backend]


def keys(values: list[Any]) -> list[str]:
    return sorted(str(v) for v in values)


def test_no_check_fails_on_any_engine(erp: Any) -> None:
    assert audit(erp).limitations == []


def test_orphan_rows_are_counted_per_foreign_key(erp: Any, demo: Any) -> None:
    answer = demo[2]
    rel = audit(erp).relationships.set_index("relationship")
    assert len(rel) == 6
    for label, row in rel.iterrows():
        planted = answer[f"orphans:{row.table}.{row.column}"]
        assert row.status == "tested", label
        assert row.orphan_rows == len(planted), label
        assert keys(row.sample_keys) == keys(planted), label
    assert rel.loc["invoice_lines.invoice_id -> invoices.invoice_id", "orphan_values"] == 2
    assert rel.loc["payments.invoice_id -> invoices.invoice_id", "orphan_values"] == 1


def test_undeclared_relationships_are_inferred_from_names(erp: Any, demo: Any) -> None:
    rel = audit(erp).relationships
    inferred = sorted(rel.loc[~rel.declared.astype(bool), "relationship"])
    assert inferred == demo[2]["inferred_fk"]


def test_foreign_key_columns_without_index(erp: Any, demo: Any) -> None:
    u = audit(erp).unindexed_foreign_keys
    assert (
        sorted(f"{t}.{c}" for t, c in zip(u.table, u.column, strict=True))
        == demo[2]["unindexed_fk"]
    )


def test_table_without_primary_key_and_its_duplicate_ids(erp: Any, demo: Any) -> None:
    r = audit(erp)
    assert list(r.no_primary_key.table) == demo[2]["no_primary_key"]
    k = r.keys.set_index("table").loc["audit_log"]
    assert (k.key, k.status, k.duplicate_groups, k.duplicate_rows) == ("id", "tested", 1, 2)
    assert keys(k.sample_keys) == demo[2]["key_not_unique:audit_log"]
    assert set(r.keys.loc[r.keys.table != "audit_log", "status"]) == {"enforced"}


def test_duplicate_natural_keys_ignore_case_and_blanks(erp: Any, demo: Any) -> None:
    nk = audit(erp).natural_keys
    found = {
        f"{t}.{c}": (g, n, keys(s))
        for t, c, g, n, s in zip(
            nk.table, nk.column, nk.duplicate_groups, nk.duplicate_rows, nk.sample_keys, strict=True
        )
    }
    assert found == {
        "customers.customer_code": (2, 4, demo[2]["duplicate_key:customers.customer_code"]),
        "customers.email": (1, 2, demo[2]["duplicate_key:customers.email"]),
        "invoices.invoice_number": (1, 2, demo[2]["duplicate_key:invoices.invoice_number"]),
    }
    assert nk.set_index("column").loc["email", "source"] == "rules"


def test_missing_values_in_required_columns(erp: Any, demo: Any) -> None:
    req = audit(erp).required
    missing = req[req.missing > 0]
    found = {
        f"{t}.{c}": keys(s)
        for t, c, s in zip(missing.table, missing.column, missing.sample_keys, strict=True)
    }
    planted = {
        k.split(":", 1)[1]: v for k, v in demo[2].items() if k.startswith("required_missing:")
    }
    assert found == planted
    row = req.set_index(["table", "column"]).loc[("employees", "name")]
    assert (row.nulls, row.blanks, row.source) == (0, 1, "name")
    assert req.set_index(["table", "column"]).loc[("customers", "email"), "nulls"] == 2


def test_dates_and_numbers_stored_as_text(erp: Any, demo: Any) -> None:
    tt = audit(erp).text_types.set_index(["table", "column"])
    assert sorted(f"{t}.{c}" for t, c in tt.index) == demo[2]["text_typed_columns"]
    date = tt.loc[("invoices", "invoice_date")]
    assert (date.holds, date["values"], date.unparseable) == ("date", 60, 3)
    assert keys(date.sample_keys) == demo[2]["text_unparseable:invoices.invoice_date"]
    qty = tt.loc[("invoice_lines", "quantity")]
    assert (qty.holds, qty["values"], qty.unparseable) == ("number", 150, 2)
    assert keys(qty.sample_keys) == demo[2]["text_unparseable:invoice_lines.quantity"]


def test_rule_violations_with_sample_keys(erp: Any, demo: Any) -> None:
    rules = audit(erp).rules.set_index("rule")
    assert len(rules) == len(demo_db.RULES["rules"])
    for name, row in rules.iterrows():
        planted = demo[2][f"rule:{name}"]
        assert row.status == "tested", name
        assert int(row.violations) == len(planted), name
        assert keys(row.sample_keys) == keys(planted), name


def test_rows_kept_past_retention(erp: Any, demo: Any) -> None:
    ret = audit(erp).retention.set_index("table").loc["timesheet_entries"]
    assert str(ret.cutoff) == "2019-06-30"
    assert ret.rows_past_retention == 6
    assert keys(ret.sample_keys) == demo[2]["retention:timesheet_entries"]
    assert str(ret.oldest) == "2017-03-14"


def test_freshness_and_growth(erp: Any, demo: Any) -> None:
    r = audit(erp)
    fr = r.freshness.set_index("table")
    assert sorted(fr.index[fr.stale.astype(bool)]) == demo[2]["stale_tables"]
    assert fr.loc["payments", "days_behind"] == 197
    assert "employees" not in fr.index  # excluded by the rules' date_columns
    assert int(fr.future_rows.sum()) == 0
    g = r.growth[r.growth.table == "timesheet_entries"]
    assert int(g.rows.sum()) == 300
    assert g.set_index("month").loc["2017-03", "rows"] == 1


def test_same_numbers_on_every_engine(erp_sqlite: Any, erp_pg: Any, erp_maria: Any) -> None:
    def digest(r: AuditResult) -> dict[str, Any]:
        return {
            "rows": dict(zip(r.inventory["tables"].table, r.inventory["tables"].rows, strict=True)),
            "orphans": dict(
                zip(r.relationships.relationship, r.relationships.orphan_rows, strict=True)
            ),
            "dups": dict(
                zip(
                    r.natural_keys.table + "." + r.natural_keys.column,
                    r.natural_keys.duplicate_rows,
                    strict=True,
                )
            ),
            "missing": dict(
                zip(r.required.table + "." + r.required.column, r.required.missing, strict=True)
            ),
            "text": dict(zip(r.text_types.column, r.text_types.unparseable, strict=True)),
            "rules": {k: int(v) for k, v in zip(r.rules.rule, r.rules.violations, strict=True)},
            "scores": r.scorecard.drop(columns=["rows"]).round(4).fillna(-1).to_dict("records"),
            "findings": sorted((f.check, f.title, f.exceptions.count) for f in r.findings),
        }

    sqlite, pg, maria = (digest(audit(s)) for s in (erp_sqlite, erp_pg, erp_maria))
    assert sqlite == pg
    assert sqlite == maria


def test_findings_name_table_column_and_keys(erp_sqlite: Any) -> None:
    r = audit(erp_sqlite)
    by_check: dict[str, list[Any]] = {}
    for f in r.findings:
        by_check.setdefault(f.check, []).append(f)
    assert len(by_check["orphan_rows"]) == 3
    assert len(by_check["orphan_rows_inferred"]) == 2
    assert len(by_check["rule_violation"]) == 6
    lines = next(f for f in by_check["orphan_rows"] if f.entities.type == "invoice_lines")
    assert lines.exceptions.count == 3 and lines.population.count == 150
    assert lines.entities.ids == ["147", "148", "149"]
    assert "invoice_lines.invoice_id" in lines.title
    assert by_check["no_primary_key"][0].entities.ids == ["audit_log"]
    assert by_check["stale_tables"][0].entities.ids == ["payments"]
    assert {f.code for f in r.findings} >= {
        "ORPH",
        "IORPH",
        "NKDUP",
        "NULL",
        "TXTDATE",
        "RULE",
        "RET",
        "FKIDX",
        "NOPK",
        "PKDUP",
        "STALE",
    }


def test_sample_is_bounded_but_count_is_not(erp_sqlite: Any) -> None:
    r = run_audit(erp_sqlite.audit_engine(), demo_db.RULES, AS_OF, sample_rows=2)
    ret = r.retention.set_index("table").loc["timesheet_entries"]
    assert ret.rows_past_retention == 6 and ret.sample_keys == ["1", "2"]
    f = next(f for f in r.findings if f.check == "past_retention")
    assert f.exceptions.count == 6 and f.entities.ids == ["1", "2"]


def test_scorecard_follows_the_stated_method(erp_sqlite: Any) -> None:
    r = audit(erp_sqlite)
    s = r.scorecard.set_index("table")
    # payments: 1 of 50 paid_on missing over 2 required columns (payment_id, paid_on).
    assert s.loc["payments", "completeness"] == pytest.approx(1 - 1 / 100, abs=5e-5)
    # audit_log: one surplus duplicate id of 40 rows.
    assert s.loc["audit_log", "uniqueness"] == pytest.approx(1 - 1 / 40, abs=5e-5)
    # payments: stale (0) -> timeliness 0; consistency 2 orphans of 50.
    assert s.loc["payments", "timeliness"] == 0.0
    assert s.loc["payments", "consistency"] == pytest.approx(1 - 2 / 50, abs=5e-5)
    # invoices validity: 3 unparseable dates of 60 + 2 negative amounts of 60.
    assert s.loc["invoices", "validity"] == pytest.approx(1 - 5 / 120, abs=5e-5)
    db = r.database_score.set_index("dimension")["score"]
    assert db["completeness"] == pytest.approx(s.completeness.mean(), abs=1e-4)
    # the overall score is the mean of the dimensions, each table scored once
    dimensions = [db[d] for d in scorecard.DIMENSIONS if pd.notna(db[d])]
    assert db["overall"] == pytest.approx(sum(dimensions) / len(dimensions), abs=1e-4)
    assert sorted(s.index) == sorted(r.inventory["tables"]["table"])
