"""Database servers for the tests: an admin connection, or a skip that says why.

Where no server answers, the tests that need it are skipped with a message naming it,
but never when ``CI=true``: there a missing server fails the run.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from typing import NoReturn

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine


def unavailable(message: str) -> NoReturn:
    """Skip the test (fail it under ``CI=true``), saying which server did not answer."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (CI=true: database tests must not be skipped)")
    pytest.skip(message)


def admin_engine(url: str, what: str) -> Engine:
    """An autocommit engine on ``url`` once the server has answered ``SELECT 1``.

    ``what`` names the server in the skip message ("PostgreSQL at 127.0.0.1:5432").
    """
    engine = sa.create_engine(
        url, connect_args={"connect_timeout": 3}, isolation_level="AUTOCOMMIT"
    )
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception:
        engine.dispose()
        unavailable(f"{what} does not answer")
    return engine


#: Where the test servers listen (trust authentication / root without a password).
SERVER_URLS = {
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/",
    "mariadb": "mysql+pymysql://root@127.0.0.1:3306/",
}


@contextlib.contextmanager
def scratch_database(backend: str) -> Iterator[tuple[str, Engine]]:
    """A new, empty database on the PostgreSQL or MariaDB test server, dropped afterwards.

    Yields the database's URL (no password) and a loading engine on it (which may write).
    """
    base = SERVER_URLS[backend]
    quote = '"' if backend == "postgresql" else "`"
    root = admin_engine(
        base + ("postgres" if backend == "postgresql" else ""), f"{backend} at {base}"
    )
    name = f"wb_scratch_{uuid.uuid4().hex[:10]}"
    with root.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {quote}{name}{quote}"))
    admin = sa.create_engine(base + name)
    try:
        yield base + name, admin
    finally:
        admin.dispose()
        force = " WITH (FORCE)" if backend == "postgresql" else ""
        with root.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {quote}{name}{quote}{force}"))
        root.dispose()
