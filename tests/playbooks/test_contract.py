"""The one shape of every playbook: its library's contract, its parameters in one place, and
its notebook's outline."""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import inspect
from types import ModuleType

import nbformat
import papermill
import pytest

from workbench import bi, dbaudit, pm, records
from workbench.playbooks import get_playbook
from workbench.result import PlaybookParams, Result, params_mismatches

LIBRARIES: dict[str, ModuleType] = {
    "pm-function-audit": pm,
    "record-management-audit": records,
    "database-audit": dbaudit,
    "bi-assessment": bi,
}
#: What every parameters cell holds besides the playbook's parameters.
SESSION_PARAMETERS = {"engagement_dir": None, "output_dir": None}


@pytest.mark.parametrize("name", LIBRARIES)
def test_each_library_exposes_params_and_run_with_the_same_signature(name: str) -> None:
    library = LIBRARIES[name]
    assert issubclass(library.Params, PlaybookParams)
    assert library.Params.playbook == name
    assert dataclasses.fields(library.Params), "parameters are dataclass fields"
    signature = inspect.signature(library.run)
    assert list(signature.parameters)[:4] == ["tables", "criteria", "params", "period"]
    extra = [p for n, p in signature.parameters.items() if n not in list(signature.parameters)[:4]]
    # anything else is a keyword resource the session knows how to give
    assert all(p.kind is p.KEYWORD_ONLY for p in extra)
    assert {p.name for p in extra} <= {"currency", "engagement"}
    assert signature.return_annotation in (Result, "Result")


@pytest.mark.parametrize("name", LIBRARIES)
def test_params_dataclass_matches_playbook_yaml(name: str) -> None:
    spec = get_playbook(name)
    assert params_mismatches(LIBRARIES[name].Params, spec) == []
    defaults = LIBRARIES[name].Params.defaults()
    assert defaults.values() == spec.resolve_parameters({}, name)


def test_a_params_dataclass_that_drifts_from_its_yaml_is_named() -> None:
    @dataclasses.dataclass(frozen=True)
    class Drifted(PlaybookParams):
        playbook = "database-audit"
        as_of: dt.date  # the file's default is null: it must be optional
        sample_rows: float  # an int in the file
        statement_timeout_s: float
        infer_foreign_keys: bool
        infer_natural_keys: bool
        natural_key_min_distinct: float
        freshness: int  # renamed

    problems = params_mismatches(Drifted, get_playbook("database-audit"))
    assert problems == [
        "freshness_days: in playbook.yaml, not in Drifted",
        "freshness: in Drifted, not in playbook.yaml",
        "as_of: Drifted says <class 'datetime.date'>, playbook.yaml says date (default None), "
        "that is datetime.date | None",
        "sample_rows: Drifted says <class 'float'>, playbook.yaml says int (default 20), "
        "that is <class 'int'>",
    ]


@pytest.mark.parametrize("name", LIBRARIES)
def test_parameters_cell_equals_playbook_yaml(name: str) -> None:
    spec = get_playbook(name)
    cell = papermill.inspect_notebook(str(spec.notebook))
    expected = {**SESSION_PARAMETERS, **spec.defaults()}
    assert list(cell) == list(expected), "same names, in the same order"
    for parameter, default in expected.items():
        typed = ast.literal_eval(cell[parameter]["default"])
        if isinstance(default, dt.date):
            default = default.isoformat()
        assert typed == default, parameter
        assert type(typed) is type(default) or {type(typed), type(default)} == {int, float}, (
            parameter
        )


def _headings(nb: nbformat.NotebookNode, level: str) -> list[str]:
    return [
        line[len(level) + 1 :].strip()
        for cell in nb.cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith(level + " ")
    ]


@pytest.mark.parametrize("name", LIBRARIES)
def test_every_notebook_follows_the_one_outline(name: str) -> None:
    spec = get_playbook(name)
    nb = nbformat.read(spec.notebook, as_version=4)
    cells = nb.cells
    # title; parameters; start; run
    assert cells[0].cell_type == "markdown" and _headings(nb, "#")[0] == spec.title
    assert cells[1].metadata.get("tags") == ["parameters"]
    assert f'pb = start("{name}", globals())' in cells[2].source
    assert cells[3].source.startswith("result = pb.run(")
    # executive summary, the playbook's sections, findings, method
    sections = _headings(nb, "##")
    assert sections == spec.sections
    assert sections[0] == "Executive summary" and sections[-2:] == ["Findings", "Method"]
    assert cells[4].source == "## Executive summary"
    findings = next(i for i, c in enumerate(cells) if c.source == "## Findings")
    assert cells[findings + 1].source == "pb.finish()"
    assert sum("pb.finish()" in c.source for c in cells) == 1
    # logic lives in the library: no notebook reaches past the Result into the analysis
    assert not any("result.analysis" in c.source for c in cells)
