"""Charts of the record-management chapter, each returned with its alt text.

Every function returns ``(figure, alt)``: the matplotlib figure in the house style and a
sentence describing what it shows, computed from the data, for ``pb.figure(fig, alt=alt)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from workbench.charts import FIGURE_SIZE, PALETTE

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def completeness_heatmap(table: pd.DataFrame) -> tuple[Figure, str]:
    """Projects x phases: share of the mandatory documents due that are present."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    phases = [c for c in table.columns if c != "overall"]
    data = table[phases].sort_values(phases[-1] if phases else table.columns[0])
    height = max(3.0, 0.16 * len(data) + 1.0)
    fig, ax = plt.subplots(figsize=(FIGURE_SIZE[0], height))
    sns.heatmap(
        data,
        ax=ax,
        vmin=0,
        vmax=1,
        cmap="RdYlGn",
        annot=False,
        linewidths=0.4,
        linecolor="white",
        cbar_kws={"label": "share present", "shrink": 0.6},
    )
    ax.set_xlabel("phase in which the document is due")
    ax.set_ylabel("")
    ax.tick_params(axis="y", labelsize=6)
    full = int((table["overall"] >= 1).sum())
    alt = (
        f"Heatmap of {len(table)} projects by phase: {full} projects hold every mandatory "
        f"document due; {len(table) - full} miss at least one. Blank cells are phases "
        "not yet reached."
    )
    return fig, alt


def metadata_heatmap(team_table: pd.DataFrame) -> tuple[Figure, str]:
    """Teams x metadata fields: completeness."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    cols = [c for c in team_table.columns if c not in ("overall", "records")]
    data = team_table[cols]
    fig, ax = plt.subplots(figsize=(FIGURE_SIZE[0], max(2.4, 0.4 * len(data) + 1.4)))
    sns.heatmap(
        data,
        ax=ax,
        vmin=0.8,
        vmax=1,
        cmap="RdYlGn",
        annot=True,
        fmt=".0%",
        annot_kws={"size": 6},
        cbar=False,
        linewidths=0.4,
        linecolor="white",
    )
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    worst = team_table["overall"].idxmin() if len(team_table) else "-"
    alt = (
        f"Metadata completeness by team and field; colour scale from 80% (red) to 100% "
        f"(green). Lowest overall: {worst}."
    )
    return fig, alt


def ranking_chart(scores: pd.DataFrame, entity: str) -> tuple[Figure, str]:
    """Audit score per entity with the Wilson interval of its pass rate; small ones hatched."""
    import matplotlib.pyplot as plt

    data = scores.iloc[::-1]
    fig, ax = plt.subplots(figsize=(FIGURE_SIZE[0], max(2.4, 0.32 * len(data) + 1.0)))
    y = np.arange(len(data))
    colours = [PALETTE[6] if s else PALETTE[0] for s in data["small_sample"]]
    ax.barh(y, data["pass_rate"] * 100, color=colours, height=0.6)
    ax.errorbar(
        data["pass_rate"] * 100,
        y,
        xerr=[
            (data["pass_rate"] - data["ci_low"]) * 100,
            (data["ci_high"] - data["pass_rate"]) * 100,
        ],
        fmt="none",
        ecolor=PALETTE[3],
        capsize=2,
        linewidth=1,
    )
    ax.set_yticks(y, [f"{e}  ({s:.1f})" for e, s in zip(data[entity], data["score"], strict=False)])
    low = max(0.0, float(data["ci_low"].min()) * 100 - 5)
    ax.set_xlim(low, 100)
    level = float(scores.attrs.get("confidence", 0.95))
    ax.set_xlabel(
        f"items passing every check (%), with {level:.0%} Wilson interval; score in brackets"
    )
    small = int(data["small_sample"].sum())
    alt = (
        f"Ranking of {len(data)} {entity}s by audit score; best {scores.iloc[0][entity]} "
        f"({scores.iloc[0]['score']:.1f}), last {scores.iloc[-1][entity]} "
        f"({scores.iloc[-1]['score']:.1f}). {small} grey bar(s) rest on too few items "
        "to rank with confidence."
    )
    return fig, alt


def garp_chart(garp: pd.DataFrame) -> tuple[Figure, str]:
    """GARP principles and the maturity level the evidence supports."""
    import matplotlib.pyplot as plt

    data = garp.iloc[::-1]
    fig, ax = plt.subplots(figsize=FIGURE_SIZE)
    levels = data["level"].fillna(0)
    ax.barh(data["principle"], levels, color=PALETTE[1], height=0.6)
    ax.set_xlim(0, 5)
    ax.set_xticks([1, 2, 3, 4, 5])
    ax.set_xlabel("maturity level (1 Sub-standard .. 5 Transformational)")
    assessed = garp[garp["assessed"]]
    alt = (
        "GARP maturity by principle: "
        + "; ".join(
            f"{p} level {int(lv)}"
            for p, lv in zip(assessed["principle"], assessed["level"], strict=False)
        )
        + "."
    )
    return fig, alt
