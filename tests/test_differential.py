"""Differential test: the same Criteria through SQL on SQLite, through SQL on a real PostgreSQL,
through Spark SQL on a Parquet warehouse (local mode) and through the pure-Python reference
evaluator must give the same patients, tree by tree.

Runs on the shared generated + ingested corpus (``corpus_dir`` / ``corpus_store``, copied row for
row into PostgreSQL and into a Spark warehouse) and on ``tests/minidata.py``'s random dataset; the
fixed trees cover every atom kind, nesting, negation, time relations and the real questions of
USE_CASES.md, and hypothesis adds random trees. A tree set where almost nothing matches would prove
little, so the share of trees with a non-trivial answer is checked too.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings

from eval.use_cases import FERTILITY_TERMS, RESPONSE_TERMS
from eval.use_cases import USE_CASES as SHARED_USE_CASES
from query_compiler import criteria as C
from query_compiler.engine import CohortEngine, Scope
from tests import minidata
from tests.criteria_strategies import trees
from tests.reference import Evaluator, ReferenceData

EVERYONE = Scope(None, exclude_opposed=False)
BREAST, LUNG, COLORECTAL = ["C50"], ["C34"], ["C18", "C19", "C20"]


def _all(*items: C.Node) -> C.All:
    return C.All(items=list(items))


FERTILITY_COHORT = _all(
    C.Tumour(
        site=BREAST,
        diagnosed_from=date(2011, 1, 1),
        diagnosed_to=date(2017, 9, 1),
        age_min=18,
        age_max=43,
        metastatic_at_diagnosis=False,
    ),
    C.Treatment(classes=["chemotherapy"]),
)
MYELOMA_TO_AML = C.Sequence(
    first=C.Tumour(histology_group=["myeloma"]), then=C.Tumour(histology_group=["aml"])
)

USE_CASES: dict[str, C.Node] = {
    "flagship": _all(C.Sex(value="F"), C.Tumour(site=BREAST, metastatic=True, age_min=50, age_max=50)),
    "flagship_wider": _all(C.Sex(value="F"), C.Tumour(site=BREAST, metastatic=True, age_min=45, age_max=55)),
    "fertility_cohort": FERTILITY_COHORT,
    "fertility_text": _all(FERTILITY_COHORT, C.Text(terms=FERTILITY_TERMS)),
    "fertility_text_any_breast": _all(C.Tumour(site=BREAST), C.Text(terms=FERTILITY_TERMS)),
    "exceptional_responders": _all(
        C.Treatment(classes=["targeted_therapy"], ongoing=True),
        C.Tumour(site=["C34", "C50", "C64", "C56", "C43", "C18"]),
        C.Text(terms=RESPONSE_TERMS),
        C.Survival(min_months=24),
        C.Biobank(sample_types=["tumour_tissue"]),
    ),
    "responders_text_only": _all(C.Text(terms=RESPONSE_TERMS), C.Survival(min_months=24)),
    "rectal_nets": C.Tumour(site=["C20"], histology_group=["neuroendocrine"]),
    "nets_two_lines": _all(C.Tumour(histology_group=["neuroendocrine"]), C.TreatmentLines(min=2)),
    "operated_pancreatic_nets": _all(
        C.Tumour(site=["C25"], histology_group=["neuroendocrine"], grade=[1, 2]),
        C.Treatment(classes=["surgery"]),
        C.Biobank(),
    ),
    "nets_any_origin_text": C.AnyOf(
        items=[C.Tumour(histology_group=["neuroendocrine"]), C.Text(terms=["tumeur neuroendocrine", "TNE"])]
    ),
    "myeloma_to_aml": MYELOMA_TO_AML,
    "myeloma_to_aml_after_lines_and_transplant": _all(
        MYELOMA_TO_AML,
        C.TreatmentLines(min=2),
        C.Treatment(drugs=["autologous_sct"]),
        C.Treatment(drugs=["melphalan"]),
    ),
    "myeloma_progression_then_transplant": C.Sequence(
        first=C.Event(type="progression"),
        then=C.Treatment(classes=["cell_therapy"]),
        relation="within",
        max_months=12,
    ),
    "second_primary_rank": C.Tumour(rank="subsequent"),
    "second_primary_event": C.Event(type="second_primary"),
    "second_primary_after_first": C.Sequence(
        first=C.Tumour(rank="first"), then=C.Tumour(rank="subsequent"), min_months=6
    ),
    "elderly_early_breast": _all(
        C.Sex(value="F"), C.Tumour(site=BREAST, stage=["I", "II"], age_min=70, metastatic_at_diagnosis=False)
    ),
    "elderly_early_breast_deceased": _all(
        C.Sex(value="F"),
        C.Tumour(site=BREAST, stage=["I", "II"], age_min=70),
        C.VitalStatus(value="deceased"),
    ),
    "screen_egfr_lung": _all(
        C.Tumour(site=LUNG),
        C.Biomarker(marker="EGFR", status="mutated"),
        C.Not(item=C.Treatment(ongoing=True)),
    ),
    "screen_kras_wt_crc": _all(
        C.Tumour(site=COLORECTAL, metastatic=True),
        C.Biomarker(marker="KRAS", status="wild_type"),
        C.TreatmentLines(min=1),
    ),
    "screen_her2_breast_alive": _all(
        C.Tumour(site=BREAST), C.Biomarker(marker="HER2", status="positive"), C.VitalStatus(value="alive")
    ),
    "screen_pdl1_lung": _all(C.Tumour(site=LUNG), C.Biomarker(marker="PD-L1", op=">=", value=50)),
    "screen_braf_melanoma": _all(C.Tumour(site=["C43"]), C.Biomarker(marker="BRAF", alteration="V600E")),
    "screen_recent_progression": _all(
        C.Age(at="today", min=18, max=75), C.Event(type="progression", date_from=date(2024, 1, 1))
    ),
    "screen_msi_high": C.Biomarker(marker="MSI", status="high"),
    "rare_across_centres": _all(
        C.Tumour(histology_group=["neuroendocrine"]), C.Centre(ids=["CLB", "IGR", "C1", "C2"])
    ),
}

ATOMS: dict[str, C.Node] = {
    "sex_m": C.Sex(value="M"),
    "age_dx": C.Age(min=60, max=69),
    "age_today_old": C.Age(at="today", min=80),
    "age_at_metastasis": C.Age(at="event", event="metastasis", max=55),
    "alive": C.VitalStatus(value="alive"),
    "survival_short": C.Survival(max_months=12),
    "survival_band": C.Survival(min_months=12, max_months=60.5),
    "centre": C.Centre(ids=["ICM", "C3"]),
    "tumour_site_prefix": C.Tumour(site=["C5"]),
    "tumour_topography": C.Tumour(site=["C42.1"]),
    "tumour_morphology": C.Tumour(histology=["814"]),
    "tumour_stage_iii": C.Tumour(stage=["III"]),
    "tumour_stage_iv": C.Tumour(stage=["IV"]),
    "tumour_tnm": C.Tumour(t=["T1"], n=["N0"]),
    "tumour_laterality_grade": C.Tumour(laterality="left", grade=[3]),
    "tumour_not_metastatic": C.Tumour(site=BREAST, metastatic=False),
    "tumour_dates": C.Tumour(diagnosed_from=date(2015, 1, 1), diagnosed_to=date(2018, 12, 31)),
    "event_bone_liver": C.Event(type="metastasis", sites=["bone", "liver"]),
    "event_dates": C.Event(type="progression", date_from=date(2019, 1, 1), date_to=date(2022, 12, 31)),
    "biomarker_er": C.Biomarker(marker="er", status="positive"),
    "biomarker_ki67": C.Biomarker(marker="KI67", op=">", value=20),
    "treatment_class_line": C.Treatment(classes=["chemotherapy"], line_min=2),
    "treatment_atc": C.Treatment(atc=["L01F"]),
    "treatment_ended": C.Treatment(classes=["hormone_therapy"], ongoing=False, started_from=date(2016, 1, 1)),
    "lines_zero": C.TreatmentLines(max=0),
    "lines_exactly_one": C.TreatmentLines(min=1, max=1),
    "stay_metastasis_codes": C.StayDiagnosis(codes=["C78", "C79"]),
    "stay_dates": C.StayDiagnosis(codes=["Z51.1"], date_from=date(2020, 1, 1)),
    "text_metastase": C.Text(terms=["métastase"]),
    "text_metastase_negated_too": C.Text(terms=["métastase"], include=["negated"]),
    "text_all_qualifiers": C.Text(
        terms=["métastase*", "récidive"], include=["negated", "hypothetical", "family", "history"]
    ),
    "text_doc_type_dates": C.Text(
        terms=["progression"], doc_types=["imaging", "mdt"], date_from=date(2018, 1, 1)
    ),
    "text_phrase_prefix": C.Text(terms=["réponse compl*", "rémission complète"]),
    "text_near": C.Text(terms=["cancer NEAR/3 sein", "métastase NEAR hépatique"]),
    "biobank_frozen": C.Biobank(sample_types=["tumour_tissue"], conservation=["frozen"]),
}

STRUCTURE: dict[str, C.Node] = {
    "not_atom": C.Not(item=C.Tumour(site=BREAST)),
    "double_not": C.Not(item=C.Not(item=C.Sex(value="F"))),
    "any_of_atoms": C.AnyOf(items=[C.Tumour(site=LUNG), C.Biomarker(marker="HER2", status="positive")]),
    "all_with_not": _all(C.Tumour(site=BREAST), C.Not(item=C.Text(terms=["métastase"]))),
    "nested": C.AnyOf(
        items=[
            _all(C.Sex(value="M"), C.Tumour(site=["C61"])),
            _all(
                C.Sex(value="F"), C.Not(item=C.AnyOf(items=[C.Tumour(site=BREAST), C.Tumour(site=["C56"])]))
            ),
        ]
    ),
    "not_of_all": C.Not(item=_all(C.Tumour(metastatic=True), C.VitalStatus(value="deceased"))),
    "seq_after_bounds": C.Sequence(
        first=C.Tumour(site=BREAST), then=C.Event(type="metastasis"), min_months=12, max_months=60
    ),
    "seq_before": C.Sequence(
        first=C.Event(type="progression"), then=C.Treatment(classes=["surgery"]), relation="before"
    ),
    "seq_before_bounds": C.Sequence(
        first=C.Event(type="metastasis"),
        then=C.Treatment(classes=["chemotherapy"]),
        relation="before",
        min_months=1,
        max_months=24,
    ),
    "seq_within_text": C.Sequence(
        first=C.Tumour(site=BREAST), then=C.Text(terms=["réponse complète"]), relation="within", max_months=36
    ),
    "seq_biomarker_stay": C.Sequence(
        first=C.Biomarker(marker="KI67"),
        then=C.StayDiagnosis(codes=["C78"]),
        relation="within",
        min_months=3,
        max_months=120,
    ),
    "seq_biobank": C.Sequence(first=C.Tumour(), then=C.Biobank(), relation="within", max_months=1),
    "not_seq": C.Not(item=C.Sequence(first=C.Tumour(rank="first"), then=C.Event(type="progression"))),
    "deep": _all(
        C.AnyOf(
            items=[
                C.Not(item=_all(C.Sex(value="F"), C.Age(at="today", max=60))),
                C.Text(terms=["progression tumorale"]),
            ]
        ),
        C.Not(item=C.AnyOf(items=[C.TreatmentLines(min=3), C.Survival(max_months=6)])),
    ),
}

TREES: dict[str, C.Node] = {
    **USE_CASES,
    **ATOMS,
    **STRUCTURE,
    **{f"uc_{u.name}": u.criteria for u in SHARED_USE_CASES},
}


def test_enough_trees_and_every_kind():
    assert len(TREES) >= 60
    kinds = {n.kind for t in TREES.values() for n in C.iter_nodes(t)}
    assert {m.model_fields["kind"].default for m in C.NODE_TYPES} <= kinds


class World:
    """One dataset seen four ways: SQLite, PostgreSQL, Spark, reference."""

    def __init__(self, lite, pg, ref: Evaluator, today: date, spark=None) -> None:
        self.lite = CohortEngine(lite, today)
        self.pg = CohortEngine(pg, today) if pg is not None else None
        self.spark = CohortEngine(spark, today) if spark is not None else None
        self.ref = ref

    @property
    def engines(self) -> list[tuple[str, CohortEngine]]:
        pairs = [("sqlite", self.lite), ("postgres", self.pg), ("spark", self.spark)]
        return [(name, e) for name, e in pairs if e is not None]

    def check(self, tree: C.Node) -> set[int]:
        expected = self.ref.patients(tree)
        for name, engine in self.engines:
            got = set(engine.patient_ids(tree, EVERYONE))
            assert got == expected, (name, sorted(got - expected)[:10], sorted(expected - got)[:10])
        return expected


def _copy_to_pg(store, pg_server, name: str):
    from eval.pg import copy_store
    from retrieval.store import Store

    pg = Store(pg_server.new_database(name))
    copy_store(store, pg)
    return pg


@pytest.fixture(scope="module")
def corpus_world(corpus_dir, corpus_store, pg_server, spark_copy) -> World:
    manifest = json.loads((corpus_dir / "manifest.json").read_text(encoding="utf-8"))
    today = date.fromisoformat(manifest["reference_date"])
    ref = Evaluator(ReferenceData.load(corpus_dir, corpus_store), today)
    pg = _copy_to_pg(corpus_store, pg_server, "diff_corpus")
    return World(corpus_store, pg, ref, today, spark=spark_copy(corpus_store, "diff_corpus"))


@pytest.fixture(scope="module")
def mini_world(tmp_path_factory, pg_server, spark_copy) -> World:
    ds = minidata.make_dataset(200, seed=5)
    store = minidata.sqlite_store(tmp_path_factory.mktemp("diff") / "mini.db", ds)
    return World(
        store,
        _copy_to_pg(store, pg_server, "diff_mini"),
        minidata.reference_for(ds, store),
        minidata.REFERENCE_DATE,
        spark=spark_copy(store, "diff_mini"),
    )


@pytest.mark.postgres
@pytest.mark.spark
@pytest.mark.parametrize("name", list(TREES))
def test_fixed_trees_on_the_generated_corpus(corpus_world, name):
    corpus_world.check(TREES[name])


@pytest.mark.postgres
@pytest.mark.spark
def test_fixed_trees_mostly_select_someone_but_not_everyone(corpus_world):
    total = len(corpus_world.ref.data.patients)
    informative = [n for n, t in TREES.items() if 0 < len(corpus_world.ref.patients(t)) < total]
    assert len(informative) >= 0.75 * len(TREES), sorted(set(TREES) - set(informative))


@pytest.mark.postgres
@pytest.mark.spark
@pytest.mark.parametrize("name", list(TREES))
def test_fixed_trees_on_random_data(mini_world, name):
    mini_world.check(TREES[name])


@pytest.mark.postgres
@pytest.mark.spark
@given(trees())
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
def test_random_trees_on_random_data(mini_world, tree):
    mini_world.check(tree)


@pytest.mark.postgres
@pytest.mark.spark
@given(trees())
@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
def test_random_trees_on_the_generated_corpus(corpus_world, tree):
    corpus_world.check(tree)


@pytest.mark.postgres
@pytest.mark.spark
def test_scope_is_applied_inside_the_query(corpus_world):
    tree = USE_CASES["nets_any_origin_text"]
    ids = corpus_world.ref.patients(tree)
    patients = corpus_world.ref.data.patients
    for scope in (
        Scope(("C1",)),
        Scope(("C1", "C2")),
        Scope(None),
        Scope(("C2",), exclude_opposed=False),
        Scope(()),
    ):
        expected = {
            i
            for i in ids
            if (scope.centre_ids is None or patients[i].centre_id in scope.centre_ids)
            and not (scope.exclude_opposed and patients[i].opposition)
        }
        for _, engine in corpus_world.engines:
            assert set(engine.patient_ids(tree, scope)) == expected
            assert engine.count(tree, scope) == len(expected)
            by_centre = engine.count_by_centre(tree, scope)
            assert sum(by_centre.values()) == len(expected)
