"""Errors the workbench reports to its user, each with its exit code and what it is about.

The command line turns them into a plain message and an exit code (never a traceback). Like
pandera's ``SchemaError``, which carries its failure cases, each error carries the data
behind its message, so that a caller (a batch, a test, another program) can act on it
without parsing text:

- :class:`InputError` (exit 2): bad invocation or bad input; ``issues`` lists the problems
  found in the inputs, each with its file, table, column, rows and what was expected;
- :class:`PlaybookFailed` (exit 3): playbooks raised while executing; ``failures`` says
  which, at which cell, with which error, and where the partial notebook is;
- :class:`OutputError` (exit 4): the outputs could not be written; ``path`` and ``errno``
  say where and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workbench.io.validation import Issue


class WorkbenchError(Exception):
    """Base class of the errors the workbench reports to its user."""

    exit_code = 1


class InputError(WorkbenchError):
    """Bad invocation or bad input: the message names file, table, column and rows (exit 2).

    Parameters
    ----------
    message : str
        What is wrong and how to put it right.
    issues : sequence of Issue, optional
        The problems found in the inputs, when the error is about their content
        (:class:`workbench.io.validation.Issue`: level, file, table, column, rows,
        expected, examples).
    """

    exit_code = 2

    def __init__(self, message: str, issues: Sequence[Issue] = ()) -> None:
        super().__init__(message)
        self.issues: list[Issue] = list(issues)


@dataclass(frozen=True)
class Failure:
    """One playbook that failed: where it stopped and why."""

    playbook: str
    error: str
    cell: int | None = None
    notebook: Path | None = None

    def describe(self) -> str:
        cell = f" (cell {self.cell})" if self.cell else ""
        where = f"; partial notebook: {self.notebook}" if self.notebook else ""
        return f"playbook {self.playbook} failed{cell}: {self.error}{where}"


class PlaybookFailed(WorkbenchError):
    """Playbooks raised while executing; their partial notebooks are kept (exit 3).

    Parameters
    ----------
    failures : sequence of Failure
        One per failed playbook.
    run_dir : Path
        The run folder that keeps them.
    render_error : str, optional
        Why the deliverables could not be rendered, when that is what failed.
    """

    exit_code = 3

    def __init__(self, failures: Sequence[Failure], run_dir: Path, render_error: str = "") -> None:
        self.failures = list(failures)
        self.run_dir = run_dir
        self.render_error = render_error
        lines = [f.describe() for f in self.failures]
        if render_error or not lines:
            log = run_dir / "logs" / "render.log"
            lines.append(f"the report could not be rendered: {render_error} (see {log})")
        super().__init__("\n".join(lines))


class OutputError(WorkbenchError):
    """The run could not write its outputs (a full disk, no permission); the runs already
    delivered and ``latest`` are untouched (exit 4).

    Parameters
    ----------
    message : str
        What could not be written and what to do.
    path : Path, optional
        The file or folder that could not be written.
    errno : int, optional
        The operating system's error number (``errno.ENOSPC`` for a full disk).
    """

    exit_code = 4

    def __init__(self, message: str, path: Path | None = None, errno: int | None = None):
        super().__init__(message)
        self.path = path
        self.errno = errno
