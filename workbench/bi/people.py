"""Key players and personnel: delivery, quality and revenue per person, honest about small n.

A project manager with three milestones, all on time, is not better than one with forty and
a 90% on-time rate. Every rate here therefore comes with a Wilson score interval and an
empirical-Bayes estimate (beta-binomial prior fitted by maximum likelihood) that shrinks small
records towards the client's overall rate; counts come with exact (Garwood) Poisson
intervals. A person is called below peers only when the whole interval lies below the rate
of everyone else, and only with at least ``min_n`` observations.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from workbench.bi.kpis import milestones_due
from workbench.findings import CheckResult, finding_from_ids
from workbench.frames import present, select_present

AREA = "Key players and personnel"


def wilson_interval(
    successes: np.ndarray | pd.Series, n: np.ndarray | pd.Series, alpha: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for binomial proportions (vectorised; NaN where n is 0)."""
    s = np.asarray(successes, dtype="float64")
    n_arr = np.asarray(n, dtype="float64")
    z = stats.norm.ppf(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = s / n_arr
        centre = (p + z**2 / (2 * n_arr)) / (1 + z**2 / n_arr)
        half = z * np.sqrt(p * (1 - p) / n_arr + z**2 / (4 * n_arr**2)) / (1 + z**2 / n_arr)
    lo, hi = centre - half, centre + half
    bad = n_arr <= 0
    lo[bad], hi[bad] = np.nan, np.nan
    return np.clip(lo, 0, 1), np.clip(hi, 0, 1)


def poisson_interval(
    count: np.ndarray | pd.Series, alpha: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) confidence interval for Poisson counts (vectorised)."""
    k = np.asarray(count, dtype="float64")
    lo = np.where(k > 0, stats.chi2.ppf(alpha / 2, 2 * k) / 2, 0.0)
    hi = stats.chi2.ppf(1 - alpha / 2, 2 * (k + 1)) / 2
    return lo, hi


def beta_binomial_shrinkage(
    successes: np.ndarray | pd.Series, n: np.ndarray | pd.Series, *, max_strength: float = 200.0
) -> tuple[np.ndarray, float, float]:
    """Empirical-Bayes rates: each group's rate pulled towards the prior mean by its size.

    The prior Beta(a, b) is fitted by maximum likelihood of the beta-binomial
    (``scipy.stats.betabinom``) over the groups, which stays consistent when group sizes
    differ widely (the method of moments does not: a few large groups and many small ones
    made it shrink everyone almost onto the pooled rate). The strength ``a + b`` is capped at
    ``max_strength``, which it reaches when the groups vary no more than binomial noise.

    Returns
    -------
    (numpy.ndarray, float, float)
        Shrunk rates ``(s + a) / (n + a + b)``, and ``a``, ``b``.
    """
    s = np.asarray(successes, dtype="float64")
    n_arr = np.asarray(n, dtype="float64")
    keep = n_arr > 0
    if not keep.any():
        return np.full_like(s, np.nan), np.nan, np.nan
    sk, nk = s[keep], n_arr[keep]
    pooled = float(np.clip(sk.sum() / nk.sum(), 1e-6, 1 - 1e-6))
    if keep.sum() < 2 or pooled in (1e-6, 1 - 1e-6):
        mean, strength = pooled, max_strength
    else:

        def minus_loglik(theta: np.ndarray) -> float:
            mu, k = special.expit(theta[0]), np.exp(theta[1])
            return -float(stats.betabinom.logpmf(sk, nk, mu * k, (1 - mu) * k).sum())

        fit = optimize.minimize(
            minus_loglik,
            x0=np.array([special.logit(pooled), np.log(10.0)]),
            method="L-BFGS-B",
            bounds=[(-12.0, 12.0), (np.log(0.1), np.log(max_strength))],
        )
        mean, strength = float(special.expit(fit.x[0])), float(np.exp(fit.x[1]))
    a, b = mean * strength, (1 - mean) * strength
    with np.errstate(divide="ignore", invalid="ignore"):
        shrunk = (s + a) / (n_arr + a + b)
    return shrunk, float(a), float(b)


def _names(staff: pd.DataFrame | None) -> pd.DataFrame:
    cols = ["person_id", "name", "role", "segment"]
    if staff is None or staff.empty:
        return pd.DataFrame(columns=cols)
    return select_present(staff, cols).rename(columns={"segment": "home_segment"})


def pm_performance(
    ledger: pd.DataFrame,
    staff: pd.DataFrame | None = None,
    *,
    defects: pd.DataFrame | None = None,
    at_stake: pd.Series | None = None,
    as_of: pd.Timestamp,
    grace_days: int = 0,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Delivery, revenue and quality per project manager (``projects.pm_id``).

    The on-time rate is over every milestone due by ``as_of`` (see
    :func:`workbench.bi.kpis.milestones_due`), so an overdue milestone never delivered counts
    as late rather than not at all.

    Parameters
    ----------
    ledger : pandas.DataFrame
        From :func:`workbench.bi.revenue.milestone_ledger` (has ``pm_id``).
    staff : pandas.DataFrame, optional
        For names and roles.
    defects : pandas.DataFrame, optional
        ``defects`` table; defects on a PM's projects per delivered milestone.
    at_stake : pandas.Series, optional
        Revenue at stake per ``project_id`` (from the leakage checks).
    as_of : pandas.Timestamp
        The cut-off: milestones planned by then are due.
    grace_days : int
        A milestone up to this many days late is on time.
    alpha : float
        1 - confidence of the intervals.

    Returns
    -------
    pandas.DataFrame
        Per PM: ``projects, due, delivered, on_time, on_time_rate, ci_low, ci_high,
        shrunk_rate, mean_delay_days, invoiced, at_stake, defects, defects_per_milestone``
        and the Poisson interval of the defect rate. ``due`` (milestones due by ``as_of``)
        is the denominator of the on-time rate; ``delivered`` counts deliveries.
    """
    led = ledger.loc[ledger["pm_id"].notna()].copy()
    d = led.loc[led["delivered_date"].notna()]
    due = milestones_due(led, as_of=as_of, grace_days=grace_days).groupby("pm_id")["on_time"]
    out = pd.DataFrame(
        {
            "projects": led.groupby("pm_id")["project_id"].nunique(),
            "segment": led.groupby("pm_id")["segment"].agg(lambda s: s.mode().iloc[0]),
        }
    )
    out["due"] = due.size().reindex(out.index).fillna(0).astype(int)
    out["delivered"] = d.groupby("pm_id").size().reindex(out.index).fillna(0).astype(int)
    out["on_time"] = due.sum().reindex(out.index).fillna(0).astype(int)
    out["on_time_rate"] = (out["on_time"] / out["due"]).round(4)
    lo, hi = wilson_interval(out["on_time"], out["due"], alpha)
    out["ci_low"], out["ci_high"] = lo.round(4), hi.round(4)
    shrunk, _, _ = beta_binomial_shrinkage(out["on_time"], out["due"])
    out["shrunk_rate"] = np.round(shrunk, 4)
    out["mean_delay_days"] = (
        d.groupby("pm_id")["delivery_delay_days"].mean().reindex(out.index).round(1)
    )
    out["invoiced"] = led.groupby("pm_id")["invoiced_amount"].sum().round(2)
    if at_stake is not None:
        proj_pm = led.drop_duplicates("project_id").set_index("project_id")["pm_id"]
        stake = at_stake.groupby(proj_pm.reindex(at_stake.index)).sum()
        out["at_stake"] = stake.reindex(out.index).fillna(0.0).round(2)
    if defects is not None and not defects.empty:
        proj_pm = led.drop_duplicates("project_id").set_index("project_id")["pm_id"]
        per_pm = defects["project_id"].map(proj_pm).value_counts()
        out["defects"] = per_pm.reindex(out.index).fillna(0).astype(int)
        with np.errstate(divide="ignore", invalid="ignore"):
            out["defects_per_milestone"] = (out["defects"] / out["delivered"]).round(3)
            dlo, dhi = poisson_interval(out["defects"], alpha)
            out["defects_per_milestone_low"] = (dlo / out["delivered"]).round(3)
            out["defects_per_milestone_high"] = (dhi / out["delivered"]).round(3)
    out.index.name = "person_id"
    out = out.reset_index().merge(_names(staff), on="person_id", how="left")
    lead = ["person_id", "name", "segment"]
    return out[
        present(out, lead)
        + [c for c in out.columns if c not in lead and c not in ("role", "home_segment")]
    ]


def delivery_below_peers(
    perf: pd.DataFrame, *, min_n: int = 10, alpha: float = 0.05
) -> CheckResult:
    """PMs whose whole on-time interval lies below the pooled rate of all other PMs.

    Parameters
    ----------
    perf : pandas.DataFrame
        From :func:`pm_performance`.
    min_n : int
        Fewer milestones due than this and a PM is not judged.
    alpha : float
        1 - confidence of the intervals in ``perf`` (for the wording).
    """
    p = perf.copy()
    total_s, total_n = p["on_time"].sum(), p["due"].sum()
    p["peer_rate"] = ((total_s - p["on_time"]) / (total_n - p["due"])).round(4)
    flagged = p.loc[(p["due"] >= min_n) & (p["ci_high"] < p["peer_rate"])]
    if flagged.empty:
        return CheckResult(p)
    lines = "; ".join(
        f"{r['person_id']} ({r.get('name', '')}): {int(r['on_time'])}/{int(r['due'])} due on "
        f"time = {r['on_time_rate']:.0%} ({1 - alpha:.0%} interval "
        f"{r['ci_low']:.0%}-{r['ci_high']:.0%}) "
        f"vs {r['peer_rate']:.0%} for peers"
        for _, r in flagged.iterrows()
    )
    finding = finding_from_ids(
        check="delivery_below_peers",
        area=AREA,
        code="PPL",
        severity="medium",
        title=f"{len(flagged)} project manager(s) deliver on time clearly less than peers",
        summary=f"{lines}. The whole confidence interval lies below the peer rate.",
        entity_type="person",
        ids=flagged["person_id"].tolist(),
        population_count=int((p["due"] >= min_n).sum()),
        recommendation="Pair the PM with a strong peer for planning and estimation, and "
        "schedule training in schedule management; review the portfolio size.",
        corrective_action="Re-baseline the PM's open milestones with realistic dates.",
        preventive_action="Review on-time delivery per PM quarterly with intervals, not raw "
        "rates, before deciding on role changes.",
        owner_role="Head of PMO",
    )
    return CheckResult(p, [finding])


def person_quality(
    defects: pd.DataFrame,
    staff: pd.DataFrame | None = None,
    *,
    as_of: pd.Timestamp,
    period_start: pd.Timestamp | None = None,
    alpha: float = 0.05,
    severe: tuple[str, ...] = ("critical", "high"),
) -> pd.DataFrame:
    """Defects attributed to each person per time worked, against their peers.

    The exposure is the days each person was employed between ``period_start`` (else the
    first defect) and ``as_of``, from ``staff`` hire and leave dates: a person who joined in
    October cannot be compared on raw counts with one who worked all year. The people
    compared are everyone in ``staff`` whose role carries attributed defects, with or without
    one, so a person with no defect counts too. A person's peer rate is that of the others in
    the same home segment (the person left out), ``expected`` is what the peer rate gives
    over the person's days, and ``ratio`` and the one-sided Poisson ``p_value`` say whether
    the person stands out.

    Returns
    -------
    pandas.DataFrame
        person_id, defects, days, defects_per_year with its Garwood interval (``ci_low``,
        ``ci_high``, per year), severe_share, median_close_days, name, role, home_segment,
        peer_rate (per year), expected, ratio, p_value; most defects per year first.
    """
    if "person_id" not in defects.columns:
        return pd.DataFrame()
    found = pd.to_datetime(defects["found_date"])
    start = pd.Timestamp(period_start) if period_start is not None else found.min()
    d = defects.loc[defects["person_id"].notna() & (found <= as_of) & (found >= start)].copy()
    d["person_id"] = d["person_id"].astype(str)  # the ids staff is matched on
    d["severe"] = d["severity"].astype("string").str.lower().isin(severe)
    if "closed_date" in d.columns:
        d["close_days"] = (d["closed_date"] - d["found_date"]).dt.days.where(
            d["closed_date"] <= as_of
        )
    else:
        d["close_days"] = np.nan
    people = _exposed_people(d, staff, start, as_of)
    g = d.groupby("person_id")
    out = people.set_index("person_id")
    out["defects"] = g.size().reindex(out.index).fillna(0).astype(int)
    out["severe_share"] = g["severe"].mean().reindex(out.index).round(3)
    out["median_close_days"] = g["close_days"].median().reindex(out.index)
    years = out["days"] / 365.25
    with np.errstate(divide="ignore", invalid="ignore"):
        out["defects_per_year"] = (out["defects"] / years).round(3)
        lo, hi = poisson_interval(out["defects"], alpha)
        out["ci_low"], out["ci_high"] = (lo / years).round(3), (hi / years).round(3)
        # Peers: everyone else in the home segment.
        seg = out["home_segment"].fillna("Unknown")
        seg_defects = out.groupby(seg)["defects"].transform("sum")
        seg_days = out.groupby(seg)["days"].transform("sum")
        peer_per_day = (seg_defects - out["defects"]) / (seg_days - out["days"])
        out["peer_rate"] = (peer_per_day * 365.25).round(3)
        out["expected"] = (peer_per_day * out["days"]).round(3)
        out["ratio"] = (out["defects"] / (peer_per_day * out["days"])).round(2)
    out["p_value"] = stats.poisson.sf(out["defects"] - 1, peer_per_day * out["days"])
    out = out.reset_index()
    lead = ["person_id", "defects", "days", "defects_per_year", "ci_low", "ci_high"]
    out = out[lead + [c for c in out.columns if c not in lead]]
    return out.sort_values(["defects_per_year", "defects"], ascending=False).reset_index(drop=True)


def _exposed_people(
    defects: pd.DataFrame, staff: pd.DataFrame | None, start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    """Everyone who could carry a defect, with their days employed in ``[start, end]``.

    Without staff, only the attributed people, each exposed for the whole window.
    """
    window = (end - start).days + 1
    ids = sorted(defects["person_id"].astype(str).unique())
    attributed = pd.DataFrame({"person_id": pd.Series(ids, dtype=object)})
    if staff is None or staff.empty:
        return attributed.assign(days=float(window), name=pd.NA, role=pd.NA, home_segment=pd.NA)
    st = _names(staff).assign(person_id=lambda f: f["person_id"].astype(str))
    roles = set(st.loc[st["person_id"].isin(attributed["person_id"]), "role"].dropna())
    pool = st.loc[st["person_id"].isin(attributed["person_id"]) | st["role"].isin(roles)]
    pool = attributed.merge(pool, on="person_id", how="outer")
    dates = staff.assign(person_id=staff["person_id"].astype(str)).set_index("person_id")
    hired = pd.to_datetime(pool["person_id"].map(dates.get("hire_date", pd.Series(dtype=object))))
    left = pd.to_datetime(pool["person_id"].map(dates.get("leave_date", pd.Series(dtype=object))))
    first = hired.where(hired > start, start).fillna(start)
    last = left.where(left < end, end).fillna(end)
    pool["days"] = ((last - first).dt.days + 1).clip(lower=0).astype("float64")
    return pool.loc[pool["days"] > 0].reset_index(drop=True)


def training_vs_results(
    trainings: pd.DataFrame, perf: pd.DataFrame | None = None, quality: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training hours per person against delivery and quality, with Spearman correlations.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        The per-person table (hours, courses, shrunk on-time rate, defects per year) and one
        row per result measure: ``result, n, spearman_rho, p_value`` (NaN below 5 people).
    """
    hours = trainings.groupby("person_id").agg(
        training_hours=("hours", "sum"), courses=("course", "nunique")
    )
    table = hours.copy()
    if perf is not None and not perf.empty:
        table = table.join(perf.set_index("person_id")[["shrunk_rate", "delivered"]], how="outer")
    if quality is not None and not quality.empty:
        table = table.join(quality.set_index("person_id")[["defects_per_year"]], how="outer")
    table["training_hours"] = table["training_hours"].fillna(0.0)
    table["courses"] = table["courses"].fillna(0).astype(int)
    rows = []
    for col, label in (
        ("shrunk_rate", "on-time rate (shrunk)"),
        ("defects_per_year", "defects per year worked"),
    ):
        if col not in table.columns:
            continue
        sub = table[["training_hours", col]].dropna()
        if len(sub) >= 5 and sub["training_hours"].nunique() > 1 and sub[col].nunique() > 1:
            res = stats.spearmanr(sub["training_hours"], sub[col])
            rows.append(
                {
                    "result": label,
                    "n": len(sub),
                    "spearman_rho": round(float(res.statistic), 3),
                    "p_value": float(res.pvalue),
                }
            )
        else:
            rows.append({"result": label, "n": len(sub), "spearman_rho": np.nan, "p_value": np.nan})
    table.index.name = "person_id"
    return table.reset_index(), pd.DataFrame(rows)


def key_players(perf: pd.DataFrame, *, top: int = 5, min_n: int = 10) -> pd.DataFrame:
    """PMs who carry the most revenue while delivering reliably, best first.

    Ranked by invoiced revenue weighted by the shrunk on-time rate (so a large but late
    portfolio does not top the list); PMs below ``min_n`` milestones due are left out.
    """
    p = perf.loc[perf["due"] >= min_n].copy()
    p["score"] = (p["invoiced"] * p["shrunk_rate"]).round(2)
    return p.sort_values("score", ascending=False).head(top).reset_index(drop=True)


def role_candidates(
    perf: pd.DataFrame,
    quality: pd.DataFrame | None = None,
    training: pd.DataFrame | None = None,
    *,
    alpha: float = 0.05,
    min_n: int = 10,
    min_ratio: float = 2.0,
) -> pd.DataFrame:
    """People to consider for a role change or training, each with the evidence.

    - ``larger portfolio / mentor``: a PM whose on-time interval lies wholly above peers;
    - ``training: schedule management``: a PM whose interval lies wholly below peers;
    - ``quality coaching``: a person with at least ``min_ratio`` times the defects that
      segment peers' rate gives over the same days worked, and a Poisson p-value below
      ``alpha``.
    Training hours already taken are added to the evidence.
    """
    rows = []
    hours = (
        training.set_index("person_id")["training_hours"]
        if training is not None and not training.empty
        else pd.Series(dtype="float64")
    )
    p = perf.copy()
    total_s, total_n = p["on_time"].sum(), p["due"].sum()
    p["peer_rate"] = (total_s - p["on_time"]) / (total_n - p["due"])
    for _, r in p.loc[p["due"] >= min_n].iterrows():
        evidence = (
            f"{int(r['on_time'])}/{int(r['due'])} milestones due on time "
            f"({r['ci_low']:.0%}-{r['ci_high']:.0%}) vs peers {r['peer_rate']:.0%}"
        )
        if r["ci_low"] > r["peer_rate"]:
            rows.append(
                {
                    "person_id": r["person_id"],
                    "name": r.get("name"),
                    "suggestion": "larger portfolio / mentor",
                    "evidence": evidence,
                }
            )
        elif r["ci_high"] < r["peer_rate"]:
            rows.append(
                {
                    "person_id": r["person_id"],
                    "name": r.get("name"),
                    "suggestion": "training: schedule management",
                    "evidence": evidence,
                }
            )
    if quality is not None and not quality.empty:
        for _, r in quality.loc[
            (quality["ratio"] >= min_ratio) & (quality["p_value"] < alpha)
        ].iterrows():
            rows.append(
                {
                    "person_id": r["person_id"],
                    "name": r.get("name"),
                    "suggestion": "quality coaching",
                    "evidence": (
                        f"{int(r['defects'])} defects attributed in {int(r['days'])} days "
                        f"worked vs {r['expected']:.1f} expected at the rate of segment peers "
                        f"(p={r['p_value']:.2g})"
                    ),
                }
            )
    out = pd.DataFrame(rows, columns=["person_id", "name", "suggestion", "evidence"])
    out["training_hours"] = out["person_id"].map(hours).fillna(0.0)
    return out
