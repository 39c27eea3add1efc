"""The cue words and patterns the case reader reads a letter with (query_compiler/parser/case.py).

Kept apart from the reading logic so that a cue a letter shows can be added without touching it.
"""

from __future__ import annotations

import re

# ";" inside a karyotype ("t(4;14)") does not end a clause.
_CLAUSE = re.compile(
    r"(?<=[.!?])\s+|(?<=;)\s+(?!\d)|\n+|;(?!\d)\s*|\s+(?:mais|but|whereas|alors que)\s+", re.I
)
# Cues the French annotator does not cover: English negation and relatives, and planned treatments.
_NEGATED = re.compile(
    r"\b(?:no|not(?!\s+(?:rearranged|amplified|mutated|detected|overexpressed|expressed|translocated))|without|"
    r"negative for|ruled out|free of|absence of|denies|never|none|nor)\b",
    re.I,
)
_FAMILY = {
    "en": re.compile(
        r"\b(?:mother|father|sister|brother|aunt|uncle|daughter|son|cousin|grand(?:mother|father)|sibling|"
        r"family|familial|relatives?)\b",
        re.I,
    ),
    "fr": re.compile(
        r"\b(?:m[eè]re|p[eè]re|s(?:œ|oe)ur|fr[eè]re|tante|oncle|fille|fils|grand-m[eè]re|grand-p[eè]re|"
        r"cousine?|famille|familial|familiaux|apparent[ée]s?)\b",
        re.I,
    ),
}
_SBR = re.compile(r"\b(?:SBR|Elston(?:-Ellis)?|Nottingham|EE)\s*(?:grade\s*)?(III|II|I|[1-3])\b")
_PLANNED = re.compile(
    r"\b(?:propos|envisag|discut|discuss|planned|plan(?:s|ned)? to|to be considered|consider(?:ed)?|"
    r"will (?:start|receive|be)|sera |prévu|prevu|candidate|candidat|indication|indiqu|recommend|"
    r"recommand|trial|essai|screening|waiting|attente|option|could|pourrait|if |si |to be started|"
    r"[àa] d[ée]buter|[àa] introduire|outcome|d[ée]cision|proposition|will be started|sera d[ée]but|"
    r"prendra|recevra|b[ée]n[ée]ficiera|d[ée]butera|commencera|will take|will have)",
    re.I,
)
# A treatment verb in the past after the planning cue: "après discussion en RCP, elle a reçu six cures".
_GIVEN = re.compile(
    r"\b(?:a re[çc]u|ont re[çc]u|a eu|a b[ée]n[ée]fici[ée]|a [ée]t[ée] trait[ée]e?|a [ée]t[ée] op[ée]r[ée]e?|"
    r"received|was given|were given|underwent|was treated|completed|was started|were started)\b",
    re.I,
)
# Where a cancer word names a team or a place, not a tumour: "Sarcoma Unit", "bone sarcoma clinic".
_TEAM = re.compile(
    r"\b(?:[\w-]+\s+){0,2}(?:unit|clinic|ward|department|team|service|board|network|mdt)\b", re.I
)
# Morphology codes of haematological neoplasms: they have no site (eval/cases/README.md).
_HAEM_FROM = "959"
_CANCER = re.compile(
    r"\b(?:cancer|cancers|carcinom\w*|adénocarcinom\w*|adenocarcinom\w*|tumeur\w*|tumou?r\w*|néoplas\w*|"
    r"neoplas\w*|malignan\w*|malin\w*|sarcom\w*|lymphom\w*|mélanom\w*|melanom\w*|k|primitif|primary|"
    r"m[ée]soth[ée]liom\w*|gliom\w*|glioblastom\w*|blastom\w*|leuc[ée]mie|leuk[a]?emia|my[ée]lom\w*|"
    r"cbnpc|nsclc|sclc|chc|hcc|adk|gist|tne|net)\b",
    re.I,
)
_NODES = re.compile(r"\b(?:ganglion\w*|adénopath\w*|adenopath\w*|lymph|nodes?|node|curage|N\d)\b", re.I)
_TITLE_F = re.compile(r"\b(?:Mme|Madame|Mrs|Ms|Miss|Mlle|Mademoiselle)\b|\bpatiente\b|\bwoman\b|\bfemme\b")
_TITLE_M = re.compile(r"\b(?:Monsieur|Mr)\b|\bM\. [A-Z]|\bman\b|\bhomme\b|\bgentleman\b")
_PRONOUN_F = re.compile(r"\b(?:she|her|hers|herself)\b", re.I)
_PRONOUN_M = re.compile(r"\b(?:he|his|him|himself)\b", re.I)
# A name then the age: "Mr Daniel Okafor, 64", "Ms Rachel Dunmore (45)", "Mr Kenneth Burrows, 70 years".
_AGE_AFTER_NAME = re.compile(
    r"\b(?:Mme|Madame|Mrs|Ms|Miss|Mr|Monsieur|M\.)\s+(?:[A-Z][\w'-]*\.?[\s,]+){1,3}\(?(\d{1,3})\b(?!\s*/)"
)
_BENIGN = re.compile(
    r"\b(?:b[ée]nin\w*|benign|ad[ée]nome?s?|adenoma\w*|kyste\w*|cyst\w*|fibroad[ée]nom\w*|h[ée]mangiom\w*|"
    r"angiome\w*|naevus|nevus|nodule colloïde|polype?s?|polyp\w*|hyperplasi\w*|lithias\w*|gallstone\w*)\b",
    re.I,
)
_GRADE_WORDS = re.compile(
    r"\b(?:SBR|Nottingham|FNCLCC|ISUP|Fuhrman|OMS|WHO|grade histo|G[1-4]|FIGO|CNS)\b", re.I
)
_NOT_TUMOUR_STAGE = re.compile(
    r"\b(?:Mayo|ECOG|NYHA|CKD|Rai|kidney disease|insuffisance r[ée]nale|KDIGO)\b", re.I
)
_HER2_SCORE = re.compile(r"HER-?2[^.;\n]{0,25}?\b([0-3])\s*\+", re.I)
_ISH_NEG = re.compile(
    r"\b(?:FISH|SISH|CISH|ISH|hybridation)\b[^.;\n]{0,30}?(?:non|not|n[ée]gati|pas d|absence)", re.I
)
_ISH_POS = re.compile(r"\b(?:FISH|SISH|CISH|ISH|hybridation)\b[^.;\n]{0,30}?amplifi", re.I)
_RELATIVE_CANCER = re.compile(r"\b(?:cancer|carcinom|tumou?r|leuc|leuk|lymphom|mélanom|melanom)", re.I)
_DENIED_METASTASIS = re.compile(
    r"(?:pas|aucune?|sans|absence)\s+(?:de\s+)?(?:\w+\s+){0,3}"
    r"(?:m[ée]tasta|localisation secondaire|l[ée]sion secondaire|"
    r"(?:l[ée]sion|localisation|maladie|extension) [àa] distance)"
    r"|\bM0\b",
    re.I,
)
# Organs named as the involvement of something else (amyloid deposits, a neighbouring structure) are
# not cancer sites: "amyloidosis (involvement of lungs, tongue, bladder)", "proximity to the trachea".
_INVOLVEMENT = re.compile(
    r"\b(?:involvement|involving|atteinte|amylo\w*|proximit\w*|au contact|contact with|abutting|"
    r"envahissement|invading|invasion of|adjacent)\b[^.;\n]*",
    re.I,
)
_RESULT_WORD = re.compile(
    r"(?:r[ée]arrang|mut[ée]|amplifi|exprim|m[ée]thyl|d[ée]tect|surexprim|d[ée]l[ée]t)", re.I
)
_SALUTATION = re.compile(
    r"Madame,?\s+Monsieur|Monsieur,?\s+Madame|Dear Sir|Ch[èe]re?s?\s+(?:Cons|Conf)", re.I
)
_PRE_NEGATION = re.compile(
    r"\b(?:pas|sans|ni|aucune?|absence|jamais|ne|n'|non|négati\w*|exclu\w*|élimin\w*)\b", re.I
)
# Words that introduce another cancer than the one the letter is about.
_ANOTHER = re.compile(
    r"\b(?:ant[ée]c[ée]dents?|history|second|seconde|deuxi[èe]me|autre|another|also|[ée]galement|previous|"
    r"prior|ancien|synchrone|synchronous|m[ée]tachrone|metachronous|personnel|past|background|comorbidit\w*|"
    r"medical history|pmh)\b",
    re.I,
)
_NEGATED_GENES = re.compile(
    r"(?i:pas de|absence de|sans|aucune|no|without|negative for)\s+(?:\w+\s+){0,2}?"
    r"(?:mutations?|variants?|alt[ée]rations?)\s+(?:pathog[èe]nes?\s+|constitutionnelles?\s+|germinales?\s+)?"
    r"(?:de\s+|d'|du\s+|des\s+|of\s+|in\s+|on\s+|sur\s+)?"
    r"((?:[A-Z][A-Z0-9]{1,7}(?:/\d)?(?:\s*,\s*|\s+(?:ni|et|or|and|nor|ou)\s+|\s*/\s*)?)+)"
    # "no BRCA1/2 or PALB2 mutation", "TP53 testing was negative"
    r"|(?i:pas de|aucune|no|without)\s+"
    r"((?:[A-Z][A-Z0-9]{1,7}(?:/\d)?(?:\s*,\s*|\s+(?:ni|et|or|and|nor|ou)\s+|\s*/\s*)?)+)"
    r"\s*(?i:mutations?|variants?|alt[ée]rations?|pathogenic variants?)\b"
    r"|\b([A-Z][A-Z0-9]{1,7})\s+(?i:(?:germline\s+)?(?:testing|test|analysis|sequencing))\s+(?i:was|is)\s+(?i:negative|normal)"
)
# Lost proteins of the MMR panel or another IHC loss: "perte d'expression de MLH1 et PMS2",
# "loss of MLH1/PMS2".
_LOSS = re.compile(
    r"(?i:perte\s+(?:d'expression\s+|de\s+l'expression\s+)?(?:de\s+|des\s+|d')?(?:prot[ée]ines?\s+)?|loss\s+of\s+"
    r"(?:expression\s+of\s+)?(?:the\s+)?)"
    r"((?:[A-Z][A-Z0-9]{1,7}(?:\s*,\s*|\s+(?:et|and|ou|or)\s+|\s*/\s*)?)+)"
)
_STAGE = re.compile(
    r"\b(?:FIGO|stade|stage|Binet|Ann[- ]Arbor|ISS|R-ISS|BCLC)\s*(?:stade\s+|stage\s+)?"
    r"(IV[ABC]?|I{1,3}[ABC]?[12]?|[ABC0])\b"
)
_EXON_VARIANT = re.compile(
    r"(d[ée]l[ée]tion|deletion|insertion|duplication)s?\s+(?:de\s+l'|dans\s+l'|in\s+)?exon\s*(\d{1,2})"
    r"(?:\s+(?:d'|de\s+|du\s+|of\s+|in\s+)?([A-Z][A-Z0-9]{1,7}))?"
    r"|exon\s*(\d{1,2})\s+(d[ée]l[ée]t\w*|deletion|deleted|insertion|duplication|del|ins)",
    re.I,
)
_COMPANIONS = (
    (re.compile(r"\bFOLF|\bFLOT\b|\bLV5FU|\bmFOLF", re.I), "calcium folinate"),
    (re.compile(r"\bR?-?CHOP\b", re.I), "prednisone"),
    (re.compile(r"\b(?:VRD|RVD)\b"), "dexamethasone"),
)
_STOP = set(
    "avec pour dans une des les est sont été elle il ils elles leur leurs sur par mais chez sans sous "
    "cette ce ces son sa ses qui que dont puis après avant depuis entre lors aussi plus très bien "
    "with for the and was were has have had been this that which from into onto after before since "
    "also more very well then there their they she he his her its who whom patient patiente".split()
)
# "mesothelioma, epithelioid subtype", "carcinome, sous-type papillaire", "variant: clear cell".
_SUBTYPE = re.compile(
    r"\b([A-Za-zÀ-ÿ-]{4,})\s+(?:subtype|variant|type)\b"
    r"|\b(?:sous-type|sous type|variante?)\s+([A-Za-zÀ-ÿ-]{4,})",
    re.I,
)
_YP_TNM = re.compile(r"\by[pc]T(\d[a-d]?|is|x)\b(?:\s*(?:y?[pc])?N([0-3x][abc]?)\b)?", re.I)
_M_CATEGORY = re.compile(r"(?<![\w/])[cpy]?(M[01][abcd]?)\b")
_SAME_DRUG = {"nab-paclitaxel": "paclitaxel"}  # eval/cases/README.md: one drug whatever its formulation
_RECEPTOR_PCT = re.compile(r"\b(RE|RO|ER|RP|PR|PgR)\s*(?:[:=]|à|at)?\s*(\d{1,3})\s*%")
_KI67 = re.compile(r"\bKi[- ]?67\s*(?:[:=]|à|at|of|de)?\s*(?:[<>≥≤]=?\s*)?(\d{1,3})(?:[.,]\d)?\s*%", re.I)
_PDL1 = re.compile(r"\bPD-?L1\b[^.;\n%]{0,25}?(?:[<>≥≤]=?\s*)?(\d{1,3})\s*%", re.I)
_RECEPTOR = {"RE": "ER", "RO": "ER", "ER": "ER", "RP": "PR", "PR": "PR", "PGR": "PR"}
