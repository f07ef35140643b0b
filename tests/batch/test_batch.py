"""``workbench batch``: isolation, failure containment, the summary, and a Dask cluster.

One batch of five engagements serves the first tests: two clients side by side (their
playbook writes scratch files), a failing playbook, invalid input, and a playbook that kills
the worker process running it.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from tests.batch.conftest import batch_home, home_environment, output_texts, write_engagement
from tests.factories import client_tables
from workbench.cli import main
from workbench.run import read_manifest

pytestmark = pytest.mark.slow


@dataclass
class Batch:
    reports: Path
    code: int
    out: str
    err: str

    def line(self, engagement: str) -> list[str]:
        """The summary line of an engagement, split into its columns."""
        found = [ln for ln in self.out.splitlines() if ln.startswith(f"{engagement} ")]
        assert len(found) == 1, self.out
        return found[0].split(maxsplit=8)


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    root = tmp_path_factory.mktemp("batch")
    with pytest.MonkeyPatch.context() as mp:
        for key, value in home_environment(batch_home(root)).items():
            mp.setenv(key, value)
        scratch = ["fixture-audit", "fixture-scratch"]
        bad = client_tables("INVALID", "Invalid Customer")
        bad["projects"] = bad["projects"].astype({"budget": "object"})
        bad["projects"].loc[1, "budget"] = "n/a"
        folders = [
            write_engagement(root, "alpha", "Alpha Industries", playbooks=scratch),
            write_engagement(root, "bravo", "Bravo Logistics", playbooks=scratch),
            write_engagement(root, "crash", "Crash Client", playbooks=["fixture-crash"]),
            write_engagement(
                root,
                "failing",
                "Failing Client",
                parameters={"fixture-audit": {"fail_on_purpose": True}},
            ),
            write_engagement(root, "invalid", "Invalid Client", tables=bad),
        ]
        reports = root / "reports"
        out, err = io.StringIO(), io.StringIO()
        args = [
            "batch",
            *map(str, folders),
            "--jobs",
            "2",
            "--format",
            "html",
            "--out",
            str(reports),
        ]
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(args)
    return Batch(reports, code, out.getvalue(), err.getvalue())


def test_engagements_side_by_side_never_see_each_others_data(batch: Batch) -> None:
    markers = {
        "alpha": ["Alpha Industries", "ALPHA-00", "alpha-2026", "AL001"],
        "bravo": ["Bravo Logistics", "BRAVO-00", "bravo-2026", "BR001"],
    }
    scratch: dict[str, str] = {}
    for key, other in (("alpha", "bravo"), ("bravo", "alpha")):
        assert batch.line(f"{key}-2026")[1] == "ok"
        run_dir = (batch.reports / f"{key}-2026" / "latest").resolve()
        texts = dict(output_texts(run_dir))
        for name, text in texts.items():
            for marker in markers[other]:
                assert marker not in text, f"{marker!r} of {other} found in {key}'s {name}"
        assert all(marker in texts["report.html"] for marker in markers[key][:3])
        notebook = texts["fixture-scratch.ipynb"]
        assert f"scratch-{key}-2026.txt" in notebook
        found = re.search(r"Working folder: `([^`]+)`", notebook)
        assert found is not None
        scratch[key] = found[1]
    assert scratch["alpha"] != scratch["bravo"]
    for folder in scratch.values():
        assert not Path(folder).exists()  # working and temporary folders end with the run
    started = {k: read_manifest(batch.reports / f"{k}-2026" / "latest").started_at for k in scratch}
    assert started["alpha"][:16] == started["bravo"][:16]  # they did run side by side


def test_one_failing_engagement_never_stops_the_others(batch: Batch) -> None:
    assert batch.code == 3
    assert "2 of 5 engagements succeeded" in batch.err
    failing = batch.line("failing-2026")
    assert failing[1] == "failed" and "failed: fixture-audit" in failing[-1]
    runs = [p for p in (batch.reports / "failing-2026").iterdir() if p.name[0].isdigit()]
    assert len(runs) == 1 and read_manifest(runs[0]).status == "failed"
    assert (runs[0] / "notebooks" / "fixture-audit.ipynb").exists()
    assert not (batch.reports / "failing-2026" / "latest").exists()
    invalid = batch.line("invalid-2026")
    assert invalid[1] == "invalid" and "column budget" in invalid[-1]
    assert not (batch.reports / "invalid-2026").exists()
    crash = batch.line("crash-2026")
    assert crash[1] == "failed" and "worker process running it died" in crash[-1]
    assert not (batch.reports / "crash-2026" / "latest").exists()


def test_summary_gives_status_time_findings_by_severity_and_report(batch: Batch) -> None:
    header = batch.out.splitlines()[0].split()
    assert header == [
        "engagement",
        "status",
        "time",
        "critical",
        "high",
        "medium",
        "low",
        "info",
        "report",
    ]
    alpha = batch.line("alpha-2026")
    assert alpha[1] == "ok" and re.fullmatch(r"\d+\.\ds", alpha[2])
    assert alpha[3:8] == ["0", "2", "0", "0", "0"]  # the low-margin finding of each playbook
    assert Path(alpha[8]).name == "report.html" and Path(alpha[8]).exists()
    assert batch.line("invalid-2026")[3:8] == ["-"] * 5
    assert str(batch.reports / "portfolio.html") in batch.out
    page = (batch.reports / "portfolio.html").read_text()
    for client in (
        "Alpha Industries",
        "Bravo Logistics",
        "Crash Client",
        "Failing Client",
        "Invalid Client",
    ):
        assert client in page
    assert 'href="alpha-2026/' in page


def batch_on_dask(folders: list[Path], reports: Path, *, workers: int, formats: str) -> int:
    """``workbench batch`` on a fresh LocalCluster of one-thread workers; its exit code."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    ) as cluster:
        args = ["batch", *map(str, folders), "--scheduler", cluster.scheduler_address]
        return main([*args, "--format", formats, "--out", str(reports)])


def test_batch_runs_on_a_dask_cluster(client_engagement, tmp_path, capsys) -> None:
    folders = [
        client_engagement("north", "North Holdings"),
        client_engagement("south", "South Holdings"),
    ]
    reports = tmp_path / "reports"
    code = batch_on_dask(folders, reports, workers=2, formats="html,xlsx")
    captured = capsys.readouterr()
    assert code == 0, captured.out + captured.err
    assert "2 of 2 engagements succeeded" in captured.err
    for key in ("north", "south"):
        latest = reports / f"{key}-2026" / "latest"
        assert (latest / "report.html").exists() and (latest / "findings.xlsx").exists()
        assert "Holdings" in (latest / "report.html").read_text()
    sheets = pd.read_excel(reports / "portfolio.xlsx", sheet_name=None)
    engagements = sheets["Engagements"].set_index("engagement")
    assert list(engagements["status"]) == ["ok", "ok"]
    assert engagements.loc["south-2026", "high"] == 2


def test_more_engagements_than_cluster_threads_are_handed_out_as_threads_free(
    client_engagement, tmp_path, capsys
) -> None:
    """One worker thread, three engagements: each goes to the cluster when the previous
    one is done, and all three finish."""
    folders = [client_engagement(key, f"{key.title()} Holdings") for key in ("east", "west", "mid")]
    reports = tmp_path / "reports"
    code = batch_on_dask(folders, reports, workers=1, formats="html")
    captured = capsys.readouterr()
    assert code == 0, captured.out + captured.err
    assert "3 of 3 engagements succeeded" in captured.err
    spans = sorted(
        (m.started_at, m.finished_at or "")
        for m in (read_manifest(reports / f"{k}-2026" / "latest") for k in ("east", "west", "mid"))
    )
    for (_, finished), (started, _) in itertools.pairwise(spans):
        assert started >= finished  # one thread: one engagement at a time


def test_scheduler_that_does_not_answer_exits_2(client_engagement, tmp_path, capsys) -> None:
    dask = pytest.importorskip("dask")
    pytest.importorskip("distributed")
    folder = client_engagement("west", "West Holdings")
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        code = main(
            [
                "batch",
                str(folder),
                "--scheduler",
                "tcp://127.0.0.1:1",
                "--out",
                str(tmp_path / "reports"),
            ]
        )
    assert code == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:1" in capsys.readouterr().err
