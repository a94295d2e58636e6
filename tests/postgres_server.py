"""A throwaway PostgreSQL cluster for the tests, and PostgreSQL stores as test fixtures see them.

The cluster is made with the installed server's own `initdb` and `pg_ctl` (from `pg_config
--bindir`, else the newest /usr/lib/postgresql/*/bin) in a temporary folder, listening on
127.0.0.1 on a free port, with `trust` authentication for the role `partnerkb` (and `reader`),
a password for the role `analyst`; it is stopped
and removed at the end of the session. PostgreSQL refuses to run as root: as root (CI), the
cluster's folder belongs to an unprivileged user and its commands run as that user (`runuser`).
Without a server install or the psycopg driver, `unavailable()` says why (the tests skip).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROLE = "partnerkb"
DATABASE = "partnerkb_tests"
UNPRIVILEGED = ("nobody", "postgres", "daemon")
PASSWORD_ROLE, PASSWORD = "analyst", "right horse battery"  # a role that needs its password
READER = "reader"  # a role given only SELECT by the tests that use it


def bin_dir() -> Path | None:
    """The folder holding initdb and pg_ctl, or None."""
    candidates: list[str] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True,
                                 timeout=30, check=True)  # fmt: skip
            candidates.append(out.stdout.strip())

    def version(path: str) -> float:
        try:
            return float(Path(path).parent.name)
        except ValueError:
            return 0.0

    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)
    for folder in candidates:
        if folder and all(os.access(Path(folder, tool), os.X_OK) for tool in ("initdb", "pg_ctl")):
            return Path(folder)
    return None


def unavailable() -> str | None:
    """Why no throwaway server can run here, or None."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "the psycopg driver is not installed (pip install 'partnerkb[postgresql]')"
    if bin_dir() is None:
        return ("PostgreSQL is not installed (no initdb/pg_ctl from pg_config --bindir or in "
                "/usr/lib/postgresql/*/bin; Debian: apt-get install postgresql)")  # fmt: skip
    if os.geteuid() == 0 and _unprivileged() is None or os.geteuid() == 0 and not shutil.which(
            "runuser"):  # fmt: skip
        return "running as root with no unprivileged user (nobody) and runuser to run PostgreSQL"
    return None


def _unprivileged() -> pwd.struct_passwd | None:
    for name in UNPRIVILEGED:
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Cluster:
    """A running throwaway cluster."""

    folder: Path
    port: int
    tools: Path
    user: pwd.struct_passwd | None  # who runs it (root's tests), None: this user

    @property
    def url(self) -> str:
        """The test database's URL (no password: trust authentication)."""
        return f"postgresql://{ROLE}@127.0.0.1:{self.port}/{DATABASE}"

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.tools / args[0]), *args[1:]]
        if self.user is not None:
            command = ["runuser", "-u", self.user.pw_name, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=300,
                              cwd=self.folder)  # fmt: skip

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop")

    def start(self) -> None:
        # no autovacuum: its ANALYZE of one test's tables holds a snapshot that keeps another
        # test's VACUUM from marking fresh pages all-visible (partnerkb VACUUMs and ANALYZEs
        # what it loads itself)
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
                   " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                   " -c autovacuum=off")  # fmt: skip
        done = self.run("pg_ctl", "-D", str(self.folder / "data"), "-o", options,
                        "-l", str(self.folder / "server.log"), "-w", "-t", "120",
                        "start")  # fmt: skip
        if done.returncode != 0:
            log = self.folder / "server.log"
            said = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {done.stderr.strip()} {said}")


def start_cluster() -> Cluster:
    """initdb and start a cluster in a new temporary folder (see the module's doc)."""
    tools = bin_dir()
    assert tools is not None
    user = _unprivileged() if os.geteuid() == 0 else None
    folder = Path(tempfile.mkdtemp(prefix="partnerkb-pg-"))
    if user is not None:
        os.chown(folder, user.pw_uid, user.pw_gid)
    cluster = Cluster(folder, _free_port(), tools, user)
    done = cluster.run("initdb", "-D", str(folder / "data"), "-U", ROLE, "--auth=trust",
                       "-E", "UTF8", "--no-locale", "--no-sync")  # fmt: skip
    if done.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {done.stderr.strip()}")
    # one role signs in with a password (the others are trusted): the first matching line wins
    hba = folder / "data" / "pg_hba.conf"
    hba.write_text(f"host all {PASSWORD_ROLE} 127.0.0.1/32 scram-sha-256\n" + hba.read_text())
    try:
        cluster.start()
        import psycopg

        with psycopg.connect(f"postgresql://{ROLE}@127.0.0.1:{cluster.port}/postgres",
                             autocommit=True) as conn:  # fmt: skip
            conn.execute(f"CREATE DATABASE {DATABASE}")
            conn.execute(f"CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD '{PASSWORD}'")
            conn.execute(f"CREATE ROLE {READER} LOGIN")
    except BaseException:
        remove_cluster(cluster)
        raise
    return cluster


def remove_cluster(cluster: Cluster) -> None:
    with contextlib.suppress(Exception):
        cluster.stop()
    shutil.rmtree(cluster.folder, ignore_errors=True)


class PgStore(str):
    """A PostgreSQL store as the tests hold a store file: its URL as a str (for --db and
    `read_store`), and `read_bytes()`, the whole store dumped as canonical JSON (every table,
    every record), so that "the store is unchanged" reads the same as for a file."""

    def read_bytes(self) -> bytes:
        from partnerkb.store import dumps, read_store

        return dumps(read_store(str(self)).to_json())

    def write_bytes(self, content: bytes) -> None:
        """Put back a store as `read_bytes` gave it (every table as it was)."""
        import json

        from store_files import save_tables

        save_tables(str(self), json.loads(content))

    @property
    def schema(self) -> str:
        from partnerkb.engines.postgresql import parse_url

        return parse_url(str(self)).schema


def store_url(base: str, schema: str) -> PgStore:
    return PgStore(f"{base}?schema={schema}")


def drop_schema(url: str) -> None:
    """Remove a store's schema (what a test made)."""
    import psycopg

    from partnerkb.engines.postgresql import parse_url

    target = parse_url(url)
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{target.schema}" CASCADE')


def refill(url: str, template: str) -> None:
    """Make the store at `url` a copy of the store in schema `template` of the same database:
    every table emptied and filled from the template's, in one transaction (much faster than
    creating the schema); the schema is made anew when that fails (missing, or changed by a
    test)."""
    import psycopg

    from partnerkb.engines.postgresql import parse_url

    target = parse_url(url)
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY 1", [template])]
        try:
            with conn.transaction():
                names = ", ".join(f'"{target.schema}"."{t}"' for t in tables)
                conn.execute(f"TRUNCATE {names}")
                for table in tables:
                    conn.execute(f'INSERT INTO "{target.schema}"."{table}"'
                                 f' SELECT * FROM "{template}"."{table}"')
            return
        except psycopg.Error:
            pass
        conn.execute(f'DROP SCHEMA IF EXISTS "{target.schema}" CASCADE')
    from partnerkb.engines.postgresql import write_store
    from partnerkb.store import read_store

    write_store(target, read_store(url.replace(f"schema={target.schema}", f"schema={template}")))
