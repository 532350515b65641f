"""The one write path: jobs in order, failures always reported."""

from __future__ import annotations

import threading

from tuireader.library.editing import Writer


def test_jobs_run_in_order_and_failures_reach_the_user() -> None:
    errors: list[str] = []
    seen: list[object] = []
    writer = Writer(on_error=errors.append)
    writer.submit(lambda: 1, then=seen.append)
    writer.submit(lambda: 1 / 0, failed=lambda exc: seen.append(type(exc).__name__))
    writer.submit(lambda: 3, then=seen.append)
    assert writer.wait_idle(10)
    writer.close()
    assert seen == [1, "ZeroDivisionError", 3]
    assert errors == ["division by zero"]


def test_jobs_run_off_the_calling_thread_and_callbacks_are_delivered() -> None:
    delivered: list[str] = []
    threads: list[str] = []

    def deliver(callback: object) -> None:
        delivered.append("ui")
        callback()  # type: ignore[operator]

    writer = Writer(on_error=lambda message: None, deliver=deliver)
    writer.submit(lambda: threads.append(threading.current_thread().name) or "done",
                  then=lambda result: delivered.append(str(result)))
    assert writer.wait_idle(10)
    writer.close()
    assert threads == ["tuireader-writer"]
    assert delivered == ["ui", "done"]


def test_a_failure_with_no_message_is_still_named() -> None:
    errors: list[str] = []

    def fail() -> None:
        raise OSError

    writer = Writer(on_error=errors.append)
    writer.submit(fail)
    assert writer.wait_idle(10)
    writer.close()
    assert errors == ["OSError"]
