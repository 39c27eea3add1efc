"""The audit trail: append-only and tamper-evident.

Each entry records who, when, which function, the Criteria, the result size, the stated purpose
(exports) and details, and carries ``hash = HMAC-SHA256(key, canonical JSON of the entry +
previous hash)``. The key (``privacy.keys.audit_key``: ``COHORT_AUDIT_KEY`` or derived from the
deployment secret) is not in the store, so someone who can write the database can drop the
triggers and edit a row but cannot recompute a chain that verifies: changing, inserting or
deleting an entry anywhere breaks it at that point and ``verify()`` names the first broken entry.

Truncating the end leaves a shorter chain that is valid in itself, so the head is also kept
outside the table: after every append the anchor file (``anchor.py``: beside a SQLite store, or
``COHORT_AUDIT_ANCHOR_DIR``) records the last entry's id and hash with an HMAC. ``verify()`` checks
that the anchored entry is still there with that hash; deleting the last rows (or the anchor
file) is reported. ``verify()`` also prints the head so that it can be copied elsewhere.

Writers serialise inside a transaction (SQLite ``BEGIN IMMEDIATE``; a transaction-scoped
advisory lock on PostgreSQL) so concurrent users never fork the chain. The database refuses
UPDATE and DELETE on the table (triggers of migration 0003).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from privacy.anchor import Anchor, read_anchor, write_anchor
from privacy.keys import audit_key
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
        where = f"at entry {self.first_broken}" if self.first_broken is not None else "at its end"
        return f"Audit trail BROKEN {where}: {self.reason} ({self.checked} entries checked before it)."


def canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def entry_hash(fields: dict[str, Any], prev_hash: str, key: bytes | None = None) -> str:
    """The entry's link: HMAC of its fields and the previous hash under the audit key."""
    payload = canonical({**{k: fields.get(k) for k in _FIELDS}, "prev_hash": prev_hash})
    key = key if key is not None else audit_key()
    return hmac.new(key, payload.encode("utf-8"), hashlib.sha256).hexdigest()


def _criteria_text(criteria: Any) -> str | None:
    if criteria is None:
        return None
    if isinstance(criteria, str):
        return canonical(json.loads(criteria))
    if hasattr(criteria, "model_dump"):

        return canonical(to_dict(criteria))
    return canonical(criteria)


def _in_transaction(store: Any) -> bool:
    """Inside a caller's transaction the entry is not committed yet: the caller anchors after it
    (``AuditLog.anchor_now``), so the anchor never names an entry a rollback took away."""
    return bool(getattr(getattr(store, "_local", None), "depth", 0))


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
        key = audit_key()  # before the transaction: no secret, no entry (and no lock held)
        with self.store.transaction():
            if self.store.dialect == "postgres":
                self.store.execute("SELECT pg_advisory_xact_lock(:k)", {"k": _PG_LOCK})
            prev = self.store.scalar("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1") or GENESIS
            digest = entry_hash(fields, prev, key)
            self.store.execute(
                "INSERT INTO audit_log (ts, username, centre_id, action, criteria, result_size, purpose,"
                " details, prev_hash, hash) VALUES (:ts, :username, :centre_id, :action, :criteria,"
                " :result_size, :purpose, :details, :prev_hash, :hash)",
                {**fields, "prev_hash": prev, "hash": digest},
            )
            new_id = self.store.scalar("SELECT MAX(id) FROM audit_log")
        if not _in_transaction(self.store):
            write_anchor(self.store, int(new_id), digest, key)  # committed: move the anchor forward
        return AuditEntry(id=int(new_id), prev_hash=prev, hash=digest, **fields)

    def anchor_now(self, *, force: bool = False) -> Anchor | None:
        """Anchor the current head (after a caller's enclosing transaction committed); ``force`` re-anchors
        a trail whose anchor is missing or stale (an explicit, audited act: ``GovernedEngine.reanchor``)."""
        rows = self.store.query("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
        if not rows:
            return None
        return write_anchor(self.store, int(rows[0]["id"]), rows[0]["hash"], audit_key(), force=force)

    def entries(self, *, username: str | None = None, since: str | None = None, action: str | None = None,
                limit: int | None = None, centre_id: str | None = None) -> list[AuditEntry]:
        where, params = [], {}
        if centre_id:
            where.append("centre_id = :c")
            params["c"] = centre_id
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
        """Recompute the keyed chain from the first entry (stop at the first one that does not check),
        then check the anchored head is still in the table (the end was not cut off)."""
        key = audit_key()
        prev = GENESIS
        checked = 0
        hashes: dict[int, str] = {}
        cur = self.store.execute("SELECT * FROM audit_log ORDER BY id")
        cols = [d[0] for d in cur.description]
        for raw in cur:
            row = dict(zip(cols, raw, strict=True)) if not isinstance(raw, dict) else raw
            if row["prev_hash"] != prev:
                return VerifyReport(False, checked, prev, row["id"],
                                    "its previous-hash link does not match the entry before it "
                                    "(an entry was inserted or deleted)")
            if not hmac.compare_digest(entry_hash(row, prev, key), row["hash"]):
                return VerifyReport(False, checked, prev, row["id"],
                                    "its content does not match its keyed hash (the entry was altered "
                                    "or the chain recomputed without the audit key)")
            prev = row["hash"]
            hashes[int(row["id"])] = prev
            checked += 1
        anchor, problem = read_anchor(self.store, key)
        if problem:
            return VerifyReport(False, checked, prev, None, problem)
        if anchor is None:
            if checked:
                return VerifyReport(False, checked, prev, None,
                                    "the trail has entries but no anchor of its head (the anchor file was "
                                    "deleted, or the trail was written elsewhere): entries at the end may "
                                    "have been removed")
            return VerifyReport(True, checked, prev)
        if hashes.get(anchor.id) != anchor.hash:
            last = max(hashes) if hashes else 0
            return VerifyReport(False, checked, prev, anchor.id,
                                f"the anchored head (entry {anchor.id}) is missing or different; the table "
                                f"ends at entry {last} (entries at the end were deleted or replaced)")
        return VerifyReport(True, checked, prev)
