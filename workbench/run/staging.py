"""The reports folder of an engagement: where a run is written and how it moves into place.

``reports/<engagement>/`` holds one folder per run (``<run id>/``), the link ``latest`` to
the last successful one, a lock and a note of the engagement folder it belongs to. A run
is written into a hidden ``.tmp-<run id>/`` under the engagement's lock and renamed to
``<run id>/`` at the end; ``latest`` moves only if every playbook passed. What happens when a
run cannot finish:

- a write fails (a full disk, a folder made read-only): :class:`OutputError`; the partial
  folder is removed, so that it takes no space, and the runs already delivered and
  ``latest`` are untouched;
- the run is interrupted (Ctrl-C, or SIGTERM, which is handled as Ctrl-C): what was executed
  is kept under the run's own name with a manifest whose status is ``interrupted``, and
  ``latest`` does not move.

Run folders hold client data: they are created readable by their owner only (folders 0700,
files 0600), or with the mode set in ``WORKBENCH_RUN_MODE`` (an octal folder mode such as
``750``; files get the same bits without execute).

Two engagement folders with the same engagement id would share ``reports/<id>/`` and move
each other's ``latest``: a run of the second is refused, naming both folders.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import json
import os
import shutil
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from workbench.engagement import ENGAGEMENT_FILE, LoadedEngagement, load_engagement
from workbench.errors import InputError, OutputError, WorkbenchError
from workbench.run.manifest import RunManifest, read_manifest, write_manifest

LATEST = "latest"
LOCK_FILE = ".lock"
#: Which engagement folder a reports folder belongs to (see :func:`check_owner`).
OWNER_FILE = ".engagement.json"
#: Environment variable with the mode of run folders (octal, e.g. ``750``).
MODE_ENV = "WORKBENCH_RUN_MODE"
_DEFAULT_MODE = 0o700


def new_run_id(now: dt.datetime | None = None) -> str:
    """A run id from the time: ``20260312T101500123Z`` (UTC, milliseconds)."""
    now = now or dt.datetime.now(dt.UTC)
    return now.strftime("%Y%m%dT%H%M%S") + f"{now.microsecond // 1000:03d}Z"


def run_modes() -> tuple[int, int]:
    """The modes of run folders and of the files in them.

    Raises
    ------
    InputError
        ``WORKBENCH_RUN_MODE`` is not an octal mode that lets its owner read and write.
    """
    text = os.environ.get(MODE_ENV, "").strip()
    if not text:
        return _DEFAULT_MODE, _DEFAULT_MODE & 0o666
    try:
        mode = int(text, 8)
    except ValueError:
        mode = -1
    if not 0 <= mode <= 0o777 or mode & 0o700 != 0o700:
        raise InputError(
            f"{MODE_ENV}={text!r} is not a usable folder mode: give octal digits such as "
            "700 (owner only) or 750 (owner and group), with 7 for the owner"
        )
    return mode, mode & 0o666


def protect(folder: Path) -> None:
    """Give ``folder`` and everything in it the run modes (see :func:`run_modes`)."""
    folder_mode, file_mode = run_modes()
    folder.chmod(folder_mode)
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            (Path(root) / name).chmod(folder_mode)
        for name in files:
            path = Path(root) / name
            if not path.is_symlink():
                path.chmod(file_mode)


def protect_file(path: Path) -> None:
    """Give one file written outside a run folder the run's file mode."""
    path.chmod(run_modes()[1])


@contextlib.contextmanager
def engagement_lock(base: Path) -> Iterator[None]:
    """One run per engagement and output folder at a time.

    Raises
    ------
    InputError
        Another run holds the lock.
    """
    if not base.is_dir():
        base.mkdir(parents=True, mode=run_modes()[0])
    handle = (base / LOCK_FILE).open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise InputError(
            f"{base}: another run of this engagement is in progress; wait for it "
            "to finish (its lock frees itself when it ends, even if it crashes)"
        ) from None
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def last_successful_run(base: Path) -> tuple[Path, RunManifest] | None:
    """The run ``latest`` points at under ``base`` and its manifest, if there is one."""
    try:
        run_dir = (base / LATEST).resolve(strict=True)
        manifest = read_manifest(run_dir)
    except (OSError, InputError):
        return None
    return (run_dir, manifest) if manifest.status == "ok" else None


# ------------------------------------------------------------------------ ownership


def _owner(base: Path) -> tuple[str, str] | None:
    """The engagement folder (and client) whose runs ``base`` holds, if known."""
    try:
        data = json.loads((base / OWNER_FILE).read_text(encoding="utf-8"))
        return str(data["folder"]), str(data.get("client", ""))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    last = last_successful_run(base)  # a reports folder from before the owner note
    if last is not None and last[1].engagement is not None:
        return last[1].engagement.folder, last[1].engagement.client
    return None


def check_owner(base: Path, engagement: LoadedEngagement) -> None:
    """Refuse to run an engagement into the reports folder of another one with its id.

    A reports folder belongs to the engagement folder that ran into it first. Another
    folder declaring the same id is refused while the first still exists and still
    declares that id (a moved or renamed engagement folder takes the reports over).

    Raises
    ------
    InputError
        Naming both engagement folders.
    """
    owner = _owner(base)
    if owner is None or owner[0] == str(engagement.folder):
        return
    folder, client = owner
    try:
        still = load_engagement(folder).config.engagement == engagement.config.engagement
    except (WorkbenchError, OSError):
        still = False
    if still:
        who = f" ({client})" if client else ""
        raise InputError(
            f"{base} holds the runs of the engagement folder {folder}{who}, which has the "
            f"same engagement id {engagement.config.engagement!r} as {engagement.folder} "
            f"({engagement.config.client}). Give one of them another `engagement:` id in its "
            f"{ENGAGEMENT_FILE}, or run it with another --out."
        )


def _record_owner(base: Path, engagement: LoadedEngagement) -> None:
    note = {"folder": str(engagement.folder), "client": engagement.config.client}
    path = base / OWNER_FILE
    with contextlib.suppress(OSError, ValueError):
        if json.loads(path.read_text(encoding="utf-8")) == note:
            return
    path.write_text(json.dumps(note, indent=2) + "\n", encoding="utf-8")
    protect_file(path)


# -------------------------------------------------------------------------- staging


@dataclass
class Stage:
    """A run being written: its id, its hidden folder and its manifest so far."""

    base: Path
    run_id: str
    work: Path
    manifest: RunManifest

    @property
    def final(self) -> Path:
        return self.base / self.run_id


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (a service stopping, ``kill``) handled as Ctrl-C while a run is staged."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach the main thread only: its owner handles them
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def staging(
    base: Path, engagement: LoadedEngagement | None, started_at: dt.datetime
) -> Iterator[Stage]:
    """The run id and hidden folder a run is written into before it moves into place.

    Holds the engagement's lock throughout (see the module docstring for what happens when
    the run cannot finish). The caller fills ``stage.manifest`` and ends with
    :func:`move_into_place`.

    Parameters
    ----------
    base : Path
        ``reports/<engagement>/``.
    engagement : LoadedEngagement, optional
        The engagement run, recorded as the owner of ``base`` (``None`` when a run is
        rendered again from an earlier one).
    started_at : datetime
        When the run started (its id is made from it).

    Raises
    ------
    OutputError
        A write failed; nothing of the run is kept.
    KeyboardInterrupt
        After keeping what was executed, marked ``interrupted``.
    """
    work: Path | None = None
    try:
        with _sigterm_as_interrupt(), engagement_lock(base):
            if engagement is not None:
                check_owner(base, engagement)
                _record_owner(base, engagement)
            run_id = new_run_id(started_at)
            work = base / f".tmp-{run_id}"
            work.mkdir(mode=run_modes()[0])
            manifest = RunManifest(
                run_id=run_id, started_at=started_at.isoformat(timespec="seconds")
            )
            stage = Stage(base, run_id, work, manifest)
            try:
                yield stage
            except KeyboardInterrupt:
                _keep_interrupted(stage)
                raise
    except OSError as exc:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
        raise OutputError(
            _write_failure(base, exc), path=_path_of(exc, base), errno=exc.errno
        ) from None


def _path_of(exc: OSError, base: Path) -> Path:
    return Path(exc.filename) if exc.filename else base


def _write_failure(base: Path, exc: OSError) -> str:
    what = exc.strerror or str(exc)
    where = f" ({exc.filename})" if exc.filename else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        advice = "free some space (or choose another --out) and run again"
    else:
        advice = "check that the reports folder is writable (or choose another --out)"
    return (
        f"the run could not be written under {base}: {what}{where}. Nothing of it was kept; "
        f"the runs already delivered and 'latest' are untouched. {advice[0].upper()}{advice[1:]}."
    )


def _keep_interrupted(stage: Stage) -> None:
    if not stage.work.is_dir():
        return
    with contextlib.suppress(OSError, ValueError):  # a write cut short: leave it hidden
        stage.manifest.status = "interrupted"
        stage.manifest.finished_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        write_manifest(stage.work, stage.manifest)
        protect(stage.work)
        os.replace(stage.work, stage.final)


def move_into_place(stage: Stage) -> Path:
    """Write the manifest, move the run folder into place, and point ``latest`` at it if
    the run succeeded.

    Returns
    -------
    Path
        The run folder.
    """
    write_manifest(stage.work, stage.manifest)
    protect(stage.work)
    os.replace(stage.work, stage.final)
    if stage.manifest.status == "ok":
        update_latest(stage.base, stage.final)
    return stage.final


def update_latest(base: Path, run_dir: Path) -> None:
    """Point ``base/latest`` at ``run_dir`` (atomically: a reader never finds it missing)."""
    link = base / LATEST
    tmp = base / f".latest-{os.getpid()}-{threading.get_ident()}"
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    tmp.symlink_to(run_dir.name)
    os.replace(tmp, link)


__all__ = [
    "MODE_ENV",
    "Stage",
    "check_owner",
    "engagement_lock",
    "last_successful_run",
    "move_into_place",
    "new_run_id",
    "protect",
    "protect_file",
    "run_modes",
    "staging",
    "update_latest",
]
