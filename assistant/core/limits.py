"""Limits on what a person may send, in one place: the Session applies them before any work.

A question is a sentence or a short paragraph. A 100,000-character "question" used to reach the
parser and the LLM (78 s of CPU) and came back repeated in the error message; it is now refused at
once, with a short sentence that does not repeat it. The chat and the CLI both go through
``Session.understand``, so both get the same refusal.
"""

from __future__ import annotations

from assistant.core.errors import AssistantError

MAX_QUESTION_CHARS = 2000


def check_question(text: str) -> None:
    """Refuse a question longer than ``MAX_QUESTION_CHARS`` (one sentence, in the user's language)."""
    if len(text) > MAX_QUESTION_CHARS:
        raise AssistantError("error.too_long", limit=MAX_QUESTION_CHARS, length=len(text))
