"""A password never travels in a database URL, and a URL is only ever shown redacted.

The probe found that ``postgresql+psycopg://u@host/db?password=X`` passed both password
checks, logged in and was written to report.html, the chapter HTML, the PDF, the executed
notebook, manifest.json and metrics.csv; that ``user:Pa/ss@host`` passed the engagement
check and reached manifest.json when the database audit was not run; and that a
``database:`` given as a plain string echoed its password on stderr. Each is run here as a
user runs it, against the real PostgreSQL server (trust authentication, so a password in
the URL would log in): every run is refused with exit 2, and neither the output of the
command nor any file under the reports folder holds the password. The forms a password
can take in a URL are each refused by the engagement check and by ``connect``, and
redacted by the one function that renders URLs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.parse
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.hardening.artifacts import leaks
from tests.hardening.engagements import write_engagement
from tests.servers import admin_engine
from workbench.dbaudit.connect import connect
from workbench.dburl import redact_text, redact_url
from workbench.engagement import load_engagement
from workbench.errors import InputError

SECRET = f"Zq{uuid.uuid4().hex[:10]}"
HOST = "127.0.0.1:5432"

#: Every place a URL can carry a password, each with the secret in it.
URLS = {
    "query password": f"postgresql+psycopg://auditor@{HOST}/erp?password={SECRET}",
    "query passwd": f"mysql+pymysql://auditor@db:3306/erp?charset=utf8mb4&passwd={SECRET}",
    "query pwd": f"mysql+pymysql://auditor@db:3306/erp?PWD={SECRET}",
    "query sslpassword": f"postgresql+psycopg://auditor@{HOST}/erp?sslpassword={SECRET}",
    "query given twice": f"postgresql+psycopg://auditor@{HOST}/erp?password=a&password={SECRET}",
    "password with a slash": f"postgresql+psycopg://auditor:Pa/{SECRET}@{HOST}/erp",
    "password with a quoted @": f"postgresql+psycopg://auditor:p%40{SECRET}@{HOST}/erp",
    "odbc connection string": "mssql+pyodbc:///?odbc_connect="
    + urllib.parse.quote_plus(f"DRIVER={{ODBC}};SERVER=db;UID=auditor;PWD={SECRET};"),
    "token": f"duckdb:///md:erp?motherduck_token={SECRET}",
}


def _engagement(folder: Path, database: Any, playbooks: list[str]) -> Path:
    write_engagement(
        folder,
        playbooks=playbooks,
        inputs={"projects": "inputs/projects.csv", "staff": "inputs/staff.csv"},
        database=database,
    )
    (folder / "inputs" / "projects.csv").write_text(
        "project_id,name,segment,customer,pm_id,project_type,status,baseline_start,"
        "baseline_finish,budget,contract_value\n"
        "PRJ-1,Atlas,Enterprise,Contoso,P001,implementation,active,2025-01-06,2025-12-19,"
        "100000,120000\n"
    )
    (folder / "inputs" / "staff.csv").write_text(
        "person_id,name,role,team,segment\nP001,Amira Costa,Project Manager,PM,Enterprise\n"
    )
    return folder


@pytest.mark.parametrize("url", URLS.values(), ids=URLS.keys())
def test_the_engagement_refuses_a_password_anywhere_in_the_url(url: str, tmp_path: Path) -> None:
    folder = _engagement(tmp_path / "acme", {"url": url}, ["database-audit"])
    with pytest.raises(InputError) as info:
        load_engagement(folder)
    message = str(info.value)
    assert "database.url" in message and "holds a password" in message
    assert "password_env" in message
    assert SECRET not in message


@pytest.mark.parametrize("url", URLS.values(), ids=URLS.keys())
def test_connect_refuses_a_password_anywhere_in_the_url(url: str) -> None:
    with pytest.raises(InputError) as info:
        connect(url)
    assert "holds a password" in str(info.value)
    assert SECRET not in str(info.value)


@pytest.mark.parametrize("url", URLS.values(), ids=URLS.keys())
def test_a_url_is_shown_without_its_secret(url: str) -> None:
    shown = redact_url(url)
    assert SECRET not in shown and "***" in shown
    assert shown.split("://")[0] == url.split("://")[0]
    message = redact_text(f"could not connect to {url} (timeout)")
    assert SECRET not in message and message.endswith("(timeout)")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://auditor@db.acme.internal:5432/erp",
        "postgresql+psycopg://auditor@db:5432/erp?sslmode=require&application_name=wb-audit",
        "sqlite:///inputs/erp.sqlite",
    ],
)
def test_a_url_without_a_secret_is_shown_as_written(url: str) -> None:
    assert redact_url(url) == url


def _run(folder: Path, reports: Path) -> tuple[int, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "run", str(folder), "--out", str(reports)],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=600,
        check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr


#: The three runs of the issue: (database section, playbooks).
RUNS = {
    "password in the query, audit run": (
        {"url": f"postgresql+psycopg://postgres@{HOST}/postgres?password={SECRET}"},
        ["database-audit"],
    ),
    "password with a slash, audit not run": (
        {"url": f"postgresql+psycopg://postgres:Pa/{SECRET}@{HOST}/postgres"},
        ["bi-assessment"],
    ),
    "database given as a string": (
        f"postgresql+psycopg://postgres:Pa/{SECRET}@{HOST}/postgres",
        ["bi-assessment"],
    ),
}


@pytest.mark.db
@pytest.mark.parametrize(("database", "playbooks"), RUNS.values(), ids=RUNS.keys())
def test_a_run_with_a_password_in_the_url_is_refused_and_leaks_nothing(
    database: Any, playbooks: list[str], tmp_path: Path
) -> None:
    admin_engine(f"postgresql+psycopg://postgres@{HOST}/postgres", "PostgreSQL").dispose()
    folder = _engagement(tmp_path / "acme", database, playbooks)
    reports = tmp_path / "reports"
    code, output = _run(folder, reports)
    assert code == 2, output
    assert "holds a password" in output or "valid dictionary" in output, output
    assert leaks(reports, output, SECRET) == []
    assert "Traceback" not in output
    assert not reports.exists()
