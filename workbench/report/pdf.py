"""HTML report to PDF with WeasyPrint, offline and in bounded time.

WeasyPrint lays out the report's print stylesheet (A4 pages, running header and footer,
page numbers, contents with page references) without a browser. The URL fetcher loads only
the ``data:`` URLs the report itself placed, as the source of its own ``<img>`` elements
(the charts): never the network, not even for a stray link, and never a ``data:`` URL met
anywhere else (inside a picture, in a style). A picture that nests pictures inside itself
could otherwise keep the layout busy for hours. The layout runs in a child interpreter that
is stopped after :func:`pdf_timeout_s` seconds (``WORKBENCH_PDF_TIMEOUT_S``).
"""

from __future__ import annotations

import html as html_lib
import logging
import os
import re
import subprocess
import sys
from collections.abc import Collection
from pathlib import Path

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from workbench.errors import OutputError

log = logging.getLogger(__name__)

#: Longest a PDF layout may take, in seconds (the demo report takes about 12 s).
PDF_TIMEOUT_S = 300.0

#: The ``src`` of every ``<img>`` element: the pictures the report placed itself.
_IMG_SRC = re.compile(r"<img\b[^>]*?\bsrc=(?:\"([^\"]*)\"|'([^']*)')", re.I)


class PDFTimeout(OutputError):
    """The PDF layout took longer than its time limit (exit 4: the output could not be made)."""


def pdf_timeout_s() -> float:
    """Seconds a PDF layout may take: ``WORKBENCH_PDF_TIMEOUT_S`` or :data:`PDF_TIMEOUT_S`."""
    value = os.environ.get("WORKBENCH_PDF_TIMEOUT_S")
    return float(value) if value else PDF_TIMEOUT_S


def placed_images(html: str) -> set[str]:
    """The ``data:`` URLs that are the ``src`` of an ``<img>`` element of ``html``.

    Parameters
    ----------
    html : str
        A report.

    Returns
    -------
    set of str
        The URLs as the layout engine will ask for them (HTML entities decoded).
    """
    found = set()
    for match in _IMG_SRC.finditer(html):
        url = html_lib.unescape(match.group(1) if match.group(1) is not None else match.group(2))
        if url.startswith("data:"):
            found.add(url)
    return found


class EmbeddedOnlyURLFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves the report's own ``data:`` URLs, nothing else.

    Parameters
    ----------
    allowed : collection of str, optional
        The ``data:`` URLs the report placed (see :func:`placed_images`); any other
        ``data:`` URL is refused too. None serves every ``data:`` URL.

    Attributes
    ----------
    refused : list of str
        What it was asked for and refused, one line each (logged by :func:`html_to_pdf`).
    """

    def __init__(self, allowed: Collection[str] | None = None) -> None:
        super().__init__(allowed_protocols=("data",), allow_redirects=False)
        self.allowed = None if allowed is None else frozenset(allowed)
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        """Serve a ``data:`` URL the report placed; raise ``ValueError`` for any other."""
        if not url.startswith("data:"):
            self.refused.append(
                f"report resource refused (only embedded data is loaded): {url:.80}"
            )
            raise ValueError(f"only embedded data: URLs are loaded, not {url[:80]}")
        if self.allowed is not None and url not in self.allowed:
            self.refused.append(f"embedded resource refused (not placed by the report): {url:.60}")
            raise ValueError(f"only the report's own pictures are loaded, not {url[:60]}")
        return super().fetch(url, headers)


def _layout(html: str) -> tuple[bytes, list[str]]:
    fetcher = EmbeddedOnlyURLFetcher(placed_images(html))
    document = HTML(string=html, url_fetcher=fetcher, media_type="print")
    return bytes(document.write_pdf()), fetcher.refused


def _child_main() -> int:
    """``python -m workbench.report.pdf``: HTML on stdin, the PDF on stdout, refusals on
    stderr (one per line)."""
    html = sys.stdin.buffer.read().decode("utf-8")
    pdf, refused = _layout(html)
    for line in refused:
        sys.stderr.write(_REFUSED + line.replace("\n", " ") + "\n")
    sys.stdout.buffer.write(pdf)
    sys.stdout.buffer.flush()
    return 0


_REFUSED = "refused: "


def html_to_pdf(html: str, timeout_s: float | None = None) -> bytes:
    """Lay out an HTML report as a PDF, in a child process with a time limit.

    The child is a fresh interpreter (``python -m workbench.report.pdf``), so that it
    shares nothing with the caller's threads and can be stopped at any point.

    Parameters
    ----------
    html : str
        A self-contained HTML report.
    timeout_s : float, optional
        Longest the layout may take (default :func:`pdf_timeout_s`).

    Returns
    -------
    bytes
        The PDF.

    Raises
    ------
    PDFTimeout
        The layout did not finish in time; the child is stopped.
    RuntimeError
        The layout failed; the message is the layout engine's.
    """
    limit = pdf_timeout_s() if timeout_s is None else timeout_s
    child = subprocess.Popen(
        [sys.executable, "-m", "workbench.report.pdf"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        pdf, errors = child.communicate(html.encode("utf-8"), timeout=limit)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise PDFTimeout(
            f"the PDF layout of the report took longer than {limit:g} s and was stopped "
            "(WORKBENCH_PDF_TIMEOUT_S sets the limit)"
        ) from None
    lines = errors.decode("utf-8", "replace").splitlines()
    for line in lines:
        if line.startswith(_REFUSED):
            log.warning("%s", line.removeprefix(_REFUSED))
    if child.returncode != 0 or not pdf.startswith(b"%PDF"):
        problem = [line for line in lines if line and not line.startswith(_REFUSED)]
        raise RuntimeError(
            f"the PDF layout failed (exit {child.returncode}): "
            + (problem[-1] if problem else "no output")
        )
    return pdf


def write_pdf(html: str, path: Path) -> None:
    """Write an HTML report as a PDF file.

    Parameters
    ----------
    html : str
        A self-contained HTML report.
    path : Path
        Where to write the PDF (parent folders are created).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(html_to_pdf(html))


if __name__ == "__main__":
    sys.exit(_child_main())
