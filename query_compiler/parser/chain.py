"""The LLM chain (LangChain): prompt files → few-shot examples picked per question → llama.cpp with
a JSON-Schema grammar → validation, with ONE repair attempt that feeds the error back.

The system prompt is identical for every call and comes first, so llama.cpp reuses its KV cache
and only the examples and the question are evaluated each time. Examples are chosen from
``prompts/examples.jsonl`` by sentence-embedding similarity (the bank is embedded once per
process), so the model sees worked cases close to the question rather than a fixed list it
would copy.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder
from langchain_core.runnables import RunnableLambda
from pydantic import ValidationError

from query_compiler.parser.compact import Compact, llm_schema
from query_compiler.parser.terminology import get_terminology

PROMPTS = Path(__file__).resolve().parents[2] / "prompts"
K_EXAMPLES = 3


class LLMParseError(RuntimeError):
    """The model's answer could not be turned into criteria, even after one repair."""


@dataclass(frozen=True)
class Example:
    question: str
    answer: dict[str, Any]


class ExampleBank:
    """Worked examples, embedded once; ``select`` returns the k closest to a question."""

    def __init__(self, path: Path = PROMPTS / "examples.jsonl") -> None:
        self.examples = [
            Example(d["q"], d["json"])
            for d in map(json.loads, path.read_text(encoding="utf-8").splitlines())
            if d
        ]
        self._vectors: np.ndarray | None = None
        self._lock = threading.Lock()

    def _matrix(self) -> np.ndarray:
        with self._lock:
            if self._vectors is None:
                from retrieval.embeddings import get_encoder

                self._vectors = get_encoder().encode([e.question for e in self.examples], kind="passage")
            return self._vectors

    def select(self, question: str, k: int = K_EXAMPLES) -> list[Example]:
        from retrieval.embeddings import get_encoder

        query = get_encoder().encode([question], kind="query")[0]
        scores = self._matrix() @ query
        best = np.argsort(-scores)[:k]
        return [self.examples[i] for i in sorted(best, key=lambda i: scores[i])]  # closest last


@lru_cache(maxsize=1)
def example_bank() -> ExampleBank:
    return ExampleBank()


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return llm_schema(sorted(get_terminology().histology_groups))


def _prompt() -> ChatPromptTemplate:
    system = (PROMPTS / "system.txt").read_text(encoding="utf-8")
    user = (PROMPTS / "user.txt").read_text(encoding="utf-8").strip()
    return ChatPromptTemplate.from_messages(
        [SystemMessage(content=system), MessagesPlaceholder("examples"), ("human", user)]
    )


def _few_shot(question: str) -> list[BaseMessage]:
    messages: list[BaseMessage] = []
    for ex in example_bank().select(question):
        messages.append(HumanMessage(content=ex.question))
        messages.append(AIMessage(content=json.dumps(ex.answer, ensure_ascii=False)))
    return messages


def _to_llama(messages: list[BaseMessage]) -> list[dict[str, str]]:
    roles = {"system": "system", "human": "user", "ai": "assistant"}
    return [{"role": roles[m.type], "content": str(m.content)} for m in messages]


def _validate(text: str) -> Compact:
    try:
        return Compact.model_validate_json(text)
    except ValidationError as exc:
        raise LLMParseError(
            "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        ) from None


def build_chain(model: str | None = None) -> Any:
    """question → Compact. A LangChain Runnable; the model call is the in-process llama.cpp."""
    from query_compiler.parser.llm import generate_json

    def call(prompt_value: Any) -> dict[str, Any]:
        messages = prompt_value.to_messages()
        text = generate_json(_to_llama(messages), schema(), model=model)
        try:
            return {"compact": _validate(text), "raw": text, "repaired": False}
        except LLMParseError as first:
            repair = (PROMPTS / "repair.txt").read_text(encoding="utf-8").format(error=first)
            retry = messages + [AIMessage(content=text), HumanMessage(content=repair)]
            text2 = generate_json(_to_llama(retry), schema(), model=model)
            return {"compact": _validate(text2), "raw": text2, "repaired": True}

    prompt = _prompt()
    return RunnableLambda(lambda q: {"question": q, "examples": _few_shot(q)}) | prompt | RunnableLambda(call)


_CHAINS: dict[str | None, Any] = {}


def run(question: str, model: str | None = None) -> dict[str, Any]:
    """Run the chain once; returns {'compact': Compact, 'raw': str, 'repaired': bool}."""
    if model not in _CHAINS:
        _CHAINS[model] = build_chain(model)
    return _CHAINS[model].invoke(question)
