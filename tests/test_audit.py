"""The audit trail is a hash chain: intact after concurrent writers, broken where tampered."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from privacy.audit import GENESIS, AuditLog
from retrieval.store import Store
from tests.privacy_helpers import make_store


@pytest.fixture
def store(tmp_path):
    return make_store(tmp_path / "a.db", patients=3)


def fill(store, n=5):
    log = AuditLog(store)
    for i in range(n):
        log.record("alice", "count", centre_id="C1", criteria={"kind": "sex", "value": "F"}, result_size=i)
    return log


def raw(store):
    """A second connection with the append-only triggers dropped: what an attacker with the file can do."""
    conn = sqlite3.connect(store.path, isolation_level=None)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("DROP TRIGGER audit_log_no_delete")
    return conn


def test_chain_verifies_and_links(store):
    log = fill(store)
    report = log.verify()
    assert report.ok and report.checked == 5 and report.head == log.head()
    entries = log.entries()
    assert entries[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))


def test_database_refuses_update_and_delete(store):
    fill(store, 2)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.execute("UPDATE audit_log SET result_size = 99")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.execute("DELETE FROM audit_log")


def test_altered_entry_is_found(store):
    log = fill(store)
    target = log.entries()[2].id
    conn = raw(store)
    conn.execute("UPDATE audit_log SET result_size = 0 WHERE id = ?", (target,))
    report = log.verify()
    assert not report.ok and report.first_broken == target and "altered" in report.reason
    assert report.checked == 2


def test_deleted_entry_is_found(store):
    log = fill(store)
    ids = [e.id for e in log.entries()]
    conn = raw(store)
    conn.execute("DELETE FROM audit_log WHERE id = ?", (ids[1],))
    report = log.verify()
    assert not report.ok and report.first_broken == ids[2] and "inserted or deleted" in report.reason


def test_rehashed_forgery_is_found(store):
    """Changing an entry and recomputing its own hash still breaks the next link."""
    from privacy.audit import entry_hash

    log = fill(store)
    e = log.entries()[1]
    fields = e.to_dict() | {"result_size": 1000, "details": e.details, "criteria": e.criteria}
    forged = entry_hash(fields, e.prev_hash)
    conn = raw(store)
    conn.execute("UPDATE audit_log SET result_size = 1000, hash = ? WHERE id = ?", (forged, e.id))
    report = log.verify()
    assert not report.ok and report.first_broken == log.entries()[2].id


def test_concurrent_writers_keep_one_chain(store):
    errors = []

    def worker(name):
        try:
            own = Store(store.url)  # one connection per writer, as separate sessions have
            log = AuditLog(own)
            for i in range(15):
                log.record(name, "view", details={"i": i})
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"user{k}",)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    log = AuditLog(store)
    assert log.count(action="view") == 60
    assert log.verify().ok


def test_filters(store):
    log = AuditLog(store)
    log.record("alice", "count", centre_id="C1")
    log.record("bob", "export", centre_id="C2", purpose="Étude fertilité, avis CPP 2021-12")
    assert [e.action for e in log.entries(username="bob")] == ["export"]
    assert log.entries(username="bob")[0].purpose.startswith("Étude")
    assert log.entries(since="2999-01-01") == []
    assert len(log.entries(limit=1)) == 1 and log.entries(limit=1)[0].username == "bob"


@pytest.mark.postgres
def test_chain_and_append_only_on_postgresql(pg_server):
    import psycopg

    store = Store(pg_server.new_database("privacy_audit"))
    log = fill(store, 3)
    with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
        store.execute("UPDATE audit_log SET result_size = 1")
    errors = []

    def worker(name):
        try:
            own = AuditLog(Store(store.url))
            for i in range(10):
                own.record(name, "view", details={"i": i})
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"pg{k}",)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    report = log.verify()
    assert report.ok and report.checked == 33
