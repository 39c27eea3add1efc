"""The one engine behind the chat and the CLI: a signed-in user's ``Session``.

>>> from assistant.core import Session, load_user          # doctest: +SKIP
>>> s = Session(store, load_user(store, "referent.clb"))   # doctest: +SKIP
>>> s.ask("femme ayant eu un cancer du sein métastatique à 50 ans").count   # doctest: +SKIP
"""

from assistant.core.errors import AssistantError
from assistant.core.session import Session
from assistant.core.users import UserInfo, authenticate, load_user

__all__ = ["AssistantError", "Session", "UserInfo", "authenticate", "load_user"]
