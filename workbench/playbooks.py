"""Playbook specifications (``playbooks/<name>/playbook.yaml``) and typed parameters.

Parameters are checked here, before any kernel starts: an unknown name or a value of the
wrong type is an error that names the playbook, the parameter and what was expected.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.engagement import read_yaml
from workbench.errors import InputError
from workbench.paths import notebooks_dir, playbooks_dir

_TYPES = ("int", "float", "str", "bool", "date", "list")


@dataclass
class Parameter:
    name: str
    type: str
    default: Any = None
    description: str = ""
    min: float | None = None
    max: float | None = None
    choices: list[Any] | None = None
    secret: bool = False

    def check(self, value: Any, where: str) -> Any:
        """Return ``value`` converted to the declared type, or raise :class:`InputError`."""
        if value is None:
            return None
        expected = f"{self.type}"
        ok = True
        converted = value
        if self.type == "int":
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif self.type == "float":
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            converted = float(value) if ok else value
        elif self.type == "str":
            ok = isinstance(value, str)
        elif self.type == "bool":
            ok = isinstance(value, bool)
        elif self.type == "list":
            ok = isinstance(value, list)
        elif self.type == "date":
            if isinstance(value, dt.datetime):
                converted = value.date()
            elif isinstance(value, dt.date):
                converted = value
            elif isinstance(value, str):
                try:
                    converted = dt.date.fromisoformat(value)
                except ValueError:
                    ok = False
            else:
                ok = False
            expected = "date (YYYY-MM-DD)"
        if not ok:
            raise InputError(
                f"{where}: parameter {self.name!r} must be a {expected}, "
                f"got {self._shown(value)} ({type(value).__name__})"
            )
        if self.min is not None and converted < self.min:
            raise InputError(
                f"{where}: parameter {self.name!r} must be >= {self.min}, got {self._shown(value)}"
            )
        if self.max is not None and converted > self.max:
            raise InputError(
                f"{where}: parameter {self.name!r} must be <= {self.max}, got {self._shown(value)}"
            )
        if self.choices is not None and converted not in self.choices:
            raise InputError(
                f"{where}: parameter {self.name!r} must be one of "
                f"{', '.join(map(str, self.choices))}; got {self._shown(value)}"
            )
        return converted

    def _shown(self, value: Any) -> str:
        """The value as an error message may show it: never a secret's."""
        return "***" if self.secret else repr(value)

    def notebook_value(self, value: Any) -> Any:
        """What papermill injects (dates as ISO text; the session turns them back)."""
        return value.isoformat() if isinstance(value, dt.date) else value


@dataclass
class PlaybookSpec:
    """One playbook: its title, inputs, typed parameters and report sections."""

    name: str
    title: str
    prefix: str
    folder: Path
    summary: str = ""
    required_inputs: list[str] = field(default_factory=list)
    optional_inputs: list[str] = field(default_factory=list)
    parameters: dict[str, Parameter] = field(default_factory=dict)
    sections: list[str] = field(default_factory=list)

    @property
    def notebook(self) -> Path:
        return notebooks_dir() / f"{self.name}.ipynb"

    @property
    def inputs(self) -> list[str]:
        return self.required_inputs + self.optional_inputs

    def defaults(self) -> dict[str, Any]:
        return {n: p.default for n, p in self.parameters.items()}

    def resolve_parameters(self, overrides: dict[str, Any] | None, where: str) -> dict[str, Any]:
        """Defaults with the overrides applied, every value checked against its type."""
        values = {}
        overrides = dict(overrides or {})
        unknown = sorted(set(overrides) - set(self.parameters))
        if unknown:
            name = unknown[0]
            close = difflib.get_close_matches(name, list(self.parameters), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise InputError(
                f"{where}: unknown parameter {name!r} for playbook {self.name}{hint} "
                f"(it takes: {', '.join(self.parameters) or 'no parameters'})"
            )
        for name, param in self.parameters.items():
            values[name] = param.check(overrides.get(name, param.default), where)
        return values


def load_spec(folder: Path) -> PlaybookSpec:
    source = folder / "playbook.yaml"
    data = read_yaml(source)
    if not isinstance(data, dict):
        raise InputError(f"{source}: expected a mapping")
    params = {}
    for name, p in (data.get("parameters") or {}).items():
        p = dict(p or {})
        ptype = p.pop("type", "str")
        if ptype not in _TYPES:
            raise InputError(
                f"{source}: parameter {name!r} has unknown type {ptype!r}; "
                f"use one of {', '.join(_TYPES)}"
            )
        known = {
            k: p[k] for k in ("default", "description", "min", "max", "choices", "secret") if k in p
        }
        params[name] = Parameter(name=name, type=ptype, **known)
        if params[name].default is not None:
            params[name].default = params[name].check(params[name].default, str(source))
    inputs = data.get("inputs") or {}
    return PlaybookSpec(
        name=data.get("name", folder.name),
        title=data.get("title", folder.name),
        prefix=data.get("prefix", folder.name[:2].upper()),
        folder=folder,
        summary=data.get("summary", ""),
        required_inputs=list(inputs.get("required") or []),
        optional_inputs=list(inputs.get("optional") or []),
        parameters=params,
        sections=list(data.get("sections") or []),
    )


def list_playbooks(root: Path | None = None) -> list[PlaybookSpec]:
    """Every playbook that has both a spec and a notebook, in a stable order."""
    root = root or playbooks_dir()
    order = ["pm-function-audit", "record-management-audit", "database-audit", "bi-assessment"]
    specs = []
    for folder in sorted(root.glob("*/playbook.yaml")):
        spec = load_spec(folder.parent)
        if spec.notebook.exists():
            specs.append(spec)
    return sorted(specs, key=lambda s: (order.index(s.name) if s.name in order else 99, s.name))


def get_playbook(name: str, root: Path | None = None) -> PlaybookSpec:
    root = root or playbooks_dir()
    folder = root / name
    if not (folder / "playbook.yaml").exists():
        names = [s.name for s in list_playbooks(root)]
        close = difflib.get_close_matches(name, names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise InputError(
            f"unknown playbook {name!r}{hint} (available: {', '.join(names) or 'none'})"
        )
    return load_spec(folder)
