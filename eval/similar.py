"""`cohort eval similar`: how well patient vectors find clinically similar patients.

Relevance (binary), from the generator's structured truth (``patients/*.jsonl`` of the corpus, not
the store): a candidate is relevant to a query patient when their FIRST primary tumours agree on

1. site group: ICD-10 3-character category, colon/rectosigmoid/rectum (C18-C20) counted as one;
2. histology group (``histology_group``);
3. stage group AT DIAGNOSIS: I-II / III / IV (stage IV, M1 or metastatic at diagnosis) /
   haematological (C81-C96, D45-D47), see ``retrieval.similar.facts.stage_group``;
4. key biomarker: the first of KEY_MARKERS the patient carries with a positive-like status
   (mutated, rearranged, amplified, positive, high), or "none".

Queries: patients whose relevance class has at least 11 members (so a perfect precision@10 is 1),
sampled with a fixed seed; the query patient is excluded from the candidates. Metrics: precision@10
and nDCG@10 (binary gains, ideal = min(10, relevant)). Rankings are exact (numpy), so the figures are
about the vectors; the approximate index is measured by eval/bench_similar.py.

Case-text queries: for held-out query patients a case description is written from their truth in
French and in English (age, sex, site, histology, stage, metastatic sites, key biomarker — or up
to three negative key markers when there is none —, first drugs), parsed with
``query_compiler.parser.parse(use_llm=False)`` into facts (retrieval/similar/case.py) and
embedded; then ranked against every other patient with the same relevance.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import random
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from retrieval.labels import group_label, site_label
from retrieval.similar.config import GROUP_WEIGHTS
from retrieval.similar.facts import load_patients, marker_key, site_code, stage_group
from retrieval.similar.features import Vocabulary, vectorise, weighted_features
from retrieval.similar.report_facts import complete_from_reports, facts_from_reports
from retrieval.similar.text import embed, facts_text, summaries
from retrieval.similar.vectors import combine
from retrieval.store import Store
from retrieval.vocab import BIOMARKER_STATUSES, METASTASIS_SITES, SYSTEMIC_CLASSES, label

K = 10
KEY_MARKERS = ("EGFR", "ALK", "ROS1", "BRAF", "KRAS", "NRAS", "HER2", "ER", "PR", "MSI", "BRCA1", "BRCA2",
               "FLT3", "NPM1", "IDH1", "IDH2", "TP53", "PDL1")
POSITIVE = {"mutated", "rearranged", "amplified", "positive", "high"}
WEIGHTS = (0.3, 0.5, 0.6, 0.7, 0.8, 0.9)


# -- truth ----------------------------------------------------------------------------------------
def relevance_key(record: dict) -> tuple[str, str, str, str] | None:
    """The class a patient belongs to (see module docstring); None without a tumour."""
    tumours = sorted(record.get("tumours") or [], key=lambda t: (t.get("rank", 1), t["diagnosis_date"]))
    if not tumours:
        return None
    t = tumours[0]
    site = site_code(t["icd10"]) or "?"
    if site in ("C18", "C19", "C20"):
        site = "C18-C20"
    stage = stage_group(t["icd10"], t.get("stage"), t.get("m"), bool(t.get("metastatic_at_diagnosis"))) or "?"
    present = {marker_key(b["marker"]) for b in record.get("biomarkers") or []
               if b.get("status") in POSITIVE and b.get("tumour_id") in (None, t["id"])}
    key = next((m for m in KEY_MARKERS if m in present), "none")
    return site, (t.get("histology_group") or "?"), stage, key


def load_truth(corpus: Path) -> dict[int, dict]:
    records: dict[int, dict] = {}
    for path in sorted((corpus / "patients").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                records[int(rec["id"])] = rec
    if not records:
        raise FileNotFoundError(f"No patients/*.jsonl in {corpus}: give the corpus the store was built from.")
    return records


# -- case texts -----------------------------------------------------------------------------------
def case_text(record: dict, lang: str) -> str:
    """A short case description a clinician could type, from the patient's truth."""
    fr = lang == "fr"
    t = sorted(record["tumours"], key=lambda x: (x.get("rank", 1), x["diagnosis_date"]))[0]
    age = int(t["diagnosis_date"][:4]) - int(record["birth_date"][:4])
    female = record["sex"] == "F"
    who = (f"Patiente de {age} ans" if female else f"Patient de {age} ans") if fr else \
        f"{age}-year-old {'woman' if female else 'man'}"
    site = site_label(site_code(t["icd10"]) or "", lang) or t["icd10"]
    hist = group_label(t["histology_group"], lang) if t.get("histology_group") else ""
    parts = [who, (f"{hist} ({site})" if hist else f"cancer : {site}") if fr else
             (f"{site} {hist}" if hist else f"{site} cancer")]
    key = relevance_key(record)
    if key and key[2] in ("I-II", "III", "IV"):
        parts.append(("stade " if fr else "stage ") + {"I-II": "II", "III": "III", "IV": "IV"}[key[2]])
    mets = sorted({e["site"] for e in record.get("events") or []
                   if e["type"] == "metastasis" and e.get("site")})
    if mets:
        names = [label(METASTASIS_SITES, m, lang) for m in mets[:3]]
        parts.append(("métastases : " if fr else "metastases: ") + ", ".join(names))
    if key and key[3] != "none":
        status = next(b["status"] for b in record["biomarkers"]
                      if marker_key(b["marker"]) == key[3] and b.get("status") in POSITIVE)
        parts.append(f"{key[3]} {label(BIOMARKER_STATUSES, status, lang)}")
    else:  # say what was found negative, as a clinician would ("EGFR sauvage, ALK négatif")
        tested = [(marker_key(b["marker"]), b["status"]) for b in record.get("biomarkers") or []
                  if marker_key(b["marker"]) in KEY_MARKERS and b.get("status") in ("negative", "wild_type")]
        for marker, status in list(dict.fromkeys(tested))[:3]:
            parts.append(f"{marker} {label(BIOMARKER_STATUSES, status, lang)}")
    drugs = [x["name"] for x in sorted(record.get("treatments") or [], key=lambda x: x["start_date"])
             if x.get("name") and x["class"] in SYSTEMIC_CLASSES]
    drugs = list(dict.fromkeys(drugs))[:2]
    if drugs:
        verb = ("traitée par " if female else "traité par ") if fr else "treated with "
        parts.append(verb + ", ".join(drugs))
    return ", ".join(parts) + "."


# -- metrics --------------------------------------------------------------------------------------
def metrics(scores: np.ndarray, rel: np.ndarray, n_rel: int) -> tuple[float, float]:
    """precision@K and nDCG@K of one query; ``scores`` already -inf for the query itself."""
    top = np.argsort(-scores, kind="stable")[:K]
    hits = rel[top].astype(float)
    dcg = float(sum(h / math.log2(i + 2) for i, h in enumerate(hits)))
    ideal = sum(1 / math.log2(i + 2) for i in range(min(K, n_rel)))
    return float(hits.mean()), (dcg / ideal if ideal else 0.0)


def evaluate(matrix: np.ndarray, queries: np.ndarray, keys: list, qvecs: np.ndarray | None = None) -> dict:
    """Mean p@10 / nDCG@10; ``qvecs`` (case vectors) replace the query rows when given."""
    keys_arr = np.array([hash(k) for k in keys])
    ps, ns = [], []
    for j, qi in enumerate(queries):
        q = matrix[qi] if qvecs is None else qvecs[j]
        scores = matrix @ q
        scores[qi] = -np.inf
        rel = keys_arr == keys_arr[qi]
        rel[qi] = False
        p, n = metrics(scores, rel, int(rel.sum()))
        ps.append(p)
        ns.append(n)
    return {"p@10": float(np.mean(ps)), "ndcg@10": float(np.mean(ns)), "queries": len(queries)}


# -- the run --------------------------------------------------------------------------------------
def _parse_cases(texts: list[str]) -> tuple[list[dict], str]:
    """Facts of typed cases through the real parser (rules only); empty facts when it is absent."""
    from query_compiler.compiler.similar import case_facts

    try:
        from query_compiler.parser import parse
    except ImportError:
        return [{} for _ in texts], "parser missing: case structured part empty"
    facts = [case_facts(parse(t, use_llm=False).criteria, t) for t in texts]
    return facts, "query_compiler.parser.parse(use_llm=False)"


def cached_embed(docs: list[str], model: str, cache: Path | None) -> np.ndarray:
    """Embeddings of these texts, kept on disk by content hash so that re-runs cost nothing."""
    if cache is None:
        return embed(docs, model)
    digest = hashlib.sha256(("\x00".join(docs) + "\x01" + model).encode()).hexdigest()[:20]
    path = cache / f"{model}-{digest}.npy"
    if path.exists():
        return np.load(path)
    cache.mkdir(parents=True, exist_ok=True)
    vecs = embed(docs, model)
    np.save(path, vecs)
    return vecs


def run(store: Store, corpus: Path, models: list[str], strategies: list[str], n_queries: int = 300,
        n_cases: int = 60, seed: int = 13, echo=print, min_class: int = K + 1,  # noqa: ANN001
        cache: Path | None = None, drop_structured: float = 0.0, drop_among: str = "reported") -> dict:
    """The evaluation; with ``drop_structured`` > 0 every vector is built from a degraded COPY of the
    store (eval/similar_degrade.py says what is dropped, among which patients), the truth still from
    the corpus."""
    if drop_structured <= 0:
        return {**_run(store, corpus, models, strategies, n_queries, n_cases, seed, echo, min_class, cache),
                "drop_structured": 0.0, "dropped": {}}
    from eval.similar_degrade import degraded_copy

    with tempfile.TemporaryDirectory(prefix="cohort-drop-") as tmp:
        copy, dropped = degraded_copy(store, drop_structured, seed, Path(tmp), drop_among)
        try:
            for name, d in dropped.items():
                echo(f"  dropped {name}: {d['patients_drawn']}/{d['patients_eligible']} patients, rows "
                     f"{d['rows_before']} -> {d['rows_after']}")
            report = _run(copy, corpus, models, strategies, n_queries, n_cases, seed, echo, min_class, cache)
        finally:
            copy.close()
    return {**report, "drop_structured": drop_structured, "drop_among": drop_among, "dropped": dropped}


def _run(store: Store, corpus: Path, models: list[str], strategies: list[str], n_queries: int,
         n_cases: int, seed: int, echo, min_class: int, cache: Path | None) -> dict:  # noqa: ANN001
    truth = load_truth(corpus)
    ids = sorted(int(r["id"]) for r in store.query("SELECT id FROM patients"))
    patients = [p for p in load_patients(store, ids) if p.patient_id in truth
                and relevance_key(truth[p.patient_id]) is not None]
    keys = [relevance_key(truth[p.patient_id]) for p in patients]
    sizes = Counter(keys)
    eligible = [i for i, k in enumerate(keys) if sizes[k] >= min_class]
    rng = random.Random(seed)
    queries = np.array(sorted(rng.sample(eligible, min(n_queries, len(eligible)))), dtype=int)
    echo(f"{len(patients)} patients, {len(sizes)} relevance classes, {len(eligible)} eligible queries, "
         f"{len(queries)} used")
    feats = [weighted_features(p.facts, GROUP_WEIGHTS) for p in patients]
    vocab = Vocabulary.build(f.keys() for f in feats)
    coded = vectorise(feats, vocab)
    rows: list[dict] = [{"vectors": "structured", "model": "-", "summary": "-", "weight": 1.0,
                         **evaluate(coded, queries, keys)}]
    # the parts the reports give on their own, and the structured part the index holds (coded facts
    # completed from the reports, retrieval/similar/report_facts.py)
    read = facts_from_reports(store, [p.patient_id for p in patients])
    rfeats = [weighted_features(read.get(p.patient_id, {}), GROUP_WEIGHTS) for p in patients]
    rows.append({"vectors": "report facts", "model": "-", "summary": "-", "weight": 1.0,
                 **evaluate(vectorise(rfeats, Vocabulary.build(f.keys() for f in rfeats)), queries, keys)})
    completed = copy.deepcopy(patients)
    filled = complete_from_reports(store, completed)
    cfeats = [weighted_features(p.facts, GROUP_WEIGHTS) for p in completed]
    vocab = Vocabulary.build(f.keys() for f in cfeats)
    struct = vectorise(cfeats, vocab)
    rows.append({"vectors": "structured+reports", "model": "-", "summary": "-", "weight": 1.0,
                 **evaluate(struct, queries, keys)})
    echo(f"  coded facts completed from reports (patients per group): {dict(filled)}")
    texts: dict[tuple[str, str], np.ndarray] = {}
    cost: dict[str, float] = {}
    for model in models:
        for strategy in strategies:
            t0 = time.perf_counter()
            docs = summaries(store, completed, strategy)  # as the index writes them
            texts[model, strategy] = cached_embed(docs, model, cache)
            cost[f"{model}/{strategy}"] = (time.perf_counter() - t0) / max(1, len(set(docs)))
            rows.append({"vectors": "text", "model": model, "summary": strategy, "weight": 0.0,
                         **evaluate(texts[model, strategy], queries, keys)})
            for w in WEIGHTS:
                rows.append({"vectors": "combined", "model": model, "summary": strategy, "weight": w,
                             **evaluate(combine(struct, texts[model, strategy], w), queries, keys)})
            echo(f"  {model}/{strategy}: {cost[f'{model}/{strategy}'] * 1000:.0f} ms per unique text")
    best = max((r for r in rows if r["vectors"] == "combined"), key=lambda r: (r["p@10"], r["ndcg@10"]),
               default=None)
    cases = _case_rows(store, patients, keys, truth, queries, struct, vocab, texts, rows, n_cases, rng, echo,
                       cache)
    return {"patients": len(patients), "classes": len(sizes), "queries": int(len(queries)), "rows": rows,
            "best": best, "cases": cases, "seconds_per_text": cost}


def _case_rows(store, patients, keys, truth, queries, struct, vocab, texts, rows, n_cases, rng,  # noqa: ANN001
               echo, cache=None) -> list[dict]:  # noqa: ANN001
    """Case-text queries in French and English: parsed facts, the case's text part in each mode
    (the same three modes as ``retrieval.similar.vectors.case_text_vector``, computed in bulk)."""
    if not len(queries) or n_cases <= 0:
        return []
    chosen = np.array(sorted(rng.sample(list(queries), min(n_cases, len(queries)))), dtype=int)
    out = []
    for lang in ("fr", "en"):
        docs = [case_text(truth[patients[i].patient_id], lang) for i in chosen]
        facts, how = _parse_cases(docs)
        echo(f"  cases {lang}: e.g. {docs[0]!r} ({how})")
        cs = vectorise([weighted_features(f, GROUP_WEIGHTS) for f in facts], vocab)
        out.append({"lang": lang, "vectors": "structured (parsed)", "model": "-", "summary": "-",
                    "case_text": "-", "weight": 1.0, **evaluate(struct, chosen, keys, cs)})
        by_mode = {}
        for model in sorted({m for m, _ in texts}):
            raw = cached_embed(docs, model, cache)
            sentences = [facts_text(f) if f else d for f, d in zip(facts, docs, strict=True)]
            canonical = cached_embed(sentences, model, cache)
            both = raw + canonical
            both /= np.maximum(np.linalg.norm(both, axis=1, keepdims=True), 1e-12)
            by_mode[model] = {"raw": raw, "facts": canonical, "both": both}
        for (model, strategy), tmat in texts.items():
            for mode, ce in by_mode[model].items():
                base = {"lang": lang, "model": model, "summary": strategy, "case_text": mode}
                out.append({**base, "vectors": "text", "weight": 0.0, **evaluate(tmat, chosen, keys, ce)})
                for w in WEIGHTS:
                    out.append({**base, "vectors": "combined", "weight": w,
                                **evaluate(combine(struct, tmat, w), chosen, keys, combine(cs, ce, w))})
    return out


def _wide(rows: list[dict], keys: list[str]) -> list[dict]:
    """One line per configuration: structured/text-only and each combined weight as 'p@10 / nDCG@10'."""
    lines: dict[tuple, dict] = {}
    for r in rows:
        line = lines.setdefault(tuple(r.get(k, "-") for k in keys if k != "vectors"),
                                {k: r.get(k, "-") for k in keys if k != "vectors"})
        col = {"structured": "coded only", "structured (parsed)": "struct only", "text": "text only",
               "report facts": "report facts only", "structured+reports": "coded+report facts"}.get(
            r["vectors"], f"w={r['weight']}")
        line[col] = f"{r['p@10']:.3f} / {r['ndcg@10']:.3f}"
        line["n"] = r["queries"]
    return list(lines.values())


def _table(title: str, rows: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    cols = list(dict.fromkeys(c for r in rows for c in r))
    table = Table(title=title)
    for c in cols:
        table.add_column(c)
    for r in rows:
        table.add_row(*[str(r.get(c, "")) for c in cols])
    Console(width=200).print(table)


def register(eval_app: typer.Typer) -> None:
    @eval_app.command("similar")
    def similar_cmd(
        db: Annotated[str, typer.Option("--db", help="Store ingested from the corpus.")],
        corpus: Annotated[Path, typer.Option("--corpus", help="Generated corpus directory (truth).")],
        models: Annotated[str, typer.Option("--models", help="Text encoders, comma-separated.")]
        = "minilm,e5",
        strategies: Annotated[str, typer.Option("--summaries", help="facts,reports,mentions,findings")]
        = "facts,reports",
        queries: Annotated[int, typer.Option("--queries", help="Patient queries (sampled).")] = 300,
        cases: Annotated[int, typer.Option("--cases", help="Case-text queries per language.")] = 60,
        seed: Annotated[int, typer.Option("--seed")] = 13,
        min_class: Annotated[int, typer.Option("--min-class", help="Smallest relevance class queried.")]
        = K + 1,
        out: Annotated[Path | None, typer.Option("--out", help="Also write the report as JSON.")] = None,
        cache: Annotated[Path | None, typer.Option("--cache", help="Keep embeddings here between runs.")]
        = None,
        drop_structured: Annotated[float, typer.Option(
            "--drop-structured", help="Simulate incomplete coding: on a copy of the store, drop this share "
            "of patients' biomarkers, metastasis events and tumour histologies (eval/similar_degrade.py).")]
        = 0.0,
        drop_among: Annotated[str, typer.Option(
            "--drop-among", help="'reported': drop only coding the reports state (default); 'all': any.")]
        = "reported",
    ) -> None:
        """Precision@10 and nDCG@10 of structured, text and combined patient vectors (and typed cases)."""
        report = run(Store(db, create=False), corpus, [m for m in models.split(",") if m],
                     [s for s in strategies.split(",") if s], queries, cases, seed, min_class=min_class,
                     cache=cache, drop_structured=drop_structured, drop_among=drop_among)
        note = f" (drop-structured {drop_structured} among {drop_among})" if drop_structured > 0 else ""
        _table(f"Patient queries: precision@10 / nDCG@10{note}",
               _wide(report["rows"], ["vectors", "model", "summary"]))
        _table(f"Case-text queries: precision@10 / nDCG@10{note}",
               _wide(report["cases"], ["lang", "vectors", "model", "summary", "case_text"]))
        b = report["best"]
        if b:
            print(f"Best combined: {b['model']}/{b['summary']} weight {b['weight']} -> p@10 {b['p@10']:.3f}, "
                  f"nDCG@10 {b['ndcg@10']:.3f}")
        if out:
            out.write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
