"""Options and helpers shared by every `cohort` sub-command, and the one way a command gets a
``Session``: every command that reads patient data or administers accounts acts as the person
signed in with ``cohort login`` (``open_session``).

Identity comes from the sign-in only. ``cohort login NAME`` checks the password and leaves a token
in ``$COHORT_HOME/cli/sessions/`` (one file per store, readable by its owner only, in a folder only
its owner can enter); the store keeps only the token's hash, with its idle and absolute expiry
(``privacy.sessions``). ``--user`` / ``--as`` / ``COHORT_USER`` remain as a *check*: when given and
different from the signed-in person, the command is refused and the attempt audited; they never
choose who acts.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import stat
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
    typer.Option("--user", envvar="COHORT_USER",
                 help="Check that this is the signed-in user (`cohort login NAME`); never chooses who acts."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]
LangOption = Annotated[str | None, typer.Option("--lang", help="fr or en (default: the user's language).")]


def open_db(db: str | None, *, create: bool = False, secret: bool = False) -> Any:
    """Open the store named on the command line, the environment, or the demo default. ``secret``:
    refuse at once a store without a deployment secret (``COHORT_SECRET``), for every command that
    signs in, shows or pseudonymises patient data (ingesting, indexing and statistics need none)."""
    from privacy.keys import require_secret
    from retrieval.settings import get_settings
    from retrieval.store import open_store

    if secret:
        require_secret(db or get_settings().db_url)
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
        except (UserProblem, AccessDenied) as exc:  # SecretMissing is an AccessDenied's sibling
            raise UserError(str(exc)) from None
        except PermissionError as exc:  # privacy.keys.SecretMissing: a sentence naming the variable
            raise UserError(str(exc)) from None
        except (UserError, typer.Exit, CriteriaError, StoreError, FileNotFoundError):
            raise
        except Exception as exc:  # noqa: BLE001 - no tracebacks for users
            raise UserError(explain(exc, kwargs.get("lang") or "fr")) from None

    return run


def cli_dir() -> Path:
    """``$COHORT_HOME/cli``, created readable and enterable by its owner only."""
    from retrieval.settings import get_settings

    path = get_settings().home / "cli"
    (path / "sessions").mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)
    (path / "sessions").chmod(0o700)
    return path


def _state_file(username: str) -> Path:
    return cli_dir() / f"{username}.json"


def token_file(store: Any) -> Path:
    """Where this store's sign-in token is kept for this account of the machine."""
    from privacy.anchor import store_key

    name = hashlib.sha256(store_key(store).encode("utf-8")).hexdigest()[:16]
    return cli_dir() / "sessions" / f"{name}.json"


def write_token(store: Any, username: str, token: str) -> Path:
    from privacy.anchor import store_key

    path = token_file(store)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"store": store_key(store), "user": username, "token": token}, fh)
    os.replace(tmp, path)
    path.chmod(0o600)
    return path


def read_token(store: Any) -> dict[str, Any] | None:
    """The saved sign-in for this store, or None. A token file others could read is not trusted
    (someone may have copied it): it is deleted and the person signs in again."""
    path = token_file(store)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    if mode & (stat.S_IRWXG | stat.S_IRWXO) or path.stat().st_uid != os.getuid():
        path.unlink(missing_ok=True)
        raise UserError(f"Your sign-in file {path} was readable by others and has been deleted: run "
                        "`cohort login NAME` again.")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def signed_in(store: Any, claimed: str | None = None, *, function: str = "command") -> Any:
    """The signed-in user of this store (``privacy.sessions.resolve``). ``claimed`` (``--user``, ``--as``,
    ``COHORT_USER``) must be that same person: anything else is refused and audited."""
    from privacy.audit import AuditLog
    from privacy.sessions import resolve

    saved = read_token(store)
    try:
        user = resolve(store, (saved or {}).get("token"))
    except Exception:
        if claimed:
            AuditLog(store).record(claimed, "denied", details={"function": function,
                                                               "reason": "not signed in"})
        raise
    if claimed and claimed != user.username:
        AuditLog(store).record(user, "denied", details={"function": function, "claimed": claimed,
                                                        "reason": "acting as another user"})
        raise UserError(f"You are signed in as {user.username}: --user/--as/COHORT_USER cannot act as "
                        f"{claimed}. To act as {claimed}, that person signs in with "
                        f"`cohort login {claimed}`.")
    return user


def open_session(
    db: str | None, user: str | None = None, lang: str | None = None, *, use_llm: bool = True,
    today: Any = None,
) -> Any:
    """A ``Session`` for the person signed in on ``--db`` (``cohort login``), with their last criteria
    restored. ``user`` is only checked against the signed-in person.

    Between commands the CLI remembers the user's last criteria (not rows, not patient data) in
    ``$COHORT_HOME/cli/<user>.json`` (owner-only), so ``cohort ask ...`` then ``cohort export --purpose
    ...`` works like the chat."""
    from assistant.core.session import Session

    store = open_db(db, secret=True)
    info = signed_in(store, user)
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
    data = {"question": result.understanding.question, "criteria": to_dict(result.understanding.criteria)}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(data, ensure_ascii=False))
    path.chmod(0o600)


def show_markdown(text: str) -> None:
    from rich.markdown import Markdown

    console.print(Markdown(text))
