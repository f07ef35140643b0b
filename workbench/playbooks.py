"""Playbook specifications (``playbook.yaml``): what each playbook is, needs and takes.

A playbook is a folder holding ``playbook.yaml`` (its title, id prefix, place in the report,
the inputs and resources it needs, its typed parameters) and its editable criteria; its
notebook is ``<name>.ipynb`` in that folder or, for the shipped playbooks,
``notebooks/<name>.ipynb``. The file is validated with pydantic when it is read: a typo in a
key, an unknown parameter type or a default outside its own bounds is an error naming the
file and the field.

Where playbooks are found: every folder of ``<home>/playbooks/`` (see :mod:`workbench.paths`),
then each folder listed in ``WORKBENCH_PLAYBOOKS`` (separated like ``PATH``). A listed folder
is a playbook if it holds ``playbook.yaml``, else each of its sub-folders that does is one. A
playbook found outside the home is run with its own folder on the kernel's import path, so
that a playbook brings its library module with it.

The engine reads what a playbook needs from here and never names one: ``requires`` lists
the resources beyond input tables (``database``: the engagement's client database, checked
before any kernel starts and part of the run's fingerprint), ``order`` places the playbook in
listings, runs and the report.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
from dataclasses import field
from pathlib import Path
from typing import Any, Literal

from pydantic import ConfigDict, TypeAdapter, ValidationError, model_validator
from pydantic.dataclasses import dataclass

from workbench.engagement import format_validation_error, read_yaml
from workbench.errors import InputError
from workbench.paths import notebooks_dir, playbooks_dir

#: Environment variable listing further playbook folders (``os.pathsep``-separated).
PLAYBOOKS_ENV = "WORKBENCH_PLAYBOOKS"
SPEC_FILE = "playbook.yaml"

ParameterType = Literal["int", "float", "str", "bool", "date", "list"]
#: Resources a playbook may need beyond its input tables.
Requirement = Literal["database"]

_STRICT = ConfigDict(extra="forbid")


@dataclass(config=_STRICT)
class Parameter:
    """One typed parameter of a playbook, as declared under ``parameters:``."""

    name: str
    type: ParameterType = "str"
    default: Any = None
    description: str = ""
    min: int | float | None = None
    max: int | float | None = None
    choices: list[Any] | None = None
    secret: bool = False

    def check(self, value: Any, where: str) -> Any:
        """Return ``value`` converted to the declared type, or raise :class:`InputError`.

        Parameters
        ----------
        value : object
            The value given (``None`` is always accepted: "not set").
        where : str
            Where the value comes from, for the message (a file, a notebook).

        Returns
        -------
        object
            The value, as the declared type (an ``int`` for a ``float`` becomes a float, an
            ISO text for a ``date`` becomes a date).
        """
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


@dataclass(config=_STRICT)
class Inputs:
    """The input tables of a playbook: it does not run without the required ones."""

    required: list[str] = field(default_factory=list)
    optional: list[str] = field(default_factory=list)


@dataclass(config=_STRICT)
class PlaybookSpec:
    """One playbook: ``playbook.yaml`` as validated, and the folder it was read from.

    Parameters
    ----------
    name, title, prefix : str
        The playbook's name (as in ``engagement.yaml`` and file names), its chapter title
        and the prefix of its finding ids (``PM`` in ``PM-EVM-001``).
    folder : Path
        The folder holding ``playbook.yaml`` and ``criteria/``.
    summary : str
        What the playbook answers, for ``workbench playbooks``.
    order : int
        Place among the playbooks (lower first): listings, runs and report chapters.
    requires : list of str
        Resources beyond input tables (``database``).
    input_tables : Inputs
        Required and optional input tables (``inputs:`` in the YAML).
    parameters : dict
        Typed parameters by name.
    sections : list of str
        The chapter's sections, for readers of the spec.
    notebook_file : str
        The notebook, relative to ``folder`` (``notebook:`` in the YAML); empty for the
        default (see :attr:`notebook`).
    """

    name: str
    title: str
    prefix: str
    folder: Path
    summary: str = ""
    order: int = 100
    requires: list[Requirement] = field(default_factory=list)
    input_tables: Inputs = field(default_factory=Inputs)
    parameters: dict[str, Parameter] = field(default_factory=dict)
    sections: list[str] = field(default_factory=list)
    notebook_file: str = ""

    @model_validator(mode="before")
    @classmethod
    def _from_yaml(cls, data: Any) -> Any:
        # In the YAML a parameter's name is its key, and the notebook is ``notebook:``
        if not isinstance(data, dict):
            return data
        data = dict(data)
        params = data.get("parameters") or {}
        if isinstance(params, dict):
            data["parameters"] = {
                key: ({**value, "name": key} if isinstance(value, dict) else value)
                for key, value in params.items()
            }
        if "notebook" in data:
            data["notebook_file"] = data.pop("notebook") or ""
        if "inputs" in data:
            data["input_tables"] = data.pop("inputs") or {}
        return data

    @property
    def notebook(self) -> Path:
        """The playbook's notebook: ``notebook:`` if declared, else ``<name>.ipynb`` beside
        ``playbook.yaml`` if there is one, else the home's ``notebooks/<name>.ipynb``."""
        if self.notebook_file:
            return self.folder / self.notebook_file
        own = self.folder / f"{self.name}.ipynb"
        return own if own.exists() else notebooks_dir() / f"{self.name}.ipynb"

    @property
    def required_inputs(self) -> list[str]:
        return self.input_tables.required

    @property
    def optional_inputs(self) -> list[str]:
        return self.input_tables.optional

    @property
    def inputs(self) -> list[str]:
        """Every input table the playbook reads, required first."""
        return self.input_tables.required + self.input_tables.optional

    @property
    def import_paths(self) -> list[Path]:
        """Folders the playbook's kernel imports from: the home's notebooks folder (helper
        modules beside the notebooks) and, for a playbook from elsewhere, its own folder."""
        paths = [notebooks_dir()]
        if self.folder.parent != playbooks_dir():
            paths.insert(0, self.folder)
        return paths

    def needs(self, requirement: Requirement) -> bool:
        """The playbook declares ``requirement`` under ``requires``."""
        return requirement in self.requires

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


_SPEC = TypeAdapter(PlaybookSpec)


def load_spec(folder: Path) -> PlaybookSpec:
    """Read and validate ``<folder>/playbook.yaml``.

    Raises
    ------
    InputError
        The file is missing or not valid YAML, a key is unknown or of the wrong type, or a
        parameter's default breaks its own declaration; the message names file and field.
    """
    source = folder / SPEC_FILE
    data = read_yaml(source)
    if not isinstance(data, dict):
        raise InputError(f"{source}: expected a mapping (name, title, inputs, parameters, ...)")
    data.setdefault("name", folder.name)
    data.setdefault("title", folder.name)
    data.setdefault("prefix", folder.name[:2].upper())
    try:
        spec = _SPEC.validate_python({**data, "folder": folder})
    except ValidationError as exc:
        raise InputError(format_validation_error(source, exc)) from None
    for param in spec.parameters.values():
        param.default = param.check(param.default, str(source))
    return spec


def playbook_folders() -> list[Path]:
    """Every folder holding a ``playbook.yaml``: the home's, then ``WORKBENCH_PLAYBOOKS``'s."""
    found = sorted(p.parent for p in playbooks_dir().glob(f"*/{SPEC_FILE}"))
    for entry in os.environ.get(PLAYBOOKS_ENV, "").split(os.pathsep):
        if not entry.strip():
            continue
        root = Path(entry).expanduser().resolve()
        if (root / SPEC_FILE).is_file():
            found.append(root)
        else:
            found.extend(sorted(p.parent for p in root.glob(f"*/{SPEC_FILE}")))
    return found


#: Specs already read, by folder, with the stamp of the playbook.yaml they were read from.
_READ: dict[Path, tuple[tuple[int, int], PlaybookSpec]] = {}


def _read_spec(folder: Path) -> PlaybookSpec:
    """:func:`load_spec`, read again only when ``playbook.yaml`` changed (YAML is slow to
    parse, and a run asks for each playbook several times)."""
    info = (folder / SPEC_FILE).stat()
    stamp = (info.st_mtime_ns, info.st_size)
    known = _READ.get(folder)
    if known is not None and known[0] == stamp:
        return known[1]
    spec = load_spec(folder)
    _READ[folder] = (stamp, spec)
    return spec


def _all_specs() -> dict[str, PlaybookSpec]:
    specs: dict[str, PlaybookSpec] = {}
    for folder in playbook_folders():
        spec = _read_spec(folder)
        if spec.name in specs:
            raise InputError(
                f"two playbooks are named {spec.name!r}: {specs[spec.name].folder / SPEC_FILE} "
                f"and {folder / SPEC_FILE}; rename one of them"
            )
        specs[spec.name] = spec
    return specs


def list_playbooks() -> list[PlaybookSpec]:
    """Every playbook that has both a spec and a notebook, by ``order`` then name."""
    specs = [s for s in _all_specs().values() if s.notebook.exists()]
    return sorted(specs, key=lambda s: (s.order, s.name))


def get_playbook(name: str) -> PlaybookSpec:
    """The playbook called ``name``.

    Raises
    ------
    InputError
        No playbook has that name (the message suggests the closest one).
    """
    specs = _all_specs()
    if name not in specs:
        names = [s.name for s in list_playbooks()]
        close = difflib.get_close_matches(name, names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise InputError(
            f"unknown playbook {name!r}{hint} (available: {', '.join(names) or 'none'})"
        )
    return specs[name]


__all__ = [
    "PLAYBOOKS_ENV",
    "Inputs",
    "Parameter",
    "PlaybookSpec",
    "get_playbook",
    "list_playbooks",
    "load_spec",
    "playbook_folders",
]
