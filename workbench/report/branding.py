"""Firm branding in one place: name, logo, colours, confidentiality text, report language, and
the firm's Word template and slide master.

Every deliverable takes its look from a :class:`Branding`: the HTML and PDF report (stylesheet
colours, cover, page header and footer), ``report.docx`` and ``deck.pptx``. The shipped house
style is the default. A firm describes its own in a branding file::

    # branding.yaml (paths are relative to this file)
    firm: Example Advisory LLP
    logo: logo.png                    # PNG or JPEG
    colours: {primary: "#0b3d2e", accent: "#c9a227"}
    confidentiality: "Strictly confidential. Prepared for {client} by {firm}."
    language: de                      # fixed texts: en, de or fr
    texts: {contents: "Inhaltsverzeichnis"}
    word_template: reference.docx     # styles, headers and footers of report.docx (.docx/.dotx)
    slide_master: master.potx         # slide master of deck.pptx (.pptx/.potx)

An engagement names it in ``engagement.yaml`` (``branding: ../firm/branding.yaml``, relative
to the engagement folder); otherwise the firm settings file named by the environment variable
``WORKBENCH_FIRM`` applies; otherwise the house style.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from workbench.errors import InputError
from workbench.report.texts import LANGUAGES, Texts

#: Environment variable naming the firm's branding file (used when an engagement names none).
BRANDING_ENV = "WORKBENCH_FIRM"

#: Colours of the house style (``style.css`` and ``workbench.charts`` use the same).
HOUSE_PRIMARY = "#1f3a5f"
HOUSE_ACCENT = "#3d7ea6"

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"

#: Main part of each kind of Office template, and the content types that make a template
#: (``.dotx``, ``.potx``) open as a document.
_OFFICE_PARTS = {
    "word_template": ("word/document.xml", (".docx", ".dotx")),
    "slide_master": ("ppt/presentation.xml", (".pptx", ".potx")),
}
_TEMPLATE_TYPES = {
    "wordprocessingml.template.main+xml": "wordprocessingml.document.main+xml",
    "presentationml.template.main+xml": "presentationml.presentation.main+xml",
}


class _Colours(BaseModel):
    model_config = ConfigDict(extra="forbid")

    primary: str = HOUSE_PRIMARY
    accent: str = HOUSE_ACCENT

    @field_validator("primary", "accent")
    @classmethod
    def _hex(cls, value: str) -> str:
        if not _HEX.match(str(value)):
            raise ValueError(f"{value!r} is not a colour; write it as #RRGGBB (e.g. #1f3a5f)")
        return str(value).lower()


class _BrandingFile(BaseModel):
    """The branding file as written (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    firm: str = ""
    logo: str | None = None
    colours: _Colours = Field(default_factory=_Colours)
    confidentiality: str | None = None
    language: str = "en"
    texts: dict[str, str] = Field(default_factory=dict)
    word_template: str | None = None
    slide_master: str | None = None

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        code = str(value).strip().lower()
        if code not in LANGUAGES:
            raise ValueError(f"no report language {value!r}; use one of {', '.join(LANGUAGES)}")
        return code


@dataclass(frozen=True)
class Branding:
    """How the deliverables look and which fixed texts they use.

    Parameters
    ----------
    firm : str
        The firm's name (on covers and in footers); empty in the house style.
    primary, accent : str
        Colours as ``#rrggbb``: the primary for headings, the cover band and table heads (dark
        enough for white text on it), the accent for rules, bars and highlights.
    texts : Texts
        Fixed texts in the report language.
    confidentiality : str
        The confidentiality notice; ``{client}`` and ``{firm}`` are filled in.
    logo : bytes, optional
        The logo as PNG or JPEG.
    word_template, slide_master : Path, optional
        The firm's reference ``.docx``/``.dotx`` and ``.pptx``/``.potx``.
    source : Path, optional
        The branding file, ``None`` for the house style.
    """

    firm: str = ""
    primary: str = HOUSE_PRIMARY
    accent: str = HOUSE_ACCENT
    texts: Texts = field(default_factory=Texts)
    confidentiality: str = ""
    logo: bytes | None = None
    word_template: Path | None = None
    slide_master: Path | None = None
    source: Path | None = None

    @property
    def language(self) -> str:
        """ISO 639-1 code of the report language."""
        return self.texts.language

    @property
    def logo_mime(self) -> str:
        """``image/png`` or ``image/jpeg`` (empty without a logo)."""
        if not self.logo:
            return ""
        return "image/png" if self.logo.startswith(_PNG) else "image/jpeg"

    def confidentiality_text(self, client: str) -> str:
        """The confidentiality notice for ``client``.

        Parameters
        ----------
        client : str
            The client's name.

        Returns
        -------
        str
        """
        text = self.confidentiality or self.texts["confidentiality"]
        # Only these two are filled: a firm's text may hold other braces.
        return text.replace("{client}", client).replace("{firm}", self.firm or "")

    def page_of(self, page: str, pages: str) -> str:
        """ "Page 3 of 40" in the report language, with ``page`` and ``pages`` as given."""
        return self.texts["page_of"].replace("{page}", page).replace("{pages}", pages)

    def css(self) -> str:
        """Stylesheet rules that put the branding over the house stylesheet.

        Returns
        -------
        str
            CSS: the colour variables, and the page header and footer texts of the PDF in
            the report language.
        """
        counters = {"{page}": "counter(page)", "{pages}": "counter(pages)"}
        parts = [p for p in re.split(r"(\{page\}|\{pages\})", self.texts["page_of"]) if p]
        footer = " ".join(counters.get(p) or css_string(p) for p in parts)
        return (
            ":root {\n"
            f"  --wb-navy: {self.primary};\n"
            f"  --wb-blue: {self.accent};\n"
            f"  --wb-low: {self.accent};\n"
            f"  --wb-head: {tint(self.primary, 0.88)};\n"
            f"  --wb-zebra: {tint(self.primary, 0.95)};\n"
            "}\n"
            "@page {\n"
            f"  @top-right {{ content: {css_string(self.texts['confidential'])}; }}\n"
            f"  @bottom-right {{ content: {footer}; }}\n"
            "}\n"
        )


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string in which only letters, digits and spaces are literal.

    Parameters
    ----------
    text : str

    Returns
    -------
    str
        E.g. ``"Seite "``; anything else is a CSS escape, so a text can never close the
        string or the rule.
    """
    out = []
    for char in text:
        if char.isascii() and (char.isalnum() or char == " "):
            out.append(char)
        else:
            out.append(f"\\{ord(char):06x}")
    return '"' + "".join(out) + '"'


def tint(colour: str, amount: float) -> str:
    """``colour`` mixed with white (``amount`` 0 keeps it, 1 gives white).

    Parameters
    ----------
    colour : str
        ``#rrggbb``.
    amount : float
        Share of white.

    Returns
    -------
    str
        ``#rrggbb``.
    """
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(c + (255 - c) * amount) for c in rgb]
    return "#" + "".join(f"{c:02x}" for c in mixed)


def rgb(colour: str) -> tuple[int, int, int]:
    """``#rrggbb`` as a tuple of three integers."""
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


@cache
def house_branding() -> Branding:
    """The shipped house style: house colours, English texts, no firm template."""
    return Branding()


def _check_logo(path: Path, where: str) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{where}: logo {path} cannot be read ({exc.strerror})") from None
    if not (data.startswith(_PNG) or data.startswith(_JPEG)):
        raise InputError(f"{where}: logo {path} is not a PNG or JPEG image")
    return data


def _check_template(path: Path, kind: str, where: str) -> Path:
    part, suffixes = _OFFICE_PARTS[kind]
    if path.suffix.lower() not in suffixes:
        raise InputError(f"{where}: {kind} {path} should be a {' or '.join(suffixes)} file")
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
    except FileNotFoundError:
        raise InputError(f"{where}: {kind} {path}: file not found") from None
    except (OSError, zipfile.BadZipFile):
        raise InputError(f"{where}: {kind} {path} is not a {suffixes[0]} file") from None
    if part not in names:
        raise InputError(f"{where}: {kind} {path} is not a {suffixes[0]} file (no {part})")
    return path


def load_branding(path: str | Path | None) -> Branding:
    """Read a branding file (``None``: the house style).

    Parameters
    ----------
    path : str or Path or None
        The branding YAML file.

    Returns
    -------
    Branding

    Raises
    ------
    InputError
        The file is missing or not valid YAML, a field is wrong (unknown colour, language or
        text), or the logo or a template cannot be used; the message names the file and
        the field.
    """
    if path is None:
        return house_branding()
    from workbench.engagement import read_model

    source = Path(path).expanduser().resolve()
    spec = read_model(source, _BrandingFile, "firm, logo, colours", empty=True)
    try:
        texts = Texts(spec.language, spec.texts)
    except KeyError as exc:
        raise InputError(f"{source}: texts: {exc.args[0]}") from None
    folder = source.parent

    def resolve(value: str) -> Path:
        candidate = Path(value).expanduser()
        return candidate if candidate.is_absolute() else folder / candidate

    return Branding(
        firm=spec.firm,
        primary=spec.colours.primary,
        accent=spec.colours.accent,
        texts=texts,
        confidentiality=spec.confidentiality or "",
        logo=_check_logo(resolve(spec.logo), str(source)) if spec.logo else None,
        word_template=(
            _check_template(resolve(spec.word_template), "word_template", str(source))
            if spec.word_template
            else None
        ),
        slide_master=(
            _check_template(resolve(spec.slide_master), "slide_master", str(source))
            if spec.slide_master
            else None
        ),
        source=source,
    )


def branding_source(engagement_folder: Path, named: str | None) -> Path | None:
    """Which branding file applies to an engagement.

    Parameters
    ----------
    engagement_folder : Path
        The engagement folder.
    named : str or None
        ``branding`` of ``engagement.yaml`` (relative to the folder).

    Returns
    -------
    Path or None
        The engagement's branding file, else the firm's (``$WORKBENCH_FIRM``), else ``None``
        for the house style.
    """
    if named:
        candidate = Path(named).expanduser()
        return (candidate if candidate.is_absolute() else engagement_folder / candidate).resolve()
    firm = os.environ.get(BRANDING_ENV)
    if firm:
        return Path(firm).expanduser().resolve()
    return None


def branding_digest(path: Path | None) -> str:
    """SHA-256 over a branding file and the files it names (for the run's fingerprint).

    Parameters
    ----------
    path : Path or None
        The branding file; ``None`` for the house style.

    Returns
    -------
    str
        Hex digest; ``"house"`` for the house style.
    """
    if path is None:
        return "house"
    branding = load_branding(path)
    digest = hashlib.sha256(path.read_bytes())
    digest.update(branding.logo or b"")
    for template in (branding.word_template, branding.slide_master):
        digest.update(template.read_bytes() if template else b"-")
    return digest.hexdigest()


def open_office_package(path: Path) -> io.BytesIO:
    """An Office file in memory, a template (``.dotx``/``.potx``) turned into a document.

    python-docx and python-pptx open documents only; a template differs from its document
    in the content type of its main part alone.

    Parameters
    ----------
    path : Path
        A ``.docx``, ``.dotx``, ``.pptx`` or ``.potx`` file.

    Returns
    -------
    io.BytesIO
        The package, ready for ``docx.Document`` or ``pptx.Presentation``.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                text = data.decode("utf-8")
                for template, document in _TEMPLATE_TYPES.items():
                    text = text.replace(template, document)
                data = text.encode("utf-8")
            copy.writestr(item, data)
    out.seek(0)
    return out


def run_branding(manifest: Any) -> Branding:
    """The branding a run was made in (read again from the file its manifest names).

    Parameters
    ----------
    manifest : RunManifest or mapping
        The run's manifest.

    Returns
    -------
    Branding
        The house style for runs without one.

    Raises
    ------
    InputError
        The branding file has gone or no longer reads.
    """
    recorded = manifest.get("branding") if isinstance(manifest, Mapping) else manifest.branding
    if isinstance(recorded, Mapping):
        return load_branding(recorded.get("file"))
    return load_branding(getattr(recorded, "file", None))


__all__ = [
    "BRANDING_ENV",
    "Branding",
    "branding_digest",
    "branding_source",
    "css_string",
    "house_branding",
    "load_branding",
    "open_office_package",
    "rgb",
    "run_branding",
    "tint",
]
