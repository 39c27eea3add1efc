"""Hypothesis strategies for random Criteria trees (compact round trips, differential tests).

Values are drawn from what the data holds (the generator's and ``tests/minidata.py``'s codes,
classes, markers) plus hostile text terms (FTS operators, quotes, SQL, accents, symbols), so a
random tree both matches real patients and probes the safety of the term grammar.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import strategies as st

from query_compiler import criteria as C
from query_compiler.criteria.terms import TermError, parse_term

SITES = [
    "C50",
    "C50.4",
    "C50.9",
    "C34",
    "C34.1",
    "C2",
    "C20",
    "C25",
    "C90",
    "C90.0",
    "C92",
    "C42",
    "C43",
    "C56",
    "C64",
    "C18",
    "C61",
    "C4",
]
MORPH = ["850", "8500/3", "814", "8240/3", "824", "9732/3", "986", "8720/3"]
GROUPS = ["neuroendocrine", "ductal_carcinoma", "adenocarcinoma", "myeloma", "aml", "melanoma", "lymphoma"]
STAGES = ["I", "II", "III", "IIIA", "IV", "A", "B"]
WORDS = [
    "préservation",
    "fertilité",
    "oncofertilité",
    "cryopréservation",
    "ov*",
    "ovocytes",
    "congelés",
    "MIV",
    "réponse",
    "complète",
    "métastase",
    "récidive",
    "progression",
    "la",
    "de",
    "NEAR",
    "NEAR/3",
    "AND",
    "OR",
    "NOT",
    "^",
    "(",
    ")",
    "'",
    '"',
    "*",
    "l’ovocyte",
    "œdème",
    "TNF-α",
    "10²",
    "Ki-67",
    "'; DROP TABLE patients; --",
    "cryo*",
    "embryon",
    "fragment",
    "ovarien",
    "tumorale",
    "hépatique",
    "sein",
    "%",
    "_",
    ":",
    "NEAR/0",
]


def _ok_term(t: str) -> bool:
    try:
        parse_term(t)
        return len(t) <= 200
    except TermError:
        return False


terms = st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join).filter(_ok_term)
dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2024, 12, 31))


def bounds(values: st.SearchStrategy[Any]) -> st.SearchStrategy[tuple[Any, Any]]:
    """(lo, hi) with lo <= hi, either side possibly open, not both."""
    return (
        st.tuples(values, values)
        .map(sorted)
        .flatmap(lambda pair: st.sampled_from([(pair[0], pair[1]), (pair[0], None), (None, pair[1])]))
    )


def _opt(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=fields)


def _with_bounds(
    base: st.SearchStrategy[dict[str, Any]],
    lo: str,
    hi: str,
    values: st.SearchStrategy[Any],
    required: bool = False,
) -> st.SearchStrategy[dict[str, Any]]:
    pick = bounds(values) if required else st.one_of(st.just((None, None)), bounds(values))
    return st.tuples(base, pick).map(lambda t: {**t[0], lo: t[1][0], hi: t[1][1]})


tumour = _with_bounds(
    _with_bounds(
        _opt(
            site=st.lists(st.sampled_from(SITES), min_size=1, max_size=2),
            histology=st.lists(st.sampled_from(MORPH), min_size=1, max_size=2),
            histology_group=st.lists(st.sampled_from(GROUPS), min_size=1, max_size=2),
            laterality=st.sampled_from(["left", "right"]),
            grade=st.lists(st.integers(1, 3), min_size=1, max_size=2),
            stage=st.lists(st.sampled_from(STAGES), min_size=1, max_size=2),
            t=st.lists(st.sampled_from(["T1", "T2", "T1c"]), min_size=1, max_size=1),
            n=st.lists(st.sampled_from(["N0", "N1"]), min_size=1, max_size=1),
            metastatic_at_diagnosis=st.booleans(),
            metastatic=st.booleans(),
            rank=st.sampled_from(["first", "subsequent"]),
        ),
        "age_min",
        "age_max",
        st.integers(20, 90),
    ),
    "diagnosed_from",
    "diagnosed_to",
    dates,
).map(lambda kw: C.Tumour(**kw))

event = _with_bounds(
    st.fixed_dictionaries(
        {"type": st.sampled_from(["metastasis", "local_recurrence", "progression", "relapse"])}
    ),
    "date_from",
    "date_to",
    dates,
).map(lambda kw: C.Event(**kw, sites=[]) if kw["type"] != "metastasis" else C.Event(**kw))

event_sites = st.lists(st.sampled_from(["bone", "liver", "brain", "lung"]), min_size=1, max_size=2).map(
    lambda s: C.Event(type="metastasis", sites=s)
)

biomarker = st.one_of(
    st.builds(
        C.Biomarker,
        marker=st.sampled_from(["HER2", "her2", "ER", "PD-L1", "EGFR"]),
        status=st.sampled_from([None, "positive", "negative", "mutated", "wild_type"]),
    ),
    st.builds(C.Biomarker, marker=st.just("BRAF"), alteration=st.sampled_from(["V600E", "v600e", "V600K"])),
    st.builds(
        C.Biomarker,
        marker=st.sampled_from(["PD-L1", "KI67", "Ki67", "ER"]),
        op=st.sampled_from([">", ">=", "<", "<=", "="]),
        value=st.sampled_from([0, 1, 25, 50, 60.0]),
    ),
)

treatment = _with_bounds(
    _with_bounds(
        _opt(
            classes=st.lists(
                st.sampled_from(
                    [
                        "chemotherapy",
                        "targeted_therapy",
                        "immunotherapy",
                        "hormone_therapy",
                        "cell_therapy",
                        "surgery",
                        "radiotherapy",
                    ]
                ),
                min_size=1,
                max_size=2,
            ),
            drugs=st.lists(
                st.sampled_from(["docetaxel", "pembrolizumab", "melphalan", "autologous_sct", "Osimertinib"]),
                min_size=1,
                max_size=2,
            ),
            atc=st.lists(st.sampled_from(["L01", "L01F", "L01CD02", "L02"]), min_size=1, max_size=1),
            ongoing=st.booleans(),
        ),
        "line_min",
        "line_max",
        st.integers(1, 3),
    ),
    "started_from",
    "started_to",
    dates,
).map(lambda kw: C.Treatment(**kw))

text = _with_bounds(
    _opt(
        doc_types=st.lists(
            st.sampled_from(["consultation", "pathology", "imaging", "letter"]), min_size=1, max_size=2
        ),
        include=st.lists(
            st.sampled_from(["negated", "hypothetical", "family", "history"]),
            min_size=1,
            max_size=2,
            unique=True,
        ),
    ),
    "date_from",
    "date_to",
    dates,
).flatmap(lambda kw: st.lists(terms, min_size=1, max_size=3).map(lambda ts: C.Text(terms=ts, **kw)))

stay = _with_bounds(
    st.fixed_dictionaries(
        {"codes": st.lists(st.sampled_from(SITES + ["C79", "C79.5"]), min_size=1, max_size=2)}
    ),
    "date_from",
    "date_to",
    dates,
).map(lambda kw: C.StayDiagnosis(**kw))

biobank = st.builds(
    C.Biobank,
    sample_types=st.lists(st.sampled_from(["tumour_tissue", "blood", "dna"]), max_size=2),
    conservation=st.lists(st.sampled_from(["frozen", "ffpe"]), max_size=1),
)

age = st.one_of(
    bounds(st.integers(20, 95)).map(lambda b: C.Age(at="diagnosis", min=b[0], max=b[1])),
    bounds(st.integers(20, 95)).map(lambda b: C.Age(at="today", min=b[0], max=b[1])),
    st.tuples(bounds(st.integers(20, 95)), st.sampled_from(["metastasis", "progression"])).map(
        lambda t: C.Age(at="event", event=t[1], min=t[0][0], max=t[0][1])
    ),
)

patient_atoms = st.one_of(
    st.builds(C.Sex, value=st.sampled_from(["F", "M"])),
    st.builds(C.VitalStatus, value=st.sampled_from(["alive", "deceased"])),
    st.builds(
        C.Centre,
        ids=st.lists(st.sampled_from(["C1", "C2", "C3", "CLB", "IGR", "ICM"]), min_size=1, max_size=2),
    ),
    bounds(st.sampled_from([0, 6, 12, 24, 60, 120.5])).map(
        lambda b: C.Survival(min_months=b[0], max_months=b[1])
    ),
    bounds(st.integers(0, 3)).map(lambda b: C.TreatmentLines(min=b[0], max=b[1])),
    age,
)

dated_atoms = st.one_of(tumour, event, event_sites, biomarker, treatment, text, stay, biobank)
atoms = st.one_of(patient_atoms, dated_atoms)

sequence = st.tuples(
    dated_atoms,
    dated_atoms,
    st.sampled_from(["after", "before", "within"]),
    bounds(st.sampled_from([0, 1, 6, 24, 120])),
).map(
    lambda t: C.Sequence(
        first=t[0],
        then=t[1],
        relation=t[2],
        min_months=t[3][0],
        max_months=t[3][1] if t[3][1] is not None or t[2] != "within" else 240,
    )
)


def trees(max_leaves: int = 8) -> st.SearchStrategy[C.Node]:
    return st.recursive(
        st.one_of(atoms, sequence),
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=3).map(lambda items: C.All(items=items)),
            st.lists(inner, min_size=1, max_size=3).map(lambda items: C.AnyOf(items=items)),
            inner.map(lambda item: C.Not(item=item)),
        ),
        max_leaves=max_leaves,
    )
