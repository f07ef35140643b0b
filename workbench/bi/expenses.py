"""Expense analytics for the BI chapter, run through the audit-analytics toolkit.

Nothing here re-implements a test: Benford, duplicates, sequence gaps and sampling are the
functions of :mod:`workbench.analytics`; this module only chooses what to run on the
``expenses`` and ``invoices`` tables with the playbook's parameters and gathers the tables
and findings for the notebook. Toolkit modules that are not installed are reported by
:func:`missing_modules` so the chapter can state the limitation instead of failing.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from workbench.findings import CheckResult, Finding, Metric, finding_from_ids
from workbench.frames import present

if TYPE_CHECKING:
    from workbench.analytics import sampling

AREA = "Expense analytics"
TOOLKIT = ("benford", "duplicates", "gaps", "ledger", "outliers", "sampling")
#: Digit tests of the amounts shown in the chapter: Nigrini's first-order tests (first, second
#: and first-two digits) and last-two digits; his second-order test (on the differences of
#: the sorted amounts) is run beside them, with the summation test and number duplication.
BENFORD_TESTS = ("first_digit", "second_digit", "first_two_digits", "last_two_digits")
#: The order the summary shows the tests in.
_BENFORD_ORDER = (
    "first_digit",
    "second_digit",
    "first_two_digits",
    "second_order",
    "last_two_digits",
)


def missing_modules() -> list[str]:
    """Toolkit modules of :data:`TOOLKIT` that are not available."""
    return [m for m in TOOLKIT if importlib.util.find_spec(f"workbench.analytics.{m}") is None]


@dataclass
class BenfordRun:
    """Benford results for one table: Nigrini's minimum set of digit tests.

    ``summary`` has one row per test (population rule, N, MAD, the MAD over every positive
    amount beside it, verdict); ``summation`` and ``duplication`` are the summation test
    and the number duplication test; ``drill_down`` the records behind the spiking
    first-two digits.
    """

    summary: pd.DataFrame
    results: dict[tuple[str, str], Any]
    summation: Any
    drill_down: pd.DataFrame
    findings: list[Finding] = field(default_factory=list)
    duplication: pd.DataFrame = field(default_factory=pd.DataFrame)
    min_amount: float = 10.0

    def rule(self) -> str:
        """The population rule in words, for the chapter."""
        from workbench.analytics.benford import population_rule

        row = self.summary.set_index("test").loc["first_digit"] if len(self.summary) else None
        text = population_rule(self.min_amount)
        if row is not None and self.min_amount:
            below = int(row["excluded_below_min"])
            text += (
                f": {int(row['n']):,} of the {int(row['amounts']):,} positive amounts "
                f"({below:,} below {self.min_amount:g} left out, Nigrini's practice; the MAD "
                "over every positive amount is shown beside)"
                if below
                else f": all {int(row['amounts']):,} positive amounts"
            )
        return text

    def view(self) -> pd.DataFrame:
        """The summary as the chapter shows it: MADs to five decimals, the context kept short
        (the full summary, chi-square and KS included, is in the working paper)."""
        from workbench.analytics.benford import label

        s = self.summary

        def mad(column: str) -> pd.Series:
            return s[column].map(lambda v: "" if pd.isna(v) else f"{v:.5f}")

        return pd.DataFrame(
            {
                "test": s["test"].map(label),
                "positive amounts": s["amounts"],
                "tested (rule)": s["n"],
                "MAD": mad("mad"),
                "MAD, all amounts": mad("mad_all_amounts"),
                "MAD expected by chance": mad("expected_mad"),
                "verdict (Nigrini table 7.1)": s["verdict"].fillna("no table: inspect"),
                "chi-square p": s["chi_square_p"].map(lambda v: f"{v:.3f}"),
                "digits spiking at 99%": s["top_spikes"],
                "caution": s["caution"],
            }
        )

    def summation_spikes(self) -> pd.DataFrame:
        """The first-two digits groups holding at least twice the even share of the total."""
        spikes = self.summation.spikes()
        return pd.DataFrame(
            {
                "first two digits": spikes["digit"],
                "records": spikes["count"],
                "amount": spikes["amount"].round(2),
                "share of the total": spikes["actual"].round(4),
                "above an even 1/90 share": spikes["excess_amount"].round(2),
            }
        ).reset_index(drop=True)


def benford(
    frame: pd.DataFrame,
    *,
    id_col: str,
    entity_type: str,
    amount_col: str = "amount",
    min_amount: float = 10.0,
) -> BenfordRun:
    """Nigrini's minimum set on positive amounts: first-order digit tests with MAD verdicts,
    the second-order test, last-two digits, summation, number duplication and drill-down.

    The population rule (amounts of ``min_amount`` or more; 0 keeps every positive amount)
    is stated in the summary, the findings and the metrics, and the MAD over every positive
    amount is given beside the rule's, so a published all-amounts figure can be compared.

    Parameters
    ----------
    frame : pandas.DataFrame
        ``expenses`` or ``invoices``.
    id_col, entity_type : str
        Record id column and its entity name for the findings.
    amount_col : str
        Amount column.
    min_amount : float
        Smaller amounts are left out of the digit tests (Nigrini's practice: 10); 0 keeps
        every positive amount.
    """
    from workbench.analytics import benford as bf

    floor = float(min_amount) or None
    results = bf.benford_tests(
        frame, amount_col=amount_col, tests=BENFORD_TESTS, signs=("positive",), min_amount=floor
    )
    results[("positive", "second_order")] = bf.second_order_test(
        frame, amount_col=amount_col, min_amount=floor
    )
    everything = results
    if floor:
        everything = bf.benford_tests(
            frame, amount_col=amount_col, tests=BENFORD_TESTS, signs=("positive",), min_amount=None
        )
        everything[("positive", "second_order")] = bf.second_order_test(
            frame, amount_col=amount_col, min_amount=None
        )
    ordered = {("positive", t): results[("positive", t)] for t in _BENFORD_ORDER}
    summary = bf.benford_summary(ordered)
    summary.insert(
        summary.columns.get_loc("mad") + 1,
        "mad_all_amounts",
        [
            everything[("positive", t)].mad if ("positive", t) in everything else np.nan
            for t in _BENFORD_ORDER
        ],
    )
    summation = bf.summation_test(frame, amount_col=amount_col, min_amount=floor)
    duplication = bf.number_duplication(frame, amount_col=amount_col, min_amount=floor, top=10)
    findings = []
    for key, result in results.items():
        if key[1] == "second_order":
            continue  # shown for inspection: a difference names no record to follow up
        all_mad = everything[key].mad if floor and key in everything else None
        finding = bf.benford_finding(
            result,
            frame,
            amount_col=amount_col,
            id_col=id_col,
            entity_type=entity_type,
            area=AREA,
            all_amounts_mad=all_mad,
        )
        if finding is not None:
            findings.append(finding)
    first_two = results[("positive", "first_two_digits")]
    spikes = first_two.spikes()["digit"].head(3).tolist()
    drill = (
        bf.drill_down(
            frame, spikes, test="first_two_digits", amount_col=amount_col, min_amount=min_amount
        )
        if spikes
        else frame.iloc[0:0]
    )
    return BenfordRun(summary, results, summation, drill, findings, duplication, float(min_amount))


def benford_metrics(run: BenfordRun, table: str) -> list[Metric]:
    """The numbers of a Benford run as metric rows (``benford.<table>.<test>.<measure>``),
    the population rule included."""
    rows = [Metric(f"benford.{table}.min_amount", run.min_amount, "currency")]
    for r in run.summary.itertuples(index=False):
        for measure, unit in (
            ("amounts", "count"),
            ("n", "count"),
            ("excluded_below_min", "count"),
            ("mad", "share"),
            ("mad_all_amounts", "share"),
            ("expected_mad", "share"),
        ):
            value = getattr(r, measure)
            if value is not None and not pd.isna(value):
                rows.append(Metric(f"benford.{table}.{r.test}.{measure}", float(value), unit))
    rows.append(Metric(f"benford.{table}.summation.mad", run.summation.mad, "share"))
    for d in run.duplication.itertuples(index=False):
        rows.append(
            Metric(
                f"benford.{table}.duplication.count",
                float(d.count),
                "count",
                "amount",
                f"{d.amount:g}",
            )
        )
    return rows


@dataclass
class DuplicateRun:
    """Each duplicate test's groups, by test name, and the findings they raise."""

    groups: dict[str, pd.DataFrame]
    findings: list[Finding] = field(default_factory=list)

    def table(self) -> pd.DataFrame:
        """One row per test: groups and records found."""
        return pd.DataFrame(
            [
                {
                    "test": name,
                    "groups": int(g["group_id"].nunique()) if not g.empty else 0,
                    "records": len(g),
                }
                for name, g in self.groups.items()
            ]
        )


def duplicates(
    expenses: pd.DataFrame,
    *,
    near_amount_tolerance: float,
    near_days_window: int,
    fuzzy_score: float,
    repeat_days_window: int = 60,
) -> DuplicateRun:
    """Exact, same-same-different, same-same-near (date and amount) and similar-vendor tests.

    Parameters
    ----------
    expenses : pandas.DataFrame
        ``expenses`` table.
    near_amount_tolerance : float
        Relative amount gap for same vendor and date, near amount.
    near_days_window : int
        Days for same vendor and amount, near date.
    fuzzy_score : float
        rapidfuzz score from which two vendor names are the same party.
    repeat_days_window : int
        Days within which the same vendor and amount under another invoice number is a
        possible duplicate; a payment recurring on a schedule (rent) is set aside as
        recurring, not flagged.
    """
    from workbench.analytics import duplicates as dup

    groups: dict[str, pd.DataFrame] = {}
    findings: list[Finding] = []
    cols = present(expenses, ("vendor", "date", "amount", "invoice_number"))
    groups["exact"] = dup.exact_duplicates(expenses, cols, id_col="expense_id")
    f = dup.duplicates_finding(groups["exact"], expenses, kind="exact", same=cols)
    findings += [f] if f else []
    if "invoice_number" in expenses.columns:
        window = f"{int(repeat_days_window)}D"
        groups["same vendor and amount, different invoice number"] = dup.same_same_different(
            expenses,
            ("vendor", "amount"),
            "invoice_number",
            id_col="expense_id",
            near="date",
            window=window,
        )
        groups["same vendor and amount, recurring"] = dup.recurring_payments(
            expenses, ("vendor", "amount"), "date", window, id_col="expense_id"
        )
        f = dup.duplicates_finding(
            groups["same vendor and amount, different invoice number"],
            expenses,
            kind="same_same_different",
            same=("vendor", "amount"),
            other="invoice_number",
        )
        findings += [f] if f else []
    groups["same vendor and amount, near date"] = dup.same_same_near(
        expenses, ("vendor", "amount"), "date", f"{int(near_days_window)}D", id_col="expense_id"
    )
    groups["same vendor and date, near amount"] = dup.same_same_near(
        expenses,
        ("vendor", "date"),
        "amount",
        near_amount_tolerance,
        relative=True,
        id_col="expense_id",
    )
    near = dup.combine_groups(
        groups["same vendor and amount, near date"], groups["same vendor and date, near amount"]
    )
    if not near.empty:
        f = dup.duplicates_finding(
            near,
            expenses,
            kind="same_same_near",
            same=("vendor",),
            other="date or amount",
        )
        findings += [f] if f else []
    groups["same amount, similar vendor"] = dup.same_same_similar(
        expenses, ("amount",), "vendor", threshold=fuzzy_score, id_col="expense_id"
    )
    f = dup.duplicates_finding(
        groups["same amount, similar vendor"],
        expenses,
        kind="same_same_similar",
        same=("amount",),
        other="vendor",
    )
    findings += [f] if f else []
    return DuplicateRun(groups, findings)


def vendor_names(expenses: pd.DataFrame, *, fuzzy_score: float) -> CheckResult:
    """Vendors recorded under two or more spellings (toolkit ``similar_names`` clusters).

    Raises ``fuzzy_vendor_names`` with the look-alike names as ids: one vendor master record
    each is the fix, whatever the amounts.
    """
    from workbench.analytics import duplicates as dup

    clusters = dup.similar_names(expenses["vendor"], threshold=fuzzy_score)
    multi = clusters.loc[clusters["cluster_id"] > 0].copy()
    counts = expenses["vendor"].value_counts()
    spend = expenses.groupby("vendor")["amount"].sum()
    multi["records"] = multi["name"].map(counts).fillna(0).astype(int)
    multi["amount"] = multi["name"].map(spend).fillna(0.0).round(2)
    multi = multi.sort_values(["cluster_id", "name"]).reset_index(drop=True)
    if multi.empty:
        return CheckResult(multi)
    groups = "; ".join(" / ".join(g["name"]) for _, g in multi.groupby("cluster_id"))
    finding = finding_from_ids(
        check="fuzzy_vendor_names",
        area=AREA,
        code="VEND",
        severity="medium",
        title=f"{multi['cluster_id'].nunique()} vendor(s) recorded under several spellings",
        summary=(
            f"{len(multi)} vendor names fall in {multi['cluster_id'].nunique()} "
            f"look-alike group(s) ({groups}), holding {int(multi['records'].sum())} "
            "postings. Split vendor records defeat duplicate and limit controls."
        ),
        entity_type="vendor",
        ids=multi["name"].tolist(),
        population_count=int(expenses["vendor"].nunique()),
        population_value=float(expenses["amount"].sum()),
        exception_value=float(multi["amount"].sum()),
        recommendation="Merge each group into one vendor master record.",
        corrective_action="Re-map the postings of the variant names to the master vendor.",
        preventive_action="Check new vendor names against the master file before creation.",
        owner_role="Accounts payable",
    )
    return CheckResult(multi, [finding])


def invoice_gaps(invoices: pd.DataFrame) -> CheckResult:
    """Gaps (as ranges) and repeated numbers in the customer invoice-number sequence."""
    from workbench.analytics import gaps

    result = gaps.sequence_gaps(invoices, "invoice_number", id_col="invoice_id")
    findings = []
    f = gaps.gaps_finding(result, column="invoice_number", area="Revenue assurance")
    findings += [f] if f else []
    amount = invoices.set_index("invoice_id")["amount"]
    f = gaps.sequence_duplicates_finding(
        result,
        column="invoice_number",
        amount=amount,
        entity_type="invoice",
        area="Revenue assurance",
    )
    findings += [f] if f else []
    return CheckResult(result.gaps, findings)


def ledger_tests(
    expenses: pd.DataFrame, *, approval_limit: float, holiday_country: str, round_amount_unit: float
) -> dict[str, CheckResult]:
    """Round amounts, amounts just below the approval limit, weekend and holiday postings.

    Parameters
    ----------
    expenses : pandas.DataFrame
        ``expenses`` table.
    approval_limit : float
        Amounts in [90%, 100%) of it are just below the limit (the toolkit's band).
    holiday_country : str
        Country of the public-holiday calendar.
    round_amount_unit : float
        Amounts that are exact multiples of it (or of ten times it) are round.

    Returns
    -------
    dict
        ``{check name: CheckResult}`` with the exception rows and the toolkit's finding.
    """
    from workbench.analytics import ledger

    units = sorted({float(round_amount_unit), float(round_amount_unit) * 10})
    runs = {
        "round_amounts": (
            ledger.round_amounts(expenses, multiples=units),
            ledger.round_amounts_finding,
        ),
        "just_below_approval_limit": (
            ledger.just_below_limit(expenses, approval_limit),
            ledger.just_below_limit_finding,
        ),
        "weekend_postings": (ledger.weekend_postings(expenses), ledger.weekend_finding),
        "holiday_postings": (
            ledger.holiday_postings(expenses, country=holiday_country),
            ledger.holiday_finding,
        ),
    }
    out = {}
    for name, (rows, make) in runs.items():
        finding = make(rows, expenses, area=AREA)
        out[name] = CheckResult(rows, [finding] if finding else [])
    return out


def amount_outliers(
    expenses: pd.DataFrame, *, by: str = "category", threshold: float = 3.5
) -> CheckResult:
    """Expenses far from their group on the log scale (toolkit robust z, MAD-based).

    Amounts are multiplicative (lognormal), so the robust z-score is taken on log10 of the
    amount: on the raw scale every large but ordinary purchase would be an outlier.
    """
    from workbench.analytics import outliers

    positive = expenses.loc[expenses["amount"] > 0].copy()
    positive["log10_amount"] = np.log10(positive["amount"])
    # a group column the client left empty would leave every expense ungrouped and unscored
    group = by if by in positive.columns and positive[by].notna().any() else None
    rows = outliers.outliers(
        positive, value_col="log10_amount", by=group, method="robust", k=threshold
    )
    finding = outliers.outliers_finding(
        rows,
        positive,
        method="robust",
        by=group,
        value_col="log10_amount",
        amount_col="amount",
        area=AREA,
    )
    return CheckResult(rows, [finding] if finding else [])


@dataclass
class ExpenseSamples:
    """The attribute and monetary-unit samples drawn from the expenses for the fieldwork."""

    attribute: sampling.AttributePlan
    attribute_sample: pd.DataFrame
    mus: Any
    mus_sample: pd.DataFrame

    def table(self) -> pd.DataFrame:
        """The plan in one table for the report."""
        if self.mus is None:
            mus_row: dict[str, Any] = {
                "sample": "monetary-unit (amounts)",
                "size": 0,
                "selected": 0,
                "interval": None,
                "method": "not drawn: no expense has a positive amount",
            }
        else:
            mus_row = {
                "sample": "monetary-unit (amounts)",
                "size": self.mus.n,
                "selected": len(self.mus_sample),
                "interval": round(self.mus.interval, 2),
                "method": f"{self.mus.method}: RF {self.mus.reliability_factor}, "
                f"EF {self.mus.expansion_factor}; items >= interval tested 100%",
            }
        return pd.DataFrame(
            [
                {
                    "sample": "attribute (controls)",
                    "size": self.attribute.n,
                    "selected": len(self.attribute_sample),
                    "interval": None,
                    "method": self.attribute.method,
                },
                mus_row,
            ]
        )


def samples(
    expenses: pd.DataFrame,
    *,
    risk: float,
    tolerable_rate: float,
    tolerable_misstatement_share: float,
    seed: int,
) -> ExpenseSamples:
    """Attribute and MUS sample sizes on the expenses, with seeded, reproducible selection.

    Parameters
    ----------
    expenses : pandas.DataFrame
        The population.
    risk : float
        Risk of over-reliance / incorrect acceptance.
    tolerable_rate : float
        Tolerable deviation rate of the attribute sample.
    tolerable_misstatement_share : float
        Tolerable misstatement as a share of the book value (MUS).
    seed : int
        Selection seed (recorded in the report).
    """
    from workbench.analytics import sampling

    attribute, attr = sampling.attribute_sample(
        expenses,
        tolerable_rate=tolerable_rate,
        risk=risk,
        seed=seed,
        id_col="expense_id",
        finite_population=True,
    )
    positive = expenses.loc[expenses["amount"] > 0]
    book = float(positive["amount"].sum())
    if book <= 0:  # only credits and zero amounts: there is no monetary unit to draw
        return ExpenseSamples(attribute, attr, None, positive.iloc[0:0])
    # The AICPA factors are tabulated for a few risks only; any other risk the playbook
    # accepts takes the exact Poisson bound, and the plan names the method used.
    tabulated = any(math.isclose(risk, r) for r in sampling.RELIABILITY_FACTORS) and any(
        math.isclose(risk, r) for r in sampling.EXPANSION_FACTORS
    )
    plan = sampling.mus_sample_size(
        book,
        book * tolerable_misstatement_share,
        risk=risk,
        method="aicpa" if tabulated else "poisson",
    )
    mus = sampling.select_mus_sample(positive, "amount", seed=seed, n=plan.n, id_col="expense_id")
    return ExpenseSamples(attribute, attr, plan, mus)
