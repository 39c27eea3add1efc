"""Dated and measured parts of a question: ages, dates, and metastasis sites around their noun.

Ages follow the binding conventions (completed years, inclusive bounds); an age tied to the
diagnosis ("à 50 ans", "diagnosed before 40", "aged 40-49 at diagnosis") goes on the tumour, other
ages make an Age criterion (at diagnosis, or today when the question says "actuellement/currently").
A date attaches to the closest dated thing before it: a diagnosis word or the tumour, a treatment,
an event, a report, a hospital stay.
"""

from __future__ import annotations

from query_compiler.parser import values
from query_compiler.parser.state import Item, State
from query_compiler.parser.terminology.matcher import Mention

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
        metastatic = (
            st.lang == "fr"  # the site right after the adjective; "metastatic lung cancer" is a lung cancer
            and m.kind == "metastatic"
            and (m.value("metastatic") or {}).get("field") == "metastatic"
        )
        if m.kind != "metastasis_noun" and not metastatic:
            continue
        sites: list[str] = []
        last_end = m.end
        for other in mentions[idx + 1 :]:
            if other.kind in ("filler", "and", "or") and "metastasis_site" not in other.categories:
                continue
            if metastatic and not sites and other.start != m.end:
                break  # "cancer métastatique du poumon": the lung is the cancer's own site
            if "metastasis_site" in other.categories and _links(st, last_end, other.start, AFTER_LINKS):
                sites.append(other.value("metastasis_site"))
                used.add(id(other))
                last_end = other.end
                continue
            break
        if metastatic:  # "sarcome d'Ewing métastatique pulmonaire": sites after the adjective only
            if sites:
                out[id(m)] = sites
            continue
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


def metastasis(st: State, m: Mention, sites: list[str], neg: bool) -> None:
    """A metastasis noun with sites around it is an event; alone, the tumour is metastatic."""
    if sites:
        st.items.append(Item("event", fields={"type": "metastasis", "sites": sites}, pos=m.start, neg=neg))
        st.part("event.sites", sites, m.text)
    else:
        tumour = st.tumour(m.start)
        tumour.fields["metastatic"] = not neg
        st.part("tumour.metastatic", not neg, m.text)


def date_mention(st: State, m: Mention, mentions: list[Mention]) -> None:
    start, end = values.date_window(st.term, m.kind, m.groups, st.today)
    target = None
    text = m.groups.get("_match", "")
    if any(w in text for w in ("diagnos", "dx")):
        target = "tumour"
    idx = mentions.index(m)
    for j in range(idx - 1, max(idx - 5, -1), -1):
        if target:
            break
        if id(mentions[j]) in st.ignored:
            continue
        cats = mentions[j].categories
        if "icd10" in cats and any(i.kind == "stay_diagnosis" for i in st.items):
            target = "stay"
        elif cats & {"anchor_dx"} and _event_before(mentions, j):
            target = "event"  # "métastases cérébrales diagnostiquées depuis 2021": the event's date
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
    if target == "text" and not any(i.kind == "text" for i in st.items):
        st.text_dates.append((start, end))  # the terms come later ("reports since 2020 mention ...")
        st.part("text.dates", f"{start or '…'} → {end or '…'}", m.text)
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


def _event_before(mentions: list[Mention], j: int) -> bool:
    """Whether the diagnosis word at ``j`` follows an event ("métastases osseuses diagnostiquées")."""
    for k in range(j - 1, max(j - 4, -1), -1):
        cats = mentions[k].categories
        if cats & {"event", "metastasis_noun", "metastasis_event"}:
            return True
        if not cats & {"metastasis_site", "filler"}:
            return False
    return False


def age(st: State, m: Mention, neg: bool = False) -> None:
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
