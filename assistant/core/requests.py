"""Ask-a-referent queue: a novice sends a question and its criteria with a comment; a referent of
the same centre fixes the criteria and answers with a saved query the novice can run.

Requests stay inside a centre (``centre_id`` of the sender): a referent sees only their centre's
queue, as patient-level data never crosses centres either. Table ``referent_requests`` (0002).
"""

from __future__ import annotations

from typing import Any

from assistant.core.errors import AssistantError
from assistant.core.results import ReferentRequest
from retrieval.store import now_iso


def _req(row: dict[str, Any]) -> ReferentRequest:
    return ReferentRequest(
        id=int(row["id"]),
        from_user=row["from_user"],
        question=row.get("question"),
        criteria_json=row.get("criteria"),
        comment=row.get("comment"),
        status=row["status"],
        answered_by=row.get("answered_by"),
        answer_comment=row.get("answer_comment"),
        saved_query_id=row.get("saved_query_id"),
        created_at=row["created_at"],
    )


def send(
    store: Any,
    *,
    from_user: str,
    centre_id: str,
    question: str | None,
    criteria_json: str | None,
    comment: str,
) -> ReferentRequest:
    with store.transaction():
        store.execute(
            "INSERT INTO referent_requests"
            " (from_user, centre_id, question, criteria, comment, status, created_at)"
            " VALUES (:u, :c, :q, :cr, :m, 'pending', :t)",
            {
                "u": from_user,
                "c": centre_id,
                "q": question,
                "cr": criteria_json,
                "m": comment.strip(),
                "t": now_iso(),
            },
        )
        new_id = store.scalar("SELECT MAX(id) FROM referent_requests WHERE from_user = :u", {"u": from_user})
    return get(store, new_id, centre_id=centre_id)


def get(store: Any, request_id: Any, *, centre_id: str) -> ReferentRequest:
    ref = str(request_id).strip().lstrip("#").removeprefix("n°").strip()
    rows = store.query(
        "SELECT * FROM referent_requests WHERE id = :i AND centre_id = :c",
        {"i": int(ref) if ref.isdigit() else -1, "c": centre_id},
    )
    if not rows:
        raise AssistantError("error.unknown_request", ref=ref)
    return _req(rows[0])


def pending(store: Any, *, centre_id: str) -> list[ReferentRequest]:
    rows = store.query(
        "SELECT * FROM referent_requests WHERE centre_id = :c AND status = 'pending' ORDER BY id",
        {"c": centre_id},
    )
    return [_req(r) for r in rows]


def mine(store: Any, *, username: str) -> list[ReferentRequest]:
    rows = store.query(
        "SELECT * FROM referent_requests WHERE from_user = :u ORDER BY id DESC", {"u": username}
    )
    return [_req(r) for r in rows]


def mark_answered(
    store: Any, request_id: int, *, answered_by: str, comment: str, saved_query_id: int
) -> None:
    store.execute(
        "UPDATE referent_requests SET status = 'answered', answered_by = :b, answer_comment = :m,"
        " saved_query_id = :q, answered_at = :t WHERE id = :i",
        {"b": answered_by, "m": comment.strip(), "q": saved_query_id, "t": now_iso(), "i": request_id},
    )
