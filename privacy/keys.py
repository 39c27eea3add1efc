"""Keyed hashes derived from the deployment secret (``COHORT_SECRET``).

Every pseudonymous value (patient ids, fake names, date shifts, rounding of released counts)
is HMAC-SHA256 of the secret over a purpose label and the inputs, so values are stable within
a deployment, unguessable without the secret, and unlinkable between purposes.
"""

from __future__ import annotations

import hashlib
import hmac

from retrieval.settings import get_settings


def secret() -> bytes:

    return get_settings().secret.encode("utf-8")


def keyed(purpose: str, *parts: object, key: bytes | None = None) -> bytes:
    """HMAC-SHA256 of ``purpose`` and ``parts`` under the deployment secret (or ``key``)."""
    msg = "\x1f".join([purpose, *(str(p) for p in parts)]).encode("utf-8")
    return hmac.new(key if key is not None else secret(), msg, hashlib.sha256).digest()


def keyed_int(purpose: str, *parts: object, key: bytes | None = None) -> int:
    return int.from_bytes(keyed(purpose, *parts, key=key)[:8], "big")
