"""Facts read back from a patient's REPORTS where the coded tables are silent.

Why: a centre codes only part of what its reports say. Biomarker results, metastatic sites and the
exact histology often live only in pathology, molecular and imaging reports. Measured with
``cohort eval similar --drop-structured`` (eval/similar.py): adding an embedding of the report text
to the vector does not make up for a missing code (one text cosine cannot tell which group is
missing), while reading the missing facts back from the reports into the structured part recovers
most of the loss. So the text of the reports enters the vector twice: as the facts read here, and as
the embedding of the ``findings`` summary (text.py).

What is read, only for a group the coded tables leave EMPTY for that patient (a coded fact is never
overridden), from the sentences of ``findings.findings_texts`` (affirmed sentences only: negated,
hypothetical, family and history mentions are already left out there):

- histology and morphology: an ICD-O-3 morphology code named in a report ("(ICD-O-3 8140/3)",
  "8500/3"), mapped to a histology group by the centre's own coded tumours (the most frequent group
  for that code), else by the named ICD-O-3 groups (retrieval/classifications/histology_groups.yaml);
- biomarkers: result lines read as statuses by findings.marker_words ("EGFR muté exon19del",
  "ER positif (RE 80 %)", "HER2 négatif (HER2 1+)");
- metastatic sites: "métastases / lésions / localisations secondaires" sentences with a site adjective
  ("hépatiques", "osseuses", "cérébrales"...).

Every value read this way is remembered in ``PatientInfo.from_reports``, so an explanation can say
that it came from a report and not from the coded record.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from retrieval.classifications import morphology_group
from retrieval.similar.facts import STATUS_WEIGHTS, Facts, PatientInfo, load_patients, marker_key
from retrieval.similar.findings import findings_texts
from retrieval.store import Store, batches, bind_in

READ_GROUPS = ("histology", "morphology", "biomarker", "metastatic")
_ICDO = re.compile(r"(?<![\d/])([89]\d{3})/[0-9](?!\d)")  # ICD-O-3 morphology codes are 8000-9999
# The status words written by findings.marker_words (labels.fact_label, French).
_STATUS = {"positif": "positive", "négatif": "negative", "muté": "mutated", "sauvage": "wild_type",
           "réarrangé": "rearranged", "amplifié": "amplified", "élevé": "high", "bas": "low"}
_LINE = re.compile(r"^(\S+) (" + "|".join(_STATUS) + r")\b")
_SPREAD = re.compile(r"métasta|secondaire|metasta|secondary", re.IGNORECASE)
# Site adjectives and nouns (French and English) -> the metastasis sites of retrieval/vocab.py.
_SITES = (("hépatique", "liver"), ("foie", "liver"), ("liver", "liver"), ("hepatic", "liver"),
          ("osseu", "bone"), ("bone", "bone"), ("pulmonaire", "lung"), ("lung", "lung"),
          ("cérébra", "brain"), ("brain", "brain"), ("pleura", "pleura"), ("péritonéa", "peritoneum"),
          ("periton", "peritoneum"), ("ganglionnaire", "lymph_node"), ("lymph node", "lymph_node"),
          ("nodal", "lymph_node"), ("surrénal", "adrenal"), ("adrenal", "adrenal"), ("cutané", "skin"),
          ("skin", "skin"))


_CODED: dict[tuple[str, int, int], dict[str, str]] = {}


def _coded_groups(store: Store) -> dict[str, str]:
    """The centre's own reading of each morphology code: its most frequent coded histology group.

    Kept per store until a tumour row is added or removed (the key holds the count and the last id),
    because a search reads it for every answer and the scan is over all tumours."""
    row = store.query("SELECT COUNT(*) AS n, MAX(id) AS last FROM tumours")[0]
    key = (str(store.url), int(row["n"] or 0), int(row["last"] or 0))
    if key in _CODED:
        return _CODED[key]
    by: dict[str, Counter] = defaultdict(Counter)
    for r in store.query("SELECT morphology, histology_group FROM tumours "
                         "WHERE morphology IS NOT NULL AND histology_group IS NOT NULL"):
        code = re.sub(r"\D", "", str(r["morphology"]).split("/")[0])[:4]
        if len(code) == 4:
            by[code][r["histology_group"]] += 1
    _CODED.clear()  # one store per process in practice; never let the cache grow
    _CODED[key] = {code: c.most_common(1)[0][0] for code, c in by.items()}
    return _CODED[key]


def histology_of(code: str, coded: dict[str, str]) -> str | None:
    if code in coded:
        return coded[code]
    return morphology_group(code)


def read_facts(sentences: Iterable[str], coded: dict[str, str]) -> Facts:
    """The facts the findings sentences of one patient state (before any merge with coded facts)."""
    facts: Facts = {}
    for s in sentences:
        m = _ICDO.search(s)
        if m and "histology" not in facts:
            group = histology_of(m.group(1), coded)
            if group:
                facts["histology"] = {group: 1.0}
                facts["morphology"] = {m.group(1): 1.0}
        m = _LINE.match(s)
        if m:
            status = _STATUS[m.group(2)]
            bag = facts.setdefault("biomarker", {})
            key = f"{marker_key(m.group(1))}:{status}"
            bag[key] = max(bag.get(key, 0.0), STATUS_WEIGHTS.get(status, 0.5))
        if _SPREAD.search(s):
            low = s.lower()
            sites = {site for word, site in _SITES if word in low}
            if sites:
                bag = facts.setdefault("metastatic", {"metastatic": 1.0})
                bag.update({f"site:{site}": 1.0 for site in sites})
    return facts


def facts_from_reports(store: Store, ids: Iterable[int]) -> dict[int, Facts]:
    """What each patient's reports state, on its own (the "report facts only" row of the evaluation)."""
    texts = findings_texts(store, sorted({int(i) for i in ids}))
    coded = _coded_groups(store) if texts else {}
    return {pid: read_facts(text.split(". "), coded) for pid, text in texts.items() if text}


def _affirmed_metastasis(store: Store, ids: list[int]) -> set[int]:
    """Patients among ``ids`` with an affirmed metastasis mention (no negation, hypothesis, family)."""
    out: set[int] = set()
    for chunk in batches(ids):
        marks, names = bind_in(chunk)
        # through documents (indexed by patient) and mentions (indexed by document): at 10 M documents a
        # scan of every metastasis mention would cost more than the reading it saves
        rows = store.query(
            "SELECT DISTINCT d.patient_id FROM documents d JOIN mentions m ON m.document_id = d.id "
            f"WHERE d.patient_id IN ({marks}) AND m.concept = 'metastasis' AND m.negated = 0 "
            "AND m.hypothetical = 0 AND m.family = 0", names)
        out.update(int(r["patient_id"]) for r in rows)
    return out


def complete_from_reports(store: Store, patients: list[PatientInfo]) -> Counter:
    """Fill, in place, the groups the coded tables leave empty with what the reports say; returns how
    many patients got each group."""
    # only patients with a coded tumour and an empty group have anything to gain from their reports; for
    # metastatic sites, only those whose reports affirm a metastasis at all (one indexed query)
    tumoural = [p for p in patients if "site" in p.facts]
    no_site = [p.patient_id for p in tumoural
               if not any(v.startswith("site:") for v in p.facts.get("metastatic", {}))]
    spread = _affirmed_metastasis(store, no_site)
    needs = [p.patient_id for p in tumoural
             if "histology" not in p.facts or "biomarker" not in p.facts or p.patient_id in spread]
    read_all = facts_from_reports(store, needs) if needs else {}
    filled: Counter = Counter()
    for p in patients:
        read = read_all.get(p.patient_id)
        f = p.facts
        if not read or "site" not in f:
            continue  # no report, or no coded tumour to attach report facts to
        for group in ("histology", "morphology", "biomarker"):
            if group in read and group not in f:
                f[group] = dict(read[group])
                p.from_reports[group] = sorted(read[group])
                filled[group] += 1
        sites = {v for v in read.get("metastatic", {}) if v.startswith("site:")}
        if sites and not any(v.startswith("site:") for v in f.get("metastatic", {})):
            bag = f.setdefault("metastatic", {})
            bag.pop("non-metastatic", None)
            bag["metastatic"] = max(bag.get("metastatic", 0.0), 1.0)
            bag.update({s: 1.0 for s in sites})
            p.from_reports["metastatic"] = sorted(sites)
            filled["metastatic sites"] += 1
    return filled


def patient_facts(store: Store, ids: Iterable[int], from_reports: bool) -> list[PatientInfo]:
    """Patients' coded facts, completed from their reports when the index was built that way."""
    patients = list(load_patients(store, ids))
    if from_reports:
        complete_from_reports(store, patients)
    return patients
