"""Reading codes and words from any source (FHIR codings, OMOP concepts and source values) into the
store's values: ICD-10 / ICD-O-3 of a tumour, a drug's INN and class, a marker and its status, TNM,
stage, grade, document and specimen types.

Every reader returns ``None`` when it cannot tell, never a guess: the importer then reports the
record as unmapped. Tables are in ``retrieval/classifications`` (``mappings.py``).

>>> icd10("C500")
'C50.0'
>>> tnm("cT2a", "T"), tnm("AJCC#pN1", "N"), stage("3C"), stage("Stade IIIA")
('T2a', 'N1', 'IIIC', 'IIIA')
>>> status_of("muté (L858R)"), status_of("non muté"), status_of("IHC 3+")
('mutated', 'wild_type', None)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from retrieval.classifications import mappings as M
from retrieval.classifications.mappings import fold


@dataclass(frozen=True)
class Code:
    """One coding: its system kind (``icd10``, ``icdo3``, ``snomed``, ``loinc``, ``rxnorm``, ``atc``,
    ``hgnc``, ``omop``, ``v2``, ``other``), the code and its display."""

    system: str
    code: str
    display: str = ""


@dataclass(frozen=True)
class Concept:
    """What a source says about one thing: its codings and free text."""

    codes: tuple[Code, ...] = ()
    text: str = ""

    def of(self, system: str) -> list[str]:
        return [c.code for c in self.codes if c.system == system and c.code]

    def words(self) -> str:
        """Every display and the text, folded, for word look-ups."""
        return fold(" | ".join([self.text, *(c.display for c in self.codes)]))

    def label(self) -> str:
        """How the report names it: 'SNOMED 48694002 Anxiety'."""
        if self.codes:
            c = self.codes[0]
            return f"{c.system.upper()} {c.code} {c.display}".strip()
        return self.text or "(no code, no text)"


SYSTEMS = (  # (substring of the system URL or OID, kind), first match wins
    ("icd-o", "icdo3"),
    ("icdo", "icdo3"),
    ("2.16.840.1.113883.6.43", "icdo3"),
    ("icd-10", "icd10"),
    ("icd10", "icd10"),
    ("cim-10", "icd10"),
    ("cim10", "icd10"),
    ("2.16.840.1.113883.6.3", "icd10"),
    ("2.16.840.1.113883.6.90", "icd10"),
    ("snomed", "snomed"),
    ("2.16.840.1.113883.6.96", "snomed"),
    ("loinc", "loinc"),
    ("2.16.840.1.113883.6.1", "loinc"),
    ("rxnorm", "rxnorm"),
    ("2.16.840.1.113883.6.88", "rxnorm"),
    ("atc", "atc"),
    ("2.16.840.1.113883.6.73", "atc"),
    ("genenames", "hgnc"),
    ("hgnc", "hgnc"),
    ("v2-0487", "v2-0487"),
    ("v2-0493", "v2-0493"),
    ("observationinterpretation", "interpretation"),
    ("ajcc", "ajcc"),
)


def system_kind(system: str | None) -> str:
    s = (system or "").lower()
    return next((kind for part, kind in SYSTEMS if part in s), "other")


# -- dates ------------------------------------------------------------------------------------------
def parse_date(value: object) -> date | None:
    """A date from ``date``/``datetime`` or an ISO string ('2019-04-01', '2019-04-01 10:00:00',
    '2019-04-01T10:00:00Z'); partial dates ('2019-04', '2019') read as their first day.
    Raises ValueError on anything else (the caller reports the record)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:[T ].*)?", text)
    if not m:
        raise ValueError(f"{text!r} is not a date (expected YYYY-MM-DD)")
    try:
        return date(int(m[1]), int(m[2] or 1), int(m[3] or 1))
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid date ({exc})") from None


# -- diagnoses --------------------------------------------------------------------------------------
ICD10 = re.compile(r"^([A-Z])(\d{2})(?:\.?(\d{1,3}))?[+*†]?$")
TOPOGRAPHY = re.compile(r"^C(\d{2})(?:\.?(\d))?$")
MORPHOLOGY = re.compile(r"^M?-?(\d{4})/?(\d)$")
METASTASIS_ICD10 = {  # ICD-10 secondary neoplasm categories → metastasis site
    "C77": "lymph_node",
    "C78.0": "lung",
    "C78.2": "pleura",
    "C78.6": "peritoneum",
    "C78.7": "liver",
    "C79.2": "skin",
    "C79.3": "brain",
    "C79.5": "bone",
    "C79.7": "adrenal",
}
HAEM_MORPHOLOGY_ICD10 = {  # haematological malignancies: ICD-10 follows the morphology, not the site
    "9732": "C90.0",
    "9861": "C92.0",
    "9895": "C92.0",
    "9866": "C92.4",
    "9823": "C91.1",
    "9680": "C83.3",
    "9690": "C82.9",
    "9691": "C82.1",
    "9695": "C82.0",
    "9698": "C82.2",
    "9811": "C91.0",
    "9875": "C92.1",
}


def icd10(code: str | None) -> str | None:
    """ICD-10 written as the store writes it ('C50.4', 'C90.00', 'C20'); None when not ICD-10."""
    if not code:
        return None
    m = ICD10.match(code.strip().upper().replace(" ", ""))
    if not m:
        return None
    return f"{m[1]}{m[2]}" + (f".{m[3]}" if m[3] else "")


def topography(code: str | None) -> str | None:
    m = TOPOGRAPHY.match((code or "").strip().upper())
    return f"C{m[1]}.{m[2] or 9}" if m else None


def morphology(code: str | None) -> str | None:
    m = MORPHOLOGY.match((code or "").strip().upper())
    return f"{m[1]}/{m[2]}" if m else None


def is_cancer_icd10(code: str) -> bool:
    """Malignant neoplasms C00-C97 (secondary ones C77-C79 included: the caller tells them apart)."""
    return code.startswith("C") and code[1:3].isdigit() and int(code[1:3]) <= 97


def metastasis_site(code: str | None) -> str | None:
    """Site of a secondary neoplasm ICD-10 code (C77-C79), 'other' for the rest of that range."""
    if not code or not code.startswith(("C77", "C78", "C79")):
        return None
    return METASTASIS_ICD10.get(code[:5]) or METASTASIS_ICD10.get(code[:3]) or "other"


@dataclass
class Diagnosis:
    kind: str | None = None  # primary | secondary | unspecific
    icd10: str | None = None
    topography: str | None = None
    morphology: str | None = None
    laterality: str | None = None
    site: str | None = None  # metastasis site, for a secondary
    grade: int | None = None
    notes: list[str] = field(default_factory=list)


def read_diagnosis(
    code: Concept,
    body_sites: list[Concept] = (),
    histology: Concept | None = None,
    source_value: str | None = None,
) -> Diagnosis:
    """The tumour codes a condition carries, from ICD-10, ICD-O-3 (a FHIR coding, or a French source
    value '8140/3-C18.7'), SNOMED disorders, body sites and morphology."""
    d = Diagnosis()
    values = [c.code for c in code.codes if c.system in ("icd10", "icdo3", "other")]
    if source_value:
        values.append(source_value)
    icdo = set(code.of("icdo3"))
    for raw in values:
        # in ICD-O-3 ('8140/3-C18.7', or a coding of the ICD-O-3 system) a C code is a topography only
        as_icdo = "/" in raw or raw in icdo
        for part in re.split(r"[\s,;|-]+(?=[CM]?\d|C\d)|\s+", raw.strip()):
            part = part.strip().upper()
            if (m := morphology(part)) and not d.morphology:
                d.morphology = m
            elif (t := topography(part)) and not d.topography and "/" not in part:
                d.topography = t
            if not as_icdo and (c := icd10(part)) and not d.icd10 and "/" not in part:
                d.icd10 = c
    for c in code.of("snomed"):
        hit = M.snomed_cancers().get(c)
        if hit is None:
            continue
        d.kind = d.kind or hit.kind
        d.icd10 = d.icd10 or hit.icd10 or None
        d.topography = d.topography or hit.topography or None
        d.morphology = d.morphology or hit.morphology or None
        d.site = d.site or hit.site or None
        d.laterality = d.laterality or hit.laterality or None
    for site in body_sites:
        for c in site.of("snomed"):
            hit = M.snomed_sites().get(c)
            if hit:
                d.topography = d.topography or hit.topography or None
                d.site = d.site or hit.site or None
                d.laterality = d.laterality or hit.laterality or None
            value = M.snomed_values().get(c)
            if value and value[0] == "laterality":
                d.laterality = d.laterality or value[1]
        for c in site.of("icdo3"):
            d.topography = d.topography or topography(c)
        d.laterality = d.laterality or laterality_words(site.words())
        d.site = d.site or word_value("metastasis_sites", site.words())
    if histology is not None:
        for c in histology.codes:
            if c.system == "snomed" and c.code in M.snomed_morphologies():
                morph, grade = M.snomed_morphologies()[c.code]
                d.morphology = d.morphology or morph
                d.grade = d.grade or grade
            elif c.system in ("icdo3", "other"):
                d.morphology = d.morphology or morphology(c.code)
    if d.morphology and d.morphology.endswith("/6"):  # ICD-O-3 behaviour 6: metastatic site
        d.kind = "secondary"
    if d.icd10 and d.kind is None:
        if metastasis_site(d.icd10):
            d.kind, d.site = "secondary", d.site or metastasis_site(d.icd10)
        elif is_cancer_icd10(d.icd10):
            d.kind = "primary"
    if d.kind is None and d.topography and d.morphology and d.morphology.endswith("/3"):
        d.kind = "primary"
    if d.kind == "primary" and not d.icd10:
        d.icd10 = _icd10_from_icdo(d.topography, d.morphology)
    if (
        d.kind == "primary"
        and d.topography is None
        and d.icd10
        and int(d.icd10[1:3]) < 77
        and d.icd10[:3] not in ("C43", "C45", "C46")
    ):
        d.topography = topography(d.icd10[:3] + "." + (d.icd10[4:5] or "9"))
    if d.kind == "secondary":
        d.site = d.site or metastasis_site(d.icd10) or "other"
    return d


def _icd10_from_icdo(topo: str | None, morph: str | None) -> str | None:
    """ICD-10 from ICD-O-3: the morphology decides for blood cancers, the topography otherwise."""
    if morph and morph[:4] in HAEM_MORPHOLOGY_ICD10:
        return HAEM_MORPHOLOGY_ICD10[morph[:4]]
    if topo:
        if topo.startswith("C44") and morph and morph[:3] in ("872", "873", "874", "877"):
            return "C43" + topo[3:]  # melanoma of the skin is C43 in ICD-10
        return topo
    return None


# -- words ------------------------------------------------------------------------------------------
def word_value(section: str, folded: str) -> str | None:
    """The value of the first (longest) word of a section found in ``folded`` text, as a whole word."""
    if not folded:
        return None
    for word, value in M.word_table(section):
        if word in ("+", "-"):
            continue
        if re.search(r"(?<![a-z0-9])" + re.escape(word) + r"(?![a-z0-9])", folded) or (
            word.endswith(("ectomy", "ectomie")) and word in folded
        ):
            return value
    return None


def word_prefix(section: str, folded: str) -> str | None:
    """Like ``word_value`` but a word may start a longer one ('radiotherap' in 'radiotherapie')."""
    for word, value in M.word_table(section):
        if re.search(r"(?<![a-z0-9])" + re.escape(word), folded) or (
            word.startswith("ectom") and word in folded
        ):
            return value
    return None


def laterality_words(folded: str) -> str | None:
    if re.search(r"\b(bilateral|bilaterale|right and left)\b", folded):
        return "bilateral"
    if re.search(r"\b(left|gauche)\b", folded):
        return "left"
    if re.search(r"\b(right|droite?)\b", folded):
        return "right"
    return None


def status_of(text: str | None) -> str | None:
    """A biomarker status from a result's words ('positif', 'non muté', 'MSI-H'); None if none."""
    folded = fold(text)
    if not folded:
        return None
    hit = word_value("statuses", folded)
    if hit:
        return hit
    if re.fullmatch(r"[+]|pos\.?", folded):
        return "positive"
    if re.fullmatch(r"[-]|neg\.?", folded):
        return "negative"
    return None


GENE = re.compile(r"^[A-Z][A-Z0-9-]{1,9}$")


def marker_of(text: str | None) -> str | None:
    """The store's marker name from a test's name or gene symbol ('Récepteurs aux œstrogènes' → ER,
    'ERBB2' → HER2, 'EGFR' → EGFR)."""
    folded = fold(text)
    if not folded:
        return None
    hit = word_value("markers", folded)
    if hit:
        return hit
    token = (text or "").strip().split()[0].strip(":,;()") if (text or "").strip() else ""
    # a gene symbol: upper case as written, short or with a digit (not a word in capitals, 'RECHUTE')
    if token.isupper() and GENE.match(token) and (len(token) <= 6 or any(ch.isdigit() for ch in token)):
        return token
    return None


ALTERATION = re.compile(
    r"\b(p\.[A-Za-z0-9*_>]+|[ACDEFGHIKLMNPQRSTVWY]\d{1,4}(?:[ACDEFGHIKLMNPQRSTVWY*]|fs|del|ins)\w*|"
    r"exon\s?\d+\s?(?:del|ins|skipping)[a-z]*|ITD|EML4-ALK|IHC\s?[0-3]\+?(?:\s+(?:not\s+)?amplified|"
    r"\s+(?:non\s+)?amplifi[ée])?|germline|germinal|somatic)\b",
    re.IGNORECASE,
)


AMINO = {"Ala": "A", "Arg": "R", "Asn": "N", "Asp": "D", "Cys": "C", "Gln": "Q", "Glu": "E", "Gly": "G",
         "His": "H", "Ile": "I", "Leu": "L", "Lys": "K", "Met": "M", "Phe": "F", "Pro": "P", "Ser": "S",
         "Thr": "T", "Trp": "W", "Tyr": "Y", "Val": "V", "Ter": "*"}
HGVS_P = re.compile(r"p\.\(?([A-Z][a-z]{2})(\d+)([A-Z][a-z]{2}|=|\*|fs)\)?")


def alteration_of(text: str | None) -> str | None:
    """A named alteration in a result ('muté L858R' → 'L858R', 'exon 19 del' → 'exon19del'); protein
    changes in HGVS three-letter form are written as clinicians do ('p.Leu858Arg' → 'L858R').

    >>> alteration_of("NM_005228.5(EGFR):c.2573T>G (p.Leu858Arg)"), alteration_of("BRAF p.V600E")
    ('L858R', 'V600E')
    """
    hgvs = HGVS_P.search(text or "")
    if hgvs and hgvs.group(1) in AMINO and (hgvs.group(3) in AMINO or hgvs.group(3) in ("fs", "*")):
        end = AMINO.get(hgvs.group(3), hgvs.group(3))
        return f"{AMINO[hgvs.group(1)]}{hgvs.group(2)}{end}"
    m = ALTERATION.search(text or "")
    if not m:
        return None
    value = m.group(1)
    if value.lower().startswith("p.") and len(value) > 2:
        value = value[2:]
    if value.lower().startswith("exon"):
        m2 = re.match(r"exon\s?(\d+)\s?(del|ins|skipping)", value, re.IGNORECASE)
        return f"exon{m2[1]}{m2[2].lower()}" if m2 else value
    if value.lower() == "germinal":
        return "germline"
    return value


# -- staging ----------------------------------------------------------------------------------------
def tnm(value: str | None, axis: str) -> str | None:
    """'cT2a' / 'AJCC#pN1' / 'T2' / 'ypT0' → 'T2a' / 'N1' / 'T2' / 'T0' (prefix letters dropped)."""
    if not value:
        return None
    pattern = rf"({axis}(?:is|[0-4X])(?:mi|[a-d])?\d?)"
    m = re.search(rf"(?:^|[^A-Za-z])[cpyrau]{{0,3}}{pattern}\b", value.strip(), re.I)
    if not m:
        m = re.search(rf"[cpyrau]{{0,3}}{pattern}", value.strip(), re.I)
    if not m:
        return None
    out = m.group(1)
    return out[0].upper() + out[1:].replace("X", "x") if out[1:2] != "X" else out[0].upper() + "X"


ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV", "0": "0"}


def stage(value: str | None) -> str | None:
    """'IIIC', 'Stage 3C', 'AJCC 3C', 'stade IV B', 'Binet A' → 'IIIC', 'IIIC', 'IIIC', 'IVB', 'A'."""
    if not value:
        return None
    text = value.strip().upper()
    m = re.search(r"\b(0|IV|I{1,3})\s?([A-C]\d?)?\b", text.replace("STADE", " ").replace("STAGE", " "))
    if m:
        return m.group(1) + (m.group(2) or "")
    m = re.search(r"(?:^|[^A-Z0-9])([0-4])\s?([A-C]\d?)?(?:$|[^A-Z0-9])", text)
    if m:
        return ROMAN[m.group(1)] + (m.group(2) or "")
    m = re.search(r"\b(?:BINET|RAI|ANN ARBOR)?\s*([A-C])\b$", text)
    return m.group(1) if m else None


def grade(value: str | None) -> int | None:
    """'G2', 'grade 3', '2', 'Grade II' → 2, 3, 2, 2."""
    if not value:
        return None
    text = value.strip().upper()
    m = re.search(r"(?:^|G|GRADE\s*)([1-4])\b", text)
    if m:
        return int(m.group(1))
    m = re.search(r"GRADE\s*(IV|I{1,3})\b", text)
    return {"I": 1, "II": 2, "III": 3, "IV": 4}[m.group(1)] if m else None


# -- drugs, procedures, documents, specimens ----------------------------------------------------------
@dataclass(frozen=True)
class DrugHit:
    inn: str
    atc: str | None
    cls: str
    note: str | None = None  # a disagreement worth reporting


def read_drug(
    concept: Concept, source_value: str | None = None, omop_id: str | None = None
) -> DrugHit | None:
    """A drug by ATC, RxNorm or OMOP id, checked against the names in the displays; by name otherwise."""
    by_name = _drug_by_words(" | ".join([concept.words(), fold(source_value)]))
    candidates = []
    for code in concept.of("atc") + [source_value or ""]:
        d = M.drugs_by("atc").get(code.strip().upper()) if code else None
        if d:
            candidates.append(d)
    for code in concept.of("rxnorm"):
        d = M.drugs_by("rxnorm").get(code.strip().upper())
        if d:
            candidates.append(d)
    if omop_id:
        d = M.drugs_by("omop").get(str(omop_id).strip())
        if d:
            candidates.append(d)
    if candidates:
        d = candidates[0]
        if by_name and by_name.inn != d.inn:
            return DrugHit(
                by_name.inn,
                by_name.atc or None,
                by_name.cls,
                note=f"code names {d.inn} but the text names {by_name.inn}: the text was kept",
            )
        return DrugHit(d.inn, d.atc or None, d.cls)
    if by_name:
        return DrugHit(by_name.inn, by_name.atc or None, by_name.cls)
    return None


def _drug_by_words(folded: str) -> M.DrugCode | None:
    if not folded:
        return None
    index = M.drugs_by("name")
    for name in sorted(index, key=len, reverse=True):
        if len(name) >= 3 and re.search(r"(?<![a-z0-9])" + re.escape(name) + r"(?![a-z0-9])", folded):
            return index[name]
    return None


def read_procedure(concept: Concept, categories: list[Concept] = ()) -> tuple[str, str] | None:
    """(treatment class, name) of a procedure, or None when it is not a cancer treatment we know."""
    folded = concept.words()
    for item in M.words().get("procedures") or []:
        for w in item["words"]:
            if fold(w) in folded:
                if item["name"]:
                    return item["class"], item["name"]
                break
    cls = None
    for c in [*concept.codes, *(x for cat in categories for x in cat.codes)]:
        if c.system == "snomed" and (v := M.snomed_values().get(c.code)) and v[0] == "procedure_class":
            cls = v[1]
            break
    if cls is None:
        for item in M.words().get("procedures") or []:
            if not item["name"] and any(fold(w) in folded for w in item["words"]):
                cls = item["class"]
                break
    if cls is None:
        cat_words = " ".join(c.words() for c in categories)
        cls = (
            "surgery"
            if "surg" in cat_words or "chirurg" in cat_words
            else ("radiotherapy" if "radi" in cat_words else None)
        )
    if cls is None:
        return None
    name = (concept.text or next((c.display for c in concept.codes if c.display), "") or "").strip()
    name = re.sub(r"\s*\((procedure|regime/therapy)\)$", "", name)
    return cls, (name if re.fullmatch(r"[a-z_]+", name) else name.lower()) or cls


def doc_type(concept: Concept, *more: str) -> str | None:
    for code in concept.of("loinc"):
        kind = M.loinc_codes().get(code)
        if kind and kind[0] == "document":
            return kind[1]
    return word_prefix("documents", " | ".join([concept.words(), *(fold(m) for m in more)]))


def specimen_type(concept: Concept, *more: str) -> str | None:
    folded = " | ".join([concept.words(), *(fold(m) for m in more)])
    by_words = word_prefix("specimens", folded)
    for c in concept.codes:
        if c.system == "v2-0487":
            v2 = {
                "TUMOR": "tumour_tissue",
                "BLD": "blood",
                "SER": "serum",
                "PLAS": "plasma",
                "MAR": "bone_marrow",
                "BON": "bone_marrow",
                "DNA": "dna",
            }.get(c.code.upper())
            if v2:
                return v2
            if c.code.upper() == "TISS":
                return by_words if by_words in ("tumour_tissue", "normal_tissue") else None
        if c.system == "snomed" and (v := M.snomed_values().get(c.code)) and v[0] == "specimen_type":
            if v[1] == "tissue":
                return by_words if by_words in ("tumour_tissue", "normal_tissue") else None
            return v[1]
    return by_words


def conservation(*texts: str) -> str | None:
    return word_prefix("conservations", " | ".join(fold(t) for t in texts if t))


def event_type(concept: Concept) -> str | None:
    """An event type, 'none' for a status that is not an event (improved, stable), None if unknown."""
    for c in concept.codes:
        if c.system == "snomed" and (v := M.snomed_values().get(c.code)) and v[0] == "disease_status":
            return v[1]
    return word_value("events", concept.words())


def vital(concept: Concept) -> str | None:
    for c in concept.codes:
        if c.system == "snomed" and (v := M.snomed_values().get(c.code)) and v[0] == "vital":
            return v[1]
    return word_value("vital", concept.words())
