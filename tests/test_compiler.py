"""Compiler tables (Criteria in → SQL fragments and parameters out, per dialect) and safety:
user text is always a bound parameter, and any search term runs without an FTS or SQL error."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from query_compiler import criteria as C
from query_compiler.compiler import Compiler, UnsupportedCriterion, compile_criteria
from query_compiler.criteria.terms import Matcher, parse_term, placements, to_fts5, to_tsquery_text, tokenize
from query_compiler.engine import CohortEngine, Scope
from retrieval.fts_chars import probe_sqlite, tables
from tests import minidata

TODAY = date(2024, 6, 30)
EVERYONE = Scope(None, exclude_opposed=False)

# criteria, expected fragments on SQLite, on PostgreSQL, expected parameter values (either dialect)
TABLE = [
    (C.Sex(value="F"), ["p.sex = :p1"], ["p.sex = :p1"], ["F"]),
    (
        C.Tumour(site=["C50"]),
        ["t.icd10 >= :p1 AND t.icd10 < :p2", "t.topography >= :p3 AND t.topography < :p4"],
        ['t.icd10 COLLATE "C" >= :p1 AND t.icd10 COLLATE "C" < :p2'],
        ["C50", "C51"],
    ),
    (
        C.Tumour(stage=["III"]),
        ["t.stage = :p1", "NOT SUBSTR(t.stage, 4, 1) IN ('I', 'V')"],
        ["t.stage = :p1"],
        ["III"],
    ),
    (
        C.Tumour(metastatic=True),
        ["t.metastatic_at_diagnosis = 1 OR EXISTS(SELECT 1 FROM events AS me WHERE me.tumour_id = t.id"],
        ["me.type = 'metastasis'"],
        [],
    ),
    (C.Tumour(metastatic=False), ["NOT (t.metastatic_at_diagnosis = 1 OR EXISTS("], ["NOT ("], []),
    (
        C.Tumour(histology_group=["myeloma"]),
        ["t.histology_group = :p1", "t.morphology >= :p2 AND t.morphology < :p3"],
        ["t.histology_group = :p1"],
        ["myeloma", "9732/3"],
    ),
    (
        C.Age(at="today", min=70),
        ["STRFTIME('%Y', COALESCE(p.death_date, :p1))", ">= :p2"],
        ["DATE_PART('year', COALESCE(p.death_date, :p1))", "TO_CHAR("],
        [70],
    ),
    (
        C.Age(at="diagnosis", min=18, max=43),
        ["t.age_at_diagnosis >= :p1", "t.age_at_diagnosis <= :p2"],
        ["t.age_at_diagnosis >= :p1"],
        [18, 43],
    ),
    (
        C.Survival(min_months=24),
        [
            "JULIANDAY(COALESCE(p.death_date, p.last_news_date)) - JULIANDAY((SELECT MIN(t.diagnosis_date)"
            " FROM tumours AS t WHERE t.patient_id = p.id)) >= :p1",
            "COALESCE((",
            ", FALSE)",
        ],
        ["(COALESCE(pp.death_date, pp.last_news_date) - MIN(t.diagnosis_date))"],
        [730.5],
    ),
    (
        C.TreatmentLines(min=2),
        [
            "(SELECT COUNT(DISTINCT CAST(COALESCE(tr.tumour_id, -1) AS INTEGER) * 1000 + tr.line) FROM",
            "tr.patient_id = p.id) >= :p6",
        ],
        [
            "GROUP BY tr.patient_id HAVING COUNT(DISTINCT CAST(COALESCE(tr.tumour_id, -1) AS BIGINT) * 1000",
        ],
        ["chemotherapy", 2],
    ),
    (C.TreatmentLines(max=0), ["tr.patient_id = p.id) <= :p6"], ["NOT p.id IN", "> :p6"], [0]),
    (
        C.Treatment(classes=["targeted_therapy"], ongoing=True),
        ["tr.class = :p1", "tr.end_date IS NULL"],
        ["tr.end_date IS NULL"],
        ["targeted_therapy"],
    ),
    (
        C.Treatment(drugs=["Pembrolizumab"]),
        ["LOWER(tr.name) = :p1"],
        ["LOWER(tr.name) = :p1"],
        ["pembrolizumab"],
    ),
    (
        C.Biomarker(marker="pd-l1", op=">=", value=50),
        ["UPPER(b.marker) = :p1", "b.value >= :p2"],
        ["b.value >= :p2"],
        ["PD-L1", 50.0],
    ),
    (
        C.Text(terms=["préservation NEAR fertilité"]),
        [
            "s.id IN (SELECT rowid FROM segments_fts WHERE segments_fts MATCH :p1)",
            "s.negated = 0",
            "s.hypothetical = 0",
            "s.family = 0",
            "s.history = 0",
        ],
        ["s.tsv @@ CAST(:p1 AS tsquery)", "s.negated = 0"],
        [],
    ),
    (
        C.Text(terms=["x"], include=["negated", "family"]),
        ["s.hypothetical = 0", "s.history = 0"],
        ["s.hypothetical = 0"],
        [],
    ),
    (
        C.Sequence(
            first=C.Tumour(histology_group=["myeloma"]),
            then=C.Tumour(histology_group=["aml"]),
            max_months=120,
        ),
        ["JULIANDAY(b.d) - JULIANDAY(a.d) >= 0", "JULIANDAY(b.d) - JULIANDAY(a.d) <= :p"],
        ["(b.d - a.d) >= 0"],
        [3652.5],
    ),
    (
        C.Sequence(
            first=C.Event(type="progression"),
            then=C.Treatment(classes=["cell_therapy"]),
            relation="within",
            max_months=6,
        ),
        ["ABS(JULIANDAY(b.d) - JULIANDAY(a.d)) <= :p3"],
        ["ABS((b.d - a.d)) <= :p3"],
        [182.625],
    ),
    (
        C.Not(item=C.AnyOf(items=[C.Sex(value="M"), C.VitalStatus(value="deceased")])),
        ["NOT (p.sex = :p1 OR NOT p.death_date IS NULL)"],
        ["NOT (p.sex = :p1 OR"],
        ["M"],
    ),
]


@pytest.mark.parametrize(("node", "lite", "pg", "values"), TABLE, ids=lambda x: getattr(x, "kind", None))
def test_compiled_sql_table(node, lite, pg, values):
    for dialect, fragments in (("sqlite", lite), ("postgres", pg)):
        q = compile_criteria(node, dialect, TODAY)
        assert q.sql.startswith("SELECT p.id FROM patients AS p WHERE ")
        for fragment in fragments:
            assert fragment in q.sql, (dialect, fragment, q.sql)
        for value in values:
            assert value in q.params.values(), (dialect, value, q.params)
    assert compile_criteria(C.Age(at="today", max=40), "postgres", TODAY).params["p1"] == TODAY
    assert compile_criteria(C.Age(at="today", max=40), "sqlite", TODAY).params["p1"] == "2024-06-30"


def test_text_query_is_a_parameter_in_fts5_and_tsquery_syntax():
    lite = compile_criteria(C.Text(terms=["cryopréservation ov*", "oncofertilité"]), "sqlite")
    assert lite.params["p1"] == '("cryopreservation" + "ov"*) OR ("oncofertilite")'
    pg = compile_criteria(C.Text(terms=["cryopréservation ov*", "oncofertilité"]), "postgres")
    assert pg.params["p1"] == "('cryopreservation' <-> 'ov':*) | ('oncofertilite')"


def test_and_computes_one_patient_set_and_checks_the_rest_per_patient():
    tree = C.All(
        items=[
            C.Text(terms=["réponse complète"]),
            C.Sex(value="F"),
            C.Survival(min_months=24),
            C.Biomarker(marker="EGFR", status="mutated"),
            C.Tumour(site=["C34"]),
        ]
    )
    lite = compile_criteria(tree, "sqlite").sql
    where = lite.split(" WHERE ", 1)[1]
    assert where.startswith("p.id IN (SELECT b.patient_id FROM biomarkers AS b")  # the driver
    assert (
        where.index("p.sex = ")
        < where.index("EXISTS(SELECT 1 FROM tumours")
        < where.index("EXISTS(SELECT 1 FROM segments")
        < where.index("SELECT MIN(t.diagnosis_date)")
    )
    assert "b.patient_id = p.id" not in lite and "t.patient_id = p.id" in lite
    pg = compile_criteria(tree, "postgres").sql
    assert pg.count("EXISTS(") == 3 and "GROUP BY t.patient_id" in pg  # survival: grouped, per patient


def test_unknown_node_types_are_refused_by_name():
    class Comet(C.Node):
        kind: str = "comet"

    with pytest.raises(UnsupportedCriterion, match="Comet"):
        Compiler("sqlite").condition(Comet())
    with pytest.raises(ValueError, match="Unknown SQL dialect"):
        compile_criteria(C.Sex(value="F"), "oracle")


# -- injection -------------------------------------------------------------------------------------
PAYLOADS = ["'); DROP TABLE patients; --", '" OR 1=1 --', "x' OR 'a'='a", "%' OR '1'='1", "Robert'); --"]


def _hostile(payload: str) -> list[C.Node]:
    return [
        C.Centre(ids=[payload]),
        C.Biomarker(marker=payload[:40], alteration=payload),
        C.Treatment(drugs=[payload]),
        C.Text(terms=[payload]),
        C.Text(terms=[f"{payload} NEAR/2 fertilité"]),
    ]


@pytest.fixture(scope="module")
def mini(tmp_path_factory):
    ds = minidata.make_dataset(150, seed=11)
    store = minidata.sqlite_store(tmp_path_factory.mktemp("mini") / "m.db", ds)
    return ds, store


@pytest.fixture(scope="module")
def mini_pg(mini, pg_server):
    from eval.pg import copy_store
    from retrieval.store import Store

    store = Store(pg_server.new_database("compiler_mini"))
    copy_store(mini[1], store)
    return store


@pytest.mark.parametrize("payload", PAYLOADS)
def test_injection_attempts_are_bound_parameters(payload, mini):
    for node in _hostile(payload):
        for dialect in ("sqlite", "postgres"):
            q = compile_criteria(node, dialect)
            assert payload not in q.sql and "DROP" not in q.sql.upper().replace("DROP TABLE", "")
            assert "'" not in q.sql.replace("'metastasis'", "").replace("'I', 'V'", "").replace(
                "'%Y'", ""
            ).replace("'%m-%d'", "")
        CohortEngine(mini[1], TODAY).count(node, EVERYONE)
    assert mini[1].scalar("SELECT COUNT(*) FROM patients") == 150


@pytest.mark.postgres
@pytest.mark.parametrize("payload", PAYLOADS)
def test_injection_attempts_run_harmlessly_on_postgres(payload, mini_pg):
    for node in _hostile(payload):
        CohortEngine(mini_pg, TODAY).count(node, EVERYONE)
    assert mini_pg.scalar("SELECT COUNT(*) FROM patients") == 150


def test_codes_cannot_carry_sql():
    for bad in ("C50'; --", "C50%", "C5_"):
        with pytest.raises(C.CriteriaError, match="not an ICD-10"):
            C.parse_criteria({"kind": "tumour", "site": [bad]})


# -- term grammar and FTS safety ---------------------------------------------------------------------
HOSTILE_TERMS = [
    '"',
    'a"b',
    "NEAR",
    "NEAR/",
    "a NEAR",
    "NEAR b",
    "a NEAR/2",
    "ov**",
    "*ov",
    "^début",
    "a:b",
    "col:valeur",
    "(a OR b)",
    "a AND NOT b",
    "x' OR '1'='1",
    "\\",
    'a\\"b',
    "{a b}",
    "a + b",
    "-a",
    "a - b",
    "préservation NEAR/0 fertilité",
    '"la fertilité"*',
    "NOT",
    "AND",
    "OR",
    "l’ovocyte",
    "œdème",
    "TNF-α",
    "10²",
    "Ki-67 à 15 %",
    "ÉCOLE",
    "e\u0301cole",
    "ﬁbrose",
    "x" * 150,
]


@pytest.mark.parametrize("term", HOSTILE_TERMS)
def test_hostile_terms_search_without_error_and_agree_with_python(term, mini):
    """Either a sentence saying there is nothing to search, or a literal search that agrees with Python."""
    ds, store = mini
    try:
        node = C.parse_criteria(
            {"kind": "text", "terms": [term], "include": ["negated", "hypothetical", "family", "history"]}
        )
    except C.CriteriaError as exc:
        assert "has no letters or digits" in str(exc)
        return
    got = set(CohortEngine(store, TODAY).patient_ids(node, EVERYONE))
    assert got == minidata.reference_for(ds, store).patients(node)


@pytest.mark.postgres
@pytest.mark.parametrize("term", HOSTILE_TERMS)
def test_hostile_terms_on_postgres_equal_sqlite(term, mini, mini_pg):
    if not any(ch.isalnum() for ch in term):
        return
    node = C.Text(terms=[term])
    assert CohortEngine(mini_pg, TODAY).patient_ids(node, EVERYONE) == CohortEngine(
        mini[1], TODAY
    ).patient_ids(node, EVERYONE)


@pytest.mark.parametrize(
    ("term", "fts5", "tsquery"),
    [
        ("oncofertilité", '"oncofertilite"', "'oncofertilite'"),
        ("ovocytes congelés", '"ovocytes" + "congeles"', "'ovocytes' <-> 'congeles'"),
        ("cryopréservation ov*", '"cryopreservation" + "ov"*', "'cryopreservation' <-> 'ov':*"),
        ("l'ovocyte", '"l" + "ovocyte"', "'l' <-> 'ovocyte'"),
        ("a AND b", '"a" + "and" + "b"', "'a' <-> 'and' <-> 'b'"),
        ("a NEAR/1 b", 'NEAR("a" "b", 1)', "('a' <-> 'b') | ('a' <2> 'b') | ('b' <-> 'a') | ('b' <2> 'a')"),
    ],
)
def test_term_grammar_table(term, fts5, tsquery):
    parsed = parse_term(term)
    assert to_fts5(parsed) == fts5
    assert to_tsquery_text(parsed) == tsquery


def test_near_placements_follow_fts5_rule_with_overlaps():
    # NEAR(x x) matches a single x (FTS5 lets instances overlap): one placement is the single word.
    cells = placements(parse_term("x NEAR/2 x"))
    assert [[(0, "x")]] == [[(p, t.text) for p, t in c] for c in cells if len(c) == 1]
    assert Matcher(["x NEAR x"]).matches("un x seul")
    assert Matcher(["ov* NEAR/0 ovaire"]).matches("ovaire")
    assert not Matcher(["préservation NEAR/1 fertilité"]).matches("préservation de la fertilité")
    assert Matcher(["préservation NEAR/2 fertilité"]).matches("préservation de la fertilité")


def test_stored_tokenizer_tables_match_this_sqlite():
    """fts_chars.json was measured on SQLite; the running SQLite must still cut words the same way."""
    ranges = [
        (0x20, 0x24F),
        (0x300, 0x36F),
        (0x370, 0x3FF),
        (0x2000, 0x206F),
        (0xFB00, 0xFB06),
        (0x1F600, 0x1F60F),
    ]
    seps, fold = tables()
    for lo, hi in ranges:
        got_seps, got_fold = probe_sqlite(lo, hi)
        assert {cp for cp in range(lo, hi + 1) if cp in seps} == set(got_seps)
        assert {cp: v for cp, v in got_fold.items()} == {
            ord(c): v for c, v in fold.items() if lo <= ord(c) <= hi
        }
    assert sqlite3.sqlite_version_info >= (3, 34)


def test_python_tokenizer_equals_fts5_on_french_text():
    text = "L’ovocyte a été congelé ; ŒDÈME sous-cutané (TNF-α 10²) « MIV » e\u0301cole ﬁn"
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE f USING fts5(x, tokenize='unicode61 remove_diacritics 2')")
    con.execute("CREATE VIRTUAL TABLE v USING fts5vocab(f, 'instance')")
    con.execute("INSERT INTO f(x) VALUES (?)", (text,))
    assert [t for (t,) in con.execute("SELECT term FROM v ORDER BY offset")] == [
        w for w, _, _ in tokenize(text)
    ]


@pytest.mark.postgres
def test_postgres_folds_text_like_fts5(mini_pg):
    text = "L’ovocyte a été congelé ; ŒDÈME sous-cutané (TNF-α 10²) « MIV » e\u0301cole ﬁn"
    assert mini_pg.scalar("SELECT cohort_fold(:t)", {"t": text}).split() == [w for w, _, _ in tokenize(text)]


@pytest.mark.postgres
@pytest.mark.parametrize(
    "text",
    [
        "Pas de métastase hépatique, mais une lésion secondaire osseuse.",  # fast path (Latin-1)
        "ŒDÈME l’ovocyte « MIV » Ÿ ÿ ß Æ æ Ø ø µ ª º",  # fast path, letters outside ASCII
        "TNF-α 10² cellules ½ dose ﬁbrose Ⅻ e\u0301cole",  # slow path: non-letters the parser may cut
        "x" * 300 + " fin",  # a very long word
    ],
)
def test_postgres_tsvector_positions_equal_fts5_words(mini_pg, text):
    expected: dict[str, list[int]] = {}
    for pos, (word, _, _) in enumerate(tokenize(text), start=1):
        expected.setdefault(word, []).append(pos)
    rows = mini_pg.query("SELECT lexeme, positions FROM unnest(cohort_tsvector(:t))", {"t": text})
    assert {r["lexeme"]: list(r["positions"]) for r in rows} == expected
