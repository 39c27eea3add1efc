"""Check the follow-up eval files without importing anything of the project.

Usage: python3 eval/followups/validate.py [files...]
(default: dev.jsonl, dev2.jsonl and held.jsonl beside this file)

Checks: JSON per line, keys, unique ids with the split's prefix, languages, follow-up flags, and every
criteria node of `previous` and `gold` against the field names of query_compiler/criteria.py and the
vocabularies of retrieval/vocab.py (copied here on purpose, so a change there shows up as a failure).
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent

SEX = {"F", "M"}
DOC_TYPES = {"consultation", "pathology", "imaging", "operative", "letter", "mdt"}
TREATMENT_CLASSES = {
    "surgery",
    "chemotherapy",
    "radiotherapy",
    "hormone_therapy",
    "targeted_therapy",
    "immunotherapy",
    "cell_therapy",
}
EVENT_TYPES = {"local_recurrence", "metastasis", "progression", "relapse", "second_primary"}
METASTASIS_SITES = {
    "bone",
    "liver",
    "lung",
    "brain",
    "lymph_node",
    "peritoneum",
    "pleura",
    "adrenal",
    "skin",
    "other",
}
LATERALITIES = {"left", "right", "bilateral"}
BIOMARKER_STATUSES = {
    "positive",
    "negative",
    "mutated",
    "wild_type",
    "amplified",
    "rearranged",
    "high",
    "low",
    "equivocal",
    "loss",
}
SAMPLE_TYPES = {"tumour_tissue", "normal_tissue", "blood", "serum", "plasma", "dna", "bone_marrow"}
CONSERVATIONS = {"frozen", "ffpe"}
QUALIFIERS = {"negated", "hypothetical", "family", "history"}
VITAL = {"alive", "deceased"}
COMPARATORS = {">", ">=", "<", "<=", "="}

FIELDS = {
    "sex": {"value"},
    "age": {"at", "event", "min", "max"},
    "vital_status": {"value"},
    "survival": {"min_months", "max_months"},
    "centre": {"ids"},
    "tumour": {
        "site",
        "histology",
        "histology_group",
        "laterality",
        "grade",
        "stage",
        "t",
        "n",
        "m",
        "metastatic_at_diagnosis",
        "metastatic",
        "age_min",
        "age_max",
        "diagnosed_from",
        "diagnosed_to",
        "rank",
    },
    "event": {"type", "sites", "date_from", "date_to"},
    "biomarker": {"marker", "status", "alteration", "op", "value"},
    "treatment": {"classes", "drugs", "atc", "line_min", "line_max", "ongoing", "started_from", "started_to"},
    "treatment_lines": {"min", "max"},
    "stay_diagnosis": {"codes", "date_from", "date_to"},
    "text": {"terms", "doc_types", "date_from", "date_to", "include"},
    "biobank": {"sample_types", "conservation"},
    "all": {"items"},
    "any": {"items"},
    "not": {"item"},
    "sequence": {"first", "then", "relation", "min_months", "max_months"},
}
DATED = {"tumour", "event", "treatment", "biomarker", "text", "biobank", "stay_diagnosis"}
ICD = re.compile(r"^[A-Z][0-9]{1,2}(\.[0-9]{1,2})?$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
KEYS = {"id", "lang", "previous_q", "previous", "q", "followup", "gold"}


def _int(v, lo, hi):
    return isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi


def check_node(n, where, errs):
    if not isinstance(n, dict) or "kind" not in n:
        errs.append(f"{where}: not a criteria object")
        return
    k = n["kind"]
    if k not in FIELDS:
        errs.append(f"{where}: unknown kind {k!r}")
        return
    extra = set(n) - FIELDS[k] - {"kind"}
    if extra:
        errs.append(f"{where}: {k} has unknown fields {sorted(extra)}")

    def bad(msg):
        errs.append(f"{where} ({k}): {msg}")

    def in_vocab(field, vocab, many=False):
        if field not in n:
            return
        vals = n[field] if many else [n[field]]
        if many and (not isinstance(n[field], list) or not n[field]):
            bad(f"{field} must be a non-empty list")
            return
        for v in vals:
            if v not in vocab:
                bad(f"{field} value {v!r} not in the vocabulary")

    def dates(*fields):
        for f in fields:
            if f in n and not (isinstance(n[f], str) and DATE.match(n[f])):
                bad(f"{f} is not an ISO date")
        if len(fields) == 2 and all(f in n for f in fields) and n[fields[0]] > n[fields[1]]:
            bad(f"{fields[0]} after {fields[1]}")

    def bounds(lo, hi, a, b):
        for f in (lo, hi):
            if f in n and not (
                _int(n[f], a, b) or (k in ("survival", "sequence") and isinstance(n[f], (int, float)))
            ):
                bad(f"{f} out of range")
        if lo in n and hi in n and n[lo] > n[hi]:
            bad(f"{lo} > {hi}")

    if k == "sex":
        in_vocab("value", SEX)
    elif k == "vital_status":
        in_vocab("value", VITAL)
    elif k == "age":
        if "min" not in n and "max" not in n:
            bad("needs min or max")
        bounds("min", "max", 0, 120)
        if n.get("at", "diagnosis") not in ("diagnosis", "event", "today"):
            bad("bad 'at'")
        if (n.get("at") == "event") != ("event" in n):
            bad("'event' goes with at='event'")
        in_vocab("event", EVENT_TYPES)
    elif k == "survival":
        if "min_months" not in n and "max_months" not in n:
            bad("needs min_months or max_months")
        bounds("min_months", "max_months", 0, 1200)
    elif k == "centre":
        if not n.get("ids"):
            bad("ids empty")
    elif k == "tumour":
        for s in n.get("site", []):
            if not ICD.match(s) and not re.match(r"^C[0-9]$", s):
                bad(f"site {s!r} is not an ICD-10 code")
        for g in n.get("histology_group", []):
            if not re.match(r"^[a-z_0-9]+$", g):
                bad(f"histology group {g!r}")
        in_vocab("laterality", LATERALITIES)
        for g in n.get("grade", []):
            if not _int(g, 1, 4):
                bad(f"grade {g}")
        for f in ("metastatic", "metastatic_at_diagnosis"):
            if f in n and not isinstance(n[f], bool):
                bad(f"{f} not a bool")
        bounds("age_min", "age_max", 0, 120)
        dates("diagnosed_from", "diagnosed_to")
        if n.get("rank") not in (None, "first", "subsequent"):
            bad("rank")
        if len(n) == 1:
            bad("empty tumour")
    elif k == "event":
        in_vocab("type", EVENT_TYPES)
        in_vocab("sites", METASTASIS_SITES, many=True)
        if n.get("sites") and n.get("type") != "metastasis":
            bad("sites only for metastasis")
        dates("date_from", "date_to")
    elif k == "biomarker":
        if not isinstance(n.get("marker"), str) or n["marker"] != n["marker"].strip().upper():
            bad("marker must be upper case")
        in_vocab("status", BIOMARKER_STATUSES)
        if ("op" in n) != ("value" in n):
            bad("op and value go together")
        in_vocab("op", COMPARATORS)
        if "alteration" in n and n["alteration"] != n["alteration"].upper():
            bad("alteration upper case")
        if not ({"status", "alteration", "op"} & set(n)):
            bad("no status, alteration or value")
    elif k == "treatment":
        in_vocab("classes", TREATMENT_CLASSES, many=True)
        for d in n.get("drugs", []):
            if d != d.strip().lower():
                bad(f"drug {d!r} not lower case")
        if not ({"classes", "drugs", "atc"} & set(n)):
            bad("no class, drug or ATC")
        bounds("line_min", "line_max", 1, 20)
        dates("started_from", "started_to")
    elif k == "treatment_lines":
        if "min" not in n and "max" not in n:
            bad("needs min or max")
        bounds("min", "max", 0, 20)
    elif k == "stay_diagnosis":
        if not n.get("codes") or not all(ICD.match(c) for c in n["codes"]):
            bad("codes")
        dates("date_from", "date_to")
    elif k == "text":
        if not isinstance(n.get("terms"), list) or not n["terms"]:
            bad("terms empty")
        in_vocab("doc_types", DOC_TYPES, many=True)
        in_vocab("include", QUALIFIERS, many=True)
        dates("date_from", "date_to")
    elif k == "biobank":
        in_vocab("sample_types", SAMPLE_TYPES, many=True)
        in_vocab("conservation", CONSERVATIONS, many=True)
    elif k in ("all", "any"):
        if not isinstance(n.get("items"), list) or not n["items"]:
            bad("items empty")
        for i, it in enumerate(n.get("items") or []):
            check_node(it, f"{where}.items[{i}]", errs)
    elif k == "not":
        check_node(n.get("item"), f"{where}.item", errs)
    elif k == "sequence":
        for side in ("first", "then"):
            s = n.get(side)
            check_node(s, f"{where}.{side}", errs)
            if isinstance(s, dict) and s.get("kind") not in DATED:
                bad(f"{side} is not a dated atom")
        if n.get("relation", "after") not in ("after", "before", "within"):
            bad("relation")
        if n.get("relation") == "within" and "max_months" not in n:
            bad("within needs max_months")
        bounds("min_months", "max_months", 0, 1200)


def check_file(path: Path, prefix: str, width: int, errs: list[str]) -> list[dict]:
    rows, ids = [], set()
    for ln, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        where = f"{path.name}:{ln}"
        try:
            r = json.loads(line)
        except json.JSONDecodeError as exc:
            errs.append(f"{where}: bad JSON {exc}")
            continue
        rows.append(r)
        missing, extra = KEYS - set(r), set(r) - KEYS - {"note"}
        if missing or extra:
            errs.append(f"{where}: missing {sorted(missing)} extra {sorted(extra)}")
        rid = r.get("id", "")
        if rid in ids:
            errs.append(f"{where}: duplicate id {rid}")
        ids.add(rid)
        if rid != f"{prefix}{ln:0{width}d}":
            errs.append(f"{where}: id {rid!r} expected {prefix}{ln:0{width}d}")
        if r.get("lang") not in ("fr", "en"):
            errs.append(f"{where}: lang")
        for f in ("previous_q", "q"):
            if not isinstance(r.get(f), str) or not r[f].strip():
                errs.append(f"{where}: {f} empty")
        if not isinstance(r.get("followup"), bool):
            errs.append(f"{where}: followup must be true/false")
        prev = r.get("previous")
        if not isinstance(prev, list) or not prev:
            errs.append(f"{where}: previous must be a non-empty list")
        else:
            for i, n in enumerate(prev):
                check_node(n, f"{where} previous[{i}]", errs)
        gold = r.get("gold")
        if gold is None:
            if r.get("followup") is not False or "not a cohort question" not in r.get("note", ""):
                errs.append(f"{where}: gold null only for non-cohort messages (followup false, note)")
        elif not isinstance(gold, list) or not gold:
            errs.append(f"{where}: gold must be a non-empty list or null")
        else:
            for i, n in enumerate(gold):
                check_node(n, f"{where} gold[{i}]", errs)
            if r.get("followup") is False and gold == prev:
                errs.append(f"{where}: a new question whose gold equals previous")
            if r.get("followup") and gold == prev and "unchanged" not in r.get("note", ""):
                errs.append(f"{where}: follow-up leaves the criteria unchanged without a note saying so")
    return rows


def main(argv: list[str]) -> int:
    specs = {"dev.jsonl": ("fd", 2), "dev2.jsonl": ("fe", 2), "held.jsonl": ("fh", 3)}
    files = [Path(a) for a in argv] or [HERE / n for n in specs]
    errs: list[str] = []
    for path in files:
        prefix, width = specs.get(path.name, ("", 0))
        rows = check_file(path, prefix, width, errs)
        c = Counter((r.get("followup"), r.get("lang")) for r in rows)
        print(
            f"{path.name}: {len(rows)} pairs; follow-ups {c[(True, 'fr')] + c[(True, 'en')]} "
            f"(fr {c[(True, 'fr')]}, en {c[(True, 'en')]}); new {c[(False, 'fr')] + c[(False, 'en')]} "
            f"(fr {c[(False, 'fr')]}, en {c[(False, 'en')]}); not cohort questions "
            f"{sum(1 for r in rows if r.get('gold') is None)}"
        )
    for e in errs:
        print("ERROR", e)
    print("OK" if not errs else f"{len(errs)} errors")
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
