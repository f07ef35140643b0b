"""Categorical columns read the client's spellings; engagement.yaml maps the rest; every
mapping applied is recorded for the manifest."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.factories import projects_frame, staff_frame
from workbench.contracts import CONTRACTS
from workbench.contracts.vocabulary import Vocabulary
from workbench.engagement import load_engagement
from workbench.errors import InputError
from workbench.io import load_inputs


@pytest.mark.parametrize(
    ("table", "column", "spelling", "value"),
    [
        ("projects", "phase", "Closure", "closing"),
        ("projects", "phase", "Close-out", "closing"),
        ("projects", "status", "In progress", "active"),
        ("projects", "status", "WIP", "active"),
        ("projects", "status", "On Hold", "on_hold"),
        ("defects", "severity", "Sev 1", "critical"),
        ("defects", "severity", "Blocker", "critical"),
        ("defects", "severity", "1 - Critical", "critical"),
        ("risks", "escalated", "Y", "yes"),
        ("risks", "escalated", "Ja", "yes"),
        ("risks", "escalated", "x", "yes"),
        ("risks", "status", "Materialised", "occurred"),
        ("change_requests", "status", "Pending approval", "submitted"),
        ("access", "principal_type", "Sharing link", "link"),
    ],
)
def test_usual_spellings_read_as_the_allowed_value(
    table: str, column: str, spelling: str, value: str
) -> None:
    vocabulary = CONTRACTS[table].columns[column].vocabulary
    assert vocabulary is not None
    assert vocabulary.canonical(spelling) == value


def test_every_categorical_column_declares_a_vocabulary_with_synonyms() -> None:
    for contract in CONTRACTS.values():
        for info in contract.columns.values():
            if info.kind in ("category", "bool"):
                assert info.vocabulary is not None, f"{contract.name}.{info.name}"
                assert info.vocabulary.values == (info.allowed or ["yes", "no"])
                assert any(info.vocabulary.synonyms.values()), f"{contract.name}.{info.name}"


def test_a_spelling_that_would_mean_two_values_is_refused() -> None:
    with pytest.raises(ValueError, match="'Done' would mean both 'closed' and 'implemented'"):
        Vocabulary({"closed": "done", "implemented": "Done"})


def test_guesses_rank_the_closest_allowed_value_first() -> None:
    phases = CONTRACTS["projects"].columns["phase"].vocabulary
    assert phases is not None
    best, score = phases.guesses("Closng phase")[0]
    assert best == "closing" and score >= 80


def _projects_with(column: str, values: list[str]) -> pd.DataFrame:
    frame = projects_frame(len(values))
    frame[column] = values
    return frame


def test_mixed_spellings_load_and_each_mapping_is_recorded_with_its_count(
    make_engagement: Callable[..., Path],
) -> None:
    frame = _projects_with("phase", ["Closure", "Close-out", "Closure", "EXECUTION", "Stage 4"])
    frame["status"] = ["WIP", "active", "active", "Completed", "active"]
    folder = make_engagement(
        tables={"projects": frame, "staff": staff_frame()},
        mappings={"projects": {"phase": {"stage 4": "close out"}}},
    )
    loaded = load_inputs(load_engagement(folder))
    assert loaded.report.errors == []
    projects = loaded.tables["projects"]
    assert projects["phase"].tolist() == ["closing", "closing", "closing", "execution", "closing"]
    assert projects["status"].tolist() == ["active", "active", "active", "closed", "active"]
    prov = next(p for p in loaded.provenance if p["table"] == "projects")
    applied = {(m["column"], m["from"]): (m["to"], m["rows"], m["by"]) for m in prov["mappings"]}
    assert applied == {
        ("phase", "Closure"): ("closing", 2, "synonym"),
        ("phase", "Close-out"): ("closing", 1, "synonym"),
        ("phase", "EXECUTION"): ("execution", 1, "spelling"),
        ("phase", "Stage 4"): ("closing", 1, "engagement.yaml"),
        ("status", "WIP"): ("active", 1, "synonym"),
        ("status", "Completed"): ("closed", 1, "synonym"),
    }


def test_the_proposed_mapping_block_pasted_into_engagement_yaml_makes_the_inputs_pass(
    make_engagement: Callable[..., Path],
) -> None:
    frame = _projects_with("phase", ["Stage 4", "Closng", "execution"])
    folder = make_engagement(tables={"projects": frame, "staff": staff_frame()})
    loaded = load_inputs(load_engagement(folder))
    (issue,) = loaded.report.errors
    assert issue.column == "phase" and issue.rows == [2, 3]
    assert "'Closng'" in issue.message and "'Stage 4'" in issue.message
    block = yaml.safe_load(issue.fix)
    assert block["mappings"]["projects"]["phase"]["Closng"] == "closing"
    assert '"Closng": closing  # best guess' in issue.fix
    config = yaml.safe_load((folder / "engagement.yaml").read_text())
    config.update(block)
    (folder / "engagement.yaml").write_text(yaml.safe_dump(config))
    again = load_inputs(load_engagement(folder))
    assert again.report.errors == []
    assert again.tables["projects"]["phase"].notna().all()


@pytest.mark.parametrize(
    ("mappings", "message"),
    [
        (
            {"projects": {"phase": {"Stage 4": "finished"}}},
            "mappings: projects.phase: 'Stage 4' is mapped to 'finished', which is not one of "
            "initiation, planning, execution, closing",
        ),
        ({"projekts": {"phase": {"a": "closing"}}}, "projekts: not a table of the data request"),
        ({"projects": {"budget": {"a": "1"}}}, "projects.budget: a number column"),
        ({"projects": {"stage": {"a": "closing"}}}, "projects has no column 'stage'"),
    ],
)
def test_a_wrong_mapping_is_refused_when_the_engagement_is_read(
    make_engagement: Callable[..., Path], mappings: dict, message: str
) -> None:
    folder = make_engagement(mappings=mappings)
    with pytest.raises(InputError, match=r"engagement\.yaml") as caught:
        load_engagement(folder)
    assert message in str(caught.value)


def test_yaml_booleans_in_a_yes_no_mapping_mean_yes_and_no(
    make_engagement: Callable[..., Path],
) -> None:
    folder = make_engagement()
    text = (folder / "engagement.yaml").read_text() + (
        "mappings:\n  risks:\n    escalated:\n      Escalated: yes\n      Open: no\n"
    )
    (folder / "engagement.yaml").write_text(text)
    config = load_engagement(folder).config
    assert config.mappings == {"risks": {"escalated": {"Escalated": "yes", "Open": "no"}}}
