"""``cohort chat``: start the web chat (Chainlit) on a store; the similar-patient index is built in a
background child when the store has none yet.

The child is niced and dies with the chat (Linux parent-death signal), so no process outlives it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.common import DbOption, console


def index_ready(db_url: str) -> bool:
    """True when the store has a similar-patient index."""
    from retrieval.similar.index import index_dir_for
    from retrieval.store import Store

    return (index_dir_for(Store(db_url, migrate=False)) / "CURRENT").exists()


def _child_setup() -> None:  # pragma: no cover - runs in the child process
    os.nice(10)
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def start_index_build(db_url: str, log_path: Path) -> subprocess.Popen[bytes]:
    """``cohort index rebuild --db DB`` in a niced child that ends with its parent; output to a log."""
    cmd = [sys.executable, "-c", "from assistant.cli import main; main()", "index", "rebuild", "--db", db_url]
    with open(log_path, "wb") as log:
        return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_child_setup)  # noqa: PLW1509


def start_chat(db_url: str, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the chat on a store; the similar-patient index is built in the background when missing
    (only one button needs it, and a first build takes minutes): the log goes beside the store."""
    from pathlib import Path

    if not index_ready(db_url):
        log = Path(db_url).with_suffix(".index.log") if "://" not in db_url else Path("cohort-index.log")
        start_index_build(db_url, log)
        console.print(f"Similar-patient index: building in the background (log: {log})", markup=False,
                      soft_wrap=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        console.print(f"[yellow]Listening on {host}: anyone who can reach it sees the sign-in page.[/yellow]")
    console.print(f"Chat: http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}  (Ctrl-C to stop)")
    from assistant.chat.server import serve

    serve(db_url, host=host, port=port)


def register(app: typer.Typer) -> None:
    @app.command("chat")
    def chat(
        db: DbOption = None,
        host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    ) -> None:
        """Start the chat in the browser (http://HOST:PORT); sign in with a personal account.

        (`cohort demo` builds a demo store first and starts the chat on it.)"""
        from retrieval.settings import get_settings
        from retrieval.store import Store

        db_url = db or get_settings().db_url
        Store(db_url, create=False).close()  # a clear sentence now rather than a failing chat later
        start_chat(db_url, host, port)
