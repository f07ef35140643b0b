"""Secrets never reach an artifact of a run, a failed run included.

A real database audit runs on PostgreSQL through a login role with a password: the
engagement names the environment variable that holds it, the connection passes it to the
server, and then every file under the reports folder (executed notebooks, HTML, the text of
the PDF, every part of the XLSX, logs, manifest, findings, metrics) and everything the
command printed is searched for it, in plain and URL-quoted form. The same is done for a
playbook parameter declared ``secret: true``. The second run raises in the cell after the
whole audit (every query has run, the engine is still in the kernel's namespace), so the
partial notebook and its traceback are searched too.

PostgreSQL at 127.0.0.1:5432 with trust authentication is expected (the CI services); the
tests skip when it does not answer, except with ``CI=true``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from tests.hardening.artifacts import leaks as artifact_leaks
from tests.servers import admin_engine
from workbench.demo import database as demo_db
from workbench.demo.core import DemoContext
from workbench.paths import home
from workbench.run import read_findings

PG_HOST, PG_PORT = "127.0.0.1", 5432
PASSWORD_ENV = "WB_HARDENING_DB_PASSWORD"
#: Characters that URLs and drivers escape, so that every escaped form is searched for.
PASSWORD = f"Pw:{uuid.uuid4().hex[:12]}/@%?+x"
TOKEN = f"tok-{uuid.uuid4().hex}"


@dataclass
class Database:
    url: str  # without the password, as engagement.yaml names it
    role: str


@pytest.fixture(scope="module")
def database() -> Iterator[Database]:
    """A scratch database with the demo ERP, readable by a login role that has a password."""
    root = admin_engine(
        f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/postgres",
        f"PostgreSQL at {PG_HOST}:{PG_PORT}",
    )
    suffix = uuid.uuid4().hex[:10]
    name, role = f"wb_secret_{suffix}", f"wb_auditor_{suffix}"
    with root.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        # PASSWORD takes a literal; the password holds no quote by construction
        conn.execute(sa.text(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{PASSWORD}'"))
    admin = sa.create_engine(f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{name}")
    try:
        rows, _ = demo_db.erp_rows(DemoContext())
        md = demo_db.erp_metadata()
        with admin.begin() as conn:
            md.create_all(conn)
            conn.execute(sa.text("SET session_replication_role = replica"))
            demo_db.load_rows(conn, rows, md)
            conn.execute(sa.text(f'GRANT USAGE ON SCHEMA public TO "{role}"'))
            conn.execute(sa.text(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"'))
        yield Database(f"postgresql+psycopg://{role}@{PG_HOST}:{PG_PORT}/{name}", role)
    finally:
        admin.dispose()
        with root.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'DROP ROLE IF EXISTS "{role}"'))
        root.dispose()


@pytest.fixture(scope="module")
def workbench_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped playbooks; the database audit gets a secret parameter and a switch that
    makes it raise just before its last cell."""
    target = tmp_path_factory.mktemp("home")
    shutil.copytree(home() / "playbooks", target / "playbooks")
    shutil.copytree(home() / "notebooks", target / "notebooks")
    spec_path = target / "playbooks" / "database-audit" / "playbook.yaml"
    spec = yaml.safe_load(spec_path.read_text())
    spec["parameters"]["api_token"] = {
        "type": "str",
        "default": None,
        "secret": True,
        "description": "Token of the client's API (a secret: never written to an output).",
    }
    spec["parameters"]["fail_after_audit"] = {"type": "bool", "default": False}
    spec_path.write_text(yaml.safe_dump(spec, sort_keys=False))
    nb_path = target / "notebooks" / "database-audit.ipynb"
    nb = json.loads(nb_path.read_text())
    for cell in nb["cells"]:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            cell["source"] = (
                "".join(cell["source"]) + "\napi_token = None\nfail_after_audit = False"
            )
    planted: dict[str, Any] = {
        "cell_type": "code",
        "execution_count": None,
        "id": "planted-failure",
        "metadata": {},
        "outputs": [],
        "source": (
            "pb.md('API token available to the playbook: ' + "
            "('yes' if str(pb.params.api_token).startswith('tok-') else 'no'))\n"
            "if fail_after_audit:\n    raise RuntimeError('planted failure after the audit')"
        ),
    }
    nb["cells"].insert(len(nb["cells"]) - 1, planted)
    nb_path.write_text(json.dumps(nb))
    return target


@dataclass
class Run:
    """One ``workbench run`` in a subprocess: what it printed and where it wrote."""

    code: int
    output: str
    reports: Path


def _engagement(root: Path, name: str, database: Database, *, fail: bool) -> Path:
    folder = root / name
    (folder / "rules").mkdir(parents=True)
    (folder / "rules" / "db_rules.yaml").write_text(demo_db.rules_yaml())
    config = {
        "client": "Secretive Holdings",
        "engagement": "secretive-2026",
        "period": {"start": "2025-01-01", "end": "2025-12-31"},
        "currency": "EUR",
        "playbooks": ["database-audit"],
        "database": {
            "url": database.url,
            "password_env": PASSWORD_ENV,
            "rules": "rules/db_rules.yaml",
        },
        "parameters": {
            "database-audit": {"api_token": TOKEN, "sample_rows": 5, "fail_after_audit": fail}
        },
    }
    (folder / "engagement.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return folder


def _run(folder: Path, reports: Path, workbench_home: Path) -> Run:
    env = dict(os.environ, WORKBENCH_HOME=str(workbench_home))
    env[PASSWORD_ENV] = PASSWORD
    proc = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "run", str(folder), "--out", str(reports)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    return Run(proc.returncode, proc.stdout + proc.stderr, reports)


@pytest.fixture(scope="module")
def runs(
    tmp_path_factory: pytest.TempPathFactory, database: Database, workbench_home: Path
) -> dict[str, Run]:
    """A full audit that succeeds, and one that raises after the audit has run."""
    root = tmp_path_factory.mktemp("secret-runs")
    good = _engagement(root, "good", database, fail=False)
    bad = _engagement(root, "bad", database, fail=True)
    return {
        "successful": _run(good, root / "reports-good", workbench_home),
        "failed": _run(bad, root / "reports-bad", workbench_home),
    }


def leaks(run: Run, secret: str) -> list[str]:
    """Where a form of ``secret`` appears: file (and part) names, or ``output``."""
    return artifact_leaks(run.reports, run.output, secret)


@pytest.mark.slow
@pytest.mark.db
def test_the_successful_audit_really_ran_on_the_server(runs: dict[str, Run]) -> None:
    run = runs["successful"]
    assert run.code == 0, run.output
    latest = run.reports / "secretive-2026" / "latest"
    for name in ("report.html", "report.pdf", "findings.xlsx", "findings.json", "metrics.csv"):
        assert (latest / name).exists(), name
    items = read_findings(latest)
    assert any(f["playbook"] == "database-audit" for f in items)
    # the secret parameter reached the kernel, though it is written nowhere
    assert "API token available to the playbook: yes" in (latest / "report.html").read_text()
    manifest = json.loads((latest / "manifest.json").read_text())
    assert manifest["engagement"]["database"]["password_env"] == PASSWORD_ENV
    assert manifest["playbooks"][0]["parameters"]["api_token"] == "***"


@pytest.mark.slow
@pytest.mark.db
def test_the_failed_audit_failed_after_querying(runs: dict[str, Run]) -> None:
    run = runs["failed"]
    assert run.code == 3, run.output
    (run_dir,) = [p for p in (run.reports / "secretive-2026").iterdir() if p.name[0].isdigit()]
    notebook = json.loads((run_dir / "notebooks" / "database-audit.ipynb").read_text())
    errors = [
        o
        for c in notebook["cells"]
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert errors and "planted failure after the audit" in json.dumps(errors)
    assert "Data-quality score of the database" in json.dumps(notebook)  # the audit ran
    assert not (run.reports / "secretive-2026" / "latest").exists()


@pytest.mark.slow
@pytest.mark.db
@pytest.mark.parametrize("which", ["successful", "failed"])
def test_the_database_password_reaches_no_artifact(runs: dict[str, Run], which: str) -> None:
    assert leaks(runs[which], PASSWORD) == []


@pytest.mark.slow
@pytest.mark.db
@pytest.mark.parametrize("which", ["successful", "failed"])
def test_a_secret_parameter_reaches_no_artifact(runs: dict[str, Run], which: str) -> None:
    assert leaks(runs[which], TOKEN) == []


def test_the_session_reads_a_secret_parameter_from_the_engagement(tmp_path: Path) -> None:
    """What the runner leaves out of the notebook, the kernel still gets."""
    from workbench.engagement import Engagement, LoadedEngagement
    from workbench.playbooks import Parameter, PlaybookSpec
    from workbench.session import _from_namespace

    spec = PlaybookSpec(
        "vault",
        "Vault",
        "VA",
        tmp_path,
        parameters={
            "token": Parameter("token", "str", secret=True),
            "limit": Parameter("limit", "int", default=3),
        },
    )
    config = Engagement.model_validate(
        {
            "client": "Secretive Holdings",
            "engagement": "secretive-2026",
            "period": {"start": "2025-01-01", "end": "2025-12-31"},
            "parameters": {"vault": {"token": TOKEN, "limit": 4}},
        }
    )
    engagement = LoadedEngagement(tmp_path, config)
    by_runner, _ = _from_namespace(
        spec, {"output_dir": "/out", "token": None, "limit": 5}, engagement
    )
    assert (by_runner.token, by_runner.limit) == (TOKEN, 5)
    by_hand, notes = _from_namespace(spec, {"token": None, "limit": 3}, engagement)
    assert (by_hand.token, by_hand.limit) == (TOKEN, 4)
    # the note on engagement.yaml's values names the limit, never the secret
    assert notes == [
        "`limit` = 4 from engagement.yaml (the parameters cell keeps the playbook default 3)."
    ]


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ({"type": "int"}, "tok-Zq81"),
        ({"type": "str", "choices": ["a", "b"]}, "tok-Zq81"),
        ({"type": "str"}, ["tok-Zq81"]),
    ],
)
def test_a_rejected_secret_parameter_is_not_echoed(parameter: dict, value: object) -> None:
    """The message names the parameter and what was expected, never the value given."""
    from workbench.errors import InputError
    from workbench.playbooks import Parameter

    secret = Parameter("token", secret=True, **parameter)
    with pytest.raises(InputError) as info:
        secret.check(value, "engagement.yaml")
    assert "'token'" in str(info.value) and "***" in str(info.value)
    assert "Zq81" not in str(info.value)
    plain = Parameter("token", **parameter)
    with pytest.raises(InputError) as info:
        plain.check(value, "engagement.yaml")
    assert "Zq81" in str(info.value)  # the same check on a plain parameter shows it
