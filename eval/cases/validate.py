"""Check eval/cases/*.jsonl: JSON per line, unique ids, fields, vocabularies; imports nothing of the project.

Run with any python3. If query_compiler is importable (the project's venv, run from the repo root), every
gold is also validated with parse_criteria({"kind": "all", "items": gold}).
"""

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).parent
SPLITS = {"dev.jsonl": ("cd", 24), "held.jsonl": ("c", 48), "dev2.jsonl": ("ce", 16)}
GENRES = {"letter", "rcp", "discharge", "referral", "pathology"}
FIELDS = {  # allowed fields per atom kind (query_compiler/criteria.py)
    "sex": {"value"},
    "age": {"at", "event", "min", "max"},
    "vital_status": {"value"},
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
}
STATUS = {
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
CLASSES = {
    "surgery",
    "chemotherapy",
    "radiotherapy",
    "hormone_therapy",
    "targeted_therapy",
    "immunotherapy",
    "cell_therapy",
}
EVENTS = {"local_recurrence", "metastasis", "progression", "relapse", "second_primary"}
SITES = {"bone", "liver", "lung", "brain", "lymph_node", "peritoneum", "pleura", "adrenal", "skin", "other"}
LATERALITY = {"left", "right", "bilateral"}


def check_atom(a, where):
    errs = []
    k = a.get("kind")
    if k not in FIELDS:
        return [f"{where}: unknown kind {k!r}"]
    extra = set(a) - FIELDS[k] - {"kind"}
    if extra:
        errs.append(f"{where}: fields {sorted(extra)} not in {k}")
    if k == "sex" and a.get("value") not in ("F", "M"):
        errs.append(f"{where}: sex {a.get('value')}")
    if k == "vital_status" and a.get("value") not in ("alive", "deceased"):
        errs.append(f"{where}: vital {a.get('value')}")
    if k == "age" and not (isinstance(a.get("min"), int) and a.get("min") == a.get("max")):
        errs.append(f"{where}: age min/max")
    if k == "tumour":
        for s in a.get("site", []):
            if not re.fullmatch(r"C\d\d", s):
                errs.append(f"{where}: site {s}")
        for h in a.get("histology", []):
            if not re.fullmatch(r"\d{4}/[0-3]", h):
                errs.append(f"{where}: histology {h}")
        if not a.get("site") and not a.get("histology"):
            errs.append(f"{where}: tumour without site or histology")
        if "laterality" in a and a["laterality"] not in LATERALITY:
            errs.append(f"{where}: laterality {a['laterality']}")
        for g in a.get("grade", []):
            if g not in (1, 2, 3, 4):
                errs.append(f"{where}: grade {g}")
        for f in ("stage", "t", "n", "m"):
            for v in a.get(f, []):
                if v != v.upper() or not v:
                    errs.append(f"{where}: {f} {v} not upper case")
        for f in ("t", "n", "m"):
            for v in a.get(f, []):
                if not v.startswith(f.upper()):
                    errs.append(f"{where}: {f} value {v}")
        if "metastatic" in a and not isinstance(a["metastatic"], bool):
            errs.append(f"{where}: metastatic not bool")
    if k == "event":
        if a.get("type") not in EVENTS:
            errs.append(f"{where}: event type {a.get('type')}")
        if a.get("sites") and a["type"] != "metastasis":
            errs.append(f"{where}: sites on non-metastasis")
        for s in a.get("sites", []):
            if s not in SITES:
                errs.append(f"{where}: site {s}")
    if k == "biomarker":
        m = a.get("marker", "")
        if not m or m != m.upper():
            errs.append(f"{where}: marker {m!r} not upper case")
        n = sum(x in a for x in ("status", "alteration", "op"))
        if n != 1:
            errs.append(f"{where}: biomarker needs exactly one of status / alteration / op+value")
        if "status" in a and a["status"] not in STATUS:
            errs.append(f"{where}: status {a['status']}")
        if "alteration" in a and a["alteration"] != a["alteration"].upper():
            errs.append(f"{where}: alteration not upper case")
        if ("op" in a) != ("value" in a) or a.get("op", ">=") not in (">", ">=", "<", "<=", "="):
            errs.append(f"{where}: op/value")
    if k == "treatment":
        if len(a.get("drugs", [])) + len(a.get("classes", [])) != 1:
            errs.append(f"{where}: one drug or one class per treatment atom")
        for d in a.get("drugs", []):
            if d != d.lower():
                errs.append(f"{where}: drug {d} not lower case")
        for c in a.get("classes", []):
            if c not in CLASSES:
                errs.append(f"{where}: class {c}")
    return errs


def main():
    errs, cases, ids = [], [], set()
    for fname, (prefix, count) in SPLITS.items():
        lines = (HERE / fname).read_text(encoding="utf-8").splitlines()
        if len(lines) != count:
            errs.append(f"{fname}: {len(lines)} lines, expected {count}")
        for i, line in enumerate(lines, 1):
            try:
                c = json.loads(line)
            except json.JSONDecodeError as e:
                errs.append(f"{fname}:{i}: invalid JSON {e}")
                continue
            w = f"{fname}:{c.get('id')}"
            if set(c) - {"id", "lang", "genre", "text", "gold", "not_facts", "note"} or not {
                "id",
                "lang",
                "genre",
                "text",
                "gold",
                "not_facts",
            } <= set(c):
                errs.append(f"{w}: keys {sorted(c)}")
            if not re.fullmatch(prefix + r"\d\d", c.get("id", "")):
                errs.append(f"{w}: id format")
            if c["id"] in ids:
                errs.append(f"{w}: duplicate id")
            ids.add(c["id"])
            if c["lang"] not in ("fr", "en"):
                errs.append(f"{w}: lang")
            if c["genre"] not in GENRES:
                errs.append(f"{w}: genre")
            nw = len(c["text"].split())
            if not 60 <= nw <= 350:
                errs.append(f"{w}: {nw} words")
            if not isinstance(c["not_facts"], list) or not all(isinstance(x, str) for x in c["not_facts"]):
                errs.append(f"{w}: not_facts")
            kinds = [a.get("kind") for a in c["gold"]]
            for kind in ("sex", "age", "vital_status"):
                if kinds.count(kind) > 1:
                    errs.append(f"{w}: several {kind}")
            seen = set()
            for j, a in enumerate(c["gold"]):
                key = json.dumps(a, sort_keys=True)
                if key in seen:
                    errs.append(f"{w}: duplicate atom {key}")
                seen.add(key)
                errs += check_atom(a, f"{w}#{j}")
            cases.append((fname, c))
    print(f"{len(cases)} cases, {len(errs)} problems")
    for e in errs:
        print("  " + e)

    try:
        sys.path.insert(0, str(HERE.parent.parent))
        from query_compiler.criteria import parse_criteria

        parse_criteria({"kind": "all", "items": [{"kind": "tumour", "site": ["C50"]}]})  # probe dependencies
    except Exception as e:  # noqa: BLE001
        print(f"parse_criteria not available here ({type(e).__name__}: {e}); structural checks only")
        return 1 if errs else 0
    bad, loss_only = [], []
    for _fname, c in cases:
        try:
            parse_criteria({"kind": "all", "items": c["gold"]})
        except Exception as e:  # noqa: BLE001
            rest = [a for a in c["gold"] if a.get("status") != "loss"]
            try:
                parse_criteria({"kind": "all", "items": rest})
                n = len(c["gold"]) - len(rest)
                loss_only.append((c["id"], f"{n} atom(s) with status 'loss'"))
            except Exception:  # noqa: BLE001
                bad.append((c["id"], str(e)))
    print(
        f"parse_criteria: {len(cases) - len(bad) - len(loss_only)} accepted, "
        f"{len(loss_only)} rejected only because of status 'loss', {len(bad)} rejected otherwise"
    )
    for cid, msg in loss_only:
        print(f"  [loss] {cid}: {msg}")
    for cid, msg in bad:
        print(f"  [BAD] {cid}: {msg}")
    return 1 if errs or bad else 0


if __name__ == "__main__":
    sys.exit(main())
