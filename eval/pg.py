"""A throwaway PostgreSQL server (tests, benchmarks) and a row copier from a SQLite store.

Tests about PostgreSQL use a real server, never a mock: ``TempPostgres`` runs ``initdb`` in a
temporary directory (as user ``postgres`` when we are root, since PostgreSQL refuses to run as
root), listens on 127.0.0.1 on a free port, and deletes everything on ``stop()``.

``copy_store(src, dst)`` loads the same corpus into PostgreSQL by copying the rows of a SQLite
store that was already ingested: the qualifier flags come from annotation, so copying rows is the
only way to be sure both databases hold exactly the same data.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from retrieval.store import Store
from retrieval.tables import CLINICAL_TABLES

BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)



def pg_bin() -> Path | None:
    """The directory of PostgreSQL's server binaries, or None when PostgreSQL is not installed."""
    for d in BIN_DIRS:
        if (d / "initdb").exists() and (d / "pg_ctl").exists():
            return d
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TempPostgres:
    """``with TempPostgres() as pg: Store(pg.url)`` — a private server, gone after the block."""

    def __init__(self, db: str = "cohort", extra: dict[str, str] | None = None) -> None:
        bindir = pg_bin()
        if bindir is None:
            raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin")
        self.bin = bindir
        self.db = db
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="cohort-pg-"))
        self.data = self.root / "data"
        self.settings = {
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            **(extra or {}),
        }
        self._as_postgres = os.geteuid() == 0

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{self.db}"

    def _run(self, *args: str) -> None:
        cmd = [str(a) for a in args]
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:1])} failed: {out.stderr.strip() or out.stdout.strip()}")

    def start(self) -> TempPostgres:
        if self._as_postgres:
            os.chmod(self.root, 0o755)
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        self._run(
            self.bin / "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
        )
        opts = " ".join(
            [f"-p {self.port}", "-c listen_addresses=127.0.0.1", f"-k {self.root}"]
            + [f"-c {k}={v}" for k, v in self.settings.items()]
        )
        self._run(
            self.bin / "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            opts,
            "-l",
            str(self.root / "log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(
                    f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True
                ) as conn:
                    conn.execute(f'CREATE DATABASE "{self.db}"')
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        return self

    def new_database(self, name: str) -> str:
        """Create another empty database on this server; returns its URL."""
        import psycopg

        if not name.replace("_", "").isalnum():
            raise ValueError(f"unsafe database name {name!r}")
        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run(self.bin / "pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> TempPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def copy_store(
    src: Store, dst: Store, *, batch: int = 5000, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Copy every clinical row of ``src`` into the (migrated, empty) ``dst``; returns rows per table.

    Generated columns (PostgreSQL's ``segments.tsv``) are computed by ``dst`` itself. Identity
    sequences are moved past the copied ids so later inserts do not collide.
    """
    counts: dict[str, int] = {}
    for table in CLINICAL_TABLES:
        src_cols = [r["name"] for r in src.query(f"PRAGMA table_info({table})")]
        dst_cols = set(_columns(dst, table))
        cols = [c for c in src_cols if c in dst_cols]
        insert = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})"
        cur = src.connection().execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY rowid")
        n = 0
        with dst.transaction():
            while rows := cur.fetchmany(batch):
                dst.executemany(insert, [dict(zip(cols, r, strict=True)) for r in rows])
                n += len(rows)
                if progress:
                    progress(table, n)
        counts[table] = n
        if dst.dialect == "postgres" and "id" in cols and n:
            seq = dst.scalar("SELECT pg_get_serial_sequence(:t, 'id')", {"t": table})
            if seq:
                dst.execute(f"SELECT setval('{seq}', (SELECT MAX(id) FROM {table}))")
    if dst.dialect == "postgres":
        dst.execute("ANALYZE")
    return counts


def _columns(store: Store, table: str) -> list[str]:
    if store.dialect == "sqlite":
        return [r["name"] for r in store.query(f"PRAGMA table_info({table})")]
    return [
        r["column_name"]
        for r in store.query(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_name = :t AND is_generated = 'NEVER'",
            {"t": table},
        )
    ]
