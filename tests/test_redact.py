"""Redaction end to end on real Presidio and the real French spaCy model."""

from __future__ import annotations

from datetime import date

import pytest

from privacy import dates
from privacy.redact import Redactor, date_shift_days
from tests.privacy_helpers import make_store

CLINICAL = [
    "Carcinome canalaire infiltrant du sein gauche.",
    "Pas de métastase hépatique.",
    "Dossier présenté en RCP.",
    "TNM pT2N1M0, grade 2, Ki67 à 20 %.",
    "Traitement par tamoxifène puis letrozole, trastuzumab et pertuzumab.",
    "Masse tumorale de 3 cm du quadrant supéro-externe.",
    "Réponse complète après chimiothérapie néoadjuvante.",
    "Lymphome B diffus à grandes cellules, stade IV.",
    "Antécédent de cancer du sein en 2015.",
    "Famille :\nCousin traité pour un cancer du poumon. Fille en bonne santé.",
]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return make_store(tmp_path_factory.mktemp("redact") / "s.db")


@pytest.fixture(scope="module")
def redactor(store):
    return Redactor.for_store(store)


@pytest.mark.parametrize("text", CLINICAL)
def test_clinical_text_survives(redactor, text):
    out = redactor.redact(text)
    assert out.text == text, out.explain()


def test_each_identifier_type_is_masked(redactor):
    text = ("Mme Jeanne VASSEUR, née le 12/03/1961, NIR 2 61 03 75 112 345 56, IPP : 8000000001, "
            "tél 06 12 34 56 78, jeanne.vasseur@orange.fr, 12 rue des Lilas, 75012 Paris. "
            "Vue le 1er avril 2020.")
    out = redactor.redact(text)
    assert out.text == ("Mme <NOM>, née le <DATE_NAISSANCE>, NIR <NIR>, IPP : <IPP>, tél <TEL>, <EMAIL>, "
                        "<ADRESSE>. Vue le <DATE>.")
    assert {s.entity for s in out.spans} == {"PERSON", "DATE_OF_BIRTH", "NIR", "IPP", "PHONE", "EMAIL",
                                             "ADDRESS", "DATE"}


def test_spans_point_into_both_texts(redactor):
    text = "Revue par le Dr Morvan le 3 mars 2021, tél 04 72 11 22 33."
    out = redactor.redact(text)
    for span in out.spans:
        assert out.text[span.out_start:span.out_end] == span.replacement
        assert text[span.start:span.end].strip() == text[span.start:span.end]


def test_registry_name_without_title_is_caught(redactor):
    out = redactor.redact("Ce jour Carpentier va mieux ; revu avec Ophélie.")
    assert out.text == "Ce jour <NOM> va mieux ; revu avec <NOM>."
    assert any(src[1] == "registry_deny_list" for s in out.spans for src in s.sources)


def test_registry_surname_that_is_a_clinical_word(redactor):
    out = redactor.redact("Médecin traitant : Dr Odette Masse. Masse tumorale de 3 cm.")
    assert out.text == "Médecin traitant : Dr <NOM>. Masse tumorale de 3 cm."


def test_centre_names_are_not_people(redactor):
    assert redactor.redact("CENTRE UN - Lyon, service d'oncologie").text.startswith("CENTRE UN")


def test_explanations_name_the_recogniser(redactor):
    out = redactor.redact("NIR : 2 61 03 75 112 345 56")
    (line,) = out.explain()
    assert "NirRecognizer" in line and "nir" in line and "2 61 03" not in line


def test_english_placeholders(redactor):
    out = redactor.redact("Mme Jeanne Vasseur, née le 12/03/1961.", lang="en")
    assert out.text == "Mme <NAME>, née le <BIRTH_DATE>."


def test_patient_identifiers_from_registry(redactor):
    # The patient's own address has no postcode next to it and a phone of a relative in a form
    # no pattern expects: the registry still knows them.
    out = redactor.redact("Adresse : 7 rue des Tanneurs. Fille joignable au 07-11-22-33-44.", patient_id=7)
    assert "Tanneurs" not in out.text and "33-44" not in out.text


def test_pseudonyms_are_consistent_per_patient(redactor):
    a = redactor.redact("Mme Jeanne Vasseur est revue.", patient_id=1, mode="pseudonym").text
    b = redactor.redact("Jeanne VASSEUR a appelé.", patient_id=1, mode="pseudonym").text
    other = redactor.redact("Mme Jeanne Vasseur est revue.", patient_id=2, mode="pseudonym").text
    fake = a.removeprefix("Mme ").removesuffix(" est revue.")
    first, last = fake.split(" ", 1)
    assert "Vasseur" not in a and "VASSEUR" not in b
    assert b == f"{first} {last.upper()} a appelé."
    assert other != a  # another patient's export does not reuse the same fake name


def test_date_shift_keeps_intervals_and_shapes(redactor):
    text = "Opérée le 02/03/2020, revue le 1er avril 2020 puis en mai 2020."
    out = redactor.redact(text, patient_id=5, mode="pseudonym", shift_dates=True)
    shift = date_shift_days(5)
    assert shift != 0
    got = [s.replacement for s in out.spans]
    assert got[0] == dates.shift("02/03/2020", shift) and "/" in got[0]
    assert dates.parse(got[1]).value - dates.parse(got[0]).value == date(2020, 4, 1) - date(2020, 3, 2)
    assert dates.parse(got[1]).shape == "written"


def test_placeholder_mode_never_shifts_a_birth_date(redactor):
    out = redactor.redact("née le 12/03/1961, opérée le 02/03/2020", patient_id=5, shift_dates=True)
    assert out.text.startswith("née le <DATE_NAISSANCE>, opérée le ") and "<DATE>" not in out.text


def test_batch_matches_single(redactor):
    texts = [("Mme Claire Lemaitre, tél 06 01 34 56 78.", 1), ("RCP du 12 mars 2021.", None),
             ("", None), ("Pas de métastase.", 3)]
    batch = redactor.redact_batch(texts)
    assert [b.text for b in batch] == [redactor.redact(t, patient_id=p).text for t, p in texts]


def test_engine_is_built_once_per_store(store, redactor):
    assert Redactor.for_store(store) is redactor
    store.execute("INSERT INTO physicians (id, centre_id, title, first_name, last_name) "
                  "VALUES (99, 'C2', 'Dr', 'Gaspard', 'Quennec')")
    rebuilt = Redactor.for_store(store)
    assert rebuilt is not redactor
    assert rebuilt.redact("avis de Quennec demandé").text == "avis de <NOM> demandé"


def test_unknown_mode_is_refused(redactor):
    with pytest.raises(ValueError, match="Unknown redaction mode"):
        redactor.redact("x", mode="hash")  # type: ignore[arg-type]
