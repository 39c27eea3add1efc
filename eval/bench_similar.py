"""Similar-patient index at scale: ``python -m eval.bench_similar --patients 100000``.

What is measured, precisely (the printout repeats it):

- Source distribution: real patient facts, from a store (``--db``, read with the same code as the
  index) or from a generated corpus read directly (``--corpus``, records turned into facts without
  ingestion), or, with neither, a corpus generated now (``--source`` patients).
- The N patients are SYNTHESISED from that distribution: each copies a random source patient's
  facts, redraws the age (+-8 years), drops each drug with p=0.2; its text vector is the source
  patient's real embedding (``--model``, summary 'facts') plus Gaussian noise, renormalised, so texts
  of one source stay close (cosine ~0.9) but no two are identical. Embedding 100k real texts is
  reported as a cost (measured texts/s x N), not run.
- Index build time (exact IndexFlatIP and HNSW as configured), memory (serialised index bytes and the
  process's peak RSS), query latency p50/p95 over ``--queries`` queries (1 thread as in a request,
  and end to end through ``nearest()`` with a real SQLite store of N patient rows, with and without
  a one-centre scope), and recall@10 of HNSW against exact search. Ties count as found: a returned
  patient is correct when its exact score reaches the exact 10th score (identical structured facts
  are frequent).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np

from eval.similar import cached_embed
from retrieval.similar.config import GROUP_WEIGHTS, get_similar_settings
from retrieval.similar.facts import PatientInfo, build_info, load_patients
from retrieval.similar.features import Vocabulary, vectorise, weighted_features
from retrieval.similar.index import IndexMeta, assemble
from retrieval.similar.search import Filters, nearest
from retrieval.similar.text import embed, facts_text
from retrieval.similar.vectors import VectorSpec, combine
from retrieval.store import Store


def source_patients(args: argparse.Namespace) -> tuple[list[PatientInfo], str]:
    if args.db:
        store = Store(args.db, create=False)
        ids = [int(r["id"]) for r in store.query("SELECT id FROM patients")]
        return [p for p in load_patients(store, sorted(ids)) if p.facts.get("site")], f"store {args.db}"
    corpus = Path(args.corpus) if args.corpus else None
    if corpus is None:
        from synthetic import generate

        corpus = Path(tempfile.mkdtemp(prefix="bench_similar_"))
        generate(corpus, patients=args.source, centres=3, seed=args.seed)
    out = []
    for path in sorted((corpus / "patients").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            r = json.loads(line)
            tumours = [{**t, "age_at_diagnosis": None} for t in r.get("tumours", [])]
            out.append(build_info(r["id"], r, tumours, r.get("events", []), r.get("biomarkers", []),
                                  r.get("treatments", [])))
    return out, f"corpus {corpus}"


def synthesise(src: list[PatientInfo], n: int,
               rng: np.random.Generator) -> tuple[list[PatientInfo], np.ndarray]:
    out = []
    picks = rng.integers(0, len(src), n)
    for i, j in enumerate(picks):
        base = src[j]
        facts = {g: dict(v) for g, v in base.facts.items() if g != "age"}
        if "drug" in facts:
            kept = {d: w for d, w in facts["drug"].items() if rng.random() > 0.2}
            facts["drug"] = kept or facts["drug"]
        age = None if base.age is None else int(np.clip(base.age + rng.integers(-8, 9), 18, 99))
        if age is not None:
            lo, sh = (age // 10) * 10, ((age - 5) // 10) * 10 + 5
            facts["age"] = {f"{lo}-{lo + 9}": 1.0, f"{sh}-{sh + 9}~": 1.0}
        out.append(PatientInfo(i + 1, f"C{1 + i % 3}", base.sex, age, False, i % 50 == 0, facts))
    return out, picks


def percentiles(values: list[float]) -> tuple[float, float]:
    return float(np.percentile(values, 50)), float(np.percentile(values, 95))


def recall_at_10(exact: faiss.Index, approx: faiss.Index, queries: np.ndarray) -> float:
    es, _ = exact.search(queries, 10)
    _, ai = approx.search(queries, 10)
    hits = 0
    for q in range(len(queries)):
        threshold = es[q, 9] - 1e-5
        found = ai[q][ai[q] >= 0]
        scores = np.array([float(exact.reconstruct(int(r)) @ queries[q]) for r in found])
        hits += int((scores >= threshold).sum())
    return hits / (10 * len(queries))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--patients", type=int, default=100_000)
    ap.add_argument("--db", default=None)
    ap.add_argument("--corpus", default=None)
    ap.add_argument("--source", type=int, default=1500)
    ap.add_argument("--model", default=None, help="text encoder (default: the configured one)")
    ap.add_argument("--queries", type=int, default=500)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", default=None)
    ap.add_argument("--cache", default=None, help="embedding cache shared with `cohort eval similar --cache`")
    args = ap.parse_args()
    cfg = get_similar_settings()
    model = args.model or cfg.text_model
    rng = np.random.default_rng(args.seed)
    report: dict = {"patients": args.patients, "model": model, "weight": cfg.structured_weight}

    src, where = source_patients(args)
    report["source"] = f"{len(src)} patients from {where}"
    embed(["warm-up"], model)  # model loading is not part of the per-text cost
    sample = [f"{facts_text(p.facts)} ({i})" for i, p in enumerate(src[:100])]
    t0 = time.perf_counter()
    embed(sample, model)
    per_text = (time.perf_counter() - t0) / len(sample)
    src_texts = [facts_text(p.facts) for p in src]
    src_vecs = cached_embed(src_texts, model, Path(args.cache) if args.cache else None)
    report["text_embedding_cost_s"] = {"per_text (100 texts, this machine's load)": per_text,
                                       "for_N_patients": per_text * args.patients}

    pats, picks = synthesise(src, args.patients, rng)
    feats = [weighted_features(p.facts, GROUP_WEIGHTS) for p in pats]
    vocab = Vocabulary.build(f.keys() for f in feats)
    struct = vectorise(feats, vocab)
    sigma = 0.35 / math.sqrt(src_vecs.shape[1])
    text = src_vecs[picks] + rng.normal(0, sigma, (args.patients, src_vecs.shape[1])).astype(np.float32)
    text /= np.linalg.norm(text, axis=1, keepdims=True)
    vectors = combine(struct, text, cfg.structured_weight)
    unique = len({facts_text(p.facts) for p in pats})
    report["unique_facts_texts"] = unique
    report["text_embedding_cost_s"]["for_unique_facts_texts"] = per_text * unique
    report["dim"] = int(vectors.shape[1])
    report["vocabulary"] = len(vocab.keys)
    spec = VectorSpec(model, "facts", cfg.structured_weight, dict(GROUP_WEIGHTS), src_vecs.shape[1])
    ids = np.arange(1, args.patients + 1, dtype=np.int64)

    built = {}
    for kind in ("flat", "hnsw"):
        meta = IndexMeta(spec=spec, vocab=vocab, kind=kind, hnsw_m=cfg.hnsw_m,
                         hnsw_ef_construction=cfg.hnsw_ef_construction, hnsw_ef_search=cfg.hnsw_ef_search)
        t0 = time.perf_counter()
        built[kind] = assemble(ids, vectors, meta)
        report[f"build_{kind}_s"] = time.perf_counter() - t0
        report[f"bytes_{kind}"] = int(faiss.serialize_index(built[kind].index).nbytes)
    report["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    qrows = rng.choice(args.patients, args.queries, replace=False)
    queries = vectors[qrows]
    faiss.omp_set_num_threads(1)
    for kind, idx in built.items():
        lat = []
        for q in queries:
            t0 = time.perf_counter()
            idx.search(q.reshape(1, -1), 56)
            lat.append((time.perf_counter() - t0) * 1000)
        report[f"query_{kind}_ms_p50_p95"] = percentiles(lat)
    flat_p50, hnsw_p50 = report["query_flat_ms_p50_p95"][0], report["query_hnsw_ms_p50_p95"][0]
    report["hnsw_speedup_vs_exact_p50"] = flat_p50 / hnsw_p50
    hnsw = built["hnsw"].index
    for ef in (64, 128, 256):
        hnsw.hnsw.efSearch = ef
        report[f"recall@10_hnsw_ef{ef}"] = recall_at_10(built["flat"].index, hnsw, queries)
    hnsw.hnsw.efSearch = cfg.hnsw_ef_search

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(str(Path(tmp) / "bench.db"))
        store.executemany("INSERT INTO centres (id, name) VALUES (:id, :id)",
                          [{"id": f"C{i}"} for i in (1, 2, 3)])
        with store.transaction():
            store.executemany(
                "INSERT INTO patients (id, centre_id, sex, birth_date, opposition) VALUES (:id, :c, :s, "
                "'1960-01-01', :o)",
                [{"id": p.patient_id, "c": p.centre_id, "s": p.sex, "o": int(p.opposition)} for p in pats])
        for label, filters in (("all", Filters()), ("one_centre", Filters(centre_ids=("C2",)))):
            lat = []
            for r in qrows[:200]:
                f = Filters(filters.centre_ids, True, None, (int(ids[r]),))
                t0 = time.perf_counter()
                got = nearest(store, built["hnsw"], vectors[r].reshape(1, -1), 10, f)
                lat.append((time.perf_counter() - t0) * 1000)
                assert len(got) == 10
            report[f"end_to_end_hnsw_{label}_ms_p50_p95"] = percentiles(lat)
    faiss.omp_set_num_threads(2)
    report["load_average_1_5_15"] = os.getloadavg()  # timings on a shared 2-core machine are noisy
    print(__doc__)
    print(json.dumps(report, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
