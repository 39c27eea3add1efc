"""The Spark store, end to end in local mode: URLs, where each statement runs, copy and ingestion
(same rows as the SQL stores), opposition kept up to date, atomic loads, and everything a user does
through ``Session`` — ask, refine, counts per centre with small counts hidden, pages, saved queries,
cohorts and their set operations, export, similar patients — compared with the SQLite store the
warehouse was copied from. Patient sets tree by tree are checked in ``tests/test_differential.py``.
"""

from __future__ import annotations

import re
import shutil

import pytest

from retrieval.spark.url import SparkUrlError, parse_spark_url
from retrieval.store import StoreError, parse_url
from tests.spark import spark_url

BROAD = "cancer du sein métastatique"
REFINE = "seulement les patientes vivantes"


def test_spark_urls():
    assert parse_url("spark+local[2]?warehouse=/w")[0] == "spark"
    assert parse_url("spark://10.1.2.3:7077?warehouse=/w")[0] == "spark"
    u = parse_spark_url("spark://10.1.2.3:7077?warehouse=hdfs:///cohort&app=postgresql://u@db/app&cache=0")
    assert (u.master, u.warehouse, u.app, u.cache, u.local) == (
        "spark://10.1.2.3:7077", "hdfs:///cohort", "postgresql://u@db/app", False, False)
    assert parse_spark_url("spark+local[*]?warehouse=/w").cores >= 1
    assert parse_spark_url("spark+local?warehouse=/w").cores == 1
    assert parse_spark_url("spark+local[3]?warehouse=/w").shuffle_partitions == 6
    for bad, words in (("spark+local[2]", "warehouse"), ("spark+local?warehouse=hdfs:///x", "&app="),
                       ("spark+local?warehouse=/w&bukets=3", "bukets"), ("spark+local?warehouse=/w&buckets=x",
                                                                            "whole numbers")):
        with pytest.raises(SparkUrlError, match=re.escape(words)):
            parse_spark_url(bad)
    with pytest.raises(StoreError, match="Spark URL"):
        parse_url("mysql://h/db")


# -- one copy of the shared corpus, with the demo users --------------------------------------------------
@pytest.fixture(scope="module")
def stores(corpus_store, tmp_path_factory, spark_copy):  # noqa: ANN001, ANN201
    """(SQLite copy, Spark copy) of the shared corpus, both with the demo users."""
    from privacy.users import seed_demo_users
    from retrieval.store import Store

    corpus_store.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path = tmp_path_factory.mktemp("spark-core") / "cohort.db"
    shutil.copyfile(corpus_store.path, path)
    lite = Store(str(path))
    seed_demo_users(lite)
    spark = spark_copy(lite, "core", app_tables=True)
    return lite, spark


def session_for(store, role: str, centre: str):  # noqa: ANN001, ANN201
    from assistant.core.session import Session
    from privacy.users import get_user

    return Session(store, get_user(store, f"{role}.{centre.lower()}"), use_llm=False)


@pytest.fixture(scope="module")
def centre(stores):  # noqa: ANN001, ANN201
    from query_compiler.engine import CohortEngine, Scope
    from query_compiler.parser import parse

    counts = CohortEngine(stores[0]).count_by_centre(parse(BROAD, use_llm=False).criteria, Scope(None))
    return max(sorted(counts), key=lambda c: counts[c])


@pytest.mark.spark
def test_statements_go_to_the_warehouse_or_to_the_app_store(stores):
    lite, spark = stores
    assert spark.dialect == "spark" and spark.path is None
    assert spark.scalar("SELECT COUNT(*) FROM patients") == lite.scalar("SELECT COUNT(*) FROM patients")
    assert spark.scalar("SELECT COUNT(*) FROM users") == lite.scalar("SELECT COUNT(*) FROM users") > 0
    assert spark.app.scalar("SELECT COUNT(*) FROM patients") == 0  # clinical rows live in Parquet only
    with pytest.raises(StoreError, match="application tables"):
        spark.query("SELECT u.username FROM users u JOIN patients p ON p.centre_id = u.centre_id")
    with pytest.raises(StoreError, match="cohort ingest"):
        spark.execute("INSERT INTO patients (id) VALUES (1)")
    versions = spark.warehouse.versions()
    assert {"patients", "segments", "terms"} <= set(versions)
    assert versions["segments"][1] == lite.scalar("SELECT COUNT(*) FROM segments")


@pytest.mark.spark
def test_the_word_table_holds_every_word_of_every_segment_as_fts5_cuts_it(stores):
    from query_compiler.criteria.terms import words

    lite, spark = stores
    total = sum(len(words(r["text"])) for r in lite.query("SELECT text FROM segments"))
    assert spark.scalar("SELECT COUNT(*) FROM terms") == total
    seg = spark.query("SELECT id, text FROM segments WHERE text LIKE '%métastase%' ORDER BY id LIMIT 1")[0]
    got = [r["word"] for r in spark.query("SELECT word FROM terms WHERE segment_id = :s ORDER BY pos",
                                           {"s": seg["id"]})]
    assert got == words(seg["text"]) and "metastase" in got


@pytest.mark.spark
def test_ask_refine_pages_and_other_centres_as_on_sqlite(stores, centre):
    lite, spark = stores
    a, b = session_for(lite, "referent", centre), session_for(spark, "referent", centre)
    ra, rb = a.ask(BROAD), b.ask(BROAD)
    assert rb.count == ra.count > 0 and rb.criteria_text == ra.criteria_text
    assert [r.pseudo_id for r in rb.rows] == [r.pseudo_id for r in ra.rows]
    assert [(c.centre_id, c.display) for c in rb.other_centres] == [
        (c.centre_id, c.display) for c in ra.other_centres]
    assert rb.other_centres and all(c.count is None or c.count >= 10 for c in rb.other_centres)
    fa, fb = a.refine(REFINE), b.refine(REFINE)
    assert fb.count == fa.count <= ra.count
    if fb.has_more:
        assert [r.pseudo_id for r in b.next_page().rows] == [r.pseudo_id for r in a.next_page().rows]
    sql, _, dialect = b.show_sql()
    assert dialect == "spark" and "FROM patients AS p" in sql
    actions = {r["action"] for r in spark.query("SELECT action FROM audit_log WHERE username = :u",
                                                  {"u": b.user.username})}
    assert {"count", "list"} <= actions  # the trail is written in the app store beside the warehouse


@pytest.mark.spark
def test_text_snippets_saved_queries_cohorts_and_export(stores, centre, tmp_path):
    lite, spark = stores
    question = "patientes avec « réponse complète » dans les comptes rendus"
    a, b = session_for(lite, "referent", centre), session_for(spark, "referent", centre)
    ta, tb = a.ask(question), b.ask(question)
    assert tb.count == ta.count and [r.facts for r in tb.rows] == [r.facts for r in ta.rows]
    s = session_for(spark, "referent", centre)
    broad = s.ask(BROAD)
    q = s.save_query("sein métastatique (spark)")
    assert s.run_saved(q.id).count == broad.count
    everyone = s.save_cohort("toutes")
    alive = s.refine(REFINE)
    alive_c = s.save_cohort("vivantes")
    diff = s.combine(everyone.id, "moins", alive_c.id, "décédées")
    inter = s.combine_text(f"{everyone.id} intersection {alive_c.id} inter")
    assert (diff.size, inter.size) == (broad.count - alive.count, alive.count)
    out = tmp_path / "cohorte.csv"
    res = s.export_csv("Étude rétrospective des cancers du sein métastatiques (test Spark)", out)
    assert res.rows == alive.count == len(out.read_text(encoding="utf-8").splitlines()) - 1


@pytest.mark.spark
def test_similar_patients_from_vectors_computed_on_spark(stores, centre):
    import numpy as np

    from retrieval.similar import build_index, default_spec

    lite, spark = stores
    spec = default_spec(text_model="minilm")
    ia, _ = build_index(lite, spec=spec, save=False)
    ib, report = build_index(spark, spec=spec)
    ids = ia.patient_ids()
    assert report.patients == len(ids) and np.allclose(ia.vectors(ids), ib.vectors(ids), atol=1e-6)
    s = session_for(spark, "clinician", centre)
    pseudo = s.ask(BROAD).rows[0].pseudo_id
    near = s.similar(pseudo=pseudo, k=5)
    assert near.rows and pseudo not in {r.pseudo_id for r in near.rows}


# -- writes: opposition, atomic loads, ingestion -----------------------------------------------------------
@pytest.fixture
def small(tmp_path, spark_copy):  # noqa: ANN001, ANN201
    from tests.privacy_helpers import make_store

    return spark_copy(make_store(tmp_path / "small.db"), "small")


@pytest.mark.spark
def test_opposition_rewrites_the_patients_table_and_counts_follow(small):
    from privacy.opposition import set_opposition
    from query_compiler.criteria import Tumour
    from query_compiler.engine import CohortEngine, Scope

    engine = CohortEngine(small)
    breast = Tumour(site=["C50"])
    before = engine.patient_ids(breast, Scope(("C1",)))
    version = small.warehouse.versions()["patients"][0]
    set_opposition(small, before[0], True)
    assert small.warehouse.versions()["patients"][0] == version + 1
    assert engine.patient_ids(breast, Scope(("C1",))) == before[1:]
    assert before[0] in engine.patient_ids(breast, Scope(("C1",), exclude_opposed=False))


@pytest.mark.spark
def test_a_load_that_dies_before_its_switch_changes_nothing(small):
    from retrieval.store import now_iso

    session = small.session()
    n = small.scalar("SELECT COUNT(*) FROM tumours")
    orphan = small.warehouse.write(session, "tumours", session.table("tumours").limit(1))
    assert small.scalar("SELECT COUNT(*) FROM tumours") == n  # written, never switched in
    fresh = small.warehouse.write(session, "tumours", session.table("tumours"))
    assert fresh.version > orphan.version
    small.warehouse.publish(session, [fresh], now_iso())
    assert small.scalar("SELECT COUNT(*) FROM tumours") == n


@pytest.mark.spark
def test_ingest_on_spark_gives_the_rows_and_rejections_of_the_in_process_ingest(handmade_corpus, tmp_path):
    from retrieval.ingest import ingest
    from retrieval.spark.ingest import ingest as ingest_on_spark
    from retrieval.store import Store

    docs = handmade_corpus / "documents" / "0000.jsonl"
    with docs.open("a", encoding="utf-8") as fh:
        fh.write('{"id": 9001, "patient_id": 999, "type": "letter", "date": "2019-01-01", "text": "x"}\n')
        fh.write("not json\n")
    lite = Store(str(tmp_path / "lite.db"))
    a = ingest(handmade_corpus, lite, ocr=False, progress=False)
    spark = Store(spark_url(tmp_path / "warehouse"))
    b = ingest_on_spark(handmade_corpus, spark, ocr=False, progress=False)
    assert b.loaded == a.loaded and (b.mentions, b.segments) == (a.mentions, a.segments)
    assert sorted(map(str, b.rejections)) == sorted(map(str, a.rejections)) and len(b.rejections) == 2
    cols = "document_id, start_char, end_char, text, negated, hypothetical, family, history"
    for table in ("segments", "mentions"):
        sql = f"SELECT {cols} FROM {table} ORDER BY document_id, start_char"
        assert spark.query(sql) == lite.query(sql)
    again = ingest_on_spark(handmade_corpus, spark, ocr=False, progress=False)
    assert again.files_skipped == 4
    assert spark.scalar("SELECT COUNT(*) FROM documents") == a.loaded["documents"]


@pytest.mark.spark
def test_cli_store_copy_then_ask_on_spark(stores, centre, tmp_path, monkeypatch):
    import json

    from typer.testing import CliRunner

    from assistant.cli import app
    from retrieval.settings import get_settings
    from tests.cli_login import login

    lite, _ = stores
    target = spark_url(tmp_path / "wh")
    monkeypatch.setenv("COHORT_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    runner = CliRunner()
    res = runner.invoke(app, ["store", "copy", str(lite.path), target, "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)["rows"]
    assert rows["patients"] == lite.scalar("SELECT COUNT(*) FROM patients") and rows["users"] > 0
    login(lambda *a, **k: runner.invoke(app, list(a), **k), f"referent.{centre.lower()}",
          "referent-demo-2024", "--db", target)  # identity comes from the sign-in only
    res = runner.invoke(app, ["ask", BROAD, "--user", f"referent.{centre.lower()}", "--db", target, "--json",
                              "--no-llm"])
    assert res.exit_code == 0, res.output
    expected = session_for(lite, "referent", centre).ask(BROAD).count
    assert json.loads(res.output)["count"] == expected
    res = runner.invoke(app, ["store", "copy", str(lite.path), target])
    assert res.exit_code == 1 and "already holds" in str(res.exception)
    get_settings.cache_clear()
