"""engagement.yaml: precise errors, paths kept inside the folder, secrets refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.engagement import load_engagement
from workbench.errors import InputError


def test_valid_engagement_is_parsed_with_inputs_normalised(make_engagement) -> None:
    folder = make_engagement(
        inputs={
            "Projects": "inputs/projects.csv",
            "expenses": {"path": "inputs/x.xlsx", "sheet": "Exp"},
        }
    )
    eng = load_engagement(folder)
    assert eng.config.client == "Acme Holdings"
    assert eng.config.inputs["projects"].path == "inputs/projects.csv"
    assert eng.config.inputs["expenses"].sheet == "Exp"
    assert eng.input_path("projects") == (folder / "inputs" / "projects.csv").resolve()


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"engagement": "Acme 2026"}, "engagement: 'Acme 2026' is not a usable engagement id"),
        ({"period": {"start": "2026-01-01", "end": "2025-01-01"}}, "is before its start"),
        ({"client": None}, "client"),
        ({"colour": "blue"}, "colour: unknown field"),
        ({"period": {"start": "2025-13-01", "end": "2025-12-31"}}, "period.start"),
    ],
)
def test_bad_fields_are_named(make_engagement, override: dict, expected: str) -> None:
    folder = make_engagement(**override)
    with pytest.raises(InputError, match=r"engagement\.yaml") as info:
        load_engagement(folder)
    assert expected in str(info.value)


def test_input_path_leaving_the_folder_is_refused(make_engagement) -> None:
    folder = make_engagement(inputs={"projects": "../other-client/projects.csv"})
    with pytest.raises(InputError, match="outside the engagement folder"):
        load_engagement(folder)


def test_password_in_database_url_is_refused(make_engagement) -> None:
    folder = make_engagement(database={"url": "postgresql://auditor:hunter2@db:5432/erp"})
    with pytest.raises(InputError) as info:
        load_engagement(folder)
    assert "password_env" in str(info.value)
    assert "hunter2" not in str(info.value)


def test_yaml_with_python_tags_is_refused(tmp_path: Path) -> None:
    (tmp_path / "engagement.yaml").write_text("client: !!python/object/apply:os.system ['id']\n")
    with pytest.raises(InputError, match="no !!python or other tags"):
        load_engagement(tmp_path)


def test_not_an_engagement_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="workbench new"):
        load_engagement(tmp_path)
