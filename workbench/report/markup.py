"""Markdown to HTML for reports: escaped, offline, with stable heading anchors.

Narrative in a report comes from two places: markdown cells of the playbook notebook and
markdown computed from client data (``text/markdown`` outputs). Both are rendered here, with
raw HTML escaped (a vendor called ``<script>`` prints as text), links to other documents shown
as text (a report never points the reader's browser at the network) and images shown as
their alt text: a report's pictures are its charts, which come from notebook outputs, never
from markdown (a client name holding ``![x](data:image/svg+xml;...)`` would otherwise become
a picture in the deliverable).

Client strings placed into computed markdown go through :func:`md_text` first, so that a
segment called ``**Approved**`` or ``# Summary`` is shown as written, not as markup.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import mistune
from markupsafe import escape

_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_INLINE_MARKS = re.compile(r"[*_`]+")
#: Characters that markdown (CommonMark and its table and strikethrough extensions) may read
#: as markup; each is backslash-escaped in client text.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~&=:\"'$])")


def md_text(value: object) -> str:
    """A client string (a name, an id, a KPI, a reason) as literal text inside markdown.

    Parameters
    ----------
    value : object
        Any value; it is shown as ``str(value)`` would print it.

    Returns
    -------
    str
        Markdown that renders as exactly that text, on one line: every character markdown
        could read as markup is backslash-escaped and line breaks become spaces, so the value
        can neither start a heading, a list or a table nor end the sentence around it.
    """
    text = " ".join(str(value).split("\n")).replace("\r", " ")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def slugify(text: str) -> str:
    """An anchor-safe slug: lower-case ASCII letters, digits and hyphens.

    Parameters
    ----------
    text : str
        Heading or playbook name.

    Returns
    -------
    str
        The slug (``"section"`` when nothing usable is left).
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug or "section"


def heading_of(line: str, max_level: int = 6) -> tuple[int, str] | None:
    """The level and plain text of an ATX heading line, or ``None``.

    Parameters
    ----------
    line : str
        One line of markdown.
    max_level : int
        Deepest level that counts as a heading.

    Returns
    -------
    tuple of (int, str) or None
        ``(level, text)`` with inline emphasis marks removed.
    """
    match = _HEADING.match(line)
    if not match or len(match.group(1)) > max_level:
        return None
    text = _INLINE_MARKS.sub("", match.group(2) or "").strip()
    return len(match.group(1)), text


def split_at_headings(source: str, max_level: int = 2) -> list[str]:
    """Split markdown so that every heading up to ``max_level`` starts a new piece.

    Headings inside fenced code blocks do not count.

    Parameters
    ----------
    source : str
        Markdown text.
    max_level : int
        Headings of this level or higher (``#``, ``##``) start a piece.

    Returns
    -------
    list of str
        The non-blank pieces, in order.
    """
    pieces: list[list[str]] = [[]]
    fence: str | None = None
    for line in source.splitlines():
        fence_match = _FENCE.match(line)
        if fence_match:
            marker = fence_match.group(1)
            if fence is None:
                fence = marker[0]
            elif marker[0] == fence:
                fence = None
        elif fence is None and heading_of(line, max_level) is not None and pieces[-1]:
            pieces.append([])
        pieces[-1].append(line)
    return [text for text in ("\n".join(p).strip("\n") for p in pieces) if text.strip()]


class ReportRenderer(mistune.HTMLRenderer):
    """Mistune renderer with escaped HTML, offline links and images, and heading anchors.

    Parameters
    ----------
    heading_id : str, optional
        Anchor given to the first ``#``/``##`` heading (the one the table of contents
        points at).
    heading_level : int, optional
        Level at which that heading is rendered (a second ``#`` heading in a chapter is a
        section, so it is rendered as ``<h2>``).
    min_level : int
        Headings are rendered at this level or deeper (3 for computed narrative, so that it
        never competes with the chapter's own sections).
    """

    def __init__(
        self, heading_id: str | None = None, heading_level: int | None = None, min_level: int = 1
    ) -> None:
        super().__init__(escape=True)
        self._heading_id = heading_id
        self._heading_level = heading_level
        self._min_level = min_level

    def heading(self, text: str, level: int, **attrs: Any) -> str:
        """Render a heading, with the anchor on the first top-level one."""
        if self._heading_id is not None and level <= 2:
            anchor = escape(self._heading_id)
            level = self._heading_level or level
            self._heading_id = None
            return f'<h{level} id="{anchor}">{text}</h{level}>\n'
        level = min(max(level, self._min_level), 6)
        return f"<h{level}>{text}</h{level}>\n"

    def link(self, text: str, url: str, title: str | None = None) -> str:
        """Render in-document links as links and any other link as text with its address."""
        if url.startswith("#"):
            return f'<a href="{escape(url)}">{text}</a>'
        shown = escape(url)
        if text == shown:
            return f'<span class="wb-url">{text}</span>'
        return f'{text} <span class="wb-url">({shown})</span>'

    def image(self, text: str, url: str, title: str | None = None) -> str:
        """Render an image as its alt text: pictures come from outputs, never from markdown."""
        alt = escape(mistune.util.striptags(text))
        return f'<span class="wb-missing-image">[{alt}]</span>'


def render_markdown(
    source: str,
    heading_id: str | None = None,
    heading_level: int | None = None,
    min_level: int = 1,
) -> str:
    """Markdown to escaped HTML for a report.

    Parameters
    ----------
    source : str
        Markdown text.
    heading_id : str, optional
        Anchor for the first ``#``/``##`` heading.
    heading_level : int, optional
        Level of that heading in the output.
    min_level : int
        Shallowest level of the other headings.

    Returns
    -------
    str
        HTML.
    """
    markdown = mistune.create_markdown(
        renderer=ReportRenderer(heading_id, heading_level, min_level),
        plugins=["table", "strikethrough"],
    )
    return str(markdown(source))
