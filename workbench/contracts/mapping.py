"""Per-engagement value mappings: the client's own values placed on the data request's.

``engagement.yaml`` may say ``mappings: {projects: {phase: {"Stage 4": closing}}}``. This
module checks such a block against the contracts (the table, the column and, for a column
with allowed values, the target) and returns it normalised, so that a wrong mapping is
refused when the engagement is read, with the field named, not half-way through a run.
"""

from __future__ import annotations

from typing import Any

from workbench.contracts.schema import normalise_name
from workbench.contracts.vocabulary import normalise_value

#: column kinds whose values can be mapped (dates and numbers are read, not named)
MAPPABLE_KINDS = ("category", "bool", "text", "id")


def text_value(value: Any) -> str:
    """A YAML key or value as text: a bare ``yes`` read as a boolean is ``yes`` again."""
    # YAML reads a bare yes/no/on/off as a boolean and 1 as a number
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).strip()


def check_mappings(raw: Any) -> dict[str, dict[str, dict[str, str]]]:
    """The ``mappings`` block checked against the contracts.

    Parameters
    ----------
    raw : Any
        The block as read from YAML: table -> column -> {client value: our value}.

    Returns
    -------
    dict
        The same block with table and column names normalised, client values as written
        (trimmed) and targets turned into the allowed value they stand for.

    Raises
    ------
    ValueError
        A table or column the data request does not have, a column whose values cannot be
        mapped, or a target that is not an allowed value of its column.
    """
    from workbench.contracts.tables import CONTRACTS

    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ValueError("expected table: {column: {client value: value}}")
    out: dict[str, dict[str, dict[str, str]]] = {}
    problems: list[str] = []
    for table_name, columns in raw.items():
        table = normalise_name(table_name)
        contract = CONTRACTS.get(table)
        if contract is None:
            problems.append(f"{table_name}: not a table of the data request")
            continue
        if not isinstance(columns, dict):
            problems.append(f"{table_name}: expected column: {{client value: value}}")
            continue
        for column_name, values in columns.items():
            column = normalise_name(column_name)
            info = contract.columns.get(column)
            where = f"{table}.{column_name}"
            if info is None:
                problems.append(f"{where}: {table} has no column {column_name!r}")
                continue
            if info.kind not in MAPPABLE_KINDS:
                problems.append(f"{where}: a {info.kind} column; its values are read, not mapped")
                continue
            if not isinstance(values, dict):
                problems.append(f"{where}: expected {{client value: value}}")
                continue
            placed: dict[str, str] = {}
            for original, target in values.items():
                target_text = text_value(target)
                if info.vocabulary is not None:
                    canonical = info.vocabulary.canonical(target_text)
                    if canonical is None:
                        problems.append(
                            f"{where}: {text_value(original)!r} is mapped to {target_text!r}, "
                            f"which is not one of {', '.join(info.vocabulary.values)}"
                        )
                        continue
                    target_text = canonical
                if not target_text:
                    problems.append(
                        f"{where}: {text_value(original)!r} is mapped to an empty value"
                    )
                    continue
                placed[text_value(original)] = target_text
            out.setdefault(table, {})[column] = placed
    if problems:
        raise ValueError("; ".join(problems))
    return out


def mapping_lookup(values: dict[str, str]) -> dict[str, str]:
    """A column's mapping keyed by the normalised client value (case and spacing ignored)."""
    return {normalise_value(original): target for original, target in values.items()}
