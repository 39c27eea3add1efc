"""The audit trail's head, kept outside the table: what makes deleting the last entries evident.

A hash chain shows any change *inside* it, but a chain cut short is still a valid chain. So after
every append the last entry's id and hash are written to an anchor file with an HMAC under the
audit key (a writer cannot forge an anchor without the key), and the anchor only moves forward
(concurrent writers take a file lock; a lower id never replaces a higher one). ``AuditLog.verify``
then requires the anchored entry to be in the table with that hash.

The anchor never moves away from evidence: it advances only when the entry it names is still in
the table with its hash, and it is created only for a trail that had no entry before. So after
the last rows (or the anchor file) were deleted, the next entries do not paper over it; only a
person with the right to read the trail re-anchors, explicitly and on the record
(``cohort audit anchor``, e.g. after restoring a backup, which is itself a rollback).

Where: ``COHORT_AUDIT_ANCHOR_DIR`` when set (best on another mount, or a folder copied off the
machine, since whoever can write both the store and the anchor can roll both back to an earlier
copy); otherwise beside a SQLite store (``<store>.audit-anchor``: every writer of the store can
reach it) or ``$COHORT_HOME/audit/`` for PostgreSQL. Files are readable by their owner only.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from retrieval.settings import get_settings


@dataclass(frozen=True)
class Anchor:
    id: int
    hash: str


def store_key(store: Any) -> str:
    """A stable name of the store (resolved path, or the PostgreSQL URL without its password)."""
    path = getattr(store, "path", None)
    if path is not None:
        return str(Path(path).resolve())
    url = str(getattr(store, "url", ""))
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        url = f"{scheme}://{rest.split('@', 1)[1]}"
    return url


def anchor_path(store: Any) -> Path:
    settings = get_settings()
    name = hashlib.sha256(store_key(store).encode("utf-8")).hexdigest()[:16] + ".audit-anchor"
    if settings.audit_anchor_dir:
        return Path(settings.audit_anchor_dir) / name
    path = getattr(store, "path", None)
    if path is not None:
        return Path(str(Path(path).resolve()) + ".audit-anchor")
    return settings.home / "audit" / name


def _mac(store: Any, entry_id: int, digest: str, key: bytes) -> str:
    msg = f"audit-anchor\x1f{store_key(store)}\x1f{entry_id}\x1f{digest}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


def write_anchor(store: Any, entry_id: int, digest: str, key: bytes, *, force: bool = False) -> Anchor | None:
    """Move the anchor to (entry_id, digest) unless it names a later entry, or the entry it names is
    gone or changed, or it is missing while earlier entries exist (``force``: an explicit re-anchor)."""
    path = anchor_path(store)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = os.open(str(path) + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        current = _load(path)
        if not force:
            if current is None:
                if store.scalar("SELECT COUNT(*) FROM audit_log WHERE id < :i", {"i": entry_id}):
                    return None  # entries exist but no anchor: leave the evidence as it is
            else:
                anchored = Anchor(int(current.get("id", 0)), str(current.get("hash", "")))
                if anchored.id >= entry_id:
                    return anchored
                expected = _mac(store, anchored.id, anchored.hash, key)
                if not hmac.compare_digest(expected, str(current.get("mac"))):
                    return None
                still = store.scalar("SELECT hash FROM audit_log WHERE id = :i", {"i": anchored.id})
                if still != anchored.hash:
                    return None  # the anchored entry is gone or changed: keep pointing at it
        data = {"id": entry_id, "hash": digest, "mac": _mac(store, entry_id, digest, key)}
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.replace(tmp, path)
        return Anchor(entry_id, digest)
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        os.close(lock)


def _load(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {"id": 0, "hash": "", "mac": ""}  # unreadable: treated as forged by read_anchor


def read_anchor(store: Any, key: bytes) -> tuple[Anchor | None, str | None]:
    """(anchor, None), (None, None) when there is none, or (None, problem) when it does not check."""
    path = anchor_path(store)
    data = _load(path)
    if data is None:
        return None, None
    try:
        anchor = Anchor(int(data["id"]), str(data["hash"]))
        ok = hmac.compare_digest(_mac(store, anchor.id, anchor.hash, key), str(data["mac"]))
    except (KeyError, TypeError, ValueError):
        ok = False
    if not ok:
        return None, f"the anchor of its head ({path}) does not check (edited, or made without the audit key)"
    return anchor, None
