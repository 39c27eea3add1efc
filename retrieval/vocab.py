"""Controlled vocabularies shared by the data model, the generator, the Criteria model and the parser.

Every enumerated value stored in the database comes from here, so a Criteria value and a stored
value can be compared with ``=`` and nothing is spelt two ways. Labels are what a clinician reads.
"""

from __future__ import annotations

from typing import Literal

Sex = Literal["F", "M"]

DocType = Literal["consultation", "pathology", "imaging", "operative", "letter", "mdt"]
DOC_TYPES: dict[str, tuple[str, str]] = {
    "consultation": ("compte rendu de consultation", "consultation report"),
    "pathology": ("compte rendu d'anatomopathologie", "pathology report"),
    "imaging": ("compte rendu d'imagerie", "imaging report"),
    "operative": ("compte rendu opératoire", "operative report"),
    "letter": ("courrier", "letter"),
    "mdt": ("réunion de concertation pluridisciplinaire (RCP)", "multidisciplinary meeting"),
}

DocOrigin = Literal["native", "ocr"]

TreatmentClass = Literal[
    "surgery",
    "chemotherapy",
    "radiotherapy",
    "hormone_therapy",
    "targeted_therapy",
    "immunotherapy",
    "cell_therapy",
]
TREATMENT_CLASSES: dict[str, tuple[str, str]] = {
    "surgery": ("chirurgie", "surgery"),
    "chemotherapy": ("chimiothérapie", "chemotherapy"),
    "radiotherapy": ("radiothérapie", "radiotherapy"),
    "hormone_therapy": ("hormonothérapie", "hormone therapy"),
    "targeted_therapy": ("thérapie ciblée", "targeted therapy"),
    "immunotherapy": ("immunothérapie", "immunotherapy"),
    "cell_therapy": ("thérapie cellulaire / greffe", "cell therapy / transplant"),
}
# Classes counted as systemic treatment lines ("au moins 2 lignes").
SYSTEMIC_CLASSES = ("chemotherapy", "hormone_therapy", "targeted_therapy", "immunotherapy", "cell_therapy")

EventType = Literal["local_recurrence", "metastasis", "progression", "relapse", "second_primary"]
EVENT_TYPES: dict[str, tuple[str, str]] = {
    "local_recurrence": ("récidive locale", "local recurrence"),
    "metastasis": ("métastase", "metastasis"),
    "progression": ("progression", "progression"),
    "relapse": ("rechute", "relapse"),
    "second_primary": ("second cancer primitif", "second primary cancer"),
}

MetastasisSite = Literal[
    "bone", "liver", "lung", "brain", "lymph_node", "peritoneum", "pleura", "adrenal", "skin", "other"
]
METASTASIS_SITES: dict[str, tuple[str, str]] = {
    "bone": ("os", "bone"),
    "liver": ("foie", "liver"),
    "lung": ("poumon", "lung"),
    "brain": ("cerveau", "brain"),
    "lymph_node": ("ganglions", "lymph nodes"),
    "peritoneum": ("péritoine", "peritoneum"),
    "pleura": ("plèvre", "pleura"),
    "adrenal": ("surrénale", "adrenal gland"),
    "skin": ("peau", "skin"),
    "other": ("autre site", "other site"),
}

Laterality = Literal["left", "right", "bilateral"]
LATERALITIES: dict[str, tuple[str, str]] = {
    "left": ("gauche", "left"),
    "right": ("droit", "right"),
    "bilateral": ("bilatéral", "bilateral"),
}

BiomarkerStatus = Literal[
    "positive", "negative", "mutated", "wild_type", "amplified", "rearranged", "high", "low", "equivocal",
    "loss",
]
BIOMARKER_STATUSES: dict[str, tuple[str, str]] = {
    "positive": ("positif", "positive"),
    "negative": ("négatif", "negative"),
    "mutated": ("muté", "mutated"),
    "wild_type": ("sauvage (non muté)", "wild type"),
    "amplified": ("amplifié", "amplified"),
    "rearranged": ("réarrangé", "rearranged"),
    "high": ("élevé", "high"),
    "low": ("bas", "low"),
    "equivocal": ("équivoque", "equivocal"),
    "loss": ("perte / délétion", "loss / deletion"),
}

SampleType = Literal["tumour_tissue", "normal_tissue", "blood", "serum", "plasma", "dna", "bone_marrow"]
SAMPLE_TYPES: dict[str, tuple[str, str]] = {
    "tumour_tissue": ("tissu tumoral", "tumour tissue"),
    "normal_tissue": ("tissu sain", "normal tissue"),
    "blood": ("sang", "blood"),
    "serum": ("sérum", "serum"),
    "plasma": ("plasma", "plasma"),
    "dna": ("ADN", "DNA"),
    "bone_marrow": ("moelle osseuse", "bone marrow"),
}

Conservation = Literal["frozen", "ffpe"]
CONSERVATIONS: dict[str, tuple[str, str]] = {
    "frozen": ("congelé", "frozen"),
    "ffpe": ("fixé au formol, inclus en paraffine (FFPE)", "formalin-fixed paraffin-embedded (FFPE)"),
}

# Mention qualifiers found by annotation; a text criterion counts affirmed, present mentions only
# unless it lists some of these.
Qualifier = Literal["negated", "hypothetical", "family", "history"]
QUALIFIERS: dict[str, tuple[str, str]] = {
    "negated": ("niées", "negated"),
    "hypothetical": ("hypothétiques", "hypothetical"),
    "family": ("concernant un proche", "about a relative"),
    "history": ("antécédents", "past history"),
}

VitalStatus = Literal["alive", "deceased"]

IdentifierType = Literal[
    "PERSON", "DATE_OF_BIRTH", "DATE", "NIR", "IPP", "PHONE", "EMAIL", "ADDRESS"
]


def label(table: dict[str, tuple[str, str]], key: str, lang: str = "fr") -> str:
    """Readable label of a vocabulary value; unknown keys come back as-is rather than failing."""
    pair = table.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "fr" else pair[1]
