"""``cohort chat``: start the web chat (Chainlit) on a store, or on the demo corpus with ``--demo``."""

from __future__ import annotations

from typing import Annotated

import typer

from assistant.cli.common import DbOption, UserError, console


def register(app: typer.Typer) -> None:
    @app.command("chat")
    def chat(
        db: DbOption = None,
        host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
        demo: Annotated[
            bool,
            typer.Option("--demo", help="Generate and ingest the demo corpus on first start, seed users."),
        ] = False,
    ) -> None:
        """Start the chat in the browser (http://HOST:PORT); sign in with a personal account."""
        from retrieval.settings import get_settings

        settings = get_settings()
        if demo:
            if db:
                raise UserError("--demo builds its own store; drop --db (or COHORT_DB) to use it.")
            from assistant.core.demo import ensure_demo

            report = ensure_demo(
                say=lambda text: console.print(text, markup=False, highlight=False, soft_wrap=True)
            )
            if report.built:
                console.print(f"[bold]Demo ready in {report.seconds:.0f} s[/bold] ({report.db_url})")
            db_url = report.db_url
            from assistant.core.demo import index_ready, start_index_build

            if not index_ready(db_url):
                log = get_settings().demo_dir / "index.log"
                start_index_build(db_url, log)
                console.print(
                    f"[demo] similar-patient index: building in the background (log: {log})",
                    markup=False,
                    soft_wrap=True,
                )
            if report.logins:
                console.print("[bold]Demo accounts[/bold] (username / password — role, centre):")
                for username, password, role, centre in report.logins:
                    console.print(
                        f"  {username:<28} {password:<32} {role}, {centre}", markup=False, soft_wrap=True
                    )
        else:
            db_url = db or settings.db_url
            from retrieval.store import Store

            Store(db_url, create=False).close()  # a clear sentence now rather than a failing chat later
        if host not in ("127.0.0.1", "localhost", "::1"):
            console.print(
                f"[yellow]Listening on {host}: anyone who can reach it sees the sign-in page.[/yellow]"
            )
        console.print(f"Chat: http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}  (Ctrl-C to stop)")
        from assistant.chat.server import serve

        serve(db_url, host=host, port=port)
