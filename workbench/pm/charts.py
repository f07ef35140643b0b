"""Charts of the PM-function audit, each returned as a matplotlib ``Figure`` with its alt text.

Figures are built with the object API (``matplotlib.figure.Figure``), never through pyplot's
global state, so a notebook shows each chart once, where ``pb.figure`` puts it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from workbench.pm.evm import RagThresholds

RAG_COLOURS = {"red": "#c0392b", "amber": "#e69f00", "green": "#2e8b57", "no data": "#999999"}
CATEGORY_COLOURS = {
    "pm": "#1f5f99",
    "pmo": "#c0392b",
    "delivery": "#7fa7c9",
    "other": "#bbbbbb",
    "unclassified": "#eeeeee",
}


def radar_chart(areas: pd.DataFrame, target_level: int) -> tuple[Figure, str]:
    """Maturity radar: questionnaire mean and blended score per area against the target."""
    data = areas.reset_index(drop=True)
    labels = data["label"].tolist()
    n = len(labels)
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False).tolist()
    fig = Figure(figsize=(7.5, 7.5))
    ax = fig.add_subplot(projection="polar")
    closed = [*angles, angles[0]]

    def ring(values: Sequence[float]) -> list[float]:
        vals = [0.0 if pd.isna(v) else float(v) for v in values]
        return [*vals, vals[0]]

    ax.plot(
        closed,
        ring([target_level] * n),
        color="#555555",
        linestyle="--",
        linewidth=1.2,
        label=f"Target (level {target_level})",
    )
    ax.plot(closed, ring(data["mean"]), color="#1f5f99", linewidth=2, label="Questionnaire mean")
    ax.fill(closed, ring(data["mean"]), color="#1f5f99", alpha=0.15)
    if "blended" in data and data["blended"].ne(data["mean"]).any():
        ax.plot(
            closed,
            ring(data["blended"]),
            color="#e69f00",
            linewidth=1.5,
            label="Blended with project data",
        )
    ax.set_xticks(angles)
    ax.set_xticklabels(labels, fontsize=8)
    ax.set_ylim(0, 5)
    ax.set_yticks([1, 2, 3, 4, 5])
    ax.set_yticklabels(["1", "2", "3", "4", "5"], fontsize=7, color="#666666")
    ax.legend(loc="upper right", bbox_to_anchor=(1.15, 1.12), fontsize=8, frameon=False)
    fig.tight_layout()
    weakest = data.sort_values("mean").head(3)["label"].tolist()
    alt = (
        f"Radar chart of maturity (0-5) in {n} areas against a target of {target_level}; "
        f"the weakest areas are {', '.join(weakest)}."
    )
    return fig, alt


def quadrant_chart(latest: pd.DataFrame, thresholds: RagThresholds) -> tuple[Figure, str]:
    """CPI against SPI(t) per project, bubble size by budget, coloured by RAG."""
    data = latest.dropna(subset=["cpi", "spi_t"])
    fig = Figure(figsize=(8, 6))
    ax = fig.add_subplot()
    lo = min(0.5, float(data[["cpi", "spi_t"]].min().min()) - 0.05) if len(data) else 0.5
    hi = max(1.3, float(data[["cpi", "spi_t"]].max().max()) + 0.05) if len(data) else 1.3
    ax.axhspan(lo, thresholds.cpi_red, color=RAG_COLOURS["red"], alpha=0.06)
    ax.axvspan(lo, thresholds.spi_red, color=RAG_COLOURS["red"], alpha=0.06)
    ax.axhline(1, color="#555555", linewidth=0.8)
    ax.axvline(1, color="#555555", linewidth=0.8)
    sizes = 40 + 260 * (data["bac"] / data["bac"].max()) if len(data) else []
    colours = [RAG_COLOURS.get(str(r), "#999999") for r in data["rag"]]
    ax.scatter(data["spi_t"], data["cpi"], s=sizes, c=colours, alpha=0.75, edgecolor="white")
    for r in data[data["rag"].astype(str) == "red"].itertuples():
        ax.annotate(
            str(r.project_id),
            (r.spi_t, r.cpi),
            textcoords="offset points",
            xytext=(6, 4),
            fontsize=8,
        )
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_title("Cost against schedule efficiency, latest status", fontsize=10, loc="left")
    ax.set_xlabel("Schedule efficiency SPI(t) (earned schedule / actual time)")
    ax.set_ylabel("Cost efficiency CPI (EV / AC)")
    ax.text(
        hi - 0.01,
        hi - 0.01,
        "ahead, under budget",
        ha="right",
        va="top",
        fontsize=8,
        color="#555555",
    )
    ax.text(
        lo + 0.01,
        lo + 0.01,
        "late, over budget",
        ha="left",
        va="bottom",
        fontsize=8,
        color="#555555",
    )
    fig.tight_layout()
    red = int((data["rag"].astype(str) == "red").sum())
    alt = (
        f"Scatter of {len(data)} projects by SPI(t) and CPI, bubble size by budget; {red} "
        f"are red (below {thresholds.spi_red:g} or {thresholds.cpi_red:g})."
    )
    return fig, alt


def s_curves(periods: pd.DataFrame, project_ids: Sequence[str]) -> tuple[Figure, str]:
    """Cumulative PV, EV and AC over time for a few projects (small multiples)."""
    ids = list(project_ids)
    cols = 2
    rows = max(1, int(np.ceil(len(ids) / cols)))
    fig = Figure(figsize=(10, 3.4 * rows))
    for i, pid in enumerate(ids, start=1):
        ax = fig.add_subplot(rows, cols, i)
        data = periods[periods["project_id"] == pid].sort_values("period_end")
        for col, colour, label in (
            ("pv", "#555555", "PV"),
            ("ev", "#1f5f99", "EV"),
            ("ac", "#c0392b", "AC"),
        ):
            ax.plot(
                data["period_end"],
                data[col] / 1e3,
                color=colour,
                label=label,
                linestyle="--" if col == "pv" else "-",
            )
        if len(data):
            ax.axhline(
                float(data["bac"].iloc[0]) / 1e3,
                color="#999999",
                linewidth=0.8,
                linestyle=":",
                label="BAC",
            )
            last = data.iloc[-1]
            ax.set_title(f"{pid}: CPI {last['cpi']:.2f}, SPI(t) {last['spi_t']:.2f}", fontsize=9)
        ax.set_ylabel("thousands")
        ax.tick_params(axis="x", labelsize=7, rotation=30)
        if i == 1:
            ax.legend(fontsize=7, frameon=False)
    fig.tight_layout()
    alt = f"S-curves (planned value, earned value, actual cost) of {', '.join(ids)}."
    return fig, alt


def trend_chart(trend: pd.DataFrame, thresholds: RagThresholds) -> tuple[Figure, str]:
    """Portfolio CPI and SPI per month against the red thresholds."""
    fig = Figure(figsize=(9, 3.6))
    ax = fig.add_subplot()
    months = pd.PeriodIndex(trend["month"], freq="M").to_timestamp()
    ax.plot(months, trend["cpi"], color="#1f5f99", marker="o", markersize=3, label="CPI")
    ax.plot(months, trend["spi"], color="#e69f00", marker="o", markersize=3, label="SPI")
    ax.axhline(1, color="#555555", linewidth=0.8)
    ax.axhline(
        thresholds.cpi_red,
        color=RAG_COLOURS["red"],
        linewidth=0.8,
        linestyle="--",
        label=f"red threshold ({thresholds.cpi_red:g})",
    )
    ax.set_ylabel("index")
    ax.set_title("Portfolio CPI and SPI per month", fontsize=10, loc="left")
    ax.legend(fontsize=8, frameon=False, ncol=3)
    fig.tight_layout()
    last = trend.iloc[-1] if len(trend) else None
    alt = "Line chart of portfolio CPI and SPI per month" + (
        f"; in {last['month']} CPI {last['cpi']:.2f} and SPI {last['spi']:.2f}."
        if last is not None
        else "."
    )
    return fig, alt


def workload_chart(
    shares: pd.DataFrame, threshold: float, names: dict[str, str] | None = None
) -> tuple[Figure, str]:
    """Share of each PM's hours per category, PMO share highest first, threshold marked."""
    data = shares[shares["has_timesheets"]].sort_values("pmo_share")
    names = names or {}
    fig = Figure(figsize=(9, 0.4 * len(data) + 1.5))
    ax = fig.add_subplot()
    left = np.zeros(len(data))
    labels = [f"{p} {names.get(p, '')}".strip() for p in data["person_id"]]
    for cat in ("pmo", "pm", "delivery"):
        values = data[f"{cat}_share"].fillna(0).to_numpy()
        ax.barh(
            labels,
            values,
            left=left,
            color=CATEGORY_COLOURS[cat],
            label=cat.upper() if cat in ("pm", "pmo") else cat,
        )
        left = left + values
    ax.axvline(
        threshold,
        color="#333333",
        linestyle="--",
        linewidth=1,
        label=f"PMO threshold {threshold:.0%}",
    )
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of hours worked (leave and unclassified hours left out)")
    ax.tick_params(axis="y", labelsize=8)
    ax.legend(fontsize=8, frameon=False, ncol=5, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    fig.tight_layout()
    over = int((data["pmo_share"] > threshold).sum())
    alt = (
        f"Stacked bars of how {len(data)} project managers spend their hours worked (PMO, "
        f"PM, delivery); {over} are above the {threshold:.0%} PMO threshold."
    )
    return fig, alt


def pmo_trend_chart(
    monthly: pd.DataFrame, flagged: Sequence[str], threshold: float
) -> tuple[Figure, str]:
    """PMO share of PM hours per month: all PMs together and each flagged PM."""
    fig = Figure(figsize=(9, 3.6))
    ax = fig.add_subplot()
    for pid in ["all", *flagged]:
        data = monthly[monthly["person_id"] == pid]
        months = pd.PeriodIndex(data["month"], freq="M").to_timestamp()
        ax.plot(
            months,
            data["pmo_share"],
            linewidth=2.2 if pid == "all" else 1.2,
            color="#1f5f99" if pid == "all" else None,
            label="all PMs" if pid == "all" else pid,
        )
    ax.axhline(
        threshold, color="#333333", linestyle="--", linewidth=1, label=f"threshold {threshold:.0%}"
    )
    ax.set_ylabel("PMO share of hours")
    ax.set_title("Share of project managers' hours on PMO work, per month", fontsize=10, loc="left")
    ax.set_ylim(0, max(0.6, float(monthly["pmo_share"].max() or 0) + 0.05))
    ax.legend(fontsize=8, frameon=False, ncol=5)
    fig.tight_layout()
    alt = (
        "Line chart of the share of project managers' hours spent on PMO work per month, "
        f"for all PMs and for {', '.join(flagged) or 'no flagged PM'}."
    )
    return fig, alt


def load_heatmap(load: pd.DataFrame, max_weighted: float) -> tuple[Figure, str]:
    """Size-weighted concurrent projects per PM and month."""
    grid = load.pivot_table(
        index="pm_id", columns="month", values="weighted", aggfunc="sum", fill_value=0.0
    )
    fig = Figure(figsize=(10, 0.35 * len(grid) + 1.6))
    ax = fig.add_subplot()
    image = ax.imshow(
        grid.to_numpy(),
        aspect="auto",
        cmap="YlOrRd",
        vmin=0,
        vmax=max(max_weighted * 1.5, float(grid.to_numpy().max(initial=0))),
    )
    ax.set_yticks(range(len(grid)))
    ax.set_yticklabels(grid.index, fontsize=8)
    step = max(1, len(grid.columns) // 12)
    ax.set_xticks(range(0, len(grid.columns), step))
    ax.set_xticklabels(grid.columns[::step], fontsize=7, rotation=45)
    for (i, j), value in np.ndenumerate(grid.to_numpy()):
        if value > max_weighted:
            ax.text(j, i, f"{value:.1f}", ha="center", va="center", fontsize=6)
    ax.set_title("Size-weighted concurrent projects per PM and month", fontsize=10, loc="left")
    fig.colorbar(image, ax=ax, label="weighted projects")
    fig.tight_layout()
    alt = (
        f"Heatmap of size-weighted concurrent projects per PM and month; cells above "
        f"{max_weighted:g} are labelled."
    )
    return fig, alt
