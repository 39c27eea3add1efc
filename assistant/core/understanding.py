"""Words to Criteria, for a signed-in session and for the commands that read no patient data
(``cohort parse``, ``cohort compile``): the one way a question reaches the parser and a referent's
hand-written criteria reach the validator."""

from __future__ import annotations

import threading
from typing import Any

from query_compiler.criteria import parse_criteria
from query_compiler.criteria.compact import from_compact
from query_compiler.parser import parse
from query_compiler.parser.assemble import flatten
from query_compiler.render import render


def understand(
    question: str,
    previous: Any = None,
    *,
    use_llm: bool = True,
    lang: str | None = None,
    model: str | None = None,
    followup: bool | None = None,
    deadline: float | None = None,
    cancel: threading.Event | None = None,
) -> Any:
    """Question → the parser's answer (criteria, what was assumed or not understood, refusals).

    The one way a question reaches the parser, for a signed-in session and for ``cohort parse``
    (which reads no patient data and so needs no one signed in)."""
    return parse(
        question, previous=previous, use_llm=use_llm, lang=lang, model=model, followup=followup,
        deadline=deadline, cancel=cancel,
    )


def describe_change(before: Any, after: Any, lang: str) -> list[str]:
    """What ``after`` says that ``before`` did not, one sentence per criterion (what the LLM added)."""
    old = flatten(before)
    return [" ".join(render(node, lang).split()) for node in flatten(after) if node not in old]


def criteria_from_text(text: str) -> Any:
    """A referent's criteria: JSON (starts with '{') or the compact form; validated either way."""
    text = text.strip().strip("`").strip()
    if text.startswith("json"):
        text = text[4:].strip()
    if text.startswith("{"):
        return parse_criteria(text)
    return parse_criteria(from_compact(text))
