"""The engagement folder: ``engagement.yaml`` parsed, checked and resolved.

An engagement is a folder holding ``engagement.yaml`` and the client's files. Every input
path is resolved relative to that folder and refused if it leaves it (a client file that
points at ``../other-client/`` must never be read into this engagement's report).
"""

from __future__ import annotations

import datetime as dt
import re
import stat
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from workbench.dburl import FILE_BACKENDS, file_database, parse_url, password_location, redact_text
from workbench.errors import InputError

_Model = TypeVar("_Model", bound=BaseModel)

ENGAGEMENT_FILE = "engagement.yaml"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class Period(BaseModel):
    """The audited period; ``end`` is also the default as-of date for aging."""

    model_config = ConfigDict(extra="forbid")

    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError(f"period end {self.end} is before its start {self.start}")
        return self


class InputSpec(BaseModel):
    """Where one input table lives: a file, for a workbook the sheet, and how the client's
    column names map onto the data request's (``columns: {vendor: VendorNum}``)."""

    model_config = ConfigDict(extra="forbid")

    path: str
    sheet: str | None = None
    columns: dict[str, str] = Field(default_factory=dict)
    #: the client's export has no id column: number the rows (``row-2``, ``row-3``, ...)
    row_ids: bool = False


class DatabaseSpec(BaseModel):
    """The client database for the database audit. Never holds a password."""

    model_config = ConfigDict(extra="forbid")

    url: str
    password_env: str | None = None
    rules: str | None = None
    statement_timeout_s: float = Field(default=60.0, gt=0)

    @field_validator("url")
    @classmethod
    def _no_password(cls, url: str) -> str:
        # parsed as the driver will parse it: a password may hide in the query or in a
        # connection string carried by a parameter, and may hold "/"
        parsed = parse_url(url)
        where = password_location(parsed)
        if where:
            raise ValueError(
                f"the database url holds a password ({where}); put it in an environment "
                "variable and name that variable in password_env"
            )
        backend = parsed.get_backend_name()
        if backend in FILE_BACKENDS and parsed.query:
            # access_mode=read_write, mode=rw, uri=true ...: the audit decides how it opens
            raise ValueError(
                f"a {backend} database url takes no options ({', '.join(sorted(parsed.query))}):"
                " the audit opens the file read-only itself"
            )
        return url


class Engagement(BaseModel):
    """``engagement.yaml`` as in DESIGN.md."""

    model_config = ConfigDict(extra="forbid")

    client: str = Field(min_length=1)
    engagement: str
    period: Period
    currency: str = Field(default="EUR", min_length=3, max_length=3)
    playbooks: list[str] = Field(default_factory=list)
    inputs: dict[str, InputSpec] = Field(default_factory=dict)
    database: DatabaseSpec | None = None
    parameters: dict[str, dict[str, Any]] = Field(default_factory=dict)
    #: how day-month order is read in text dates that are not ISO (e.g. 03/04/2025)
    dayfirst: bool = True
    #: the client's values placed on the data request's, per table and column:
    #: ``{projects: {phase: {"Stage 4": closing}}}`` (checked against the contracts)
    mappings: dict[str, dict[str, dict[str, str]]] = Field(default_factory=dict)
    #: free-text labels classified by hand, per catalogue:
    #: ``{activity_catalogue: {"Design work": delivery}}`` (a class or a catalogue entry)
    classify: dict[str, dict[str, str]] = Field(default_factory=dict)
    #: the firm's branding file (workbench.report.branding), relative to this folder
    branding: str | None = None

    @field_validator("mappings", mode="before")
    @classmethod
    def _mappings(cls, value: Any) -> Any:
        if not value:
            return {}
        from workbench.contracts.mapping import check_mappings

        return check_mappings(value)

    @field_validator("classify", mode="before")
    @classmethod
    def _classify(cls, value: Any) -> Any:
        if not value:
            return {}
        if not isinstance(value, dict):
            return value
        from workbench.contracts.mapping import text_value

        return {
            str(name).strip(): (
                {text_value(k): text_value(v) for k, v in labels.items()}
                if isinstance(labels, dict)
                else labels
            )
            for name, labels in value.items()
        }

    @field_validator("engagement")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError(
                f"{value!r} is not a usable engagement id: use lower-case letters, digits "
                "and '-', starting with a letter or digit (it is used in folder names)"
            )
        return value

    @field_validator("inputs", mode="before")
    @classmethod
    def _inputs(cls, value: Any) -> Any:
        if value is None:
            return {}
        if not isinstance(value, dict):
            return value
        out: dict[str, Any] = {}
        for name, spec in value.items():
            key = str(name).strip().lower().replace(" ", "_")
            out[key] = {"path": spec} if isinstance(spec, str) else spec
        return out

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        return value.upper()


class LoadedEngagement:
    """An engagement read from disk: the parsed config and the folder it came from."""

    def __init__(self, folder: Path, config: Engagement) -> None:
        self.folder = folder
        self.config = config

    def __repr__(self) -> str:
        return f"LoadedEngagement({self.folder!s}, {self.config.engagement!r})"

    def input_path(self, table: str) -> Path:
        """The resolved path of one input table's file (checked to stay inside the folder)."""
        return resolve_inside(self.folder, self.config.inputs[table].path, what=f"input {table!r}")

    def resolve(self, relative: str, what: str) -> Path:
        """``relative`` resolved inside the engagement folder (see :func:`resolve_inside`)."""
        return resolve_inside(self.folder, relative, what=what)

    def database_file(self) -> Path | None:
        """The SQLite / DuckDB file the database url names, checked like an input: inside
        the folder (no absolute path elsewhere, no ``../``, no symlink leading out) and a
        regular file. None for a database server."""
        database = self.config.database
        if database is None:
            return None
        path = file_database(parse_url(database.url))
        if path is None:
            return None
        if path.startswith("file:"):
            raise InputError(
                f"{self.folder / ENGAGEMENT_FILE}: database url {redact_text(database.url)!r}"
                " is a file: URI; give the database file's path relative to the engagement"
                " folder (sqlite:///inputs/erp.sqlite)"
            )
        resolved = resolve_inside(self.folder, path, what="the database url")
        refuse_special_file(resolved, what="database file")
        return resolved


def resolve_inside(folder: Path, relative: str, *, what: str) -> Path:
    """Resolve ``relative`` against ``folder`` and refuse a path that leaves it."""
    root = folder.resolve()
    candidate = Path(relative).expanduser()
    path = (candidate if candidate.is_absolute() else root / candidate).resolve()
    if path != root and root not in path.parents:
        raise InputError(
            f"{root / ENGAGEMENT_FILE}: {what} points at {relative!r}, which is outside the "
            f"engagement folder {root}. Copy the file into the engagement folder and give its "
            "path relative to it."
        )
    return path


def refuse_special_file(path: Path, *, what: str) -> None:
    """Refuse a FIFO, a device or a socket where a file is expected.

    Reading one never ends (``/dev/zero``, a named pipe nobody writes to) or reads what is
    not the client's file; a missing path and a folder are left to the caller, whose message
    says more.

    Raises
    ------
    InputError
        ``path`` exists and is neither a regular file nor a folder.
    """
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return
    kind = (
        "a named pipe (FIFO)"
        if stat.S_ISFIFO(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "not a regular file"
    )
    raise InputError(f"{path}: {what} is {kind}, expected a regular file")


#: Largest YAML file read (engagement.yaml, rules, criteria): a settings file, not data.
MAX_YAML_BYTES = 4 * 1024**2


class _SafeLoader(yaml.SafeLoader):
    """Safe YAML with dates kept as text until pydantic reads them, and no aliases.

    An alias (``*name``) repeats an anchored node; nested aliases make a few hundred bytes
    expand into billions of nodes (the "billion laughs"). Settings never need them.
    """

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None,
                None,
                "aliases (*name) are not allowed; write the values out",
                event.start_mark,
            )
        return super().compose_node(parent, index)


def read_yaml(path: Path) -> Any:
    """Read YAML safely: Python tags, aliases, syntax errors, special files and files too
    large for settings become an :class:`InputError` naming the file (and line)."""
    refuse_special_file(path, what="the YAML file")
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    if size > MAX_YAML_BYTES:
        raise InputError(
            f"{path}: {size / 1024**2:,.1f} MiB, above the {MAX_YAML_BYTES // 1024**2} MiB limit"
            " for a settings file"
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not a UTF-8 text file ({exc.reason} at byte {exc.start})"
        ) from None
    try:
        return yaml.load(text, Loader=_SafeLoader)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        where = f" line {mark.line + 1}" if mark else ""
        raise InputError(
            f"{path}{where}: {exc.problem}. Only plain YAML values are allowed "
            "(no !!python or other tags)."
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(f"{path}{where}: not valid YAML: {problem}") from None


def format_validation_error(source: Path, exc: ValidationError) -> str:
    """One line per problem: ``file: field.path: message``."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        given = err.get("input")
        if err["type"] == "missing":
            lines.append(f"{source}: {loc}: required field is missing")
        elif err["type"] in ("extra_forbidden", "unexpected_keyword_argument"):
            lines.append(f"{source}: {loc}: unknown field (check the spelling)")
        else:
            shown = "" if isinstance(given, (dict, list)) else f" (got {redact_text(repr(given))})"
            lines.append(f"{source}: {loc}: {msg}{shown}")
    return "\n".join(lines)


def read_model(source: Path, model: type[_Model], fields: str, *, empty: bool = False) -> _Model:
    """A YAML file read safely and checked against a pydantic model.

    Parameters
    ----------
    source : Path
        The file.
    model : type of BaseModel
        What it must hold.
    fields : str
        The first fields, named when the file is not a mapping ("client, engagement").
    empty : bool
        Whether an empty file stands for an empty mapping (every field at its default).

    Returns
    -------
    BaseModel
        The validated model.

    Raises
    ------
    InputError
        Not YAML, not a mapping, or a wrong field; the message names the file and the field.
    """
    data = read_yaml(source)
    if data is None and empty:
        data = {}
    if not isinstance(data, dict):
        raise InputError(f"{source}: expected a mapping of fields ({fields}, ...)")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError(format_validation_error(source, exc)) from None


def load_engagement(folder: str | Path) -> LoadedEngagement:
    """Read and check ``<folder>/engagement.yaml``.

    Raises
    ------
    InputError
        The folder or file is missing, the YAML is invalid, or a field is wrong; the message
        names the file and the field.
    """
    folder = Path(folder).expanduser()
    if folder.is_file() and folder.name == ENGAGEMENT_FILE:
        folder = folder.parent
    if not folder.is_dir():
        raise InputError(f"{folder}: no such engagement folder")
    source = folder / ENGAGEMENT_FILE
    if not source.is_file():
        raise InputError(
            f"{folder}: not an engagement folder (no {ENGAGEMENT_FILE}); "
            "create one with `workbench new`"
        )
    config = read_model(source, Engagement, "client, engagement")
    loaded = LoadedEngagement(folder.resolve(), config)
    for table in config.inputs:
        # refuse paths leaving the folder, and pipes or devices that would never end,
        # before anything reads or fingerprints them
        refuse_special_file(loaded.input_path(table), what=f"input {table!r}")
    if config.database and config.database.rules:
        loaded.resolve(config.database.rules, what="database rules")
    loaded.database_file()
    return loaded
