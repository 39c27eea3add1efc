"""Options and helpers shared by every `cohort` sub-command, and the one way a command gets a
``Session``: every command that reads patient data acts as a user, through ``open_session``."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

console = Console()
err_console = Console(stderr=True)


class UserError(Exception):
    """A mistake the user can fix (bad file, unknown patient, missing right); shown without traceback."""


DbOption = Annotated[
    str | None,
    typer.Option("--db", envvar="COHORT_DB", help="SQLite file or postgresql:// URL (default: demo store)."),
]
UserOption = Annotated[
    str | None,
    typer.Option("--user", envvar="COHORT_USER", help="Act as this user (rights, centre and audit apply)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]
LangOption = Annotated[str | None, typer.Option("--lang", help="fr or en (default: the user's language).")]


def open_db(db: str | None, *, create: bool = False) -> Any:
    """Open the store named on the command line, the environment, or the demo default."""
    from retrieval.store import open_store

    return open_store(db, create=create)


def friendly(fn: Any) -> Any:
    """Engine refusals and mistakes become one readable sentence (exit code 1), in the user's language."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        from assistant.core.errors import AssistantError, explain
        from privacy.users import AccessDenied, UserProblem
        from query_compiler.criteria import CriteriaError
        from retrieval.store import StoreError

        try:
            return fn(*args, **kwargs)
        except AssistantError as exc:
            raise UserError(exc.message(kwargs.get("lang") or "fr")) from None
        except (UserProblem, AccessDenied) as exc:
            raise UserError(str(exc)) from None
        except (UserError, typer.Exit, CriteriaError, StoreError, FileNotFoundError):
            raise
        except Exception as exc:  # noqa: BLE001 - no tracebacks for users
            raise UserError(explain(exc, kwargs.get("lang") or "fr")) from None

    return run


def _state_file(username: str) -> Path:
    from retrieval.settings import get_settings

    return get_settings().home / "cli" / f"{username}.json"


def open_session(
    db: str | None, user: str | None, lang: str | None = None, *, use_llm: bool = True, today: Any = None
) -> Any:
    """A ``Session`` for ``--user`` on ``--db``, with the user's last criteria restored.

    Between commands the CLI remembers the user's last criteria (not rows, not patient data) in
    ``$COHORT_HOME/cli/<user>.json``, so ``cohort ask ...`` then ``cohort export --purpose ...`` works
    like the chat."""
    from assistant.core.session import Session
    from privacy.users import get_user

    if not user:
        raise UserError("Give --user NAME (or set COHORT_USER): every access is personal and audited.")
    store = open_db(db)
    info = get_user(store, user)
    if info is None or not info.active:
        raise UserError(f"Unknown or inactive user {user!r} (see `cohort users list`).")
    session = Session(store, info, lang=lang, use_llm=use_llm, today=today)
    state = _state_file(info.username)
    if state.exists():
        try:
            _restore(session, json.loads(state.read_text(encoding="utf-8")))
        except (ValueError, KeyError, OSError):
            pass  # a stale or unreadable memory is simply forgotten
    return session


def _restore(session: Any, data: dict[str, Any]) -> None:
    from assistant.core.results import TurnResult, Understanding
    from query_compiler.criteria import parse_criteria

    u = Understanding(question=data["question"], criteria=parse_criteria(data["criteria"]))
    session.state.result = TurnResult(
        understanding=u, criteria_text="", compact=None, count=0, centre_id=session.user.centre_id,
        centre_name="",
    )


def remember(session: Any) -> None:
    """Keep the session's current criteria for the user's next command (owner-readable file)."""
    from query_compiler.criteria import to_dict

    result = session.state.result
    if result is None:
        return
    path = _state_file(session.user.username)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"question": result.understanding.question, "criteria": to_dict(result.understanding.criteria)}
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    path.chmod(0o600)


def show_markdown(text: str) -> None:
    from rich.markdown import Markdown

    console.print(Markdown(text))
