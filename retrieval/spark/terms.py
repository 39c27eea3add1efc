"""The word table that serves full-text search on Spark (``terms``).

SQLite searches segments with FTS5 and PostgreSQL with a tsvector; Spark has neither, and a scan
of every segment's text for every question would read gigabytes. So the warehouse keeps, next to
``segments``, one row per word: ``(patient_id, document_id, segment_id, pos, word, negated,
hypothetical, family, history)``, where ``word`` is cut and folded by the same tokenizer as FTS5
(``retrieval.fts_chars.tokenize``) and ``pos`` is its rank in the segment. Inside each patient
bucket the rows are sorted by word, so Parquet's row-group statistics let a search for
``metastase`` or ``ov*`` (a range of words) read only the row groups that can hold it: this table
is an inverted index made of plain Parquet. A phrase is a self-join on ``pos + 1``, and ``NEAR`` a
join of the groups' positions in the same segment (``query_compiler.compiler.dialects``).

>>> [row[3:5] for row in term_rows(7, 70, 700, "Pas de métastase", (1, 0, 0, 0))]
[(0, 'pas'), (1, 'de'), (2, 'metastase')]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from retrieval.fts_chars import tokenize
from retrieval.spark.schema import FLAGS, TERMS_COLUMNS, ddl

TERMS_SCHEMA = ddl(list(TERMS_COLUMNS))


def term_rows(
    patient_id: int, document_id: int, segment_id: int, text: str, flags: tuple[int, ...]
) -> Iterator[tuple[Any, ...]]:
    for pos, (word, _, _) in enumerate(tokenize(text or "")):
        yield (patient_id, document_id, segment_id, pos, word, *flags)


def terms_of_segments(frames: Iterable[Any]) -> Iterator[Any]:
    """``mapInPandas`` body: segments (id, document_id, patient_id, text, flags) -> their words."""
    import pandas as pd

    names = [c for c, _ in TERMS_COLUMNS]
    for pdf in frames:
        rows: list[tuple[Any, ...]] = []
        cols = [pdf[c].tolist() for c in ("patient_id", "document_id", "id", "text", *FLAGS)]
        for pid, doc, seg, text, *flags in zip(*cols, strict=True):
            rows.extend(term_rows(int(pid), int(doc), int(seg), text, tuple(int(f) for f in flags)))
        yield pd.DataFrame.from_records(rows, columns=names)


def terms_frame(segments: Any) -> Any:
    """The ``terms`` DataFrame of a ``segments`` DataFrame (computed on the executors)."""
    cols = ["id", "document_id", "patient_id", "text", *FLAGS]
    return segments.select(*cols).mapInPandas(terms_of_segments, TERMS_SCHEMA)
