"""A pasted case narrative (consultation letter, RCP summary, discharge summary) → the facts of THIS patient.

A cohort question and a case letter are read differently: a question asks for a population, a letter
tells one patient's story, with relatives' cancers, negated findings, proposed treatments and organs
that are not the cancer. So a case is read clause by clause:

1. the annotator (``retrieval.ingest.annotate``: negation, hypothesis, family, history, the same scopes
   the text search uses) and a few English and planning cues mark what is not a fact of the patient:
   negated, hypothetical and family words are blanked out; history is kept (a past cancer is a fact);
   a proposed or discussed treatment is not one;
2. each clause goes through the terminology rules of the parser (no LLM, no refusal: a letter holds
   names, and nothing here is searched);
3. the atoms are merged into the facts of one patient: one tumour per cancer (a site is kept only in a
   clause that speaks of a cancer, so "proximity to the trachea" or "amyloid in the bladder" is not a
   site), biomarkers with their polarity ("RE 90 %" is ER positive, "HER2 2+ FISH non amplifié" HER2
   negative), metastatic only from distant metastases (lymph nodes are N, not M), one atom per drug;
4. what was not used is reported as a short list of words, not fragments.

>>> r = read_case("Mme D., 58 ans, carcinome canalaire infiltrant du sein gauche, RE 90 %, RP 0 %, HER2 2+ "
...               "FISH non amplifiée. Sa mère a eu un cancer de l'ovaire. Pas de métastase à distance.")
>>> sorted(a["marker"] + ":" + a["status"] for a in r.facts if a["kind"] == "biomarker")
['ER:positive', 'HER2:negative', 'PR:negative']
>>> [(a.get("site"), a.get("laterality"), a.get("metastatic")) for a in r.facts if a["kind"] == "tumour"]
[(['C50'], 'left', False)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from query_compiler.criteria import All, AnyOf, Node, Not, Sequence, parse_criteria, to_dict
from query_compiler.parser.assemble import assemble
from query_compiler.parser.build import build
from query_compiler.parser.case_cues import (
    _AGE_AFTER_NAME,
    _ANOTHER,
    _BENIGN,
    _CANCER,
    _CLAUSE,
    _COMPANIONS,
    _DENIED_METASTASIS,
    _EXON_VARIANT,
    _FAMILY,
    _GIVEN,
    _GRADE_WORDS,
    _HAEM_FROM,
    _HER2_SCORE,
    _INVOLVEMENT,
    _ISH_NEG,
    _ISH_POS,
    _KI67,
    _LOSS,
    _M_CATEGORY,
    _NEGATED,
    _NEGATED_GENES,
    _NODES,
    _NOT_TUMOUR_STAGE,
    _PDL1,
    _PLANNED,
    _PRE_NEGATION,
    _PRONOUN_F,
    _PRONOUN_M,
    _RECEPTOR,
    _RECEPTOR_PCT,
    _RELATIVE_CANCER,
    _RESULT_WORD,
    _SALUTATION,
    _SAME_DRUG,
    _SBR,
    _STAGE,
    _STOP,
    _SUBTYPE,
    _TEAM,
    _TITLE_F,
    _TITLE_M,
    _YP_TNM,
)
from query_compiler.parser.core import detect_language
from query_compiler.parser.state import State
from query_compiler.parser.terminology import get_terminology
from query_compiler.parser.terminology.matcher import annotate
from retrieval.classifications import expand_histology, genes, implied_site


@dataclass
class CaseReading:
    """What a case says about the patient: Criteria atoms (one per fact group), and the words not used."""

    criteria: Node | None
    facts: list[dict[str, Any]] = field(default_factory=list)
    not_used: list[str] = field(default_factory=list)
    language: str = "fr"


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for a, b in spans:
        for i in range(max(0, a), min(len(chars), b)):
            chars[i] = " "
    return "".join(chars)


def _history_spans(text: str) -> list[tuple[int, int]]:
    from retrieval.ingest.annotate import annotate_texts

    return [(s.start, s.end) for s in annotate_texts([text])[0].segments if s.history]


def _qualified_spans(text: str) -> list[tuple[int, int]]:
    """Character spans the annotator marks negated, hypothetical or about a relative."""
    from retrieval.ingest.annotate import annotate_texts

    ann = annotate_texts([text])[0]
    out = []
    for s in ann.segments:
        if s.family:
            out.append((s.start, s.end))
        elif s.negated or s.hypothetical:
            first_word = re.match(r"\S*", text[s.start : s.end]).group(0)
            before = text[max(0, s.start - 25) : s.start] + first_word
            result_word = re.search(r"type\s+non\s*$", before[:25], re.I)  # "de type non spécifique"
            result_word = result_word or _RESULT_WORD.match(first_word)  # "ALK non réarrangé": a result
            if s.negated and (not _PRE_NEGATION.search(before) or result_word):
                continue  # "triple négatif", "de type non spécifique": a result, not a negated finding
            end = min(s.end, s.start + 60)
            stop = re.search(r"[.;:](?:\s|$)", text[s.start : end])
            out.append((s.start, s.start + stop.start() if stop else end))
    return out


def _clauses(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for piece in _CLAUSE.split(text):
        if piece is None:
            continue
        start = text.find(piece, pos)
        if piece.strip():
            out.append((start, piece))
            pos = start + len(piece)
    return out


def _items(clause: str, lang: str) -> tuple[list[Any], State]:
    ann = annotate(clause, get_terminology())
    # a letter's typos are rarer than its words; "high-grade" is not a numeric grade (eval/cases/README.md)
    ann.mentions = [m for m in ann.mentions if not m.fuzzy and m.value("grade_word") is None]
    # after neoadjuvant treatment the clinical TNM is the patient's (eval/cases/README.md): ypTNM is read last
    ann.mentions = [m for m in ann.mentions if not (m.kind == "tnm" and m.text.lower().startswith("y"))]
    st = State(ann, get_terminology(), date.today(), lang)
    build(st)
    criteria, _ = assemble(st.items)
    if criteria is None:
        return [], st
    return _walk(criteria), st


def _walk(node: Node) -> list[Node]:
    if isinstance(node, (All, AnyOf)):
        return [a for item in node.items for a in _walk(item)]
    if isinstance(node, Sequence):
        return _walk(node.first) + _walk(node.then)
    if isinstance(node, Not):
        return []
    return [node]


# Organs without a side: a "right colon" or a "left liver" gives no laterality (eval/cases/README.md).
_UNPAIRED = frozenset(
    "C15 C16 C17 C18 C19 C20 C21 C22 C23 C24 C25 C26 C51 C52 C53 C54 C55 C58 C60 C61 C67 C80".split()
)


def _haem(data: dict[str, Any]) -> bool | None:
    codes = expand_histology(data.get("histology", []), data.get("histology_group", []))
    return None if not codes else all(c[:3] >= _HAEM_FROM for c in codes)


def _other_lineage(data: dict[str, Any], tumour: dict[str, Any]) -> bool:
    """A blood cancer and a solid cancer in one letter are two cancers, whatever words introduce them."""
    a, b = _haem(data), _haem(tumour)
    return a is not None and b is not None and a != b


def _keep_narrowest(data: dict[str, Any]) -> None:
    """Of several histologies named for one tumour, one inside another: keep the inner one."""
    names = [("histology", h) for h in data.get("histology", [])] + [
        ("histology_group", g) for g in data.get("histology_group", [])
    ]
    sets = {
        n: expand_histology([n[1]]) if n[0] == "histology" else expand_histology([], [n[1]]) for n in names
    }
    keep = [n for n in names if not any(o != n and sets[o] and sets[o] < sets[n] for o in names)]
    if keep and len(keep) < len(names):
        data["histology"] = [v for k, v in keep if k == "histology"]
        data["histology_group"] = [v for k, v in keep if k == "histology_group"]


class _Facts:
    def __init__(self) -> None:
        self.sex: str | None = None
        self.tumours: list[dict[str, Any]] = []
        self.markers: dict[tuple[str, str], dict[str, Any]] = {}
        self.drugs: list[str] = []
        self.classes: list[str] = []
        self.events: list[dict[str, Any]] = []
        self.metastasis_sites: list[str] = []
        self.deceased = False
        self.metastasis_denied = False
        self.m0 = False

    # -- tumours ----------------------------------------------------------------------------------
    def tumour(
        self, data: dict[str, Any], cancer_words: bool, nodes: bool, clause: str = "", history: bool = False
    ) -> None:
        data = {k: v for k, v in data.items() if k not in ("kind", "age_min", "age_max", "rank")}
        data = {k: v for k, v in data.items() if not k.startswith("diagnosed")}
        if not cancer_words or _BENIGN.search(clause):
            data.pop("site", None)
            if _BENIGN.search(clause):
                data.pop("histology", None)
                data.pop("histology_group", None)
        codes = expand_histology(data.get("histology", []), data.get("histology_group", []))
        if codes and all(c[:3] >= _HAEM_FROM for c in codes):
            data.pop("site", None)  # a blood cancer has no site: "radiothérapie médiastinale" is a field
        elif data.get("site") and not (codes and all(c[:2] in ("88", "89", "91", "92", "93") for c in codes)):
            # a bone is a primary's site only for a bone tumour; otherwise it is where a metastasis is
            data["site"] = [s for s in data["site"] if s[:3] not in ("C40", "C41")] or data["site"][:0]
            if not data["site"]:
                data.pop("site")
        if any(s[:3] in ("C43", "C44") for s in data.get("site", [])):
            data["site"] = [s for s in data["site"] if s[:3] != "C49"]  # "melanoma of the left calf": skin
        if codes and len(data.get("histology_group", [])) + len(data.get("histology", [])) > 1:
            _keep_narrowest(data)  # "cholangiocarcinome ... (adénocarcinome d'origine biliaire)"
        if data.get("site") and all(s[:3] in _UNPAIRED for s in data["site"]):
            data.pop("laterality", None)  # "côlon droit", "foie gauche": not a side of the body
        named = bool(data.get("site") or data.get("histology") or data.get("histology_group"))
        if not named:
            data.pop("laterality", None)  # "lobe droit", "rein droit": a side of something else
        if not named and not _GRADE_WORDS.search(clause):
            data.pop("grade", None)  # "grade 2 arthralgia", "grade 3 neutropenia": a toxicity grade
        if _NOT_TUMOUR_STAGE.search(clause):
            data.pop("stage", None)
        if any(str(h).endswith("/2") for h in data.get("histology", [])) and self.tumours:
            return  # a carcinoma in situ next to the invasive cancer is not a second cancer
        if nodes and data.get("metastatic") is True:
            data.pop("metastatic")
        if not data:
            return
        target = self._match(data)
        another = (
            _ANOTHER.search(clause) or history or (self.tumours and _other_lineage(data, self.tumours[0]))
        )
        if target is None and self.tumours and not another:
            target = self.tumours[0]  # a second site in the story of the same cancer ("d'origine biliaire")
        if target is None:
            if not named and self.tumours:
                target = self.tumours[-1]
            else:
                self.tumours.append(data)
                return
        for k, v in data.items():
            if isinstance(v, list):
                target.setdefault(k, [])
                known = target.get("histology") or target.get("histology_group")
                if k in ("histology", "histology_group") and known:
                    if k == "histology" and self._narrower(v, target):
                        target["histology"], target["histology_group"] = list(v), []
                    continue  # otherwise the first naming of a tumour's histology is the precise one
                if k == "site" and target[k]:
                    continue
                target[k] += [x for x in v if x not in target[k]]
            elif target.get(k) is None:
                target[k] = v

    @staticmethod
    def _narrower(codes: list[str], target: dict[str, Any]) -> bool:
        """A later, more precise histology of the same tumour ("mésothéliome" then "épithélioïde")."""
        new = expand_histology(codes)
        old = expand_histology(target.get("histology", []), target.get("histology_group", []))
        return bool(new) and new < old

    def _match(self, data: dict[str, Any]) -> dict[str, Any] | None:
        sites = {s[:3] for s in data.get("site", [])}
        for t in self.tumours:
            tsites = {s[:3] for s in t.get("site", [])}
            if sites and tsites:
                if sites & tsites:
                    return t
                continue
            hist = set(data.get("histology", [])) | set(data.get("histology_group", []))
            thist = set(t.get("histology", [])) | set(t.get("histology_group", []))
            if not hist or not thist or hist & thist:
                return t
        return None

    # -- everything else --------------------------------------------------------------------------
    def add(self, node: Node, clause: str, planned: bool, cancer_words: bool, history: bool = False) -> None:
        """One atom of a clause, kept or left out by what the clause says around it."""
        data = to_dict(node)
        kind = data["kind"]
        nodes = bool(_NODES.search(clause)) and not re.search(r"à distance|distant", clause, re.I)
        benign = bool(_BENIGN.search(clause))
        if kind == "tumour":
            self.tumour(data, cancer_words, nodes, clause, history)
        elif kind == "sex" and self.sex is None and not _SALUTATION.search(clause):
            self.sex = data["value"]
        elif kind == "vital_status" and data["value"] == "deceased":
            self.deceased = True
        elif kind == "biomarker":
            info = genes().get(data["marker"])
            if info is not None and info["kind"] == "serum":
                return
            if not (data.get("status") or data.get("alteration") or "op" in data):
                return  # a marker named without its result is not a fact
            if "-" in str(data.get("alteration") or ""):
                data.pop("alteration")  # a named fusion: the gene is rearranged (eval/cases/README.md)
                data["status"] = "rearranged"
            if data["marker"] == "MSI" and data.get("status") == "low":
                data["status"] = "negative"  # MSS / pMMR
            key = (data["marker"], "value" if "op" in data else "status")
            self.markers.setdefault(key, data)
        elif (
            kind == "treatment"
            and len(data.get("drugs", [])) > 2
            and all(get_terminology().drugs.get(d, {}).get("class") == "cell_therapy" for d in data["drugs"])
        ):
            return  # "CAR-T" means any product: the letter names the one given elsewhere
        elif kind == "treatment" and not planned and not (benign and not data.get("drugs")):
            drugs = [_SAME_DRUG.get(d, d) for d in data.get("drugs", [])]
            term = get_terminology()
            if (
                drugs
                and all(not term.drugs.get(d, {}).get("class") for d in drugs)
                and not _anticancer_near(clause, drugs)
            ):
                return  # "dexamethasone was tapered": a corticosteroid alone is supportive care
            self.drugs += [d for d in drugs if d not in self.drugs]
            if not data.get("drugs"):
                self.classes += [c for c in data.get("classes", []) if c not in self.classes]
        elif kind == "event":
            if data["type"] == "metastasis":
                sites = [s for s in data.get("sites", []) if s != "lymph_node" or not nodes]
                if nodes and not sites and "lymph_node" in data.get("sites", []):
                    return
                if nodes and not data.get("sites"):
                    return
                self.metastasis_sites += [s for s in sites if s not in self.metastasis_sites]
                if not self.events or all(e["type"] != "metastasis" for e in self.events):
                    self.events.append({"kind": "event", "type": "metastasis"})
            elif all(e["type"] != data["type"] for e in self.events):
                self.events.append({"kind": "event", "type": data["type"]})

    def atoms(self, age: int | None) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if self.sex:
            out.append({"kind": "sex", "value": self.sex})
        if age is not None:
            out.append({"kind": "age", "min": age, "max": age})
        first_site = {s[:3] for s in (self.tumours[0].get("site", []) if self.tumours else [])}
        if first_site == {"C22"} and "liver" in self.metastasis_sites:
            self.metastasis_sites.remove("liver")  # a liver cancer's intrahepatic spread is its T, not M
            if not self.metastasis_sites:
                self.events = [e for e in self.events if e["type"] != "metastasis"]
        if first_site & {"C56", "C57", "C48"} and set(self.metastasis_sites) <= {"peritoneum"}:
            # peritoneal spread of an ovarian cancer is regional (FIGO III), not a distant metastasis
            self.events = [e for e in self.events if e["type"] != "metastasis"]
            self.metastasis_sites = []
        metastatic = bool(self.metastasis_sites) or any(e["type"] == "metastasis" for e in self.events)
        for t in self.tumours:
            if any(str(m).upper().startswith("M1") for m in t.get("m", [])):
                metastatic = True
        for t in self.tumours:
            if _haem(t):
                t.pop("site", None)  # a blood cancer has no site, whatever field its radiotherapy had
            if t.get("site") and all(s[:3] in _UNPAIRED for s in t["site"]):
                t.pop("laterality", None)
            hist, groups = t.get("histology", []), t.get("histology_group", [])
            haem = not t.get("site") and not implied_site(hist, groups)
            if haem:
                t.pop("metastatic", None)
                continue
            if metastatic and t is self.tumours[0]:
                t["metastatic"] = True
            elif (
                t.get("metastatic") is None
                and t is self.tumours[0]
                and (self.m0 or self.metastasis_denied or any(str(m).upper() == "M0" for m in t.get("m", [])))
            ):
                t["metastatic"] = False
            elif t is not self.tumours[0] and t.get("metastatic") is False:
                t.pop("metastatic")
        out += [{"kind": "tumour", **t} for t in self.tumours]
        for e in self.events:
            if e["type"] == "metastasis" and self.metastasis_sites:
                e = {**e, "sites": self.metastasis_sites}
            out.append(e)
        out += list(self.markers.values())
        out += [{"kind": "treatment", "drugs": [d]} for d in self.drugs]
        drug_classes = {get_terminology().drugs.get(d, {}).get("class") for d in self.drugs}
        out += [
            {"kind": "treatment", "classes": [c]}
            for c in self.classes
            if c in ("surgery", "radiotherapy") or c not in drug_classes
        ]
        if self.deceased:
            out.append({"kind": "vital_status", "value": "deceased"})
        return out


def _anticancer_near(clause: str, drugs: list[str]) -> bool:
    """Another antineoplastic drug or a regimen in the clause ("daratumumab-lénalidomide-dexaméthasone")."""
    term = get_terminology()
    ann = annotate(clause, term)
    for m in ann.mentions:
        for d in (m.value("drug"), *(m.value("regimen") or [])):
            if isinstance(d, str) and d not in drugs and term.drugs.get(d, {}).get("class"):
                return True
    return False


def _polarity(facts: _Facts, text: str) -> None:
    """Receptor and marker results read with their polarity, as a pathologist writes them."""
    for m in _RECEPTOR_PCT.finditer(text):  # "RE 90 %, RP 0 %": a percentage is a status
        marker = _RECEPTOR[m.group(1).upper()]
        status = "positive" if int(m.group(2)) >= 1 else "negative"
        result = {"kind": "biomarker", "marker": marker, "status": status}
        facts.markers.setdefault((marker, "status"), result)
    for rx, marker in ((_KI67, "KI67"), (_PDL1, "PD-L1")):
        hit = rx.search(text)
        if hit is not None and (marker, "value") not in facts.markers:
            value = float(hit.group(1))
            if marker == "PD-L1" and value == 0:
                result = {"kind": "biomarker", "marker": marker, "status": "negative"}
                facts.markers.setdefault((marker, "status"), result)
                continue
            result = {"kind": "biomarker", "marker": marker, "op": ">=", "value": value}
            facts.markers[(marker, "value")] = result
            facts.markers.pop((marker, "status"), None)
    for (marker, how), data in list(facts.markers.items()):
        if marker in ("ER", "PR", "AR") and how == "value":
            facts.markers.pop((marker, how))
            value = data.get("value") or 0
            status = "positive" if value >= 1 else "negative"
            result = {"kind": "biomarker", "marker": marker, "status": status}
            facts.markers.setdefault((marker, "status"), result)
        elif marker == "PD-L1" and how == "value" and (data.get("value") or 0) == 0:
            facts.markers[(marker, how)] = {"kind": "biomarker", "marker": marker, "status": "negative"}
        elif how == "value" and data.get("op") in (">", "="):
            data["op"] = ">="
    score = _HER2_SCORE.search(text)
    her2 = facts.markers.get(("HER2", "status"))
    status = None
    if score:
        n = int(score.group(1))
        status = "positive" if n == 3 else "negative" if n < 2 else "equivocal"
    elif her2 is not None:
        status = her2.get("status")
    if status == "equivocal" or (her2 is not None and her2.get("status") == "equivocal"):
        if _ISH_NEG.search(text):
            status = "negative"
        elif _ISH_POS.search(text):
            status = "positive"
    if status and (her2 is not None or score):
        facts.markers[("HER2", "status")] = {"kind": "biomarker", "marker": "HER2", "status": status}


def _subtype(clause: str, st: State) -> Node | None:
    """The subtype word ("mesothelioma, epithelioid subtype") with the histology's noun, when the
    terminology knows the pair ("epithelioid mesothelioma" → 9052/3)."""
    hit = _SUBTYPE.search(clause)
    if hit is None:
        return None
    word = hit.group(1) or hit.group(2)
    term = get_terminology()
    for m in st.ann.mentions:
        if m.kind != "histology":
            continue
        noun = m.text.split()[-1] if m.text.split() else ""
        for phrase in (f"{word} {noun}", f"{noun} {word}"):
            for entry in term.lookup(phrase):
                if entry.category == "histology" and entry.value.get("codes"):
                    return parse_criteria({"kind": "tumour", "histology": list(entry.value["codes"])})
    return None


def _terms(st: State) -> list[str]:
    """Words of a clause that no rule used: content words only (no names, numbers or grammar)."""
    out = []
    toks = st.ann.norm.tokens
    for a, b in st.ann.uncovered:
        for k in range(a, b):
            if k in st.covered:
                continue
            original = st.ann.norm.original_span(toks[k].start, toks[k].end)
            word = toks[k].text
            if len(word) < 5 or not word.isalpha() or word in _STOP or original[:1].isupper():
                continue
            out.append(original.lower())
    return out


def read_case(text: str, lang: str | None = None) -> CaseReading:
    """Read a case narrative into the facts of the patient it describes (see the module docstring)."""
    text = (text or "").strip()
    lang = lang or detect_language(text)
    if not text:
        return CaseReading(None, language=lang)
    # the annotator's cue lists are French: an English text gets the English cues below only
    blanked = _blank(text, _qualified_spans(text)) if lang == "fr" else text
    blanked = _blank(blanked, [m.span() for m in _INVOLVEMENT.finditer(blanked)])
    blanked = _blank(blanked, [m.span() for m in _TEAM.finditer(blanked) if _CANCER.search(m.group(0))])
    history = _history_spans(text) if lang == "fr" else []
    facts = _Facts()
    unused: list[str] = []
    for start, clause in _clauses(text):
        kept = blanked[start : start + len(clause)]
        if _FAMILY["en" if lang == "en" else "fr"].search(clause) and _RELATIVE_CANCER.search(clause):
            continue
        if _NEGATED.search(kept):
            # English negation: keep only what comes before the cue ("..., no distant metastasis")
            cut = _NEGATED.search(kept)
            negated_part = kept[cut.start() :]
            if re.search(r"metasta|distant|spread|disease", negated_part, re.I):
                facts.metastasis_denied = True
            kept = kept[: cut.start()]
        if _DENIED_METASTASIS.search(clause):
            facts.metastasis_denied = True
        cues = list(_PLANNED.finditer(clause))
        given = list(_GIVEN.finditer(clause))
        planned = bool(cues) and not (given and given[-1].start() > cues[-1].start())
        atoms, st = _items(kept, lang)
        cancer_words = bool(_CANCER.search(kept)) or any(m.kind == "histology" for m in st.ann.mentions)
        past = any(a < start + len(clause) and start < b for a, b in history)
        for node in atoms:
            facts.add(node, clause, planned, cancer_words, past)
        subtype = _subtype(kept, st)
        if subtype is not None:
            facts.add(subtype, clause, planned, True, past)
        if re.search(r"m[ée]tasta|metasta", kept, re.I):  # "d'emblée métastatique : nodules pulmonaires"
            spread = [m.value("metastasis_site") for m in st.ann.mentions if m.value("metastasis_site")]
            distant = bool(re.search(r"à distance|distant|r[ée]trop[ée]riton", kept, re.I))
            spread = [s for s in spread if s and (s != "lymph_node" or distant)]
            facts.metastasis_sites += [s for s in spread if s not in facts.metastasis_sites]
            if spread and all(e["type"] != "metastasis" for e in facts.events):
                facts.events.append({"kind": "event", "type": "metastasis"})
        for hit in _NEGATED_GENES.finditer(clause):
            listed = hit.group(1) or hit.group(2) or hit.group(3) or ""
            for gene in re.findall(r"[A-Z][A-Z0-9]{1,7}(?:/\d)?", listed):
                names = [gene] if "/" not in gene else [gene.split("/")[0], gene[:-3] + gene[-1]]
                for name in names:
                    if name in genes() and (name, "status") not in facts.markers:
                        result = {"kind": "biomarker", "marker": name, "status": "wild_type"}
                        facts.markers[(name, "status")] = result
        for hit in _LOSS.finditer(kept):
            if _PRE_NEGATION.search(kept[max(0, hit.start() - 20) : hit.start()]):
                continue  # "sans perte d'expression"
            for gene in re.findall(r"[A-Z][A-Z0-9]{1,7}", hit.group(1)):
                if gene in genes() and genes()[gene]["kind"] == "gene":
                    facts.markers[(gene, "status")] = {"kind": "biomarker", "marker": gene, "status": "loss"}
        unused += _terms(st)
    if facts.sex is None:
        people = re.sub(r"Madame,?\s+Monsieur|Monsieur,?\s+Madame|Dear Sir or Madam", " ", text)
        f, m = len(_TITLE_F.findall(people)), len(_TITLE_M.findall(people))
        if f == m:
            f, m = len(_PRONOUN_F.findall(text)), len(_PRONOUN_M.findall(text))
        facts.sex = "F" if f > m else "M" if m > f else None
    _polarity(facts, text)
    for rx, drug in _COMPANIONS:  # "FOLFOX": a letter's regimen includes what a cohort question leaves out
        if rx.search(text) and drug not in facts.drugs:
            facts.drugs.append(drug)
    yp = _YP_TNM.search(text)  # "ypT2 N1": the patient's TNM only when no clinical one was given
    if yp and facts.tumours and not facts.tumours[0].get("t"):
        facts.tumours[0]["t"] = [f"T{yp.group(1).upper()}"]
        if yp.group(2) and not facts.tumours[0].get("n"):
            facts.tumours[0]["n"] = [f"N{yp.group(2).upper()}"]
    m_cat = _M_CATEGORY.search(text)  # "cT2 cN1 (adénopathie axillaire) M0": an M written apart
    if m_cat and facts.tumours and not facts.tumours[0].get("m"):
        facts.tumours[0]["m"] = [m_cat.group(1).upper()]
    stage = _STAGE.search(text)
    if stage and facts.tumours and not facts.tumours[0].get("stage"):
        facts.tumours[0]["stage"] = [stage.group(1).upper()]
    for hit in _EXON_VARIANT.finditer(text):  # "délétion de l'exon 19 d'EGFR", "KIT exon 11 délété"
        kind = (hit.group(1) or hit.group(5) or "").lower()
        word = {"ins": "INSERTION", "dup": "DUPLICATION"}.get(kind[:3], "DELETION")
        exon = hit.group(2) or hit.group(4)
        gene = hit.group(3)
        if gene and gene.upper() in genes():
            facts.markers.pop((gene.upper(), "status"), None)
            facts.markers[(gene.upper(), "status")] = {
                "kind": "biomarker",
                "marker": gene.upper(),
                "alteration": f"EXON {exon} {word}",
            }
        for data in facts.markers.values():
            if str(data.get("alteration") or "").upper() == f"EXON {exon}":
                data["alteration"] = f"EXON {exon} {word}"
    for data in facts.markers.values():
        if data.get("alteration") and data.get("status") in ("loss", "mutated", "positive"):
            data.pop("status")
    sbr = _SBR.search(text)
    if sbr and facts.tumours and not facts.tumours[0].get("grade"):
        facts.tumours[0]["grade"] = [{"I": 1, "II": 2, "III": 3}.get(sbr.group(1), 0) or int(sbr.group(1))]
    from query_compiler.compiler.similar import case_age

    named = _AGE_AFTER_NAME.search(text)
    age = case_age(text) or (int(named.group(1)) if named and 0 < int(named.group(1)) < 110 else None)
    atoms = facts.atoms(age)
    criteria = parse_criteria({"kind": "all", "items": atoms}) if atoms else None
    return CaseReading(criteria, atoms, list(dict.fromkeys(unused))[:20], lang)
