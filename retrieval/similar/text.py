"""The text part of a patient vector: one short text per patient, embedded once.

Three ways to write that text, compared by ``cohort eval similar`` (the default is in config.py):

- ``facts``: a sentence written from the patient's structured facts in French ("Femme, 50-59 ans.
  Tumeur : poumon (C34), adénocarcinome, stade IV..."). Cheap, identical for any centre, and it puts
  a typed case (French or English) and a stored patient in the same space.
- ``reports``: the opening of the patient's most synthetic report (the latest multidisciplinary
  meeting, else pathology, consultation, letter...), cut to what the encoder reads (~1,500 chars).
- ``mentions``: the patient's affirmed report passages that carry an annotated concept (segments
  with no negation/hypothesis/family/history flag holding an affirmed mention), in date order.
- ``findings``: report sentences grouped as tumour / spread / biomarker results / course, affirmed,
  deduplicated, in a fixed order (retrieval/similar/findings.py): what the reports say even when
  the coded tables miss it.

Only ONE text per patient is embedded, whatever the strategy: at 100k patients a per-document
embedding would cost hours on 2 cores (e5 ~25 texts/s, MiniLM ~300/s), one text per patient costs
100k texts, and identical texts (frequent with ``facts``) are embedded once.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from retrieval.embeddings import get_encoder
from retrieval.similar.facts import Facts, PatientInfo
from retrieval.similar.findings import findings_texts
from retrieval.similar.labels import fact_label
from retrieval.store import Store, batches, bind_in

STRATEGIES = ("facts", "reports", "mentions", "findings")
MAX_CHARS = 1500
REPORT_PRIORITY = ("mdt", "pathology", "consultation", "letter", "imaging", "operative")
_ORDER = ("sex", "age", "site", "histology", "stage", "tnm", "grade", "metastatic", "biomarker",
          "alteration", "treatment", "drug", "lines", "event")
_HEADS_FR = {"metastatic": "Extension", "biomarker": "Biomarqueurs", "alteration": "Altérations",
             "treatment": "Traitements", "drug": "Médicaments", "event": "Évènements"}
_HEADS_EN = {"metastatic": "Spread", "biomarker": "Biomarkers", "alteration": "Alterations",
             "treatment": "Treatments", "drug": "Drugs", "event": "Events"}


def _values(bag: dict[str, float]) -> list[str]:
    return [v for v, _ in sorted(bag.items(), key=lambda kv: (-kv[1], kv[0]))]


def facts_text(facts: Facts, lang: str = "fr") -> str:
    """The structured facts as plain sentences (also used for a typed case, so both sides match)."""
    parts: list[str] = []
    who = [fact_label("sex", v, lang) for v in _values(facts.get("sex", {}))]
    ages = [v for v in _values(facts.get("age", {})) if not v.endswith("~")]
    who += [fact_label("age", v, lang) for v in ages[:1]]
    if who:
        parts.append(", ".join(who).capitalize() + ".")
    tumour = [fact_label(g, v, lang) for g in ("site", "histology", "stage", "tnm", "grade")
              for v in _values(facts.get(g, {}))]
    if tumour:
        parts.append(("Tumeur : " if lang == "fr" else "Tumour: ") + ", ".join(tumour) + ".")
    heads = _HEADS_FR if lang == "fr" else _HEADS_EN
    for group in ("metastatic", "biomarker", "alteration", "treatment", "drug", "event"):
        vals = [fact_label(group, v, lang) for v in _values(facts.get(group, {}))]
        if vals:
            parts.append(f"{heads[group]} : " + ", ".join(vals) + ".")
    for v in _values(facts.get("lines", {})):
        parts.append(fact_label("lines", v, lang) + ".")
    return " ".join(parts)


def _report_texts(store: Store, ids: list[int]) -> dict[int, str]:
    rank = {t: i for i, t in enumerate(REPORT_PRIORITY)}
    best: dict[int, tuple] = {}
    for chunk in batches(ids, 900):
        marks, names = bind_in(chunk)
        for r in store.query(f"SELECT patient_id, type, date, id, text FROM documents "
                             f"WHERE patient_id IN ({marks})", names):
            key = (rank.get(r["type"], len(rank)), _neg_date(r["date"]), r["id"])
            if r["patient_id"] not in best or key < best[r["patient_id"]][0]:
                best[r["patient_id"]] = (key, r["text"] or "")
    return {pid: " ".join(v[1].split())[:MAX_CHARS] for pid, v in best.items()}


def _mention_texts(store: Store, ids: list[int]) -> dict[int, str]:
    out: dict[int, list[str]] = defaultdict(list)
    for chunk in batches(ids, 900):
        marks, names = bind_in(chunk)
        rows = store.query(
            "SELECT s.patient_id, s.text FROM segments s JOIN documents d ON d.id = s.document_id "
            f"WHERE s.patient_id IN ({marks}) AND s.negated = 0 AND s.hypothetical = 0 AND s.family = 0 "
            "AND s.history = 0 AND EXISTS (SELECT 1 FROM mentions m WHERE m.document_id = s.document_id "
            "AND m.start_char >= s.start_char AND m.end_char <= s.end_char AND m.negated = 0 "
            "AND m.hypothetical = 0 AND m.family = 0 AND m.history = 0) "
            "ORDER BY s.patient_id, d.date, s.document_id, s.start_char",
            names,
        )
        for r in rows:
            text = " ".join((r["text"] or "").split())
            seen = out[r["patient_id"]]
            if text and text not in seen and sum(len(s) + 1 for s in seen) < MAX_CHARS:
                seen.append(text)
    return {pid: " ".join(v)[:MAX_CHARS] for pid, v in out.items()}


def summaries(store: Store, patients: list[PatientInfo], strategy: str) -> list[str]:
    """One text per patient, in the order given; a patient without reports falls back to its facts."""
    if strategy not in STRATEGIES:
        raise ValueError(f"Unknown summary strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}.")
    ids = [p.patient_id for p in patients]
    extra: dict[int, str] = {}
    if strategy == "reports":
        extra = _report_texts(store, ids)
    elif strategy == "mentions":
        extra = _mention_texts(store, ids)
    elif strategy == "findings":
        extra = findings_texts(store, ids)
    return [extra.get(p.patient_id) or facts_text(p.facts) for p in patients]


def embed(texts: list[str], model: str, batch_size: int = 64) -> np.ndarray:
    """Normalised embeddings; identical texts are embedded once. The 'query' prefix is used on both
    sides because patient-to-patient likeness is a symmetric task (e5's recommendation)."""

    encoder = get_encoder(model)
    unique = sorted(set(texts))
    where = {t: i for i, t in enumerate(unique)}
    vecs = encoder.encode(unique, kind="query", batch_size=batch_size) if unique else \
        np.zeros((0, encoder.dim), dtype=np.float32)
    if not texts:
        return np.zeros((0, encoder.dim), dtype=np.float32)
    return np.ascontiguousarray(vecs[[where[t] for t in texts]], dtype=np.float32)


def model_dim(model: str) -> int:

    return int(get_encoder(model).dim)


def _neg_date(d: str | None) -> str:
    """Sort key so that the LATEST date comes first in an ascending sort."""
    return "".join(chr(0x10FFFF - ord(c)) for c in (d or ""))

