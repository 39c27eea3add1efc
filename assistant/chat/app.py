"""The Chainlit app: sign-in against the privacy area's users, then one ``Session`` per chat.

Started by ``cohort chat`` (see server.py), which sets the app root, the store (``COHORT_DB``) and
the login secret. Every label comes from ``assistant.i18n`` in the user's language (profile
language, switched with /en or /fr); every error is a sentence. Buttons that need words set a
pending input answered by the next message (see flows.py).
"""

from __future__ import annotations

import asyncio
import re
from functools import lru_cache
from typing import Any

import chainlit as cl
from chainlit.context import init_ws_context
from chainlit.server import sio
from chainlit.session import WebsocketSession

from assistant.chat import flows, views
from assistant.chat.flows import lang, say, say_error, session
from assistant.core.session import Session
from assistant.core.users import authenticate, load_user
from assistant.i18n import t

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
    from retrieval.store import open_store

    return open_store(create=False)


# -- sign-in and welcome -------------------------------------------------------------------------
@cl.password_auth_callback
async def sign_in(username: str, password: str) -> cl.User | None:
    user = await asyncio.to_thread(authenticate, store(), username.strip(), password)
    if user is None:
        return None
    return cl.User(
        identifier=user.username,
        display_name=user.name,
        metadata={"role": user.role, "centre_id": user.centre_id, "language": user.language},
    )


@cl.on_chat_start
async def start() -> None:
    who = cl.user_session.get("user")
    info = await asyncio.to_thread(load_user, store(), who.identifier)
    if info is None:
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
            role=t(f"role.{s.user.role}", lg),
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
    if s.user.can("answer_requests"):
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
        await flows.export(text)
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
    cl.user_session.set("pending", None)
    await say(t("cancelled", lang()))


# -- buttons -------------------------------------------------------------------------------------
async def ask_for(
    kind: str, prompt: str, extra: str = "", actions: list[cl.Action] | None = None, **data: Any
) -> None:
    cl.user_session.set("pending", {"kind": kind, **data})
    await say(prompt + (f"\n\n{extra}" if extra else ""), actions)


def guarded(fn: Any) -> Any:
    """Button handlers speak errors as sentences too."""

    async def run(action: cl.Action) -> None:
        try:
            await fn(action)
        except Exception as exc:  # noqa: BLE001
            await say_error(exc)

    run.__name__ = fn.__name__
    return run


@cl.action_callback("try_example")
@guarded
async def on_try_example(action: cl.Action) -> None:
    example = t("welcome.example", lang())
    await cl.Message(content=example, author=session().user.name, type="user_message").send()
    await flows.run_turn("ask", example)


@cl.action_callback("refine")
@guarded
async def on_refine(action: cl.Action) -> None:
    await ask_for("refine", t("prompt.refine", lang()))


@cl.action_callback("edit")
@guarded
async def on_edit(action: cl.Action) -> None:
    s = session()
    s.require("edit_criteria")
    from query_compiler.criteria import to_json

    current = s._current()
    block = views.compact_block(current.compact, to_json(current.understanding.criteria, indent=1))
    await ask_for("edit", t("prompt.edit", s.lang), block)


@cl.action_callback("sql")
@guarded
async def on_sql(action: cl.Action) -> None:
    s = session()
    sql, params, dialect = await asyncio.to_thread(s.show_sql)
    await say(views.sql_block(sql, params, dialect, s.lang))


@cl.action_callback("save_query")
@guarded
async def on_save_query(action: cl.Action) -> None:
    session()._current()
    await ask_for("save_query", t("prompt.save_query", lang()))


@cl.action_callback("saved")
@guarded
async def on_saved(action: cl.Action) -> None:
    s = session()
    items = await asyncio.to_thread(s.list_saved)
    actions = [
        cl.Action(
            name="run_saved",
            payload={"id": q.id},
            label=f"{t('action.run', s.lang)} n° {q.id}"
            if s.lang == "fr"
            else f"{t('action.run', s.lang)} no. {q.id}",
            icon="play",
        )
        for q in items[-10:]
    ]
    await say(views.saved_queries(items, s.lang), actions)


@cl.action_callback("run_saved")
@guarded
async def on_run_saved(action: cl.Action) -> None:
    s = session()
    result = await asyncio.to_thread(s.run_saved, action.payload["id"])
    await flows.show_turn(result)


@cl.action_callback("save_cohort")
@guarded
async def on_save_cohort(action: cl.Action) -> None:
    session()._current()
    await ask_for("save_cohort", t("prompt.save_cohort", lang()))


@cl.action_callback("combine")
@guarded
async def on_combine(action: cl.Action) -> None:
    s = session()
    items = await asyncio.to_thread(s.list_cohorts)
    await ask_for("combine", t("prompt.combine", s.lang), views.cohorts(items, s.lang))


@cl.action_callback("export")
@guarded
async def on_export(action: cl.Action) -> None:
    s = session()
    s.require("export")
    s._current()
    await ask_for("export", t("prompt.export", s.lang))


@cl.action_callback("similar")
@guarded
async def on_similar(action: cl.Action) -> None:
    await ask_for(
        "similar", t("prompt.similar", lang()), actions=flows.patient_choices("similar_to", session())
    )


@cl.action_callback("similar_to")
@guarded
async def on_similar_to(action: cl.Action) -> None:
    cl.user_session.set("pending", None)
    await flows.show_similar(pseudo=action.payload["pseudo"])


@cl.action_callback("timeline")
@guarded
async def on_timeline(action: cl.Action) -> None:
    await ask_for(
        "timeline", t("prompt.timeline", lang()), actions=flows.patient_choices("timeline_for", session())
    )


@cl.action_callback("timeline_for")
@guarded
async def on_timeline_for(action: cl.Action) -> None:
    cl.user_session.set("pending", None)
    await flows.show_timeline(action.payload["pseudo"])


@cl.action_callback("next_page")
@guarded
async def on_next_page(action: cl.Action) -> None:
    s = session()
    result = await asyncio.to_thread(s.next_page)
    await flows.show_turn(result)


@cl.action_callback("ask_referent")
@guarded
async def on_ask_referent(action: cl.Action) -> None:
    await ask_for("ask_referent", t("prompt.ask_referent", lang()))


@cl.action_callback("pending")
@guarded
async def on_pending(action: cl.Action) -> None:
    s = session()
    items = await asyncio.to_thread(s.pending_requests)
    actions = [
        cl.Action(
            name="answer", payload={"id": r.id}, label=f"{t('action.answer', s.lang)} {r.id}", icon="reply"
        )
        for r in items[:10]
    ]
    await say(views.requests_list(items, s.lang, mine=False), actions)


@cl.action_callback("answer")
@guarded
async def on_answer(action: cl.Action) -> None:
    s = session()
    s.require("answer_requests")
    from assistant.core import requests as referent
    from query_compiler.criteria import parse_criteria

    req = referent.get(s.store, action.payload["id"], centre_id=s.user.centre_id)
    current = ""
    if req.criteria_json:
        node = parse_criteria(req.criteria_json)
        current = views.compact_block(s.backend.compact(node), req.criteria_json)
    await ask_for("answer", t("prompt.answer", s.lang, id=req.id), current, id=req.id)


@cl.action_callback("my_requests")
@guarded
async def on_my_requests(action: cl.Action) -> None:
    s = session()
    items = await asyncio.to_thread(s.my_requests)
    actions = [
        cl.Action(
            name="run_saved",
            payload={"id": r.saved_query_id},
            label=f"{t('action.run', s.lang)} {r.saved_query_id}",
            icon="play",
        )
        for r in items
        if r.saved_query_id
    ][:10]
    await say(views.requests_list(items, s.lang, mine=True), actions)
