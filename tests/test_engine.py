"""The cohort engine: scope always inside the SQL, pages with what matched, saved queries and cohorts,
and the `cohort compile` / `cohort query` commands (in-process, readable errors)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from query_compiler import criteria as C
from query_compiler.criteria.compact import to_compact
from query_compiler.engine import CohortEngine, Page, Scope, completed_years
from tests import minidata

TODAY = minidata.REFERENCE_DATE
FERTILITY = C.Text(terms=["préservation NEAR fertilité", "oncofertilité"])


@pytest.fixture(scope="module")
def mini(tmp_path_factory):
    ds = minidata.make_dataset(150, seed=3)
    path = tmp_path_factory.mktemp("engine") / "m.db"
    store = minidata.sqlite_store(path, ds)
    return ds, store, path


@pytest.fixture
def engine(mini):
    return CohortEngine(mini[1], TODAY)


def test_scope_is_required_and_applied(mini, engine):
    ds, _, _ = mini
    with pytest.raises(TypeError, match="Scope is required"):
        engine.count(C.Sex(value="F"), None)  # type: ignore[arg-type]
    women = {p.id for p in ds.patients if p.sex == "F"}
    c1 = {p.id for p in ds.patients if p.sex == "F" and p.centre_id == "C1" and not p.opposition}
    assert set(engine.patient_ids(C.Sex(value="F"), Scope(("C1",)))) == c1
    assert set(engine.patient_ids(C.Sex(value="F"), Scope(None, exclude_opposed=False))) == women
    assert engine.count(C.Sex(value="F"), Scope(())) == 0
    sql = engine.scoped_query(C.Sex(value="F"), Scope(("C1", "C2"))).sql
    assert "p.opposition = 0" in sql and "p.centre_id IN (:p2, :p3)" in sql
    by_centre = engine.count_by_centre(C.Sex(value="F"), Scope(None))
    assert set(by_centre) <= {"C1", "C2", "C3"}
    assert sum(by_centre.values()) == engine.count(C.Sex(value="F"), Scope(None))


def test_pages_rows_and_sorting(mini, engine):
    ds, _, _ = mini
    people = {p.id: p for p in ds.patients}
    tree = C.Tumour()
    total = engine.count(tree, Scope(None))
    seen = []
    for n in range(1, 100):
        page = engine.list_patients(tree, Scope(None), page=n, page_size=40, facts=False)
        assert isinstance(page, Page) and page.total == total
        if not page.rows:
            break
        seen += [r.patient_id for r in page.rows]
    assert seen == sorted(seen) and len(seen) == total == len(set(seen))
    rows = engine.list_patients(tree, Scope(None), page_size=200, sort="age", facts=False).rows
    ages = [r.age for r in rows]
    assert ages == sorted(ages)
    for r in rows:
        p = people[r.patient_id]
        assert r.age == completed_years(p.death_date or TODAY, p.birth_date)
        assert r.vital_status == ("deceased" if p.death_date else "alive")
        first = min(p.tumours, key=lambda t: (t.diagnosis_date, t.id))
        assert r.first_diagnosis["code"] == first.icd10
        assert r.age_at_diagnosis == completed_years(first.diagnosis_date, p.birth_date)
    desc = engine.list_patients(tree, Scope(None), page_size=200, sort="-diagnosis_date", facts=False).rows
    dates = [r.first_diagnosis["date"] for r in desc]
    assert dates == sorted(dates, reverse=True)
    with pytest.raises(ValueError, match="Unknown sort"):
        engine.list_patients(tree, Scope(None), sort="name")


def test_matched_facts_show_documents_and_highlighted_snippets(engine):
    tree = C.All(items=[C.Tumour(site=["C50"]), FERTILITY, C.Not(item=C.Sex(value="M"))])
    page = engine.list_patients(tree, Scope(None), page_size=50)
    assert page.rows
    for row in page.rows:
        kinds = [f.kind for f in row.matched]
        assert "tumour" in kinds and "text" in kinds and "sex" not in kinds
        for fact in row.matched:
            if fact.kind == "tumour":
                assert fact.label.startswith("C50") and "sein" in fact.label
            if fact.kind == "text":
                assert fact.document_id and fact.document_type and fact.date and fact.snippet
                marked = fact.marked("[", "]")
                words = [fact.snippet[s:e].lower() for s, e in fact.highlights]
                assert words and all(w in ("préservation", "fertilité", "oncofertilité") for w in words), (
                    words
                )
                assert marked.count("[") == len(fact.highlights)


def test_saved_queries_and_cohort_algebra(mini, engine):
    q = engine.save_query("Fertilité", FERTILITY, "alice", question="préservation de fertilité ?")
    assert engine.saved_query(q.id).criteria == FERTILITY and q.last_run_at is None
    engine.mark_run(q.id)
    assert engine.saved_query(q.id).last_run_at is not None
    assert [s.id for s in engine.saved_queries("alice", "C1")] == [q.id]
    assert engine.saved_queries("bob", "C1") == []
    scope = Scope(None, exclude_opposed=False)
    a = engine.save_cohort("femmes", C.Sex(value="F"), "alice", scope)
    b = engine.save_cohort("poumon", C.Tumour(site=["C34"]), "alice", scope)
    fa, fb = set(engine.cohort_members(a.id)), set(engine.cohort_members(b.id))
    assert a.size == len(fa) > 0 and a.criteria == C.Sex(value="F")
    for op, expected in (("union", fa | fb), ("intersection", fa & fb), ("difference", fa - fb)):
        c = engine.combine_cohorts(op, a.id, b.id, f"{op} cohort", "alice")
        assert set(engine.cohort_members(c.id)) == expected and c.size == len(expected)
        assert c.origin == f"{op} of #{a.id} and #{b.id}"
    with pytest.raises(ValueError, match="Unknown operation"):
        engine.combine_cohorts("xor", a.id, b.id, "x", "alice")  # type: ignore[arg-type]
    engine.delete_cohort(a.id)
    with pytest.raises(LookupError, match=f"no saved cohort #{a.id}"):
        engine.cohort_members(a.id)


@pytest.mark.postgres
def test_saved_cohorts_on_postgres(mini, pg_server):
    from eval.pg import copy_store
    from retrieval.store import Store

    store = Store(pg_server.new_database("engine_saved"))
    copy_store(mini[1], store)
    engine = CohortEngine(store, TODAY)
    a = engine.save_cohort("femmes", C.Sex(value="F"), "alice", Scope(None))
    b = engine.save_cohort("C1", C.Centre(ids=["C1"]), "alice", Scope(None))
    inter = engine.combine_cohorts("intersection", a.id, b.id, "femmes C1", "bob")
    assert set(engine.cohort_members(inter.id)) == set(
        engine.patient_ids(C.All(items=[C.Sex(value="F"), C.Centre(ids=["C1"])]), Scope(None))
    )
    page = engine.list_patients(C.All(items=[C.Tumour(site=["C50"]), FERTILITY]), Scope(None))
    lite = CohortEngine(mini[1], TODAY).list_patients(
        C.All(items=[C.Tumour(site=["C50"]), FERTILITY]), Scope(None)
    )
    assert page.to_dict() == lite.to_dict()  # same rows, same facts, same snippets and highlights


# -- CLI ------------------------------------------------------------------------------------------
@pytest.fixture
def cli():
    from assistant.cli import app

    runner = CliRunner()
    return lambda *args, input=None: runner.invoke(app, list(args), input=input)


def test_cli_compile_shows_sql_params_and_rendering(cli, tmp_path):
    path = tmp_path / "c.json"
    path.write_text(C.to_json(C.All(items=[C.Sex(value="F"), C.Tumour(site=["C50"], metastatic=True)])))
    out = cli("compile", str(path), "--dialect", "postgres", "--lang", "en")
    assert out.exit_code == 0, out.output
    assert "tumour: breast (C50), metastatic" in out.output and "p.sex = :p5" in out.output
    assert ":p1 = 'C50'" in out.output and "ALL(sex=F; tumour(site=C50, metastatic=yes))" in out.output
    report = json.loads(cli("compile", "-", "--json", input="sex=F").output)
    assert report["params"] == {"p1": "F"} and report["compact"] == "sex=F"


def _referents(store):  # noqa: ANN001, ANN202
    """One referent per centre of the mini store (hand-written criteria are a referent's right)."""
    from privacy.users import add_user, get_user

    for centre in ("C1", "C2", "C3"):
        if get_user(store, f"ref-{centre}") is None:
            add_user(store, f"ref-{centre}", "secret-123", "referent", centre, by="test")


def test_cli_query_counts_and_lists(cli, mini, tmp_path, monkeypatch):
    from privacy.pseudonym import pseudo_id
    from retrieval.settings import get_settings

    ds, store, path = mini
    _referents(store)
    monkeypatch.setenv("COHORT_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    compact = tmp_path / "q.txt"
    compact.write_text(to_compact(C.All(items=[C.Tumour(site=["C50"]), FERTILITY])))
    from tests.cli_login import login

    login(cli, "ref-C1", "secret-123", "--db", str(path))
    out = cli("query", str(compact), "--db", str(path), "--json", "--today", "2024-06-30", "--user", "ref-C1")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    engine = CohortEngine(store, TODAY)
    tree = C.All(items=[C.Tumour(site=["C50"]), FERTILITY])
    assert data["count"] == engine.count(tree, Scope(("C1",)))
    expected = [pseudo_id(i) for i in engine.patient_ids(tree, Scope(("C1",)))[:20]]
    assert [r["pseudo_id"] for r in data["rows"]] == expected
    text = cli("query", "ALL(sex=F; tumour(site=C50))", "--db", str(path), "--lang", "fr", "--user", "ref-C1")
    assert text.exit_code == 0 and "patient(s) dans votre centre" in text.output
    get_settings.cache_clear()


def test_cli_errors_are_sentences(mini, tmp_path):
    import os
    import subprocess
    import sys

    _, store, path = mini
    _referents(store)
    env = {**os.environ, "COHORT_HOME": str(tmp_path / "home")}
    main = [sys.executable, "-c", "from assistant.cli import main; main()"]
    user = ["--db", str(path), "--user", "ref-C1"]
    out = subprocess.run([*main, "query", "sex=F", "--db", str(path)], capture_output=True, text=True,
                         env=env)
    assert out.returncode == 1 and "cohort login" in out.stdout + out.stderr  # nobody signed in
    signed = subprocess.run([*main, "login", "ref-C1", "--password-stdin", "--db", str(path)],
                            input="secret-123\n", capture_output=True, text=True, env=env)
    assert signed.returncode == 0, signed
    for args, says in (
        (["query", "tumour(site=C50", *user], "line 1, column 16"),
        (["query", '{"kind": "age", "min": 200}', *user], "200 is too large"),
        (["compile", "missing.json"], "No criteria file"),
        (["query", "sex=F", *user, "--sort", "name"], "Unknown sort"),
        (["query", "sex=F", "--db", str(path), "--user", "ref-C2"], "signed in as ref-C1"),
    ):
        out = subprocess.run([*main, *args], capture_output=True, text=True, env=env)
        assert out.returncode == 1, out
        assert says in out.stdout + out.stderr and "Traceback" not in out.stdout + out.stderr


def test_ensure_indexes_restores_query_indexes(tmp_path):
    from retrieval.store import Store

    store = Store(str(tmp_path / "s.db"))
    store.execute("DROP INDEX ix_biomarkers_marker_upper")
    assert store.ensure_indexes() >= 5 and store.ensure_indexes() >= 5  # idempotent
    names = {r["name"] for r in store.query("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"ix_biomarkers_marker_upper", "ix_events_tumour", "ix_tumours_age", "ix_treatments_atc"} <= names
    plan = " ".join(
        r["detail"]
        for r in store.query(
            "EXPLAIN QUERY PLAN SELECT 1 FROM biomarkers AS b WHERE UPPER(b.marker) = 'HER2'"
        )
    )
    assert "ix_biomarkers_marker_upper" in plan
