"""The privacy commands, run in-process: thin over privacy/, readable errors, audited. Every command
acts as the person signed in with ``cohort login`` (``tests/cli_login.py``)."""

from __future__ import annotations

import json
import sqlite3

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.cli.common import UserError
from privacy.audit import AuditLog
from tests.cli_login import login
from tests.privacy_helpers import make_store

runner = CliRunner()
PASSWORD = "secret-123"


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    """Sign-in tokens in a temporary home."""
    from retrieval.settings import get_settings

    monkeypatch.setenv("COHORT_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    yield tmp_path / "home"
    get_settings.cache_clear()


@pytest.fixture
def db(tmp_path):
    make_store(tmp_path / "cli.db", patients=12)
    return str(tmp_path / "cli.db")


def run(*args, input=None):  # noqa: A002 - click's name
    return runner.invoke(app, list(args), input=input, catch_exceptions=True)


def sign_in(db, username, password=PASSWORD):  # noqa: ANN001, ANN201
    return login(run, username, password, "--db", db)


def add(db, username, role, centre="C1"):  # noqa: ANN001, ANN201
    """An account created by the centre's signed-in administrator (bootstrapped on first use)."""
    run("users", "bootstrap", f"admin-{centre}", "--centre", centre, "--password", PASSWORD, "--db", db)
    sign_in(db, f"admin-{centre}")
    out = run("users", "add", username, "--role", role, "--centre", centre, "--password", PASSWORD,
              "--db", db)
    assert out.exit_code == 0, out.output
    return out


def test_users_bootstrap_add_list_and_refusal(db):
    out = run("users", "add", "alice", "--role", "clinician", "--centre", "C1", "--password", PASSWORD,
              "--db", db)
    assert isinstance(out.exception, UserError) and "cohort login" in str(out.exception)  # nobody signed in
    out = add(db, "alice", "clinician")
    assert "alice" in out.output
    out = run("users", "bootstrap", "mallory", "--centre", "C1", "--password", PASSWORD, "--db", db)
    assert isinstance(out.exception, UserError) and "already has an administrator" in str(out.exception)
    out = run("users", "add", "bob", "--role", "clinician", "--centre", "C9", "--password", PASSWORD,
              "--db", db)
    assert isinstance(out.exception, UserError) and "centre C9" in str(out.exception)
    out = run("users", "list", "--json", "--as", "admin-C1", "--db", db)
    assert [u["username"] for u in json.loads(out.output)] == ["admin-C1", "alice"]
    sign_in(db, "alice")
    out = run("users", "add", "eve", "--role", "admin", "--centre", "C1", "--password", PASSWORD, "--db", db)
    assert isinstance(out.exception, UserError) and "cannot add a user" in str(out.exception)


def test_redact_stdin_with_explanations(db):
    out = run("redact", "-", "--db", db, "--explain",
              input="Mme Claire Carpentier, tél 06 12 34 56 78. Pas de métastase hépatique.\n")
    assert out.exit_code == 0
    assert "Mme <NOM>, tél <TEL>. Pas de métastase hépatique." in out.output
    assert "TitleNameRecognizer" in out.output and "Carpentier" not in out.output


def test_audit_verify_detects_tampering(db):
    add(db, "alice", "clinician")
    assert run("audit", "verify", "--db", db).exit_code == 0
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET username = 'mallory' WHERE id = 1")
    out = run("audit", "verify", "--db", db)
    assert out.exit_code == 2 and "BROKEN at entry 1" in out.output


def test_audit_show_filters_and_is_itself_audited(db):
    add(db, "dpo1", "dpo")
    sign_in(db, "dpo1")
    out = run("opposition", "set", "1", "--note", "courrier", "--db", db)  # patient 1 is in C1
    assert out.exit_code == 0, out.output
    out = run("audit", "show", "--user", "dpo1", "--json", "--as", "dpo1", "--db", db)
    entries = json.loads(out.output)
    assert [e["action"] for e in entries] == ["login", "session_open", "opposition_set"]
    from retrieval.store import Store

    assert AuditLog(Store(db)).entries(action="audit_read")[-1].username == "dpo1"


def test_reidentify_needs_the_right(db):
    add(db, "res", "researcher")
    sign_in(db, "res")
    out = run("reidentify", "P-0000000000", "--user", "res", "--db", db)
    assert isinstance(out.exception, UserError) and "ré-identifier" in str(out.exception)
    from retrieval.store import Store

    assert AuditLog(Store(db)).entries(username="res", action="denied")


def test_query_with_user_goes_through_the_session(db, tmp_path):
    from privacy.pseudonym import pseudo_id
    from retrieval.store import Store

    add(db, "clin", "clinician", "C2")
    add(db, "ref", "referent", "C2")
    crit = tmp_path / "c.json"
    crit.write_text('{"kind": "sex", "value": "F"}', encoding="utf-8")
    sign_in(db, "clin")
    out = run("query", str(crit), "--db", db, "--json")
    # hand-written criteria are a referent's right
    assert isinstance(out.exception, UserError) and "ne permet pas" in str(out.exception)
    sign_in(db, "ref")
    out = run("query", str(crit), "--user", "ref", "--db", db, "--json")
    assert out.exit_code == 0, out.output
    result = json.loads(out.output)
    store = Store(db)
    own = {pseudo_id(r["id"]) for r in store.query("SELECT id FROM patients WHERE centre_id = 'C2'")}
    assert result["rows"] and {r["pseudo_id"] for r in result["rows"]} <= own
    assert all("patient_id" not in r for r in result["rows"])
    assert AuditLog(store).entries(username="ref", action="list")
    run("logout", "--db", db)
    out = run("query", str(crit), "--db", db, "--json")  # nobody signed in: no rows, no ids, nothing
    assert isinstance(out.exception, UserError) and "cohort login" in str(out.exception)
