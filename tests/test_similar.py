"""Similar-patient search on a real SQLite store, the real FAISS index and the real e5 encoder.

The store is hand-made (eight clinical profiles, three centres, some opposed or deceased patients) so
that every assertion has a known answer: an EGFR lung adenocarcinoma's neighbours are EGFR lung
adenocarcinomas, a centre-scoped search never leaves the centre.
"""

from __future__ import annotations

import json
import random

import pytest
from typer.testing import CliRunner

from query_compiler.compiler.similar import case_facts
from query_compiler.criteria import All, Biomarker, Event, Sex, Treatment, Tumour
from retrieval.similar import Filters, build_index, similar_to_case, similar_to_patient, update_index
from retrieval.similar.index import PatientIndex, index_dir_for
from retrieval.store import Store

PROFILES = {
    "lung_egfr": dict(
        icd="C34.1",
        morph="8140/3",
        hist="adenocarcinoma",
        stage="IV",
        m="M1",
        meta=1,
        markers=[("EGFR", "mutated", "L858R")],
        mets=["brain", "bone"],
        tx=[("targeted_therapy", "osimertinib", 1)],
        sexes="FM",
        text="Adénocarcinome pulmonaire EGFR muté (L858R), métastases cérébrales. Osimertinib.",
    ),
    "lung_alk": dict(
        icd="C34.3",
        morph="8140/3",
        hist="adenocarcinoma",
        stage="IV",
        m="M1",
        meta=1,
        markers=[("ALK", "rearranged", None)],
        mets=["liver"],
        tx=[("targeted_therapy", "alectinib", 1)],
        sexes="FM",
        text="Adénocarcinome bronchique ALK réarrangé métastatique hépatique. Alectinib.",
    ),
    "lung_squamous": dict(
        icd="C34.1",
        morph="8070/3",
        hist="squamous_cell_carcinoma",
        stage="IIIA",
        m="M0",
        meta=0,
        markers=[("PD-L1", "high", None)],
        mets=[],
        tx=[
            ("chemotherapy", "cisplatin", 1),
            ("radiotherapy", None, None),
            ("immunotherapy", "durvalumab", 2),
        ],
        sexes="M",
        text="Carcinome épidermoïde bronchique stade III, radiochimiothérapie, durvalumab.",
    ),
    "breast_luminal": dict(
        icd="C50.4",
        morph="8500/3",
        hist="ductal_carcinoma",
        stage="IIA",
        m="M0",
        meta=0,
        markers=[("ER", "positive", None), ("HER2", "negative", None)],
        mets=[],
        tx=[
            ("surgery", "lumpectomy", None),
            ("radiotherapy", None, None),
            ("hormone_therapy", "letrozole", 1),
        ],
        sexes="F",
        text="Carcinome canalaire infiltrant du sein RH+ HER2-, tumorectomie, létrozole.",
    ),
    "breast_her2": dict(
        icd="C50.2",
        morph="8500/3",
        hist="ductal_carcinoma",
        stage="IIIB",
        m="M0",
        meta=0,
        markers=[("HER2", "positive", None), ("ER", "negative", None)],
        mets=[],
        tx=[
            ("chemotherapy", "paclitaxel", 1),
            ("targeted_therapy", "trastuzumab", 1),
            ("surgery", "mastectomy", None),
        ],
        sexes="F",
        text="Carcinome canalaire du sein HER2 positif localement avancé, paclitaxel trastuzumab.",
    ),
    "colon_kras": dict(
        icd="C18.7",
        morph="8140/3",
        hist="adenocarcinoma",
        stage="IV",
        m="M1",
        meta=1,
        markers=[("KRAS", "mutated", "G12D")],
        mets=["liver"],
        tx=[
            ("chemotherapy", "oxaliplatin", 1),
            ("chemotherapy", "fluorouracil", 1),
            ("targeted_therapy", "bevacizumab", 1),
        ],
        sexes="FM",
        text="Adénocarcinome colique KRAS muté, métastases hépatiques, FOLFOX bévacizumab.",
    ),
    "myeloma": dict(
        icd="C90.0",
        morph="9732/3",
        hist="myeloma",
        stage=None,
        m=None,
        meta=0,
        markers=[],
        mets=[],
        tx=[
            ("immunotherapy", "lenalidomide", 1),
            ("targeted_therapy", "bortezomib", 1),
            ("cell_therapy", "autologous_sct", 1),
            ("immunotherapy", "daratumumab", 2),
        ],
        sexes="FM",
        text="Myélome multiple, VRD puis autogreffe, daratumumab en deuxième ligne.",
    ),
    "melanoma_braf": dict(
        icd="C43.5",
        morph="8720/3",
        hist="melanoma",
        stage="IV",
        m="M1",
        meta=1,
        markers=[("BRAF", "mutated", "V600E")],
        mets=["lung", "brain"],
        tx=[("targeted_therapy", "dabrafenib", 1), ("targeted_therapy", "trametinib", 1)],
        sexes="FM",
        text="Mélanome BRAF V600E métastatique, dabrafénib tramétinib.",
    ),
}
PER_PROFILE = 6
CENTRES = ("C1", "C2", "C3")


def add_patient(
    store: Store,
    pid: int,
    profile: str,
    rng: random.Random,
    centre: str,
    opposition: int = 0,
    deceased: bool = False,
) -> None:
    p = PROFILES[profile]
    age, year, sex = rng.randint(40, 80), 2015 + rng.randint(0, 6), rng.choice(p["sexes"])
    store.execute(
        "INSERT INTO patients (id, centre_id, sex, birth_date, death_date, opposition) VALUES "
        "(:id, :c, :s, :b, :d, :o)",
        {
            "id": pid,
            "c": centre,
            "s": sex,
            "b": f"{year - age}-01-15",
            "d": f"{year + 2}-03-01" if deceased else None,
            "o": opposition,
        },
    )
    store.execute(
        "INSERT INTO tumours (id, patient_id, icd10, morphology, histology_group, stage, m, "
        "metastatic_at_diagnosis, diagnosis_date, age_at_diagnosis) VALUES (:id, :p, :icd, :mo, :h, "
        ":st, :m, :meta, :dd, :age)",
        {
            "id": pid,
            "p": pid,
            "icd": p["icd"],
            "mo": p["morph"],
            "h": p["hist"],
            "st": p["stage"],
            "m": p["m"],
            "meta": p["meta"],
            "dd": f"{year}-02-01",
            "age": age,
        },
    )
    for j, site in enumerate(p["mets"]):
        store.execute(
            "INSERT INTO events (id, patient_id, tumour_id, type, site, date) VALUES (:id, :p, :p, "
            "'metastasis', :s, :d)",
            {"id": pid * 10 + j, "p": pid, "s": site, "d": f"{year}-02-01"},
        )
    for j, (mk, st, alt) in enumerate(p["markers"]):
        store.execute(
            "INSERT INTO biomarkers (id, patient_id, marker, status, alteration) VALUES "
            "(:id, :p, :m, :s, :a)",
            {"id": pid * 10 + j, "p": pid, "m": mk, "s": st, "a": alt},
        )
    txs = list(p["tx"])
    if rng.random() < 0.3 and len(txs) > 1:
        txs = txs[:-1]
    for j, (cls, drug, line) in enumerate(txs):
        store.execute(
            "INSERT INTO treatments (id, patient_id, class, name, line, start_date) VALUES "
            "(:id, :p, :c, :n, :l, :d)",
            {"id": pid * 10 + j, "p": pid, "c": cls, "n": drug, "l": line, "d": f"{year}-03-01"},
        )
    store.execute(
        "INSERT INTO documents (id, patient_id, type, date, text) VALUES (:id, :p, 'mdt', :d, :t)",
        {"id": pid, "p": pid, "d": f"{year}-02-15", "t": f"RCP. Patient de {age} ans. {p['text']}"},
    )


def make_store(path) -> tuple[Store, dict[int, str]]:  # noqa: ANN001
    rng = random.Random(7)
    store = Store(str(path))
    store.executemany(
        "INSERT INTO centres (id, name, city) VALUES (:id, :name, 'Ville')",
        [{"id": c, "name": f"Centre {c}"} for c in CENTRES],
    )
    profile_of: dict[int, str] = {}
    pid = 0
    for name in PROFILES:
        for _ in range(PER_PROFILE):
            pid += 1
            profile_of[pid] = name
            add_patient(
                store, pid, name, rng, CENTRES[pid % 3], opposition=int(pid % 7 == 0), deceased=pid % 5 == 0
            )
    return store, profile_of


@pytest.fixture(scope="module")
def built(tmp_path_factory):  # noqa: ANN001, ANN201
    store, profile_of = make_store(tmp_path_factory.mktemp("similar") / "s.db")
    build_index(store)
    return store, profile_of


def test_neighbours_of_an_egfr_lung_patient_are_egfr_lung_patients_and_explained(built):
    store, profile_of = built
    result = similar_to_patient(store, 1, k=PER_PROFILE - 1, filters=Filters(exclude_opposed=False))
    assert [profile_of[n.patient_id] for n in result.neighbours] == ["lung_egfr"] * (PER_PROFILE - 1)
    first = result.neighbours[0]
    assert "bronches et poumon (C34)" in first.shared and "EGFR muté" in first.shared
    assert 0 < first.score <= 1.0001 and first.structured_score is not None and first.text_score is not None
    en = similar_to_patient(store, 1, k=3, lang="en").neighbours[0]
    assert "bronchus and lung (C34)" in en.shared and "EGFR mutated" in en.shared
    # the nearest other profile differs by its biomarker, and the explanation says so
    far = similar_to_patient(store, 1, k=PER_PROFILE + 2, filters=Filters(exclude_opposed=False)).neighbours[
        -1
    ]
    assert profile_of[far.patient_id] != "lung_egfr"
    assert any("EGFR" in d or "biomarqueur" in d for d in far.differences)


def test_same_store_gives_same_neighbours(built, tmp_path):
    store, _ = built
    again, _ = build_index(store, save=False)
    for pid in (1, 13, 40):
        a = [(n.patient_id, n.score) for n in similar_to_patient(store, pid, k=8).neighbours]
        b = [(n.patient_id, n.score) for n in similar_to_patient(store, pid, k=8, index=again).neighbours]
        assert a == b and len(a) == 8


def test_filters_scope_opposition_vital_status_and_query_exclusion(built):
    store, _ = built
    rows = {r["id"]: r for r in store.query("SELECT id, centre_id, opposition, death_date FROM patients")}
    for pid in (1, 2, 20):
        res = similar_to_patient(store, pid, k=10, filters=Filters(centre_ids=("C1",), exclude_opposed=True))
        ids = [n.patient_id for n in res.neighbours]
        assert len(ids) == 10 and pid not in ids
        assert all(rows[i]["centre_id"] == "C1" and rows[i]["opposition"] == 0 for i in ids)
    alive = similar_to_patient(store, 1, k=10, filters=Filters(vital_status="alive")).neighbours
    assert len(alive) == 10 and all(rows[n.patient_id]["death_date"] is None for n in alive)


def test_hnsw_index_still_returns_k_allowed_patients_under_a_selective_scope(built):
    store, _ = built
    hnsw, _ = build_index(store, kind="hnsw", save=False)
    allowed = store.scalar("SELECT COUNT(*) FROM patients WHERE centre_id = 'C3' AND opposition = 0")
    res = similar_to_patient(store, 1, k=allowed, filters=Filters(centre_ids=("C3",)), index=hnsw)
    assert len(res.neighbours) == allowed - (1 if 1 % 3 == 0 else 0)
    assert res.index["kind"] == "hnsw"


def test_incremental_update_finds_a_newly_ingested_patient(tmp_path):
    store, _ = make_store(tmp_path / "inc.db")
    build_index(store)
    assert update_index(store).action == "unchanged"
    add_patient(store, 500, "lung_egfr", random.Random(1), "C1")
    report = update_index(store)
    assert report.action == "updated" and report.embedded == 1
    index = PatientIndex.load(index_dir_for(store))
    assert 500 in index and index.size == len(PROFILES) * PER_PROFILE + 1
    ids = [n.patient_id for n in similar_to_patient(store, 1, k=PER_PROFILE, index=index).neighbours]
    assert 500 in ids
    assert {n.patient_id for n in similar_to_patient(store, 500, k=3).neighbours} <= set(range(1, 7))


def test_case_facts_from_criteria_and_a_french_case_finds_egfr_lung_patients(built):
    store, profile_of = built
    criteria = All(
        items=[
            Tumour(site=["C34"], histology_group=["adenocarcinoma"], metastatic=True, age_min=58, age_max=58),
            Biomarker(marker="EGFR", status="mutated"),
            Event(type="metastasis", sites=["brain"]),
            Treatment(drugs=["osimertinib"]),
            Sex(value="M"),
        ]
    )
    facts = case_facts(criteria)
    assert facts["site"] == {"C34": 1.0} and "EGFR:mutated" in facts["biomarker"]
    assert facts["stage"] == {"IV": 1.0} and "site:brain" in facts["metastatic"]
    assert "50-59" in facts["age"] and facts["sex"] == {"M": 1.0}
    text = (
        "Patient de 58 ans, adénocarcinome pulmonaire EGFR muté, métastases cérébrales, "
        "traité par osimertinib"
    )
    res = similar_to_case(store, facts, text, k=5, filters=Filters(exclude_opposed=False))
    assert [profile_of[n.patient_id] for n in res.neighbours] == ["lung_egfr"] * 5
    assert "EGFR muté" in res.neighbours[0].shared
    # a case says nothing of what it omits: no "also has" noise about groups it did not mention
    assert not any("lignes" in d for n in res.neighbours for d in n.differences)


def test_an_english_case_text_alone_reaches_the_right_profile(built):
    store, profile_of = built
    res = similar_to_case(
        store,
        {},
        "Multiple myeloma treated with lenalidomide and bortezomib, then autologous stem cell transplant",
        k=4,
        filters=Filters(exclude_opposed=False),
    )
    assert [profile_of[n.patient_id] for n in res.neighbours] == ["myeloma"] * 4
    assert all(n.structured_score is None and n.text_score is not None for n in res.neighbours)


@pytest.mark.parametrize(
    ("text", "profile", "shared"),
    [
        (
            "Patient de 58 ans, adénocarcinome pulmonaire EGFR muté, métastases cérébrales, "
            "traité par osimertinib",
            "lung_egfr",
            "EGFR muté",
        ),
        (
            "62-year-old woman, breast ductal carcinoma, stage III, HER2 positive, treated with trastuzumab",
            "breast_her2",
            "HER2 positif",
        ),
    ],
)
def test_case_text_through_the_real_parser_in_french_and_english(built, text, profile, shared):
    store, profile_of = built
    facts = case_to_facts(text)
    assert facts.get("biomarker") and facts.get("site") and facts.get("age")
    res = similar_to_case(store, facts, text, k=5, filters=Filters(exclude_opposed=False))
    assert [profile_of[n.patient_id] for n in res.neighbours] == [profile] * 5
    assert all(shared in n.shared for n in res.neighbours)


def case_to_facts(text: str) -> dict:
    """What a pasted case becomes: the parser's Criteria compiled into similar-patient facts."""
    from assistant.core.understanding import understand

    return case_facts(understand(text, use_llm=False).criteria, text)


def test_cli_similar_and_index_commands_act_as_a_user_of_one_centre(built, tmp_path, monkeypatch):
    from assistant.cli import app
    from privacy.pseudonym import pseudo_id
    from privacy.users import add_user
    from retrieval.settings import get_settings

    store, _ = built
    monkeypatch.setenv("COHORT_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    add_user(store, "h6_clinician", "a long enough password 42", "clinician", "C1", by="test")
    runner = CliRunner()
    out = runner.invoke(app, ["index", "update", "--db", store.url])
    assert out.exit_code == 0, out.output
    assert "similar-patient index" in out.output
    own = store.scalar("SELECT MIN(id) FROM patients WHERE centre_id = 'C1' AND opposition = 0")
    c1 = {pseudo_id(r["id"]) for r in store.query("SELECT id FROM patients WHERE centre_id = 'C1'")}
    invoke = lambda *args, input=None: runner.invoke(app, list(args), input=input)  # noqa: E731
    assert invoke("similar", pseudo_id(own), "--db", store.url).exit_code != 0  # nobody signed in
    from tests.cli_login import login

    login(invoke, "h6_clinician", "a long enough password 42", "--db", store.url)
    before = store.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'similar'")
    user = ["--user", "h6_clinician", "--db", store.url]
    out = runner.invoke(app, ["similar", pseudo_id(own), "--k", "3", "--json", *user])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output[out.output.index("{") :])
    assert len(data["rows"]) == 3 and {r["pseudo_id"] for r in data["rows"]} <= c1
    assert all("patient_id" not in r and r["age_band"] for r in data["rows"])
    assert store.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'similar'") == before + 1
    out = runner.invoke(app, ["similar", "--case", "Mélanome BRAF V600E métastatique", "--k", "2",
                              "--lang", "en", *user])
    assert out.exit_code == 0, out.output
    assert "BRAF" in out.output and "similar to this case" in out.output
    # a patient of another centre cannot be used as the query, and is not told apart from an unknown one
    other = store.scalar("SELECT MIN(id) FROM patients WHERE centre_id = 'C2'")
    out = runner.invoke(app, ["similar", pseudo_id(other), *user])
    assert out.exit_code != 0 and "P-" in str(out.exception)
    assert runner.invoke(app, ["similar", "--db", store.url]).exit_code != 0
    get_settings.cache_clear()


# -- on the shared generated corpus (tests/conftest.py), read-only: indexes stay in memory ----------
@pytest.fixture(scope="module")
def corpus_index(corpus_store):  # noqa: ANN001, ANN201
    index, report = build_index(corpus_store, save=False)
    assert report.patients == corpus_store.scalar("SELECT COUNT(*) FROM patients")
    return index


def _first_tumours(store: Store) -> dict[int, dict]:
    rows = store.query("SELECT patient_id, icd10, histology_group, rank, diagnosis_date FROM tumours")
    first: dict[int, dict] = {}
    for r in sorted(rows, key=lambda r: (r["rank"], r["diagnosis_date"])):
        first.setdefault(r["patient_id"], r)
    return first


def test_generated_corpus_neighbours_are_deterministic_filtered_and_explained(corpus_store, corpus_index):
    store = corpus_store
    again, _ = build_index(store, save=False)
    patients = {r["id"]: r for r in store.query("SELECT id, centre_id, opposition FROM patients")}
    first = _first_tumours(store)
    queries = sorted(first)[:: max(1, len(first) // 8)][:8]
    for pid in queries:
        centre = patients[pid]["centre_id"]
        res = similar_to_patient(store, pid, k=10, filters=Filters(centre_ids=(centre,)), index=corpus_index)
        twin = similar_to_patient(store, pid, k=10, filters=Filters(centre_ids=(centre,)), index=again)
        assert [(n.patient_id, n.score) for n in res.neighbours] == [
            (n.patient_id, n.score) for n in twin.neighbours
        ]
        assert len(res.neighbours) == 10 and pid not in [n.patient_id for n in res.neighbours]
        for n in res.neighbours:
            assert patients[n.patient_id]["centre_id"] == centre and not patients[n.patient_id]["opposition"]
        assert [n.score for n in res.neighbours] == sorted((n.score for n in res.neighbours), reverse=True)
        # when the centre has another visible patient with the same site and histology, one of the
        # three nearest has that site too, and the explanation names it as shared
        site, hist = first[pid]["icd10"][:3], first[pid]["histology_group"]
        twins = [
            p
            for p, t in first.items()
            if p != pid
            and t["icd10"][:3] == site
            and t["histology_group"] == hist
            and patients[p]["centre_id"] == centre
            and not patients[p]["opposition"]
        ]
        if twins:
            same = [n for n in res.neighbours[:3] if first[n.patient_id]["icd10"][:3] == site]
            assert same, (pid, site, hist)
            assert any(f"({site})" in s for s in same[0].shared)


@pytest.mark.parametrize(
    ("text", "site", "histology"),
    [
        (
            "Patiente de 55 ans, carcinome canalaire infiltrant du sein, récepteurs aux oestrogènes "
            "positifs, traitée par chirurgie puis hormonothérapie",
            "C50",
            "ductal_carcinoma",
        ),
        (
            "68-year-old man with metastatic lung adenocarcinoma, treated with chemotherapy",
            "C34",
            "adenocarcinoma",
        ),
    ],
)
def test_generated_corpus_case_texts_in_french_and_english(corpus_store, corpus_index, text, site, histology):
    facts = case_to_facts(text)
    assert site in facts.get("site", {})
    res = similar_to_case(corpus_store, facts, text, k=5, index=corpus_index)
    first = _first_tumours(corpus_store)
    assert len(res.neighbours) == 5
    for n in res.neighbours:
        assert first[n.patient_id]["icd10"].startswith(site)
        assert first[n.patient_id]["histology_group"] == histology


# -- incomplete coding: eval similar --drop-structured and the report-derived 'findings' summary -----
def _coded(store: Store) -> dict[str, object]:
    return {
        "biomarkers": sorted(r["id"] for r in store.query("SELECT id FROM biomarkers")),
        "metastases": sorted(r["id"] for r in store.query("SELECT id FROM events WHERE type = 'metastasis'")),
        "histologies": store.scalar("SELECT COUNT(*) FROM tumours WHERE histology_group IS NOT NULL"),
        "documents": store.scalar("SELECT COUNT(*) FROM documents"),
        "mentions": store.scalar("SELECT COUNT(*) FROM mentions"),
    }


def test_drop_structured_degrades_a_copy_only_and_deterministically(corpus_store, tmp_path):
    from eval.similar_degrade import degraded_copy
    from retrieval.similar.findings import findings_texts

    before = _coded(corpus_store)
    copy, dropped = degraded_copy(corpus_store, 0.5, 7, tmp_path / "a")
    twin, _ = degraded_copy(corpus_store, 0.5, 7, tmp_path / "b")
    assert _coded(corpus_store) == before  # the user's store is only read
    after = _coded(copy)
    assert _coded(twin) == after  # same seed, same rows dropped
    assert set(after["biomarkers"]) < set(before["biomarkers"])
    assert set(after["metastases"]) < set(before["metastases"])
    assert after["histologies"] < before["histologies"]
    assert (after["documents"], after["mentions"]) == (before["documents"], before["mentions"])
    d = dropped["biomarkers"]
    assert d["patients_drawn"] == round(0.5 * d["patients_eligible"]) > 0
    assert (d["rows_before"], d["rows_after"]) == (len(before["biomarkers"]), len(after["biomarkers"]))
    # a drawn patient has no coded biomarker left in the copy, but its reports still name the results
    ids = [r["id"] for r in corpus_store.query("SELECT id FROM patients ORDER BY id")]
    lost = [p for p in {r["patient_id"] for r in corpus_store.query("SELECT patient_id FROM biomarkers")}
            if not copy.scalar("SELECT COUNT(*) FROM biomarkers WHERE patient_id = :p", {"p": p})]
    assert len(lost) == d["patients_drawn"]
    assert findings_texts(copy, ids) == findings_texts(corpus_store, ids)
    # 'reported' (the default) draws only among patients whose reports name one of their markers;
    # 'all' draws among every coded patient, so its pool is larger
    _, harsh = degraded_copy(corpus_store, 0.5, 7, tmp_path / "c", among="all")
    assert harsh["biomarkers"]["patients_eligible"] > d["patients_eligible"] > 0
    with pytest.raises(ValueError, match="--drop-among"):
        degraded_copy(corpus_store, 0.5, 7, tmp_path / "d", among="some")
    copy.close()
    twin.close()


def test_report_facts_fill_only_missing_coding_agree_with_it_and_are_marked(corpus_store, tmp_path):
    """Coding dropped on a copy is read back from the reports: mostly found, agreeing with what was
    coded, never overriding a coded fact, and said to come from a report in explanations."""
    from eval.similar_degrade import degraded_copy
    from retrieval.similar.build import default_spec
    from retrieval.similar.facts import load_patients
    from retrieval.similar.report_facts import complete_from_reports, patient_facts

    ids = [r["id"] for r in corpus_store.query("SELECT id FROM patients ORDER BY id")]
    coded = {p.patient_id: p for p in load_patients(corpus_store, ids)}
    # on the complete store nothing is missing, so nothing changes
    complete = list(load_patients(corpus_store, ids))
    complete_from_reports(corpus_store, complete)
    assert all(p.facts == coded[p.patient_id].facts for p in complete if not p.from_reports)
    for p in complete:  # what was filled was a group the coded tables left empty
        assert all(g not in coded[p.patient_id].facts or g == "metastatic" for g in p.from_reports)

    copy, _ = degraded_copy(corpus_store, 1.0, 3, tmp_path / "all")
    lost = [pid for pid, p in coded.items() if "biomarker" in p.facts
            and not copy.scalar("SELECT COUNT(*) FROM biomarkers WHERE patient_id = :p", {"p": pid})]
    read = {p.patient_id: p for p in patient_facts(copy, lost, from_reports=True)}
    found = [pid for pid in lost if "biomarker" in read[pid].from_reports]
    assert len(lost) >= 10 and len(found) >= 0.8 * len(lost)
    agree = sum(set(read[pid].facts["biomarker"]) <= set(coded[pid].facts["biomarker"]) for pid in found)
    assert agree >= 0.9 * len(found)
    assert all(read[pid].from_reports["biomarker"] == sorted(read[pid].facts["biomarker"]) for pid in found)

    spec = default_spec(text_model="none", report_facts=True)
    build_index(copy, spec=spec)
    res = similar_to_patient(copy, found[0], k=5)
    assert any(f.endswith("(compte rendu)") for f in res.query["facts"])
    en = similar_to_patient(copy, found[0], k=5, lang="en")
    assert any(f.endswith("(report)") for f in en.query["facts"])
    copy.close()


def test_findings_summary_reads_results_from_reports(corpus_store):
    from retrieval.similar.findings import findings_texts, marker_words

    assert marker_words("RE 80 %") == "ER positif (RE 80 %)"
    assert marker_words("HER2 2+ sans amplification").startswith("HER2 négatif")
    assert marker_words("EGFR exon19del") == "EGFR muté exon19del"
    assert marker_words("ALK : négatif") == "ALK négatif"
    er = {r["patient_id"] for r in corpus_store.query(
        "SELECT patient_id FROM biomarkers WHERE marker = 'ER' AND status = 'positive'")}
    texts = findings_texts(corpus_store, sorted(er))
    assert len(er) >= 10
    # the generated pathology reports state most receptor results, and they are read as positive
    # (a negative reading alone is rare: a second primary or a later biopsy may differ)
    assert sum("ER positif" in texts.get(p, "") for p in er) >= 0.8 * len(er)
    only_neg = [p for p in er if "ER négatif" in texts.get(p, "") and "ER positif" not in texts.get(p, "")]
    assert len(only_neg) <= 0.1 * len(er)


def test_cli_eval_similar_with_drop_structured_end_to_end(corpus_store, corpus_dir, tmp_path):
    from assistant.cli import app

    before = _coded(corpus_store)
    out = tmp_path / "report.json"
    res = CliRunner().invoke(app, [
        "eval", "similar", "--db", corpus_store.url, "--corpus", str(corpus_dir), "--models", "minilm",
        "--summaries", "facts,findings", "--queries", "40", "--cases", "0", "--min-class", "3",
        "--drop-structured", "0.3", "--out", str(out),
    ])
    assert res.exit_code == 0, res.output
    assert "drop-structured 0.3" in res.output and "dropped biomarkers" in res.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["drop_structured"] == 0.3
    assert report["dropped"]["biomarkers"]["rows_after"] < report["dropped"]["biomarkers"]["rows_before"]
    rows = report["rows"]
    assert {r["vectors"] for r in rows} == {
        "structured", "report facts", "structured+reports", "text", "combined"}
    assert {(r["summary"], r["vectors"]) for r in rows if r["vectors"] in ("text", "combined")} == {
        (s, v) for s in ("facts", "findings") for v in ("text", "combined")}
    assert all(r["queries"] == report["queries"] > 0 and 0 <= r["p@10"] <= 1 and 0 <= r["ndcg@10"] <= 1
               for r in rows)
    assert _coded(corpus_store) == before
