"""One place for every deployment choice, read from ``COHORT_*`` environment variables.

A centre changes models, store or secrets here, never in code: ``COHORT_LLM_MODEL`` may name a
bundled model or point to any GGUF file, ``COHORT_EMBEDDING_MODEL`` a bundled encoder or a local
sentence-transformers folder, ``COHORT_DB`` a SQLite path or a ``postgresql://`` URL.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_HOME = Path.home() / ".local" / "share" / "cohort"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COHORT_", extra="ignore")

    home: Path = Field(DEFAULT_HOME, description="Where demo data, assembled models and indexes live.")
    db: str = Field("", description="SQLite path or postgresql:// URL; empty means the demo store.")
    llm_model: str = Field(
        "qwen2.5-coder-1.5b",
        description="'qwen2.5-coder-1.5b', 'qwen2.5-coder-0.5b', or a path to any GGUF file.",
    )
    llm_threads: int = 2
    llm_deadline: float = Field(
        6.0, description="Seconds the LLM may take to refine an answer already shown; later, it is dropped."
    )
    llm_context: int = 4096
    embedding_model: str = Field(
        "minilm", description="'minilm', 'e5' (multilingual), or a sentence-transformers folder."
    )
    secret: str = Field(
        "",
        description="Key for pseudonymous ids, date shifts and the audit chain; stable per deployment, "
        "never shown. Required outside the demo (privacy.keys refuses to run without it).",
    )
    secret_file: str = Field("", description="A file holding the secret (instead of COHORT_SECRET).")
    audit_key: str = Field("", description="Key of the audit chain's HMAC (default: from the secret).")
    audit_anchor_dir: str = Field(
        "", description="Where the audit trail's signed head is kept (default: beside a SQLite store, "
        "$COHORT_HOME/audit for PostgreSQL); a separate or remote-synced place makes truncation evident.",
    )
    session_idle_minutes: int = Field(30, description="A CLI sign-in ends after this long without use.")
    session_max_hours: int = Field(12, description="A CLI sign-in ends this long after `cohort login`.")
    release_budget: int = Field(200, description="Distinct cross-centre questions per user per 24 h.")
    login_max_failures: int = Field(5, description="Failed sign-ins in 15 minutes before an account waits.")
    min_count: int = Field(10, description="Cross-centre counts below this show as '< N'.")
    demo_patients: int = 1500
    demo_centres: int = 3

    @property
    def demo_dir(self) -> Path:
        return self.home / "demo"

    @property
    def db_url(self) -> str:
        return self.db or str(self.demo_dir / "cohort.db")

    @property
    def model_dir(self) -> Path:
        return self.home / "models"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
