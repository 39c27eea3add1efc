"""Running compiled Criteria on a store, always inside a ``Scope`` (``cohort``): counts, counts per
centre, patient ids and pages of patients with what matched them (``facts``); and storing what a
user keeps: saved queries and frozen cohorts with their set operations (``saved``)."""

from query_compiler.engine.cohort import CohortEngine, MatchedPatient, Page, Scope, completed_years

__all__ = ["CohortEngine", "MatchedPatient", "Page", "Scope", "completed_years"]
