"""Errors the user can act on, carried as an i18n key so each front end says them in the user's language."""

from __future__ import annotations

import logging
from typing import Any

from assistant.i18n import t
from query_compiler.criteria import CriteriaError
from retrieval.store import StoreError

log = logging.getLogger("cohort.assistant")


class AssistantError(Exception):
    """A refusal or a mistake explained in one sentence (``error.*`` keys of ``assistant.i18n``)."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values

    def message(self, lang: str) -> str:
        return t(self.key, lang, **self.values)

    def __str__(self) -> str:  # CLI and logs default to French, like the product
        return self.message("fr")


def explain(exc: BaseException, lang: str) -> str:
    """Any exception as a sentence for a clinician; unexpected ones are logged with their traceback."""
    if isinstance(exc, AssistantError):
        return exc.message(lang)

    if isinstance(exc, CriteriaError):
        return t("error.invalid_criteria", lang, detail=str(exc))
    if isinstance(exc, StoreError):
        return t("error.store", lang, detail=str(exc))
    if type(exc).__name__ in {"AccessDenied", "UserProblem"}:
        return str(exc)  # the privacy area's own sentence, already in the user's language
    if isinstance(exc, PermissionError):
        return t("error.forbidden", lang, role="", what=str(exc) or "?").replace(" ()", "")
    log.exception("unexpected error in the assistant", exc_info=exc)
    return t("error.generic", lang, what=type(exc).__name__)
