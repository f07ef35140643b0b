"""Every artifact of a run as text, to search it for what must never be there."""

from __future__ import annotations

import subprocess
import urllib.parse
import zipfile
from collections.abc import Iterator
from pathlib import Path


def secret_forms(secret: str) -> set[str]:
    """The secret as text and in the forms a URL, a form or a driver would write it."""
    return {
        secret,
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote(secret),
        urllib.parse.quote_plus(secret),
    }


def artifact_texts(reports: Path) -> Iterator[tuple[str, str]]:
    """Every file under ``reports`` as text: PDFs through pdftotext, XLSX part by part."""
    for path in sorted(reports.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        rel = str(path.relative_to(reports))
        data = path.read_bytes()
        yield rel, data.decode("utf-8", errors="replace")
        if path.suffix == ".pdf":
            text = subprocess.run(
                ["pdftotext", "-layout", str(path), "-"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            assert text.strip(), f"{rel}: no text extracted, the search would prove nothing"
            yield f"{rel} (text)", text
        if path.suffix in (".xlsx", ".docx", ".pptx", ".zip"):
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    body = archive.read(member).decode("utf-8", errors="replace")
                    yield f"{rel}!{member}", body


def leaks(reports: Path, output: str, secret: str) -> list[str]:
    """Where a form of ``secret`` appears: file (and part) names, or ``output``."""
    forms = secret_forms(secret)
    found = [name for name, text in artifact_texts(reports) if any(f in text for f in forms)]
    if any(f in output for f in forms):
        found.append("output of the command")
    return found
