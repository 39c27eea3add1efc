"""Treatments and time relations.

Treatment words connected by "ou/or" are ONE criterion with several allowed values
("immunothérapie ou thérapie ciblée"); connected by "et/and" they are separate criteria that must
all hold ("hormonothérapie et radiothérapie"). A class followed by one of its drugs
("immunothérapie par pembrolizumab") keeps the drug only. "En cours"/"still on" and "en 2e ligne"
qualify the closest treatment. A time cue between two dated criteria makes a sequence.
"""

from __future__ import annotations

from query_compiler.parser.state import Item, State
from query_compiler.parser.terminology.matcher import Mention

DATED = ("tumour", "treatment", "event", "biomarker")
REDUNDANT = {("tumour", "event"), ("tumour", "treatment")}  # always after a diagnosis anyway
# ... except a second primary cancer "after breast cancer": the first cancer is what it follows.
MEANINGFUL_AFTER_TUMOUR = {"second_primary"}


def collect(st: State, m: Mention, neg: bool) -> None:
    st.tx.append((m, neg))


TREATMENT_KINDS = ("treatment_class", "drug", "drug_group", "drug_family", "regimen")


def _value(m: Mention) -> tuple[str, list[str]]:
    if m.kind == "drug":
        return "drugs", [m.value("drug")]
    if m.kind == "drug_group":
        return "drugs", list(m.value("drug_group"))
    if m.kind == "drug_family":  # "inhibiteur de MEK": the ATC group of the family
        return "atc", [m.value("drug_family")]
    if m.kind == "regimen":
        return "regimen", list(m.value("regimen"))
    value = m.value("treatment_class")
    return "classes", value if isinstance(value, list) else [value]


def _chains(st: State) -> list[list[tuple[Mention, bool, str]]]:
    chains: list[list[tuple[Mention, bool, str]]] = []
    prev: Mention | None = None
    for m, neg in st.tx:
        if m.kind not in TREATMENT_KINDS:
            continue
        how = st.joined(prev, m, set()) if prev is not None else None
        if how is not None and prev is not None and _new_verb(st, prev, m, neg):
            how = None  # "non opéré traité par RT": the negation stops at the next "treated"
        if how is not None and prev is not None and _switched_from(st, prev):
            how = None  # "passé de X à Y": X and Y are two treatments, one after the other
        if how is None:
            chains.append([(m, neg, "")])
        else:
            chains[-1].append((m, neg, how))
        prev = m
    return chains


def _new_verb(st: State, prev: Mention, m: Mention, neg: bool) -> bool:
    """A treatment verb ("traité", "treated") between a negated treatment and an affirmed one
    starts a new criterion: "non opéré traité par RT" is no surgery AND radiotherapy."""
    if neg == getattr(prev, "_neg", False):
        return False
    return any("anchor_tx" in st.at[k].categories for k in range(prev.end, m.start) if k in st.at)


def _tx_mentions(st: State) -> list[Mention]:
    return [m for m, _ in st.tx if m.kind in TREATMENT_KINDS]


def _switched_from(st: State, m: Mention) -> bool:
    """Whether ``m`` is the first treatment named after a switch cue ("switched from imatinib")."""
    for cue in st.switch_cues:
        after = [x for x in _tx_mentions(st) if x.start >= cue]
        if after and after[0] is m:
            return True
    return False


def _switches(st: State) -> None:
    """ "switched from X to Y": a sequence X then Y (the two treatments right after the cue)."""
    for cue in st.switch_cues:
        txs = sorted(
            (i for i in st.items if i.kind == "treatment" and not i.neg and i.pos >= cue), key=lambda i: i.pos
        )
        if len(txs) < 2:
            continue
        first, then = txs[0], txs[1]
        st.items.remove(first)
        st.items.remove(then)
        st.items.append(Item("sequence", fields={"first": first, "then": then}, pos=first.pos))
        st.part("sequence", "treatment → treatment", "")


def _build_chain(st: State, chain: list[tuple[Mention, bool, str]]) -> None:
    neg = chain[0][1]
    # a class right before its own drug: keep the drug ("immunothérapie par pembrolizumab")
    kept = []
    named: dict[int, set[str]] = {}  # "radiochimiothérapie par cisplatine": the chemotherapy is the drug
    for idx, (m, n, how) in enumerate(chain):
        nxt = chain[idx + 1] if idx + 1 < len(chain) else None
        prv = kept[-1] if kept else None
        if m.kind == "treatment_class" and nxt and nxt[0].kind == "drug" and nxt[2] == "":
            drug_class = st.term.drugs.get(nxt[0].value("drug"), {}).get("class")
            if drug_class == m.value("treatment_class"):
                continue
            if isinstance(m.value("treatment_class"), list) and drug_class in m.value("treatment_class"):
                named[id(m)] = {drug_class}
        if m.kind == "treatment_class" and prv and prv[0].kind == "drug" and how == "":
            if st.term.drugs.get(prv[0].value("drug"), {}).get("class") == m.value("treatment_class"):
                continue
        kept.append((m, n, how))
    joined_or = not any(how == "and" for _, _, how in kept[1:])
    current: Item | None = None
    for m, _, _how in kept:
        field, vals = _value(m)
        together = len(vals) > 1
        vals = [v for v in vals if v not in named.get(id(m), set())]
        if together and field in ("classes", "regimen"):  # radiochimio, FOLFOX: given together
            name = "drugs" if field == "regimen" else field
            for v in vals:
                st.items.append(Item("treatment", fields={name: [v]}, pos=m.start, neg=neg))
            st.part("treatment.classes", vals, m.text)
            current = None
            continue
        if current is None or not joined_or:
            current = Item("treatment", pos=m.start, neg=neg)
            st.items.append(current)
        current.add(field, vals)
        st.part(f"treatment.{field}", vals, m.text)


def _nearest_treatment(st: State, pos: int) -> Item:
    txs = [i for i in st.items if i.kind == "treatment" and not i.neg]
    before = [i for i in txs if i.pos < pos]
    if before:
        return max(before, key=lambda i: i.pos)
    if txs:
        return min(txs, key=lambda i: i.pos)
    item = Item("treatment", pos=pos)
    st.items.append(item)
    return item


def _during(st: State) -> None:
    """ "progression sous osimertinib": the event came after the treatment started."""
    for event in [i for i in st.items if i.kind == "event" and not i.neg]:
        start = st.at[event.pos].end if event.pos in st.at else event.pos + 1
        for tx in sorted(
            (i for i in st.items if i.kind == "treatment" and not i.neg and i.pos >= start),
            key=lambda i: i.pos,
        )[:1]:
            words = st.between(start, tx.pos)
            cues = [
                w
                for w in words
                if "seq_during"
                in (st.at[start + words.index(w)].categories if start + words.index(w) in st.at else set())
            ]
            if cues and len(words) <= 3 and event in st.items and tx in st.items:
                st.items.remove(event)
                st.items.remove(tx)
                st.items.append(Item("sequence", fields={"first": tx, "then": event}, pos=event.pos))
                st.part("sequence", "treatment → event", "")


def _together(st: State, item: Item) -> list[Item]:
    """The drugs of one regimen (FOLFOX in first line: every drug of it is first line)."""
    return [i for i in st.items if i.kind == "treatment" and i.pos == item.pos and i.neg == item.neg]


FOR_WORDS = {"for", "pour", "of", "de", "du", "d", "un", "une", "a", "an", "the", "le", "la", "l", "des"}
FOR_WORDS |= {"its", "cancer", "cancers", "k", "pelvic", "pelvienne"}


def _treated_tumour(st: State, item: Item, after: list[Item]) -> Item | None:
    """The tumour a treatment was given for, named right after it ("radiotherapy for prostate cancer")."""
    if item.kind != "treatment":
        return None
    later = [i for i in after if i.pos > item.pos]
    tumour = min(later, key=lambda i: i.pos, default=None)
    if tumour is None or tumour.kind != "tumour":
        return None
    between = [t for t in st.between(item.pos + 1, tumour.pos) if t not in ("(", ")", ",")]
    if between and all(t in FOR_WORDS for t in between):
        if any(t in ("for", "pour", "of", "de", "du", "d") for t in between):
            return tumour
    return None


def _sequences(st: State) -> None:
    for pos, direction in st.seq_cues:
        dated = [i for i in st.items if i.kind in DATED and not i.neg]
        before = [i for i in dated if i.pos < pos]
        after = [i for i in dated if i.pos > pos]
        if not before or not after:
            continue
        a, b = max(before, key=lambda i: i.pos), min(after, key=lambda i: i.pos)
        if a.kind == "tumour" and b.kind != "tumour":  # "récidive d'un glioblastome après radiothérapie"
            a = max((i for i in before if i.kind != "tumour"), key=lambda i: i.pos, default=a)
        treated = _treated_tumour(st, b, after)
        if direction == "backward" and a.kind == "tumour" and treated is not None:
            b = treated  # "LAM après la chimiothérapie d'un cancer du sein": the sequence is cancer → cancer
        first, then = (a, b) if direction == "forward" else (b, a)
        redundant = (first.kind, then.kind) in REDUNDANT and then.fields.get(
            "type"
        ) not in MEANINGFUL_AFTER_TUMOUR
        if redundant or first is then or (first.kind, then.kind) == ("biomarker", "biomarker"):
            continue
        st.items.remove(a)
        st.items.remove(b)
        st.items.append(Item("sequence", fields={"first": first, "then": then}, pos=min(a.pos, b.pos)))
        st.part("sequence", f"{first.kind} → {then.kind}", "")


def finish(st: State) -> None:
    for chain in _chains(st):
        _build_chain(st, chain)
    for m, _ in st.tx:
        if m.kind == "ongoing":
            for item in _together(st, _nearest_treatment(st, m.start)):
                item.fields["ongoing"] = True
            st.part("treatment.ongoing", True, m.text)
        elif m.kind == "lines_number":
            g = m.groups
            n = st.term.ordinals.get(g["ord"].strip(), 1) if "ord" in g else int(st.term.number(g["n"]) or 1)
            for item in _together(st, _nearest_treatment(st, m.start)):
                item.fields["line_min"] = n
                if not g.get("more"):
                    item.fields["line_max"] = n
            st.part("treatment.line", n, m.text)
    for pos, start, end, text in st.pending_dates:
        item = _nearest_treatment(st, pos)
        if start:
            item.fields["started_from"] = start
        if end:
            item.fields["started_to"] = end
        st.part("treatment.dates", f"{start or '…'} → {end or '…'}", text)
    _switches(st)
    _during(st)
    _sequences(st)
