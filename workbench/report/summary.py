"""The executive summary: findings across playbooks by severity and area, the top findings,
a score per playbook, and the chart that goes with them.

Built from the results bundles of executed notebooks (``pb.finish()``), so the summary says
exactly what the chapters and ``findings.json`` say.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from workbench.findings import SEVERITIES, Finding, sort_findings
from workbench.report.texts import Texts


@dataclass
class PlaybookSummary:
    """One playbook's line in the summary.

    Parameters
    ----------
    playbook : str
        Machine name (``bi-assessment``).
    title : str
        Title as the client reads it.
    score : float or None
        The playbook's score (0-100), ``None`` when the playbook did not complete.
    by_severity : dict
        Number of findings per severity.
    limitations : list of dict
        Checks that could not run: ``{"check", "reason"}``.
    chapter_id : str
        Anchor of the playbook's chapter.
    completed : bool
        Whether the notebook produced its results bundle.
    """

    playbook: str
    title: str
    score: float | None
    by_severity: dict[str, int]
    limitations: list[dict[str, str]] = field(default_factory=list)
    chapter_id: str = ""
    completed: bool = True

    @property
    def findings(self) -> int:
        """Number of findings."""
        return sum(self.by_severity.values())

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary: playbook, title, score, findings, by_severity, limitations."""
        return {
            "playbook": self.playbook,
            "title": self.title,
            "score": self.score,
            "findings": self.findings,
            "by_severity": dict(self.by_severity),
            "limitations": list(self.limitations),
            "completed": self.completed,
        }


@dataclass
class AreaRow:
    """Findings of one audit area, per severity."""

    area: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        """All findings of the area."""
        return sum(self.counts.values())


@dataclass
class ExecutiveSummary:
    """Everything the executive summary shows."""

    findings: list[Finding]
    playbooks: list[PlaybookSummary]
    by_severity: dict[str, int]
    areas: list[AreaRow]
    top: list[Finding]
    exception_value: float
    chart_png: str | None = None
    chart_alt: str = ""

    @property
    def total(self) -> int:
        """Number of findings."""
        return len(self.findings)

    @property
    def severe(self) -> int:
        """Critical and high findings."""
        return self.by_severity.get("critical", 0) + self.by_severity.get("high", 0)


def _clean_limitations(raw: Any) -> list[dict[str, str]]:
    out = []
    for item in raw or []:
        if isinstance(item, dict):
            out.append({"check": str(item.get("check", "")), "reason": str(item.get("reason", ""))})
    return out


def playbook_summary(
    bundle: dict[str, Any] | None, fallback_title: str, chapter_id: str = ""
) -> PlaybookSummary:
    """Summarise one playbook's results bundle.

    Parameters
    ----------
    bundle : dict or None
        The ``application/vnd.workbench.results+json`` payload; ``None`` when the notebook
        stopped before ``pb.finish()``.
    fallback_title : str
        Title to use when the bundle has none (the chapter title).
    chapter_id : str
        Anchor of the chapter.

    Returns
    -------
    PlaybookSummary
    """
    if not bundle:
        return PlaybookSummary(
            playbook=chapter_id or fallback_title,
            title=fallback_title,
            score=None,
            by_severity={s: 0 for s in SEVERITIES},
            chapter_id=chapter_id,
            completed=False,
        )
    counts = Counter(str(f.get("severity", "")) for f in bundle.get("findings", []))
    score = bundle.get("score")
    try:
        score_value = None if score is None else float(score)
    except (TypeError, ValueError):
        score_value = None
    return PlaybookSummary(
        playbook=str(bundle.get("playbook", "")),
        title=str(bundle.get("title") or fallback_title),
        score=score_value,
        by_severity={s: counts.get(s, 0) for s in SEVERITIES},
        limitations=_clean_limitations(bundle.get("limitations")),
        chapter_id=chapter_id,
    )


def findings_from_bundle(bundle: dict[str, Any] | None) -> list[Finding]:
    """The findings of a results bundle as :class:`Finding` objects.

    Parameters
    ----------
    bundle : dict or None
        Results bundle.

    Returns
    -------
    list of Finding
        Each with ``playbook`` filled from the bundle when the finding has none.
    """
    if not bundle:
        return []
    playbook = str(bundle.get("playbook", ""))
    findings = []
    for data in bundle.get("findings", []):
        finding = Finding.from_dict(data)
        if not finding.playbook:
            finding.playbook = playbook
        findings.append(finding)
    return findings


def areas_by_severity(findings: Iterable[Finding]) -> list[AreaRow]:
    """Count findings per area and severity, the most serious areas first.

    Parameters
    ----------
    findings : iterable of Finding

    Returns
    -------
    list of AreaRow
        Sorted by critical, then high, ... counts (descending), then area name.
    """
    counts: dict[str, Counter[str]] = {}
    for finding in findings:
        counts.setdefault(finding.area or "Other", Counter())[finding.severity] += 1
    rows = [AreaRow(area, {s: c.get(s, 0) for s in SEVERITIES}) for area, c in counts.items()]
    return sorted(rows, key=lambda r: (tuple(-r.counts[s] for s in SEVERITIES), r.area))


def severity_chart(areas: Sequence[AreaRow], texts: Texts | None = None) -> tuple[str, str] | None:
    """A horizontal stacked bar chart of findings per area and severity.

    Parameters
    ----------
    areas : sequence of AreaRow
    texts : Texts, optional
        The report language's labels (default English).

    Returns
    -------
    tuple of (str, str) or None
        Base64 PNG and its alt text; ``None`` when there is nothing to draw.
    """
    if not areas:
        return None
    import matplotlib as mpl
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    from workbench.charts import FIGURE_SIZE, SEVERITY_COLOURS, figure_output, style_rc

    t = texts or Texts()
    rows = list(reversed(areas))  # matplotlib draws the first bar at the bottom
    rc: Any = style_rc()
    with mpl.rc_context(rc):
        height = min(max(1.4, 0.38 * len(rows) + 0.9), 5.5)
        fig = Figure(figsize=(FIGURE_SIZE[0], height))
        ax = fig.add_subplot()
        left = [0] * len(rows)
        labels = [r.area for r in rows]
        for severity in SEVERITIES:
            values = [r.counts[severity] for r in rows]
            if not any(values):
                continue
            ax.barh(
                labels,
                values,
                left=left,
                color=SEVERITY_COLOURS[severity],
                label=t.severity_label(severity),
                height=0.6,
            )
            left = [a + b for a, b in zip(left, values, strict=True)]
        ax.set_xlabel(t["chart_findings"])
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", visible=True)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(loc="lower left", ncols=5, bbox_to_anchor=(0.0, 1.0), borderaxespad=0.3)
    parts = []
    for row in areas:
        detail = ", ".join(f"{row.counts[s]} {s}" for s in SEVERITIES if row.counts[s])
        parts.append(f"{row.area}: {row.total} ({detail})")
    alt = f"{t['chart_alt']} " + "; ".join(parts) + "."
    bundle, _ = figure_output(fig, alt)
    return str(bundle["image/png"]), alt


def build_summary(
    findings: Sequence[Finding],
    playbooks: Sequence[PlaybookSummary],
    top_n: int = 10,
    chart: bool = True,
    texts: Texts | None = None,
) -> ExecutiveSummary:
    """Assemble the executive summary.

    Parameters
    ----------
    findings : sequence of Finding
        Every finding of the report.
    playbooks : sequence of PlaybookSummary
        One per chapter, in chapter order.
    top_n : int
        How many findings the "top findings" table lists.
    chart : bool
        Whether to draw the severity chart.
    texts : Texts, optional
        The report language, for the chart's labels (default English).

    Returns
    -------
    ExecutiveSummary
    """
    ordered = sort_findings(findings)
    counts: Counter[str] = Counter(str(f.severity) for f in ordered)
    areas = areas_by_severity(ordered)
    summary = ExecutiveSummary(
        findings=ordered,
        playbooks=list(playbooks),
        by_severity={s: counts.get(s, 0) for s in SEVERITIES},
        areas=areas,
        top=ordered[:top_n],
        exception_value=sum(f.exceptions.value or 0.0 for f in ordered),
    )
    if chart:
        drawn = severity_chart(areas, texts)
        if drawn is not None:
            summary.chart_png, summary.chart_alt = drawn
    return summary
