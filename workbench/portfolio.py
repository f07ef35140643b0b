"""The portfolio view of a batch: every engagement side by side, each client against the rest.

``workbench batch`` writes ``portfolio.html`` and ``portfolio.xlsx`` into the reports folder:

- per engagement: status, run time, findings by severity, links to its report and register;
- findings by area per client (which areas carry the serious findings, client by client);
- key metrics against the portfolio: for each client-level metric reported by several
  clients, its distribution over the clients of the batch (quartiles), and each client's
  position in it ("Portfolio CPI 0.87: bottom quartile of 12 clients").

Everything comes from the run folders' ``manifest.json``, ``findings.json`` and
``metrics.csv``; no engagement is opened, no notebook is read.

Method. A *client-level* metric is a row of ``metrics.csv`` without a period that describes
the engagement as a whole: no entity, or the entity types ``portfolio`` (the client's
project portfolio), ``engagement`` or ``database``, and a single row per playbook and
metric. Only succeeded runs are compared; amounts only between clients of the same
currency. Quartiles are the inclusive method of :func:`statistics.quantiles`; a position is
stated when at least :data:`MIN_PEERS` clients report the metric. "Bottom" means the lowest
values: whether low is good depends on the metric.

The HTML is self-contained (house stylesheet inlined, no script, no external resource) and
every client-provided text is escaped; in the workbook, text never becomes a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from workbench import __version__
from workbench.errors import InputError
from workbench.run.manifest import RunManifest, read_findings, read_manifest
from workbench.run.staging import protect_file
from workbench.severity import SEVERITIES

#: Fewest clients reporting a metric for a position in its distribution to be stated.
MIN_PEERS = 4
#: Entity types of metrics that describe a client as a whole (see the module docstring).
CLIENT_LEVEL = frozenset({"", "portfolio", "engagement", "database"})
#: Metrics a reader looks for first, in this order (the others follow).
FEATURED = {
    name: i
    for i, name in enumerate(
        (
            "portfolio_cpi",
            "portfolio_spi",
            "dq_overall",
            "revenue_at_stake",
            "portfolio_vac",
            "portfolio_red",
            "risk_unowned_total",
            "risk_stale_total",
            "cr_late",
        )
    )
}
_ACRONYMS = frozenset(
    {"ac", "bac", "cpi", "cr", "dq", "eac", "ev", "fte", "kpi", "pm", "pmo", "pv", "spi", "vac"}
)


class EngagementRun(Protocol):
    """What the portfolio needs to know of each engagement of a batch."""

    folder: str
    status: str
    seconds: float
    message: str
    engagement: str
    client: str
    action: str
    run_dir: str


@dataclass
class ClientMetric:
    """One client-level metric of one engagement, and where it stands among the clients."""

    playbook: str
    metric: str
    value: float
    unit: str
    peers: int = 0
    q1: float | None = None
    median: float | None = None
    q3: float | None = None
    position: str = ""
    rank: int = 0  # 1 = lowest value among the peers

    @property
    def key(self) -> tuple[str, str]:
        return self.playbook, self.metric


@dataclass
class Entry:
    """One engagement of the portfolio, read from its run folder."""

    engagement: str
    client: str
    status: str
    action: str
    seconds: float
    message: str
    folder: str
    run_dir: Path | None
    currency: str = ""
    period: str = ""
    report: str = ""  # link relative to the portfolio
    register: str = ""
    severity: dict[str, int] = field(default_factory=dict)
    areas: dict[str, dict[str, int]] = field(default_factory=dict)
    metrics: dict[tuple[str, str], ClientMetric] = field(default_factory=dict)
    playbooks_failed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def findings(self) -> int:
        return sum(self.severity.values())


@dataclass
class MetricDistribution:
    """A metric across the clients that report it (same currency for amounts)."""

    playbook: str
    metric: str
    unit: str
    currency: str
    values: list[float]
    q1: float
    median: float
    q3: float

    @property
    def label(self) -> str:
        return metric_label(self.metric)


def metric_label(metric: str) -> str:
    """A readable label: ``portfolio_cpi`` -> "Portfolio CPI"."""
    words = [w for w in re.split(r"[_.\s]+", metric) if w]
    shown = [w.upper() if w.lower() in _ACRONYMS else w for w in words]
    text = " ".join(shown)
    return text[:1].upper() + text[1:] if text else metric


def format_value(value: float | None, unit: str, currency: str = "") -> str:
    """A metric value for the page: shares in %, amounts compact, counts whole."""
    if value is None or not math.isfinite(value):
        return ""
    if unit == "share":
        return f"{value * 100:.1f}%"
    if unit == "currency":
        from workbench.report.document import format_compact

        return format_compact(value, currency)
    if unit in ("count", "records") or (value.is_integer() and abs(value) >= 1):
        return f"{value:,.0f}"
    if unit == "ratio":
        return f"{value:.2f}"
    return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def _float(text: str) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def client_metrics(path: Path) -> dict[tuple[str, str], ClientMetric]:
    """The client-level metrics of one run's ``metrics.csv`` (see the module docstring)."""
    candidates: dict[tuple[str, str], list[ClientMetric]] = {}
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if (row.get("period") or "").strip():
                    continue
                entity_type = (row.get("entity_type") or "").strip().lower()
                if entity_type not in CLIENT_LEVEL:
                    continue
                if entity_type == "portfolio" and (
                    row.get("entity_id") or ""
                ).strip().lower() not in (
                    "",
                    "all",
                ):
                    continue
                value = _float(row.get("value", ""))
                if value is None:
                    continue
                item = ClientMetric(
                    row.get("playbook", ""), row.get("metric", ""), value, row.get("unit", "")
                )
                candidates.setdefault(item.key, []).append(item)
    except OSError:
        return {}
    return {key: items[0] for key, items in candidates.items() if len(items) == 1}


def _link(target: Path, base: Path) -> str:
    """``target`` as a link from a page in ``base`` (relative, with forward slashes)."""
    return Path(os.path.relpath(target, base)).as_posix()


def read_entry(run: EngagementRun, out_dir: Path) -> Entry:
    """One engagement of the batch with what its run folder says."""
    run_dir = Path(run.run_dir) if run.run_dir else None
    entry = Entry(
        engagement=run.engagement or Path(run.folder).name,
        client=run.client or run.engagement or Path(run.folder).name,
        status=run.status,
        action=run.action,
        seconds=run.seconds,
        message=run.message,
        folder=run.folder,
        run_dir=run_dir,
    )
    if run_dir is None or not run_dir.is_dir():
        return entry
    try:
        manifest: RunManifest | None = read_manifest(run_dir)
    except InputError:
        manifest = None
    info = manifest.engagement if manifest is not None else None
    if info is not None:
        entry.client = info.client or entry.client
        entry.currency = info.currency
        if info.period.start and info.period.end:
            entry.period = f"{info.period.start} to {info.period.end}"
    if manifest is not None:
        entry.playbooks_failed = [p.name for p in manifest.playbooks if p.status == "failed"]
    for name in ("report.html", "report.pdf"):
        if (run_dir / name).exists():
            entry.report = _link(run_dir / name, out_dir)
            break
    else:
        entry.report = _link(run_dir, out_dir)
    if (run_dir / "findings.xlsx").exists():
        entry.register = _link(run_dir / "findings.xlsx", out_dir)
    try:
        items = read_findings(run_dir)
    except InputError:
        items = []
    entry.severity = dict.fromkeys(SEVERITIES, 0)
    for item in items:
        severity = str(item.get("severity", "info")).lower()
        area = str(item.get("area") or "Other")
        entry.severity[severity] = entry.severity.get(severity, 0) + 1
        counts = entry.areas.setdefault(area, dict.fromkeys(SEVERITIES, 0))
        counts[severity] = counts.get(severity, 0) + 1
    if entry.ok:
        entry.metrics = client_metrics(run_dir / "metrics.csv")
    return entry


def _position(value: float, dist: MetricDistribution) -> str:
    """Where ``value`` stands among the clients: by its mid-rank, so that ties sit together.

    A client is in the bottom (top) quartile when at most a quarter of the other clients
    report less (more) than it and it is below (above) the median.
    """
    values = dist.values
    if max(values) == min(values):
        return "level with every client"
    below = sum(1 for v in values if v < value)
    equal = sum(1 for v in values if v == value)
    share = (below + (equal - 1) / 2) / (len(values) - 1)  # 0 lowest .. 1 highest
    if value < dist.median and share <= 0.25:
        return "bottom quartile"
    if value > dist.median and share >= 0.75:
        return "top quartile"
    if value == dist.median:
        return "at the median"
    return "below the median" if value < dist.median else "above the median"


def distributions(entries: Sequence[Entry]) -> list[MetricDistribution]:
    """Each client-level metric over the succeeded engagements that report it.

    Amounts are grouped by currency. Every entry's metrics get their peers, quartiles,
    position and rank filled in.
    """
    groups: dict[tuple[str, str, str], list[Entry]] = {}
    for entry in entries:
        if not entry.ok:
            continue
        for key, item in entry.metrics.items():
            currency = entry.currency if item.unit == "currency" else ""
            groups.setdefault((*key, currency), []).append(entry)
    found = []
    for (playbook, metric, currency), members in sorted(groups.items()):
        values = [m.metrics[(playbook, metric)].value for m in members]
        if len(values) < 2:
            continue
        q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
        unit = members[0].metrics[(playbook, metric)].unit
        dist = MetricDistribution(playbook, metric, unit, currency, values, q1, median, q3)
        found.append(dist)
        ordered = sorted(values)
        for member in members:
            item = member.metrics[(playbook, metric)]
            item.peers, item.q1, item.median, item.q3 = len(values), q1, median, q3
            item.rank = ordered.index(item.value) + 1
            item.position = _position(item.value, dist) if len(values) >= MIN_PEERS else ""
    return found


def statements(entry: Entry, limit: int = 10) -> list[str]:
    """What stands out about a client: its metrics in the bottom or top quartile.

    The :data:`FEATURED` metrics come first, then the others by playbook.
    """
    notable = [
        m for m in entry.metrics.values() if m.position in ("bottom quartile", "top quartile")
    ]
    notable.sort(
        key=lambda m: (
            m.metric not in FEATURED,
            FEATURED.get(m.metric, 0),
            m.position != "bottom quartile",
            m.playbook,
            m.metric,
        )
    )
    return [
        f"{metric_label(m.metric)} {format_value(m.value, m.unit, entry.currency)}: "
        f"{m.position} of {m.peers} clients "
        f"(median {format_value(m.median, m.unit, entry.currency)})"
        for m in notable[:limit]
    ]


def _areas(entries: Iterable[Entry]) -> list[str]:
    totals: dict[str, int] = {}
    for entry in entries:
        for area, counts in entry.areas.items():
            totals[area] = totals.get(area, 0) + sum(counts.values())
    return sorted(totals, key=lambda a: (-totals[a], a))


def _worst(counts: Mapping[str, int]) -> str:
    return next((s for s in SEVERITIES if counts.get(s)), "")


def render_html(entries: Sequence[Entry], dists: Sequence[MetricDistribution]) -> str:
    """The portfolio page (self-contained; client text escaped)."""
    import jinja2
    from markupsafe import Markup

    from workbench.report.document import TEMPLATE_DIR, stylesheet

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["value"] = format_value
    env.filters["label"] = metric_label
    env.filters["worst"] = _worst
    counts = {s: sum(1 for e in entries if e.status == s) for s in ("ok", "failed", "invalid")}
    areas = _areas(entries)
    template = env.get_template("portfolio.html.j2")
    return template.render(
        entries=entries,
        dists=dists,
        areas=areas,
        counts=counts,
        severities=SEVERITIES,
        statements={e.engagement: statements(e) for e in entries},
        min_peers=MIN_PEERS,
        generated=dt.datetime.now(dt.UTC).strftime("%d %B %Y, %H:%M UTC"),
        version=__version__,
        css=Markup(stylesheet()),
    )


_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _cell_text(value: Any) -> Any:
    return _ILLEGAL.sub("", value)[:32000] if isinstance(value, str) else value


def write_xlsx(entries: Sequence[Entry], dists: Sequence[MetricDistribution], path: Path) -> None:
    """The portfolio as a workbook: engagements, findings by area, key metrics."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheets: dict[str, tuple[list[str], list[list[Any]]]] = {
        "Engagements": (
            [
                "client",
                "engagement",
                "status",
                "action",
                "seconds",
                *SEVERITIES,
                "findings",
                "report",
                "message",
            ],
            [
                [
                    e.client,
                    e.engagement,
                    e.status,
                    e.action,
                    e.seconds,
                    *[e.severity.get(s, 0) for s in SEVERITIES],
                    e.findings,
                    e.report,
                    e.message,
                ]
                for e in entries
            ],
        ),
        "Findings by area": (
            ["client", "engagement", "area", *SEVERITIES, "total"],
            [
                [e.client, e.engagement, area, *[c.get(s, 0) for s in SEVERITIES], sum(c.values())]
                for e in entries
                for area, c in sorted(e.areas.items())
            ],
        ),
        "Key metrics": (
            [
                "client",
                "engagement",
                "playbook",
                "metric",
                "value",
                "unit",
                "currency",
                "clients",
                "rank (1 = lowest)",
                "q1",
                "median",
                "q3",
                "position",
            ],
            [
                [
                    e.client,
                    e.engagement,
                    m.playbook,
                    m.metric,
                    m.value,
                    m.unit,
                    e.currency if m.unit == "currency" else "",
                    m.peers,
                    m.rank,
                    m.q1,
                    m.median,
                    m.q3,
                    m.position,
                ]
                for e in entries
                for m in sorted(e.metrics.values(), key=lambda m: m.key)
                if m.peers >= 2
            ],
        ),
        "Distributions": (
            [
                "playbook",
                "metric",
                "unit",
                "currency",
                "clients",
                "min",
                "q1",
                "median",
                "q3",
                "max",
            ],
            [
                [
                    d.playbook,
                    d.metric,
                    d.unit,
                    d.currency,
                    len(d.values),
                    min(d.values),
                    d.q1,
                    d.median,
                    d.q3,
                    max(d.values),
                ]
                for d in dists
            ],
        ),
    }
    book.remove(book.active)
    head_fill = PatternFill("solid", fgColor="E8EDF3")
    for title, (header, rows) in sheets.items():
        ws = book.create_sheet(title)
        widths = [len(h) for h in header]
        for r, row in enumerate([header, *rows], start=1):
            for c, value in enumerate(row, start=1):
                cell = ws.cell(row=r, column=c, value=_cell_text(value))
                if cell.data_type == "f":  # client text never becomes a formula
                    cell.data_type = "s"
                if r == 1:
                    cell.font, cell.fill = Font(bold=True), head_fill
                widths[c - 1] = max(widths[c - 1], min(60, len(str(value or ""))))
        for c, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(c)].width = width + 2
        ws.freeze_panes = "A2"
        if rows:
            ws.auto_filter.ref = ws.dimensions
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


def write_portfolio(runs: Sequence[EngagementRun], out_dir: str | Path) -> dict[str, Path]:
    """Write ``portfolio.html`` and ``portfolio.xlsx`` for the engagements of a batch.

    Parameters
    ----------
    runs : sequence
        The batch's outcomes (:class:`workbench.batch.EngagementOutcome`).
    out_dir : str or Path
        The reports folder; links to the reports are relative to it.

    Returns
    -------
    dict
        ``{"html": path, "xlsx": path}``.
    """
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    entries = [read_entry(r, out) for r in runs]
    dists = distributions(entries)
    html_path, xlsx_path = out / "portfolio.html", out / "portfolio.xlsx"
    tmp = out / ".portfolio.html.tmp"
    tmp.write_text(render_html(entries, dists), encoding="utf-8")
    os.replace(tmp, html_path)
    write_xlsx(entries, dists, xlsx_path)
    for path in (html_path, xlsx_path):  # every client's findings side by side
        protect_file(path)
    return {"html": html_path, "xlsx": xlsx_path}


__all__ = [
    "MIN_PEERS",
    "ClientMetric",
    "Entry",
    "MetricDistribution",
    "client_metrics",
    "distributions",
    "metric_label",
    "read_entry",
    "statements",
    "write_portfolio",
]
