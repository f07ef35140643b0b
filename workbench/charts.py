"""The house style of every chart in a report, and the way a chart becomes a notebook output.

Playbooks draw with matplotlib/seaborn after :func:`apply_style` and hand the figure to
:func:`figure_output`, which returns the mime bundle and metadata a notebook displays: a PNG
at print resolution, with the alt text in the metadata (for the report's ``<img alt>``) and as
``text/plain`` (for readers of the raw notebook). The report renderer uses the same functions,
so a chart in the executive summary looks like a chart in a chapter.
"""

from __future__ import annotations

import base64
import io
import struct
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Colours of the house palette, in the order series take them.
PALETTE: tuple[str, ...] = (
    "#1f3a5f",  # navy
    "#3d7ea6",  # steel blue
    "#7fb3d5",  # light blue
    "#c9a227",  # ochre
    "#5b8c5a",  # green
    "#a05c7b",  # plum
    "#8c8c8c",  # grey
)

#: One colour per severity, shared with the report's badges (``style.css``).
SEVERITY_COLOURS: dict[str, str] = {
    "critical": "#7b1e24",
    "high": "#c0392b",
    "medium": "#e08e0b",
    "low": "#3d7ea6",
    "info": "#8c8c8c",
}

#: Font families, most preferred first; all of them ship with common Linux distributions.
FONT_FAMILIES: tuple[str, ...] = ("DejaVu Sans", "Liberation Sans", "Arial", "sans-serif")

#: Resolution of the PNG charts: sharp on paper, small enough for an e-mailed report.
DPI = 150

#: Default figure size in inches: the text width of an A4 page at a readable height.
FIGURE_SIZE: tuple[float, float] = (6.3, 3.2)

_TEXT = "#222222"
_GRID = "#d9dde3"


def style_rc() -> dict[str, Any]:
    """The matplotlib rc parameters of the house style.

    Returns
    -------
    dict
        Parameters for ``matplotlib.rcParams.update`` or ``seaborn.set_theme(rc=...)``.
    """
    from cycler import cycler

    return {
        # client names and KPI labels are text: "$\\foo$" must not be read as mathtext
        "text.parse_math": False,
        "figure.figsize": FIGURE_SIZE,
        "figure.dpi": 100,
        "savefig.dpi": DPI,
        "figure.facecolor": "white",
        "axes.facecolor": "white",
        "axes.edgecolor": _GRID,
        "axes.labelcolor": _TEXT,
        "axes.titlesize": 10,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.labelsize": 9,
        "axes.prop_cycle": cycler(color=list(PALETTE)),
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "axes.grid.axis": "y",
        "axes.axisbelow": True,
        "grid.color": _GRID,
        "grid.linewidth": 0.6,
        "font.family": "sans-serif",
        "font.sans-serif": list(FONT_FAMILIES),
        "font.size": 9,
        "xtick.labelsize": 8,
        "ytick.labelsize": 8,
        "xtick.color": _TEXT,
        "ytick.color": _TEXT,
        "legend.fontsize": 8,
        "legend.frameon": False,
        "lines.linewidth": 1.6,
        "svg.fonttype": "none",
    }


def apply_style() -> None:
    """Apply the house chart style to matplotlib and seaborn (idempotent).

    One palette, DejaVu Sans, light horizontal grid, no top/right spines, and font sizes
    that stay readable when a 6.3-inch-wide figure is printed at the text width of A4.
    """
    import matplotlib as mpl
    import seaborn as sns

    rc: Any = style_rc()
    sns.set_theme(style="whitegrid", palette=list(PALETTE), rc=rc)
    mpl.rcParams.update(rc)


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels, read from the PNG header."""
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


def figure_png(fig: Figure, dpi: int = DPI) -> bytes:
    """The figure as PNG bytes, without a timestamp, so that equal charts give equal bytes.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The chart.
    dpi : int
        Resolution.

    Returns
    -------
    bytes
        The PNG file.
    """
    buffer = io.BytesIO()
    fig.savefig(
        buffer,
        format="png",
        dpi=dpi,
        bbox_inches="tight",
        facecolor="white",
        metadata={"Software": None},
    )
    return buffer.getvalue()


def figure_output(fig: Figure, alt: str, dpi: int = DPI) -> tuple[dict[str, Any], dict[str, Any]]:
    """Turn a figure into the mime bundle and metadata of a notebook output, and close it.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The chart, drawn in the house style.
    alt : str
        What the chart shows, in one or two sentences, for readers who cannot see it.
    dpi : int
        Resolution of the PNG (150 prints well on A4).

    Returns
    -------
    bundle : dict
        ``{"image/png": <base64>, "text/plain": alt}``.
    metadata : dict
        ``{"image/png": {"alt": alt, "width": <CSS pixels>}}``; pass both to
        ``IPython.display.display(bundle, raw=True, metadata=metadata)``.

    Raises
    ------
    ValueError
        If ``alt`` is empty: every chart in a report carries a description.
    """
    alt = " ".join(str(alt).split())
    try:
        if not alt:
            raise ValueError("a chart needs alt text describing what it shows")
        png = figure_png(fig, dpi=dpi)
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)
    width, _ = _png_size(png)
    # Shown at the physical size it was drawn at (CSS pixels are 1/96 inch).
    css_width = round(width * 96 / dpi)
    bundle = {"image/png": base64.b64encode(png).decode("ascii"), "text/plain": alt}
    metadata = {"image/png": {"alt": alt, "width": css_width}}
    return bundle, metadata
