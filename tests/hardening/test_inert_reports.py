"""Reports are inert: client data shows as text and nothing is loaded from the network.

A playbook run on an engagement whose client data is hostile: vendor-like names, customer
names, ids, a parameter and the client's own name carry ``<script>``, ``<img onerror>``,
``javascript:`` links, ``http://`` addresses, CSS ``@import``/``url()`` and spreadsheet
formulas, and that data reaches every place a check puts it (tables, narrative, finding
titles and summaries, limitations, chart labels, metrics). Then:

- the HTML is parsed: no script, frame, object, form or link element, no event handler,
  and no address outside the document (src, href, srcset, poster, action, style url(),
  @import) except embedded ``data:`` images; the hostile strings are there as text;
- the register (XLSX) holds them as text, never as formulas or hyperlinks;
- the report is opened in headless Chromium with the network off (JavaScript on, so that
  anything smuggled in would run): no console error, no dialog, no request but the page's
  own file, and a screenshot shows it rendered.

Chromium is the Debian ``chromium`` package; without it the browser test skips, except with
``CI=true``.
"""

from __future__ import annotations

import base64
import csv
import json
import os
import re
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from tests.hardening.browser import find_chromium, visit
from workbench.run import read_findings

pytestmark = pytest.mark.slow

SCRIPT = "<script>alert(1)</script>"
#: A picture smuggled in as a name: an SVG banner in a markdown image with a data: URL.
BANNER_SVG = '<svg xmlns="http://www.w3.org/2000/svg"><text y="20">AUDIT PASSED</text></svg>'
BANNER = "![ok](data:image/svg+xml;base64," + base64.b64encode(BANNER_SVG.encode()).decode() + ")"
IMG = '<img src=x onerror="alert(2)">'
JS_LINK = "javascript:alert(document.cookie)"
URL = "http://evil.example/track.png"
HOSTILE = [
    SCRIPT,
    IMG,
    JS_LINK,
    URL,
    '<a href="http://evil.example/phish">Acme Ltd</a>',
    "<style>@import url(http://evil.example/x.css);</style>",
    '<iframe src="//evil.example/frame"></iframe>',
    "<svg onload=alert(5)>",
    'background:url("http://evil.example/bg.png")',
    '<link rel="stylesheet" href="https://evil.example/a.css">',
    '=HYPERLINK("http://evil.example/x","Open invoice")',
    "+cmd|' /C calc'!A0",
    BANNER,
]
CLIENT = '<b onmouseover="alert(6)">Acme</b> Holdings'
LABEL = "<script>alert(7)</script> portfolio"
SOURCE_OF = {
    "parameters": "engagement_dir = None\noutput_dir = None\nlabel = 'Portfolio'",
    "start": "from workbench.session import start\npb = start('hostile-audit', globals())",
    "checks": """\
import matplotlib.pyplot as plt
from workbench.findings import finding_from_ids

projects = pb.tables['projects']
first = projects.iloc[0]
pb.show(projects[['project_id', 'name', 'customer', 'budget']], title=pb.params.label)
pb.md(
    f"The largest customer is **{first['customer']}** on {first['name']}. "
    f"See [the contract](javascript:alert(3)), [their site]({first['customer']}) and "
    "![logo](http://evil.example/logo.png) <img src=x onerror=alert(4)>."
)
for _, row in projects.iterrows():
    pb.record(finding_from_ids(
        check='hostile_names', area=str(row['customer']), severity='high',
        title=f"Payments to {row['name']} without approval",
        summary=f"{row['customer']} was paid by {row['name']}.",
        entity_type='project', ids=[row['project_id']], population_count=len(projects),
        exception_value=float(row['budget']), recommendation=f"Review {row['name']}.",
        owner_role=str(row['customer']),
    ))
    pb.metric('budget', float(row['budget']), unit='currency', entity_type='project',
              entity_id=row['project_id'], period=row['name'])
pb.limitation(f"check on {first['name']}", f"{first['customer']} sent no data")
fig, ax = plt.subplots()
ax.bar([str(n)[:30] for n in projects['name']], projects['budget'])
ax.set_title(str(first['customer']))
pb.figure(fig, alt=f"Budgets of {first['name']}")
""",
    "finish": "pb.finish()",
}


def _notebook() -> dict[str, Any]:
    ids = iter(range(100))

    def code(source: str, tags: list[str] | None = None) -> dict[str, Any]:
        meta = {"tags": tags} if tags else {}
        return {
            "cell_type": "code",
            "execution_count": None,
            "id": f"cell-{next(ids)}",
            "metadata": meta,
            "outputs": [],
            "source": source,
        }

    def markdown(source: str) -> dict[str, Any]:
        return {
            "cell_type": "markdown",
            "id": f"cell-{next(ids)}",
            "metadata": {},
            "source": source,
        }

    return {
        "cells": [
            markdown(
                "# Hostile audit\n\nA chapter whose every table and sentence carries client data."
            ),
            code(SOURCE_OF["parameters"], ["parameters"]),
            code(SOURCE_OF["start"]),
            markdown("## Vendors"),
            code(SOURCE_OF["checks"]),
            markdown("## Method\n\nClient names are shown exactly as the client wrote them."),
            code(SOURCE_OF["finish"]),
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A real run (kernel, papermill, rendering) of the hostile playbook."""
    from workbench.run import run

    root = tmp_path_factory.mktemp("inert")
    home = root / "home"
    (home / "playbooks" / "hostile-audit").mkdir(parents=True)
    (home / "notebooks").mkdir()
    spec = {
        "name": "hostile-audit",
        "title": "Audit of hostile names",
        "prefix": "HX",
        "summary": "Client data that tries to be markup.",
        "inputs": {"required": ["projects"], "optional": []},
        "parameters": {"label": {"type": "str", "default": "Portfolio"}},
        "sections": ["Vendors"],
    }
    (home / "playbooks" / "hostile-audit" / "playbook.yaml").write_text(yaml.safe_dump(spec))
    (home / "notebooks" / "hostile-audit.ipynb").write_text(json.dumps(_notebook()))
    folder = root / "engagement"
    (folder / "inputs").mkdir(parents=True)
    rows = [
        {
            "project_id": SCRIPT if i == 0 else f"PRJ-{i:03d}",
            "name": HOSTILE[i % len(HOSTILE)],
            "segment": "Enterprise",
            "customer": HOSTILE[(i + 3) % len(HOSTILE)],
            "pm_id": "P001",
            "project_type": "implementation",
            "status": "active",
            "baseline_start": "2025-01-06",
            "baseline_finish": "2025-12-19",
            "budget": 1000.0 * (i + 1),
            "contract_value": 1500.0 * (i + 1),
        }
        for i in range(len(HOSTILE))
    ]
    pd.DataFrame(rows).to_csv(folder / "inputs" / "projects.csv", index=False)
    config = {
        "client": CLIENT,
        "engagement": "hostile-2026",
        "period": {"start": "2025-01-01", "end": "2025-12-31"},
        "playbooks": ["hostile-audit"],
        "inputs": {"projects": "inputs/projects.csv"},
        "parameters": {"hostile-audit": {"label": LABEL}},
    }
    (folder / "engagement.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WORKBENCH_HOME", str(home))
        result = run(folder, out=root / "reports", formats=("html", "pdf", "xlsx"), progress=None)
    assert result.status == "ok", [p.error for p in result.playbooks]
    yield result.run_dir


class Document(HTMLParser):
    """Every element with its attributes, style text, and the text a reader sees."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.styles: list[str] = []
        self.text: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): v or "" for k, v in attrs}
        self.elements.append((tag.lower(), values))
        if "style" in values:
            self.styles.append(values["style"])
        self._in_style = tag.lower() == "style"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self._in_style = False

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)
        else:
            self.text.append(data)


#: Attributes through which a browser fetches or navigates.
URL_ATTRIBUTES = (
    "src",
    "href",
    "srcset",
    "poster",
    "action",
    "formaction",
    "data",
    "background",
    "xlink:href",
    "ping",
    "manifest",
    "cite",
    "longdesc",
    "usemap",
    "codebase",
)
FORBIDDEN_TAGS = {
    "script",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "link",
    "base",
    "form",
    "meta",
    "audio",
    "video",
    "source",
    "track",
    "portal",
}


def external_references(html: str) -> list[str]:
    """Everything in ``html`` that would make a browser reach outside the document."""
    doc = Document()
    doc.feed(html)
    found = []
    for tag, attrs in doc.elements:
        if tag in FORBIDDEN_TAGS and not (
            tag == "meta" and set(attrs) <= {"charset", "name", "content"}
        ):
            found.append(f"<{tag}> element")
        for name, value in attrs.items():
            if name.startswith("on"):
                found.append(f"{name} handler on <{tag}>")
            if name in URL_ATTRIBUTES:
                for url in re.split(r",\s*", value) if name == "srcset" else [value]:
                    url = url.strip().split(" ")[0]
                    if not (url.startswith("#") or url.startswith("data:image/")):
                        found.append(f'{name}="{url[:60]}" on <{tag}>')
    for css in doc.styles:
        if re.search(r"@import", css, re.I):
            found.append("@import in a style")
        for url in re.findall(r"url\(\s*['\"]?([^)'\"]*)", css, re.I):
            if not (url.startswith("data:") or url.startswith("#")):
                found.append(f"url({url[:60]}) in a style")
    return found


def visible_text(html: str) -> str:
    doc = Document()
    doc.feed(html)
    return " ".join(doc.text)


def _reports(run_dir: Path) -> list[Path]:
    pages = sorted(run_dir.glob("*.html"))
    assert {p.name for p in pages} == {"report.html", "hostile-audit.html"}
    return pages


def test_the_run_put_the_hostile_data_everywhere(run_dir: Path) -> None:
    items = read_findings(run_dir)
    titles = " ".join(f["title"] for f in items)
    assert SCRIPT in titles and IMG in titles and URL in titles and JS_LINK in titles
    assert SCRIPT in (run_dir / "metrics.csv").read_text()


@pytest.mark.parametrize("name", ["report.html", "hostile-audit.html"])
def test_no_report_refers_to_anything_outside_itself(run_dir: Path, name: str) -> None:
    html = (run_dir / name).read_text(encoding="utf-8")
    assert external_references(html) == []


@pytest.mark.parametrize("name", ["report.html", "hostile-audit.html"])
def test_client_data_shows_as_text(run_dir: Path, name: str) -> None:
    html = (run_dir / name).read_text(encoding="utf-8")
    text = visible_text(html)
    for hostile in (SCRIPT, IMG, URL, JS_LINK, LABEL):
        assert hostile in text, f"{hostile!r} is not shown as text"
    assert "Acme</b> Holdings" in text  # the client's name, on the cover
    assert SCRIPT not in html  # and never as markup


@pytest.mark.parametrize("name", ["report.html", "hostile-audit.html"])
def test_a_name_holding_a_picture_is_no_picture(run_dir: Path, name: str) -> None:
    html = (run_dir / name).read_text(encoding="utf-8")
    payload = BANNER.split(",", 1)[1].rstrip(")")
    doc = Document()
    doc.feed(html)
    sources = [a.get("src") or "" for tag, a in doc.elements if tag == "img"]
    assert sources and not [src for src in sources if payload in src]
    assert "AUDIT PASSED" not in visible_text(html)


def test_metrics_csv_holds_no_formula(run_dir: Path) -> None:
    with (run_dir / "metrics.csv").open(newline="", encoding="utf-8") as fh:
        cells = [cell for row in csv.reader(fh) for cell in row]
    runnable = [
        c
        for c in cells
        if c.startswith(("=", "+", "-", "@", "\t", "\r"))
        and not c.lstrip("+-").replace(".", "", 1).isdigit()
    ]
    assert runnable == []
    assert '\'=HYPERLINK("http://evil.example/x","Open invoice")' in cells


def test_the_register_holds_client_data_as_text(run_dir: Path) -> None:
    from openpyxl import load_workbook

    book = load_workbook(run_dir / "findings.xlsx")
    seen = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                assert cell.hyperlink is None, f"{sheet.title}!{cell.coordinate} is a link"
                if isinstance(cell.value, str):
                    seen.append(cell.value)
    assert any(v.startswith("=HYPERLINK") or "=HYPERLINK" in v for v in seen)


def test_the_report_helpers_find_what_they_look_for() -> None:
    """The checks above would see an external reference or a handler if one were there."""
    bad = (
        '<html><head><link rel="stylesheet" href="https://cdn.example/x.css">'
        "<style>@import url(//cdn.example/y.css); .a{background:url(http://x.example/b.png)}"
        '</style></head><body><img src="http://x.example/a.png" srcset="data:image/png;base64,'
        'AA 1x, https://x.example/b.png 2x"><a href="javascript:alert(1)" onclick="x()">a</a>'
        '<div style="background:url(http://x.example/c.png)">t</div></body></html>'
    )
    found = external_references(bad)
    assert len(found) >= 8, found
    assert external_references('<a href="#top">t</a><img src="data:image/png;base64,AA">') == []


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        message = "Chromium is not installed (Debian package `chromium`)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}; CI=true: the browser test must run")
        pytest.skip(message)
    return path


@pytest.mark.parametrize("name", ["report.html", "hostile-audit.html"])
def test_the_report_opens_offline_in_a_browser_without_errors(
    run_dir: Path, chromium: str, name: str, tmp_path: Path
) -> None:
    page = tmp_path / name  # a copy away from the run folder: nothing else to reach for
    shutil.copy(run_dir / name, page)
    seen = visit(chromium, page)
    assert seen.dialogs == [], "a script ran: " + ", ".join(seen.dialogs)
    assert seen.errors == []
    own = page.resolve().as_uri()
    assert [r for r in seen.requests if r != own and not r.startswith("data:image/")] == []
    assert seen.screenshot.startswith(b"\x89PNG") and len(seen.screenshot) > 10_000
    assert seen.title.strip()  # the document loaded, with its title
    (tmp_path / f"{name}.png").write_bytes(seen.screenshot)


def test_the_browser_check_sees_a_script_and_a_request(chromium: str, tmp_path: Path) -> None:
    """The browser test would catch a report that ran code or reached the network."""
    page = tmp_path / "bad.html"
    page.write_text(
        "<html><body><p>x</p><script>console.error('boom'); alert('hi')</script>"
        '<img src="http://evil.example/p.png"></body></html>'
    )
    seen = visit(chromium, page)
    assert seen.dialogs == ["hi"]
    assert any("boom" in e for e in seen.errors)
    assert any(r.startswith("http://evil.example/") for r in seen.requests)
