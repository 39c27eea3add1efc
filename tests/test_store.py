"""The store applies versioned migrations once and speaks ':name' parameters on every dialect."""

from __future__ import annotations

from retrieval.store import Store, load_migrations, parse_url


def test_migrations_apply_once(tmp_path):
    store = Store(str(tmp_path / "s.db"))
    versions = [m.version for m in load_migrations()]
    assert store.schema_version() == max(versions)
    again = Store(str(tmp_path / "s.db"))
    assert again.migrate() == []


def test_named_parameters_and_transactions(tmp_path):
    store = Store(str(tmp_path / "s.db"))
    store.execute("INSERT INTO centres (id, name, city) VALUES (:id, :name, :city)",
                  {"id": "C1", "name": "Centre 100%", "city": "Lyon"})
    try:
        with store.transaction():
            store.execute("INSERT INTO centres (id, name) VALUES (:id, :name)", {"id": "C2", "name": "x"})
            raise RuntimeError("abort")
    except RuntimeError:
        pass
    rows = store.query("SELECT id, name FROM centres WHERE name LIKE :p", {"p": "%100%"})
    assert rows == [{"id": "C1", "name": "Centre 100%"}]
    assert store.scalar("SELECT COUNT(*) FROM centres") == 1


def test_url_parsing():
    assert parse_url("/tmp/a.db") == ("sqlite", "/tmp/a.db")
    assert parse_url("sqlite:////tmp/a.db") == ("sqlite", "/tmp/a.db")
    assert parse_url("sqlite:///rel/a.db") == ("sqlite", "rel/a.db")
    assert parse_url("postgresql://u@h/db")[0] == "postgres"
