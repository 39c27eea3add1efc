"""Similar-patient search: patient vectors (weighted structured facts + a sentence embedding of one
text per patient) in a FAISS index beside the store, searched from a patient or a typed case,
with filters (centre rights, opposition, vital status) and explanations.

Entry points (see the modules for the why):

- ``update_index(store)`` after ingestion; ``build_index(store)`` to rebuild;
- ``similar_to_patient(store, patient_id, k, Filters(centre_ids=...))``;
- ``similar_to_case(store, facts, text, k, filters)``, facts compiled from a case's Criteria by
  ``query_compiler.compiler.similar``.

Results carry store ids: only the privacy layer (``privacy.governed``) shows them, as pseudonyms.
"""

from __future__ import annotations

from retrieval.similar.build import IndexReport, build_index, default_spec, update_index
from retrieval.similar.search import (
    Filters,
    Neighbour,
    SimilarResult,
    open_index,
    similar_to_case,
    similar_to_patient,
)

__all__ = [
    "Filters", "IndexReport", "Neighbour", "SimilarResult", "build_index", "default_spec", "open_index",
    "similar_to_case", "similar_to_patient", "update_index",
]
