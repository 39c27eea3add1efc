"""What the name detectors without a registry share: name-shaped words, vetoes and cues.

A word "looks like a name" when it is capitalised or in capitals, made of letters (any script
with case: "Trần", "Wiśniewski", "N'Diaye"), possibly hyphenated. It is "ordinary" when French or
English vocabulary, clinical vocabulary, an eponym or a brand explains it; an ordinary word is a
name only with evidence (a title, a first name next to it, a header position, a relative).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import regex

from privacy.clinical_words import brand_words, clinical_words, eponym_words
from privacy.lexicons import is_first_name_key, last_names
from privacy.text import fold

WORD = regex.compile(r"\p{L}[\p{L}\p{M}]*(?:['’\-]\p{L}[\p{L}\p{M}]*)*")
PARTICLES = frozenset("de du des d la le les van der den von da das do dos di del della ben bin ibn el al "
                      "ould mac mc o st saint sainte".split())
TITLE_WORDS = frozenset("m mr mrs ms mme mmes mlle madame monsieur mademoiselle dr docteur pr professeur "
                        "prof "
                        "me maitre miss sir dame".split())
# Words after which a capitalised word is the start of an eponym, not a person: "maladie de Kahler".
EPONYM_NOUNS = regex.compile(
    r"(?i:maladie|syndrome|lymphome|sarcome|tumeur|macroglobulin[ée]mie|signe|ganglion|nodule|score|stade"
    r"|classification|crit[èe]res?|triade|op[ée]ration|intervention|technique|proc[ée]dure|protocole"
    r"|kyste|ulc[èe]re|hernie|fracture|m[ée]thode|r[ée]flexe|test|[ée]chelle|indice|index|grade"
    r"|cellules?|corps|an[ée]vrisme|canal|diverticule|polype|disease|sign|node|lymphoma|sarcoma|tumou?r"
    r"|virus|fi[èe]vre|fever|bacille|bacillus|souche|strain|vaccin|vaccine"
    r"|procedure|classification|staging|scale|criteria|cells?|disorder|phenomenon|ph[ée]nom[èe]ne)"
    r"\s+(?:de\s+|d['’]\s*|du\s+|of\s+)?$")
EPONYM_AFTER = regex.compile(r"^(?:['’]s)?\s+(?i:disease|sign|node|lymphoma|sarcoma|tumou?r|syndrome"
                             r"|procedure"
                             r"|classification|criteria|score|cells?|staging|scale)\b")


ENGLISH_DICT = Path("/usr/share/dict/british-english")  # Debian wbritish (scripts/install.sh)
# Places and peoples: capitalised, in the first-name lexicon (Paris, Florence, Lorraine, Georgia,
# Chelsea, English...), never a person in a note. Countries, regions and cities patients come from.
PLACES = frozenset(fold(w) for w in """
france paris lyon marseille lille nantes bordeaux toulouse nice strasbourg rennes rouen caen brest dijon
grenoble montpellier reims angers tours nancy metz amiens limoges besancon clermont orleans avignon
london bristol manchester leeds dublin cork edinburgh glasgow cardiff belfast chicago boston houston
york madrid lisboa lisbon porto barcelona roma rome milano milan berlin munich bruxelles brussels
geneve geneva lausanne zurich amsterdam rotterdam casablanca rabat tunis alger algiers dakar hanoi saigon
shanghai beijing warszawa warsaw krakow bucuresti bucharest florence lorraine georgia chelsea savannah
virginia carolina kent devon jersey sydney victoria adelaide alberta india china chine maroc algerie
tunisie senegal vietnam portugal espagne spain italie italy allemagne germany belgique belgium suisse
switzerland angleterre england ecosse scotland irlande ireland pologne poland roumanie romania turquie
turkey
french english british irish scottish welsh american portuguese spanish italian german polish
romanian vietnamese chinese moroccan algerian tunisian senegalese nigerian indian pakistani
francais anglais portugais espagnol italien allemand polonais roumain vietnamien marocain algerien
europe africa afrique asia asie america amerique
""".split())
ABBREVIATIONS = frozenset("""
hosp dept tel fax appt apt ref dob ddn mrn ipp nhs gp cc re obj approx resp tél mob pt pts
""".split())
# Eponyms of several words whose parts are ordinary first names: the whole phrase is clinical.
MULTI_EPONYMS = regex.compile(
    r"(?i:Sister[ \t]+Mary[ \t]+Joseph|S(?:œ|oe)ur[ \t]+Marie[ -]Joseph|Ivor[ \t]+Lewis|Claude[ \t]+Bernard"
    r"|Bence[ \t]+Jones|Ann[ \t]+Arbor|Li[ -]Fraumeni|von[ \t]+Hippel|Reed[ -]Sternberg|Lambert[ -]Eaton"
    r"|Peutz[ -]Jeghers|Plummer[ -]Vinson|Birt[ -]Hogg|Child[ -]Pugh|Guillain[ -]Barr[ée]|Budd[ -]Chiari"
    r"|Mallory[ -]Weiss|Zollinger[ -]Ellison|Epstein[ -]Barr|Memorial[ \t]+Sloan)")
# Institutions named after people (not identifiers): French cancer centres and a few others.
INSTITUTIONS = regex.compile(
    r"(?i:L[ée]on[ -]B[ée]rard|Gustave[ -]Roussy|Oscar[ -]Lambret|Fran[çc]ois[ -]Baclesse"
    r"|Antoine[ -]Lacassagne"
    r"|Henri[ -]Becquerel|Paoli[ -]Calmettes|Georges[ -]Fran[çc]ois[ -]Leclerc|Jean[ -]Perrin|Paul[ -]Strauss"
    r"|Eug[èe]ne[ -]Marquis|Jean[ -]Godinot|Alexis[ -]Vautrin|Claudius[ -]Regaud|Val[ -]d['’]Aurelle"
    r"|Ren[ée][ -]Gauducheau|Paul[ -]Papin|Jules[ -]Bordet|Sainte[ -]Catherine|Saint[ -]Louis|Saint[ -]Luc"
    r"|Saint[ -]Antoine|Piti[ée][ -]Salp[êe]tri[èe]re|Georges[ -]Pompidou|Edouard[ -]Herriot|Lyon[ -]Sud"
    r"|Dana[ -]Farber|Johns[ -]Hopkins|MD[ -]Anderson|Royal[ -]Marsden|Sloan[ -]Kettering|Mayo[ -]Clinic"
    r"|Guy['’]s|St[ .]+Thomas['’]?s?|Bergoni[ée]|Curie|Christie|Addenbrooke['’]s|Macmillan|Marie[ -]Curie)")


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """English vocabulary: the Debian word list's lower-case entries, and spaCy's stop words."""
    from spacy.lang.en.stop_words import STOP_WORDS

    found = {fold(w) for w in STOP_WORDS}
    if ENGLISH_DICT.exists():
        for line in ENGLISH_DICT.read_text(encoding="utf-8", errors="ignore").splitlines():
            if line[:1].islower() and "'" not in line:
                found.add(fold(line))
    return frozenset(found)


def default_common_words() -> frozenset[str]:
    """The French dictionary of the redaction pipeline, for a recogniser built without a context."""
    from privacy.engine import common_words  # the engine builds the recognisers: import when used

    return common_words()


def name_shaped(word: str) -> bool:
    return word[:1].isupper() and any(c.isalpha() for c in word)


def is_first_name(word: str) -> bool:
    return is_first_name_key(fold(word))


def is_last_name(word: str) -> bool:
    return fold(word) in last_names()


def is_ordinary(word: str, common: frozenset[str]) -> bool:
    """French/English vocabulary, clinical words, eponyms, brands and places."""
    key = fold(word)
    parts = key.split("-")
    return (key in common or key in english_words() or key in PLACES or is_clinical(word)
            or all(p in common or p in english_words() or p in clinical_words() for p in parts))


# International non-proprietary name stems and medical word endings: a capitalised word with one of
# these ("Alectinib", "Abiratérone" at a sentence start, "Métastasectomie") is clinical, not a name.
MEDICAL_ENDING = regex.compile(
    r"(?:mab|nib|tinib|ciclib|parib|lisib|rafenib|zomib|platine?|rubicine?|taxel|mide|tide|reline?|relin"
    r"|stat|xaban|parine|terone|lutamide|citabine|tabine|trexed|mustine|fosfamide|sporine|olimus|limus"
    r"|azole|cycline|mycine?|cilline|floxacine?|ectomie|ectomy|otomie|otomy|stomie|scopie|scopy|graphie"
    r"|graphy|scanner|plastie|pathie|pathy|emie|aemia|emia|itis|ome|oma|omes|omas|osis|algie|algia)$")


def is_clinical(word: str) -> bool:
    """Clinical vocabulary, an eponym (any part of "Peutz-Jeghers"), a brand, or a word with a drug
    stem or a medical ending that no first-name list knows."""
    key = fold(word)
    if key in clinical_words() or key in eponym_words() or key in brand_words():
        return True
    if len(key) > 6 and MEDICAL_ENDING.search(key) and not is_first_name_key(key) and key not in last_names():
        return True
    parts = [p for p in key.split("-") if p]
    return len(parts) > 1 and (any(p in brand_words() for p in parts) or all(
        p in eponym_words() or p in clinical_words() for p in parts))


def is_acronym(word: str) -> bool:
    """"IDE", "ASA", "EVA", "WR", "IV": capitals of three letters or fewer are acronyms, not names."""
    return word.isupper() and len(word) <= 3


def is_place(word: str) -> bool:
    """A place, a people, or an abbreviation of a form ("Hosp", "Tel", "Appt")."""
    return fold(word) in PLACES or fold(word) in ABBREVIATIONS


def institution_at(text: str, start: int, end: int) -> bool:
    """The span is (part of) an institution's name: after "Centre", "Hôpital"..., before "Hospital",
    or one of the cancer centres named after people."""
    if in_institution(text, start):
        return True
    if regex.match(r"(?:['’]s)?[ \t]+(?i:hospital|clinic|cent(?:er|re)|institute|infirmary|unit|surgery"
                   r"|practice|foundation)\b", text[end:end + 20]):
        return True
    for m in INSTITUTIONS.finditer(text[max(0, start - 40):end + 40]):
        s, e = m.start() + max(0, start - 40), m.end() + max(0, start - 40)
        if s <= start and end <= e or start <= s < end:
            return True
    return False


def eponym_context(text: str, start: int, end: int) -> bool:
    """The span is the proper-name part of an eponym ("lymphome de Burkitt", "Virchow's node",
    "Sister Mary Joseph nodule")."""
    before = text[max(0, start - 40):start]
    if EPONYM_NOUNS.search(before) or EPONYM_AFTER.match(text[end:end + 30]):
        return True
    lo = max(0, start - 30)
    found = MULTI_EPONYMS.finditer(text[lo:end + 30])
    return any(m.start() + lo < end and start < m.end() + lo for m in found)


INSTITUTION = regex.compile(
    r"(?i:Centre|Center|Institut|Institute|H[ôo]pital|H[ôo]pitaux|Clinique|Cliniques|Fondation|Foundation"
    r"|Hospital|Infirmary|Universit[ée]|University|[ÉE]cole|Groupe\s+hospitalier|CHU|CLCC|Maison|Cabinet"
    r"|Pavillon|B[âa]timent|Service|Unit[ée]|Ward|Surgery|Practice)"
    r"(?:[ \t]+(?:\p{Lu}[\p{L}'’\-]*|de|du|des|la|le|d['’]|of|the|and|et|DE|DU|DES|LA|LE))*[ \t]+$")
CUES = regex.compile(
    r"(?i:fille|fils|m[èe]re|p[èe]re|fr[èe]re|s[œo]eur|[ée]poux|[ée]pouse|mari|femme|conjointe?|compagnon"
    r"|compagne|ni[èe]ce|neveu|tante|oncle|cousine?|gendre|belle-fille|petite?-(?:fille|fils)|daughter"
    r"|son|wife|husband|partner|mother|father|brother|sister|mum|mom|dad|nan|niece|nephew|aunt|uncle"
    r"|cousin|grand(?:daughter|son|mother|father)|daughter-in-law|son-in-law|carer|kin|avec|with|merci"
    r"|thanks|thank\s+you|dear|cher|ch[èe]re|bonjour|hello|hi|appel\s+de|call\s+from|caller|vu\s+par"
    r"|seen\s+by|par|by|cc|copie|signed|sign[ée]|pt|patient|patiente|mr|mrs|ms|dr|mme|m\.|saw|seen|met"
    r"|handed\s+over\s+to|relève\s+faite\s+à)"
    r"[ \t]*[:,]?[ \t]*$")


def in_institution(text: str, start: int) -> bool:
    """The word is part of an institution's name ("Centre François Baclesse", "Hôpital Saint-Louis")."""
    line_start = text.rfind("\n", 0, start) + 1
    return bool(INSTITUTION.search(text[max(line_start, start - 60):start]))


def cue_before(text: str, start: int) -> bool:
    """A relative, a greeting, "avec"/"with", a label or a title right before the word."""
    line_start = text.rfind("\n", 0, start) + 1
    return bool(CUES.search(text[max(line_start, start - 30):start]))
