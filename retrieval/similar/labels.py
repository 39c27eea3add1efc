"""Readable French/English labels for compared facts (explanations and the per-patient summary text).

Vocabulary values use retrieval/vocab.py labels; ICD-10 sites and histology groups have a short table
of the common oncology categories here and fall back to the code itself, which a clinician reads too.
"""

from __future__ import annotations

from retrieval.vocab import BIOMARKER_STATUSES, EVENT_TYPES, METASTASIS_SITES, TREATMENT_CLASSES, label

SITES: dict[str, tuple[str, str]] = {
    "C15": ("œsophage", "oesophagus"), "C16": ("estomac", "stomach"), "C18": ("côlon", "colon"),
    "C19": ("jonction recto-sigmoïdienne", "rectosigmoid junction"), "C20": ("rectum", "rectum"),
    "C22": ("foie", "liver"), "C25": ("pancréas", "pancreas"), "C17": ("intestin grêle", "small intestine"),
    "C32": ("larynx", "larynx"), "C34": ("poumon", "lung"), "C43": ("mélanome de la peau", "skin melanoma"),
    "C50": ("sein", "breast"), "C53": ("col de l'utérus", "cervix"), "C54": ("corps de l'utérus", "uterus"),
    "C56": ("ovaire", "ovary"), "C61": ("prostate", "prostate"), "C64": ("rein", "kidney"),
    "C67": ("vessie", "bladder"), "C71": ("cerveau", "brain"), "C73": ("thyroïde", "thyroid"),
    "C7A": ("tumeur neuroendocrine", "neuroendocrine tumour"),
    "C81": ("lymphome de Hodgkin", "Hodgkin lymphoma"),
    "C82": ("lymphome folliculaire", "follicular lymphoma"), "C83": ("lymphome non folliculaire",
    "non-follicular lymphoma"), "C85": ("lymphome non hodgkinien", "non-Hodgkin lymphoma"),
    "C90": ("myélome multiple", "multiple myeloma"), "C91": ("leucémie lymphoïde", "lymphoid leukaemia"),
    "C92": ("leucémie myéloïde", "myeloid leukaemia"), "C02": ("langue", "tongue"),
    "C01": ("base de langue", "base of tongue"), "C09": ("amygdale", "tonsil"),
    "C10": ("oropharynx", "oropharynx"),
    "C21": ("anus", "anus"), "C44": ("peau", "skin"), "C49": ("tissus mous", "soft tissue"),
    "C62": ("testicule", "testis"),
}

HISTOLOGY: dict[str, tuple[str, str]] = {
    "adenocarcinoma": ("adénocarcinome", "adenocarcinoma"),
    "ductal_carcinoma": ("carcinome canalaire", "ductal carcinoma"),
    "lobular_carcinoma": ("carcinome lobulaire", "lobular carcinoma"),
    "squamous_cell_carcinoma": ("carcinome épidermoïde", "squamous cell carcinoma"),
    "neuroendocrine": ("tumeur neuroendocrine", "neuroendocrine tumour"),
    "small_cell_carcinoma": ("carcinome à petites cellules", "small cell carcinoma"),
    "nsclc": ("carcinome non à petites cellules", "non-small cell carcinoma"),
    "clear_cell_carcinoma": ("carcinome à cellules claires", "clear cell carcinoma"),
    "serous_carcinoma": ("carcinome séreux", "serous carcinoma"),
    "hepatocellular_carcinoma": ("carcinome hépatocellulaire", "hepatocellular carcinoma"),
    "urothelial_carcinoma": ("carcinome urothélial", "urothelial carcinoma"),
    "glioblastoma": ("glioblastome", "glioblastoma"), "sarcoma": ("sarcome", "sarcoma"),
    "gist": ("tumeur stromale gastro-intestinale", "GIST"), "melanoma": ("mélanome", "melanoma"),
    "myeloma": ("myélome", "myeloma"), "aml": ("leucémie aiguë myéloïde", "acute myeloid leukaemia"),
    "all": ("leucémie aiguë lymphoblastique", "acute lymphoblastic leukaemia"),
    "cll": ("leucémie lymphoïde chronique", "chronic lymphocytic leukaemia"),
    "cml": ("leucémie myéloïde chronique", "chronic myeloid leukaemia"),
    "dlbcl": ("lymphome B diffus à grandes cellules", "diffuse large B-cell lymphoma"),
    "follicular_lymphoma": ("lymphome folliculaire", "follicular lymphoma"),
    "mantle_cell_lymphoma": ("lymphome du manteau", "mantle cell lymphoma"),
    "hodgkin_lymphoma": ("lymphome de Hodgkin", "Hodgkin lymphoma"), "lymphoma": ("lymphome", "lymphoma"),
    "myelodysplastic_syndrome": ("syndrome myélodysplasique", "myelodysplastic syndrome"),
}

STAGES: dict[str, tuple[str, str]] = {
    "I-II": ("stade localisé (I-II)", "early stage (I-II)"),
    "III": ("stade localement avancé (III)", "locally advanced (stage III)"),
    "IV": ("stade métastatique (IV)", "metastatic (stage IV)"),
    "haem": ("hémopathie", "haematological malignancy"),
}

GROUPS: dict[str, tuple[str, str]] = {
    "site": ("site", "site"), "histology": ("histologie", "histology"), "morphology": ("morphologie",
    "morphology"), "stage": ("stade", "stage"), "tnm": ("TNM", "TNM"), "grade": ("grade", "grade"),
    "metastatic": ("métastases", "metastases"), "biomarker": ("biomarqueur", "biomarker"),
    "alteration": ("altération", "alteration"), "treatment": ("traitement", "treatment"),
    "drug": ("médicament", "drug"), "lines": ("lignes", "lines"), "event": ("évènement", "event"),
    "age": ("âge", "age"), "sex": ("sexe", "sex"),
}


def _pick(table: dict[str, tuple[str, str]], key: str, lang: str, default: str) -> str:
    pair = table.get(key)
    return default if pair is None else (pair[0] if lang == "fr" else pair[1])


def fact_label(group: str, value: str, lang: str = "fr") -> str:
    """One fact as a short phrase: ('site', 'C34') -> 'poumon (C34)'; ('biomarker', 'EGFR:mutated') ->
    'EGFR muté'."""
    fr = lang == "fr"
    if group == "site":
        name = _pick(SITES, value, lang, "")
        return f"{name} ({value})" if name else value
    if group == "histology":
        return _pick(HISTOLOGY, value, lang, value.replace("_", " "))
    if group == "morphology":
        return f"{'morphologie' if fr else 'morphology'} {value}"
    if group == "stage":
        return _pick(STAGES, value, lang, value)
    if group in ("tnm", "grade"):
        return value
    if group == "metastatic":
        if value.startswith("site:"):
            site = label(METASTASIS_SITES, value[5:], lang)
            return f"{'métastase' if fr else 'metastasis'}: {site}"
        if value == "non-metastatic":
            return "non métastatique" if fr else "non-metastatic"
        return "métastatique" if fr else "metastatic"
    if group in ("biomarker", "alteration"):
        marker, _, rest = value.partition(":")
        return f"{marker} {label(BIOMARKER_STATUSES, rest, lang) if group == 'biomarker' else rest}"
    if group == "treatment":
        return label(TREATMENT_CLASSES, value, lang)
    if group == "drug":
        return value
    if group == "lines":
        return f"{value} {'ligne(s) systémique(s)' if fr else 'systemic line(s)'}"
    if group == "event":
        return label(EVENT_TYPES, value, lang)
    if group == "age":
        return f"{value.rstrip('~')} {'ans' if fr else 'years'}"
    if group == "sex":
        return {"F": ("femme", "female"), "M": ("homme", "male")}.get(value, (value, value))[0 if fr else 1]
    return value
