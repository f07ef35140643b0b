"""What fixes an input problem, written so that it can be pasted as it is.

Each builder returns a block of ``engagement.yaml`` that places what the workbench could
not place by itself: values a column's vocabulary does not know, a client header that is
not the data request's name, a free-text label no catalogue entry matches. Best guesses are
filled in and marked, so that the consultant checks them rather than types them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

#: guesses below this score are offered as a choice, not filled in as the answer
GOOD_GUESS = 80.0


def quoted(text: str) -> str:
    """A YAML scalar in double quotes (JSON strings are valid YAML)."""
    return json.dumps(str(text), ensure_ascii=False)


def _guess_line(indent: str, value: str, guesses: Sequence[tuple[str, float]]) -> str:
    best, score = guesses[0]
    others = ", ".join(f"{g} {s:.0f}" for g, s in guesses[1:3])
    how = "best guess" if score >= GOOD_GUESS else "weak guess, check"
    note = f"  # {how} ({score:.0f}{'; also ' + others if others else ''})"
    return f"{indent}{quoted(value)}: {best}{note}"


def mapping_block(
    unplaced: Mapping[str, Mapping[str, Mapping[str, Sequence[tuple[str, float]]]]],
) -> str:
    """The ``mappings:`` block for values no vocabulary places.

    Parameters
    ----------
    unplaced : mapping
        table -> column -> client value -> guesses (allowed value, 0-100 score), best first.
    """
    lines = ["mappings:"]
    for table, columns in unplaced.items():
        lines.append(f"  {table}:")
        for column, values in columns.items():
            lines.append(f"    {column}:")
            for value, guesses in values.items():
                lines.append(_guess_line("      ", value, guesses))
    return "\n".join(lines)


def classify_block(
    unplaced: Mapping[str, Mapping[str, Sequence[tuple[str, float]]]],
) -> str:
    """The ``classify:`` block for free-text labels a catalogue does not classify.

    Parameters
    ----------
    unplaced : mapping
        catalogue name -> label -> guesses (class or catalogue entry, 0-100 score).
    """
    lines = ["classify:"]
    for catalogue, labels in unplaced.items():
        lines.append(f"  {catalogue}:")
        for label, guesses in labels.items():
            if guesses:
                lines.append(_guess_line("    ", label, guesses))
            else:
                lines.append(f"    {quoted(label)}: other  # no guess: name its class")
    return "\n".join(lines)


def columns_block(table: str, path: str, sheet: str | None, columns: Mapping[str, str]) -> str:
    """The ``inputs:`` entry naming the client's headers for the data request's columns."""
    lines = ["inputs:", f"  {table}:", f"    path: {quoted(path)}"]
    if sheet:
        lines.append(f"    sheet: {quoted(sheet)}")
    lines.append("    columns:")
    lines += [f"      {ours}: {quoted(theirs)}" for ours, theirs in columns.items()]
    return "\n".join(lines)
