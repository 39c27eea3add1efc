"""Experiment for ``cohort eval similar``: structured facts completed from the REPORTS where coding is
missing (row "struct+report facts").

Why: with ``--drop-structured``, a text part added to the vector (score = w*cos_struct + (1-w)*cos_text)
barely helps, even when the text is perfect, because one text cosine cannot tell which coded group is
missing. Reading the missing facts back from the reports into the structured part does help; this
module measures how much, with simple rules on the ``findings`` summary (retrieval/similar/findings.py),
before anyone builds it into the index:

- biomarkers: the status lines of ``findings`` ("EGFR muté exon19del", "ER positif (RE 80 %)") when the
  patient has no coded biomarker;
- histology / morphology: the ICD-O-3 code a pathology report names ("(ICD-O-3 8140/3)") when the first
  tumour has no coded histology, mapped to a histology group by the store's own coded tumours;
- metastatic sites: "métastases / lésions secondaires hépatiques, osseuses..." adjectives when the
  patient has no coded metastasis event.
"""

from __future__ import annotations

import copy
import re
from collections import Counter, defaultdict

from retrieval.similar.facts import STATUS_WEIGHTS, PatientInfo, marker_key
from retrieval.similar.findings import findings_texts
from retrieval.store import Store

_ICDO = re.compile(r"ICD-O-3 (\d{4})/\d")
_STATUS = {"positif": "positive", "négatif": "negative", "muté": "mutated", "sauvage": "wild_type",
           "réarrangé": "rearranged", "amplifié": "amplified", "élevé": "high", "bas": "low"}
_LINE = re.compile(r"^(\S+) (" + "|".join(_STATUS) + r")\b")
_SPREAD = re.compile(r"(?:métasta|secondaire)", re.IGNORECASE)
_SITES = {"hépatique": "liver", "osseu": "bone", "pulmonaire": "lung", "cérébra": "brain", "pleura": "pleura",
          "péritonéa": "peritoneum", "ganglionnaire": "lymph_node", "surrénal": "adrenal", "cutané": "skin"}


def report_filled(store: Store, patients: list[PatientInfo]) -> tuple[list[PatientInfo], dict[str, int]]:
    """Copies of ``patients`` whose missing groups are read from their reports, and how many were filled."""
    texts = findings_texts(store, [p.patient_id for p in patients])
    by_morph: dict[str, Counter] = defaultdict(Counter)
    for r in store.query("SELECT morphology, histology_group FROM tumours "
                         "WHERE morphology IS NOT NULL AND histology_group IS NOT NULL"):
        by_morph[r["morphology"][:4]][r["histology_group"]] += 1
    filled = Counter()
    out = []
    for p in patients:
        q = copy.deepcopy(p)
        sentences = texts.get(p.patient_id, "").split(". ")
        f = q.facts
        if "site" in f and "histology" not in f:
            m = next((m for s in sentences if (m := _ICDO.search(s))), None)
            if m and m.group(1) in by_morph:
                f["histology"] = {by_morph[m.group(1)].most_common(1)[0][0]: 1.0}
                f["morphology"] = {m.group(1): 1.0}
                filled["histology"] += 1
        if "biomarker" not in f:
            for s in sentences:
                if (m := _LINE.match(s)):
                    status = _STATUS[m.group(2)]
                    f.setdefault("biomarker", {})[f"{marker_key(m.group(1))}:{status}"] = \
                        STATUS_WEIGHTS.get(status, 0.5)
            filled["biomarkers"] += "biomarker" in f
        if not any(v.startswith("site:") for v in f.get("metastatic", {})):
            sites = {site for s in sentences if _SPREAD.search(s)
                     for word, site in _SITES.items() if word in s.lower()}
            if sites:
                bag = f.setdefault("metastatic", {})
                bag.pop("non-metastatic", None)
                bag["metastatic"] = 1.0
                bag.update({f"site:{s}": 1.0 for s in sorted(sites)})
                filled["metastatic sites"] += 1
        out.append(q)
    return out, dict(filled)
