"""One person's conversation with the records: the engine behind both the chat and the CLI.

A turn has three stages that front ends show as steps: ``understand`` (parser, maybe a slow LLM),
``search`` (governed count, other centres' anonymous counts, one page of rows) and ``anonymise``
(rows → pseudonymous, redacted view). The stages never touch the session's state; ``commit``
stores a finished turn in one assignment. A chat that cancels a slow parse therefore leaves the
previous question, criteria and rows exactly as they were — there is no half-updated state to
repair. ``ask`` / ``refine`` / ``edit_criteria`` chain the stages for the CLI and tests.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from assistant.core.backend import Backend
from assistant.core.errors import AssistantError
from assistant.core.operations import Operations
from assistant.core.results import CentreCount, PatientRow, TurnResult, Understanding
from assistant.core.users import UserInfo
from assistant.i18n import Lang, normalise_lang, t

DEFAULT_PAGE_SIZE = 10


@dataclass(frozen=True)
class Found:
    """The output of ``search``: counts and raw (not yet shown) rows for one criteria tree."""

    understanding: Understanding
    count: int
    others: tuple[CentreCount, ...]
    rows: tuple[PatientRow, ...]
    page: int


@dataclass
class State:
    """What the conversation remembers; replaced as a whole by ``commit``."""

    result: TurnResult | None = None
    history: tuple[str, ...] = ()

    @property
    def criteria(self) -> Any:
        return self.result.understanding.criteria if self.result else None

    @property
    def question(self) -> str | None:
        return self.result.understanding.question if self.result else None


class Session(Operations):
    """A signed-in user's session. Thread-safe enough for one chat: stages are pure, commit is atomic."""

    def __init__(
        self,
        store: Any,
        user: UserInfo,
        *,
        lang: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        use_llm: bool = True,
    ) -> None:
        self.store = store
        self.user = user
        self.lang: Lang = normalise_lang(lang or user.language)
        self.page_size = page_size
        self.use_llm = use_llm
        self.backend = Backend(store, user)
        self.state = State()

    # -- small helpers ---------------------------------------------------------------------------
    def set_language(self, lang: str) -> Lang:
        self.lang = normalise_lang(lang)
        return self.lang

    def require(self, right: str) -> None:
        if not self.user.can(right):
            raise AssistantError(
                "error.forbidden",
                role=t(f"role.{self.user.role}", self.lang),
                what=t(f"right.{right}", self.lang),
            )

    @property
    def min_count(self) -> int:
        from retrieval.settings import get_settings

        return get_settings().min_count

    @property
    def centre_name(self) -> str:
        name = self.store.scalar("SELECT name FROM centres WHERE id = :c", {"c": self.user.centre_id})
        return str(name or self.user.centre_id)

    @property
    def criteria(self) -> Any:
        return self.state.criteria

    def _current(self) -> TurnResult:
        if self.state.result is None:
            raise AssistantError("error.no_question")
        return self.state.result

    # -- the three stages ------------------------------------------------------------------------
    def understand(self, text: str, *, refine: bool = False) -> Understanding:
        """Question (or follow-up) → Understanding. Slow with the LLM; changes nothing."""
        text = (text or "").strip()
        if not text:
            raise AssistantError("error.empty")
        previous = None
        if refine:
            previous = self._current().understanding.criteria
        u = self.backend.understand(text, previous, use_llm=self.use_llm, lang=self.lang)
        if u.criteria is None:
            raise AssistantError(
                "error.not_understood", question=text, example=t("welcome.example", self.lang)
            )
        if refine and self.state.question:
            u = replace(u, question=f"{self.state.question} → {text}")
        return u

    def search(self, understanding: Understanding, *, page: int = 1) -> Found:
        """Governed count, anonymous counts elsewhere, and one page of rows (scoped, audited)."""
        self.require("count")
        node = understanding.criteria
        count = self.backend.count(node)
        others = self.backend.other_centres(node, self.lang)
        rows: list[PatientRow] = []
        if self.user.can("list_patients") and count:
            rows = self.backend.page(node, page, self.page_size, self.lang)
        return Found(understanding, count, others, tuple(rows), page)

    def anonymise(self, found: Found) -> TurnResult:
        """The view a person may see: pseudonymous rows, masked snippets, readable criteria."""
        rows = tuple(self.backend.redact_rows(found.rows))
        u = found.understanding
        return TurnResult(
            understanding=u,
            criteria_text=self.backend.render(u.criteria, self.lang),
            compact=self.backend.compact(u.criteria),
            count=found.count,
            centre_id=self.user.centre_id,
            centre_name=self.centre_name,
            other_centres=found.others,
            rows=rows,
            page=found.page,
            page_size=self.page_size,
            lang=self.lang,
            min_count=self.min_count,
        )

    def commit(self, result: TurnResult, found: Found | None = None) -> TurnResult:
        """Make a finished turn the current one (a single assignment: nothing half-done survives)."""
        history = self.state.history
        if not history or history[-1] != result.understanding.question:
            history = (*history, result.understanding.question)
        self.state = State(result=result, history=history[-50:])
        return result

    def run(self, understanding: Understanding, *, page: int = 1) -> TurnResult:
        found = self.search(understanding, page=page)
        return self.commit(self.anonymise(found), found)

    # -- conversation operations -----------------------------------------------------------------
    def ask(self, question: str) -> TurnResult:
        return self.run(self.understand(question))

    def refine(self, follow_up: str) -> TurnResult:
        return self.run(self.understand(follow_up, refine=True))

    def understand_edit(self, text: str) -> Understanding:
        """A referent's corrected criteria (compact form or JSON) → Understanding, validated and audited."""
        self.require("edit_criteria")
        node = self.backend.criteria_from_text(text)
        question = self.state.question or text
        self.backend.audit("edit_criteria", criteria=node, details=question)
        return Understanding(question=question, criteria=node)

    def edit_criteria(self, text: str) -> TurnResult:
        return self.run(self.understand_edit(text))

    def run_criteria(self, node: Any, question: str | None = None) -> TurnResult:
        from query_compiler.criteria import parse_criteria

        return self.run(Understanding(question=question or "", criteria=parse_criteria(node)))

    def next_page(self) -> TurnResult:
        current = self._current()
        page = current.page + 1 if current.has_more else 1
        return self.run(current.understanding, page=page)

    def show_sql(self) -> tuple[str, dict[str, Any], str]:
        """The compiled query of the current criteria (referents), as the engine runs it."""
        self.require("show_sql")
        node = self._current().understanding.criteria
        sql = self.backend.sql(node)
        self.backend.audit("show_sql", criteria=node)
        return sql
