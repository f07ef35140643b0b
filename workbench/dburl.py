"""Database URLs: where a password could hide in one, and the one way a URL is shown.

An engagement names its database by a SQLAlchemy URL and its password by an environment
variable (``password_env``); the URL itself must never carry a secret, because it is
written to manifests, reports, notebooks and messages. A password can hide in more places
than ``user:password@host``: a query parameter (``?password=``, ``?passwd=``, ``?pwd=``,
``?sslpassword=``, a token), a connection string carried in a parameter (``odbc_connect``,
``dsn``, ``conninfo``), or a password holding ``/`` that a simple pattern misses. URLs are
therefore parsed with SQLAlchemy's own :func:`~sqlalchemy.engine.make_url` (the parser the
driver will see), and every rendering of a URL anywhere in the workbench goes through
:func:`redact_url` (a URL) or :func:`redact_text` (text that may hold one).
"""

from __future__ import annotations

import re
import urllib.parse

from sqlalchemy.engine import URL, make_url

#: What is shown in place of a secret.
MASK = "***"

#: Query parameter names that carry a secret (``password``, ``passwd``, ``pwd``,
#: ``sslpassword``, ``motherduck_token``, ``client_secret``, ``api_key``, ...).
_SECRET_KEY = re.compile(r"pass|pwd|secret|token|credential|api_?key", re.I)
#: A secret inside a connection string carried by a parameter (``DRIVER=...;PWD=x;``,
#: ``host=h password=x``, or a URL with ``user:password@``).
_INNER_SECRET = re.compile(
    r"(?P<key>\b(?:pwd|password|passwd|sslpassword)\s*=\s*)(?P<value>\{[^}]*\}|[^;&\s]*)", re.I
)
#: ``scheme://user:password@`` in free text; the password may hold ``/`` and ``:``.
_USERINFO = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s'\"]*:)[^\s'\"]*@")
#: A URL quoted in free text: up to a blank, a quote or a closing bracket.
_URL_IN_TEXT = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"()<>]+")
#: ``password=...`` (and kin) in free text: a query string, a DSN, an error message.
_KEY_VALUE = re.compile(
    r"(?P<key>\b[\w.-]*(?:pass|pwd|secret|token|credential|api_?key)[\w.-]*"
    r"\s*(?:=|%3D)\s*)"
    r"(?P<value>\{[^}]*\}|'[^']*'|\"[^\"]*\"|(?:(?!%3B|%26)[^\s&;,'\")])+)",
    re.I,
)


def parse_url(text: str) -> URL:
    """Parse a database URL as the driver will.

    Parameters
    ----------
    text : str
        A SQLAlchemy URL.

    Returns
    -------
    sqlalchemy.engine.URL

    Raises
    ------
    ValueError
        It is not a SQLAlchemy URL; the message shows it redacted.
    """
    try:
        return make_url(text)
    except Exception:
        raise ValueError(f"{redact_text(text)!r} is not a SQLAlchemy URL") from None


def _values(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


def password_location(url: URL) -> str | None:
    """Where ``url`` carries a password or another secret, or None when it carries none.

    Parameters
    ----------
    url : sqlalchemy.engine.URL

    Returns
    -------
    str or None
        ``"user:password@"`` for the userinfo part, ``"query parameter 'password'"`` for a
        secret parameter, ``"query parameter 'odbc_connect'"`` for a connection string
        carried in a parameter that holds one.
    """
    if url.password:
        return "user:password@"
    for key, value in url.query.items():
        if _SECRET_KEY.search(key) and any(v for v in _values(value)):
            return f"query parameter {key!r}"
        for item in _values(value):
            if _INNER_SECRET.search(item) or _USERINFO.search(item):
                return f"query parameter {key!r}"
    return None


def redact_url(url: str | URL) -> str:
    """The URL as text, every secret in it replaced by ``***``.

    Parameters
    ----------
    url : str or sqlalchemy.engine.URL
        A database URL, possibly holding a password (in its userinfo, a query parameter or
        a connection string inside one). Text that does not parse as a URL is redacted as
        free text.

    Returns
    -------
    str
        Safe to show in a report, a notebook, a manifest, a log or a message; a URL without
        a secret is shown as written.
    """
    if not isinstance(url, URL):
        try:
            parsed = make_url(url)
        except Exception:
            return _redact_words(str(url))
        if password_location(parsed) is None:
            return str(url)
        url = parsed
    query: dict[str, str | tuple[str, ...]] = {}
    for key, value in url.query.items():
        if _SECRET_KEY.search(key):
            query[key] = MASK
        else:
            cleaned = tuple(_redact_inner(v) for v in _values(value))
            query[key] = cleaned if isinstance(value, tuple) else cleaned[0]
    shown = url.set(query=query).render_as_string(hide_password=True)
    # the masks were URL-quoted with the other query values
    return shown.replace(urllib.parse.quote_plus(MASK), MASK)


def _redact_inner(value: str) -> str:
    value = _INNER_SECRET.sub(lambda m: m["key"] + MASK, value)
    return _USERINFO.sub(lambda m: m["head"] + MASK + "@", value)


def redact_text(text: str) -> str:
    """``text`` with every URL password and every ``password=...`` value replaced by ``***``.

    Parameters
    ----------
    text : str
        A message, a ``repr`` or a log line that may quote a database URL or a connection
        string.

    Returns
    -------
    str
    """
    return _redact_words(_URL_IN_TEXT.sub(lambda m: redact_url(m.group(0)), text))


def _redact_words(text: str) -> str:
    text = _USERINFO.sub(lambda m: m["head"] + MASK + "@", text)
    return _KEY_VALUE.sub(lambda m: m["key"] + MASK, text)


#: File databases: the URL's database part is a path (or ``:memory:``).
FILE_BACKENDS = frozenset({"sqlite", "duckdb"})


def file_database(url: URL) -> str | None:
    """The path of a SQLite / DuckDB file named by ``url``; None for a server or memory.

    Parameters
    ----------
    url : sqlalchemy.engine.URL

    Returns
    -------
    str or None
        The path as written (relative paths are relative to the engagement folder).
    """
    if url.get_backend_name() not in FILE_BACKENDS:
        return None
    database = url.database or ""
    if database in ("", ":memory:"):
        return None
    return database


__all__ = [
    "FILE_BACKENDS",
    "MASK",
    "file_database",
    "parse_url",
    "password_location",
    "redact_text",
    "redact_url",
]
