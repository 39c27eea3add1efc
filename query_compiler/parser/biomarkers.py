"""Biomarkers: a marker name with the status or alteration around it ("HER2+", "EGFR muté",
"mutation BRAF V600E", "RE et RP positifs", "triple négatif", "PD-L1 ≥ 50%").

Short marker names (RE, RP, RH, ER, PR) mean nothing alone and are only kept with a status.
"RH+" (hormone receptors) is ER positive or PR positive; "BRCA" is BRCA1 or BRCA2.
"""

from __future__ import annotations

import re

from query_compiler.criteria import AnyOf, Biomarker
from query_compiler.parser.state import Item, State
from query_compiler.parser.terminology.matcher import Mention
from retrieval.classifications import genes, histology_groups

ALTERATION = re.compile(r"^(?:[a-z]\d{1,4}(?:[a-z]|del|ins|fs|\*)?|itd|tkd)$")
SYMBOLS = {"gt": ">", "ge": ">=", "lt": "<", "le": "<=", "eq": "="}
VALUE_MARKERS = {"pd": "PD-L1", "pdl1": "PD-L1", "ki": "KI67", "tmb": "TMB"}
SHORT = {"ER", "PR", "HR", "RAS", "RET"}
EXPAND = {
    "HR": ("ER", "PR"),
    "BRCA": ("BRCA1", "BRCA2"),
    "RAS": ("KRAS", "NRAS"),
    "IDH": ("IDH1", "IDH2"),
    "NTRK": ("NTRK1", "NTRK2", "NTRK3"),
}
# Expanded markers read as "any of them" (RH+, BRCA muté, IDH muté, NTRK fusion); a wild-type or negative
# result of a family holds for each of them ("RAS sauvage": KRAS and NRAS wild type).
ANY_OF = {"HR", "BRCA", "RAS", "IDH", "NTRK"}
# What a marker named alone means (retrieval/classifications/genes.tsv, kinds cytogenetic/fusion/virus):
# "del(17p)" is a loss, "BCR-ABL1" and "HPV 16" are found (positive), "gain 1q" an amplification.
DEFAULT_STATUS = {"loss": "loss", "positive": "positive", "gain": "amplified", "codeletion": "loss"}
# Predisposition genes: named alone ("with BRCA2", "porteuses BRCA1") they mean a carried mutation.
GERMLINE = {"BRCA", "BRCA1", "BRCA2"}
GENE_STATUS_LOSS_ONLY: frozenset[str] = frozenset()
# Words between a marker and its result ("TERT promoter mutation", "perte d'expression de SMARCB1").
SKIPPED = {"-", "de", "du", "gene", "of", "the", "statut", "status", "est", "is", "promoter", "promoteur"}
SKIPPED |= {"d", "l"}


def _status_near(st: State, m: Mention) -> tuple[str | None, str | None, list[int]]:
    """Status and alteration after the marker (up to 3 tokens), else a status word just before it."""
    status = alteration = None
    used: list[int] = []
    k = m.end
    while k < min(m.end + 4, len(st.ann.norm.tokens)):
        tok = st.token(k)
        other = st.at.get(k)
        if ALTERATION.match(tok) and not alteration:
            alteration = tok.upper()
            used.append(k)
        elif tok == "exon" and st.token(k + 1).isdigit():
            alteration = f"exon {st.token(k + 1)}"
            used += [k, k + 1]
            k += 1
            if st.token(k + 1) in ("skipping", "saut", "skip"):
                alteration += " skipping"
                used.append(k + 1)
                k += 1
        elif re.fullmatch(r"ex(\d{1,2})", tok):
            alteration = f"exon {tok[2:]}"
            used.append(k)
            if st.token(k + 1) in ("skipping", "saut", "skip"):
                alteration += " skipping"
                used.append(k + 1)
                k += 1
        elif other is not None and "status" in other.categories and status is None:
            toks = st.ann.norm.tokens
            if tok == "-" and other.end == k + 1 and k + 1 < len(toks):
                glued = toks[k].end == toks[k + 1].start and toks[k + 1].text.isalnum()
                if glued:  # a hyphen ("HER2-positive", "FLT3-ITD"), not the sign "negative"
                    k += 1
                    continue
            status = other.value("status")
            used += list(range(other.start, other.end))
            k = other.end
            continue
        elif tok in SKIPPED:
            pass
        else:
            break
        k += 1
    nxt = st.at.get(m.end + 1)
    listed = st.token(m.end) in ("/", "et", "and", ",") and nxt is not None and "marker" in nxt.categories
    if status is None and alteration is None and not listed:  # "ER/PR negative": the status comes after
        first = _list_start(st, m)  # "amplification MDM2 et CDK4": the status before the whole list
        for k in (first - 1, first - 2, first - 3):
            other = st.at.get(k)
            if other is not None and "status" in other.categories and st.token(k) not in ("+", "-"):
                status = other.value("status")
                used += list(range(other.start, other.end))
                break
            if other is not None and other.kind not in ("filler",) and st.token(k) not in ("de", "du", "d"):
                break
    return status, alteration, used


def _list_start(st: State, m: Mention) -> int:
    """First token of a list of bare markers that ends with m ("MDM2 et CDK4", "MLH1, PMS2")."""
    start = m.start
    while True:
        k = start - 1
        while k >= 0 and st.token(k) in (",", "/", "et", "and", "ou", "or"):
            k -= 1
        other = st.at.get(k)
        if k == start - 1 or other is None or "marker" not in other.categories or other.end != k + 1:
            return start
        start = other.start


def _default_status(marker: str) -> str | None:
    info = genes().get(marker)
    if info is None or info["kind"] not in ("cytogenetic", "fusion", "virus"):
        return None
    return next((DEFAULT_STATUS[a] for a in info["alterations"] if a in DEFAULT_STATUS), None)


def _atoms(marker: str, status: str | None, alteration: str | None) -> list[Biomarker]:
    if alteration and status == "mutated":
        status = None
    if marker in ("HER2", "HER 2") and (status == "mutated" or (alteration and "EXON" in alteration.upper())):
        marker = "ERBB2"  # a HER2 mutation is a mutation of the ERBB2 gene; amplification stays HER2
    if marker == "MSI" and status == "loss":
        status = "high"  # "déficience MMR"
    if marker in GENE_STATUS_LOSS_ONLY and status == "negative":
        status = "loss"
    names = EXPAND.get(marker, (marker,))
    return [Biomarker(marker=n, status=status, alteration=alteration) for n in names]


def add_marker(st: State, m: Mention, pending: list[tuple[Mention, list[Biomarker]]]) -> None:
    marker = m.value("marker")
    status, alteration, used = _status_near(st, m)
    text = m.text.strip().lower()
    exon = re.search(r"\bex(?:on)?\s*(\d{1,2})$", text)
    if exon and alteration is None:  # "MET ex14 (skipping)": the exon is in the marker's own words
        alteration = f"exon {exon.group(1)}"
        if st.token(m.end) in ("skipping", "saut", "skip"):
            alteration += " skipping"
            st.covered.add(m.end)
    glued = re.fullmatch(r"h3(?:f3a)?\s*([kg]\d{2,3}[a-z])", text)
    if glued and alteration is None:  # "H3K27M": the marker and its variant written as one word
        alteration = glued.group(1).upper()
    st.covered.update(used)
    if status is None and alteration is None:
        pending.append((m, []))  # may share the status of the next marker ("RE et RP positifs")
        return
    _emit(st, m, marker, status, alteration)


def _emit(st: State, m: Mention, marker: str, status: str | None, alteration: str | None) -> None:
    atoms = _atoms(marker, status, alteration)
    neg = getattr(m, "_neg", False)
    if neg and status == "mutated":
        atoms = [a.model_copy(update={"status": "wild_type"}) for a in atoms]
        neg = False
    together = status in ("wild_type", "negative")  # "RAS sauvage", "BRCA sauvage": each gene is
    if len(atoms) > 1 and marker in ANY_OF and not together and (marker != "HR" or status == "positive"):
        st.items.append(Item("any", pos=m.start, neg=neg, node=AnyOf(items=atoms)))
    else:
        for a in atoms:
            st.items.append(
                Item(
                    "biomarker",
                    fields=a.model_dump(exclude_none=True, exclude={"kind"}),
                    pos=m.start,
                    neg=neg,
                )
            )
    for a in atoms:
        st.part("biomarker", f"{a.marker} {a.alteration or a.status or ''}".strip(), m.text)


def finish_pending(st: State, pending: list[tuple[Mention, list[Biomarker]]]) -> None:
    """Markers without their own status take the status of the next marker in a list ("RE et RP
    positifs"; "BRCA1 ou BRCA2 mutés" is either one); long marker names alone (EGFR, ALK) are kept
    without status; short ones alone (RE, RP) are not understood."""
    for m, _ in pending:
        marker = m.value("marker")
        status, how, later = None, None, None
        for other in st.ann.mentions:
            if other.start >= m.end and "marker" in other.categories and other is not m:
                s, alt, _ = _status_near(st, other)
                how = st.joined(m, other, {"/"})
                if (s or alt) and how is not None:
                    status, later = s, other
                break
        if status is None and marker in SHORT:
            continue
        if status is None and marker in GERMLINE:
            status = "mutated"
        if status is None:
            status = _default_status(marker)
        before = len(st.items)
        _emit(st, m, marker, status, None)
        if later is not None and how == "or":
            mine = st.items[before:]
            theirs = [i for i in st.items[:before] if i.kind == "biomarker" and i.pos == later.start]
            if len(mine) == 1 and len(theirs) == 1 and mine[0].kind == "biomarker":
                st.items.remove(mine[0])
                st.items.remove(theirs[0])
                atoms = [Biomarker(**mine[0].fields), Biomarker(**theirs[0].fields)]
                st.items.append(Item("any", pos=m.start, node=AnyOf(items=atoms)))


def group_or_lists(st: State) -> None:
    """"mutation KRAS, NRAS ou BRAF": markers listed with "ou/or" are any of them, one atom each."""
    marks = sorted((m for m in st.ann.mentions if "marker" in m.categories), key=lambda m: m.start)
    runs, run, ors = [], [marks[0]] if marks else [], False
    for a, b in zip(marks, marks[1:], strict=False):
        between = [st.token(k) for k in range(a.end, b.start)]
        if between and all(t in (",", "/", "ou", "or") for t in between):
            run.append(b)
            ors = ors or any(t in ("ou", "or") for t in between)
            continue
        if len(run) > 1 and ors:
            runs.append(run)
        run, ors = [b], False
    if len(run) > 1 and ors:
        runs.append(run)
    for run in runs:
        starts = {m.start for m in run}
        items = [i for i in st.items if i.pos in starts and i.kind in ("biomarker", "any") and not i.neg]
        atoms = []
        for i in items:
            atoms += list(i.node.items) if i.kind == "any" else [Biomarker(**i.fields)]
        said = {(a.status, a.alteration) for a in atoms if a.status or a.alteration}
        if len(atoms) < 2 or len(said) != 1:
            continue  # mixed results stay as said
        status, alteration = next(iter(said))
        atoms = [a if a.status or a.alteration else a.model_copy(update={"status": status}) for a in atoms]
        for i in items:
            st.items.remove(i)
        st.items.append(Item("any", pos=min(starts), node=AnyOf(items=atoms)))


def add_profile(st: State, m: Mention) -> None:
    for marker, status in m.value("profile"):
        if marker == "HR":
            _emit(st, m, "HR", status, None)
        else:
            _emit(st, m, marker, status, None)


def add_value(st: State, m: Mention, op_kind: str | None) -> None:
    g = m.groups
    key = re.sub(r"[^a-z0-9]", "", g["m"])
    known = [e.value for e in st.term.lookup(g["m"]) if e.category == "marker"]
    if known:
        marker = known[0]
    else:
        marker = "PD-L1" if key.startswith("pd") else VALUE_MARKERS.get(key[:3].rstrip("0123456789"), "KI67")
    symbol = ">=" if "op2" in g else SYMBOLS.get(op_kind or "ge", ">=")
    value = float(g["v"].replace(",", "."))
    st.items.append(Item("biomarker", fields={"marker": marker, "op": symbol, "value": value}, pos=m.start))
    st.part("biomarker", f"{marker} {symbol} {value:g}", m.text)


def _fusion_gene(marker: str) -> bool:
    info = genes().get(marker)
    return bool(info and info["kind"] == "gene" and info["alterations"][:1] == ("fusion",))


def _haematological(st: State) -> bool:
    """A lymphoma or leukaemia is spoken of: ICD-O-3 codes from 959 on, or a group made of them."""
    groups = histology_groups()
    for item in st.items:
        if item.kind != "tumour":
            continue
        codes = list(item.fields.get("histology") or [])
        for g in item.fields.get("histology_group") or []:
            codes += list(groups.get(g, ()))
        if any(c[:3] >= "959" for c in codes):
            return True
    return False


def fusion_status(st: State) -> None:
    """"ALK+", "ROS1 positif", "NTRK+" said of a solid tumour: the fusion was found, which the
    records hold as ``rearranged`` (a "positive" ALK would find none of them). For a lymphoma
    ("ALK-positive anaplastic large cell lymphoma") positive stays: it is the staining."""
    if _haematological(st):
        return

    def fixed(a: Biomarker) -> Biomarker:
        if a.status == "positive" and a.alteration is None and _fusion_gene(a.marker):
            return a.model_copy(update={"status": "rearranged"})
        return a

    for item in st.items:
        if item.kind == "biomarker" and item.fields.get("status") == "positive":
            if _fusion_gene(item.fields.get("marker", "")) and not item.fields.get("alteration"):
                item.fields["status"] = "rearranged"
        elif item.kind == "any" and isinstance(item.node, AnyOf):
            kids = [fixed(a) if isinstance(a, Biomarker) else a for a in item.node.items]
            item.node = AnyOf(items=kids)
