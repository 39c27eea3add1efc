"""Start the real chat server and drive it with headless Debian Chromium through Playwright.

No test client exists for Chainlit, so the tests do what a user does: open the page, sign in,
type, click. The server runs in its own process (``python -m assistant.chat.server``) on a free
port of 127.0.0.1 with a temporary app root; the browser blocks every request that is not to
that server, so a test also proves the page works offline. Waits are generous and wait for
*content*, never for a duration.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
]
# The README's screenshots are rewritten only on request (COHORT_UPDATE_SCREENSHOTS=1), so that a test
# run leaves the work tree clean; otherwise they go to a temporary folder (still taken, still PNGs).
SCREENSHOTS = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("COHORT_UPDATE_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "cohort-screenshots"
)
# The LLM may take tens of seconds on 2 shared cores: waits are about content, bounded generously.
LLM_WAIT_MS = 240_000
UI_WAIT_MS = 60_000
# A click's request leaves the page at once when the click registers; none after this means it did not.
SENT_WAIT_MS = 20_000


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ChatServer:
    """``python -m assistant.chat.server`` in a child process, stopped (and its files gone) on exit."""

    def __init__(self, db: str, root: Path, env: dict[str, str] | None = None) -> None:
        self.db, self.root = db, root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = root.parent / f"chat-{self.port}.log"
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 180.0) -> ChatServer:
        self.root.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable,
            "-m",
            "assistant.chat.server",
            "--db",
            self.db,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--root",
            str(self.root),
        ]
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                cmd,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=str(Path(__file__).resolve().parents[2]),
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chat server exited early:\n{self.output()}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2) as resp:  # noqa: S310 - local
                    if resp.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"chat server did not answer on {self.url}:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


@contextmanager
def chromium() -> Any:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser: Any, server: ChatServer, *, locale: str = "fr-FR") -> tuple[Any, list[str]]:
    """A fresh context (own cookies) whose requests outside the server are blocked and recorded."""
    context = browser.new_context(locale=locale, viewport={"width": 1360, "height": 1000})
    outside: list[str] = []

    def route(r: Any) -> None:
        url = r.request.url
        if url.startswith((server.url, "data:", "blob:")) or url.startswith(server.url.replace("http", "ws")):
            r.continue_()
        else:
            outside.append(url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.set_default_timeout(UI_WAIT_MS)
    _watch_actions(page, server)
    return page, outside


# What each page sent to /project/action and got back, and the server it talks to: read on a
# timeout, so a click that never reached the server is told apart from a callback that failed.
_ACTIONS: dict[int, list[str]] = {}
_SERVERS: dict[int, ChatServer] = {}


def _watch_actions(page: Any, server: ChatServer) -> None:
    log = _ACTIONS.setdefault(id(page), [])
    _SERVERS[id(page)] = server

    def on_request(req: Any) -> None:
        if req.url.endswith("/project/action"):
            log.append(f"sent {req.post_data}")

    def on_response(resp: Any) -> None:
        if resp.url.endswith("/project/action"):
            log.append(f"answered {resp.status}")

    def on_failed(req: Any) -> None:
        if req.url.endswith("/project/action"):
            log.append(f"failed {req.failure}")

    page.on("request", on_request)
    page.on("response", on_response)
    page.on("requestfailed", on_failed)


def login(page: Any, server: ChatServer, username: str, password: str) -> None:
    page.goto(server.url + "/login")
    page.locator("input#email, input[name=email], input[type=email]").first.fill(username)
    page.locator("input[type=password]").first.fill(password)
    page.locator("button[type=submit]").first.click()
    page.locator("#chat-input").wait_for(timeout=UI_WAIT_MS)


ASSISTANT = '[data-step-type="assistant_message"]'


def send(page: Any, text: str) -> None:
    box = page.locator("#chat-input")
    box.click()
    box.fill(text)
    page.locator("#chat-submit").click()


def assistant_count(page: Any) -> int:
    return page.locator(ASSISTANT).count()


def wait_reply(page: Any, before: int, containing: str, timeout: int = LLM_WAIT_MS) -> Any:
    """Wait until a NEW assistant message (after the first ``before``) contains ``containing``.

    On a timeout the failure says what the chat answered instead (an error sentence, another reply,
    or nothing at all), so a red run in CI can be read without re-running it."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(
            """([sel, before, text]) => {
                const all = Array.from(document.querySelectorAll(sel)).slice(before);
                return all.some(m => m.innerText.includes(text));
            }""",
            arg=[ASSISTANT, before, containing],
            timeout=timeout,
        )
    except PlaywrightTimeout:
        replies = page.locator(ASSISTANT).all_inner_texts()[before:]
        errors = page.locator('[data-step-type="error_message"], .error-message').all_inner_texts()
        toasts = page.locator("[data-sonner-toast]").all_inner_texts()
        actions = _ACTIONS.get(id(page), [])[-6:]
        server = _SERVERS.get(id(page))
        tail = server.output()[-3000:] if server else ""
        raise AssertionError(
            f"no new reply containing {containing!r}; new replies: {replies!r}; errors shown: {errors!r}; "
            f"toasts: {toasts!r}; last action calls: {actions!r}\nserver log tail:\n{tail}"
        ) from None
    return page.locator(ASSISTANT, has_text=containing).last


def say_and_wait(page: Any, text: str, containing: str, timeout: int = LLM_WAIT_MS) -> Any:
    before = assistant_count(page)
    send(page, text)
    return wait_reply(page, before, containing, timeout)


def click_and_wait(page: Any, label: str, containing: str, timeout: int = UI_WAIT_MS) -> Any:
    before = assistant_count(page)
    click_action(page, label)
    return wait_reply(page, before, containing, timeout)


def last_message(page: Any, containing: str, timeout: int = LLM_WAIT_MS) -> Any:
    """The last assistant message whose text contains ``containing`` (waits until it appears)."""
    loc = page.locator(ASSISTANT, has_text=containing).last
    loc.wait_for(timeout=timeout)
    return loc


def click_action(page: Any, label: str, timeout: int = UI_WAIT_MS) -> None:
    """Click an action button and make sure the click reached the server.

    Why the check and the one retry: Chainlit re-renders a message while its actions and the end of
    the previous task arrive; on a loaded 2-core machine a click can land during that re-render, and
    the browser then sends nothing at all (seen in CI and here: no request, no toast, server idle).
    A person would click again; so does this, once, and only when no request left the page. What the
    server answers is judged by the caller's wait for the reply (whose failure lists the calls).
    """
    import json

    def ours(req: Any) -> bool:
        if not req.url.endswith("/project/action"):
            return False
        try:
            return json.loads(req.post_data or "{}")["action"]["label"] == label
        except (KeyError, TypeError, ValueError):
            return False

    sent: list[Any] = []

    def on_request(req: Any) -> None:
        if ours(req):
            sent.append(req)

    button = page.get_by_role("button", name=label, exact=True).last
    page.on("request", on_request)
    try:
        for attempt in (1, 2):
            button.click(timeout=timeout)  # fails on its own if the button never shows or stays disabled
            waited = 0
            while not sent and waited < SENT_WAIT_MS:
                page.wait_for_timeout(100)  # lets Playwright deliver the request event
                waited += 100
            if sent:
                return
            _ACTIONS.setdefault(id(page), []).append(f"click {attempt} on {label!r} sent nothing")
            print(f"browser harness: click {attempt} on {label!r} sent nothing", file=sys.stderr)
    finally:
        page.remove_listener("request", on_request)
    raise AssertionError(f"clicking {label!r} twice sent nothing to the server: {_ACTIONS.get(id(page))!r}")


def shot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
