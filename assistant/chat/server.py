"""Start the Chainlit chat on a store, offline, without Chainlit's own command line.

Why not ``chainlit run``: its CLI reads the ``CI`` environment variable as its ``--ci`` flag (on a
CI machine it then fakes an OpenAI key, disables caches, and a non-boolean ``CI`` value even makes
it refuse to start), it opens a desktop browser unless ``--headless``, and it writes
``.chainlit/``, ``.files/`` and ``chainlit.md`` into the current directory. Here the app root is a
folder we prepare (``$COHORT_HOME/chat`` by default, a temporary folder in tests) holding a copy of
``assistant/chat/config.toml``, the public files, and a patched copy of the frontend page without
its Google-Fonts/KaTeX CDN links, so the browser never reaches the network either.

``python -m assistant.chat.server --db PATH --port N [--root DIR]`` runs it in its own process
(the browser tests use that); ``cohort chat`` calls ``serve()`` in-process.

Two settings are written here rather than trusted to defaults: the store is the one given with
``--db`` (the settings cache is cleared after ``COHORT_DB`` is set: a cached default would silently
serve the demo store), and cross-origin requests are allowed only from the chat's own address
(Chainlit's ``allow_origins = ["*"]`` with credentials would let any web page a signed-in user
visits read the answers).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import sys
from importlib.metadata import distribution
from pathlib import Path

from retrieval.settings import get_settings

CHAT_DIR = Path(__file__).resolve().parent
APP_FILE = CHAT_DIR / "app.py"

# Environment that would make Chainlit reach a server or change mode; never inherited.
_SCRUB_ENV = (
    "DATABASE_URL",
    "LITERAL_API_KEY",
    "LITERAL_API_URL",
    "CHAINLIT_URL",
    "CI",
    "SLACK_BOT_TOKEN",
    "SLACK_WEBSOCKET_TOKEN",
    "DISCORD_BOT_TOKEN",
    "OPENAI_API_KEY",
)
_CDN = re.compile(
    r"\s*<link[^>]+(?:fonts\.googleapis\.com|fonts\.gstatic\.com|cdn\.jsdelivr\.net)[^>]*/?>", re.S
)


def _chainlit_dist() -> Path:
    """Chainlit's packaged frontend, found from its installed files: importing chainlit here would read
    its configuration before the app root is set."""
    return Path(str(distribution("chainlit").locate_file("chainlit"))) / "frontend" / "dist"


def own_origins(host: str, port: int) -> list[str]:
    """The addresses the chat's own page is served from: the only origins allowed cross-origin."""
    local = ("127.0.0.1", "localhost", "::1", "0.0.0.0")
    names = ["127.0.0.1", "localhost"] if host in local else [host]
    return [f"http://{name}:{port}" for name in names]


def prepare_app_root(root: Path, origins: list[str] | None = None) -> Path:
    """Write the Chainlit app root (idempotent) and return it; ``origins`` replace Chainlit's ``*``."""
    root = root.resolve()
    (root / ".chainlit").mkdir(parents=True, exist_ok=True, mode=0o700)
    config = (CHAT_DIR / "config.toml").read_text(encoding="utf-8")
    allowed = json.dumps(origins or own_origins("127.0.0.1", 8000))
    config, n = re.subn(r"(?m)^allow_origins\s*=.*$", f"allow_origins = {allowed}", config)
    if n != 1:
        raise RuntimeError("assistant/chat/config.toml must set allow_origins once")
    (root / ".chainlit" / "config.toml").write_text(config, encoding="utf-8")
    for name in ("chainlit.md", "chainlit_fr-FR.md", "chainlit_en-US.md"):
        shutil.copyfile(CHAT_DIR / "chainlit.md", root / name)
    shutil.copytree(CHAT_DIR / "public", root / "public", dirs_exist_ok=True)
    _write_translations(root / ".chainlit" / "translations")
    # Frontend: the packaged build, with an index.html that loads nothing from the Internet.
    dist = _chainlit_dist()
    build = root / "build"
    build.mkdir(exist_ok=True)
    html = (dist / "index.html").read_text(encoding="utf-8")
    (build / "index.html").write_text(_CDN.sub("", html), encoding="utf-8")
    for item in dist.iterdir():
        target = build / item.name
        if item.name == "index.html" or target.exists() or target.is_symlink():
            continue
        target.symlink_to(item, target_is_directory=item.is_dir())
    return root


def _write_translations(target: Path) -> None:
    """Chainlit's own labels (login page, input box) with ours on top: 'Identifiant', not 'e-mail'."""
    ours = json.loads((CHAT_DIR / "translations.json").read_text(encoding="utf-8"))
    source = _chainlit_dist().parents[1] / "translations"
    target.mkdir(parents=True, exist_ok=True)
    for lang, files in {"fr": ("fr-FR", "fr"), "en": ("en-US", "en-GB", "en")}.items():
        base = json.loads((source / f"{files[0]}.json").read_text(encoding="utf-8"))
        for dotted, text in ours[lang].items():
            node = base
            *path, leaf = dotted.split(".")
            for key in path:
                node = node.setdefault(key, {})
            node[leaf] = text
        for name in files:
            (target / f"{name}.json").write_text(
                json.dumps(base, ensure_ascii=False, indent=1), encoding="utf-8"
            )


def _jwt_secret(root: Path) -> str:
    """A per-installation secret for Chainlit's login tokens, created once, readable by the owner only."""
    path = root / ".chainlit" / "auth_secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def default_root() -> Path:
    return get_settings().home / "chat"


def configure(db_url: str) -> None:
    """Make ``db_url`` the store of this process: environment, and the settings cache dropped (a
    ``get_settings()`` read earlier, e.g. by ``cohort chat`` itself, would still name the default);
    refused at once when the store has no deployment secret."""
    from privacy.keys import require_secret

    os.environ["COHORT_DB"] = db_url
    get_settings.cache_clear()
    require_secret(db_url)


def serve(db_url: str, *, host: str = "127.0.0.1", port: int = 8000, root: Path | None = None) -> None:
    """Run the chat until interrupted. Must run before anything imports ``chainlit`` in this process."""
    if "chainlit" in sys.modules:
        raise RuntimeError("serve() must run before chainlit is imported (its app root is read at import)")
    for name in _SCRUB_ENV:
        os.environ.pop(name, None)
    configure(db_url)
    root = prepare_app_root(root or default_root(), own_origins(host, port))
    os.environ["CHAINLIT_APP_ROOT"] = str(root)
    os.environ["CHAINLIT_AUTH_SECRET"] = _jwt_secret(root)
    os.environ["CHAINLIT_HOST"] = host
    os.environ["CHAINLIT_PORT"] = str(port)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.chdir(root)  # Chainlit reads an optional .env from the working directory: ours has none.

    from chainlit.cli import run_chainlit
    from chainlit.config import config

    config.run.headless = True
    config.run.debug = False
    config.run.ci = False
    config.run.no_cache = True
    config.run.watch = False
    run_chainlit(str(APP_FILE))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Start the cohort assistant chat (Chainlit).")
    parser.add_argument("--db", required=True, help="SQLite file or postgresql:// URL")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--root", type=Path, default=None, help="Chainlit app root (default $COHORT_HOME/chat)"
    )
    args = parser.parse_args(argv)
    serve(args.db, host=args.host, port=args.port, root=args.root)


if __name__ == "__main__":
    main()
