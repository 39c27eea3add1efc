"""Button callbacks of the chat: each answers at once or sets a pending input for the next message.

Registered with Chainlit by import (``app.py`` imports this module). Errors are sentences in the
user's language, like everywhere else.
"""

from __future__ import annotations

import asyncio
from typing import Any

import chainlit as cl

from assistant import views
from assistant.chat import flows
from assistant.chat.flows import lang, say, say_error, session
from assistant.i18n import t
from privacy.roles import Permission
from query_compiler.criteria import parse_criteria, to_json
from query_compiler.criteria.compact import to_compact


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


@cl.action_callback("reread")
@guarded
async def on_reread(action: cl.Action) -> None:
    """The last message was read the wrong way (follow-up or new question): read it the other way."""
    cl.user_session.set("pending", None)
    kind = "reread_refine" if action.payload.get("refine") else "reread_new"
    await flows.run_turn(kind, "")


@cl.action_callback("edit")
@guarded
async def on_edit(action: cl.Action) -> None:
    s = session()
    s.require(Permission.EDIT_CRITERIA)
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
    s.require(Permission.EXPORT)
    s._current()
    fmt = "fhir" if (action.payload or {}).get("format") == "fhir" else "csv"
    await ask_for("export", t("prompt.export", s.lang), format=fmt)


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
    req = s.get_request(action.payload["id"])
    current = ""
    if req.criteria_json:
        current = views.compact_block(to_compact(parse_criteria(req.criteria_json)), req.criteria_json)
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
