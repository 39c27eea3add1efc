"""First-answer latency of a conversation: the USE_CASES questions asked one after the other, as a
clinician would, on the demo store (or any store), with the LLM on (it refines afterwards and never
delays the first answer, which is what is measured here).

    python -m eval.bench_chat [--db DB] [--user clinician.clb] [--repeat 3]            # engine (Session)
    python -m eval.bench_chat --browser [--db DB] [--user clinician.clb] [--repeat 1]  # real chat, Chromium

Engine: ``Session.understand`` → ``search`` → ``anonymise`` per question, what the chat runs before
its first answer message. Browser: the real chat server and headless Chromium, from pressing Enter
to the answer being on the page; when the LLM reads left-over words after an answer, the next
question is typed once its deadline is over, as a person reads the answer first (typed at once, the
next first answer would share the two cores with the model). Questions written "… et ..." in
USE_CASES are follow-ups of the one before, typed without any button. Prints p50 / p95 over all
questions and the goal (p95 <= 1 s).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from eval.use_cases import USE_CASES

GOAL_P95_S = 1.0


def questions() -> list[str]:
    return [u.question.replace("… ", "").replace("…", "").strip() for u in USE_CASES if not u.stress]


def _pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def engine(db: str | None, user: str, repeat: int) -> dict[str, Any]:
    from assistant.core.session import Session
    from privacy.users import get_user
    from retrieval.store import open_store

    store = open_store(db, create=False)
    info = get_user(store, user)
    if info is None:
        raise SystemExit(f"unknown user {user!r} in {db or 'the demo store'}")
    rows: list[dict[str, Any]] = []
    # what the chat server does at start (assistant.chat.app._warm_up): terminology, compiler, redactor
    from privacy.redact import Redactor

    Session(store, info, use_llm=False).ask(questions()[0])
    Redactor.for_store(store).redact("Mme Exemple, née le 1er janvier 1960.")
    for run in range(repeat):
        s = Session(store, info)
        for q in questions():
            started = time.perf_counter()
            u = s.understand(q)
            found = s.search(u)
            s.commit(s.anonymise(found), found)
            rows.append(
                {
                    "run": run,
                    "question": q,
                    "seconds": time.perf_counter() - started,
                    "count": found.count,
                    "followup": u.followup,
                    "llm_pending": u.llm == "pending",
                }
            )
    return _summary("engine", rows)


def browser(db: str | None, user: str, password: str, repeat: int) -> dict[str, Any]:
    import tempfile

    from retrieval.settings import get_settings
    from tests.browser.harness import ChatServer, chromium, login, new_page, say_and_wait

    rows: list[dict[str, Any]] = []
    root = Path(tempfile.mkdtemp(prefix="bench-chat-"))
    server = ChatServer(db or get_settings().db_url, root / "root").start()
    reading = get_settings().llm_deadline + 1.0
    try:
        with chromium() as b:
            for run in range(repeat):
                page, _ = new_page(b, server)
                login(page, server, user, password)
                page.get_by_text("Bonjour").last.wait_for()
                if run == 0:  # the server's warm-up (terminology, redactor, LLM) ends before measuring
                    say_and_wait(page, questions()[0], "Résultat")
                    time.sleep(reading)
                for q in questions():
                    started = time.perf_counter()
                    answer = say_and_wait(page, q, "Résultat").inner_text()
                    seconds = time.perf_counter() - started
                    llm = "Le modèle de langue lit" in answer
                    rows.append({"run": run, "question": q, "seconds": seconds, "llm_pending": llm})
                    if llm:  # a person reads the answer while the LLM works; then types the next one
                        time.sleep(reading)
                page.context.close()
    finally:
        server.stop()
    return _summary("browser", rows)


def _summary(kind: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    times = [r["seconds"] for r in rows]
    return {
        "kind": kind,
        "answers": len(rows),
        "p50_s": statistics.median(times) if times else 0.0,
        "p95_s": _pct(times, 95),
        "max_s": max(times) if times else 0.0,
        "goal_p95_s": GOAL_P95_S,
        "rows": rows,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="First-answer latency of the USE_CASES questions in a chat.")
    parser.add_argument("--db", default=None, help="store (default: the demo store)")
    parser.add_argument("--user", default="clinician.clb")
    parser.add_argument("--password", default="clinician-demo-2024")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--browser", action="store_true", help="through the real chat and Chromium")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows as JSON here")
    args = parser.parse_args(argv)
    report = (
        browser(args.db, args.user, args.password, args.repeat)
        if args.browser
        else engine(args.db, args.user, args.repeat)
    )
    for r in report["rows"]:
        extra = "".join(
            f" {k}" for k in ("followup", "llm_pending") if r.get(k)
        )
        print(f"  {r['seconds'] * 1000:7.0f} ms  {r['question'][:70]}{extra}")
    print(
        f"{report['kind']}: {report['answers']} answers, first answer p50 {report['p50_s']:.3f} s, "
        f"p95 {report['p95_s']:.3f} s, max {report['max_s']:.3f} s (goal p95 <= {GOAL_P95_S:.1f} s)"
    )
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
