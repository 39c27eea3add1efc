"""The audit trail: append-only and tamper-evident.

Each entry records who, when, which function, the Criteria, the result size, the stated purpose
(exports) and details, and carries ``hash = sha256(canonical JSON of the entry + previous
hash)``. Changing, inserting or deleting an entry in the middle breaks the chain at that point
and ``verify()`` names the first broken entry. Truncating the end cannot be seen from inside
the table: ``verify()`` prints the head hash so that it can be written down elsewhere (a
ticket, a printed report) and compared later.

Writers serialise inside a transaction (SQLite ``BEGIN IMMEDIATE``; a transaction-scoped
advisory lock on PostgreSQL) so concurrent users never fork the chain. The database refuses
UPDATE and DELETE on the table (triggers of migration 0003).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from query_compiler.criteria import to_dict

GENESIS = "0" * 64
_PG_LOCK = 0x4175646974  # "Audit"
_FIELDS = ("ts", "username", "centre_id", "action", "criteria", "result_size", "purpose", "details")


@dataclass(frozen=True)
class AuditEntry:
    id: int
    ts: str
    username: str
    centre_id: str | None
    action: str
    criteria: str | None
    result_size: int | None
    purpose: str | None
    details: str | None
    prev_hash: str
    hash: str

    def details_dict(self) -> dict[str, Any]:
        return json.loads(self.details) if self.details else {}

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["details"] = self.details_dict()
        out["criteria"] = json.loads(self.criteria) if self.criteria else None
        return out


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    checked: int
    head: str
    first_broken: int | None = None
    reason: str | None = None

    def sentence(self) -> str:
        if self.ok:
            return f"Audit trail intact: {self.checked} entries, head hash {self.head}."
        return (f"Audit trail BROKEN at entry {self.first_broken}: {self.reason} "
                f"({self.checked} entries checked before it).")


def canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def entry_hash(fields: dict[str, Any], prev_hash: str) -> str:
    payload = canonical({**{k: fields.get(k) for k in _FIELDS}, "prev_hash": prev_hash})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _criteria_text(criteria: Any) -> str | None:
    if criteria is None:
        return None
    if isinstance(criteria, str):
        return canonical(json.loads(criteria))
    if hasattr(criteria, "model_dump"):

        return canonical(to_dict(criteria))
    return canonical(criteria)


class AuditLog:
    """Append and read the audit trail of one store."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def record(self, user: Any, action: str, *, centre_id: str | None = None, criteria: Any = None,
               result_size: int | None = None, purpose: str | None = None,
               details: dict[str, Any] | None = None) -> AuditEntry:
        """Append one entry; ``user`` is a ``privacy.users.User`` or a name (for system actions)."""
        username = getattr(user, "username", None) or str(user)
        if centre_id is None:
            centre_id = getattr(user, "centre_id", None)
        fields = {
            "ts": datetime.now(UTC).isoformat(timespec="microseconds"),
            "username": username,
            "centre_id": centre_id,
            "action": action,
            "criteria": _criteria_text(criteria),
            "result_size": None if result_size is None else int(result_size),
            "purpose": purpose,
            "details": canonical(details) if details else None,
        }
        with self.store.transaction():
            if self.store.dialect == "postgres":
                self.store.execute("SELECT pg_advisory_xact_lock(:k)", {"k": _PG_LOCK})
            prev = self.store.scalar("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1") or GENESIS
            digest = entry_hash(fields, prev)
            self.store.execute(
                "INSERT INTO audit_log (ts, username, centre_id, action, criteria, result_size, purpose,"
                " details, prev_hash, hash) VALUES (:ts, :username, :centre_id, :action, :criteria,"
                " :result_size, :purpose, :details, :prev_hash, :hash)",
                {**fields, "prev_hash": prev, "hash": digest},
            )
            new_id = self.store.scalar("SELECT MAX(id) FROM audit_log")
        return AuditEntry(id=int(new_id), prev_hash=prev, hash=digest, **fields)

    def entries(self, *, username: str | None = None, since: str | None = None, action: str | None = None,
                limit: int | None = None) -> list[AuditEntry]:
        where, params = [], {}
        if username:
            where.append("username = :u")
            params["u"] = username
        if since:
            where.append("ts >= :since")
            params["since"] = since
        if action:
            where.append("action = :a")
            params["a"] = action
        sql = "SELECT * FROM audit_log" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"
        if limit:
            sql = f"SELECT * FROM ({sql} DESC LIMIT {int(limit)}) t ORDER BY id"
        return [AuditEntry(**row) for row in self.store.query(sql, params)]

    def count(self, **filters: Any) -> int:
        return len(self.entries(**filters))

    def head(self) -> str:
        return self.store.scalar("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1") or GENESIS

    def verify(self) -> VerifyReport:
        """Recompute the chain from the first entry; stop at the first one that does not check."""
        prev = GENESIS
        checked = 0
        cur = self.store.execute("SELECT * FROM audit_log ORDER BY id")
        cols = [d[0] for d in cur.description]
        for raw in cur:
            row = dict(zip(cols, raw, strict=True)) if not isinstance(raw, dict) else raw
            if row["prev_hash"] != prev:
                return VerifyReport(False, checked, prev, row["id"],
                                    "its previous-hash link does not match the entry before it "
                                    "(an entry was inserted or deleted)")
            if entry_hash(row, prev) != row["hash"]:
                return VerifyReport(False, checked, prev, row["id"],
                                    "its content does not match its hash (the entry was altered)")
            prev = row["hash"]
            checked += 1
        return VerifyReport(True, checked, prev)
