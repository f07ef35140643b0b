"""House chart style and chart outputs."""

from __future__ import annotations

import base64

import matplotlib
import matplotlib.pyplot as plt
import pytest

from workbench import charts
from workbench.report.document import stylesheet


def test_figure_output_is_a_png_bundle_with_alt_text_and_closes_the_figure() -> None:
    fig, ax = plt.subplots()
    ax.bar(["a", "b"], [1, 2])
    bundle, metadata = charts.figure_output(fig, "  Two bars:\n a is 1, b is 2 ")
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG")
    assert bundle["text/plain"] == "Two bars: a is 1, b is 2"
    assert metadata["image/png"]["alt"] == "Two bars: a is 1, b is 2"
    assert 300 < metadata["image/png"]["width"] < 900
    assert fig.number not in plt.get_fignums()


def test_the_same_chart_gives_the_same_bytes() -> None:
    def draw() -> str:
        fig, ax = plt.subplots()
        ax.plot([1, 2, 3])
        return str(charts.figure_output(fig, "line")[0]["image/png"])

    assert draw() == draw()


def test_a_chart_without_alt_text_is_refused() -> None:
    fig, _ = plt.subplots()
    with pytest.raises(ValueError, match="alt"):
        charts.figure_output(fig, "  ")
    assert fig.number not in plt.get_fignums()


def test_apply_style_sets_the_house_font_palette_and_print_resolution() -> None:
    with matplotlib.rc_context():
        charts.apply_style()
        assert matplotlib.rcParams["font.sans-serif"][0] == "DejaVu Sans"
        assert matplotlib.rcParams["savefig.dpi"] == charts.DPI
        colours = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
        assert [c.lower() for c in colours] == list(charts.PALETTE)


def test_report_badges_use_the_chart_severity_colours() -> None:
    css = stylesheet().lower()
    for severity, colour in charts.SEVERITY_COLOURS.items():
        assert f"--wb-{severity}: {colour}" in css
