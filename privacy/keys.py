"""Keyed hashes derived from the deployment secret (``COHORT_SECRET``).

Every pseudonymous value (patient ids, fake names, date shifts, noise of released counts, the
audit chain) is HMAC-SHA256 of the secret over a purpose label and the inputs, so values are
stable within a deployment, unguessable without the secret, and unlinkable between purposes.

There is no default secret: a public one would let anyone map every pseudonym shown or exported
back to a store id offline. The secret comes from ``COHORT_SECRET`` or the file named by
``COHORT_SECRET_FILE``; the demo store alone (``cohort demo``) has its own random secret in a file
beside it (``demo/secret``, readable by its owner only), used whenever the demo store is the store
in use and never for another one. Anything else is refused with a sentence naming the variable;
the CLI and the chat check it before they open a store (``require_secret``).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets as _random
from pathlib import Path

from retrieval.settings import get_settings

MIN_LENGTH = 16
# Values that were public at some point (the old built-in default): never a key.
PUBLIC_VALUES = frozenset({"demo-secret-change-me", "changeme", "secret"})
DEMO_SECRET_NAME = "secret"


class SecretMissing(PermissionError):
    """No usable deployment secret: nothing pseudonymous may be computed (a person fixes it by setting
    COHORT_SECRET); a PermissionError so every front end shows the sentence, never a traceback."""


def demo_secret_path() -> Path:
    return get_settings().demo_dir / DEMO_SECRET_NAME


def write_demo_secret(path: Path | None = None) -> Path:
    """Create the demo store's random secret (once; 0600 in a 0700 folder) and return its path."""
    path = path or demo_secret_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(_random.token_urlsafe(32))
    path.chmod(0o600)
    return path


def _same_store(a: str, b: str) -> bool:
    if "://" in a or "://" in b:
        return a == b
    return Path(a).expanduser().resolve() == Path(b).expanduser().resolve()


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SecretMissing(f"{what} {path} cannot be read ({exc.strerror}).") from None


def secret_source(store_url: str | None = None) -> tuple[str, str]:
    """(secret, where it came from) for the store in use (``store_url``, default the configured one).
    The demo store always uses its own file (so its pseudonyms and audit chain stay consistent
    whatever the environment says); any other store needs COHORT_SECRET or COHORT_SECRET_FILE."""
    settings = get_settings()
    demo = demo_secret_path()
    url = store_url or settings.db_url
    if demo.exists() and _same_store(url, str(settings.demo_dir / "cohort.db")):
        value, source = _read(demo, "The demo secret"), "demo"
    elif settings.secret:
        value, source = settings.secret, "COHORT_SECRET"
    elif settings.secret_file:
        value, source = _read(Path(settings.secret_file), "COHORT_SECRET_FILE"), "COHORT_SECRET_FILE"
    else:
        raise SecretMissing(
            "COHORT_SECRET is not set: set COHORT_SECRET (or COHORT_SECRET_FILE) to this deployment's "
            "secret, at least 16 characters, kept private; only the demo store has its own.")
    if value in PUBLIC_VALUES or len(value) < MIN_LENGTH:
        raise SecretMissing(
            f"{source} is too weak (a known value or fewer than {MIN_LENGTH} characters): set COHORT_SECRET "
            "to a long random value, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`.")
    return value, source


def require_secret(store_url: str | None = None) -> None:
    """Refuse at once (a sentence naming COHORT_SECRET) when the store in use has no usable secret."""
    secret_source(store_url)


def secret() -> bytes:
    return secret_source()[0].encode("utf-8")


def keyed(purpose: str, *parts: object, key: bytes | None = None) -> bytes:
    """HMAC-SHA256 of ``purpose`` and ``parts`` under the deployment secret (or ``key``)."""
    msg = "\x1f".join([purpose, *(str(p) for p in parts)]).encode("utf-8")
    return hmac.new(key if key is not None else secret(), msg, hashlib.sha256).digest()


def keyed_int(purpose: str, *parts: object, key: bytes | None = None) -> int:
    return int.from_bytes(keyed(purpose, *parts, key=key)[:8], "big")


def audit_key() -> bytes:
    """The audit chain's HMAC key: ``COHORT_AUDIT_KEY`` when set (so the trail can be verified by
    someone who does not hold the pseudonym secret), else derived from the secret."""
    own = get_settings().audit_key
    if own:
        if len(own) < MIN_LENGTH:
            raise SecretMissing(f"COHORT_AUDIT_KEY is too short (at least {MIN_LENGTH} characters).")
        return hashlib.sha256(b"cohort-audit-key\x1f" + own.encode("utf-8")).digest()
    return keyed("audit-chain")
