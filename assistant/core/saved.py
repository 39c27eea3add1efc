"""Saved queries (re-runnable criteria) and saved cohorts (frozen patient sets) of one user.

Both live in the ``saved_queries`` / ``saved_cohorts`` / ``cohort_members`` tables (migration 0002).
A query is visible to its owner, to everyone in its centre when ``shared``, and to the novice whose
referent request it answers. A cohort freezes the patient ids the governed engine returned for the
user (own centre, opposition applied) so a combination can never pull in another centre's patient.
"""

from __future__ import annotations

from typing import Any

from assistant.core.errors import AssistantError
from assistant.core.results import SavedCohort, SavedQuery
from retrieval.store import now_iso

OPS = ("union", "intersection", "difference")


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


def _cohort(row: dict[str, Any]) -> SavedCohort:
    return SavedCohort(
        id=int(row["id"]),
        name=row["name"],
        owner=row["owner"],
        size=int(row["size"]),
        origin=row.get("origin"),
        created_at=row["created_at"],
    )


def save_query(
    store: Any,
    *,
    name: str,
    owner: str,
    centre_id: str,
    question: str | None,
    criteria_json: str,
    shared: bool = False,
) -> SavedQuery:
    name = name.strip() or (question or "requête")[:60]
    with store.transaction():
        store.execute(
            "INSERT INTO saved_queries (name, owner, centre_id, question, criteria, created_at, shared)"
            " VALUES (:n, :o, :c, :q, :cr, :t, :s)",
            {
                "n": name,
                "o": owner,
                "c": centre_id,
                "q": question,
                "cr": criteria_json,
                "t": now_iso(),
                "s": int(shared),
            },
        )
        new_id = store.scalar("SELECT MAX(id) FROM saved_queries WHERE owner = :o", {"o": owner})
    return get_query(store, new_id, username=owner, centre_id=centre_id)


_VISIBLE = (
    "(q.owner = :u OR (q.shared = 1 AND q.centre_id = :c) OR q.id IN "
    "(SELECT saved_query_id FROM referent_requests WHERE from_user = :u AND saved_query_id IS NOT NULL))"
)


def list_queries(store: Any, *, username: str, centre_id: str) -> list[SavedQuery]:
    rows = store.query(
        f"SELECT q.* FROM saved_queries q WHERE {_VISIBLE} ORDER BY q.id", {"u": username, "c": centre_id}
    )
    return [_query(r) for r in rows]


def get_query(store: Any, ref: Any, *, username: str, centre_id: str) -> SavedQuery:
    """A visible saved query by number or by exact name (most recent first)."""
    ref_s = str(ref).strip().lstrip("#").removeprefix("n°").strip()
    params = {"u": username, "c": centre_id, "r": ref_s}
    if ref_s.isdigit():
        rows = store.query(
            f"SELECT q.* FROM saved_queries q WHERE q.id = :r AND {_VISIBLE}", {**params, "r": int(ref_s)}
        )
    else:
        rows = store.query(
            f"SELECT q.* FROM saved_queries q WHERE q.name = :r AND {_VISIBLE} ORDER BY q.id DESC", params
        )
    if not rows:
        raise AssistantError("error.unknown_query", ref=ref_s)
    return _query(rows[0])


def touch_query(store: Any, query_id: int) -> None:
    store.execute("UPDATE saved_queries SET last_run_at = :t WHERE id = :i", {"t": now_iso(), "i": query_id})


def save_cohort(
    store: Any,
    *,
    name: str,
    owner: str,
    centre_id: str,
    patient_ids: list[int],
    criteria_json: str | None,
    origin: str,
) -> SavedCohort:
    with store.transaction():
        store.execute(
            "INSERT INTO saved_cohorts (name, owner, centre_id, criteria, origin, size, created_at)"
            " VALUES (:n, :o, :c, :cr, :or, :s, :t)",
            {
                "n": name.strip() or origin,
                "o": owner,
                "c": centre_id,
                "cr": criteria_json,
                "or": origin,
                "s": len(set(patient_ids)),
                "t": now_iso(),
            },
        )
        new_id = int(store.scalar("SELECT MAX(id) FROM saved_cohorts WHERE owner = :o", {"o": owner}))
        store.executemany(
            "INSERT INTO cohort_members (cohort_id, patient_id) VALUES (:c, :p)",
            [{"c": new_id, "p": pid} for pid in sorted(set(patient_ids))],
        )
    return get_cohort(store, new_id, username=owner)


def list_cohorts(store: Any, *, username: str) -> list[SavedCohort]:
    return [
        _cohort(r)
        for r in store.query("SELECT * FROM saved_cohorts WHERE owner = :u ORDER BY id", {"u": username})
    ]


def get_cohort(store: Any, ref: Any, *, username: str) -> SavedCohort:
    ref_s = str(ref).strip().lstrip("#").removeprefix("n°").strip()
    if ref_s.isdigit():
        rows = store.query(
            "SELECT * FROM saved_cohorts WHERE id = :r AND owner = :u", {"r": int(ref_s), "u": username}
        )
    else:
        rows = store.query(
            "SELECT * FROM saved_cohorts WHERE name = :r AND owner = :u ORDER BY id DESC",
            {"r": ref_s, "u": username},
        )
    if not rows:
        raise AssistantError("error.unknown_cohort", ref=ref_s)
    return _cohort(rows[0])


def members(store: Any, cohort_id: int) -> set[int]:
    rows = store.query("SELECT patient_id FROM cohort_members WHERE cohort_id = :c", {"c": cohort_id})
    return {int(r["patient_id"]) for r in rows}


def combine_sets(a: set[int], b: set[int], op: str) -> set[int]:
    if op == "union":
        return a | b
    if op == "intersection":
        return a & b
    if op == "difference":
        return a - b
    raise AssistantError("error.bad_combine")


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
            a = " ".join(words[:i])
            b = words[i + 1]
            name = " ".join(words[i + 2 :]) or None
            return a, op, b, name
    raise AssistantError("error.bad_combine")
