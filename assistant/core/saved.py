"""Saved queries and saved cohorts as one user may see them.

Storage is the query compiler's (``CohortEngine`` saved-query/cohort methods over the tables of
migration 0002); what is added here is the rule of who sees what, which that layer leaves to its
caller: a query is visible to its owner, to its centre when shared, and to the novice whose
referent request it answers; a cohort only to its owner. Cohorts are frozen by the engine inside
the user's scope (own centre, opposed patients out).
"""

from __future__ import annotations

from typing import Any

from assistant.core.errors import AssistantError
from assistant.core.results import SavedCohort, SavedQuery

OPS = ("union", "intersection", "difference")

_VISIBLE = (
    "(q.owner = :u OR (q.shared = 1 AND q.centre_id = :c) OR q.id IN "
    "(SELECT saved_query_id FROM referent_requests WHERE from_user = :u AND saved_query_id IS NOT NULL))"
)


def _ref(ref: Any) -> str:
    return str(ref).strip().lstrip("#").removeprefix("n°").removeprefix("no.").strip()


def _query(row: dict[str, Any]) -> SavedQuery:
    return SavedQuery(
        id=int(row["id"]),
        name=row["name"],
        owner=row["owner"],
        question=row.get("question"),
        criteria_json=row["criteria"],
        created_at=row["created_at"],
        last_run_at=row.get("last_run_at"),
    )


def _cohort(c: Any) -> SavedCohort:
    return SavedCohort(
        id=int(c.id), name=c.name, owner=c.owner, size=int(c.size), origin=c.origin, created_at=c.created_at
    )


def save_query(
    engine: Any,
    *,
    name: str,
    owner: str,
    centre_id: str,
    question: str | None,
    node: Any,
    shared: bool = False,
) -> SavedQuery:
    name = name.strip() or (question or "?")[:80]
    q = engine.save_query(name, node, owner, question=question, centre_id=centre_id, shared=shared)
    return get_query(engine.store, q.id, username=owner, centre_id=centre_id)


def list_queries(store: Any, *, username: str, centre_id: str) -> list[SavedQuery]:
    rows = store.query(
        f"SELECT q.* FROM saved_queries q WHERE {_VISIBLE} ORDER BY q.id", {"u": username, "c": centre_id}
    )
    return [_query(r) for r in rows]


def get_query(store: Any, ref: Any, *, username: str, centre_id: str) -> SavedQuery:
    """A visible saved query by number or exact name (the most recent of that name)."""
    key = _ref(ref)
    params: dict[str, Any] = {"u": username, "c": centre_id}
    if key.isdigit():
        rows = store.query(
            f"SELECT q.* FROM saved_queries q WHERE q.id = :r AND {_VISIBLE}", {**params, "r": int(key)}
        )
    else:
        rows = store.query(
            f"SELECT q.* FROM saved_queries q WHERE q.name = :r AND {_VISIBLE} ORDER BY q.id DESC",
            {**params, "r": key},
        )
    if not rows:
        raise AssistantError("error.unknown_query", ref=key)
    return _query(rows[0])


def list_cohorts(engine: Any, *, username: str) -> list[SavedCohort]:
    return [_cohort(c) for c in engine.saved_cohorts(username)]


def get_cohort(engine: Any, ref: Any, *, username: str) -> SavedCohort:
    key = _ref(ref)
    mine = engine.saved_cohorts(username)
    found = [c for c in mine if (key.isdigit() and c.id == int(key)) or c.name == key]
    if not found:
        raise AssistantError("error.unknown_cohort", ref=key)
    return _cohort(found[-1])


def save_cohort(engine: Any, *, name: str, node: Any, owner: str, scope: Any) -> SavedCohort:
    return _cohort(engine.save_cohort(name.strip() or "cohorte", node, owner, scope))


def combine(engine: Any, a: SavedCohort, op: str, b: SavedCohort, *, name: str, owner: str) -> SavedCohort:
    if op not in OPS:
        raise AssistantError("error.bad_combine")
    return _cohort(engine.combine_cohorts(op, a.id, b.id, name, owner))


_OP_WORDS = {
    "union": "union",
    "∪": "union",
    "ou": "union",
    "or": "union",
    "+": "union",
    "intersection": "intersection",
    "inter": "intersection",
    "∩": "intersection",
    "et": "intersection",
    "and": "intersection",
    "&": "intersection",
    "difference": "difference",
    "différence": "difference",
    "moins": "difference",
    "minus": "difference",
    "sauf": "difference",
    "except": "difference",
    "-": "difference",
}


def parse_combination(text: str) -> tuple[str, str, str, str | None]:
    """'1 union 2 [name]' / 'A intersection B' → (a, op, b, name)."""
    words = text.split()
    for i, w in enumerate(words):
        op = _OP_WORDS.get(w.lower())
        if op and 0 < i < len(words) - 1:
            return " ".join(words[:i]), op, words[i + 1], " ".join(words[i + 2 :]) or None
    raise AssistantError("error.bad_combine")


def op_of(word: str) -> str:
    op = _OP_WORDS.get(word.strip().lower())
    if op is None:
        raise AssistantError("error.bad_combine")
    return op
