"""The database audit reads this engagement's database and nothing else, and never hangs.

The probe audited another client's database into this report through
``sqlite:////abs/other-client/erp.sqlite``, a ``../`` path and a symlinked
``inputs/erp.sqlite``; a DuckDB URL could ask for ``access_mode=read_write``, and the audit
connection could read any file the process can (``read_csv('/etc/...')``). ``run`` hung on
a FIFO input and on ``/dev/zero`` as the database, and a SQLite regex rule that backtracks
ignored the statement timeout. Each is tried here; the URL and path cases of the
bad-input corpus cover the plain spellings.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa
import yaml

from tests.hardening.engagements import write_engagement
from workbench.dbaudit import connect, run_audit
from workbench.engagement import load_engagement
from workbench.errors import InputError


def _database(path: Path) -> Path:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, number TEXT)")
    con.execute("INSERT INTO invoices VALUES (1, 'INV-1'), (2, ?)", ("a" * 34 + "!",))
    con.commit()
    con.close()
    return path


def _engagement(folder: Path, url: str) -> Path:
    return write_engagement(folder, playbooks=["database-audit"], database={"url": url})


def test_a_symlink_to_another_clients_database_is_refused(tmp_path: Path) -> None:
    (tmp_path / "other-client").mkdir()
    other = _database(tmp_path / "other-client" / "erp.sqlite")
    folder = _engagement(tmp_path / "acme", "sqlite:///inputs/erp.sqlite")
    (folder / "inputs" / "erp.sqlite").symlink_to(other)
    with pytest.raises(InputError) as info:
        load_engagement(folder)
    assert "outside the engagement folder" in str(info.value)
    with pytest.raises(InputError, match="outside the engagement folder"):
        connect("sqlite:///inputs/erp.sqlite", base_dir=folder)


@pytest.mark.parametrize("where", ["input", "database"])
def test_a_named_pipe_is_refused_without_waiting_for_it(tmp_path: Path, where: str) -> None:
    folder = _engagement(tmp_path / "acme", "sqlite:///inputs/erp.sqlite")
    if where == "input":
        config = yaml.safe_load((folder / "engagement.yaml").read_text())
        config["inputs"] = {"projects": "inputs/projects.csv"}
        config["playbooks"] = ["bi-assessment"]
        (folder / "engagement.yaml").write_text(yaml.safe_dump(config))
        os.mkfifo(folder / "inputs" / "projects.csv")
    else:
        os.mkfifo(folder / "inputs" / "erp.sqlite")
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "run", str(folder), "--out", str(tmp_path / "r")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "is a named pipe (FIFO), expected a regular file" in proc.stderr
    assert time.monotonic() - started < 60
    assert not (tmp_path / "r").exists()


def test_a_device_as_the_database_is_refused() -> None:
    with pytest.raises(InputError, match="database file is a device"):
        connect("sqlite:////dev/zero")


def test_a_duckdb_url_cannot_turn_read_write_back_on(tmp_path: Path) -> None:
    path = tmp_path / "erp.duckdb"
    duckdb.connect(str(path)).close()
    with pytest.raises(InputError, match="takes no options"):
        connect(f"duckdb:///{path}?access_mode=read_write")


def test_the_duckdb_audit_connection_reads_no_other_file(tmp_path: Path) -> None:
    secret = tmp_path / "other-client.csv"
    secret.write_text("account,balance\nACME-1,100\n")
    path = tmp_path / "erp.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t (x INTEGER)")
    con.close()
    engine = connect(f"duckdb:///{path}")
    try:
        with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError, match="read_csv"):
            conn.execute(sa.text(f"SELECT * FROM read_csv('{secret}')"))
        raw = engine.raw_connection()  # beneath the guard: the engine itself refuses
        try:
            with pytest.raises(duckdb.Error, match=r"disabled|external"):
                raw.cursor().execute(f"SELECT * FROM '{secret}'").fetchall()
        finally:
            raw.close()
    finally:
        engine.dispose()


AUDIT_WITH_A_BACKTRACKING_RULE = """
import sys, time
from tests.hardening.engagements import write_engagement
from workbench.dbaudit import connect, run_audit
rules = {"rules": [{"table": "invoices", "column": "number", "regex": "^(a+)+$"}]}
engine = connect(f"sqlite:///{sys.argv[1]}", statement_timeout_s=2)
started = time.monotonic()
result = run_audit(engine, rules, "2025-12-31")
(rule,) = result.rules.itertuples()
print(round(time.monotonic() - started, 1), rule.status, int(rule.violations))
"""


def test_a_backtracking_regex_rule_on_sqlite_ends_in_time(tmp_path: Path) -> None:
    """``^(a+)+$`` on 34 a's and a "!" takes Python's backtracking engine hours."""
    path = _database(tmp_path / "erp.sqlite")
    proc = subprocess.run(
        [sys.executable, "-c", AUDIT_WITH_A_BACKTRACKING_RULE, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    seconds, status, violations = proc.stdout.split()
    assert float(seconds) < 30
    assert (status, int(violations)) == ("tested", 2)  # neither value is all a's


def test_the_audit_reads_its_own_database_through_a_relative_path(tmp_path: Path) -> None:
    folder = _engagement(tmp_path / "acme", "sqlite:///inputs/erp.sqlite")
    _database(folder / "inputs" / "erp.sqlite")
    assert load_engagement(folder).database_file() == (folder / "inputs" / "erp.sqlite")
    engine = connect("sqlite:///inputs/erp.sqlite", base_dir=folder)
    try:
        result = run_audit(engine, None, "2025-12-31")
    finally:
        engine.dispose()
    assert dict(
        zip(result.inventory["tables"].table, result.inventory["tables"].rows, strict=True)
    ) == {"invoices": 2}
