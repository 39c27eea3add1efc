"""The demo behind ``make run`` (``cohort demo``): a generated corpus, ingested, demo accounts seeded.

Built once under ``get_settings().demo_dir``; a ``READY`` file written last marks a complete store,
so an interrupted first start (Ctrl-C during ingestion) simply starts over instead of serving half
a store. The demo has its own random secret (``demo/secret``, 0600, written before anything
pseudonymous is computed), used only for the demo store: no deployment secret is needed to try it,
and no public default exists. A demo store built before it had a secret is rebuilt. Each stage
prints what it does and how long it took, because a first start takes minutes.
The chat then starts on it like on any store (``cohort chat``), which builds the similar-patient
index in the background.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from privacy.keys import demo_secret_path, write_demo_secret
from privacy.users import get_user, seed_demo_users
from retrieval.ingest import ingest
from retrieval.settings import get_settings
from retrieval.store import Store
from synthetic import generate

Say = Callable[[str], None]
# A few scanned pages show OCR at work; more would only lengthen the first start (~0.7 s per page).
DEMO_SCAN_SHARE = 0.005


@dataclass
class DemoReport:
    db_url: str
    built: bool
    seconds: float = 0.0
    stages: list[tuple[str, float]] = field(default_factory=list)
    logins: list[tuple[str, str, str, str]] = field(default_factory=list)  # user, password, role, centre


def _timed(report: DemoReport, name: str, say: Say, fn: Callable[[], Any]) -> Any:
    say(f"[demo] {name}…")
    started = time.perf_counter()
    out = fn()
    elapsed = time.perf_counter() - started
    report.stages.append((name, elapsed))
    say(f"[demo] {name}: {elapsed:.0f} s")
    return out


def demo_logins(store: Any) -> list[tuple[str, str, str, str]]:
    """(username, password, role, centre) of the seeded demo accounts (seeded by the privacy area)."""
    out = []
    for username, password in seed_demo_users(store):
        user = get_user(store, username)
        role = str(getattr(user, "role", "")) if user else ""
        out.append((username, password, role, str(getattr(user, "centre_id", "")) if user else ""))
    return out


def ensure_demo(
    *,
    patients: int | None = None,
    centres: int | None = None,
    seed: int = 20240501,
    say: Say = print,
    demo_dir: Path | None = None,
) -> DemoReport:
    """Build the demo store when absent (or incomplete); always (re)seed and return the demo logins."""
    settings = get_settings()
    demo_dir = demo_dir or settings.demo_dir
    db_path = demo_dir / "cohort.db"
    ready = demo_dir / "READY"
    report = DemoReport(db_url=str(db_path), built=False)
    started = time.perf_counter()
    own_secret = demo_dir / demo_secret_path().name
    if not ready.exists() or not own_secret.exists():
        report.built = True
        if demo_dir.exists():
            shutil.rmtree(demo_dir)
        demo_dir.mkdir(parents=True, mode=0o700)
        write_demo_secret(own_secret)
        n = patients or settings.demo_patients
        k = centres or settings.demo_centres
        corpus = demo_dir / "corpus"
        _timed(
            report,
            f"generating {n} patients in {k} centres",
            say,
            lambda: generate(corpus, patients=n, centres=k, seed=seed, scan_share=DEMO_SCAN_SHARE),
        )
        store = Store(str(db_path))
        _timed(
            report,
            "ingesting (OCR of scans, annotation, full-text index)",
            say,
            lambda: ingest(corpus, store, ocr=True, progress=True),
        )
    store = Store(str(db_path))
    report.logins = _timed(report, "demo users", say, lambda: demo_logins(store))
    ready.write_text(time.strftime("%Y-%m-%dT%H:%M:%S"), encoding="utf-8")
    report.seconds = time.perf_counter() - started
    return report
