"""How many patients of a generated corpus answer each real question of USE_CASES.md.

Plain Python over the corpus files (structured records + text truth), no database and no SQL, so
it checks the generator independently of ingestion and of the query compiler. Each predicate
follows the conventions of ``query_compiler.criteria`` (ages in completed years at diagnosis,
inclusive bounds, code prefixes).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

SYSTEMIC = ("chemotherapy", "hormone_therapy", "targeted_therapy", "immunotherapy", "cell_therapy")
RESPONSE_CONCEPTS = {"complete_response", "very_good_response", "long_response"}
RESPONDER_SITES = ("C34", "C50", "C64", "C56", "C43", "C18")

Patient = dict[str, Any]


def iter_patients(corpus: str | Path) -> Iterator[Patient]:
    """Each patient's record, with its affirmed text concepts under ``_concepts``."""
    corpus = Path(corpus)
    concepts: dict[int, set[str]] = {}
    truth = corpus / "truth" / "patients.jsonl"
    if truth.exists():
        with truth.open(encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                concepts[row["patient_id"]] = set(row.get("text_concepts", []))
    for path in sorted((corpus / "patients").glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                p = json.loads(line)
                p["_concepts"] = concepts.get(p["id"], set())
                yield p


def _d(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def age_at(p: Patient, when: str) -> int:
    b, d = _d(p["birth_date"]), _d(when)
    return d.year - b.year - ((d.month, d.day) < (b.month, b.day))


def survival_months(p: Patient) -> float:
    first = min(_d(t["diagnosis_date"]) for t in p["tumours"])
    end = _d(p.get("death_date")) or _d(p.get("last_news_date")) or first
    return (end - first).days / 30.4375


def metastatic(p: Patient, t: dict) -> bool:
    return t.get("metastatic_at_diagnosis", False) or any(
        e["type"] == "metastasis" and e.get("tumour_id") == t["id"] for e in p["events"]
    )


def has_marker(p: Patient, marker: str, status: str | None = None, alteration: str | None = None) -> bool:
    return any(
        b["marker"] == marker
        and (status is None or b.get("status") == status)
        and (alteration is None or b.get("alteration") == alteration)
        for b in p["biomarkers"]
    )


def lines(p: Patient) -> set[int]:
    return {t["line"] for t in p["treatments"] if t.get("line") and t["class"] in SYSTEMIC}


def _tumours(p: Patient, *prefixes: str) -> list[dict]:
    return [t for t in p["tumours"] if t["icd10"].startswith(prefixes)]


# -- the use cases ----------------------------------------------------------------------------------
def flagship(p: Patient) -> bool:
    return p["sex"] == "F" and any(
        age_at(p, t["diagnosis_date"]) == 50 and metastatic(p, t) for t in _tumours(p, "C50")
    )


def fertility_cohort(p: Patient) -> bool:
    return any(
        "2011-01-01" <= t["diagnosis_date"] <= "2017-09-01"
        and 18 <= age_at(p, t["diagnosis_date"]) <= 43
        and not t.get("metastatic_at_diagnosis")
        for t in _tumours(p, "C50")
    ) and any(t["class"] == "chemotherapy" for t in p["treatments"])


def fertility_mentions(p: Patient) -> bool:
    return fertility_cohort(p) and "fertility_preservation" in p["_concepts"]


def exceptional_responders(p: Patient) -> bool:
    return (
        any(t["class"] == "targeted_therapy" and t.get("end_date") is None for t in p["treatments"])
        and bool(_tumours(p, *RESPONDER_SITES))
        and bool(p["_concepts"] & RESPONSE_CONCEPTS)
        and survival_months(p) >= 24
        and any(
            s["type"] == "tumour_tissue" and s.get("available", True) and s.get("conservation")
            for s in p["samples"]
        )
    )


def _net(t: dict) -> bool:
    return t.get("histology_group") == "neuroendocrine"


def rectal_net(p: Patient) -> bool:
    return any(_net(t) for t in _tumours(p, "C20"))


def net_two_lines(p: Patient) -> bool:
    return (
        any(_net(t) for t in p["tumours"])
        and len(lines(p)) >= 2
        and sum(e["type"] == "progression" for e in p["events"]) >= 2
    )


def operated_pancreatic_net(p: Patient) -> bool:
    nets = [t for t in _tumours(p, "C25") if _net(t) and t.get("grade") in (1, 2)]
    return any(
        any(tr["class"] == "surgery" and tr.get("tumour_id") == t["id"] for tr in p["treatments"])
        and any(s.get("available", True) for s in p["samples"])
        for t in nets
    )


def myeloma_to_aml(p: Patient) -> bool:
    mm = _tumours(p, "C90")
    return bool(mm) and any(t["diagnosis_date"] > mm[0]["diagnosis_date"] for t in _tumours(p, "C92"))


def myeloma_to_aml_after_asct(p: Patient) -> bool:
    if not myeloma_to_aml(p):
        return False
    aml = _tumours(p, "C92")[0]["diagnosis_date"]
    asct = any(t.get("name") == "autologous_sct" and t["start_date"] < aml for t in p["treatments"])
    before = {t["line"] for t in p["treatments"] if t.get("line") and t["start_date"] < aml}
    return asct and len(before) >= 2


def second_primary(p: Patient) -> bool:
    return any(t.get("rank", 1) >= 2 for t in p["tumours"])


def elderly_early_breast(p: Patient) -> bool:
    return (
        p["sex"] == "F"
        and any(
            age_at(p, t["diagnosis_date"]) >= 70
            and not t.get("metastatic_at_diagnosis")
            and (t.get("stage") or "").startswith(("I", "II"))
            and not (t.get("stage") or "").startswith("III")
            and not (t.get("stage") or "").startswith("IV")
            for t in _tumours(p, "C50")
        )
        and bool(p.get("death_date") or p.get("last_news_date"))
    )


def egfr_nsclc(p: Patient) -> bool:
    return any(
        metastatic(p, t) and t.get("histology_group") != "small_cell_carcinoma" for t in _tumours(p, "C34")
    ) and has_marker(p, "EGFR", "mutated")


def her2_breast(p: Patient) -> bool:
    return bool(_tumours(p, "C50")) and has_marker(p, "HER2", "positive")


def braf_melanoma(p: Patient) -> bool:
    return bool(_tumours(p, "C43")) and has_marker(p, "BRAF", "mutated", "V600E")


def msi_colorectal(p: Patient) -> bool:
    return bool(_tumours(p, "C18", "C19", "C20")) and has_marker(p, "MSI", "high")


def kras_g12c(p: Patient) -> bool:
    return has_marker(p, "KRAS", "mutated", "G12C")


USE_CASES: dict[str, tuple[str, Callable[[Patient], bool]]] = {
    "flagship_metastatic_breast_at_50": ("1. women with metastatic breast cancer diagnosed at 50", flagship),
    "fertility_cohort": (
        "2. C50 2011-01-01..2017-09-01, 18-43, non-metastatic, chemotherapy",
        fertility_cohort,
    ),
    "fertility_preservation_mentions": (
        "2. ... with an affirmed fertility-preservation mention",
        fertility_mentions,
    ),
    "exceptional_responders": (
        "3. ongoing targeted therapy, response words, OS >= 2 y, tumour in biobank",
        exceptional_responders,
    ),
    "rectal_net": ("4. rectal neuroendocrine tumours", rectal_net),
    "net_two_lines": ("4. NETs of any origin after >= 2 lines (with 2 progressions)", net_two_lines),
    "operated_pancreatic_net_g1_2_biobank": (
        "4. operated pancreatic NETs grade 1-2 with samples",
        operated_pancreatic_net,
    ),
    "myeloma_to_secondary_aml": ("5. myeloma later followed by AML", myeloma_to_aml),
    "myeloma_to_aml_after_2_lines_asct": (
        "5. ... after >= 2 lines and an autologous transplant",
        myeloma_to_aml_after_asct,
    ),
    "second_primary": ("6. patients with a second primary cancer", second_primary),
    "elderly_early_breast": ("7. women >= 70 with early (stage I-II) breast cancer", elderly_early_breast),
    "trial_egfr_metastatic_nsclc": ("8. EGFR-mutated metastatic NSCLC", egfr_nsclc),
    "trial_her2_breast": ("8. HER2-positive breast cancer", her2_breast),
    "trial_braf_v600e_melanoma": ("8. BRAF V600E melanoma", braf_melanoma),
    "trial_msi_colorectal": ("8. MSI-high colorectal cancer", msi_colorectal),
    "trial_kras_g12c": ("8. KRAS G12C (any site)", kras_g12c),
}


def count_use_cases(corpus: str | Path) -> dict[str, int]:
    """Patients answering each use case, plus ``patients`` and the centres holding rectal NETs."""
    counts = {name: 0 for name in USE_CASES}
    centres_net: set[str] = set()
    centres_saml: set[str] = set()
    total = 0
    for p in iter_patients(corpus):
        total += 1
        for name, (_, predicate) in USE_CASES.items():
            if predicate(p):
                counts[name] += 1
        if rectal_net(p):
            centres_net.add(p["centre_id"])
        if myeloma_to_aml(p):
            centres_saml.add(p["centre_id"])
    counts["centres_with_rectal_net"] = len(centres_net)
    counts["centres_with_secondary_aml"] = len(centres_saml)
    return {"patients": total, **counts}


def truth_counts(corpus: str | Path) -> dict[str, int]:
    """Mentions per qualifier and identifier spans per type in the text truth (scanned documents too)."""
    corpus = Path(corpus)
    counts: dict[str, int] = {
        "mentions": 0,
        "affirmed": 0,
        "negated": 0,
        "hypothetical": 0,
        "family": 0,
        "history": 0,
    }
    with (corpus / "truth" / "mentions.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            for m in json.loads(line)["mentions"]:
                counts["mentions"] += 1
                flags = [q for q in ("negated", "hypothetical", "family", "history") if m.get(q)]
                counts["affirmed"] += not flags
                for q in flags:
                    counts[q] += 1
    with (corpus / "truth" / "identifiers.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            for span in json.loads(line)["spans"]:
                key = f"identifier {span['type']}"
                counts[key] = counts.get(key, 0) + 1
    return counts


def coverage_table(counts: dict[str, int]):  # noqa: ANN201 - rich.table.Table
    """A readable table of the counts (rich)."""
    from rich.table import Table

    table = Table(title="Use-case coverage (true answers in this corpus)")
    table.add_column("use case")
    table.add_column("patients", justify="right")
    for name, n in counts.items():
        label = USE_CASES[name][0] if name in USE_CASES else name.replace("_", " ")
        table.add_row(label, f"{n:,}", style="red" if n == 0 else None)
    return table
