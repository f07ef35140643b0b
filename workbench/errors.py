"""Exceptions that the CLI turns into exit codes and plain messages (never tracebacks)."""

from __future__ import annotations


class WorkbenchError(Exception):
    """Base class of the errors the workbench reports to its user."""

    exit_code = 1


class InputError(WorkbenchError):
    """Bad invocation or bad input: the message names file, table, column and rows (exit 2)."""

    exit_code = 2


class PlaybookFailed(WorkbenchError):
    """A playbook raised while executing; the partial notebook is kept (exit 3)."""

    exit_code = 3


class OutputError(WorkbenchError):
    """The run could not write its outputs (a full disk, no permission); the runs already
    delivered and ``latest`` are untouched (exit 4)."""

    exit_code = 4
