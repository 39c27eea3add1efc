"""What the LLM is asked: only the words the terminology could not place, in their question.

The prompt is a LangChain chat template: a fixed part (``prompts/system.txt`` and the worked
examples of ``prompts/examples.jsonl``, the same for every call) and one user message naming the
question and its unplaced words. The fixed part comes first and never changes, so llama.cpp keeps
it evaluated (in memory, and on disk between processes: ``llm.warm_prefix``) and each call only
evaluates the few new tokens. The answer is a short JSON object constrained by a grammar (the
compact schema): what those words add, or ``{}``. One repair is not attempted: a late or invalid
answer leaves the terminology's reading as it is.
"""

from __future__ import annotations

import json
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.prompts import ChatPromptTemplate
from pydantic import ValidationError

from query_compiler.parser.compact import Compact, llm_schema
from query_compiler.parser.llm import Prompt, build_prompt, generate_json
from query_compiler.parser.terminology import get_terminology

PROMPTS = Path(__file__).resolve().parents[2] / "prompts"
MAX_TOKENS = 96  # a longer answer is not about a few words; ~0.1 s per token on 2 cores


class LLMParseError(RuntimeError):
    """The model's answer could not be turned into criteria."""


@lru_cache(maxsize=1)
def examples() -> list[dict[str, Any]]:
    """Worked examples (question, words, answer), part of the fixed prompt."""
    lines = (PROMPTS / "examples.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return llm_schema(sorted(get_terminology().histology_groups))


def user_message(question: str, words: list[str]) -> str:
    template = (PROMPTS / "user.txt").read_text(encoding="utf-8").strip()
    return template.format(question=question.strip(), words=", ".join(f"«{w.strip()}»" for w in words))


@lru_cache(maxsize=1)
def _template() -> ChatPromptTemplate:
    """system → examples (user / assistant turns) → the question: the fixed part first."""
    fixed: list[BaseMessage] = [SystemMessage(content=(PROMPTS / "system.txt").read_text(encoding="utf-8"))]
    for ex in examples():
        fixed.append(HumanMessage(content=user_message(ex["q"], ex["words"])))
        fixed.append(AIMessage(content=json.dumps(ex["json"], ensure_ascii=False, separators=(",", ":"))))
    return ChatPromptTemplate.from_messages([*fixed, ("human", "{message}")])  # messages are not templates


def _to_llama(messages: list[BaseMessage]) -> list[dict[str, str]]:
    roles = {"system": "system", "human": "user", "ai": "assistant"}
    return [{"role": roles[m.type], "content": str(m.content)} for m in messages]


def prompt_for(question: str, words: list[str], model: str | None = None) -> Prompt:
    messages = _to_llama(_template().invoke({"message": user_message(question, words)}).to_messages())
    return build_prompt(messages[:-1], messages[-1]["content"], model=model)


def validate(text: str) -> Compact:
    try:
        return Compact.model_validate_json(text)
    except ValidationError as exc:
        raise LLMParseError(
            "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        ) from None


def ask(
    question: str,
    words: list[str],
    *,
    model: str | None = None,
    deadline: float | None = None,
    cancel: threading.Event | None = None,
) -> dict[str, Any]:
    """What ``words`` add to ``question``: {'compact': Compact, 'raw': str, 'new_tokens': int,
    'output_tokens': int}. Raises ``LLMTimeout``."""
    out = generate_json(
        prompt_for(question, words, model),
        schema(),
        model=model,
        max_tokens=MAX_TOKENS,
        deadline=deadline,
        cancel=cancel,
    )
    return {
        "compact": validate(out.text),
        "raw": out.text,
        "new_tokens": out.new_tokens,
        "output_tokens": out.output_tokens,
    }


def warm_up(model: str | None = None) -> str:
    """Load the model and its fixed prompt (from disk when saved before); for a server's start."""
    from query_compiler.parser.llm import warm_prefix

    return warm_prefix(prompt_for("cancer", ["cancer"], model), model=model)
