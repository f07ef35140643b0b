"""Validation issues as the client sees them: file, table, column, rows, what was expected."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Level = Literal["error", "warning", "info"]


def format_rows(rows: Sequence[int], limit: int = 12) -> str:
    """``rows 4, 7-9, 12`` — consecutive rows folded into ranges, long lists cut."""
    if not rows:
        return ""
    ordered = sorted(set(int(r) for r in rows))
    ranges: list[tuple[int, int]] = []
    start = prev = ordered[0]
    for r in ordered[1:]:
        if r == prev + 1:
            prev = r
            continue
        ranges.append((start, prev))
        start = prev = r
    ranges.append((start, prev))
    parts = [str(a) if a == b else f"{a}-{b}" for a, b in ranges[:limit]]
    more = len(ranges) - limit
    text = ", ".join(parts) + (f" and {more} more ranges" if more > 0 else "")
    return ("row " if len(ordered) == 1 else "rows ") + text


@dataclass
class Issue:
    """One problem found in one input."""

    level: Level
    table: str
    message: str
    file: str = ""
    column: str = ""
    rows: list[int] = field(default_factory=list)
    expected: str = ""
    examples: list[str] = field(default_factory=list)
    #: what fixes it, ready to paste (a block of engagement.yaml or a command)
    fix: str = ""

    def render(self) -> str:
        where = self.file or self.table
        parts = [where]
        if self.file:
            parts.append(f"table {self.table}")
        if self.column:
            parts.append(f"column {self.column}")
        if self.rows:
            parts.append(format_rows(self.rows))
        text = ": ".join([", ".join(parts), self.message])
        if self.expected:
            text += f"; expected {self.expected}"
        if self.examples:
            text += f" (found {', '.join(repr(e) for e in self.examples[:3])})"
        if self.fix:
            text += "\n  fix, in engagement.yaml:\n" + "\n".join(
                "    " + line for line in self.fix.splitlines()
            )
        return text

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["rows"] = format_rows(self.rows)
        data["row_count"] = len(self.rows)
        return data


@dataclass
class ValidationReport:
    """Every issue of every input, in the order found."""

    issues: list[Issue] = field(default_factory=list)

    def add(self, issue: Issue) -> None:
        self.issues.append(issue)

    def extend(self, issues: Iterable[Issue]) -> None:
        self.issues.extend(issues)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def for_table(self, table: str) -> list[Issue]:
        return [i for i in self.issues if i.table == table]

    def render(self, levels: Sequence[str] = ("error", "warning")) -> str:
        lines = [f"{i.level.upper()}: {i.render()}" for i in self.issues if i.level in levels]
        return "\n".join(lines)

    def to_records(self) -> list[dict[str, Any]]:
        return [i.to_dict() for i in self.issues]
