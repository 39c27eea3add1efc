"""Codes and labels the generator writes: drugs (INN + ATC + class), histology groups, procedures.

Everything structured that the generator emits comes from these tables, so that the parser and the
compiler can rely on a small closed set of values (``histology_group``, biomarker ``marker`` names,
procedure names). ATC codes follow the 2024 WHO index (L01F* monoclonal antibodies, L01E* kinase
inhibitors). French labels are what the report text says.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Drug:
    name: str  # INN, lower case: what TreatmentRecord.name holds
    atc: str | None
    cls: str  # retrieval.vocab.TreatmentClass
    fr: str  # how reports write it


_DRUGS = [
    # chemotherapy
    Drug("cyclophosphamide", "L01AA01", "chemotherapy", "cyclophosphamide"),
    Drug("chlorambucil", "L01AA02", "chemotherapy", "chlorambucil"),
    Drug("melphalan", "L01AA03", "chemotherapy", "melphalan"),
    Drug("bendamustine", "L01AA09", "chemotherapy", "bendamustine"),
    Drug("carmustine", "L01AD01", "chemotherapy", "carmustine"),
    Drug("temozolomide", "L01AX03", "chemotherapy", "témozolomide"),
    Drug("dacarbazine", "L01AX04", "chemotherapy", "dacarbazine"),
    Drug("streptozocin", "L01AD04", "chemotherapy", "streptozocine"),
    Drug("trifluridine and tipiracil", "L01BC59", "chemotherapy", "trifluridine-tipiracil"),
    Drug("pemetrexed", "L01BA04", "chemotherapy", "pémétrexed"),
    Drug("fludarabine", "L01BB05", "chemotherapy", "fludarabine"),
    Drug("cytarabine", "L01BC01", "chemotherapy", "cytarabine"),
    Drug("fluorouracil", "L01BC02", "chemotherapy", "5-fluorouracile"),
    Drug("gemcitabine", "L01BC05", "chemotherapy", "gemcitabine"),
    Drug("capecitabine", "L01BC06", "chemotherapy", "capécitabine"),
    Drug("azacitidine", "L01BC07", "chemotherapy", "azacitidine"),
    Drug("vincristine", "L01CA02", "chemotherapy", "vincristine"),
    Drug("vinorelbine", "L01CA04", "chemotherapy", "vinorelbine"),
    Drug("etoposide", "L01CB01", "chemotherapy", "étoposide"),
    Drug("paclitaxel", "L01CD01", "chemotherapy", "paclitaxel"),
    Drug("docetaxel", "L01CD02", "chemotherapy", "docétaxel"),
    Drug("cabazitaxel", "L01CD04", "chemotherapy", "cabazitaxel"),
    Drug("irinotecan", "L01CE02", "chemotherapy", "irinotécan"),
    Drug("doxorubicin", "L01DB01", "chemotherapy", "doxorubicine"),
    Drug("daunorubicin", "L01DB02", "chemotherapy", "daunorubicine"),
    Drug("epirubicin", "L01DB03", "chemotherapy", "épirubicine"),
    Drug("idarubicin", "L01DB06", "chemotherapy", "idarubicine"),
    Drug("cisplatin", "L01XA01", "chemotherapy", "cisplatine"),
    Drug("carboplatin", "L01XA02", "chemotherapy", "carboplatine"),
    Drug("oxaliplatin", "L01XA03", "chemotherapy", "oxaliplatine"),
    Drug("eribulin", "L01XX41", "chemotherapy", "éribuline"),
    Drug(
        "daunorubicin and cytarabine",
        "L01XY01",
        "chemotherapy",
        "CPX-351 (daunorubicine-cytarabine liposomale)",
    ),
    # targeted therapy: antibodies against tumour targets, kinase / PARP / proteasome inhibitors
    Drug("trastuzumab", "L01FD01", "targeted_therapy", "trastuzumab"),
    Drug("pertuzumab", "L01FD02", "targeted_therapy", "pertuzumab"),
    Drug("trastuzumab emtansine", "L01FD03", "targeted_therapy", "trastuzumab emtansine (T-DM1)"),
    Drug("trastuzumab deruxtecan", "L01FD04", "targeted_therapy", "trastuzumab déruxtécan"),
    Drug("sacituzumab govitecan", "L01FX17", "targeted_therapy", "sacituzumab govitécan"),
    Drug("bevacizumab", "L01FG01", "targeted_therapy", "bévacizumab"),
    Drug("cetuximab", "L01FE01", "targeted_therapy", "cétuximab"),
    Drug("panitumumab", "L01FE02", "targeted_therapy", "panitumumab"),
    Drug("gefitinib", "L01EB01", "targeted_therapy", "géfitinib"),
    Drug("erlotinib", "L01EB02", "targeted_therapy", "erlotinib"),
    Drug("afatinib", "L01EB03", "targeted_therapy", "afatinib"),
    Drug("osimertinib", "L01EB04", "targeted_therapy", "osimertinib"),
    Drug("vemurafenib", "L01EC01", "targeted_therapy", "vémurafénib"),
    Drug("dabrafenib", "L01EC02", "targeted_therapy", "dabrafénib"),
    Drug("encorafenib", "L01EC03", "targeted_therapy", "encorafénib"),
    Drug("crizotinib", "L01ED01", "targeted_therapy", "crizotinib"),
    Drug("alectinib", "L01ED03", "targeted_therapy", "alectinib"),
    Drug("brigatinib", "L01ED04", "targeted_therapy", "brigatinib"),
    Drug("lorlatinib", "L01ED05", "targeted_therapy", "lorlatinib"),
    Drug("trametinib", "L01EE01", "targeted_therapy", "tramétinib"),
    Drug("binimetinib", "L01EE03", "targeted_therapy", "binimétinib"),
    Drug("palbociclib", "L01EF01", "targeted_therapy", "palbociclib"),
    Drug("ribociclib", "L01EF02", "targeted_therapy", "ribociclib"),
    Drug("abemaciclib", "L01EF03", "targeted_therapy", "abémaciclib"),
    Drug("everolimus", "L01EG02", "targeted_therapy", "évérolimus"),
    Drug("tucatinib", "L01EH03", "targeted_therapy", "tucatinib"),
    Drug("axitinib", "L01EK01", "targeted_therapy", "axitinib"),
    Drug("ibrutinib", "L01EL01", "targeted_therapy", "ibrutinib"),
    Drug("acalabrutinib", "L01EL02", "targeted_therapy", "acalabrutinib"),
    Drug("alpelisib", "L01EM03", "targeted_therapy", "alpélisib"),
    Drug("sunitinib", "L01EX01", "targeted_therapy", "sunitinib"),
    Drug("pazopanib", "L01EX03", "targeted_therapy", "pazopanib"),
    Drug("cabozantinib", "L01EX07", "targeted_therapy", "cabozantinib"),
    Drug("regorafenib", "L01EX05", "targeted_therapy", "régorafénib"),
    Drug("midostaurin", "L01EX10", "targeted_therapy", "midostaurine"),
    Drug("gilteritinib", "L01EX13", "targeted_therapy", "giltéritinib"),
    Drug("olaparib", "L01XK01", "targeted_therapy", "olaparib"),
    Drug("niraparib", "L01XK02", "targeted_therapy", "niraparib"),
    Drug("bortezomib", "L01XG01", "targeted_therapy", "bortézomib"),
    Drug("carfilzomib", "L01XG02", "targeted_therapy", "carfilzomib"),
    Drug("venetoclax", "L01XX52", "targeted_therapy", "vénétoclax"),
    Drug("sotorasib", "L01XX73", "targeted_therapy", "sotorasib"),
    Drug("adagrasib", "L01XX77", "targeted_therapy", "adagrasib"),
    # immunotherapy: checkpoint inhibitors, immune-cell antibodies, immunomodulatory drugs
    Drug("nivolumab", "L01FF01", "immunotherapy", "nivolumab"),
    Drug("pembrolizumab", "L01FF02", "immunotherapy", "pembrolizumab"),
    Drug("durvalumab", "L01FF03", "immunotherapy", "durvalumab"),
    Drug("atezolizumab", "L01FF05", "immunotherapy", "atézolizumab"),
    Drug("ipilimumab", "L01FX04", "immunotherapy", "ipilimumab"),
    Drug("rituximab", "L01FA01", "immunotherapy", "rituximab"),
    Drug("obinutuzumab", "L01FA03", "immunotherapy", "obinutuzumab"),
    Drug("daratumumab", "L01FC01", "immunotherapy", "daratumumab"),
    Drug("isatuximab", "L01FC02", "immunotherapy", "isatuximab"),
    Drug("teclistamab", "L01FX24", "immunotherapy", "téclistamab"),
    Drug("polatuzumab vedotin", "L01FX14", "immunotherapy", "polatuzumab védotine"),
    Drug("lenalidomide", "L04AX04", "immunotherapy", "lénalidomide"),
    Drug("pomalidomide", "L04AX06", "immunotherapy", "pomalidomide"),
    # hormone therapy (somatostatin analogues are filed here: they are hormonal treatments of NETs)
    Drug("tamoxifen", "L02BA01", "hormone_therapy", "tamoxifène"),
    Drug("fulvestrant", "L02BA03", "hormone_therapy", "fulvestrant"),
    Drug("anastrozole", "L02BG03", "hormone_therapy", "anastrozole"),
    Drug("letrozole", "L02BG04", "hormone_therapy", "létrozole"),
    Drug("exemestane", "L02BG06", "hormone_therapy", "exémestane"),
    Drug("leuprorelin", "L02AE02", "hormone_therapy", "leuproréline"),
    Drug("triptorelin", "L02AE04", "hormone_therapy", "triptoréline"),
    Drug("degarelix", "L02BX02", "hormone_therapy", "dégarélix"),
    Drug("abiraterone", "L02BX03", "hormone_therapy", "abiratérone"),
    Drug("enzalutamide", "L02BB04", "hormone_therapy", "enzalutamide"),
    Drug("apalutamide", "L02BB05", "hormone_therapy", "apalutamide"),
    Drug("lanreotide", "H01CB03", "hormone_therapy", "lanréotide"),
    Drug("octreotide", "H01CB02", "hormone_therapy", "octréotide"),
    # cell therapy / transplant
    Drug("autologous_sct", None, "cell_therapy", "autogreffe de cellules souches hématopoïétiques"),
    Drug("allogeneic_sct", None, "cell_therapy", "allogreffe de cellules souches hématopoïétiques"),
    Drug("axicabtagene ciloleucel", "L01XL03", "cell_therapy", "cellules CAR-T (axicabtagène ciloleucel)"),
    Drug("idecabtagene vicleucel", "L01XL07", "cell_therapy", "cellules CAR-T (idécabtagène vicleucel)"),
    # radiopharmaceutical (internal vectorised radiotherapy)
    Drug("lutetium (177lu) oxodotreotide", "V10XX04", "radiotherapy", "Lutathera (177Lu-oxodotréotide)"),
    Drug("lutetium (177lu) vipivotide tetraxetan", "V10XX05", "radiotherapy", "177Lu-PSMA-617 (Pluvicto)"),
]
DRUGS: dict[str, Drug] = {d.name: d for d in _DRUGS}

# Surgery and radiotherapy records carry one of these names (English, snake case, documented).
PROCEDURES: dict[str, str] = {
    "lumpectomy": "tumorectomie",
    "mastectomy": "mastectomie",
    "sentinel_node_biopsy": "technique du ganglion sentinelle",
    "lobectomy": "lobectomie pulmonaire",
    "pneumonectomy": "pneumonectomie",
    "colectomy": "colectomie",
    "proctectomy": "proctectomie avec exérèse totale du mésorectum",
    "endoscopic_resection": "résection endoscopique",
    "nephrectomy": "néphrectomie",
    "partial_nephrectomy": "néphrectomie partielle",
    "prostatectomy": "prostatectomie totale",
    "pancreaticoduodenectomy": "duodénopancréatectomie céphalique",
    "distal_pancreatectomy": "pancréatectomie gauche",
    "enucleation": "énucléation pancréatique",
    "small_bowel_resection": "résection iléale avec curage mésentérique",
    "debulking_surgery": "chirurgie de cytoréduction",
    "wide_excision": "reprise d'exérèse large",
    "liver_metastasectomy": "métastasectomie hépatique",
    "hysterectomy": "hystérectomie totale",
    "transurethral_resection": "résection transurétrale de vessie",
    "thyroidectomy": "thyroïdectomie totale",
    "lymph_node_biopsy": "biopsie ganglionnaire",
    "external_radiotherapy": "radiothérapie externe",
    "stereotactic_radiotherapy": "radiothérapie stéréotaxique",
    "chemoradiotherapy": "radiochimiothérapie concomitante",
    "palliative_radiotherapy": "radiothérapie antalgique",
    "brachytherapy": "curiethérapie",
}

# histology_group values written in TumourRecord.histology_group (closed set; the parser maps words
# to these). French labels for the report text.
HISTOLOGY_GROUPS: dict[str, str] = {
    "ductal_carcinoma": "carcinome canalaire infiltrant",
    "lobular_carcinoma": "carcinome lobulaire infiltrant",
    "adenocarcinoma": "adénocarcinome",
    "squamous_cell_carcinoma": "carcinome épidermoïde",
    "small_cell_carcinoma": "carcinome à petites cellules",
    "neuroendocrine": "tumeur neuroendocrine bien différenciée",
    "clear_cell_carcinoma": "carcinome rénal à cellules claires",
    "serous_carcinoma": "carcinome séreux de haut grade",
    "endometrioid_carcinoma": "adénocarcinome endométrioïde",
    "urothelial_carcinoma": "carcinome urothélial",
    "papillary_carcinoma": "carcinome papillaire",
    "melanoma": "mélanome",
    "myeloma": "myélome multiple",
    "aml": "leucémie aiguë myéloïde",
    "cll": "leucémie lymphoïde chronique",
    "dlbcl": "lymphome B diffus à grandes cellules",
    "follicular_lymphoma": "lymphome folliculaire",
}

# Biomarker ``marker`` names (upper case, as clinicians write them) and the statuses used for each.
MARKERS: dict[str, str] = {
    "ER": "récepteurs aux œstrogènes (positive/negative, value = % of stained cells)",
    "PR": "récepteurs à la progestérone (positive/negative, value = %)",
    "HER2": "HER2 (positive/negative/equivocal; alteration 'IHC 0/1+/2+/3+', 'amplified')",
    "KI67": "Ki67 proliferation index (value = %)",
    "PD-L1": "PD-L1 tumour proportion score (value = %, positive when >= 1)",
    "EGFR": "EGFR (mutated with alteration 'L858R', 'exon19del', 'T790M', or wild_type)",
    "ALK": "ALK (rearranged, alteration 'EML4-ALK', or negative)",
    "ROS1": "ROS1 (rearranged or negative)",
    "KRAS": "KRAS (mutated with 'G12C', 'G12D', 'G12V', 'G13D', or wild_type)",
    "NRAS": "NRAS (mutated 'Q61R' or wild_type)",
    "BRAF": "BRAF (mutated 'V600E'/'V600K', or wild_type)",
    "MSI": "microsatellite instability (high = MSI-H/dMMR, low = MSS/pMMR)",
    "BRCA1": "BRCA1 (mutated, germline or somatic, or wild_type)",
    "BRCA2": "BRCA2 (mutated or wild_type)",
    "PIK3CA": "PIK3CA (mutated 'H1047R'/'E545K' or wild_type)",
    "PSA": "prostate-specific antigen (value in ng/mL)",
    "FLT3": "FLT3 (mutated 'ITD' or wild_type)",
    "NPM1": "NPM1 (mutated or wild_type)",
    "TP53": "TP53 (mutated or wild_type)",
    "DEL17P": "del(17p) cytogenetics (positive/negative)",
    "T(4;14)": "t(4;14) cytogenetics (positive/negative)",
}

# Metastasis site -> (ICD-10 secondary neoplasm code for PMSI stays, French adjective/label).
METASTASIS_CODES: dict[str, tuple[str, str]] = {
    "bone": ("C79.5", "osseuse"),
    "liver": ("C78.7", "hépatique"),
    "lung": ("C78.0", "pulmonaire"),
    "brain": ("C79.3", "cérébrale"),
    "lymph_node": ("C77.9", "ganglionnaire"),
    "peritoneum": ("C78.6", "péritonéale"),
    "pleura": ("C78.2", "pleurale"),
    "adrenal": ("C79.7", "surrénalienne"),
    "skin": ("C79.2", "cutanée"),
    "other": ("C79.8", "à distance"),
}

MONTHS_FR = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def drug(name: str) -> Drug:
    """The catalogue entry of a drug, or a readable error naming the unknown drug."""
    try:
        return DRUGS[name]
    except KeyError:
        raise KeyError(f"drug {name!r} is not in synthetic/catalogue.py") from None
