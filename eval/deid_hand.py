"""De-identification on the hand-written sets of ``eval/deid_sets/`` (``cohort eval deid --set dev|heldout``).

Unlike the generator's corpus, these texts were written by an independent author in the styles a
registry deny-list and title patterns do not cover (names without titles, lower case, capitals at
the start of a header line, foreign names, English notes, foreign addresses and phones); the store
knows none of their names, so the redactor runs without a registry (``Redactor.default()``), as on
a text whose patient is unknown.

Matching rules are those of ``eval/deid.py`` (a truth span is caught when ≥ 90 % of its characters
are masked, whatever the type; a predicted span is correct when ≥ 50 % of it lies inside truth
spans). Over-masking is measured on the sets' clinical look-alikes (the list of the sets' README:
eponyms, scores, brand names, institutions, header labels, identifier-like numbers): an occurrence
outside every truth span that any predicted span overlaps is a clinical term wrongly masked.

``dev`` and ``dev2`` may be tuned on (``dev2``'s first-sight score is in
``eval/reports/deid_dev2_first_sight.txt``); ``heldout`` is measured only (its first-sight score, before
any tuning, is in ``eval/reports/deid_hand_first_sight.txt``).
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

from eval.deid_score import TYPES, Score, _covered, _fmt

SETS_DIR = Path(__file__).resolve().parent / "deid_sets"
GOAL = 0.98

# Clinical look-alikes named in eval/deid_sets/README.md (dev, heldout), then those added with dev2 (eponyms,
# genes, drugs, places in disease names, form labels): must stay readable.
LOOKALIKES = """
Hodgkin|Burkitt|Ewing|Wilms|Kahler|Waldenström|Lynch|Li-Fraumeni|Cowden|Peutz-Jeghers|von Hippel-Lindau
|Kaposi|Castleman|Sézary|Merkel|Paget|Bence Jones|Reed-Sternberg|Claude Bernard-Horner|Pancoast|Lambert-Eaton
|Klatskin|Bismuth-Corlette|Krukenberg|Brenner|Warthin|Meigs|Troisier|Virchow|Trousseau|Sister Mary Joseph
|Sœur Marie-Joseph|Courvoisier|Barrett|Crohn|Cushing|Conn|Klinefelter|Richter|Plummer-Vinson
|Whipple|Hartmann|Ivor Lewis|Mohs|Bricker|Philadelphie|Philadelphia|Child-Pugh|Clavien-Dindo|Lauren|Siewert
|Fuhrman|Miettinen|Masaoka-Koga|Binet|Ann Arbor|Lugano|Deauville|Scarff-Bloom-Richardson|Dukes|Stupp|Bonner
|Gleason|ISUP|Breslow|Karnofsky|KPS|ECOG|Charlson|FIGO|BCLC|IMDC|ENSAT|PI-RADS|RECIST
|Keytruda|Herceptine|Herceptin|Tagrisso|Xtandi|Zytiga|Opdivo|Yervoy|Imfinzi|Tecentriq|Avastin|Erbitux|Lynparza
|Kisqali|Verzenios|Perjeta|Phesgo|Kadcyla|Enhertu|Revlimid|Darzalex|Velcade|Imbruvica|Calquence|Adcetris
|Mabthera|Glivec|Iclusig|Lumykras|Padcev|Pemazyre|Inlyta|Pluvicto|Bavencio|Yondelis|Votrient|Xeloda|Zometa
|Xgeva|Zophren|Emend|Lovenox|Innohep|Skenan|Oxynorm|Oxycontin|Doliprane|Humira|Creon
|FOLFOX|FOLFIRI|FOLFIRINOX|R-CHOP|ABVD|FLOT|CAPOX|R-DHAP
|Centre Léon Bérard|Institut Curie|Hôpital Saint-Louis|Institut Gustave Roussy|Institut Bergonié
|Centre Oscar Lambret|Centre François Baclesse|Centre Antoine Lacassagne|Centre Henri Becquerel
|Institut Paoli-Calmettes|Centre Georges-François Leclerc|Institut Sainte-Catherine|Institut Jules Bordet
|Cliniques universitaires Saint-Luc|Hôpitaux Universitaires de Genève|Royal Marsden|Guy's Hospital
|Dana-Farber|Johns Hopkins|MD Anderson|Macmillan
|NOM|PRÉNOM|NÉE LE|NÉ LE|NÉ\\(E\\) LE|DDN|ADRESSE|TÉL|PORTABLE|MÉDECIN TRAITANT|PERSONNE DE CONFIANCE
|PERSONNE À PRÉVENIR|PRESCRIPTEUR|OPÉRATEUR|ANESTHÉSISTE|ASSURÉ|DATE D'ENTRÉE|SERVICE|MACROSCOPIE
|MICROSCOPIE|CONCLUSION|PROPOSITION|HÉMOGLOBINE|PLAQUETTES|CRÉATININE|FOIE|RATE|REINS|VÉSICULE|SEIN
|PATIENT|NAME|DOB|MRN|HOSP NO|CLINICIAN|SPECIMEN|OUTCOME
|NCT\\d{8}|CIP \\d{13}|UCD \\d{13}|PSA \\d+[.,]\\d+|CA 15-3|CA 19-9|BRCA1|BRCA2|KRAS G12C|BRAF V600E
|EGFR C797S
|Clark|Addison|Hashimoto|Raynaud|Lyme|Nil occidental|Zika|Milan|Ki-67|TP53|PALB2|EGFR|ALK|ROS1|HER2|IDH1|MGMT
|PIK3CA|MYD88|MLH1|MSH2|ATRX|NRAS|RAD51C|RAD51D|KRAS G12D|Taxotere|Temodal|Lenvima|nivolumab|pembrolizumab
|ipilimumab|cisplatine|carboplatine|tamoxifène|létrozole|letrozole|ribociclib|olaparib|capécitabine|sotorasib
|abemaciclib|lenvatinib|zanubrutinib|bévacizumab|gemcitabine|docetaxel|temozolomide|loperamide|alpélisib
|dexaméthasone|PRÉLEVÉ LE|DEMANDEUR|EXAMEN DU|NOM D'USAGE|NOM DE NAISSANCE|DATE DE NAISSANCE|PATIENTE|TRAJET
|AIDE|ID PATIENT|LETTRE DE SORTIE|COMPTE RENDU OPÉRATOIRE|FICHE D'ADMISSION
""".replace("\n", "")
_LOOK = re.compile(r"(?<!\w)(?:" + LOOKALIKES.strip("|") + r")(?!\w)")


def load_set(name: str) -> list[dict[str, Any]]:
    path = SETS_DIR / f"{name}.spans.jsonl"
    if not path.exists():
        raise FileNotFoundError(f"No set {path}: run `python eval/deid_sets/convert.py` first.")
    docs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for doc in docs:
        for span in doc["spans"]:
            span.setdefault("text", span["value"])  # the scorer's name for the span's characters
    return docs


def lookalike_masks(docs: list[dict[str, Any]], preds: list[list[tuple[int, int, str]]]) -> dict[str, Any]:
    total = masked = 0
    offenders: Counter[str] = Counter()
    for doc, pred in zip(docs, preds, strict=True):
        truth = [(s["start"], s["end"]) for s in doc["spans"]]
        spans = [(s, e) for s, e, _ in pred]
        for m in _LOOK.finditer(doc["text"]):
            if _covered(truth, m.start(), m.end()):
                continue
            total += 1
            if _covered(spans, m.start(), m.end()):
                masked += 1
                offenders[m.group(0)] += 1
    return {"occurrences": total, "masked": masked, "rate": masked / total if total else 0.0,
            "top": offenders.most_common(10)}


def evaluate_set(name: str, redactor: Any = None) -> dict[str, Any]:
    """Recall/precision per type (all, fr, en), look-alikes masked, misses; ``redactor`` defaults to
    the product's redactor without a registry."""
    if redactor is None:
        from privacy.redact import Redactor

        redactor = Redactor.default()
    docs = load_set(name)
    scores = {"all": Score(), "fr": Score(), "en": Score()}
    preds = []
    times = []
    for doc in docs:
        started = time.perf_counter()
        found = redactor.analyze(doc["text"], lang=doc["lang"]) if _takes_lang(redactor) \
            else redactor.analyze(doc["text"])
        times.append(time.perf_counter() - started)
        pred = [(f.start, f.end, f.entity) for f in found]
        preds.append(pred)
        for key in ("all", doc["lang"]):
            scores[key].add(doc["text"], doc["spans"], pred)
    return {
        "set": name,
        "documents": len(docs),
        "identifiers": sum(len(d["spans"]) for d in docs),
        "types": {k: {t: s.row(t) for t in TYPES} | {"all": s.row(None)} for k, s in scores.items()},
        "lookalikes": lookalike_masks(docs, preds),
        "misses": scores["all"].misses,
        "ms_per_doc": 1000 * statistics.median(times) if times else 0.0,
    }


def _takes_lang(redactor: Any) -> bool:
    import inspect

    return "lang" in inspect.signature(redactor.analyze).parameters


def print_set_report(res: dict[str, Any], console: Any, show_misses: int = 0) -> None:
    from rich.console import Console
    from rich.table import Table

    wide = Console(width=max(130, console.width), file=console.file)
    table = Table(title=f"Hand-written set '{res['set']}': {res['documents']} documents, "
                        f"{res['identifiers']} identifiers (recall; precision)")
    table.add_column("type")
    for part in ("all", "fr", "en"):
        table.add_column(f"n {part}", justify="right")
        table.add_column(f"R {part}", justify="right")
    table.add_column("P all", justify="right")
    for kind in (*TYPES, "all"):
        cells = []
        for part in ("all", "fr", "en"):
            row = res["types"][part][kind]
            cells += [str(row["n"]), _fmt(row["recall"])]
        table.add_row(kind, *cells, _fmt(res["types"]["all"][kind]["precision"]))
    wide.print(table)
    rows = res["types"]["all"]
    below = [t for t in TYPES if rows[t]["n"] and (rows[t]["recall"] or 0) < GOAL]
    look = res["lookalikes"]
    wide.print(f"recall < {GOAL} for: {', '.join(below) or 'none'}; clinical look-alikes masked "
               f"{look['masked']}/{look['occurrences']} = {100 * look['rate']:.2f} % (goal ≤ 1 %); "
               f"median {res['ms_per_doc']:.0f} ms per document")
    if look["top"]:
        wide.print("   look-alikes masked: " + ", ".join(f"{t} ({n})" for t, n in look["top"]),
                   markup=False, highlight=False)
    for kind, what in res["misses"][:show_misses]:
        wide.print(f"   miss {kind}: {what}", markup=False, highlight=False)
