"""A throwaway PostgreSQL cluster on 127.0.0.1, for benchmarks and tests that need a real one.

`postgres_cluster()` runs initdb in a fresh temporary directory, starts the server on an
ephemeral loopback port, yields a `PostgresCluster`, and always stops it and removes the
directory, whatever happened inside (as .ci/run does, in Python).

Traps:
- PostgreSQL refuses to run as root. Run as root (CI, containers), initdb and pg_ctl run
  as the `postgres` user through runuser, and the data directory is handed to that user;
  as anyone else they run as that user.
- `durable=True` keeps the server's own defaults that make a commit durable (fsync on,
  synchronous_commit on, full_page_writes on): a receipt is only worth what the commit
  before it is. `durable=False` turns them off, for speed where durability is not the
  question; callers that report numbers must say which they used (`settings`).
- The unix socket goes into the data directory (not /var/run/postgresql, which may not
  exist or belong to another cluster), and the server listens on 127.0.0.1 only.
- The port is picked by binding port 0 and closing it: another process could take it
  in between; start() then fails with the server's log, and nothing is left behind.
"""

from __future__ import annotations

import glob
import logging
import os
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

SUPERUSER = "postgres"
START_TIMEOUT_S = 60
DB_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class PostgresUnavailable(Exception):
    """No PostgreSQL server binaries on this machine, or the server would not start."""


def find_bin_dir() -> Path:
    """The newest /usr/lib/postgresql/*/bin (Debian's layout), or pg_ctl on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    if found:
        return Path(found[-1])
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl:
        return Path(pg_ctl).parent
    raise PostgresUnavailable("no PostgreSQL server binaries (apt-get install postgresql)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresCluster:
    """A running server: its port, data directory and the settings it was started with."""

    bin_dir: Path
    data_dir: Path
    port: int
    settings: dict[str, str]
    as_user: list[str] = field(default_factory=list)  # runuser prefix when run as root

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """CREATE DATABASE `name` (a plain lower-case identifier); returns its URL."""
        self.query("postgres", f"CREATE DATABASE {_plain_name(name)}")
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """DROP DATABASE `name` (a plain lower-case identifier), its connections ended first."""
        self.query("postgres", f"DROP DATABASE IF EXISTS {_plain_name(name)} WITH (FORCE)")

    def query(self, database: str, sql: str) -> list[tuple[object, ...]]:
        """Run one statement (autocommit) and return its rows, if it has any."""
        import psycopg  # the project's PostgreSQL driver; imported here so the module loads without it

        with psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER, dbname=database, autocommit=True) as c:
            cur = c.execute(sql.encode())
            return list(cur.fetchall()) if cur.description else []

    def postmaster_pid(self) -> int:
        """The server's main process (its backends are its children)."""
        return int((self.data_dir / "data" / "postmaster.pid").read_text().split()[0])

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = (self.data_dir / "server.log").read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def _run(self, args: Sequence[str], *, timeout: float) -> None:
        subprocess.run(
            [*self.as_user, *args], check=True, capture_output=True, text=True, timeout=timeout, cwd=self.data_dir
        )

    def start(self) -> None:
        options = [f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.data_dir}"]
        options += [f"-c {k}={v}" for k, v in self.settings.items()]
        try:
            self._run(
                [
                    str(self.bin_dir / "pg_ctl"),
                    "-D",
                    str(self.data_dir / "data"),
                    "-l",
                    str(self.data_dir / "server.log"),
                    "-w",
                    "-t",
                    str(START_TIMEOUT_S),
                    "-o",
                    " ".join(options),
                    "start",
                ],
                timeout=START_TIMEOUT_S + 10,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            raise PostgresUnavailable(f"PostgreSQL did not start ({exc}); log:\n{self.log_tail()}") from None

    def stop(self) -> None:
        try:
            self._run(
                [str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir / "data"), "-m", "fast", "stop"], timeout=60
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            log.warning("PostgreSQL in %s did not stop cleanly: %s", self.data_dir, exc)


def _plain_name(name: str) -> str:
    """`name` if it is a plain lower-case identifier (safe in a statement), else ValueError."""
    if not DB_NAME_RE.match(name):
        raise ValueError(f"not a plain database name: {name!r}")
    return name


def server_settings(*, durable: bool, max_connections: int, statements: bool = False) -> dict[str, str]:
    """The `-c` settings: durability as asked, room for `max_connections` clients, and with
    `statements` the pg_stat_statements module (each database still needs CREATE EXTENSION)."""
    settings = {"max_connections": str(max_connections), "shared_buffers": "256MB"}
    if statements:
        settings["shared_preload_libraries"] = "pg_stat_statements"
    if durable:
        settings.update(fsync="on", synchronous_commit="on", full_page_writes="on")
        # PostgreSQL's own WAL defaults, named so that a run's config shows them. Measured
        # (docs/scaling.md, 60 s at full load): 8 GB gave 291 records/s, 2 GB 302, 1 GB
        # 322. Between checkpoints every WAL segment is a new file, zero-filled by the
        # commit that needs it while it holds the WAL write lock (perf: 6% of the machine,
        # and commits waiting behind it); a checkpoint recycles old segments, whose pages
        # are still cached. The page images written after each checkpoint cost less.
        settings.update(max_wal_size="1GB", checkpoint_timeout="5min")
    else:
        settings.update(fsync="off", synchronous_commit="off", full_page_writes="off")
    return settings


@contextmanager
def postgres_cluster(
    *,
    durable: bool = True,
    max_connections: int = 100,
    statements: bool = False,
    extra: dict[str, str] | None = None,
) -> Iterator[PostgresCluster]:
    """Start a fresh cluster in a temporary directory; stop it and remove the directory on
    exit. `extra`: more `-c` settings, over the others (a benchmark's experiments)."""
    bin_dir = find_bin_dir()
    root = Path(tempfile.mkdtemp(prefix="bench-pg."))
    as_user: list[str] = []
    if os.geteuid() == 0:
        as_user = ["runuser", "-u", SUPERUSER, "--"]
        shutil.chown(root, SUPERUSER, SUPERUSER)
    os.chmod(root, 0o700)
    cluster = PostgresCluster(
        bin_dir,
        root,
        _free_port(),
        {**server_settings(durable=durable, max_connections=max_connections, statements=statements), **(extra or {})},
        as_user,
    )
    started = False
    try:
        try:
            cluster._run(
                [
                    str(bin_dir / "initdb"),
                    "-D",
                    str(root / "data"),
                    "-U",
                    SUPERUSER,
                    "-A",
                    "trust",
                    "--no-sync",
                    "-E",
                    "UTF8",
                ],
                timeout=120,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            detail = exc.stderr if isinstance(exc, subprocess.CalledProcessError) else str(exc)
            raise PostgresUnavailable(f"initdb failed: {detail}") from None
        cluster.start()
        started = True
        yield cluster
    finally:
        if started:
            cluster.stop()
        shutil.rmtree(root, ignore_errors=True)
