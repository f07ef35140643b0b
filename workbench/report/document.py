"""The deliverable around the chapters: cover, table of contents, executive summary, appendix.

Chapters are rendered from notebooks by the exporter (:mod:`workbench.report.exporters`);
this module puts one or several of them into a self-contained HTML document with the house
stylesheet inlined. The document template is rendered with auto-escaping on: every value that
comes from client data (names, finding titles, file names) is shown as text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from workbench import __version__
from workbench.findings import SEVERITIES
from workbench.formats import format_amount, format_int, format_share, money
from workbench.report.branding import Branding, house_branding
from workbench.report.summary import (
    ExecutiveSummary,
    PlaybookSummary,
    build_summary,
    findings_from_bundle,
    playbook_summary,
)
from workbench.report.texts import Texts

#: The report's name for :func:`workbench.formats.money` (headline amounts).
format_compact = money

REPORT_DIR = Path(__file__).parent
TEMPLATES_DIR = REPORT_DIR / "templates"
TEMPLATE_DIR = TEMPLATES_DIR / "workbench"
STYLESHEET = REPORT_DIR / "style.css"


@dataclass
class ReportMeta:
    """Who and what a report is for; printed on the cover and in the page header.

    Parameters
    ----------
    client : str
        The client's name (``Acme Holdings``).
    engagement : str
        Engagement code (``acme-2026``).
    period_start, period_end : date or str
        The audited period (ISO dates as strings are accepted).
    currency : str
        ISO code of the engagement currency.
    run_id : str
        Identifier of the run that produced the notebooks.
    generated_at : datetime or str
        When the report was produced.
    version : str
        Version of the workbench.
    branding : Branding
        The firm's look and report language (default: the house style).
    """

    client: str
    engagement: str
    period_start: dt.date | str = ""
    period_end: dt.date | str = ""
    currency: str = "EUR"
    run_id: str = ""
    generated_at: dt.datetime | dt.date | str = ""
    version: str = __version__
    branding: Branding = field(default_factory=house_branding)

    @property
    def period_text(self) -> str:
        """The period as "1 January 2025 – 30 June 2026" (empty when unknown)."""
        texts = self.branding.texts
        start = format_date(self.period_start, texts)
        end = format_date(self.period_end, texts)
        if start and end:
            return f"{start} – {end}"
        return start or end

    @property
    def date_text(self) -> str:
        """The report date as "12 March 2026"."""
        return format_date(self.generated_at, self.branding.texts)


@dataclass
class Chapter:
    """One playbook's chapter, rendered from its executed notebook.

    Parameters
    ----------
    chapter_id : str
        Anchor of the chapter title.
    title : str
        Chapter title (the notebook's first ``#`` heading).
    html : str
        The chapter's HTML (narrative, tables, charts, error notices).
    method_html : str
        The ``## Method`` section, shown in the appendix.
    outline : list of dict
        Sections for the table of contents: ``{"level", "text", "id"}``.
    results : dict or None
        The playbook's results bundle, ``None`` when the notebook did not complete.
    errors : list of dict
        Cells that failed: ``{"ename", "evalue"}``.
    """

    chapter_id: str
    title: str
    html: str
    method_html: str = ""
    outline: list[dict[str, Any]] = field(default_factory=list)
    results: dict[str, Any] | None = None
    errors: list[dict[str, str]] = field(default_factory=list)

    @property
    def playbook(self) -> str:
        """The playbook's machine name (from its results, else the chapter id)."""
        if self.results and self.results.get("playbook"):
            return str(self.results["playbook"])
        return self.chapter_id

    @property
    def sections(self) -> list[dict[str, Any]]:
        """Outline entries below the chapter title."""
        return [h for h in self.outline if h["id"] != self.chapter_id]


def format_date(value: Any, texts: Texts | None = None) -> str:
    """A date as "1 January 2025"; ISO strings are parsed, other strings are kept.

    Parameters
    ----------
    value : date, datetime, str or None
    texts : Texts, optional
        The report language's month names and date order (default English).

    Returns
    -------
    str
    """
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return value
    if isinstance(value, dt.datetime | dt.date):
        return (texts or Texts()).long_date(value)
    return str(value)


def format_score(value: Any) -> str:
    """A score out of 100 ("72"); an en dash when there is none."""
    if value is None:
        return "–"
    try:
        return f"{float(value):.0f}"
    except (TypeError, ValueError):
        return "–"


def counted(count: int, level: str) -> str:
    """A count with its noun: "1 warning", "3 warnings", "4 info messages"."""
    if level == "info":
        return f"{count} info message{'s' if count != 1 else ''}"
    return f"{count} {level}{'s' if count != 1 else ''}"


def score_band(value: Any) -> str:
    """CSS modifier for a score: ``good`` (80+), ``fair`` (60-80), ``poor`` (<60), ``none``."""
    try:
        score = float(value)
    except (TypeError, ValueError):
        return "none"
    if score >= 80:
        return "good"
    if score >= 60:
        return "fair"
    return "poor"


def summary_lede(summary: ExecutiveSummary, meta: ReportMeta, html: bool = False) -> str:
    """The opening sentences of the executive summary, in the report language.

    Parameters
    ----------
    summary : ExecutiveSummary
        What the summary shows.
    meta : ReportMeta
        Client, period, currency and branding.
    html : bool
        Return escaped HTML (a :class:`~markupsafe.Markup`) with the number of findings in
        bold, instead of plain text.

    Returns
    -------
    str
        E.g. "This report brings together 4 reviews of Acme Holdings for 1 January 2025 –
        30 June 2026. They raised 91 findings, 23 of them critical or high, on exceptions
        worth EUR 1.8m in total."
    """
    t = meta.branding.texts

    def fill(key: str, **values: Any) -> str:
        # Markup.format escapes every value; the text itself may come from a firm's file.
        return Markup(escape(t[key])).format(**values) if html else t.format(key, **values)

    playbooks = summary.playbooks
    period = fill("lede_period", period=meta.period_text) if meta.period_text else ""
    if len(playbooks) == 1:
        opening = fill("lede_one", title=playbooks[0].title, client=meta.client, period=period)
    else:
        opening = fill("lede_many", count=len(playbooks), client=meta.client, period=period)
    if summary.total:
        value = ""
        if summary.exception_value:
            value = fill("lede_value", value=format_compact(summary.exception_value, meta.currency))
        count = fill("findings_count" if summary.total != 1 else "finding_count",
                     count=format_int(summary.total))  # fmt: skip
        if html:
            count = Markup("<strong>{}</strong>").format(count)
        raised = fill(
            "lede_findings", findings=count, severe=format_int(summary.severe), value=value
        )
    else:
        raised = fill("lede_none")
    incomplete = [p.title for p in playbooks if not p.completed]
    missing = ""
    if incomplete:
        missing = fill(
            "lede_incomplete" if len(incomplete) != 1 else "lede_incomplete_one",
            count=len(incomplete),
            titles=", ".join(incomplete),
        )
    parts = [part for part in (opening, raised, missing) if part]
    return Markup(" ").join(parts) if html else " ".join(parts)


def key_figures(summary: ExecutiveSummary, meta: ReportMeta) -> list[tuple[str, str, str]]:
    """The four headline figures of a report: findings, critical or high, value of exceptions,
    and the score (one review) or the number of reviews.

    Parameters
    ----------
    summary : ExecutiveSummary
    meta : ReportMeta
        Currency and branding (labels in the report language, colours).

    Returns
    -------
    list of (str, str, str)
        ``(value, label, colour)``; the critical-or-high figure in the colour of "high".
    """
    from workbench.charts import SEVERITY_COLOURS

    t, primary = meta.branding.texts, meta.branding.primary
    playbooks = summary.playbooks
    last = (
        (format_score(playbooks[0].score), t["kpi_score"], primary)
        if len(playbooks) == 1
        else (str(len(playbooks)), t["kpi_reviews"], primary)
    )
    return [
        (format_int(summary.total), t["kpi_findings"], primary),
        (format_int(summary.severe), t["kpi_severe"], SEVERITY_COLOURS["high"]),
        (format_compact(summary.exception_value, meta.currency), t["kpi_value"], primary),
        last,
    ]


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        {
            "int": format_int,
            "amount": format_amount,
            "compact": format_compact,
            "share": format_share,
            "score": format_score,
            "band": score_band,
            "counted": counted,
            "date": format_date,
        }
    )
    env.globals["SEVERITIES"] = SEVERITIES
    return env


@cache
def stylesheet() -> str:
    """The house stylesheet (inlined into every report)."""
    return STYLESHEET.read_text(encoding="utf-8")


#: Validation messages listed in the appendix; the manifest keeps all of them.
MAX_VALIDATION_ROWS = 200

#: Row numbers listed per validation message before "and N more".
MAX_ROW_NUMBERS = 12


def _validation_row(row: dict[str, Any]) -> dict[str, str]:
    rows = row.get("rows")
    if isinstance(rows, list | tuple):
        shown = ", ".join(str(r) for r in rows[:MAX_ROW_NUMBERS])
        if len(rows) > MAX_ROW_NUMBERS:
            shown += f" and {len(rows) - MAX_ROW_NUMBERS:,} more"
        rows_text = shown
    else:
        rows_text = "" if rows is None else str(rows)
    return {
        "level": str(row.get("level") or "info").lower(),
        "file": str(row.get("file") or ""),
        "table": str(row.get("table") or ""),
        "column": str(row.get("column") or ""),
        "rows": rows_text,
        "message": str(row.get("message") or ""),
    }


def _letters() -> Any:
    return iter("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def render_document(
    meta: ReportMeta,
    chapters: list[Chapter],
    *,
    title: str,
    kicker: str = "Audit report",
    summary: ExecutiveSummary | None = None,
    validation: list[dict[str, Any]] | None = None,
    provenance: dict[str, Any] | None = None,
) -> str:
    """Assemble chapters into the deliverable.

    Parameters
    ----------
    meta : ReportMeta
        Client, engagement, period and run.
    chapters : list of Chapter
        In the order they appear.
    title : str
        Title on the cover.
    kicker : str
        Line above the title (the kind of document).
    summary : ExecutiveSummary, optional
        The executive summary; omitted when ``None``.
    validation : list of dict, optional
        Validation rows for the appendix: ``{"level", "file", "table", "column", "rows",
        "message"}``.
    provenance : dict, optional
        ``{"inputs": [{"table", "path", "sha256", "rows"}], ...}`` for the appendix.

    Returns
    -------
    str
        A self-contained HTML document.
    """
    letters = _letters()
    texts = meta.branding.texts
    appendix: list[dict[str, Any]] = []
    methods = [c for c in chapters if c.method_html]
    if methods:
        appendix.append({"id": "appendix-method", "title": texts["method"], "kind": "method"})
    playbooks = summary.playbooks if summary else []
    limitations = [(p, item) for p in playbooks for item in p.limitations]
    appendix.append(
        {"id": "appendix-limitations", "title": texts["limitations"], "kind": "limitations"}
    )
    if provenance is not None:
        appendix.append(
            {"id": "appendix-provenance", "title": texts["provenance"], "kind": "provenance"}
        )
    if validation is not None:
        appendix.append(
            {"id": "appendix-validation", "title": texts["validation"], "kind": "validation"}
        )
    for item in appendix:
        item["letter"] = next(letters)

    validation_rows = [_validation_row(row) for row in validation or []]
    validation_counts: dict[str, int] = {}
    for row in validation_rows:
        validation_counts[row["level"]] = validation_counts.get(row["level"], 0) + 1

    template = _environment().get_template("document.html.j2")
    return template.render(
        meta=meta,
        title=title,
        kicker=kicker,
        chapters=[
            {
                "chapter": c,
                "html": Markup(c.html),
                "method_html": Markup(c.method_html),
            }
            for c in chapters
        ],
        methods=[{"chapter": c, "html": Markup(c.method_html)} for c in methods],
        summary=summary,
        playbooks=playbooks,
        limitations=limitations,
        appendix=appendix,
        validation=validation_rows,
        validation_shown=validation_rows[:MAX_VALIDATION_ROWS],
        validation_counts=validation_counts,
        playbook_titles={p.playbook: p.title for p in playbooks},
        provenance=provenance or {},
        css=Markup(stylesheet()),
        brand_css=Markup(meta.branding.css()),
        t=meta.branding.texts,
        lede=summary_lede(summary, meta, html=True) if summary else "",
        logo=_logo_url(meta.branding),
        confidentiality=meta.branding.confidentiality_text(meta.client),
        validation_counts_text=", ".join(
            counted(n, level) for level, n in sorted(validation_counts.items())
        ),
    )


def consolidated_document(
    meta: ReportMeta,
    chapters: list[Chapter],
    *,
    validation: list[dict[str, Any]] | None = None,
    provenance: dict[str, Any] | None = None,
) -> str:
    """The consolidated deliverable of a run (``report.html``, and ``report.pdf`` from it).

    Cover; executive summary across playbooks (findings by severity and area as a table and
    a chart, the top 10 findings, a score per playbook); one chapter per playbook; appendix
    with each playbook's method, the checks that could not run, data provenance and the
    validation summary.

    Parameters
    ----------
    meta : ReportMeta
        Client, engagement, period and run.
    chapters : list of Chapter
        In chapter order.
    validation : list of dict, optional
        Validation messages for the appendix (see :func:`render_document`).
    provenance : dict, optional
        Inputs with their SHA-256 for the appendix (see :func:`render_document`).

    Returns
    -------
    str
        A self-contained HTML document.
    """
    texts = meta.branding.texts
    summaries = [playbook_summary(c.results, c.title, c.chapter_id) for c in chapters]
    findings = [f for c in chapters for f in findings_from_bundle(c.results)]
    summary = build_summary(findings, summaries, texts=texts)
    return render_document(
        meta,
        chapters,
        title=texts["report_title"],
        kicker=texts["report_kicker"],
        summary=summary,
        validation=validation,
        provenance=provenance,
    )


def playbook_document(meta: ReportMeta, chapter: Chapter) -> str:
    """One playbook's deliverable (``<playbook>.html``): cover, contents, its summary, the
    chapter and its appendix.

    Parameters
    ----------
    meta : ReportMeta
        Client, engagement, period and run.
    chapter : Chapter
        The playbook's rendered chapter.

    Returns
    -------
    str
        A self-contained HTML document.
    """
    texts = meta.branding.texts
    summary = build_summary(
        findings_from_bundle(chapter.results),
        [playbook_summary(chapter.results, chapter.title, chapter.chapter_id)],
        texts=texts,
    )
    title = chapter.title or texts["report_title"]
    return render_document(meta, [chapter], title=title, summary=summary)


def _logo_url(branding: Branding) -> str:
    """The firm's logo as a ``data:`` URL (a report loads nothing from elsewhere)."""
    if not branding.logo:
        return ""
    import base64

    return f"data:{branding.logo_mime};base64,{base64.b64encode(branding.logo).decode('ascii')}"


__all__ = [
    "Chapter",
    "ExecutiveSummary",
    "PlaybookSummary",
    "ReportMeta",
    "consolidated_document",
    "format_date",
    "playbook_document",
    "render_document",
    "stylesheet",
]
