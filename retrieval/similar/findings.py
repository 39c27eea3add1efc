"""The ``findings`` summary: a short text of what a patient's REPORTS say, read from the documents,
segments and mentions tables only (never from the coded tables).

Why: a centre's structured tables are incomplete (biomarkers, metastatic sites, histologies often live
only in pathology and imaging reports), so the text part of a patient vector must carry what the
reports say, not a paraphrase of the coded facts. The earlier ``mentions`` summary (affirmed passages
in date order, cut at 1,500 characters) was mostly consultation boilerplate and lost the molecular
results, which carry no annotated concept. Here each report is cut into lines and sentences, and a
sentence is kept when it carries

- ``tumour``: an affirmed cancer mention (or TNM) or a histology word ("adénocarcinome", ICD-O code);
- ``spread``: an affirmed metastasis mention ("Lésions secondaires pleurales");
- ``marker``: a biomarker result ("EGFR exon19del", "ALK : négatif", "RE 80 %", "MSS (pMMR)");
- ``course``: another affirmed mention (progression, response, relapse...).

Affirmed = the mention has no negation, hypothesis, family or history flag; a histology or marker
sentence inside a family or hypothetical segment is skipped. Sentences are deduplicated (case-
insensitive), capped per group and written in a fixed group order (then by report date), so the
same findings always give the same text and the tumour and molecular findings come first, where a
small encoder reads best.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from retrieval.similar.facts import marker_key
from retrieval.similar.labels import fact_label
from retrieval.store import Store, batches, bind_in

GROUPS = ("tumour", "spread", "marker", "course")
CAPS = {"tumour": 4, "spread": 3, "marker": 8, "course": 3}
MAX_CHARS = 1000
TUMOUR_CONCEPTS = {"myeloma", "lymphoma", "melanoma", "aml", "cll", "neuroendocrine_tumour", "tnm"}
# Histology words in French and English reports (lower case; the ICD-O-3 code names the morphology).
HISTOLOGY = re.compile(
    r"carcinom|sarcom|lymphom|myélom|myelom|mélanom|melanom|leucémi|leukaem|leukem|gliom|blastom|"
    r"neuroendocrin|mésothéliom|mesotheliom|icd-o|\bcbnpc\b|\bcbpc\b|\bnsclc\b", re.IGNORECASE)
# Marker names are matched case-sensitively: "RE", "RP", "MET" are results only in upper case.
MARKERS = re.compile(
    r"\b(EGFR|ALK|ROS1|BRAF|KRAS|NRAS|HRAS|HER-?2|ERBB2|RE|RP|ER|PR|Ki-?67|MSI|MSS|dMMR|pMMR|PD-?L1|"
    r"BRCA[12]?|FLT3|NPM1|IDH[12]?|TP53|PIK3CA|PSA|NTRK[123]?|MET|RET|DEL ?17P|del ?17p|CD20|CD30|"
    r"KIT|c-KIT|CDX2|TTF-?1|[Tt]\(\d+;\d+\))(?![\w-])"
    r"|récepteurs? (?:aux |à l')?(?:œ|oe)strogènes|progestérone|estrogen receptor|progesterone receptor")
# Reading a result as a clinician does (ASCO/CAP thresholds): "RE 79 %" is ER positive, "HER2 2+ sans
# amplification" HER2 negative. The status words are those of the facts sentences (labels.fact_label),
# so a report-derived text and a typed case say "ER positif" the same way.
_PERCENT = re.compile(r"^(RE|RP|ER|PR|PD-?L1)\b\s*(?:CPS)?\s*:?\s*(\d+)\s*%?")
_HER2 = re.compile(r"^HER-?2\b\s*:?\s*(.*)$")
_STATUS_WORDS = ((re.compile(r"sauvage|non muté|wild", re.I), "wild_type"),
                 (re.compile(r"négati|negative|absen", re.I), "negative"),
                 (re.compile(r"réarrang|rearrang|fusion", re.I), "rearranged"),
                 (re.compile(r"amplifi", re.I), "amplified"),
                 (re.compile(r"positi|présent|present", re.I), "positive"),
                 (re.compile(r"mut|exon|del|ins|[A-Z]\d+[A-Z]", re.I), "mutated"))
SENTENCE = re.compile(r"[^\n.;]+(?:\.(?=\d)[^\n.;]*)*")  # a line cut at '.'/';' (not inside 8140.3)


def marker_words(sentence: str) -> str:
    """A biomarker result line with its status written out ("EGFR exon19del" -> "EGFR muté
    exon19del"); a line it cannot read is returned unchanged."""

    m = _PERCENT.match(sentence)
    if m:
        marker = {"RE": "ER", "RP": "PR"}.get(m.group(1), marker_key(m.group(1)))
        value = int(m.group(2))
        status = ("high" if value >= 50 else "positive" if value >= 1 else "negative") if marker == "PDL1" \
            else ("positive" if value >= 1 else "negative")
        return f"{fact_label('biomarker', f'{marker}:{status}')} ({sentence})"
    m = _HER2.match(sentence)
    if m:
        rest = m.group(1)
        status = "positive" if re.search(r"3\+|(?<!sans )amplifi", rest) else "negative"
        return f"{fact_label('biomarker', f'HER2:{status}')} ({sentence})"
    if sentence.startswith("MSI-H") or "dMMR" in sentence:
        return f"{fact_label('biomarker', 'MSI:high')} ({sentence})"
    if sentence.startswith("MSS") or "pMMR" in sentence:
        return f"{fact_label('biomarker', 'MSI:low')} ({sentence})"
    first = MARKERS.match(sentence)
    if first and first.group(1):
        marker = marker_key(first.group(1))
        rest = sentence[first.end():]
        status = next((st for rx, st in _STATUS_WORDS if rx.search(rest)), None)
        if status:  # a mutation keeps its alteration ("EGFR muté exon19del"), other words are the status
            detail = rest.strip(" :") if status == "mutated" and not re.search(r"\bmut", rest) else ""
            return f"{fact_label('biomarker', f'{marker}:{status}')} {detail}".strip()
    return sentence


def _units(text: str) -> Iterable[tuple[int, int, str]]:
    """Sentences (or list lines) of a report with their character span."""
    for m in SENTENCE.finditer(text):
        s = " ".join(m.group(0).split()).lstrip("-•* ").strip()
        if len(s) >= 3:
            yield m.start(), m.end(), s


def _flagged(segs: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and e > start for s, e in segs)


def _document_findings(text: str, mentions: list[dict], family_or_hyp: list[tuple[int, int]]
                       ) -> list[tuple[str, int, str]]:
    """(group, position, sentence) found in one report."""
    out = []
    for start, end, sentence in _units(text):
        inside = [m for m in mentions if m["start_char"] >= start and m["end_char"] <= end]
        affirmed = [m["concept"] for m in inside
                    if not (m["negated"] or m["hypothetical"] or m["family"] or m["history"])]
        # a histology or marker sentence counts unless it sits in a family / hypothetical passage or
        # holds a qualified mention ("antécédent de carcinome basocellulaire")
        clean = not _flagged(family_or_hyp, start, end) and len(affirmed) == len(inside)
        if any(c.endswith("_cancer") or c in TUMOUR_CONCEPTS for c in affirmed) or \
                (clean and HISTOLOGY.search(sentence)):
            group = "tumour"
        elif "metastasis" in affirmed:
            group = "spread"
        elif clean and MARKERS.search(sentence):
            group = "marker"
        elif affirmed:
            group = "course"
        else:
            continue
        out.append((group, start, marker_words(sentence) if group == "marker" else sentence))
    return out


def findings_texts(store: Store, ids: list[int]) -> dict[int, str]:
    """The findings summary of each patient who has reports (see module docstring)."""
    out: dict[int, str] = {}
    for chunk in batches(ids):
        marks, names = bind_in(chunk)
        docs = store.query(f"SELECT id, patient_id, date, text FROM documents WHERE patient_id IN ({marks}) "
                           "ORDER BY patient_id, date, id", names)
        mentions: dict[int, list[dict]] = defaultdict(list)
        for m in store.query("SELECT document_id, concept, start_char, end_char, negated, hypothetical, "
                             f"family, history FROM mentions WHERE patient_id IN ({marks})", names):
            mentions[m["document_id"]].append(m)
        flagged: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for s in store.query("SELECT document_id, start_char, end_char FROM segments "
                             f"WHERE patient_id IN ({marks}) AND (family = 1 OR hypothetical = 1)", names):
            flagged[s["document_id"]].append((s["start_char"], s["end_char"]))
        found: dict[int, list[tuple[int, str, int, int, str]]] = defaultdict(list)
        for order, d in enumerate(docs):
            for group, pos, sentence in _document_findings(d["text"] or "", mentions[d["id"]],
                                                           flagged[d["id"]]):
                found[d["patient_id"]].append((GROUPS.index(group), d["date"] or "", order, pos, sentence))
        for pid, items in found.items():
            out[pid] = _compose(items)
    return out


def _compose(items: list[tuple[int, str, int, int, str]]) -> str:
    seen: set[str] = set()
    kept: dict[int, int] = defaultdict(int)
    parts: list[str] = []
    for g, _, _, _, sentence in sorted(items):
        key = sentence.lower()
        if key in seen or kept[g] >= CAPS[GROUPS[g]]:
            continue
        seen.add(key)
        kept[g] += 1
        parts.append(sentence)
    return ". ".join(parts)[:MAX_CHARS]
