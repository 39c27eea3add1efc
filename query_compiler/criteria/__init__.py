"""The contract between the parser, the referent, the compiler and the chat: the Criteria model
(``model``), its codes (``codes``), the text-term grammar (``terms``) and the compact text form
a referent reads and edits (``compact``). Data only: nothing here knows SQL or a store."""

from query_compiler.criteria.model import (
    AGE_LIMIT,
    ATOM_TYPES,
    DATED_KINDS,
    MAX_ATOMS,
    MAX_DEPTH,
    NODE_TYPES,
    Age,
    All,
    AnyOf,
    Atom,
    Biobank,
    Biomarker,
    Centre,
    Comparator,
    Criteria,
    CriteriaError,
    CriteriaNode,
    Event,
    Node,
    Not,
    Sequence,
    Sex,
    StayDiagnosis,
    Survival,
    Text,
    Treatment,
    TreatmentLines,
    Tumour,
    VitalStatus,
    iter_nodes,
    json_schema,
    parse_criteria,
    to_dict,
    to_json,
)

__all__ = [
    "AGE_LIMIT", "ATOM_TYPES", "DATED_KINDS", "MAX_ATOMS", "MAX_DEPTH", "NODE_TYPES", "Age", "All", "AnyOf",
    "Atom", "Biobank", "Biomarker", "Centre", "Comparator", "Criteria", "CriteriaError", "CriteriaNode",
    "Event", "Node", "Not", "Sequence", "Sex", "StayDiagnosis", "Survival", "Text", "Treatment",
    "TreatmentLines", "Tumour", "VitalStatus", "iter_nodes", "json_schema", "parse_criteria", "to_dict",
    "to_json",
]
