"""Issue 12, attack by attack: each test repeats what the attacker did and checks it no longer works.

The store is a small ingested corpus (real ingestion, real FTS, real Presidio) with the demo
accounts of two centres (``<role>.c1`` / ``<role>-demo-2024``); commands run through the real
`cohort` application in-process, signed in through ``cohort login --password-stdin``. SECURITY.md
lists these tests against the findings.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.cli.common import UserError
from privacy.audit import AuditLog
from privacy.pseudonym import pseudo_id
from query_compiler.engine.facts import snippet
from retrieval.settings import get_settings
from retrieval.store import Store
from tests.cli_login import login
from tests.conftest import write_handmade_corpus

# The identifiers (finding 1), with valid NIR keys, placed so that a 70-character excerpt
# after "née le" ends inside them.
NIR_1 = "2 45 12 51 285 123 59"
NIR_2 = "2 36 07 63 695 338 94"
PHONE = "07 63 71 42 18"
FRAGMENTS = ("2 45 12", "45 12 51", "2 36 07", "36 07 63", "07 63 71", "63 71 42")


def _edge_text(label: str, identifier: str) -> str:
    """A sentence where the identifier starts ~55 characters after 'née le' (inside a 70 window)."""
    head = "Patiente née le"
    filler = " 14/12/1945, adressée pour avis en oncologie médicale."
    filler = filler + " " * max(0, 52 - len(filler) - len(label) - 3)
    return f"{head}{filler} {label} : {identifier} ; suivi habituel. Carcinome canalaire infiltrant."


@pytest.fixture(scope="module")
def secured(tmp_path_factory):  # noqa: ANN201
    """(db path, store) of a 6-patient ingested corpus with leaky documents and the demo accounts."""
    from privacy.users import seed_demo_users
    from retrieval.ingest import ingest

    root = tmp_path_factory.mktemp("sec")
    corpus = write_handmade_corpus(root / "corpus", patients=6, docs_per_patient=1)
    docs_file = corpus / "documents" / "0000.jsonl"
    docs = [json.loads(line) for line in docs_file.read_text(encoding="utf-8").splitlines()]
    leaks = [_edge_text("N° SS", NIR_1), _edge_text("NIR", NIR_2), _edge_text("Téléphone", PHONE)]
    for doc, text in zip(docs[:5:2], leaks, strict=True):  # patients 1, 3, 5: all in centre C1
        doc["text"] = text
    docs_file.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in docs) + "\n",
                         encoding="utf-8")
    store = Store(str(root / "sec.db"))
    ingest(corpus, store, ocr=False, progress=False, workers=1)
    seed_demo_users(store)
    return str(root / "sec.db"), store


@pytest.fixture
def cli(tmp_path, monkeypatch):  # noqa: ANN201
    monkeypatch.setenv("COHORT_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args, input=None: runner.invoke(app, list(args), input=input, catch_exceptions=True)
    get_settings.cache_clear()


def sign_in(cli, db: str, username: str) -> None:  # noqa: ANN001
    login(cli, username, f"{username.split('.')[0]}-demo-2024", "--db", db)


def c1_pseudo(store: Store) -> str:
    return pseudo_id(store.scalar("SELECT MIN(id) FROM patients WHERE centre_id = 'C1'"))


# -- finding 1: excerpts cut through identifiers --------------------------------------------------------
def test_raw_excerpts_would_cut_through_the_identifiers():
    """The setting of finding 1 is real: cutting first leaves a fragment no recogniser can read."""
    for ident in (NIR_1, NIR_2, PHONE):
        text = _edge_text("X", ident)
        start = text.index("née le")
        raw, _ = snippet(text, [(start, start + len("née le"))])
        assert ident not in raw and ident[:7] in raw  # a piece of it, cut at the edge


def test_excerpts_are_cut_after_redaction_in_chat_cli_and_export(secured, cli, tmp_path):
    db, store = secured
    from assistant.core.session import Session
    from privacy.users import get_user
    from query_compiler.criteria.compact import from_compact

    # The chat's engine (Session), as a referent of C1.
    s = Session(store, get_user(store, "referent.c1"))
    result = s.run_criteria(from_compact('text("née le")'))
    shown = json.dumps(result.to_dict(), ensure_ascii=False)
    excerpts = [f.snippet for r in result.rows for f in r.facts if f.snippet]
    assert result.count == 3 and len(excerpts) == 3 and all("née le" in e for e in excerpts)
    assert not any(f in shown for f in FRAGMENTS), shown
    # The CLI.
    sign_in(cli, db, "referent.c1")
    out = cli("query", 'text("née le")', "--db", db, "--json")
    assert out.exit_code == 0, out.output
    assert "née le" in out.output and not any(f in out.output for f in FRAGMENTS)
    # The CSV export (pseudonymised, dates shifted): where a NIR prefix would also undo the shift.
    csv_path = tmp_path / "x.csv"
    out = cli("export", "--purpose", "Étude de faisabilité (protocole de test)", "--out", str(csv_path),
              "--db", db)
    assert out.exit_code == 0, out.output
    exported = csv_path.read_text(encoding="utf-8")
    assert list(csv.reader(io.StringIO(exported))) and not any(f in exported for f in FRAGMENTS)


# -- finding 2: no identity, full access ----------------------------------------------------------------
def test_no_sign_in_no_data(secured, cli):
    db, store = secured
    before = AuditLog(store).count()
    for args in (["query", 'text("née le")', "--json"], ["similar", c1_pseudo(store)],
                 ["ask", "cancer du sein", "--no-llm", "--json"],
                 ["timeline", c1_pseudo(store), "--out", "x.png"]):
        out = cli(*args, "--db", db)
        assert isinstance(out.exception, UserError) and "cohort login" in str(out.exception)
        assert "P-" not in out.output and "pseudo_id" not in out.output and '"count"' not in out.output
    assert AuditLog(store).count() == before  # nothing was read, so nothing to attribute


# -- finding 3: --user / COHORT_USER not authenticated --------------------------------------------------
def test_cohort_user_cannot_impersonate(secured, cli, monkeypatch):
    db, store = secured
    ident = store.query("SELECT ipp, last_name FROM identities WHERE patient_id = 1")[0]
    monkeypatch.setenv("COHORT_USER", "research_associate.c1")
    out = cli("reidentify", c1_pseudo(store), "--db", db)  # nobody signed in
    assert isinstance(out.exception, UserError) and ident["ipp"] not in out.output
    monkeypatch.delenv("COHORT_USER")
    sign_in(cli, db, "clinician.c1")
    monkeypatch.setenv("COHORT_USER", "research_associate.c1")
    out = cli("reidentify", c1_pseudo(store), "--db", db)
    assert isinstance(out.exception, UserError) and "signed in as clinician.c1" in str(out.exception)
    assert ident["ipp"] not in out.output and ident["last_name"] not in out.output
    denied = AuditLog(store).entries(username="clinician.c1", action="denied")
    assert denied and denied[-1].details_dict()["claimed"] == "research_associate.c1"
    monkeypatch.delenv("COHORT_USER")
    out = cli("users", "set-role", "clinician.c1", "admin", "--db", db, "--as", "admin.c1")
    assert isinstance(out.exception, UserError) and "signed in as clinician.c1" in str(out.exception)


def test_admin_commands_need_a_sign_in(secured, cli):
    db, store = secured
    for args in (["users", "set-role", "clinician.c1", "admin"], ["users", "password", "clinician.c1",
                                                                  "--password", "hijacked-123"]):
        out = cli(*args, "--db", db)
        assert isinstance(out.exception, UserError) and "cohort login" in str(out.exception)
    from privacy.users import authenticate

    assert authenticate(store, "clinician.c1", "clinician-demo-2024") is not None


def test_wrong_password_is_refused_and_audited(secured, cli):
    db, store = secured
    out = cli("login", "referent.c1", "--password-stdin", "--db", db, input="not-the-password\n")
    assert isinstance(out.exception, UserError) and "Wrong username or password" in str(out.exception)
    assert AuditLog(store).entries(username="referent.c1", action="login_failed")


def test_token_file_is_private_and_sign_in_ends(secured, cli, tmp_path):
    db, store = secured
    sign_in(cli, db, "clinician.c1")
    sessions = tmp_path / "home" / "cli" / "sessions"
    files = list(sessions.iterdir())
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(sessions.stat().st_mode) == 0o700
    assert stat.S_IMODE(sessions.parent.stat().st_mode) == 0o700
    token = json.loads(files[0].read_text())["token"]
    assert token not in json.dumps(store.query("SELECT * FROM auth_sessions"))  # only its hash is stored
    assert cli("whoami", "--db", db).exit_code == 0
    # Inactivity: 31 minutes without use (default 30) ends it, and the refusal is audited.
    idle = (datetime.now(UTC) - timedelta(minutes=31)).isoformat(timespec="seconds")
    store.execute("UPDATE auth_sessions SET last_used = :t WHERE revoked_at IS NULL"
                  " AND username = 'clinician.c1'", {"t": idle})
    out = cli("whoami", "--db", db)
    assert isinstance(out.exception, UserError) and "without use" in str(out.exception)
    last = AuditLog(store).entries(username="clinician.c1", action="denied")[-1]
    assert last.details_dict()["reason"] == "idle"
    # Logout revokes the session in the store, not only the file.
    sign_in(cli, db, "clinician.c1")
    token = json.loads(files[0].read_text())["token"]
    assert cli("logout", "--db", db).exit_code == 0
    from privacy.sessions import NotSignedIn, resolve

    with pytest.raises(NotSignedIn):
        resolve(store, token)
    # A token file others can read is not trusted.
    sign_in(cli, db, "clinician.c1")
    files[0].chmod(0o644)
    out = cli("whoami", "--db", db)
    assert isinstance(out.exception, UserError) and "readable by others" in str(out.exception)
    assert not files[0].exists()


def test_repeated_failures_lock_the_account_for_a_while(tmp_path, cli):
    from privacy.users import add_user
    from tests.privacy_helpers import make_store

    db = str(tmp_path / "lock.db")
    store = make_store(Path(db), patients=3)
    add_user(store, "alice", "password-alice", "clinician", "C1", by="test")
    for _ in range(5):
        cli("login", "alice", "--password-stdin", "--db", db, input="guess\n")
    out = cli("login", "alice", "--password-stdin", "--db", db, input="password-alice\n")
    assert isinstance(out.exception, UserError)
    assert AuditLog(store).entries(username="alice", action="login_failed")[-1].details_dict()["reason"] \
        == "too many failures, waiting"


# -- finding 4: admin and DPO reach patient data ----------------------------------------------------------
@pytest.mark.parametrize("role", ["admin", "dpo"])
def test_admin_and_dpo_get_no_patient_rows(secured, cli, role):
    db, store = secured
    sign_in(cli, db, f"{role}.c1")
    pseudo = c1_pseudo(store)
    for args in (["timeline", pseudo, "--out", "x.png"], ["similar", pseudo], ["query", "sex=F", "--json"]):
        out = cli(*args, "--db", db)
        assert isinstance(out.exception, UserError) and "P-" not in out.output, (args, out.output)
    denied = AuditLog(store).entries(username=f"{role}.c1", action="denied")
    assert {e.details_dict().get("function") for e in denied} >= {"timeline", "similar"}


# -- finding 5: an admin beyond its centre, promoting itself -------------------------------------------------
def test_admin_stays_in_its_centre_and_cannot_promote_itself(secured, cli):
    db, store = secured
    from privacy.users import get_user

    sign_in(cli, db, "admin.c1")
    out = cli("users", "add", "mole", "--role", "referent", "--centre", "C2", "--password", "password-123",
              "--db", db)
    assert isinstance(out.exception, UserError) and "centre C2" in str(out.exception)
    assert get_user(store, "mole") is None
    out = cli("users", "password", "referent.c2", "--password", "taken-over-123", "--db", db)
    assert isinstance(out.exception, UserError)
    out = cli("users", "set-role", "admin.c1", "research_associate", "--db", db)
    assert isinstance(out.exception, UserError) and "own account" in str(out.exception)
    out = cli("users", "deactivate", "clinician.c2", "--db", db)
    assert isinstance(out.exception, UserError)
    assert get_user(store, "admin.c1").role.value == "admin" and get_user(store, "clinician.c2").active
    reasons = {e.details_dict().get("reason") for e in AuditLog(store).entries(username="admin.c1",
                                                                               action="denied")}
    assert {"other centre", "own account"} <= reasons
    # ... and still administers its own centre.
    out = cli("users", "add", "newcomer", "--role", "clinician", "--centre", "C1", "--password",
              "password-123", "--db", db)
    assert out.exit_code == 0, out.output


def test_opposition_and_audit_stay_in_the_centre(secured, cli):
    db, store = secured
    sign_in(cli, db, "dpo.c1")
    other = pseudo_id(store.scalar("SELECT MIN(id) FROM patients WHERE centre_id = 'C2'"))
    out = cli("opposition", "set", other, "--db", db)
    assert isinstance(out.exception, UserError)
    assert not store.scalar("SELECT opposition FROM patients WHERE centre_id = 'C2' ORDER BY id LIMIT 1")
    out = cli("audit", "show", "--json", "--limit", "500", "--db", db)
    assert out.exit_code == 0 and all(e["centre_id"] == "C1" for e in json.loads(out.output))


# -- finding 7: public default pseudonym key --------------------------------------------------------------
def test_no_secret_no_service(secured, cli, monkeypatch):
    db, _ = secured
    for value in (None, "demo-secret-change-me", "short"):
        if value is None:
            monkeypatch.delenv("COHORT_SECRET")
        else:
            monkeypatch.setenv("COHORT_SECRET", value)
        get_settings.cache_clear()
        out = cli("login", "referent.c1", "--password-stdin", "--db", db, input="referent-demo-2024\n")
        assert isinstance(out.exception, UserError) and "COHORT_SECRET" in str(out.exception)
        with pytest.raises(PermissionError, match="COHORT_SECRET"):
            pseudo_id(1)


def test_the_demo_has_its_own_secret_for_its_store_only(tmp_path, monkeypatch):
    from privacy.keys import SecretMissing, secret_source, write_demo_secret

    monkeypatch.setenv("COHORT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("COHORT_SECRET")
    monkeypatch.delenv("COHORT_DB", raising=False)
    get_settings.cache_clear()
    path = write_demo_secret()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(path.read_text()) >= 32
    value, source = secret_source()  # the demo store is the default store
    assert source == "demo" and value == path.read_text()
    with pytest.raises(SecretMissing, match="COHORT_SECRET"):
        secret_source(str(tmp_path / "real-centre.db"))
    get_settings.cache_clear()


# -- finding 8: the audit chain can be rewritten ------------------------------------------------------------
def _tamper_copy(store: Store, tmp_path: Path) -> tuple[Store, sqlite3.Connection]:
    """A copy of the store (with its anchor) whose append-only triggers are dropped."""
    store.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    target = tmp_path / "t.db"
    shutil.copyfile(store.path, target)
    anchor = Path(str(Path(store.path).resolve()) + ".audit-anchor")
    data = json.loads(anchor.read_text())
    from privacy.anchor import _mac
    from privacy.keys import audit_key

    copy = Store(str(target))
    data["mac"] = _mac(copy, data["id"], data["hash"], audit_key())  # the operator re-anchors the copy
    Path(str(target.resolve()) + ".audit-anchor").write_text(json.dumps(data))
    conn = sqlite3.connect(target, isolation_level=None)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("DROP TRIGGER audit_log_no_delete")
    return copy, conn


def test_recomputed_chain_is_detected(secured, tmp_path):
    """The attacker edits a row, then recomputes every hash with the project's code but without the
    key (plain SHA-256 as before, or an HMAC under a guessed key)."""
    import hashlib
    import hmac

    from privacy.audit import _FIELDS, GENESIS, canonical

    _, store = secured
    AuditLog(store).record("alice", "export", centre_id="C1", result_size=10,
                           purpose="Étude autorisée n° 1")
    for guess in (None, b"demo-secret-change-me"):
        copy, conn = _tamper_copy(store, tmp_path)
        assert AuditLog(copy).verify().ok
        conn.execute("UPDATE audit_log SET result_size = 99999 WHERE action = 'export'")
        prev = GENESIS
        for row in copy.query("SELECT * FROM audit_log ORDER BY id"):
            payload = canonical({**{k: row.get(k) for k in _FIELDS}, "prev_hash": prev}).encode()
            digest = (hashlib.sha256(payload).hexdigest() if guess is None
                      else hmac.new(guess, payload, hashlib.sha256).hexdigest())
            conn.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?",
                         (prev, digest, row["id"]))
            prev = digest
        report = AuditLog(copy).verify()
        assert not report.ok and report.first_broken == 1 and "audit key" in report.reason
        conn.close()
        copy.close()
        os.remove(tmp_path / "t.db")


def test_deleting_the_last_rows_is_detected(secured, tmp_path, cli):
    db, store = secured
    for i in range(3):
        AuditLog(store).record("bob", "count", centre_id="C1", result_size=i)
    copy, conn = _tamper_copy(store, tmp_path)
    last = copy.scalar("SELECT MAX(id) FROM audit_log")
    conn.execute("DELETE FROM audit_log WHERE id > ?", (last - 2,))
    report = AuditLog(copy).verify()
    assert not report.ok and report.first_broken == last and "deleted" in report.reason
    # Deleting the anchor as well is no way out either.
    Path(str(Path(copy.path).resolve()) + ".audit-anchor").unlink()
    report = AuditLog(copy).verify()
    assert not report.ok and "no anchor" in report.reason
    # New entries (a DPO signing in) do not paper over it, and the command says so (exit code 2).
    sign_in(cli, str(copy.path), "dpo.c1")
    out = cli("audit", "verify", "--db", str(copy.path))
    assert out.exit_code == 2 and "BROKEN" in out.output
    # Only an explicit, recorded re-anchor (after a restore) makes the trail a new reference.
    out = cli("audit", "anchor", "--reason", "Restauration de la sauvegarde du 3 mars (ticket 42)",
              "--db", str(copy.path))
    assert out.exit_code == 0 and "intact" in out.output
    assert AuditLog(copy).entries(action="audit_anchor")[-1].details_dict()["was_ok"] is False


# -- finding 10: the smaller ones ------------------------------------------------------------------------
def test_long_question_refused_at_once_without_echo(secured, cli):
    db, store = secured
    from assistant.core.errors import AssistantError
    from assistant.core.session import Session
    from privacy.users import get_user

    question = "cancer du sein " * 7000  # ~100,000 characters
    with pytest.raises(AssistantError) as err:
        Session(store, get_user(store, "clinician.c1"), use_llm=True).understand(question)
    assert err.value.key == "error.too_long" and len(err.value.message("fr")) < 200
    sign_in(cli, db, "clinician.c1")
    out = cli("ask", question, "--db", db)
    assert isinstance(out.exception, UserError) and len(str(out.exception)) < 200


def test_other_centre_pseudonym_reads_as_unknown(secured, cli):
    db, store = secured
    sign_in(cli, db, "clinician.c1")
    other = pseudo_id(store.scalar("SELECT MIN(id) FROM patients WHERE centre_id = 'C2'"))
    unknown = "P-0000000000"
    for command in (["timeline", "{p}", "--out", "x.png"], ["reidentify", "{p}"], ["similar", "{p}"]):
        said = []
        for p in (other, unknown):
            out = cli(*[a.format(p=p) for a in command], "--db", db)
            assert isinstance(out.exception, UserError)
            said.append(str(out.exception).replace(p, "P-?"))
        assert said[0] == said[1], command


def test_clinician_cannot_run_hand_written_criteria(secured, cli):
    db, _ = secured
    sign_in(cli, db, "clinician.c1")
    out = cli("query", "sex=F", "--db", db, "--json")
    assert isinstance(out.exception, UserError) and "ne permet pas" in str(out.exception)


def test_store_files_are_private(tmp_path):
    store = Store(str(tmp_path / "new.db"))
    AuditLog(store).record("system", "note")
    for name in ("new.db", "new.db-wal", "new.db-shm", "new.db.audit-anchor"):
        path = tmp_path / name
        assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600, name


def test_reingest_retries_scans_whose_ocr_failed(tmp_path):
    from retrieval.ingest import ingest

    corpus = write_handmade_corpus(tmp_path / "c", patients=2, docs_per_patient=1, scans=1)
    scan = next((corpus / "scans").iterdir())
    good = scan.read_bytes()
    scan.write_bytes(b"\x89PNG\r\n\x1a\n not an image")  # OCR fails on this run
    store = Store(str(tmp_path / "o.db"))
    first = ingest(corpus, store, ocr=True, progress=False, workers=1)
    assert first.documents_ocr == 0 and first.rejections
    scan.write_bytes(good)  # the scan is readable again (or the failure was transient)
    second = ingest(corpus, store, ocr=True, progress=False, workers=1)
    assert second.documents_ocr == 1
    assert store.scalar("SELECT COUNT(*) FROM documents WHERE origin = 'ocr'") == 1
    assert not store.query("SELECT * FROM ingest_rejections")


def test_chat_serves_the_store_given_with_db(secured, tmp_path, monkeypatch):
    """``cohort chat --db X`` read the settings before the option (a cached default = the demo store)."""
    from assistant.chat.server import configure, own_origins, prepare_app_root
    from retrieval.store import open_store

    db, _ = secured
    monkeypatch.setenv("COHORT_DB", str(tmp_path / "elsewhere.db"))
    get_settings.cache_clear()
    assert get_settings().db_url.endswith("elsewhere.db")  # cached, as `cohort chat` did
    configure(db)
    assert open_store(create=False).url == db
    root = prepare_app_root(tmp_path / "root", own_origins("127.0.0.1", 8123))
    config = (root / ".chainlit" / "config.toml").read_text()
    assert 'allow_origins = ["http://127.0.0.1:8123", "http://localhost:8123"]' in config
    assert '"*"' not in config
    monkeypatch.delenv("COHORT_DB")
    get_settings.cache_clear()


def test_cohort_chat_db_and_cors_end_to_end(secured, tmp_path):
    """The real `cohort chat --db X` with COHORT_DB naming another store: signing in works on X, and a
    page from another origin gets no CORS permission (with credentials) to read the answers."""
    import signal
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.parse
    import urllib.request

    from tests.browser.harness import free_port

    db, _ = secured
    port = free_port()
    env = {**os.environ, "COHORT_HOME": str(tmp_path / "home"), "COHORT_SIMILAR_TEXT_MODEL": "none",
           "COHORT_DB": str(tmp_path / "elsewhere.db")}
    log = open(tmp_path / "chat.log", "wb")  # noqa: SIM115 - closed below
    cmd = [sys.executable, "-c", "from assistant.cli import main; main()", "chat", "--db", db,
           "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"

    def post_login(username: str, password: str, origin: str | None = None):  # noqa: ANN202
        body = urllib.parse.urlencode({"username": username, "password": password}).encode()
        req = urllib.request.Request(f"{base}/login", data=body, method="POST")
        if origin:
            req.add_header("Origin", origin)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers)

    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(base + "/", timeout=5).close()
                break
            except OSError:
                alive = proc.poll() is None and time.monotonic() < deadline
                assert alive, (tmp_path / "chat.log").read_text()
                time.sleep(0.5)
        status, _ = post_login("clinician.c1", "clinician-demo-2024")
        assert status == 200, (tmp_path / "chat.log").read_text()[-2000:]
        status, headers = post_login("clinician.c1", "clinician-demo-2024", origin="http://evil.example")
        assert headers.get("access-control-allow-origin") != "http://evil.example"
        assert "access-control-allow-credentials" not in {k.lower() for k in headers} or \
            headers.get("access-control-allow-origin") in (None, base)
        status, headers = post_login("clinician.c1", "clinician-demo-2024", origin=base)
        assert status == 200 and headers.get("access-control-allow-origin") == base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


# -- finding 9: names and places the registry does not know ---------------------------------------------
LEAKS = [  # the examples, without any registry
    ("Lefebvre-Dubois Marie-Claire, 58 ans, adressée par son médecin.", "Lefebvre-Dubois Marie-Claire"),
    ("Patiente anxieuse, vue avec Kevin (IDE) ce jour.", "Kevin"),
    ("transmissions de nuit\npt bernard fontaine ch 12 : agité vers 2h", "bernard fontaine"),
    ("signale un changement d'adresse : 4 impasse du moulin 24200 sarlat-la-canéda.", "4 impasse du moulin"),
    ("DUPONT JEAN-PIERRE né le 12/03/1954\nIPP : 8001234567", "DUPONT JEAN-PIERRE"),
    ("Dear Dr O'Connor,\nRe: Jessica Smith, DOB 14/02/1971", "Jessica Smith"),
    ("She can be reached on +44 20 7946 0958 or by e-mail.", "+44 20 7946 0958"),
    ("221B Baker Street, London NW1 6XE\n\nThank you for seeing this lady.",
     "221B Baker Street, London NW1 6XE"),
    ("Mme Trần Thị Hương, 34 ans, en rémission complète.", "Trần Thị Hương"),
    ("Mme Maria da Conceição dos Santos, née le 17 août 1949 au Portugal.", "Maria da Conceição dos Santos"),
]
KEPT = [  # and what must stay readable
    ("NOM : MARTIN     PRÉNOM : Sophie\nNÉE LE : 23/12/1956", "NÉE LE"),
    ("Lymphome de Burkitt, maladie de Kahler, macroglobulinémie de Waldenström, maladie de Hodgkin.",
     "Burkitt"),
    ("maladie de Hodgkin, maladie de Kahler", "Kahler"),
    ("macroglobulinémie de Waldenström", "Waldenström"),
    ("Traitement par Keytruda puis Darzalex-Velcade-dexaméthasone.", "Keytruda"),
    ("Adressée au Centre Léon Bérard puis à l'Institut Gustave Roussy.", "Léon Bérard"),
]


@pytest.mark.parametrize(("text", "secret"), LEAKS)
def test_names_and_places_without_registry_are_masked(text, secret):
    from privacy.redact import Redactor

    out = Redactor.default().redact(text).text
    assert secret not in out and all(part not in out for part in secret.split() if len(part) > 3), out


@pytest.mark.parametrize(("text", "word"), KEPT)
def test_clinical_words_stay(text, word):
    from privacy.redact import Redactor

    assert word in Redactor.default().redact(text).text
