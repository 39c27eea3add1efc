"""Chainlit callbacks (skeleton)."""

from __future__ import annotations

import chainlit as cl

from assistant.core.users import authenticate
from retrieval.store import open_store


@cl.password_auth_callback
async def auth(username: str, password: str):
    store = open_store()
    user = authenticate(store, username, password)
    if user is None:
        return None
    return cl.User(identifier=user.username, display_name=user.name, metadata={"role": user.role})


@cl.on_chat_start
async def start():
    await cl.Message(content="Bonjour " + cl.user_session.get("user").identifier).send()


@cl.on_message
async def on_message(msg: cl.Message):
    await cl.Message(content="echo: " + msg.content).send()
