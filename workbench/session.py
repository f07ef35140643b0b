"""What a playbook notebook calls: one object per run of a playbook on an engagement.

``start(name, globals())`` reads the notebook's parameters from its namespace, checks them
against ``playbook.yaml``, loads and validates the engagement's input tables, and returns a
:class:`PlaybookSession`. ``pb.run(library)`` calls the playbook library's ``run`` (the
contract of :mod:`workbench.result`) and records its findings, metrics and limitations; the
notebook then shows the tables, charts and narrative of the :class:`~workbench.result.Result`
through the session, so every chapter has the same look and every number reaches
``metrics.csv``. ``finish()`` emits the results bundle that the runner and
``workbench report`` read back from the executed notebook.

Parameters have one rule of precedence. Run by ``workbench run``, the notebook receives every
value resolved (playbook default, then ``engagement.yaml``, then the command line) and uses
them as given. Run by hand, a value typed in the parameters cell (one that differs from the
playbook default) wins; where the cell keeps the default, ``engagement.yaml``'s value
applies, so that "Run all" reproduces ``workbench run``. Every ``engagement.yaml`` value in
play is shown in the notebook's output with what became of it.
"""

from __future__ import annotations

import inspect
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
from IPython.display import Markdown, display

from workbench import __version__
from workbench.engagement import LoadedEngagement, load_engagement, read_yaml
from workbench.errors import InputError
from workbench.findings import Finding, Metric, sort_findings
from workbench.io import load_inputs
from workbench.io.loader import LoadResult
from workbench.paths import demo_dir
from workbench.playbooks import PlaybookSpec, get_playbook
from workbench.report.markup import md_text
from workbench.result import Chart, Period, Result

RESULTS_MIME = "application/vnd.workbench.results+json"
#: MIME type of a report table as data (beside its HTML), for documents that build native
#: tables (Word, PowerPoint); the HTML report ignores it.
TABLE_MIME = "application/vnd.workbench.table+json"
#: Most points a finding of each severity takes off a playbook's score of 100; a finding
#: takes half of it at least and all of it when it touches the whole population.
SCORE_PENALTY = {"critical": 15.0, "high": 6.0, "medium": 2.5, "low": 1.0, "info": 0.0}
SCORE_METHOD = (
    "Unless a chapter states its own, its score starts at 100 and each finding takes off "
    "W x (0.5 + 0.5 x share of the population affected), with W = 15 critical, 6 high, "
    "2.5 medium, 1 low, 0 info; the score does not go below 0."
)


class Params(dict[str, Any]):
    """Parameters with attribute access (``pb.params.spi_red``)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"no parameter {name!r}; declared: {', '.join(self)}") from None


def _code_for(check: str) -> str:
    words = [w for w in re.split(r"[^A-Za-z0-9]+", check) if w]
    if len(words) >= 2:
        return "".join(w[0] for w in words[:5]).upper()
    return (words[0][:4] if words else "GEN").upper()


def format_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Numbers with thousands separators, dates as ISO days, empty cells blank."""
    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_bool_dtype(s):
            out[col] = s.map(lambda v: "" if pd.isna(v) else ("yes" if v else "no"))
        elif pd.api.types.is_integer_dtype(s):
            out[col] = s.map(lambda v: "" if pd.isna(v) else f"{int(v):,}")
        elif pd.api.types.is_float_dtype(s):
            finite = s.dropna()
            integral = (
                bool(len(finite)) and bool((finite % 1 == 0).all()) and finite.abs().max() >= 100
            )
            small = bool(len(finite)) and finite.abs().max() < 10
            fmt = "{:,.0f}" if integral else ("{:,.3f}" if small else "{:,.2f}")
            out[col] = s.map(lambda v, f=fmt: "" if pd.isna(v) else f.format(v))
        elif pd.api.types.is_datetime64_any_dtype(s):
            out[col] = s.dt.strftime("%Y-%m-%d").fillna("")
        else:
            out[col] = s.map(_cell_text)
    return out


def _cell_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, (list, tuple, set)):  # sample keys and id lists read as a list
        return ", ".join(str(v) for v in value)
    return str(value)


def table_html(
    df: pd.DataFrame, *, title: str | None = None, max_rows: int = 25, note: str | None = None
) -> str:
    """A report table: escaped, numbers right-aligned, long tables cut with a note; an
    empty table is one line saying nothing was found, not a bare header."""
    if df.empty:
        heading = f'<p class="wb-table-title">{_esc(title)}</p>\n' if title else ""
        extra = f" {_esc(note)}" if note else ""
        return f'{heading}<p class="wb-table-note wb-none">None found.{extra}</p>'
    shown = df.head(max_rows) if max_rows and len(df) > max_rows else df
    numeric = [
        c
        for c in df.columns
        if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
    ]
    formatted = format_frame(shown.reset_index(drop=True))
    # snake_case names read as words and may wrap, so wide tables fit the page
    labels = {c: str(c).replace("_", " ") for c in df.columns}
    formatted.columns = [labels[c] for c in df.columns]
    body = formatted.to_html(index=False, escape=True, border=0, classes=["wb-table"], na_rep="")
    for col in numeric:  # mark numeric columns so the stylesheet right-aligns them
        label = _esc(labels[col])
        body = body.replace(f"<th>{label}</th>", f'<th class="num">{label}</th>', 1)
    parts = []
    if title:
        parts.append(f'<p class="wb-table-title">{_esc(title)}</p>')
    parts.append(f'<div class="wb-table-wrap">{body}</div>')
    if len(df) > len(shown):
        parts.append(
            f'<p class="wb-table-note">Showing {len(shown):,} of {len(df):,} rows; the '
            "full list is in the findings register and the working-paper notebook.</p>"
        )
    if note:
        parts.append(f'<p class="wb-table-note">{_esc(note)}</p>')
    return "\n".join(parts)


def table_data(
    df: pd.DataFrame, *, title: str | None = None, max_rows: int = 25, note: str | None = None
) -> dict[str, Any]:
    """A report table as data: the rows and labels :func:`table_html` shows, as text.

    Parameters
    ----------
    df : DataFrame
        The table.
    title, note : str, optional
        Shown above and below it.
    max_rows : int
        Rows shown; the rest are counted in ``total_rows`` (0 shows every row).

    Returns
    -------
    dict
        ``{"title", "note", "columns", "rows", "numeric", "total_rows"}``: column labels,
        formatted cells (lists of str), the labels of numeric columns (right-aligned), and
        how many rows the full table has.
    """
    shown = df.head(max_rows) if max_rows and len(df) > max_rows else df
    labels = [str(c).replace("_", " ") for c in df.columns]
    numeric = [
        label
        for c, label in zip(df.columns, labels, strict=True)
        if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
    ]
    formatted = format_frame(shown.reset_index(drop=True))
    return {
        "title": title or "",
        "note": note or "",
        "columns": labels,
        "rows": formatted.astype(str).values.tolist(),
        "numeric": numeric,
        "total_rows": len(df),
    }


def _esc(text: str) -> str:
    import html

    return html.escape(text, quote=True)


class CriteriaFiles(Mapping[str, Any]):
    """A playbook's criteria by name, each read when first asked for (see
    :meth:`PlaybookSession.criteria`); what a library's ``run`` receives as ``criteria``."""

    def __init__(self, session: PlaybookSession) -> None:
        self._session = session
        self._read: dict[str, Any] = {}

    def _names(self) -> list[str]:
        folder = self._session.spec.folder / "criteria"
        return sorted({p.stem for p in folder.glob("*") if p.suffix in (".csv", ".yaml", ".yml")})

    def __getitem__(self, name: str) -> Any:
        if name not in self._read:
            self._read[name] = self._session.criteria(name)
        return self._read[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())


class PlaybookSession:
    """One playbook run on one engagement (see the module docstring)."""

    def __init__(
        self,
        spec: PlaybookSpec,
        engagement: LoadedEngagement,
        params: Params,
        loaded: LoadResult,
        output_dir: Path | None,
    ) -> None:
        self.spec = spec
        self.name = spec.name
        self.engagement_dir = engagement.folder
        self.engagement = engagement.config
        self._loaded_engagement = engagement
        self.params = params
        self.tables: dict[str, pd.DataFrame] = loaded.tables
        self.validation = loaded.report
        self.provenance = loaded.provenance
        self.output_dir = output_dir
        self.findings: list[Finding] = []
        self.metric_rows: list[Metric] = []
        self.limitations: list[dict[str, str]] = []
        self.result: Result | None = None
        self._counters: dict[str, int] = {}

    @property
    def period(self) -> Period:
        """The engagement period."""
        return Period.of(self.engagement.period.start, self.engagement.period.end)

    # -- data -----------------------------------------------------------------------------
    def has(self, *names: str) -> bool:
        """All of these tables are present (and passed validation)."""
        return all(n in self.tables for n in names)

    def table(self, name: str) -> pd.DataFrame:
        if name not in self.tables:
            raise KeyError(f"table {name!r} was not provided for this engagement")
        return self.tables[name]

    def criteria(self, name: str) -> Any:
        """An editable criteria file of this playbook; a client file of the same name in the
        engagement's inputs (``inputs: {required_documents: ...}``) overrides it, except a
        catalogue (a criteria table with a ``synonyms`` column), which the client's file
        extends: its entries are added, and replace shipped entries of the same name."""
        inputs = self.engagement.inputs
        shipped_csv = self.spec.folder / "criteria" / f"{name}.csv"
        if name in inputs and shipped_csv.exists():
            shipped = pd.read_csv(shipped_csv, keep_default_na=False, na_values=[""])
            if "synonyms" in shipped.columns:
                from workbench.classify import extend_catalogue

                client = self._client_criteria(name)
                return extend_catalogue(shipped, client, str(shipped.columns[0]))
        if name in inputs:
            return self._client_criteria(name)
        folder = self.spec.folder / "criteria"
        for suffix in (".csv", ".yaml", ".yml"):
            path = folder / f"{name}{suffix}"
            if path.exists():
                if suffix == ".csv":
                    return pd.read_csv(path, keep_default_na=False, na_values=[""])
                return read_yaml(path)
        available = sorted(p.stem for p in folder.glob("*")) if folder.exists() else []
        raise KeyError(f"no criteria {name!r} for {self.name} (available: {', '.join(available)})")

    def _client_criteria(self, name: str) -> pd.DataFrame:
        """The client's own version of a criteria table, from the engagement's inputs."""
        inputs = self.engagement.inputs
        from workbench.contracts import normalise_name
        from workbench.io.readers import read_raw

        spec = inputs[name]
        raw = read_raw(self._loaded_engagement.input_path(name), spec.sheet).frame
        raw.columns = [normalise_name(c) for c in raw.columns]
        raw = raw.dropna(how="all").reset_index(drop=True)
        for col in raw.columns:  # numbers typed as text in a CSV become numbers again
            as_number = pd.to_numeric(raw[col], errors="coerce")
            if raw[col].notna().any() and as_number[raw[col].notna()].notna().all():
                raw[col] = as_number
        return raw

    # -- the playbook's library ------------------------------------------------------------
    def run(self, library: ModuleType) -> Result:
        """Run the playbook's library on this engagement and record what it found.

        Parameters
        ----------
        library : module
            A playbook library: it has ``Params`` and ``run`` (see :mod:`workbench.result`).

        Returns
        -------
        Result
            Its findings recorded (numbered ``PM-EVM-001``...), its metrics and limitations
            recorded; the notebook shows the rest.
        """
        params = library.Params.from_values(self.params)
        accepted = inspect.signature(library.run).parameters
        resources = {
            "currency": self.engagement.currency,
            "engagement": self._loaded_engagement,
        }
        result: Result = library.run(
            self.tables,
            CriteriaFiles(self),
            params,
            self.period,
            **{k: v for k, v in resources.items() if k in accepted},
        )
        self.record(result.findings)
        self.metrics(result.metrics)
        self.limitations += [{"check": c, "reason": r} for c, r in result.limitations]
        self.result = result
        return result

    # -- evidence -------------------------------------------------------------------------
    def record(self, findings: Finding | Iterable[Finding] | None) -> list[Finding]:
        """Record findings; each gets its id (``PM-EVM-001``) and this playbook's name."""
        if findings is None:
            return []
        items = [findings] if isinstance(findings, Finding) else list(findings)
        for f in items:
            code = (f.code or _code_for(f.check)).upper()
            self._counters[code] = self._counters.get(code, 0) + 1
            f.playbook = self.name
            f.id = f"{self.spec.prefix}-{code}-{self._counters[code]:03d}"
            self.findings.append(f)
        return items

    def metric(
        self,
        metric: str,
        value: Any,
        unit: str = "",
        entity_type: str = "",
        entity_id: Any = "",
        period: Any = "",
    ) -> None:
        self.metric_rows.append(
            Metric(metric, value, unit, entity_type, str(entity_id), str(period), self.name)
        )

    def metrics(self, rows: Iterable[Metric]) -> None:
        for row in rows:
            row.playbook = self.name
            self.metric_rows.append(row)

    def limitation(self, check: str, reason: str) -> None:
        """A check that could not run, and why: shown here and listed in the appendix."""
        self.limitations.append({"check": check, "reason": reason})
        display(Markdown(_not_assessed(check, reason)))

    def show_limitations(self) -> None:
        """Every limitation recorded so far, one line each (or that there is none)."""
        if not self.limitations:
            display(Markdown("*Every check ran on complete data.*"))
        for item in self.limitations:
            display(Markdown(_not_assessed(item["check"], item["reason"])))

    # -- presentation ---------------------------------------------------------------------
    def show(
        self,
        df: pd.DataFrame,
        title: str | None = None,
        max_rows: int = 25,
        note: str | None = None,
    ) -> None:
        html = table_html(df, title=title, max_rows=max_rows, note=note)
        data = table_data(df, title=title, max_rows=max_rows, note=note)
        plain = f"{title or 'Table'} ({len(df):,} rows)"
        display({"text/html": html, TABLE_MIME: data, "text/plain": plain}, raw=True)

    def figure(self, fig: Any, alt: str = "") -> None:
        """A chart with its alt text: a matplotlib Figure, or a
        :class:`~workbench.result.Chart` of the result (drawn now, with its own alt text)."""
        from workbench.charts import figure_output

        if isinstance(fig, Chart):
            fig, alt = fig.render()
        bundle, metadata = figure_output(fig, alt)
        display(bundle, raw=True, metadata=metadata)

    def md(self, text: str) -> None:
        display(Markdown(text))

    # -- closing --------------------------------------------------------------------------
    def score(self) -> float:
        """The default chapter score (see :data:`SCORE_METHOD`)."""
        penalty = sum(
            SCORE_PENALTY[f.severity] * (0.5 + 0.5 * min(1.0, f.exceptions.share or 0.0))
            for f in self.findings
        )
        return round(max(0.0, 100.0 - penalty), 1)

    def results(self, score: float | None = None) -> dict[str, Any]:
        findings = sort_findings(self.findings)
        return {
            "playbook": self.name,
            "title": self.spec.title,
            "version": __version__,
            "engagement": {
                "client": self.engagement.client,
                "engagement": self.engagement.engagement,
                "period_start": self.engagement.period.start.isoformat(),
                "period_end": self.engagement.period.end.isoformat(),
                "currency": self.engagement.currency,
            },
            "findings": [f.to_dict() for f in findings],
            "metrics": [m.to_row() for m in self.metric_rows],
            "limitations": self.limitations,
            "score": self._score(score),
        }

    def _score(self, score: float | None) -> float:
        """The score given, else the result's own, else the default method's."""
        if score is None and self.result is not None:
            score = self.result.score
        return self.score() if score is None else float(score)

    def finish(self, score: float | None = None) -> dict[str, Any]:
        """Show the chapter's findings and emit the results bundle."""
        bundle = self.results(score)
        rows = [
            {
                "id": f["id"],
                "severity": f["severity"],
                "area": f["area"],
                "finding": f["title"],
                "exceptions": f["exceptions"]["count"],
                "value": f["exceptions"]["value"],
            }
            for f in bundle["findings"]
        ]
        frame = pd.DataFrame(
            rows, columns=["id", "severity", "area", "finding", "exceptions", "value"]
        )
        title = f"Findings of this chapter ({len(rows)})"
        html = table_html(frame, title=title, max_rows=60)
        data = table_data(frame, title=title, max_rows=60)
        display({RESULTS_MIME: bundle, "text/html": html, TABLE_MIME: data}, raw=True)
        return bundle


def _not_assessed(check: str, reason: str) -> str:
    # both name client data (a table, a segment): text, never markup
    return f"> **Not assessed — {md_text(check)}.** {md_text(reason)}"


def _from_namespace(
    spec: PlaybookSpec, namespace: Mapping[str, Any], engagement: LoadedEngagement
) -> tuple[Params, list[str]]:
    """The parameters of a notebook run and, run by hand, a note on each engagement.yaml
    value in play (see the module docstring for the rule)."""
    where = f"notebook {spec.name}"
    injected = namespace.get("output_dir") is not None  # the runner always sets it
    overrides = engagement.config.parameters.get(spec.name, {})
    values: dict[str, Any] = {}
    notes: list[str] = []
    if not injected:
        values.update(overrides)
    for name, param in spec.parameters.items():
        if param.secret:
            # A secret is not passed through the notebook (papermill writes what it injects
            # into the working paper): the kernel reads it from the engagement itself.
            if name in overrides:
                values[name] = overrides[name]
            elif name in namespace and not injected:
                values[name] = namespace[name]
            continue
        if name not in namespace:
            continue
        typed = namespace[name]
        if injected or name not in overrides:
            values[name] = typed
        elif _differs(param.check(typed, where), param.check(param.default, where)):
            values[name] = typed  # by hand, what the analyst typed wins
            notes.append(
                f"`{name}` = {typed!r} from the parameters cell; engagement.yaml's "
                f"{overrides[name]!r} is not used in this run."
            )
        else:
            notes.append(
                f"`{name}` = {overrides[name]!r} from engagement.yaml (the parameters cell "
                f"keeps the playbook default {param.default!r})."
            )
    return Params(spec.resolve_parameters(values, where)), notes


def _differs(a: Any, b: Any) -> bool:
    return bool(a != b) or type(a) is not type(b)


def resolve_engagement_dir(value: Any) -> Path:
    if value:
        return Path(str(value)).expanduser()
    env = os.environ.get("WORKBENCH_ENGAGEMENT")
    if env:
        return Path(env).expanduser()
    folder = demo_dir()
    if not (folder / "engagement.yaml").exists():
        from workbench.demo import build_demo

        build_demo(folder)
    return folder


def start(playbook: str, namespace: Mapping[str, Any]) -> PlaybookSession:
    """Begin a playbook run from a notebook: ``pb = start("bi-assessment", globals())``."""
    spec = get_playbook(playbook)
    engagement = load_engagement(resolve_engagement_dir(namespace.get("engagement_dir")))
    params, notes = _from_namespace(spec, namespace, engagement)
    loaded = load_inputs(engagement, spec.inputs)
    missing = [t for t in spec.required_inputs if t not in loaded.tables]
    errors = [i for i in loaded.report.errors if i.table in spec.inputs]
    if errors:
        raise InputError(
            "the inputs do not pass their contracts:\n" + "\n".join(i.render() for i in errors)
        )
    if missing:
        raise InputError(
            f"{spec.name} needs the table(s) {', '.join(missing)}, which the "
            f"engagement does not provide"
        )
    from workbench.charts import apply_style

    apply_style()
    if notes:
        display(
            Markdown(
                "**Parameters set in engagement.yaml.** A value typed in the parameters cell "
                "wins; where the cell keeps the playbook default, engagement.yaml's applies.\n\n"
                + "\n".join(f"- {note}" for note in notes)
            )
        )
    output_dir = namespace.get("output_dir")
    return PlaybookSession(
        spec, engagement, params, loaded, Path(output_dir) if output_dir else None
    )


__all__ = [
    "RESULTS_MIME",
    "TABLE_MIME",
    "CriteriaFiles",
    "Params",
    "PlaybookSession",
    "start",
    "table_data",
    "table_html",
]
