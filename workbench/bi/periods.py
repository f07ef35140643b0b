"""Period comparison and the effect of decisions: did a KPI really change, and by enough?

A change counts when it is both *material* (relative change at least ``materiality``) and
*significant* (two-sided test, p below ``alpha``). The test follows the KPI's aggregation:

- ``rate`` KPIs (0/1 outcomes): Fisher's exact test on the 2x2 table (scipy.stats.fisher_exact);
- ``mean`` KPIs (per-event values such as days): Mann-Whitney U (scipy.stats.mannwhitneyu),
  robust to the skew of delays;
- ``total`` KPIs (amounts, counts): Mann-Whitney U on weekly totals, zero weeks included, so
  a change in volume and a change in size both count.

For each decision, the KPIs it should have moved (editable mapping from keywords in its title)
are compared in equal windows before and after its date, within its segment when it names one.
Every decision test of a run is one family: its p-values are Holm-adjusted before a change
counts as significant, so that one test in twenty at p < 0.05 is not reported as a result. A
before/after comparison shows that a KPI moved, not that the decision moved it.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from workbench.bi.kpis import KPI_DEFS, Kind, aggregate
from workbench.findings import CheckResult, Severity, finding_from_ids

AREA = "Period comparison and decisions"
#: Fewer events than this on either side and a comparison is reported as insufficient.
MIN_EVENTS = 5


def _weekly_totals(events: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    """Sum of values per 7-day block from ``start`` (inclusive) to ``end`` (exclusive)."""
    n_weeks = max(int((end - start).days // 7), 1)
    block = ((events["date"] - start).dt.days // 7).clip(upper=n_weeks - 1)
    sums = events.groupby(block)["value"].sum()
    return sums.reindex(range(n_weeks), fill_value=0.0)


def change_test(
    before: pd.DataFrame,
    after: pd.DataFrame,
    kind: Kind,
    *,
    before_window: tuple[pd.Timestamp, pd.Timestamp],
    after_window: tuple[pd.Timestamp, pd.Timestamp],
) -> tuple[str, float]:
    """The test for one KPI between two sets of events: ``(test name, p-value)``.

    Parameters
    ----------
    before, after : pandas.DataFrame
        Events (``date``, ``value``) of the two periods.
    kind : {"rate", "mean", "total"}
        The KPI's aggregation, which picks the test (see the module docstring).
    before_window, after_window : tuple of Timestamp
        ``[start, end)`` of each period, used to lay out the weekly totals.
    """
    if kind == "rate":
        s1, s2 = int(before["value"].sum()), int(after["value"].sum())
        table = [[s1, len(before) - s1], [s2, len(after) - s2]]
        return "Fisher exact", float(stats.fisher_exact(table).pvalue)
    if kind == "mean":
        if len(before) < 2 or len(after) < 2:
            return "Mann-Whitney U", np.nan
        return "Mann-Whitney U", float(
            stats.mannwhitneyu(before["value"], after["value"], alternative="two-sided").pvalue
        )
    wb = _weekly_totals(before, *before_window)
    wa = _weekly_totals(after, *after_window)
    if (
        len(wb) < 2
        or len(wa) < 2
        or (wb.nunique() == 1 and wa.nunique() == 1 and wb.iloc[0] == wa.iloc[0])
    ):
        return "Mann-Whitney U (weekly totals)", np.nan
    return "Mann-Whitney U (weekly totals)", float(
        stats.mannwhitneyu(wb, wa, alternative="two-sided").pvalue
    )


def _compare(
    kpi: str,
    before: pd.DataFrame,
    after: pd.DataFrame,
    before_window: tuple[pd.Timestamp, pd.Timestamp],
    after_window: tuple[pd.Timestamp, pd.Timestamp],
    *,
    alpha: float,
    materiality: float,
) -> dict[str, Any]:
    spec = KPI_DEFS[kpi]
    b_val = aggregate(before["value"], spec.kind)
    a_val = aggregate(after["value"], spec.kind)
    if spec.kind == "total":
        # Totals over windows of different length are compared per 30 days.
        b_days = max((before_window[1] - before_window[0]).days, 1)
        a_days = max((after_window[1] - after_window[0]).days, 1)
        b_val, a_val = b_val * 30 / b_days, a_val * 30 / a_days
    enough = len(before) >= MIN_EVENTS and len(after) >= MIN_EVENTS
    test, p = (
        change_test(
            before, after, spec.kind, before_window=before_window, after_window=after_window
        )
        if enough
        else ("", np.nan)
    )
    rel = (a_val - b_val) / abs(b_val) if b_val and not np.isnan(b_val) else np.nan
    material = bool(not np.isnan(rel) and abs(rel) >= materiality)
    significant = bool(not np.isnan(p) and p < alpha)
    verdict = _verdict(kpi, enough, material, significant, rel)
    return {
        "kpi": kpi,
        "n_before": len(before),
        "n_after": len(after),
        "before": round(b_val, 4) if not np.isnan(b_val) else np.nan,
        "after": round(a_val, 4) if not np.isnan(a_val) else np.nan,
        "relative_change": round(rel, 4) if not np.isnan(rel) else np.nan,
        "test": test,
        "p_value": p,
        "material": material,
        "significant": significant,
        "verdict": verdict,
    }


def observed_window(
    period: pd.Period, as_of: pd.Timestamp | None
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``[start, end)`` of a period as far as the data covers it: cut the day after ``as_of``."""
    end = period.end_time.normalize() + pd.Timedelta(days=1)
    if as_of is not None:
        end = min(end, pd.Timestamp(as_of).normalize() + pd.Timedelta(days=1))
    return period.start_time, end


def _verdict(kpi: str, enough: bool, material: bool, significant: bool, rel: float) -> str:
    if not enough:
        return "insufficient data"
    if material and significant:
        better = (rel < 0) if KPI_DEFS[kpi].better == "lower" else (rel > 0)
        return "improved" if better else "worsened"
    return "no material change"


def holm(p_values: np.ndarray | pd.Series) -> np.ndarray:
    """Holm's step-down adjustment of a family of p-values (NaN stays NaN, outside the family).

    The k-th smallest of m p-values is multiplied by ``m - k + 1``, made non-decreasing and
    capped at 1 (Holm 1979; R's ``p.adjust(p, "holm")``). It controls the chance of any false
    positive in the family without assuming the tests are independent.
    """
    p = np.asarray(p_values, dtype="float64")
    out = np.full_like(p, np.nan)
    tested = np.flatnonzero(~np.isnan(p))
    order = tested[np.argsort(p[tested], kind="stable")]
    m = len(order)
    scaled = p[order] * (m - np.arange(m))
    out[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    return out


#: Columns of a comparison after its ``kpi, [by], period, previous`` lead.
COMPARISON_COLUMNS = [
    "n_before",
    "n_after",
    "before",
    "after",
    "relative_change",
    "test",
    "p_value",
    "material",
    "significant",
    "verdict",
    "complete",
]


def compare_periods(
    events: pd.DataFrame,
    *,
    freq: str = "Q",
    alpha: float = 0.05,
    materiality: float = 0.10,
    by: str | None = None,
    kpis: list[str] | None = None,
    last: int | None = None,
    as_of: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Each period against the one before, per KPI (and per ``by`` group), with a test.

    A period that runs past ``as_of`` is cut there: its totals are per 30 days of what it
    covers and its weekly totals stop at ``as_of``, so a half-observed quarter is not read as
    a halved one; ``complete`` says whether the period was whole.

    Parameters
    ----------
    events : pandas.DataFrame
        From :func:`workbench.bi.kpis.kpi_events`.
    freq : {"Q", "M"}
        Quarter-over-quarter or month-over-month.
    alpha, materiality : float
        Significance level and the relative change that counts.
    by : str, optional
        Grouping column (``segment``); None for the whole client.
    kpis : list of str, optional
        KPIs to compare (default every KPI with events).
    last : int, optional
        Only the last ``last`` comparisons per KPI (e.g. 1 for the latest quarter).
    as_of : pandas.Timestamp, optional
        The cut-off of the data (events after it were dropped); None when every period is
        whole.

    Returns
    -------
    pandas.DataFrame
        ``kpi, [by], period, previous, n_before, n_after, before, after, relative_change,
        test, p_value, material, significant, verdict, complete``.
    """
    lead = ["kpi", *([by] if by else []), "period", "previous"]
    if events.empty:
        return pd.DataFrame(columns=lead + COMPARISON_COLUMNS)
    ev = events.copy()
    ev["period"] = ev["date"].dt.to_period(freq)
    periods = pd.period_range(ev["period"].min(), ev["period"].max(), freq=freq)
    chosen = kpis or [k for k in KPI_DEFS if k in set(ev["kpi"])]
    groups = [(None, ev)] if by is None else list(ev.groupby(by, observed=True))
    rows = []
    for key, frame in groups:
        for kpi in chosen:
            kev = frame.loc[frame["kpi"] == kpi]
            pairs = list(itertools.pairwise(periods))
            if last:
                pairs = pairs[-last:]
            for prev, cur in pairs:
                cur_window = observed_window(cur, as_of)
                row = _compare(
                    kpi,
                    kev.loc[kev["period"] == prev],
                    kev.loc[kev["period"] == cur],
                    observed_window(prev, as_of),
                    cur_window,
                    alpha=alpha,
                    materiality=materiality,
                )
                row.update(
                    {
                        "period": str(cur),
                        "previous": str(prev),
                        "complete": cur_window[1] > cur.end_time,
                    }
                )
                if by is not None:
                    row[by] = key
                rows.append(row)
    if not rows:  # events in a single period: nothing to compare it with
        return pd.DataFrame(columns=lead + COMPARISON_COLUMNS)
    out = pd.DataFrame(rows)
    return out[lead + [c for c in out.columns if c not in lead]]


def decision_kpis(decisions: pd.DataFrame, mapping: pd.DataFrame) -> pd.DataFrame:
    """The KPIs each decision should move, from keywords in its title.

    Parameters
    ----------
    decisions : pandas.DataFrame
        ``decisions`` table (decision_id, date, title [segment]).
    mapping : pandas.DataFrame
        Criteria ``keyword, kpi`` (case-insensitive substring of the title); rows whose
        keyword is ``*`` apply when no other keyword matches.

    Returns
    -------
    pandas.DataFrame
        ``decision_id, kpi, keyword`` (one row per decision and KPI).
    """
    rows = []
    kw = mapping.assign(keyword=mapping["keyword"].astype("string").str.strip().str.lower())
    fallback = kw.loc[kw["keyword"] == "*"]
    specific = kw.loc[kw["keyword"] != "*"]
    for _, d in decisions.iterrows():
        title = str(d["title"]).lower()
        hit = specific.loc[[k in title for k in specific["keyword"]]]
        use = hit if not hit.empty else fallback
        for _, m in use.drop_duplicates("kpi").iterrows():
            rows.append(
                {
                    "decision_id": str(d["decision_id"]),
                    "kpi": str(m["kpi"]),
                    "keyword": str(m["keyword"]),
                }
            )
    return pd.DataFrame(rows, columns=["decision_id", "kpi", "keyword"])


def decision_effects(
    decisions: pd.DataFrame,
    events: pd.DataFrame,
    mapping: pd.DataFrame,
    *,
    as_of: pd.Timestamp,
    window_days: int = 180,
    alpha: float = 0.05,
    materiality: float = 0.10,
    min_after_days: int = 30,
) -> pd.DataFrame:
    """Before/after comparison of each decision's KPIs in equal windows around its date.

    Parameters
    ----------
    decisions : pandas.DataFrame
        ``decisions`` table; a ``segment`` value restricts the comparison to that segment.
    events : pandas.DataFrame
        From :func:`workbench.bi.kpis.kpi_events`.
    mapping : pandas.DataFrame
        Criteria ``keyword, kpi`` (see :func:`decision_kpis`).
    as_of : pandas.Timestamp
        Nothing after it is observed; the after-window is cut there.
    window_days : int
        Length of each window; both are cut to the shorter one so they stay comparable.
    alpha, materiality : float
        Significance level and the relative change that counts.
    min_after_days : int
        A decision with less than this much history after it is "too early to tell".

    Returns
    -------
    pandas.DataFrame
        One row per decision and KPI: ``decision_id, title, date, segment, kpi, window_days``,
        the comparison columns of :func:`compare_periods` and ``p_adjusted`` (Holm over every
        test of the table), on which ``significant`` and ``verdict`` are judged.
    """
    pairs = decision_kpis(decisions, mapping)
    rows = []
    first_event = events["date"].min() if not events.empty else as_of
    for _, d in decisions.iterrows():
        when = pd.Timestamp(d["date"]).normalize()
        segment = d.get("segment") if "segment" in decisions.columns else None
        segment = None if segment is None or pd.isna(segment) or str(segment) == "" else segment
        span = min(window_days, (as_of - when).days + 1, (when - first_event).days)
        scope = events if segment is None else events.loc[events["segment"] == segment]
        for kpi in pairs.loc[pairs["decision_id"] == str(d["decision_id"]), "kpi"]:
            base = {
                "decision_id": str(d["decision_id"]),
                "title": str(d["title"]),
                "date": when,
                "segment": segment or "All",
                "kpi": kpi,
                "window_days": span,
            }
            if kpi not in KPI_DEFS:
                rows.append({**base, "verdict": "unknown KPI"})
                continue
            if span < min_after_days:
                rows.append({**base, "verdict": "too early to tell"})
                continue
            kev = scope.loc[scope["kpi"] == kpi]
            bw = (when - pd.Timedelta(days=span), when)
            aw = (when, when + pd.Timedelta(days=span))
            before = kev.loc[(kev["date"] >= bw[0]) & (kev["date"] < bw[1])]
            after = kev.loc[(kev["date"] >= aw[0]) & (kev["date"] < aw[1])]
            rows.append(
                {
                    **base,
                    **_compare(kpi, before, after, bw, aw, alpha=alpha, materiality=materiality),
                }
            )
    effects = pd.DataFrame(rows)
    if "p_value" not in effects.columns:
        return effects
    # Many decisions times several KPIs: judge each test within the whole family.
    effects["p_adjusted"] = holm(effects["p_value"])
    tested = effects["p_value"].notna()
    effects.loc[tested, "significant"] = effects.loc[tested, "p_adjusted"] < alpha
    for i in effects.index[tested]:
        r = effects.loc[i]
        effects.loc[i, "verdict"] = _verdict(
            r["kpi"], True, bool(r["material"]), bool(r["significant"]), r["relative_change"]
        )
    return effects


def decision_verdicts(effects: pd.DataFrame) -> pd.DataFrame:
    """One verdict per decision: improved, worsened, mixed, no measurable change, too early.

    The verdict describes how the decision's KPIs moved after it, not what caused the move.
    """
    rows = []
    for did, frame in effects.groupby("decision_id", sort=True):
        verdicts = set(frame["verdict"])
        if "improved" in verdicts and "worsened" in verdicts:
            verdict = "mixed"
        elif "improved" in verdicts:
            verdict = "improved"
        elif "worsened" in verdicts:
            verdict = "worsened"
        elif "no material change" in verdicts:
            verdict = "no measurable change"
        elif "too early to tell" in verdicts:
            verdict = "too early to tell"
        else:
            verdict = "insufficient data"
        moved = frame.loc[frame["verdict"].isin(["improved", "worsened"]), "kpi"].tolist()
        rows.append(
            {
                "decision_id": did,
                "title": frame["title"].iloc[0],
                "date": frame["date"].iloc[0],
                "segment": frame["segment"].iloc[0],
                "kpis_tested": len(frame),
                "kpis_moved": ", ".join(moved),
                "verdict": verdict,
            }
        )
    return pd.DataFrame(rows)


def _describe(row: pd.Series) -> str:
    spec = KPI_DEFS[row["kpi"]]
    fmt = "{:.1%}" if spec.unit == "share" else "{:,.1f}"
    p = row["p_adjusted"] if "p_adjusted" in row else row["p_value"]
    p_text = "p<0.001" if p < 0.001 else f"p={p:.3f}"
    if "p_adjusted" in row:
        p_text = f"Holm-adjusted {p_text}"
    return (
        f"{spec.label} {fmt.format(row['before'])} -> {fmt.format(row['after'])} "
        f"({row['relative_change']:+.0%}, {row['test']}, {p_text})"
    )


def decision_findings(effects: pd.DataFrame) -> CheckResult:
    """Findings per decision: a measurable improvement, an adverse effect, or no effect.

    Checks raised: ``decision_effect`` (info; its KPIs moved the right way after it),
    ``decision_adverse_effect`` (medium; they moved the wrong way, or mixed) and
    ``decision_no_effect`` (low; nothing moved materially and significantly). Decisions too
    recent or with too little data raise nothing and show in the table. The wording says what
    moved after the decision; a before/after comparison is not proof that the decision caused
    it.
    """
    verdicts = decision_verdicts(effects) if not effects.empty else pd.DataFrame()
    findings = []
    for _, v in verdicts.iterrows():
        rows = effects.loc[effects["decision_id"] == v["decision_id"]]
        tested = rows.loc[rows["verdict"].isin(["improved", "worsened", "no material change"])]
        moved = tested.loc[tested["verdict"].isin(["improved", "worsened"])]
        where = "all segments" if v["segment"] == "All" else f"segment {v['segment']}"
        span = int(rows["window_days"].iloc[0])
        head = (
            f'Decision {v["decision_id"]} "{v["title"]}" ({v["date"]:%Y-%m-%d}, {where}), '
            f"{span} days before vs after: "
        )
        if v["verdict"] in ("improved", "worsened", "mixed"):
            check = "decision_effect" if v["verdict"] == "improved" else "decision_adverse_effect"
            summary = (
                head
                + "; ".join(_describe(r) for _, r in moved.iterrows())
                + ". A before/after comparison, not proof of cause: anything else that changed "
                "in the same windows may explain it."
            )
            title = (
                f"KPIs of decision {v['decision_id']} "
                f"{'improved' if check == 'decision_effect' else 'worsened'} after it"
                + (" (mixed)" if v["verdict"] == "mixed" else "")
            )
            severity: Severity = "info" if check == "decision_effect" else "medium"
            rec = (
                "Confirm with the decision's owner what else changed in the window; if the "
                "decision is the likely reason, keep it and extend it where the KPI lags."
                if check == "decision_effect"
                else "Review the decision with its owner, with what else changed in the "
                "window; reverse or adjust it if it is the likely reason."
            )
        elif v["verdict"] == "no measurable change":
            check, severity = "decision_no_effect", "low"
            title = f"No measurable change in the KPIs of decision {v['decision_id']}"
            summary = (
                head
                + "no KPI changed materially and significantly ("
                + "; ".join(
                    f"{KPI_DEFS[r['kpi']].label} {r['relative_change']:+.0%}"
                    for _, r in tested.iterrows()
                )
                + ")."
            )
            rec = (
                "State the KPI and target each decision is meant to move, and review it "
                "after one quarter; retire decisions that move nothing."
            )
        else:
            continue
        findings.append(
            finding_from_ids(
                check=check,
                area=AREA,
                code="DEC",
                severity=severity,
                title=title,
                summary=summary,
                entity_type="decision",
                ids=[v["decision_id"]],
                population_count=len(verdicts),
                recommendation=rec,
                corrective_action="Record the measured effect in the decision log.",
                preventive_action="Log each decision with its target KPI, baseline and "
                "review date.",
                owner_role="PMO",
            )
        )
    return CheckResult(verdicts, findings)
