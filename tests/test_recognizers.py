"""Each French recogniser as a table of strings it must find (with the exact span) and strings
it must leave alone. Recognisers run directly (no spaCy) except where context words matter."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import privacy.recognizers as pkg
from privacy.names import NameIndex
from privacy.recognizers import ALL_RECOGNIZERS, RecognizerContext
from privacy.recognizers.address import FrAddressRecognizer
from privacy.recognizers.date import FrDateRecognizer
from privacy.recognizers.email import FrEmailRecognizer
from privacy.recognizers.ipp import IppRecognizer
from privacy.recognizers.nir import NirRecognizer, nir_key_ok
from privacy.recognizers.patient_identifiers import PatientIdentifierRecognizer
from privacy.recognizers.phone import FrPhoneRecognizer
from privacy.recognizers.registry_names import RegistryNameRecognizer
from privacy.recognizers.title_name import TitleNameRecognizer

CLINICAL = frozenset({"masse", "rose", "oncologie", "service", "carcinome", "sein"})


def found(recognizer, text: str, entity: str | None = None) -> list[str]:
    results = recognizer.analyze(text, entities=[])
    return sorted(text[r.start:r.end] for r in results
                  if r.score >= 0.5 and (entity is None or r.entity_type == entity))


def test_every_recognizer_module_is_listed():
    listed = {cls.__module__ for cls in ALL_RECOGNIZERS}
    modules = {f"privacy.recognizers.{m.name}" for m in pkgutil.iter_modules(pkg.__path__)
               if not m.name.startswith("_")}
    assert modules == listed, f"modules missing from ALL_RECOGNIZERS: {modules - listed}"
    for name in modules:
        importlib.import_module(name)


def test_every_recognizer_declares_patterns_and_context():
    for cls in ALL_RECOGNIZERS:
        assert isinstance(cls.PATTERNS, list) and isinstance(cls.CONTEXT, list), cls
        assert cls.create(RecognizerContext(name_index=NameIndex())) is not None


# -- NIR ---------------------------------------------------------------------------------------
NIR_VALID = [
    ("NIR : 2 61 03 75 112 345 56", "2 61 03 75 112 345 56"),
    ("n° SS 261037511234556.", "261037511234556"),
    ("INS 1 84 12 2A 004 017 32 (Corse)", "1 84 12 2A 004 017 32"),
    ("matricule 2.61.03.75.112.345.56", "2.61.03.75.112.345.56"),
]
NIR_INVALID = [
    "2 61 03 75 112 345 57",          # wrong key
    "Ki67 à 261037511234",            # too short
    "tel 06 12 34 56 78",
    "pT2N1M0 stade IIB",
]


@pytest.mark.parametrize(("text", "span"), NIR_VALID)
def test_nir_valid(text, span):
    assert found(NirRecognizer(), text) == [span]


@pytest.mark.parametrize("text", NIR_INVALID)
def test_nir_invalid(text):
    assert found(NirRecognizer(), text) == []


def test_nir_key_rules():
    assert nir_key_ok("261037511234556")
    assert nir_key_ok("1 84 12 2B 004 017 59") != nir_key_ok("1 84 12 2B 004 017 58")
    assert not nir_key_ok("26103751123455")


# -- phone -------------------------------------------------------------------------------------
PHONE_VALID = [
    ("joignable au 06 12 34 56 78.", "06 12 34 56 78"),
    ("tél. 01.23.45.67.89", "01.23.45.67.89"),
    ("0612345678", "0612345678"),
    ("+33 6 12 34 56 78", "+33 6 12 34 56 78"),
    ("+33 (0)5 31 82 88 36", "+33 (0)5 31 82 88 36"),
    ("0033 4 72 11 22 33", "0033 4 72 11 22 33"),
    ("fax 04-72-11-22-33", "04-72-11-22-33"),
]
PHONE_INVALID = ["00 12 34 56 78", "12 34 56 78 90", "Ki67 30 %", "061234567", "2 61 03 75 112 345 56"]


@pytest.mark.parametrize(("text", "span"), PHONE_VALID)
def test_phone_valid(text, span):
    assert found(FrPhoneRecognizer(), text) == [span]


@pytest.mark.parametrize("text", PHONE_INVALID)
def test_phone_invalid(text):
    assert found(FrPhoneRecognizer(), text) == []


# -- e-mail ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "span"), [
    ("écrire à jeanne.dupont@orange.fr.", "jeanne.dupont@orange.fr"),
    ("mail: j-p_martin+rcp@chu-lyon.fr", "j-p_martin+rcp@chu-lyon.fr"),
])
def test_email_valid(text, span):
    assert found(FrEmailRecognizer(), text) == [span]


@pytest.mark.parametrize("text", ["RCP @ 14h", "le 12/03@", "HER2+ @ IHC"])
def test_email_invalid(text):
    assert found(FrEmailRecognizer(), text) == []


# -- dates -------------------------------------------------------------------------------------
DATES = [
    ("vue le 12/03/2021 en consultation", "12/03/2021", "DATE"),
    ("RCP du 1er avril 2020", "1er avril 2020", "DATE"),
    ("opérée le 3 mars 2019.", "3 mars 2019", "DATE"),
    ("née le 12/03/1961", "12/03/1961", "DATE_OF_BIRTH"),
    ("Née le 12 mars 1961 à Lyon", "12 mars 1961", "DATE_OF_BIRTH"),
    ("Date de naissance : 1961-03-12", "1961-03-12", "DATE_OF_BIRTH"),
    ("DDN 04.07.58", "04.07.58", "DATE_OF_BIRTH"),
    ("le 31 déc. 2019", "31 déc. 2019", "DATE"),
    ("depuis mars 2020", "mars 2020", "DATE"),
    ("scanner du 2020-11-05", "2020-11-05", "DATE"),
]
NOT_DATES = ["antécédent de cancer en 2015", "31/02/2020", "pT2N1M0", "Ki67 12/30", "3 cm sur 2",
             "HER2 3+ le 45/12/2020", "1.5 mg/m2"]


@pytest.mark.parametrize(("text", "span", "entity"), DATES)
def test_dates(text, span, entity):
    results = FrDateRecognizer().analyze(text, entities=[])
    assert [(text[r.start:r.end], r.entity_type) for r in results] == [(span, entity)]


@pytest.mark.parametrize("text", NOT_DATES)
def test_not_dates(text):
    assert found(FrDateRecognizer(), text) == []


# -- addresses ---------------------------------------------------------------------------------
ADDRESSES = [
    ("domiciliée 12 rue des Lilas, 75012 Paris.", "12 rue des Lilas, 75012 Paris"),
    ("5, avenue Jean Jaurès\n69007 LYON", "5, avenue Jean Jaurès\n69007 LYON"),
    ("habite 3 bis bd Victor Hugo à Nice", "3 bis bd Victor Hugo"),
    ("87, rue de Barre\n29793 Samson", "87, rue de Barre\n29793 Samson"),
    ("au 14 chemin de la Fontaine-Saint-Martin", "14 chemin de la Fontaine-Saint-Martin"),
    ("Adresse : 2 place d'Italie 75013 Paris CEDEX 13", "2 place d'Italie 75013 Paris CEDEX 13"),
    ("33000 Bordeaux", "33000 Bordeaux"),
    ("Adresse : rue Rodrigues, 74884 Guérin Date de la RCP", "rue Rodrigues, 74884 Guérin"),
    ("41, chemin Jourdan, 65168 Da Costa Date", "41, chemin Jourdan, 65168 Da Costa"),
    ("rue de Baudry, 03139 Saint Clairedan", "rue de Baudry, 03139 Saint Clairedan"),
    ("72, avenue Vaillant, 23873 De Sousa-la-Forêt Tél", "72, avenue Vaillant, 23873 De Sousa-la-Forêt"),
]
NOT_ADDRESSES = ["tumeur de 12 mm", "3 cures de FEC", "la patiente rentre chez elle",
                 "pT2N1M0 grade 2", "12 cycles Avastin", "10000 UI par jour"]


@pytest.mark.parametrize(("text", "span"), ADDRESSES)
def test_addresses(text, span):
    assert found(FrAddressRecognizer(), text) == [span]


@pytest.mark.parametrize("text", NOT_ADDRESSES)
def test_not_addresses(text):
    assert found(FrAddressRecognizer(), text) == []


# -- titles and names --------------------------------------------------------------------------
NAMES = [
    ("Vue par le Dr Martin ce jour", ["Martin"]),
    ("Mme Jeanne DUPONT, 62 ans", ["Jeanne DUPONT"]),
    ("adressée par le Pr J.-P. Le Gall", ["J.-P. Le Gall"]),
    ("M. Durand est revu", ["Durand"]),
    ("Patiente : DUPONT Jeanne", ["DUPONT Jeanne"]),
    ("Médecin traitant : Dr Anne Roux", ["Anne Roux"]),
    ("Mme Petit née Lefebvre", ["Lefebvre", "Petit"]),
    ("accompagnée de sa fille Claire", ["Claire"]),
    ("Dr Durand Oncologie", ["Durand"]),  # after a first name ("Dr Martin Oncologie") it would stay
    ("Dr LEBON\nOncologie médicale", ["LEBON"]),
    ("Dr Amélie MASSE (médecin traitant)", ["Amélie MASSE"]),
    ("Copie : Dr Michelle Masse (médecin traitant)", ["Michelle Masse"]),
]
NOT_NAMES = ["le docteur de garde", "Carcinome canalaire infiltrant", "M0 N1", "Pas de métastase",
             "RCP du jour", "née le 12/03/1961", "Mme a été opérée", "PR selon RECIST"]


@pytest.mark.parametrize(("text", "spans"), NAMES)
def test_title_names(text, spans):
    assert found(TitleNameRecognizer(clinical_words=CLINICAL), text) == sorted(spans)


@pytest.mark.parametrize("text", NOT_NAMES)
def test_title_not_names(text):
    assert found(TitleNameRecognizer(clinical_words=CLINICAL), text) == []


# -- IPP ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "span"), [
    ("IPP : 0012345678", "0012345678"),
    ("IPP 8123456", "8123456"),
    ("n° patient: CLB-2019-004512", "CLB-2019-004512"),
    ("Dossier n° 20190045", "20190045"),
])
def test_ipp_labelled(text, span):
    assert found(IppRecognizer(), text) == [span]


@pytest.mark.parametrize("text", ["3 cycles", "HER2 score 3", "Ki67 20 %", "pT2N1M0"])
def test_ipp_invalid(text):
    assert found(IppRecognizer(), text) == []


# -- registry deny-list ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def registry_recognizer():
    index = NameIndex()
    index.add_all(["Jeanne", "Rose", "Pierre"], "first")
    index.add_all(["Dupont", "Masse", "Le Gall", "Petit", "Da Silva-Martin"], "last")
    common = frozenset({"petit", "pierre", "le", "masse", "rose", "dupont"}) - {"dupont"}
    return RegistryNameRecognizer(index, common, CLINICAL)


REGISTRY = [
    ("revue avec Dupont hier", ["Dupont"]),
    ("DUPONT", ["DUPONT"]),
    ("Jeanne Dupont va bien", ["Dupont", "Jeanne"]),  # joined into one region by resolve()
    ("Bilan. Petit est revu", ["Petit"]),    # dictionary word, capitalised: a registry surname
    ("vu avec Petit ce jour", ["Petit"]),
    ("un petit nodule", []),                 # lower case: the word, not the name
    ("Masse tumorale de 3 cm", []),          # clinical word alone
    ("Mme Masse est revue", ["Masse"]),      # clinical word after a title
    ("Rose Dupont", ["Dupont", "Rose"]),
    ("une masse rose", []),
    ("Mme Le Gall", ["Le Gall"]),
    ("le gall", []),
    ("Mme Silva", ["Silva"]),
]


@pytest.mark.parametrize(("text", "spans"), REGISTRY)
def test_registry_names(registry_recognizer, text, spans):
    assert found(registry_recognizer, text) == sorted(spans)


# -- the patient's own identifiers -------------------------------------------------------------
def test_patient_identifiers_any_separator():
    rec = PatientIdentifierRecognizer(
        {"ipp": "0012345678", "nir": "261037511234556", "email": "jd@exemple.fr", "last_name": "Barbier",
         "address": "12 rue des Lilas", "postcode": "75012", "city": "Paris", "phone": "0612345678"},
        phones=["+33 4 72 11 22 33"], names=["Ophélie"])
    text = ("IPP 00 12 34 56 78, NIR 2 61 03 75 112 345 56, tél +33 6 12 34 56 78, fille 04.72.11.22.33, "
            "jd@exemple.fr, 12 rue  des Lilas 75012 Paris. Barbier reviendra, sa fille Ophélie aussi ; "
            "un barbier passera")
    got = {(text[r.start:r.end], r.entity_type) for r in rec.analyze(text, [])}
    assert got == {("00 12 34 56 78", "IPP"), ("2 61 03 75 112 345 56", "NIR"),
                   ("+33 6 12 34 56 78", "PHONE"), ("04.72.11.22.33", "PHONE"), ("jd@exemple.fr", "EMAIL"),
                   ("12 rue  des Lilas", "ADDRESS"), ("75012 Paris", "ADDRESS"), ("Barbier", "PERSON"),
                   ("Ophélie", "PERSON")}


# -- names without a registry: first-name lexicon, header lines, spaCy NER --------------------------
from privacy.recognizers.first_name import FirstNameRecognizer  # noqa: E402
from privacy.recognizers.header_name import HeaderNameRecognizer  # noqa: E402
from privacy.recognizers.intl_address import IntlAddressRecognizer  # noqa: E402
from privacy.recognizers.intl_phone import IntlPhoneRecognizer  # noqa: E402

FIRST_NAMES = [
    ("Patiente anxieuse, vue avec Kevin (IDE) ce jour.", ["Kevin"]),
    ("pt bernard fontaine ch 12 : agité", ["bernard fontaine"]),
    ("appel de sa femme josiane, rassurée", ["josiane"]),
    ("LEFEBVRE-DUBOIS Marie-Claire, 58 ans", ["LEFEBVRE-DUBOIS Marie-Claire"]),
    ("Present: Grace Okonkwo (CNS)", ["Grace Okonkwo"]),
    ("Her mother Margaret died aged 61.", ["Margaret"]),
]
NOT_FIRST_NAMES = ["Centre François Baclesse", "maladie de Hodgkin", "douleur EVA 6/10", "patient ASA 3",
                   "la rose des vents", "en France chez son fils", "Rose de Noël en cadeau"]


@pytest.mark.parametrize(("text", "spans"), FIRST_NAMES)
def test_first_names(text, spans):
    assert found(FirstNameRecognizer.create(_ctx()), text) == sorted(spans)


@pytest.mark.parametrize("text", NOT_FIRST_NAMES)
def test_not_first_names(text):
    assert found(FirstNameRecognizer.create(_ctx()), text) == []


HEADERS = [
    ("DUPONT JEAN-PIERRE né le 12/03/1954", ["DUPONT JEAN-PIERRE"]),
    ("KOWALSKI, ANNA     DOB 11/30/1962", ["KOWALSKI, ANNA"]),
    ("Mme Jeanne Vasseur, née le 12/03/1961", ["Jeanne Vasseur"]),
]
NOT_HEADERS = ["COMPTE RENDU OPÉRATOIRE     Date : 12/03/2024", "CONCLUSION     Carcinome",
               "NÉE LE : 23/12/1956"]


@pytest.mark.parametrize(("text", "spans"), HEADERS)
def test_header_names(text, spans):
    assert found(HeaderNameRecognizer.create(_ctx()), text) == sorted(spans)


@pytest.mark.parametrize("text", NOT_HEADERS)
def test_not_header_names(text):
    assert found(HeaderNameRecognizer.create(_ctx()), text) == []


INTL_PHONES = [("reached on +44 20 7946 0958 or", "+44 20 7946 0958"),
               ("call her on 07700 900123.", "07700 900123"), ("tel. (617) 555-0123.", "(617) 555-0123"),
               ("Contacts : +351 21 123 4567 /", "+351 21 123 4567")]
NOT_INTL_PHONES = ["CIP 3400930036738", "PSA 14.2 ng/ml", "pT3N1 8/12", "NCT04035486", "2024-06-12"]


@pytest.mark.parametrize(("text", "span"), INTL_PHONES)
def test_intl_phones(text, span):
    assert found(IntlPhoneRecognizer(), text) == [span]


@pytest.mark.parametrize("text", NOT_INTL_PHONES)
def test_not_intl_phones(text):
    assert found(IntlPhoneRecognizer(), text) == []


INTL_ADDRESSES = [
    ("221B Baker Street, London NW1 6XE\n", "221B Baker Street, London NW1 6XE"),
    ("Home: Via Roma 10, 00184 Roma, Italy", "Via Roma 10, 00184 Roma"),
    ("adresse : 4 impasse du moulin 24200 sarlat-la-canéda.", "4 impasse du moulin 24200 sarlat-la-canéda"),
    ("Contact\nChicago, IL 60614\nReason", "Chicago, IL 60614"),
]
NOT_INTL_ADDRESSES = ["Ki67 20 % sur 3 rue", "score de Gleason 4+3", "HER2 3+ en IHC, 10 cycles"]


@pytest.mark.parametrize(("text", "span"), INTL_ADDRESSES)
def test_intl_addresses(text, span):
    assert span in found(IntlAddressRecognizer(), text)


@pytest.mark.parametrize("text", NOT_INTL_ADDRESSES)
def test_not_intl_addresses(text):
    assert found(IntlAddressRecognizer(), text) == []


def _ctx() -> RecognizerContext:
    from privacy.clinical_words import clinical_words
    from privacy.engine import common_words

    ctx = RecognizerContext(name_index=NameIndex(), clinical_words=clinical_words())
    ctx.common_words = common_words()  # type: ignore[attr-defined]
    return ctx


# -- round 2 of issue 12: labelled addresses, address parts, names by their surroundings -----------
from privacy.recognizers.labelled_address import LabelledAddressRecognizer  # noqa: E402
from privacy.recognizers.name_markers import NameMarkerRecognizer  # noqa: E402
from privacy.redact import Redactor  # noqa: E402

LABELLED_ADDRESSES = [
    ("ADRESSE : LES GLYCINES, 9 RUE DU PORT, 56100 LORIENT\nTÉL",
     "LES GLYCINES, 9 RUE DU PORT, 56100 LORIENT"),
    ("Adresse au Sénégal : Villa 40, Sicap Liberté 6, Dakar ; tél", "Villa 40, Sicap Liberté 6, Dakar"),
    ("domiciliée 17, derb Lalla Aziza, 40000 Marrakech (Maroc)", "17, derb Lalla Aziza, 40000 Marrakech"),
    ("Home: Kirchweg 8, 3011 Bern. Mobile", "Kirchweg 8, 3011 Bern"),
]
NOT_LABELLED_ADDRESSES = ["je vous adresse ce patient pour un avis à 3 mois",
                          "habite seule depuis 2 ans", "vit à domicile avec son épouse",
                          "Adresse : inconnue"]


@pytest.mark.parametrize(("text", "span"), LABELLED_ADDRESSES)
def test_labelled_addresses(text, span):
    assert found(LabelledAddressRecognizer(), text) == [span]


@pytest.mark.parametrize("text", NOT_LABELLED_ADDRESSES)
def test_not_labelled_addresses(text):
    assert found(LabelledAddressRecognizer(), text) == []


NAME_MARKERS = [
    ("bed 4 - kelly, joanne (72F) - post-op", ["kelly, joanne"]),
    ("Mme Olena Shevchenko (S-H-E-V-C-H-E-N-K-O) a appelé", ["S-H-E-V-C-H-E-N-K-O"]),
    ("présents : perrot, van acker, lemaire (radiothérapie), j. morin\n", ["j. morin", "lemaire", "perrot",
                                                                           "van acker"]),
    ("Seen with her granddaughter Thuy.", ["Thuy"]),
]
NOT_NAME_MARKERS = ["- cancer du sein, 45 ans", "cc : Pharmacie, IDE, RCP", "Patient : carcinome, 64 ans",
                    "fille unique, mère au foyer"]


@pytest.mark.parametrize(("text", "spans"), NAME_MARKERS)
def test_name_markers(text, spans):
    assert found(NameMarkerRecognizer.create(_ctx()), text) == sorted(spans)


@pytest.mark.parametrize("text", NOT_NAME_MARKERS)
def test_not_name_markers(text):
    assert found(NameMarkerRecognizer.create(_ctx()), text) == []


# The whole redactor: an address found by its street grows over its unit, delivery, postcode and
# building parts; dates keep their weekday; labelled stay and request numbers are IPP; names in
# lower case and after care roles.
WHOLE = [
    ("vit au 6 allée des Tilleuls, appt 14, BP 33, 87000 Limoges Cedex 1.",
     ("6 allée des Tilleuls, appt 14, BP 33, 87000 Limoges Cedex 1", "ADDRESS")),
    ("Résidence Les Mimosas, Bât. C, 2 rue Nungesser, 13009 Marseille",
     ("Résidence Les Mimosas, Bât. C, 2 rue Nungesser, 13009 Marseille", "ADDRESS")),
    ("home at Grote Markt 12, 2000 Antwerpen.", ("Grote Markt 12, 2000 Antwerpen", "ADDRESS")),
    ("Rua Garrett 80, 2º Esq., 1200-203 Lisboa, Portugal",
     ("Rua Garrett 80, 2º Esq., 1200-203 Lisboa", "ADDRESS")),
    ("RDV le vendredi 14 mars 2025 à 9h", ("vendredi 14 mars 2025", "DATE")),
    ("Clinic on Tuesday, April 8.", ("Tuesday, April 8", "DATE")),
    ("N° de demande : B24.117302 reçu", ("B24.117302", "IPP")),
    ("Numéro de séjour : 2400381772", ("2400381772", "IPP")),
    ("Diététicienne : Maëlle Quéré, le matin", ("Maëlle Quéré", "PERSON")),
    ("ch 8 moreau lucienne : douleur", ("moreau lucienne", "PERSON")),
    ("standard : poste 4417", ("4417", "PHONE")),
]


@pytest.mark.parametrize(("text", "expected"), WHOLE)
def test_redactor_round2_styles(text, expected):
    got = {(text[f.start:f.end], f.entity) for f in Redactor.default().analyze(text)}
    assert expected in got, got


def test_weekday_dates_shift_without_weekday():
    from privacy import dates

    assert dates.shift("lundi 10 mars 2025", 3) == "13 mars 2025"
    assert dates.shift("2025/03/12", 10) == "2025/03/22"
    assert dates.shift("March 6", 2) == "March 8"
