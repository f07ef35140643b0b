"""The ``workbench`` command line (see DESIGN.md "CLI").

Exit codes (docs/DESIGN.md "CLI"): 0 success; 2 bad invocation or bad input (the message
names file, table, column and rows); 3 a playbook failed (the run folder keeps its partial
notebook); 4 the outputs could not be written; 130 interrupted (Ctrl-C or SIGTERM). Each
comes from the :mod:`workbench.errors` class the command raised.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from workbench import __version__
from workbench.errors import InputError, WorkbenchError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"workbench: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _formats(text: str | None) -> list[str] | None:
    if text is None:
        return None  # the registry's default formats
    return [f.strip().lower() for f in text.split(",") if f.strip()]


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def cmd_demo(args: argparse.Namespace) -> int:
    from workbench.demo import build_demo
    from workbench.paths import demo_dir

    folder = Path(args.dir) if args.dir else demo_dir()
    build_demo(folder)
    print(f"Demo engagement written to {folder}", file=sys.stderr)
    return _run_and_report(folder, args)


def cmd_new(args: argparse.Namespace) -> int:
    from workbench.datarequest import WORKBOOK, scaffold

    period = (args.period_start, args.period_end) if args.period_start and args.period_end else None
    folder = scaffold(
        args.dir,
        args.client,
        engagement=args.engagement,
        period=period,
        currency=args.currency,
        playbooks=args.playbook or None,
    )
    print(f"Engagement created: {folder / 'engagement.yaml'}")
    print(f"Data request to send to the client: {folder / WORKBOOK}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """The intake report: per table what was read, kept, mapped and left to place, with
    the fix for each; exit 2 while anything blocks a run."""
    from workbench.io import load_inputs
    from workbench.io.intake import render_intake
    from workbench.run.plan import check_requirements, input_tables, plan_run, skip_reason

    try:
        plan = plan_run(args.dir, args.playbook)
        engagement = plan.engagement
        loaded = load_inputs(engagement, input_tables(engagement, plan.specs))
    except InputError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(render_intake(engagement, loaded))
    if not loaded.report.ok:
        print(
            f"{engagement.config.engagement}: {len(loaded.report.errors)} problem(s) to fix "
            "before a run:\n" + loaded.report.render(("error",)),
            file=sys.stderr,
        )
        return 2
    try:
        check_requirements(engagement, plan.specs)
    except InputError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    for spec in plan.specs:
        reason = skip_reason(spec, engagement, loaded)
        print(f"  {spec.name:<26} {'will be skipped: ' + reason if reason else 'ready'}")
    print(
        f"{engagement.config.engagement}: inputs pass their contracts "
        f"({len(loaded.report.warnings)} warning(s))"
    )
    return 0


def _run_and_report(folder: Path, args: argparse.Namespace) -> int:
    from workbench.run import run

    result = run(
        folder,
        playbooks=getattr(args, "playbook", None),
        formats=_formats(getattr(args, "format", None)),
        jobs=getattr(args, "jobs", None),
        out=getattr(args, "out", None),
        force=getattr(args, "force", False),
    )
    done = {"up-to-date": "up to date", "rendered": "re-rendered"}.get(result.action, result.status)
    print(f"Run {result.run_id}: {done} in {result.seconds:.1f}s", file=sys.stderr)
    report = result.report
    print(str(report) if report else str(result.run_dir))
    result.raise_for_status()
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    return _run_and_report(Path(args.dir), args)


def cmd_batch(args: argparse.Namespace) -> int:
    from workbench.batch import run_batch

    return run_batch(
        args.dirs,
        jobs=args.jobs,
        scheduler=args.scheduler,
        out=args.out,
        formats=_formats(args.format),
        force=args.force,
    )


def cmd_playbooks(args: argparse.Namespace) -> int:
    from workbench.playbooks import get_playbook, list_playbooks

    if args.action == "show":
        if not args.name:
            raise InputError("workbench playbooks show: name a playbook")
        spec = get_playbook(args.name)
        print(f"{spec.name}: {spec.title}\n\n{spec.summary}\n")
        print(f"required inputs: {', '.join(spec.required_inputs) or 'none'}")
        print(f"optional inputs: {', '.join(spec.optional_inputs) or 'none'}")
        print("parameters:")
        for p in spec.parameters.values():
            bounds = "".join(
                [
                    f" min {p.min}" if p.min is not None else "",
                    f" max {p.max}" if p.max is not None else "",
                    f" one of {p.choices}" if p.choices else "",
                ]
            )
            print(f"  {p.name} ({p.type}, default {p.default!r}{bounds}): {p.description}")
        return 0
    for spec in list_playbooks():
        print(f"{spec.name:<26} {spec.title}")
        print(
            f"{'':<26} inputs: {', '.join(spec.required_inputs) or '-'}"
            f" [{', '.join(spec.optional_inputs)}]; {len(spec.parameters)} parameter(s)"
        )
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from workbench.run import rerender

    outputs = rerender(args.run_dir, _formats(args.format))
    for name in outputs:
        print(Path(args.run_dir) / name)
    return 0


def cmd_lab(args: argparse.Namespace) -> int:
    from workbench.engagement import load_engagement
    from workbench.paths import demo_dir, home

    folder = Path(args.dir) if args.dir else demo_dir()
    if args.dir:
        load_engagement(folder)  # refuse a wrong folder before starting a server
    elif not (folder / "engagement.yaml").exists():
        from workbench.demo import build_demo

        build_demo(folder)
    env = dict(os.environ, WORKBENCH_ENGAGEMENT=str(folder.resolve()))
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        f"--ServerApp.root_dir={home()}",
        "--LabApp.default_url=/lab/tree/notebooks",
    ]
    if args.no_browser:
        cmd.append("--no-browser")
    print(f"JupyterLab on {home() / 'notebooks'} with engagement {folder}", file=sys.stderr)
    os.execvpe(cmd[0], cmd, env)
    return 0  # pragma: no cover


_FORCE_HELP = "execute even if nothing changed since the last successful run"
_FORMAT_HELP = "outputs, comma-separated (default: %(default_formats)s; known: %(known)s)"


def _format_help() -> str:
    from workbench.report.outputs import default_formats, output_formats

    return _FORMAT_HELP % {
        "default_formats": ",".join(default_formats()),
        "known": ", ".join(output_formats()),
    }


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="workbench",
        description="Audit Workbench: playbooks for PM, PMO, records, database and BI audits.",
        epilog=(
            "exit codes: 0 success; 2 bad invocation or bad input; 3 a playbook failed; "
            "4 the outputs could not be written (full disk, no permission); 130 interrupted"
        ),
    )
    parser.add_argument("--version", action="version", version=f"workbench {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def run_options(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--playbook", action="append", metavar="P", help="run only this playbook (repeatable)"
        )
        p.add_argument("--format", default=None, help=_format_help())
        p.add_argument(
            "--jobs", type=int, default=None, help="playbooks in parallel (default: cores)"
        )
        p.add_argument("--out", default=None, help="reports folder (default ./reports)")
        p.add_argument("--force", action="store_true", help=_FORCE_HELP)

    p = sub.add_parser("demo", help="build the demo engagement and run every playbook on it")
    p.add_argument("--dir", default=None, help="where to build it (default data/demo)")
    run_options(p)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("new", help="scaffold an engagement and the Excel data-request workbook")
    p.add_argument("dir")
    p.add_argument("--client", required=True)
    p.add_argument(
        "--engagement", default=None, help="engagement id (default from client and year)"
    )
    p.add_argument("--period-start", type=_date, default=None)
    p.add_argument("--period-end", type=_date, default=None)
    p.add_argument("--currency", default="EUR")
    p.add_argument("--playbook", action="append", metavar="P")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("validate", help="check the inputs against the contracts; no run")
    p.add_argument("dir")
    p.add_argument("--playbook", action="append", metavar="P")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("run", help="run playbooks on an engagement")
    p.add_argument("dir")
    run_options(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser(
        "batch", help="run many engagements; summary and portfolio.html/.xlsx at the end"
    )
    p.add_argument("dirs", nargs="+", metavar="DIR", help="engagement folders")
    p.add_argument(
        "--jobs", type=int, default=None, help="engagements at a time (default: the cores)"
    )
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run on this Dask scheduler's workers instead (e.g. tcp://host:8786)",
    )
    p.add_argument("--out", default=None, help="reports folder (default ./reports)")
    p.add_argument("--format", default=None, help=_format_help())
    p.add_argument("--force", action="store_true", help=_FORCE_HELP)
    p.set_defaults(func=cmd_batch)

    p = sub.add_parser("playbooks", help="list playbooks, their inputs and typed parameters")
    p.add_argument("action", nargs="?", choices=["list", "show"], default="list")
    p.add_argument("name", nargs="?")
    p.set_defaults(func=cmd_playbooks)

    p = sub.add_parser("report", help="re-render the deliverables from executed notebooks")
    p.add_argument("run_dir")
    p.add_argument("--format", default=None, help=_format_help())
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("lab", help="JupyterLab on the playbooks, pointed at an engagement")
    p.add_argument("dir", nargs="?")
    p.add_argument("--no-browser", action="store_true")
    p.set_defaults(func=cmd_lab)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except WorkbenchError as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(
            "workbench: interrupted; deliverables already in place are untouched", file=sys.stderr
        )
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
