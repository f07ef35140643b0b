"""HTML report to PDF with WeasyPrint, offline.

WeasyPrint lays out the report's print stylesheet (A4 pages, running header and footer,
page numbers, contents with page references) without a browser. The URL fetcher loads
``data:`` URLs only: a report never makes a network request, not even for a stray link.
"""

from __future__ import annotations

import logging
from pathlib import Path

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

log = logging.getLogger(__name__)


class EmbeddedOnlyURLFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves ``data:`` URLs and refuses everything else.

    Attributes
    ----------
    refused : list of str
        The URLs it was asked for and refused.
    """

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("data",), allow_redirects=False)
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        """Serve a ``data:`` URL; raise ``ValueError`` for any other."""
        if not url.startswith("data:"):
            self.refused.append(url)
            log.warning("report resource refused (only embedded data is loaded): %.80s", url)
            raise ValueError(f"only embedded data: URLs are loaded, not {url[:80]}")
        return super().fetch(url, headers)


def html_to_pdf(html: str) -> bytes:
    """Lay out an HTML report as a PDF.

    Parameters
    ----------
    html : str
        A self-contained HTML report.

    Returns
    -------
    bytes
        The PDF.
    """
    document = HTML(string=html, url_fetcher=EmbeddedOnlyURLFetcher(), media_type="print")
    return bytes(document.write_pdf())


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
