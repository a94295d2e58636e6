"""Shared fixtures: an isolated home (no user store leaks in or out), a CLI runner, store copies."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from partnerkb.cli.app import app
from partnerkb.store import shipped_store_path

# What the environment may carry that partnerkb (or a library it uses) reads: every test starts
# without them, so a developer's own settings neither break a test nor get touched by one.
FOREIGN_SETTINGS = (
    "PARTNERKB_DB",
    "PARTNERKB_LOCK_TIMEOUT",
    "PAGER",
    "NO_COLOR",
    "FORCE_COLOR",
    "PYTHONIOENCODING",
    "PARTNERKB_QUIET",
    "PARTNERKB_NO_INPUT",
    # libpq's own settings (a password, a service, a default server) must not reach the tests
    "PGPASSWORD",
    "PGPASSFILE",
    "PGSERVICE",
    "PGSERVICEFILE",
    "PGHOST",
    "PGHOSTADDR",
    "PGPORT",
    "PGUSER",
    "PGDATABASE",
    "PGOPTIONS",
)


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test runs with its own empty home: its data, cache, config and state folders are
    temporary (whatever XDG_* the developer has set), no user store, no $PARTNERKB_DB."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    for name in FOREIGN_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "120")
    # a bug shows its traceback in a test instead of the one-line "internal error" (exit 70)
    monkeypatch.setenv("PARTNERKB_DEBUG", "1")
    return home


# Tests that use a store through `shipped_copy` run once per engine. A test about the JSON
# file itself (its bytes, its layout, its lock file) says so with @pytest.mark.json_only (or a
# module's pytestmark) and runs on JSON only; a test about store files (SQLite's and JSON's)
# says @pytest.mark.files_only and does not run on PostgreSQL. The PostgreSQL runs use one
# throwaway cluster for the session (tests/postgres_server.py), a fresh schema per test; they
# are skipped, saying why, where no PostgreSQL server is installed.
ENGINES = ("json", "sqlite", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "json_only: about the JSON engine's file; runs on the JSON store only"
    )
    config.addinivalue_line(
        "markers", "files_only: about store files (JSON, SQLite); not run on PostgreSQL"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Drop the SQLite and PostgreSQL runs of tests marked json_only, and the PostgreSQL runs
    of tests marked files_only (they are not run, not skipped)."""
    kept, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        engine = callspec.params.get("engine") if callspec is not None else None
        if engine in ("sqlite", "postgresql") and item.get_closest_marker("json_only") is not None:
            dropped.append(item)
        elif engine == "postgresql" and item.get_closest_marker("files_only") is not None:
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def shipped_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped knowledge base converted to SQLite once (copy it before writing)."""
    from partnerkb.engines.sqlite import write_store
    from partnerkb.store import read_store

    path = tmp_path_factory.mktemp("engines") / "shipped.sqlite"
    write_store(path, read_store(shipped_store_path()))
    return path


@pytest.fixture(scope="session")
def postgresql_server() -> Iterator[str]:
    """The URL of the session's throwaway PostgreSQL database (skips, saying why, where there
    is no PostgreSQL install)."""
    from postgres_server import remove_cluster, start_cluster, unavailable

    why = unavailable()
    if why is not None:
        pytest.skip(f"PostgreSQL tests skipped: {why}")
    cluster = start_cluster()
    try:
        yield cluster.url
    finally:
        remove_cluster(cluster)


@pytest.fixture(scope="session")
def shipped_data() -> Any:
    """The shipped knowledge base, read once (StoreData; never change it)."""
    from partnerkb.store import read_store

    return read_store(shipped_store_path())


@pytest.fixture(scope="session")
def shipped_pg_template(postgresql_server: str, shipped_data: Any) -> str:
    """The schema holding the shipped knowledge base that PostgreSQL copies are refilled from
    (never written by a test)."""
    from partnerkb.engines.postgresql import parse_url, write_store
    from postgres_server import store_url

    write_store(parse_url(store_url(postgresql_server, "shipped_template")), shipped_data)
    return "shipped_template"


_SCHEMAS = itertools.count(1)


@pytest.fixture
def new_pg_store(postgresql_server: str) -> Iterator[Callable[..., Any]]:
    """Make PostgreSQL stores for a test, each in a schema of its own (dropped afterwards):
    new_pg_store(data=None) gives its URL (a PgStore), its schema created holding `data`, or
    only named when `data` is None (for init)."""
    from partnerkb.engines.postgresql import parse_url, write_store
    from postgres_server import drop_schema, store_url

    made: list[str] = []

    def make(data: Any = None) -> Any:
        url = store_url(postgresql_server, f"t{os.getpid()}_{next(_SCHEMAS)}")
        made.append(url)
        if data is not None:
            write_store(parse_url(url), data)
        return url

    yield make
    for url in made:
        drop_schema(url)


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """The storage engine of the store the test uses: json, sqlite, then postgresql."""
    return str(request.param)


@pytest.fixture
def shipped_copy(tmp_path: Path, engine: str, request: pytest.FixtureRequest) -> Any:
    """A writable copy of the shipped knowledge base, in each engine: kb.json, kb.sqlite, and
    a schema of the test database (its URL, as a `postgres_server.PgStore`)."""
    if engine == "postgresql":  # one schema for these tests, refilled from a template each
        from postgres_server import refill, store_url

        server = request.getfixturevalue("postgresql_server")
        request.getfixturevalue("shipped_pg_template")
        url = store_url(server, "shipped_copy")
        refill(url, "shipped_template")
        return url
    if engine == "sqlite":
        target = tmp_path / "kb.sqlite"
        shutil.copyfile(request.getfixturevalue("shipped_sqlite"), target)
    else:
        target = tmp_path / "kb.json"
        shutil.copyfile(shipped_store_path(), target)
    return target


@pytest.fixture
def cli() -> Callable[..., Result]:
    """Run partnerkb in-process: cli("search", "Shusha", input=None, env=None)."""
    runner = CliRunner()

    def invoke(
        *args: str, input: str | bytes | None = None, env: dict[str, str] | None = None
    ) -> Result:
        return runner.invoke(app, list(args), input=input, env=env, catch_exceptions=False)

    return invoke
