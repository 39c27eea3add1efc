"""Site-specific French wording: exams, biopsies, presenting symptoms, histology sentences, biomarkers.

Plain words only: nothing here may contain a concept surface form of retrieval/concepts.json
(those are written through ``TextBuilder.mention`` so that truth knows about them). The generator's
tests scan every generated document for stray surface forms.
"""

from __future__ import annotations

from synthetic.model import Biomarker, Patient, Tumour

DX_EXAM = {
    "breast": ["Mammographie et échographie mammaire bilatérales", "IRM mammaire bilatérale"],
    "lung": ["TDM thoracique avec injection", "TEP-TDM au 18F-FDG"],
    "colorectal": ["TDM TAP avec injection", "Coloscanner"],
    "rectum": ["IRM pelvienne", "TDM TAP avec injection"],
    "melanoma": ["TEP-TDM au 18F-FDG", "TDM TAP et IRM cérébrale"],
    "kidney": ["TDM abdomino-pelvien avec injection", "TDM TAP"],
    "ovary": ["TDM TAP avec injection", "IRM pelvienne"],
    "prostate": ["IRM prostatique multiparamétrique", "TEP-TDM au PSMA"],
    "pancreas": ["TDM TAP avec injection (protocole pancréas)", "IRM hépatique"],
    "net": ["TEP-TDM au 68Ga-DOTATOC", "TDM TAP avec injection"],
    "myeloma": ["IRM du rachis et du bassin", "TEP-TDM au 18F-FDG", "TDM corps entier low-dose"],
    "aml": ["Radiographie thoracique"],
    "cll": ["TDM TAP"],
    "dlbcl": ["TEP-TDM au 18F-FDG"],
    "follicular": ["TEP-TDM au 18F-FDG"],
}
EVAL_EXAM = {
    "breast": "TDM TAP et scintigraphie osseuse",
    "lung": "TDM TAP",
    "colorectal": "TDM TAP",
    "melanoma": "TEP-TDM",
    "kidney": "TDM TAP",
    "ovary": "TDM TAP",
    "prostate": "TEP-TDM au PSMA",
    "pancreas": "TDM TAP",
    "net": "TDM TAP",
    "myeloma": "TEP-TDM",
    "dlbcl": "TEP-TDM",
    "follicular": "TEP-TDM",
    "cll": "TDM TAP",
    "aml": "Radiographie thoracique",
}
BIOPSY = {
    "breast": "Microbiopsies mammaires échoguidées",
    "lung": "Biopsies bronchiques per-fibroscopiques",
    "colorectal": "Biopsies coliques per-endoscopiques",
    "melanoma": "Exérèse d'une lésion cutanée pigmentée",
    "kidney": "Biopsie rénale percutanée",
    "ovary": "Biopsies péritonéales sous cœlioscopie",
    "prostate": "Biopsies prostatiques écho-guidées (12 carottes)",
    "pancreas": "Biopsie sous écho-endoscopie",
    "net": "Biopsies sous endoscopie",
    "dlbcl": "Biopsie ganglionnaire cervicale",
    "follicular": "Biopsie ganglionnaire axillaire",
}
SYMPTOM = {
    "breast": [
        "un nodule découvert à l'autopalpation",
        "une anomalie sur la mammographie de dépistage",
        "une rétraction du mamelon",
    ],
    "lung": [
        "une toux persistante",
        "une altération de l'état général",
        "des hémoptysies",
        "une dyspnée d'effort",
    ],
    "colorectal": [
        "des rectorragies",
        "une anémie ferriprive",
        "des troubles du transit",
        "un test de dépistage positif",
    ],
    "melanoma": ["une lésion pigmentée qui s'est modifiée", "un grain de beauté saignant"],
    "kidney": ["une hématurie", "une découverte fortuite à l'échographie", "des douleurs lombaires"],
    "ovary": ["une augmentation du volume abdominal", "des douleurs pelviennes", "une ascite"],
    "prostate": ["une élévation du PSA", "des troubles mictionnels"],
    "pancreas": ["un ictère", "des douleurs épigastriques", "un amaigrissement"],
    "net": [
        "une découverte fortuite lors d'une endoscopie",
        "des flushs et une diarrhée",
        "des douleurs abdominales",
    ],
    "myeloma": ["des douleurs osseuses", "une anémie", "une insuffisance rénale", "une hypercalcémie"],
    "aml": ["une asthénie intense", "une pancytopénie", "un syndrome hémorragique"],
    "cll": ["une hyperlymphocytose", "des adénopathies"],
    "dlbcl": ["des adénopathies cervicales", "des sueurs nocturnes et un amaigrissement"],
    "follicular": ["des adénopathies", "une découverte fortuite au scanner"],
}
ORGAN = {
    "breast": "mammaire",
    "lung": "pulmonaire",
    "colorectal": "colique",
    "melanoma": "cutanée",
    "kidney": "rénale",
    "ovary": "annexielle",
    "prostate": "prostatique",
    "pancreas": "pancréatique",
    "net": "digestive",
    "myeloma": "médullaire",
    "aml": "médullaire",
    "cll": "ganglionnaire",
    "dlbcl": "ganglionnaire",
    "follicular": "ganglionnaire",
}
# The primary tumour as the diagnostic imaging describes it ({size} mm, {side} left/right).
PRIMARY_FINDING = {
    "breast": [
        "Masse irrégulière spiculée du sein {side} de {size} mm, classée ACR 5.",
        "Opacité stellaire du quadrant supéro-externe {side} de {size} mm, ACR 5, microcalcifications.",
    ],
    "lung": [
        "Masse tissulaire pulmonaire {side_f} de {size} mm au contact de la plèvre, adénomégalies.",
        "Opacité spiculée du lobe supérieur {side} de {size} mm, hypermétabolique (SUVmax 12).",
    ],
    "colorectal": [
        "Épaississement pariétal circonférentiel sur {size} mm, infiltration de la graisse péri-digestive.",
        "Processus tissulaire sténosant de {size} mm, adénopathies régionales infracentimétriques.",
    ],
    "melanoma": [
        "Pas de lésion profonde suspecte en dehors du site primitif cutané.",
        "Adénopathie axillaire {side_f} de 12 mm dans le territoire de drainage.",
    ],
    "kidney": [
        "Masse rénale {side_f} hétérogène de {size} mm, rehaussée au temps artériel.",
        "Tumeur médio-rénale {side_f} de {size} mm, veine rénale perméable.",
    ],
    "ovary": [
        "Masse annexielle {side_f} solido-kystique de {size} mm, ascite, nodules péritonéaux.",
        "Volumineuse masse pelvienne de {size} mm, épaississement du grand épiploon.",
    ],
    "prostate": [
        "Lésion de la zone périphérique classée PI-RADS 5, de {size} mm.",
        "Cible PI-RADS 4 de l'apex, de {size} mm, sans franchissement capsulaire évident.",
    ],
    "pancreas": [
        "Masse hypodense de la tête du pancréas de {size} mm, dilatation des voies biliaires.",
        "Lésion pancréatique hypodense de {size} mm au contact de la veine mésentérique supérieure.",
    ],
    "net": [
        "Lésion hypervasculaire de {size} mm fixant intensément au temps précoce (Krenning 4).",
        "Lésion de {size} mm fortement hyperfixante en TEP aux analogues de la somatostatine.",
    ],
}
SIDE = {
    "left": ("gauche", "gauche"),
    "right": ("droit", "droite"),
    "bilateral": ("bilatéral", "bilatérale"),
    None: ("droit", "droite"),
}
TOLERANCE = [
    "Bonne tolérance clinique. ",
    "Asthénie de grade 1. ",
    "Tolérance correcte. ",
    "Nausées de grade 1 contrôlées par le traitement symptomatique. ",
    "Neuropathie périphérique de grade 1, stable. ",
    "Diarrhées de grade 1 intermittentes. ",
    "Éruption cutanée de grade 1 sur le visage et le thorax. ",
]
BIOLOGY = [
    "Bilan biologique : PNN {pnn} G/L, hémoglobine {hb} g/dL, plaquettes {plt} G/L. ",
    "Numération : hémoglobine {hb} g/dL, PNN {pnn} G/L ; fonction rénale normale. ",
    "",
]

GRADE_WORD = {"breast": "SBR", "kidney": "ISUP", "net": "", "colorectal": "", "lung": ""}


def exam_site(tumour: Tumour) -> str:
    return "rectum" if tumour.icd10 == "C20" and tumour.histology_group != "neuroendocrine" else tumour.site


def markers_of(p: Patient, tumour: Tumour, until=None) -> list[Biomarker]:  # noqa: ANN001 - date or None
    return [b for b in p.biomarkers if b.tumour_id == tumour.id and (until is None or b.date <= until)]


def marker_text(bm: Biomarker) -> str:
    """Short clinical notation of one result, without negation words ("RE 90 %", "EGFR L858R")."""
    m = bm.marker
    if m in ("ER", "PR"):
        label = "RE" if m == "ER" else "RP"
        return f"{label} {int(bm.value or 0)} %" if bm.value else f"{label} 0 %"
    if m == "HER2":
        return "HER2 " + {
            "IHC 3+": "3+",
            "IHC 2+ amplified": "2+ amplifié (FISH)",
            "IHC 0": "0",
            "IHC 1+": "1+",
            "IHC 2+ not amplified": "2+ sans amplification",
        }.get(bm.alteration or "", "")
    if m == "KI67":
        return f"Ki67 {int(bm.value or 0)} %"
    if m == "PD-L1":
        return f"PD-L1 {int(bm.value or 0)} %" if bm.unit == "%" else f"PD-L1 CPS {int(bm.value or 0)}"
    if m == "MSI":
        return "MSI-H (dMMR)" if bm.status == "high" else "MSS (pMMR)"
    if m == "PSA":
        return f"PSA {bm.value:g} ng/mL"
    if bm.status in ("mutated", "rearranged", "amplified"):
        return f"{m} {bm.alteration}" if bm.alteration and bm.alteration != "germline" else f"{m} muté"
    if bm.status == "positive":
        return f"{m} présent"
    if bm.status in ("wild_type",):
        return f"{m} sauvage"
    return ""


def receptor_summary(p: Patient, tumour: Tumour) -> str:
    """RH+/HER2- style summary of a breast tumour; markers in notation for other sites."""
    bms = markers_of(p, tumour, tumour.diagnosis_date)
    if tumour.site == "breast":
        er = next((b for b in bms if b.marker == "ER"), None)
        her2 = next((b for b in bms if b.marker == "HER2"), None)
        hr = "RH+" if er and er.status == "positive" else "RH-"
        h2 = "HER2+" if her2 and her2.status == "positive" else "HER2-"
        return f"{hr} {h2}"
    if tumour.site == "prostate":
        psa = next((marker_text(b) for b in bms if b.marker == "PSA"), "")
        return ", ".join(x for x in (f"Gleason {tumour.info.get('gleason', '3+4')}", psa) if x)
    shown = [marker_text(b) for b in bms if b.status in ("mutated", "rearranged", "high")]
    return ", ".join(s for s in shown if s)
