"""The one place where similar-patient defaults live (``COHORT_SIMILAR_*`` environment variables).

Every value here was chosen by ``cohort eval similar`` (see eval/similar.py and the README section):
on a 1,000-patient generated corpus the structured part alone reaches precision@10 0.96, text alone
0.65 (MiniLM) / 0.67 (e5), and combined vectors are best at a structured weight of 0.9 (equal to the
structured part, never better: the relevance key is itself structured); e5 is the default text model
because it keeps French and English cases in one space (MiniLM's English case texts against French
summaries fall to 0.31 text-only), at ~7-12x MiniLM's embedding cost.

Re-measured with facts read from the reports (report_facts.py): on a complete store the combined vector
equals the coded part (0.928 on the seed-12 corpus); with 30 % of the facts the reports state left
uncoded, coded facts alone fall to 0.824 and the index's vector (coded + report facts + 10 % e5) keeps
0.908. The embedding moves precision by at most 0.002 there; the facts read from reports do the work.

A centre that re-runs the evaluation on its own data changes them here, never in code. An index
records the values it was built with in its metadata, so a search always uses the weights and the
model of the index it reads; ``cohort index update`` keeps them, ``cohort index rebuild`` applies
the current settings.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# Relative weight of each group of structured facts. A group's features share its weight (the group
# part of the vector has norm = weight), so a patient with five drugs does not outweigh the tumour site.
GROUP_WEIGHTS: dict[str, float] = {
    "site": 3.0,          # ICD-10 3-character category (C50, C34...)
    "histology": 2.0,     # histology group (adenocarcinoma, neuroendocrine, myeloma...)
    "morphology": 1.0,    # ICD-O-3 morphology, 4 digits (8140)
    "stage": 2.0,         # stage group: I-II, III, IV, haematological
    "tnm": 0.7,           # T, N, M categories without sub-letters
    "grade": 0.5,
    "metastatic": 1.0,    # metastatic at diagnosis or later, and metastatic sites
    "biomarker": 2.0,     # marker + status (EGFR mutated, HER2 positive)
    "alteration": 1.0,    # marker + alteration (BRAF V600E)
    "treatment": 1.0,     # treatment classes
    "drug": 1.0,          # drug names
    "lines": 0.5,         # number of systemic lines (0, 1, 2, 3+)
    "event": 0.7,         # progression, local recurrence, relapse, second primary
    "age": 0.7,           # age at first diagnosis, two overlapping 10-year grids
    "sex": 0.5,
}


class SimilarSettings(BaseSettings):
    """Defaults of the similar-patient index, overridable per deployment."""

    model_config = SettingsConfigDict(env_prefix="COHORT_SIMILAR_", extra="ignore")

    text_model: str = Field(
        "e5", description="Encoder for the text part: 'minilm', 'e5', 'none' (structured only), or a folder."
    )
    summary: str = Field("facts", description="Per-patient text: facts, reports, mentions, findings.")
    structured_weight: float = Field(
        0.9, ge=0.0, le=1.0,
        description="Share of the structured part in the score (score = w*cos_struct + (1-w)*cos_text).",
    )
    report_facts: bool = Field(
        True, description="Complete a patient's missing coded histology, biomarkers and metastatic sites "
        "with what the reports say (retrieval/similar/report_facts.py).",
    )
    case_text: str = Field(
        "both", description="Text part of a typed case: 'raw' words, 'facts' (parsed facts), 'both'."
    )
    hnsw_threshold: int = Field(20000, description="Above this many patients the index is HNSW, else exact.")
    hnsw_m: int = 32
    hnsw_ef_construction: int = 80
    hnsw_ef_search: int = 128
    index_dir: str = Field("", description="Where the index lives; empty means '<db>.faiss/' beside SQLite.")
    batch_size: int = 64


@lru_cache(maxsize=1)
def get_similar_settings() -> SimilarSettings:
    return SimilarSettings()
