"""What a run will do, checked before any kernel starts.

Which playbooks run (those asked for, else the engagement's, else every one), with which
parameters (``playbook.yaml`` defaults, ``engagement.yaml`` overrides, each checked against
its declared type), whether the inputs pass their contracts, and whether what each playbook
``requires`` is there and answers (a client database must accept a read-only connection and
its rules file must read). Any problem is an :class:`InputError` (exit 2) that costs nothing:
no kernel, no run folder. ``workbench validate`` is this module without the run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.engagement import ENGAGEMENT_FILE, LoadedEngagement, load_engagement
from workbench.errors import InputError
from workbench.playbooks import PlaybookSpec, get_playbook, list_playbooks

if TYPE_CHECKING:
    from pathlib import Path

    from workbench.io.loader import LoadResult


@dataclass
class Plan:
    """A run's engagement, playbooks in order and their resolved parameters."""

    engagement: LoadedEngagement
    specs: list[PlaybookSpec]
    params: dict[str, dict[str, Any]]


def plan_run(engagement_dir: str | Path, requested: Sequence[str] | None = None) -> Plan:
    """Read the engagement, select its playbooks and resolve their parameters.

    Parameters
    ----------
    engagement_dir : str or Path
        The engagement folder.
    requested : sequence of str, optional
        Only these playbooks (default: the engagement's ``playbooks``, else every one, in
        their declared ``order``).

    Returns
    -------
    Plan

    Raises
    ------
    InputError
        A bad ``engagement.yaml``, an unknown playbook, or a parameter that breaks its
        declaration.
    """
    engagement = load_engagement(engagement_dir)
    config = engagement.config
    names = list(requested or config.playbooks or [s.name for s in list_playbooks()])
    specs = [get_playbook(n) for n in dict.fromkeys(names)]
    for name in config.parameters:
        get_playbook(name)  # an override for an unknown playbook is a typo worth reporting
    where = str(engagement.folder / ENGAGEMENT_FILE)
    params = {s.name: s.resolve_parameters(config.parameters.get(s.name), where) for s in specs}
    return Plan(engagement, specs, params)


def load_and_check(engagement: LoadedEngagement, specs: Sequence[PlaybookSpec]) -> LoadResult:
    """Load and validate the inputs, and check what the playbooks require.

    Returns
    -------
    LoadResult
        The tables that passed, their provenance and the validation report (warnings).

    Raises
    ------
    InputError
        An input breaks its contract (``issues`` holds every error, with file, table,
        column and rows), or a required resource does not answer.
    """
    from workbench.io import load_inputs  # pandas and pandera: only when inputs are read

    loaded = load_inputs(engagement, input_tables(engagement, specs))
    check_requirements(engagement, specs)
    if not loaded.report.ok:
        raise InputError(
            "the inputs do not pass their contracts (nothing was run):\n"
            + loaded.report.render(("error",)),
            issues=loaded.report.errors,
        )
    return loaded


def input_tables(engagement: LoadedEngagement, specs: Sequence[PlaybookSpec]) -> list[str]:
    """The tables a run reads: every table the playbooks take, and every one the engagement
    names (a table no playbook takes is still validated: it is part of the delivery)."""
    return sorted({t for s in specs for t in s.inputs} | set(engagement.config.inputs))


def check_requirements(engagement: LoadedEngagement, specs: Sequence[PlaybookSpec]) -> None:
    """What the playbooks ``require`` beyond tables is there and answers.

    Raises
    ------
    InputError
        The database named in ``engagement.yaml`` does not answer, or its rules do not read.
    """
    if engagement.config.database is not None and any(s.needs("database") for s in specs):
        check_database(engagement)


def check_database(engagement: LoadedEngagement) -> None:
    """The client database answers (read-only) and its rules file reads."""
    from workbench.dbaudit.connect import connect
    from workbench.dbaudit.rules import load_rules

    db = engagement.config.database
    assert db is not None
    if db.rules:
        load_rules(engagement.resolve(db.rules, what="database rules"))
    engine = connect(
        db.url,
        base_dir=engagement.folder,
        password_env=db.password_env,
        statement_timeout_s=min(db.statement_timeout_s, 15.0),
    )
    engine.dispose()


def skip_reason(spec: PlaybookSpec, engagement: LoadedEngagement, loaded: LoadResult) -> str:
    """Why a playbook cannot run on this engagement (empty if it can).

    Parameters
    ----------
    spec : PlaybookSpec
    engagement : LoadedEngagement
    loaded : LoadResult
        The engagement's tables as loaded.

    Returns
    -------
    str
        ``the engagement does not provide projects``, ``engagement.yaml names no
        database``, or ``""``.
    """
    missing = [t for t in spec.required_inputs if t not in loaded.tables]
    if missing:
        return f"the engagement does not provide {', '.join(missing)}"
    if spec.needs("database") and engagement.config.database is None:
        return "engagement.yaml names no database"
    return ""


__all__ = [
    "Plan",
    "check_database",
    "check_requirements",
    "input_tables",
    "load_and_check",
    "plan_run",
    "skip_reason",
]
