"""Kernels for playbooks: each in its own folders, started in milliseconds.

Each playbook gets a kernel of its own, with its own working folder and temporary folder,
both deleted when the run ends: nothing one engagement leaves behind is visible to
another. Kernels speak over Unix sockets in their private folder, not over TCP.

On Linux a kernel is forked from a *kernel template*: a process started once per runner
process that has imported the libraries the playbooks use (and nothing else: it never reads
an engagement), so that a kernel is ready in a few milliseconds instead of paying for an
interpreter and the imports of pandas, SciPy and matplotlib every time. The forked kernel
clears the template's environment and takes the one Jupyter gives it, its own working
folder, ``TMPDIR`` and ``sys.path``, and reseeds NumPy's global generator, so that it is
indistinguishable from a kernel started the ordinary way. Elsewhere, or with
``WORKBENCH_KERNEL_TEMPLATE=0``, or if the template cannot be used, each kernel is a new
process as Jupyter starts it.

:class:`PlaybookKernel` is what the runner uses; :data:`TEMPLATE` is the runner process's
template, started ahead of need with ``TEMPLATE.start()``.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.paths import notebooks_dir

if TYPE_CHECKING:
    from jupyter_client.manager import AsyncKernelManager


#: Imported once by the kernel template: the libraries every playbook uses. Library code
#: only; nothing here reads an engagement or a file of a client.
TEMPLATE_PRELOAD = (
    "ipykernel.kernelapp",
    "numpy",
    "pandas",
    "pyarrow",
    "scipy.stats",
    "matplotlib",
    "seaborn",
    "workbench.session",
    "workbench.charts",
)
_INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


def _template_enabled() -> bool:
    return sys.platform == "linux" and os.environ.get("WORKBENCH_KERNEL_TEMPLATE", "1") != "0"


def serve_kernel_template() -> None:
    """Main loop of the kernel template process (see the module docstring).

    Reads one JSON request per line on stdin (``argv``, ``env``, ``cwd``, ``log``), forks a
    kernel for it and answers ``{"pid": N}`` on stdout. Ends, stopping the kernels it forked,
    when stdin closes (its runner ended).
    """
    import importlib

    os.environ.setdefault("MPLBACKEND", _INLINE_BACKEND)  # as ipykernel sets it for kernels
    for name in TEMPLATE_PRELOAD:
        with contextlib.suppress(Exception):  # an optional library missing: import it later
            importlib.import_module(name)
    children: set[int] = set()
    folders: set[Path] = set()  # the kernels' private folders

    def reap(_signum: int, _frame: Any) -> None:
        # Reap at once so a kernel that died is seen as dead, not as a zombie
        while True:
            try:
                pid, _status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            children.discard(pid)

    signal.signal(signal.SIGCHLD, reap)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the runner decides when kernels stop
    answer = sys.stdout.buffer
    answer.write(json.dumps({"ready": os.getpid()}).encode() + b"\n")
    answer.flush()
    for line in sys.stdin.buffer:
        try:
            request = json.loads(line)
            pid = os.fork()
        except Exception as exc:
            answer.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode() + b"\n")
            answer.flush()
            continue
        if pid == 0:
            _become_kernel(request)  # never returns
        children.add(pid)
        folders.add(Path(request["cwd"]).parent)
        answer.write(json.dumps({"pid": pid}).encode() + b"\n")
        answer.flush()
    # The runner has ended (perhaps killed): stop its kernels and remove their folders
    for pid in list(children):
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + 5.0
    while children and time.monotonic() < deadline:
        time.sleep(0.05)
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
        if folder.parent.name.startswith("wb-"):
            with contextlib.suppress(OSError):
                folder.parent.rmdir()  # the run's folder of kernel folders, once empty


def _become_kernel(request: dict[str, Any]) -> None:
    """In a process forked from the template: become an IPython kernel for one playbook."""
    code = 1
    try:
        os.setpgid(0, 0)  # its own group: an interrupt or a kill reaches what it started
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(log, 1)  # fd 1 was the pipe to the runner: never write to it from here
        os.dup2(log, 2)
        os.close(log)
        os.chdir(request["cwd"])
        # sys.path as a fresh interpreter would build it from the kernel's environment
        inherited = set(os.environ.get("PYTHONPATH", "").split(os.pathsep))
        os.environ.clear()
        os.environ.update(request["env"])
        tempfile.tempdir = None  # TMPDIR is this playbook's own
        wanted = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        rest = [p for p in sys.path if p and p not in inherited and p not in wanted]
        sys.path[:] = wanted + rest
        if "numpy" in sys.modules:
            sys.modules["numpy"].random.seed()  # a fresh kernel's global generator is unseeded
        sys.argv = ["ipykernel_launcher", *request["argv"]]
        sys.argv.append(f"--IPKernelApp.parent_handle={os.getppid()}")
        from ipykernel.kernelapp import IPKernelApp

        IPKernelApp.launch_instance()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(code)


class KernelTemplate:
    """The runner's handle on its kernel template process (one per runner process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._owner = 0
        self._ready = False

    def start(self) -> None:
        """Start the template in the background, if it is not running; never raises."""
        if not _template_enabled():
            return
        with self._lock:
            self._start_locked()

    def _start_locked(self) -> None:
        if self._proc is not None and self._owner == os.getpid() and self._proc.poll() is None:
            return
        self._proc, self._ready = None, False
        env = dict(os.environ)
        env["MPLBACKEND"] = env.get("MPLBACKEND") or _INLINE_BACKEND
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-c", "import workbench.kernels as k; k.serve_kernel_template()"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=env,
                start_new_session=True,  # a Ctrl-C at the terminal is the runner's to handle
            )
            self._owner = os.getpid()
        except OSError:
            self._proc = None

    def _read(self, timeout: float) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdout is not None
        ready, _, _ = select.select([self._proc.stdout], [], [], timeout)
        line = self._proc.stdout.readline() if ready else b""
        if not line:
            raise RuntimeError("the kernel template did not answer")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def wait_ready(self, timeout: float = 120.0) -> bool:
        """Start the template if needed and wait until it has imported its libraries."""
        if not _template_enabled():
            return False
        with self._lock:
            self._start_locked()
            if self._proc is None:
                return False
            if not self._ready:
                try:
                    self._read(timeout)
                except (OSError, ValueError, RuntimeError):
                    self._stop_locked()
                    return False
                self._ready = True
            return True

    def fork(self, argv: Sequence[str], env: Mapping[str, str], cwd: str, log: str) -> int:
        """A new kernel process forked from the template; its pid.

        Raises
        ------
        RuntimeError
            The template is disabled, not running or did not answer (start a kernel the
            ordinary way instead).
        """
        if not _template_enabled():
            raise RuntimeError("the kernel template is disabled")
        with self._lock:
            self._start_locked()
            if self._proc is None or self._proc.stdin is None:
                raise RuntimeError("the kernel template could not be started")
            try:
                if not self._ready:
                    self._read(timeout=120.0)
                    self._ready = True
                request = {"argv": list(argv), "env": dict(env), "cwd": cwd, "log": log}
                self._proc.stdin.write(json.dumps(request).encode() + b"\n")
                self._proc.stdin.flush()
                answer = self._read(timeout=30.0)
            except (OSError, ValueError, RuntimeError) as exc:
                self._stop_locked()
                raise RuntimeError(f"the kernel template failed: {exc}") from None
            if "pid" not in answer:
                raise RuntimeError(f"the kernel template could not fork: {answer.get('error')}")
            return int(answer["pid"])

    def close(self) -> None:
        """Stop the template (its kernels stop with it)."""
        with self._lock:
            self._stop_locked()

    def _stop_locked(self) -> None:
        proc, self._proc, self._ready = self._proc, None, False
        if proc is None or self._owner != os.getpid():
            return
        with contextlib.suppress(OSError):
            if proc.stdin is not None:
                proc.stdin.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


TEMPLATE = KernelTemplate()
atexit.register(TEMPLATE.close)


def _start_time(pid: int) -> str | None:
    """The start time of a live process (``None`` once it has exited)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    state, *rest = stat.rsplit(")", 1)[1].split()
    return None if state in ("Z", "X") else rest[18]


class _ForkedProcess:
    """The part of ``subprocess.Popen`` that Jupyter uses, for a kernel forked elsewhere.

    The kernel is the template's child, not ours: it is watched through ``/proc`` (its
    start time tells it apart from a later process that reuses the pid).
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._started = _start_time(pid)
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None and (
            self._started is None or _start_time(self.pid) != self._started
        ):
            self.returncode = -1  # gone; the template reaped it and keeps its status
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("kernel", timeout or 0)
            time.sleep(0.02)
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


@cache
def _kernel_manager_class() -> type[AsyncKernelManager]:
    from jupyter_client.manager import AsyncKernelManager

    class TemplateKernelManager(AsyncKernelManager):
        """Jupyter's kernel manager, with kernels forked from the kernel template."""

        kernel_log = ""
        forked = False

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            argv = _ipykernel_argv(kernel_cmd)
            if argv is not None and self.provisioner is not None:
                try:
                    pid = TEMPLATE.fork(
                        argv,
                        kw.get("env") or dict(os.environ),
                        str(kw.get("cwd") or os.getcwd()),
                        self.kernel_log or os.devnull,
                    )
                except RuntimeError:
                    pass  # start it the ordinary way
                else:
                    provisioner: Any = self.provisioner
                    provisioner.process = _ForkedProcess(pid)
                    provisioner.pid = provisioner.pgid = pid
                    provisioner.cwd = kw.get("cwd")
                    self._reconcile_connection_info(provisioner.connection_info)
                    self.forked = True
                    return
            await super()._async_launch_kernel(kernel_cmd, **kw)

        async def _async_interrupt_kernel(self) -> None:
            # Jupyter interrupts before shutting down; our kernels are shut down once their
            # notebook has ended (the control channel is served even while a cell runs, and
            # a kernel that does not stop in time is killed), so spare them the interrupt.
            if not self.shutting_down:
                await super()._async_interrupt_kernel()

    return TemplateKernelManager


def _ipykernel_argv(kernel_cmd: Sequence[str]) -> list[str] | None:
    """The kernel's arguments if ``kernel_cmd`` starts this Python's ipykernel, else None."""
    if len(kernel_cmd) < 3 or list(kernel_cmd[1:3]) != ["-m", "ipykernel_launcher"]:
        return None
    try:
        same = Path(kernel_cmd[0]).resolve() == Path(sys.executable).resolve()
    except OSError:
        return None
    return list(kernel_cmd[3:]) if same else None


class PlaybookKernel:
    """A kernel for one playbook: its own working folder, temporary folder and sockets.

    Started, used and stopped in one thread (its event loop belongs to that thread).
    """

    def __init__(self, km: AsyncKernelManager, loop: asyncio.AbstractEventLoop, folder: Path):
        self.km = km
        self.loop = loop
        self.folder = folder

    @classmethod
    def start(
        cls, folder: Path, log: Path, import_paths: Sequence[Path] | None = None
    ) -> PlaybookKernel:
        """Start a kernel whose working and temporary folders live in ``folder``.

        Parameters
        ----------
        folder : Path
            A private folder for this kernel (created; its owner deletes it).
        log : Path
            Where the kernel process writes what it prints outside the notebook.
        import_paths : sequence of Path, optional
            Folders put first on the kernel's import path (default: the notebooks folder,
            whose helper modules the notebooks import; a playbook passes its
            :attr:`~workbench.playbooks.PlaybookSpec.import_paths`).

        Returns
        -------
        PlaybookKernel
        """
        from jupyter_core.utils import ensure_event_loop

        work, tmp, sockets = folder / "work", folder / "tmp", folder / "ipc"
        for path in (work, tmp, sockets):
            path.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env["TMPDIR"] = str(tmp)
        # helper modules next to the notebooks stay importable from the private working folder
        paths = [str(p) for p in (import_paths if import_paths is not None else [notebooks_dir()])]
        env["PYTHONPATH"] = os.pathsep.join(p for p in (*paths, env.get("PYTHONPATH", "")) if p)
        # Unix sockets in a private folder, not unencrypted TCP
        km: Any = _kernel_manager_class()(
            kernel_name="python3", transport="ipc", ip=str(sockets / "k")
        )
        km.kernel_log = str(log)
        loop = ensure_event_loop()
        try:
            with log.open("ab") as out:
                loop.run_until_complete(
                    km.start_kernel(cwd=str(work), env=env, stdout=out, stderr=out)
                )
        except BaseException:
            loop.close()
            raise
        return cls(km, loop, folder)

    @property
    def kind(self) -> str:
        return "template" if getattr(self.km, "forked", False) else "process"

    def stop(self) -> None:
        """Shut the kernel down (politely, then by force) and free its sockets."""
        try:
            self.loop.run_until_complete(self.km.shutdown_kernel(now=False))
        except Exception:
            self.kill()
        with contextlib.suppress(Exception):
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        self.loop.close()

    def kill(self) -> None:
        """Kill the kernel's process group now (safe from any thread)."""
        provisioner: Any = self.km.provisioner
        pgid = getattr(provisioner, "pgid", None) or getattr(provisioner, "pid", None)
        if pgid:
            with contextlib.suppress(OSError):
                os.killpg(pgid, signal.SIGKILL)
