"""A conversation that keeps up, without a browser: the Session and ``cohort ask`` read each message
against the current criteria (follow-up or new question), answer from the terminology at once and
let the LLM refine afterwards, asked only about the content words left over. The LLM tests run the
real small model (Qwen2.5-Coder 0.5B) and assert properties of its answers, never timings.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import date

import pytest

from query_compiler.criteria import Biomarker, Tumour, VitalStatus, iter_nodes
from query_compiler.parser import parse

BROAD = "cancer du sein métastatique"
MODEL = "qwen2.5-coder-0.5b"
UNKNOWN_GENE = "cancer du poumon avec amplification ZNF703"  # a gene outside genes.tsv


@pytest.fixture(scope="module")
def store(corpus_store, tmp_path_factory):  # noqa: ANN001, ANN201
    import shutil

    from privacy.users import seed_demo_users
    from retrieval.store import Store

    corpus_store.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path = tmp_path_factory.mktemp("conversation") / "cohort.db"
    shutil.copyfile(corpus_store.path, path)
    copy = Store(str(path))
    seed_demo_users(copy)
    return copy


@pytest.fixture(scope="module")
def centre(store):  # noqa: ANN001, ANN201
    return store.scalar("SELECT centre_id FROM patients GROUP BY centre_id ORDER BY COUNT(*) DESC LIMIT 1")


def session(store, centre, **kwargs):  # noqa: ANN001, ANN201
    from assistant.core.session import Session
    from privacy.users import get_user

    return Session(store, get_user(store, f"clinician.{centre.lower()}"), **kwargs)


def kinds(node) -> dict:  # noqa: ANN001
    return {n.kind: n for n in iter_nodes(node)}


def test_a_typed_follow_up_refines_and_a_new_question_starts_over(store, centre):
    s = session(store, centre, use_llm=False)
    first = s.ask(BROAD)
    follow = s.understand("seulement les patientes vivantes")
    assert follow.followup is True and follow.previous == first.understanding.criteria
    assert follow.question == f"{BROAD} → seulement les patientes vivantes"
    nodes = kinds(follow.criteria)
    assert nodes["vital_status"] == VitalStatus(value="alive") and nodes["tumour"].site == ["C50"]
    s.run(follow)
    fresh = s.understand("patients avec un cancer de la prostate traités par radiothérapie")
    assert fresh.followup is False and fresh.previous is None
    assert [n.site for n in iter_nodes(fresh.criteria) if isinstance(n, Tumour)] == [["C61"]]


def test_a_message_read_the_wrong_way_is_read_again_against_the_turn_before(store, centre):
    s = session(store, centre, use_llm=False)
    first = s.ask(BROAD)
    s.ask("et pour le poumon ?")  # read as "same, but lung"
    assert s.state.result.understanding.followup is True
    assert kinds(s.criteria)["tumour"].metastatic is True
    again = s.reread(refine=False)
    assert again.followup is False and kinds(again.criteria)["tumour"] == Tumour(site=["C34"])
    s.run(again, same_turn=True)
    assert s.state.before is not None and s.state.before.understanding == first.understanding
    back = s.reread(refine=True)
    assert back.followup is True and kinds(back.criteria)["tumour"].metastatic is True


def test_cli_ask_keeps_the_conversation_and_new_starts_over(store, centre, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from assistant.cli import app
    from retrieval.settings import get_settings
    from tests.cli_login import login

    monkeypatch.setenv("COHORT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COHORT_DB", str(store.path))
    get_settings.cache_clear()
    runner = CliRunner()
    user = f"clinician.{centre.lower()}"
    login(lambda *a, **k: runner.invoke(app, list(a), **k), user, "clinician-demo-2024")

    def ask(*args: str) -> dict:
        res = runner.invoke(app, ["ask", *args, "--user", user, "--json", "--no-llm"], catch_exceptions=True)
        assert res.exit_code == 0, res.output
        return json.loads(res.output)

    try:
        ask(BROAD)
        follow = ask("only those still alive")
        assert follow["understanding"]["followup"] is True
        items = follow["understanding"]["criteria"]["items"]
        assert {"kind": "vital_status", "value": "alive"} in items
        assert any(i["kind"] == "tumour" and i["site"] == ["C50"] for i in items)
        fresh = ask("only those still alive", "--new")
        assert fresh["understanding"]["criteria"] == {"kind": "vital_status", "value": "alive"}
    finally:
        get_settings.cache_clear()


# -- the LLM: only for content words, after the first answer, under a deadline ---------------------
@pytest.mark.parametrize(
    "question",
    [
        "male patients aged 52 with colon cancer carrying KRAS G13D",
        "patients with documented metastatic breast cancer",
        "merci, les patientes avec un cancer du sein",
    ],
)
def test_no_llm_call_for_filler_words(question: str) -> None:
    result = parse(question)  # the LLM is allowed: it must not be called
    assert not result.used_llm and result.llm_words == [] and result.criteria is not None


def test_a_marker_the_model_names_must_look_like_a_gene_in_the_question() -> None:
    """What a model answers about "asbestos exposure" is not a biomarker; "kit exon 9" is KIT."""
    from query_compiler.parser.hybrid import merge_llm
    from query_compiler.parser.state import Item, State
    from query_compiler.parser.terminology import get_terminology
    from query_compiler.parser.terminology.matcher import annotate

    def added(question: str, fragment: str, fields: dict, kind: str = "biomarker") -> list:
        term = get_terminology()
        st = State(annotate(question, term), term, date(2025, 1, 1), "en")
        return merge_llm(st, [Item(kind, fields=dict(fields))], [fragment], question)[0]

    assert not added("mesothelioma with asbestos exposure", "asbestos exposure",
                     {"marker": "ASBESTOS", "status": "wild_type"})
    kit = added("gist grele kit exon 9 sous imatinib", "kit exon 9",
                {"marker": "KIT", "alteration": "EXON 9"})
    assert kit and kit[0].value == {"marker": "KIT", "alteration": "EXON 9"}
    mdm2 = added("liposarcome du rétropéritoine MDM2", "rétropéritoine MDM2",
                 {"marker": "MDM2", "alteration": "Rétropéritoine"})
    assert mdm2 and mdm2[0].value == {"marker": "MDM2"}  # a word that is no alteration is dropped
    nf2 = added("méningiome NF2 muté", "méningiome NF2", {"marker": "NF2", "alteration": "mutated"})
    assert nf2 and nf2[0].value == {"marker": "NF2", "status": "mutated"}  # a status said as an alteration
    h3 = added("gliome de la ligne médiane H3K27M", "ligne médiane H3K27M",
               {"marker": "H3K27M", "status": "mutated"})
    assert h3 and h3[0].value == {"marker": "H3", "alteration": "K27M"}  # a gene glued to its variant
    ss18 = added("synovial sarcoma SS18 rearranged on FISH", "SS18",
                 {"marker": "SS18", "status": "rearranged", "op": "<", "value": 1})
    assert ss18 and ss18[0].value == {"marker": "SS18", "status": "rearranged"}  # a level with no number said
    # a regimen's acronym is no drug name; a drug written as one is
    edp = "adrenocortical carcinoma who received EDP plus mitotane"
    assert not added(edp, "EDP", {"drugs": ["edp"]}, "treatment")
    assert added(edp, "mitotane", {"drugs": ["mitotane"]}, "treatment")


def test_a_text_term_from_the_model_loses_its_filler_words() -> None:
    from query_compiler.parser.hybrid import merge_llm
    from query_compiler.parser.state import Item, State
    from query_compiler.parser.terminology import get_terminology
    from query_compiler.parser.terminology.matcher import annotate

    question = "patients with mesothelioma and documented asbestos exposure"
    term = get_terminology()
    st = State(annotate(question, term), term, date(2025, 1, 1), "en")
    item = Item("text", fields={"terms": ["documented asbestos exposure"]})
    added = merge_llm(st, [item], ["documented asbestos exposure"], question)[0]
    assert [a.value for a in added] == [{"terms": ["asbestos exposure"]}]


@pytest.fixture
def small_model(monkeypatch):  # noqa: ANN001, ANN201
    from retrieval.settings import get_settings

    monkeypatch.setenv("COHORT_LLM_MODEL", MODEL)
    get_settings.cache_clear()
    yield MODEL
    get_settings.cache_clear()


@pytest.mark.slow
def test_the_llm_refines_after_the_first_answer_with_what_it_added(store, centre, small_model):
    s = session(store, centre)
    u = s.understand(UNKNOWN_GENE)
    assert u.llm == "pending" and u.llm_words == ("ZNF703",)
    assert not any(isinstance(n, Biomarker) for n in iter_nodes(u.criteria))  # the first answer: no LLM
    s.run(u)
    refined = s.with_llm(u, wait=True)
    assert refined.llm == "added", refined
    assert any("ZNF703" in a for a in refined.llm_added)
    markers = [n for n in iter_nodes(refined.criteria) if isinstance(n, Biomarker)]
    assert [m.marker for m in markers] == ["ZNF703"]
    assert kinds(refined.criteria)["tumour"].site == ["C34"]  # the terminology's reading is kept
    assert ("ZNF703", "llm") in refined.sources
    result = s.run(refined, same_turn=True)  # the refinement replaces the first answer of the same turn
    assert s.state.result is result and s.state.before is None and result.understanding.llm == "added"


@pytest.mark.slow
def test_past_the_deadline_or_cancelled_the_first_answer_stands(small_model):
    late = parse(UNKNOWN_GENE, model=MODEL, deadline=time.monotonic())
    alone = parse(UNKNOWN_GENE, use_llm=False)
    assert late.used_llm and late.llm_timed_out and late.criteria == alone.criteria
    stop = threading.Event()
    stop.set()
    cancelled = parse(UNKNOWN_GENE, model=MODEL, cancel=stop)
    assert cancelled.llm_timed_out and cancelled.llm_error == "cancelled"
    assert cancelled.criteria == alone.criteria


@pytest.mark.slow
def test_the_fixed_prompt_is_evaluated_once_then_read_back_from_disk(small_model):
    from query_compiler.parser.chain import ask, prompt_for
    from query_compiler.parser.llm import get_llm, warm_prefix

    prompt = prompt_for(UNKNOWN_GENE, ["ZNF703"], MODEL)
    assert 0 < prompt.prefix < len(prompt.tokens) and len(prompt.tokens) - prompt.prefix < 60
    warm_prefix(prompt, model=MODEL)
    assert warm_prefix(prompt, model=MODEL) == "memory"
    answer = ask(UNKNOWN_GENE, ["ZNF703"], model=MODEL)["raw"]
    get_llm(MODEL).reset()  # as a new process: nothing in memory, the saved state is read
    assert warm_prefix(prompt, model=MODEL) == "disk"
    assert ask(UNKNOWN_GENE, ["ZNF703"], model=MODEL)["raw"] == answer


def test_the_table_shows_the_matched_tumours_age_and_site(corpus_store):
    """A patient matched on a later cancer is shown at that cancer's age at diagnosis, with its site,
    not at the age of an earlier, unrelated one."""
    from query_compiler.engine import CohortEngine

    tumours: dict[int, list] = {}
    for t in corpus_store.query(
        "SELECT patient_id, icd10, age_at_diagnosis FROM tumours ORDER BY diagnosis_date, id"
    ):
        tumours.setdefault(t["patient_id"], []).append(t)
    pid, first, later = next(
        (p, ts[0], ts[-1])
        for p, ts in sorted(tumours.items())
        if len(ts) > 1
        and ts[0]["icd10"][:3] != ts[-1]["icd10"][:3]
        and ts[0]["age_at_diagnosis"] != ts[-1]["age_at_diagnosis"]
        and all(t["icd10"][:3] != ts[-1]["icd10"][:3] for t in ts[:-1])
    )
    engine = CohortEngine(corpus_store)
    row = engine._rows([pid], Tumour(site=[later["icd10"][:3]]), "fr")[0]
    assert row.age_at_diagnosis == later["age_at_diagnosis"] != first["age_at_diagnosis"]
    assert row.diagnosis["code"] == later["icd10"] and later["icd10"] in row.diagnosis["label"]
    unmatched = engine._rows([pid], Tumour(site=[first["icd10"][:3]]), "fr")[0]
    assert unmatched.age_at_diagnosis == first["age_at_diagnosis"]
