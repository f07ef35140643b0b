"""Database servers for the tests: an admin connection, or a skip that says why.

Where no server answers, the tests that need it are skipped with a message naming it,
but never when ``CI=true``: there a missing server fails the run.
"""

from __future__ import annotations

import os
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
