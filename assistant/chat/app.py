"""The Chainlit app: sign-in against the privacy area's users, then one ``Session`` per chat.

Started by ``cohort chat`` (see server.py), which sets the app root, the store (``COHORT_DB``) and
the login secret. Every label comes from ``assistant.i18n`` in the user's language (profile
language, switched with /en or /fr); every error is a sentence. Buttons that need words set a
pending input answered by the next message (see flows.py).
"""

from __future__ import annotations

import asyncio
import re
import threading
from functools import lru_cache
from typing import Any

import chainlit as cl
from chainlit.context import init_ws_context
from chainlit.server import sio
from chainlit.session import WebsocketSession

from assistant import views
from assistant.chat import actions as _buttons  # noqa: F401 - registers the button callbacks
from assistant.chat import flows
from assistant.chat.flows import lang, say, say_error, session
from assistant.core.errors import log
from assistant.core.session import Session
from assistant.i18n import t
from privacy.redact import Redactor
from privacy.roles import Permission, role_label
from privacy.users import authenticate, get_user
from query_compiler.parser import parse
from query_compiler.parser.chain import warm_up as warm_llm
from retrieval.store import open_store

PSEUDO = re.compile(r"^\s*`?([A-Z]{1,3}-[0-9A-Z]{4,})`?\s*$")
LANG_COMMANDS = {
    "/en": "en",
    "/english": "en",
    "/anglais": "en",
    "/fr": "fr",
    "/french": "fr",
    "/francais": "fr",
    "/français": "fr",
}


@lru_cache(maxsize=1)
def store() -> Any:
    return open_store(create=False)


def _warm_up() -> None:
    """Load the terminology, the compiler and the redaction engine once, before the first question
    (a first answer would otherwise pay several seconds of loading); then the LLM with its fixed
    prompt already evaluated (read from disk after the first time), so that its first refinement
    only reads the new words."""
    try:
        parse("cancer du sein", use_llm=False)
        Redactor.for_store(store()).redact("Mme Exemple, née le 1er janvier 1960.")
    except Exception:  # noqa: BLE001 - a failed warm-up only costs time later
        log.exception("warm-up failed")
    try:
        warm_llm()
    except Exception:  # noqa: BLE001 - without a model the answers come from the terminology alone
        log.exception("LLM warm-up failed")


@cl.on_app_startup
def start_warm_up() -> None:
    threading.Thread(target=_warm_up, name="cohort-warm-up", daemon=True).start()


# -- sign-in and welcome -------------------------------------------------------------------------
@cl.password_auth_callback
async def sign_in(username: str, password: str) -> cl.User | None:
    user = await asyncio.to_thread(authenticate, store(), username.strip(), password)
    if user is None:
        return None
    return cl.User(
        identifier=user.username,
        display_name=user.name,
        metadata={"role": user.role.value, "centre_id": user.centre_id, "language": user.language},
    )


@cl.on_chat_start
async def start() -> None:
    who = cl.user_session.get("user")
    info = await asyncio.to_thread(get_user, store(), who.identifier)
    if info is None or not info.active:
        await cl.ErrorMessage(content=t("error.unknown_user", "fr", user=who.identifier)).send()
        return
    s = Session(store(), info)
    cl.user_session.set("session", s)
    cl.user_session.set("pending", None)
    await welcome(s)


async def welcome(s: Session) -> None:
    lg = s.lang
    lines = [
        t(
            "welcome",
            lg,
            name=s.user.name,
            role=role_label(s.user.role, lg),
            centre=s.centre_name,
            example=t("welcome.example", lg),
        ),
        "",
        t("welcome.language", lg),
    ]
    actions = [
        cl.Action(name="try_example", payload={}, label=t("action.try_example", lg), icon="sparkles"),
        cl.Action(name="saved", payload={}, label=t("action.saved", lg), icon="list"),
    ]
    if s.can(Permission.EDIT_CRITERIA):
        n = len(await asyncio.to_thread(s.pending_requests))
        if n:
            lines += ["", t("welcome.pending", lg, n=n)]
        actions.append(cl.Action(name="pending", payload={}, label=t("action.pending", lg), icon="inbox"))
    else:
        answered = [r for r in await asyncio.to_thread(s.my_requests) if r.status == "answered"]
        if answered:
            lines += ["", t("welcome.answered", lg, n=len(answered))]
        actions.append(
            cl.Action(name="my_requests", payload={}, label=t("action.my_requests", lg), icon="inbox")
        )
    await say("\n".join(lines), actions)


# -- messages ------------------------------------------------------------------------------------
@cl.on_message
async def on_message(message: cl.Message) -> None:
    s = session()
    if s is None:
        return
    text = (message.content or "").strip()
    if text.lower() in LANG_COMMANDS:
        s.set_language(LANG_COMMANDS[text.lower()])
        await say(t("language.switched", s.lang))
        await welcome(s)
        return
    pending = cl.user_session.get("pending")
    cl.user_session.set("pending", None)
    try:
        await answer(s, pending, text)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - every error is a sentence
        await say_error(exc)


async def answer(s: Session, pending: dict | None, text: str) -> None:
    kind = (pending or {}).get("kind")
    if kind in (None, "refine", "edit"):
        await flows.run_turn(kind or "ask", text)
    elif kind == "save_query":
        q = await asyncio.to_thread(s.save_query, text)
        await say(t("query.saved", s.lang, name=q.name, id=q.id))
    elif kind == "save_cohort":
        c = await asyncio.to_thread(s.save_cohort, text)
        await say(t("cohort.saved", s.lang, name=c.name, id=c.id, size=c.size))
    elif kind == "combine":
        c = await asyncio.to_thread(s.combine_text, text)
        await say(t("cohort.saved", s.lang, name=c.name, id=c.id, size=c.size) + f" ({views.safe(c.origin)})")
    elif kind == "export":
        await flows.export(text, (pending or {}).get("format", "csv"))
    elif kind == "timeline":
        await flows.show_timeline(text)
    elif kind == "similar":
        match = PSEUDO.match(text)
        await flows.show_similar(pseudo=match.group(1) if match else None, case=None if match else text)
    elif kind == "ask_referent":
        req = await asyncio.to_thread(s.send_to_referent, text)
        await say(t("request.sent", s.lang, id=req.id, centre=s.centre_name))
    elif kind == "answer":
        criteria, comment = split_answer(text)
        req, q = await asyncio.to_thread(s.answer_request, pending["id"], criteria or None, comment)
        await say(t("request.answered", s.lang, id=req.id, query_id=q.id))


def split_answer(text: str) -> tuple[str, str]:
    """A referent's answer: corrected criteria, a line '--', a comment. Without '--' it is all comment."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == "--":
            return "\n".join(lines[:i]).strip(), "\n".join(lines[i + 1 :]).strip()
    return "", text.strip()


# -- stop button: cancel the running turn, say so in the user's language -------------------------
@sio.on("stop")
async def stop(sid: str) -> None:
    ws = WebsocketSession.get(sid)
    if ws is None:
        return
    init_ws_context(ws)
    if ws.current_task:
        ws.current_task.cancel()
    s = cl.user_session.get("session")
    if s is not None:
        s.cancel_llm()  # the language model's background reading stops too
    cl.user_session.set("pending", None)
    await say(t("cancelled", lang()))
