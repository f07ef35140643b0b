"""The executive summary: the three to five things that matter, written from the findings.

Findings are ranked by severity, then by money at stake, then by count (the register's own
order). Informational findings only fill the list when fewer than three others exist, so a
good-news decision effect never hides a leak. The text is computed, never typed.
"""

from __future__ import annotations

from collections.abc import Sequence

from workbench.findings import Finding, sort_findings
from workbench.formats import money
from workbench.report.markup import md_text


def _first_sentence(text: str) -> str:
    head = text.split(". ")[0].rstrip(".")
    return head + "."


def top_findings(findings: Sequence[Finding], *, top: int = 5, minimum: int = 3) -> list[Finding]:
    """The findings for the summary: up to ``top`` non-info ones, info ones to reach ``minimum``.

    Several findings of one check (one per decision, say) count once: the worst stands in.
    """
    ranked = sort_findings(findings)
    seen: set[str] = set()
    chosen: list[Finding] = []
    for f in ranked:
        if f.severity != "info" and f.check not in seen:
            chosen.append(f)
            seen.add(f.check)
    chosen = chosen[:top]
    for f in ranked:
        if len(chosen) >= minimum:
            break
        if f.severity == "info" and f.check not in seen:
            chosen.append(f)
            seen.add(f.check)
    return chosen


def executive_summary(
    findings: Sequence[Finding], *, currency: str = "", facts: Sequence[str] = (), top: int = 5
) -> str:
    """Markdown for the chapter's executive summary (under the notebook's own heading).

    Parameters
    ----------
    findings : sequence of Finding
        Everything the chapter recorded.
    currency : str
        Engagement currency for amounts.
    facts : sequence of str
        Computed headline sentences shown before the list (e.g. the total at stake).
    top : int
        At most this many items.
    """
    lines = [f"{fact}" for fact in facts]
    if facts:
        lines.append("")
    chosen = top_findings(findings, top=top)
    if not chosen:
        lines.append("No exceptions were found in the checks that could run.")
        return "\n".join(lines)
    lines.append(f"The {len(chosen)} things that matter most:")
    lines.append("")
    for i, f in enumerate(chosen, start=1):
        stake = f" At stake: {money(f.exceptions.value, currency)}." if f.exceptions.value else ""
        ident = f"{f.id} " if f.id else ""
        # a finding's text is plain text that names client data (vendors, projects, KPIs)
        lines.append(
            f"{i}. **{md_text(f.title)}** ({ident}{f.severity}). "
            f"{md_text(_first_sentence(f.summary))}{stake} Owner: {md_text(f.owner_role)}. "
            f"Next: {md_text(f.recommendation)}"
        )
    return "\n".join(lines)
