"""The clinical allow-list: words that must stay readable after redaction.

Built from the product's own vocabularies (``retrieval/concepts.json``, ``retrieval/vocab.py``
labels) plus a short list of report words that are also French surnames or look like names
("Masse", "Marin", "Blanc"). A name detector that only has capitalisation to go on (a deny-list
hit at the start of a sentence, a spaCy PER guess) must not fire on these; a detector with
stronger evidence (a title, a registry first+last name pair) still may.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from privacy.text import fold, words
from retrieval import vocab

ROOT = Path(__file__).resolve().parent.parent

# Report words that collide with common surnames or are capitalised in headers (and relatives in
# family history: "Cousin traité pour un cancer du poumon" is a cousin, not M. Cousin).
EXTRA_CLINICAL = """
masse marge marges blanc blanche petit petite grand grande rose roux brun noir vert
marin moulin fontaine pierre roche roches sein seins foie rein reins os col corps tete
droit droite gauche bilateral bilaterale haut bas moyen moyenne long longue court
patient patiente docteur professeur service centre unite hopital clinique chu clcc
compte rendu consultation courrier lettre conclusion conclusions examen examens synthese
antecedents antecedent histoire traitement traitements diagnostic diagnostique stade grade
carcinome adenocarcinome sarcome lymphome myelome leucemie melanome tumeur tumeurs cancer
metastase metastases metastatique hepatique pulmonaire osseuse osseuses cerebrale ganglionnaire
canalaire lobulaire infiltrant infiltrante invasif invasive in situ mammaire
chimiotherapie radiotherapie hormonotherapie immunotherapie chirurgie therapie ciblee
tamoxifene letrozole anastrozole exemestane trastuzumab pertuzumab bevacizumab pembrolizumab
nivolumab ipilimumab atezolizumab durvalumab osimertinib erlotinib gefitinib imatinib
carboplatine cisplatine oxaliplatine paclitaxel docetaxel capecitabine fluorouracile
cyclophosphamide doxorubicine epirubicine gemcitabine irinotecan lenalidomide bortezomib
melphalan daratumumab rituximab everolimus sunitinib cabozantinib olaparib palbociclib
ribociclib abemaciclib vemurafenib dabrafenib trametinib temozolomide etoposide
rcp tnm her2 ki67 brca brca1 brca2 egfr alk ros1 kras braf msi pdl1 pd-l1 oestrogene
progesterone recepteurs ihc fish ngs adn arn tep scanner irm echographie mammographie
biopsie exerese mastectomie tumorectomie curage lobectomie colectomie prostatectomie
nephrectomie autogreffe allogreffe greffe remission reponse complete partielle progression
recidive rechute stable evolution surveillance suivi bilan
famille mere pere frere soeur cousin cousine oncle tante fille fils neveu niece grand-mere grand-pere
epoux epouse mari femme conjoint conjointe enfant enfants parent parents
""".split()


def _load_concepts() -> list[str]:
    path = ROOT / "retrieval" / "concepts.json"
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    forms: list[str] = []
    for key, value in data.items():
        if key.startswith("_"):
            continue
        if isinstance(value, list):
            forms.extend(str(v) for v in value)
        elif isinstance(value, dict):
            for v in value.values():
                if isinstance(v, list):
                    forms.extend(str(x) for x in v)
    return forms


def _load_vocab_labels() -> list[str]:

    labels: list[str] = []
    for name in dir(vocab):
        table = getattr(vocab, name)
        if name.isupper() and isinstance(table, dict):
            for pair in table.values():
                if isinstance(pair, tuple):
                    labels.extend(str(p) for p in pair)
    return labels


def _collect_terms(node: object, out: list[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "terms" and isinstance(value, list):
                out.extend(str(v) for v in value)
            else:
                _collect_terms(value, out)
    elif isinstance(node, list):
        for item in node:
            _collect_terms(item, out)


def _load_terminology() -> list[str]:
    """Terms of the parser's terminology (query_compiler/parser/terminology), when it is there."""
    folder = ROOT / "query_compiler" / "parser" / "terminology"
    terms: list[str] = []
    if not folder.is_dir():
        return terms
    import yaml

    for path in sorted(folder.glob("*.yaml")):
        try:
            _collect_terms(yaml.safe_load(path.read_text(encoding="utf-8")), terms)
        except yaml.YAMLError:
            continue
    for path in sorted(folder.glob("*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            terms.append(cols[0])
            if len(cols) > 3:
                terms.extend(a for a in cols[3].split("|") if a)
    return terms


def _single_words(terms: list[str]) -> list[str]:
    """Only one-word terms: the words of a multi-word term may be proper names ("bacille de
    Calmette Guérin", "lymphome de Hodgkin") and must not protect a surname."""
    return [t for t in terms if len(words(t)) == 1]


def clinical_terms(*, terminology: bool = False) -> list[str]:
    """Clinical phrases as written: concepts and vocabulary labels (plus the parser's terminology
    when asked; its English and misspelt forms make a larger allow-list but a noisier test set)."""
    seen: dict[str, str] = {}
    extra = _single_words(_load_terminology()) if terminology else []
    for term in [*_load_concepts(), *_load_vocab_labels(), *extra]:
        seen.setdefault(fold(term), term)
    return sorted(seen.values(), key=fold)


@lru_cache(maxsize=1)
def clinical_words() -> frozenset[str]:
    """Folded single words that are clinical vocabulary (never a name on capitalisation alone)."""
    found = {fold(w) for w in EXTRA_CLINICAL} | set(BRANDS)
    for term in clinical_terms(terminology=True):
        found.update(fold(w) for _, _, w in words(term) if len(w) > 1)
    return frozenset(found)


# Proper names that clinical text uses as eponyms (diseases, signs, classifications, procedures).
# Kept apart from ``clinical_words``: a registry surname that is also an eponym (Bernard, Gilbert,
# Lewis) must still be masked where the registry says so; only the detectors that guess names
# without a registry (spaCy's PER, the first-name lexicon) stand back for these.
EPONYMS = """
hodgkin burkitt ewing wilms kahler waldenstrom lynch fraumeni cowden peutz jeghers hippel lindau kaposi
castleman sezary merkel paget bence jones reed sternberg horner pancoast tobias lambert eaton klatskin
bismuth corlette krukenberg brenner warthin meigs troisier virchow trousseau courvoisier barrett crohn
gilbert cushing conn klinefelter richter plummer vinson fournier whipple hartmann ivor mohs bricker
philadelphie philadelphia child pugh clavien dindo lauren siewert fuhrman miettinen masaoka koga binet
ann arbor lugano deauville bethesda scarff bloom richardson elston ellis nottingham dukes astler coller
stupp bonner gleason breslow clark karnofsky charlson zubrod glasgow epstein barr fanconi gorlin gardner
turcot muir torre birt hogg dube carney zollinger ellison verner morrison budd chiari mallory weiss
zenker schatzki menetrier hirschsprung meckel wernicke korsakoff guillain barre parkinson alzheimer
raynaud sjogren hashimoto basedow addison kussmaul cheyne stokes osler rendu sturge recklinghausen
bourneville pringle peyronie dupuytren bowen queyrat buschke lowenstein spitz hutchinson schwann leydig
sertoli askin denys drash beckwith wiedemann langerhans erdheim rosai dorfman kikuchi kimura mikulicz
riedel quervain hurthle askanazy mondor ranson apache wells caprini khorana kps ecog recist imdc heng
memorial sloan kettering mayo manchester amsterdam lugano durie salmon rai enneking
""".split()

# Oncology brand names and regimens (never a person, whatever a name detector guesses).
BRANDS = """
keytruda opdivo yervoy tecentriq imfinzi bavencio libtayo herceptin herceptine perjeta phesgo kadcyla enhertu
avastin erbitux vectibix tagrisso iressa tarceva giotrif alecensa xalkori lorviqua lynparza zejula rubraca
kisqali ibrance verzenios afinitor faslodex femara arimidex aromasin nolvadex zoladex decapeptyl eligard
xtandi zytiga erleada nubeqa xofigo pluvicto revlimid imnovid velcade kyprolis darzalex sarclisa empliciti
ninlaro imbruvica calquence brukinsa venclyxto gazyva mabthera rituxan adcetris polivy glivec gleevec
sprycel tasigna iclusig bosulif jakavi lumykras krazati padcev trodelvy pemazyre balversa inlyta sutent
votrient nexavar stivarga cabometyx lenvima yondelis halaven xeloda taxotere taxol abraxane navelbine
gemzar alimta eloxatine campto onivyde lonsurf temodal zometa xgeva prolia zophren emend akynzeo kytril
lovenox innohep fragmine xarelto eliquis skenan actiskenan oxynorm oxycontin durogesic abstral doliprane
dafalgan efferalgan solupred medrol humira creon neulasta granocyte zarzio aranesp eprex retacrit
tecvayli elrexfio carvykti abecma kymriah yescarta blincyto besponsa mylotarg vyxeos vidaza dacogen
onureg xospata rydapt tibsovo idhifa folfox folfiri folfirinox folfoxiri chop abvd beacopp flot capox
xelox dhap fec vrd vtd macmillan
""".split()


@lru_cache(maxsize=1)
def eponym_words() -> frozenset[str]:
    return frozenset(EPONYMS)


@lru_cache(maxsize=1)
def brand_words() -> frozenset[str]:
    return frozenset(BRANDS)
