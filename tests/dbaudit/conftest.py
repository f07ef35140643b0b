"""Database servers for the database-audit tests: PostgreSQL, MariaDB and SQLite.

Each server fixture creates a database with a unique name, yields a factory of read-only
audit engines and an admin engine for loading, and drops the database afterwards. A
server that does not answer skips the tests that need it, except when ``CI=true``: then
they fail, because a green run must mean the audit was tried on real servers.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.servers import admin_engine, unavailable
from workbench.dbaudit.connect import connect
from workbench.demo import database as demo_db
from workbench.demo.core import DemoContext

PG_HOST, PG_PORT = "127.0.0.1", 5432
MARIA_HOST, MARIA_PORT = "127.0.0.1", 3306
CHINOOK = Path(__file__).resolve().parents[3] / "shared" / "external" / "chinook"


@dataclass
class Server:
    """A scratch database on one engine."""

    backend: str
    url: str  # audit URL, never with a password
    admin: Engine  # the loading connection (may write)

    def audit_engine(self, **kwargs: Any) -> Engine:
        """A read-only engine as the playbook opens it."""
        return connect(self.url, **kwargs)


def _pg_admin(database: str) -> tuple[Engine, str]:
    last: Exception | None = None
    for user in ("postgres", "root"):
        url = f"postgresql+psycopg://{user}@{PG_HOST}:{PG_PORT}/{database}"
        engine = sa.create_engine(
            url, connect_args={"connect_timeout": 3}, isolation_level="AUTOCOMMIT"
        )
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            return engine, user
        except Exception as exc:  # try the next user
            last = exc
            engine.dispose()
    raise ConnectionError(str(last))


@pytest.fixture(scope="session")
def pg_factory() -> Iterator[Callable[[str], Server]]:
    """Make scratch PostgreSQL databases (dropped at the end of the session)."""
    try:
        root, user = _pg_admin("postgres")
    except Exception:
        unavailable(f"PostgreSQL at {PG_HOST}:{PG_PORT} does not answer")
    made: list[tuple[str, Engine]] = []

    def make(prefix: str) -> Server:
        name = f"wb_{prefix}_{uuid.uuid4().hex[:10]}"
        with root.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin = sa.create_engine(f"postgresql+psycopg://{user}@{PG_HOST}:{PG_PORT}/{name}")
        made.append((name, admin))
        return Server(
            "postgresql", f"postgresql+psycopg://{user}@{PG_HOST}:{PG_PORT}/{name}", admin
        )

    yield make
    for name, admin in made:
        admin.dispose()
        with root.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    root.dispose()


@pytest.fixture(scope="session")
def maria_factory() -> Iterator[Callable[[str], Server]]:
    """Make scratch MariaDB/MySQL databases (dropped at the end of the session)."""
    base = f"mysql+pymysql://root@{MARIA_HOST}:{MARIA_PORT}"
    root = admin_engine(base + "/", f"MariaDB/MySQL at {MARIA_HOST}:{MARIA_PORT}")
    made: list[tuple[str, Engine]] = []

    def make(prefix: str) -> Server:
        name = f"wb_{prefix}_{uuid.uuid4().hex[:10]}"
        with root.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
        admin = sa.create_engine(
            f"{base}/{name}?charset=utf8mb4", connect_args={"client_flag": 1 << 16}
        )  # MULTI_STATEMENTS
        made.append((name, admin))
        return Server("mariadb", f"{base}/{name}?charset=utf8mb4", admin)

    yield make
    for name, admin in made:
        admin.dispose()
        with root.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{name}`"))
    root.dispose()


@pytest.fixture(scope="session")
def demo() -> tuple[DemoContext, dict[str, list[dict[str, Any]]], dict[str, Any]]:
    """The demo context, the ERP rows and the planted answer key."""
    ctx = DemoContext()
    demo_db.generate(ctx)
    rows, _ = demo_db.erp_rows(DemoContext())
    return ctx, rows, ctx.answer_key[demo_db.PLAYBOOK]


def load_erp(server: Server, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Load the demo ERP with foreign-key checks off, so the planted orphans get in."""
    md = demo_db.erp_metadata()
    with server.admin.begin() as conn:
        md.create_all(conn)
    with server.admin.begin() as conn:
        if server.backend == "postgresql":
            conn.execute(sa.text("SET session_replication_role = replica"))
        else:
            conn.execute(sa.text("SET FOREIGN_KEY_CHECKS = 0"))
        demo_db.load_rows(conn, rows, md)


@pytest.fixture(scope="session")
def erp_sqlite(tmp_path_factory: pytest.TempPathFactory, demo: Any) -> Server:
    """The demo ERP as the SQLite file the demo engagement ships."""
    ctx = demo[0]
    folder = tmp_path_factory.mktemp("erp")
    ctx.extra_files["inputs/erp.sqlite"](folder / "inputs" / "erp.sqlite")
    admin = sa.create_engine(f"sqlite:///{folder / 'inputs' / 'erp.sqlite'}")
    return Server("sqlite", f"sqlite:///{folder / 'inputs' / 'erp.sqlite'}", admin)


@pytest.fixture(scope="session")
def erp_pg(pg_factory: Callable[[str], Server], demo: Any) -> Server:
    """The demo ERP loaded into a scratch PostgreSQL database."""
    server = pg_factory("erp")
    load_erp(server, demo[1])
    return server


@pytest.fixture(scope="session")
def erp_maria(maria_factory: Callable[[str], Server], demo: Any) -> Server:
    """The demo ERP loaded into a scratch MariaDB database."""
    server = maria_factory("erp")
    load_erp(server, demo[1])
    return server


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def erp(request: pytest.FixtureRequest) -> Server:
    """The same planted ERP on each engine in turn."""
    name = {"sqlite": "erp_sqlite", "postgresql": "erp_pg", "mariadb": "erp_maria"}
    return request.getfixturevalue(name[request.param])
