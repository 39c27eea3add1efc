"""pytest plugin: one real PostgreSQL server per test session (``pg_server``), started with
``initdb`` + ``pg_ctl`` on 127.0.0.1 in a temporary directory and deleted at the end.

Registered in ``tests/conftest.py`` with ``pytest_plugins``. Tests that need PostgreSQL take
``pg_server`` and call ``pg_server.new_database(name)`` for a private database. When the server
binaries are not installed the tests are skipped, saying so; any other failure to start is an error.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from eval.pg import TempPostgres, pg_bin


@pytest.fixture(scope="session")
def pg_server() -> Iterator[TempPostgres]:
    if pg_bin() is None:
        pytest.skip("PostgreSQL server binaries are not installed (/usr/lib/postgresql/*/bin/initdb)")
    server = TempPostgres()
    server.start()
    try:
        yield server
    finally:
        server.stop()
