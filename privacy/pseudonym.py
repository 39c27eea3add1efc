"""Pseudonymous patient ids: what every result shows instead of the store's patient id.

``pseudo_id(42)`` is ``P-`` followed by 10 characters of Crockford base 32 taken from
HMAC-SHA256(secret, patient id): stable for a deployment (same secret), different between
deployments, not reversible without the secret. Ten characters (50 bits) keep the chance of two
patients sharing a pseudonym below one in a thousand even for a 1.7-million-patient network
(birthday bound n²/2⁵¹); eight would make a collision likely at that scale.

Going back (``real_id``) means recomputing pseudonyms over the store's patients: there is no
mapping table to steal. It is only reachable through ``privacy.governed`` (role check + audit).
"""

from __future__ import annotations

import threading
from typing import Any

from privacy.keys import keyed, secret

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
LENGTH = 10
PREFIX = "P-"
_REVERSE: dict[tuple[str, bytes], tuple[int, dict[str, list[int]]]] = {}
_LOCK = threading.Lock()


def pseudo_id(patient_id: int | str) -> str:
    """The patient's pseudonymous id, e.g. ``P-7F3K2Q9AX1``."""
    n = int.from_bytes(keyed("patient-pseudonym", int(patient_id))[:8], "big")
    chars = []
    for _ in range(LENGTH):
        n, r = divmod(n, 32)
        chars.append(_ALPHABET[r])
    return PREFIX + "".join(chars)


def normalise(pseudo: str) -> str:
    """Accept the forms a person types: lower case, missing prefix, O for 0, I/L for 1."""
    text = pseudo.strip().upper().removeprefix(PREFIX).replace("-", "").replace(" ", "")
    text = text.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    return PREFIX + text


def is_pseudo(text: str) -> bool:
    body = normalise(text)[len(PREFIX):]
    return len(body) == LENGTH and all(c in _ALPHABET for c in body)


def real_ids(store: Any, pseudo: str) -> list[int]:
    """Store patient ids whose pseudonym is ``pseudo`` (normally one; [] when unknown).

    Callers outside ``privacy`` must go through ``GovernedEngine.reidentify``.
    """
    key = (str(getattr(store, "url", id(store))), secret())
    target = normalise(pseudo)
    count = int(store.scalar("SELECT COUNT(*) FROM patients") or 0)
    with _LOCK:
        cached = _REVERSE.get(key)
        if cached is None or cached[0] != count:
            table: dict[str, list[int]] = {}
            for row in store.query("SELECT id FROM patients"):
                table.setdefault(pseudo_id(row["id"]), []).append(int(row["id"]))
            cached = (count, table)
            _REVERSE[key] = cached
    return list(cached[1].get(target, []))
