"""Different users' updates are handled side by side, one user's in order, and the offset
Telegram is told never passes an update still in hand: through the real Application, its
update processor (bot/runtime/update_order.py) and poller, against the fake Bot API. And
SQLite's write transactions wait for each other in line instead of failing."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import ALLOWED_UPDATES
from bot.core.db import make_engine, make_sessionmaker
from bot.runtime.intake import UpdatePoller
from bot.runtime.update_order import PerUserOrder, update_key
from models import Member, Role, Task, TaskReport, Unit
from tests.auxil.bulk import add_units_with_heads
from tests.auxil.fake_bot_api import FakeBotApi
from tests.auxil.harness import BotHarness, button_data
from tests.auxil.polling import eventually
from tests.auxil.telegram_html import html_to_text
from tests.test_intake import _start_update as _start

SLOW, QUICK = 4201, 4202


def _greetings(api: FakeBotApi, user_id: int) -> list[float]:
    """When each greeting of `user_id` reached the Bot API (held ones that failed excluded)."""
    return [
        c.at
        for c in api.sent(user_id)
        if c.error is None and "trợ lý công tác thi đua" in html_to_text(c.text)
    ]


def _hold_replies_to(api: FakeBotApi, user_id: int) -> None:
    """The bot's messages to `user_id` hang (its handler is mid-way) until `release_held()`."""
    api.hold_calls = lambda call: call.method == "sendMessage" and call.chat_id == user_id


async def _polled_again(api: FakeBotApi) -> None:
    """Until the bot has polled twice more (getUpdates is not among the recorded calls)."""
    polls = api.polls

    async def polled() -> bool:
        return api.polls >= polls + 2

    await eventually(polled, within=10)


def _calls_to(api: FakeBotApi, user_id: int) -> list[str]:
    return [c.method for c in api.calls if c.chat_id == user_id]


async def test_another_users_update_is_answered_while_a_slow_one_is_in_hand(
    seeded: BotHarness,
) -> None:
    api = seeded.api
    _hold_replies_to(api, SLOW)
    slow_id = api.push_update(_start(SLOW))
    await api.wait_until(lambda: api.held == 1)
    # The second user writes after the first: answered while the first is still in hand.
    api.push_update(_start(QUICK))
    await api.wait_until(lambda: len(_greetings(api, QUICK)) == 1, within=10)
    assert api.held == 1 and _calls_to(api, SLOW) == []
    # Handled, but not confirmed: the slow update before it is not finished.
    await _polled_again(api)
    assert api.confirmed_offset <= slow_id
    api.release_held()
    # Once the slow one is finished (its send failed), both are confirmed.
    await api.wait_fetched(slow_id + 1)


async def test_one_users_updates_are_handled_in_the_order_they_came(seeded: BotHarness) -> None:
    api = seeded.api
    _hold_replies_to(api, SLOW)
    api.push_update(_start(SLOW))
    await api.wait_until(lambda: api.held == 1)
    second = api.push_update(_start(SLOW))
    api.push_update(_start(QUICK))
    await api.wait_until(lambda: len(_greetings(api, QUICK)) == 1, within=10)
    # The same user's second update came before the other user's, which is answered: it is
    # in hand, waiting for the first one to finish, and has not started.
    assert seeded.poller is not None and second in seeded.poller.in_hand
    assert api.held == 1 and _calls_to(api, SLOW) == []
    released = api.calls[-1].at
    api.release_held()
    await api.wait_fetched(second)
    (greeting,) = _greetings(api, SLOW)
    assert greeting >= released


async def test_the_offset_never_passes_an_update_in_hand_and_a_crash_loses_none(
    seeded: BotHarness, tmp_path: Path
) -> None:
    """After a kill -9 with a slow update in hand, the next process gets it again and handles
    it; the later updates, handled before the crash, come again too (the offset could not
    skip the slow one) and are skipped: the file of updates handled ahead says they were."""
    api = seeded.api
    ahead = tmp_path / "bot.sqlite3.updates-1"
    assert seeded.poller is not None
    await seeded.poller.stop()
    seeded.poller = _poller(seeded, ahead)
    await seeded.poller.start()
    _hold_replies_to(api, SLOW)
    slow_id = api.push_update(_start(SLOW))
    await api.wait_until(lambda: api.held == 1)
    quick_ids = [api.push_update(_start(QUICK + n)) for n in range(3)]
    await api.wait_until(lambda: all(_greetings(api, QUICK + n) for n in range(3)), within=10)
    await _polled_again(api)
    assert api.confirmed_offset <= slow_id < min(quick_ids)
    assert sorted(int(line) for line in ahead.read_text().split()) == quick_ids

    # The process dies with the slow update in hand (kill -9: nothing finished or confirmed).
    assert seeded.poller._task is not None
    seeded.poller._task.cancel()
    await asyncio.gather(seeded.poller._task, return_exceptions=True)
    api.release_held()
    assert _greetings(api, SLOW) == []

    # The next process gets all four again from Telegram and handles the slow one only.
    seeded.poller = _poller(seeded, ahead)
    await seeded.poller.start()
    await api.wait_fetched(max(quick_ids))
    assert len(_greetings(api, SLOW)) == 1
    assert [len(_greetings(api, QUICK + n)) for n in range(3)] == [1, 1, 1]
    assert api.confirmed_offset == max(quick_ids) + 1
    # Telegram was told (the poll carrying the offset is answered): nothing is kept any more.

    async def forgotten() -> bool:
        return not ahead.exists()

    await eventually(forgotten, within=10)


def _poller(harness: BotHarness, ahead: Path) -> UpdatePoller:
    return UpdatePoller(
        harness.app,  # type: ignore[arg-type]
        allowed_updates=ALLOWED_UPDATES,
        timeout=2,
        handled_ahead=ahead,
    )


async def test_many_heads_press_done_at_once_and_every_report_is_stored(
    seeded: BotHarness,
) -> None:
    api = seeded.api
    async with seeded.ctx.session() as session:
        heads = await add_units_with_heads(
            session, 24, first_user_id=710_000, now=seeded.clock.now()
        )
        # Every other head reads English: each press is answered in its head's language
        # while the others' are handled beside it.
        english = heads[1::2]
        await session.execute(
            update(Member).where(Member.telegram_id.in_(english)).values(language="en")
        )
        await session.commit()
    presses = []
    for user_id in heads:
        head = seeded.user(user_id, "Trưởng", "en" if user_id in english else "vi")
        listing = (await head.send("/tasks")).last_message()
        presses.append((head, listing, button_data(listing, "done:")[0]))
    async with seeded.ctx.session() as session:
        before = await session.scalar(select(func.count()).select_from(TaskReport))

    processor = seeded.app.update_processor  # type: ignore[union-attr]
    peak = 0

    def all_answered() -> bool:
        nonlocal peak
        peak = max(peak, processor.current_concurrent_updates)
        return sum(c.method == "answerCallbackQuery" for c in api.calls[mark:]) == len(heads)

    mark = len(api.calls)
    for head, listing, data in presses:
        api.push_update(
            {
                "callback_query": {
                    "id": f"press-{head.user_id}",
                    "from": head.as_dict(),
                    "chat_instance": str(head.user_id),
                    "message": listing,
                    "data": data,
                }
            }
        )
    await api.wait_until(all_answered, within=60)
    assert peak > 1, "the presses were not handled side by side"
    assert [c for c in api.calls[mark:] if c.error is not None] == []
    toasts = {
        c.params["callback_query_id"]: str(c.params.get("text"))
        for c in api.calls[mark:]
        if c.method == "answerCallbackQuery"
    }
    for head, _listing, _data in presses:
        toast = toasts[f"press-{head.user_id}"]
        assert toast.startswith("✅ Recorded") == (head.user_id in english), toast
    async with seeded.ctx.session() as session:
        after = await session.scalar(select(func.count()).select_from(TaskReport))
    assert after == before + len(heads)


# ------------------------------------------------------------------------ the processor
def _update(update_id: int, user_id: int | None, chat_id: int | None) -> Any:
    from telegram import Update

    data: dict[str, Any] = {"update_id": update_id}
    if user_id is not None:
        data["message"] = {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": chat_id or user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": False, "first_name": "A"},
            "text": "x",
        }
    elif chat_id is not None:
        data["channel_post"] = {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": chat_id, "type": "channel", "title": "K"},
            "text": "x",
        }
    return Update.de_json(data, None)


async def test_a_user_who_floods_keeps_no_place_from_the_others() -> None:
    """Updates waiting for their user's earlier one hold none of the places: another user's
    update starts at once even when one user has more updates in hand than there are places."""
    processor = PerUserOrder(2)
    gate = asyncio.Event()
    order: list[int] = []

    async def handle(update_id: int, wait: bool) -> None:
        order.append(update_id)
        if wait:
            await gate.wait()

    flood = [_update(n, 1, None) for n in range(1, 6)]
    tasks = [
        asyncio.create_task(processor.process_update(u, handle(u.update_id, True))) for u in flood
    ]
    other = _update(6, 2, None)
    channel = [_update(7, None, -100), _update(8, None, -100)]
    others = [asyncio.create_task(processor.process_update(other, handle(6, False)))] + [
        asyncio.create_task(processor.process_update(u, handle(u.update_id, False)))
        for u in channel
    ]
    await asyncio.wait_for(asyncio.gather(*others), timeout=5)
    assert order == [1, 6, 7, 8]
    assert processor.current_concurrent_updates == 1
    gate.set()
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=5)
    assert order == [1, 6, 7, 8, 2, 3, 4, 5]
    assert processor.current_concurrent_updates == 0 and processor.queues_in_hand == 0
    assert update_key(channel[0]) == ("chat", -100) and update_key(object()) == ("other",)


async def test_an_update_cancelled_while_waiting_for_its_turn_gives_its_place_back() -> None:
    processor = PerUserOrder(2)
    gate = asyncio.Event()
    ran: list[int] = []

    async def handle(update_id: int) -> None:
        ran.append(update_id)
        await gate.wait()

    first = asyncio.create_task(processor.process_update(_update(1, 1, None), handle(1)))
    waiting = handle(2)
    second = asyncio.create_task(processor.process_update(_update(2, 1, None), waiting))
    await asyncio.sleep(0)
    assert processor.current_concurrent_updates == 1  # the second waits, holding no place
    second.cancel()
    gate.set()
    await first
    assert (await asyncio.gather(second, return_exceptions=True))[0].__class__.__name__ == (
        "CancelledError"
    )
    await asyncio.wait_for(processor.process_update(_update(3, 2, None), handle(3)), timeout=5)
    assert ran == [1, 3] and processor.current_concurrent_updates == 0
    assert waiting.cr_frame is None  # closed, never run


# --------------------------------------------------------------------------------- SQLite
async def test_sqlite_a_transaction_that_read_waits_for_another_writer_instead_of_failing(
    tmp_path: Any,
) -> None:
    """A transaction that read before writing (a SAVEPOINT opens one) while another session
    of the process wrote and committed: SQLite refuses such a write at once ("database is
    locked") unless writers wait for each other in line (bot.core.sqlite_connection)."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'gate.sqlite3'}")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INT)"))
            await connection.execute(text("INSERT INTO counter VALUES (1, 0)"))
        sessions = make_sessionmaker(engine)
        read = asyncio.Event()

        async def read_then_write() -> None:
            async with sessions() as session:
                async with session.begin_nested():
                    n = await session.scalar(text("SELECT n FROM counter"))
                    read.set()
                    await asyncio.sleep(0.05)  # the other session tries to write meanwhile
                    await session.execute(text("UPDATE counter SET n = :n"), {"n": n + 10})
                await session.commit()

        async def write() -> None:
            await read.wait()
            async with sessions() as session:
                await session.execute(text("UPDATE counter SET n = n + 1"))
                await session.commit()

        await asyncio.wait_for(asyncio.gather(read_then_write(), write()), timeout=20)
        async with sessions() as session:
            # The second writer waited for the first: its +1 is not lost.
            assert await session.scalar(text("SELECT n FROM counter")) == 11
    finally:
        await engine.dispose()


# ------------------------------------------------------------------ a race between users
async def test_two_members_of_a_unit_reporting_a_task_at_once_both_get_an_answer(
    session: AsyncSession, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Their updates run side by side (different users): both read "no report yet", the
    second one's insert meets the unit's report the first one just committed. It is answered
    as a report already made, not with an error."""
    from bot.services import tasks as task_service
    from tests.conftest import local, seed_directory_and_plan

    now = local(2020, 5, 15)
    await seed_directory_and_plan(session, now)
    unit = await session.scalar(select(Unit).where(Unit.code == "TT-VA"))
    assert unit is not None
    first, second = (
        Member(
            telegram_id=telegram_id,
            full_name=f"Thành viên {telegram_id}",
            role=Role.HEAD.value,
            unit_id=unit.id,
            created_at=now,
        )
        for telegram_id in (811, 812)
    )
    session.add_all([first, second])
    await session.commit()
    first.unit = second.unit = unit
    task_id = await session.scalar(select(Task.id).where(Task.quarter == 2).limit(1))
    assert task_id is not None
    unit_id, first_id = unit.id, first.id

    engine = make_engine(database_url)
    read = task_service._unit_report

    async def read_before_the_other_committed(*args: Any) -> TaskReport | None:
        monkeypatch.setattr(task_service, "_unit_report", read)
        async with make_sessionmaker(engine)() as other:
            member = await other.get(Member, first.id)
            assert member is not None
            member.unit = await other.get(Unit, unit.id)
            done = await task_service.report_done(other, member, task_id, now=now)
            assert done.outcome is task_service.ReportOutcome.DONE
        return None

    monkeypatch.setattr(task_service, "_unit_report", read_before_the_other_committed)
    try:
        result = await task_service.report_done(session, second, task_id, now=now)
    finally:
        await engine.dispose()
    assert result.outcome is task_service.ReportOutcome.ALREADY_DONE
    await session.rollback()
    reports = list(await session.scalars(select(TaskReport).where(TaskReport.task_id == task_id)))
    assert [(r.unit_id, r.reported_by_id) for r in reports] == [(unit_id, first_id)]


def test_updates_handled_ahead_are_kept_until_confirmed_and_forgotten_after_a_day(
    tmp_path: Path,
) -> None:
    import os
    import time

    from bot.runtime.intake import STALE_AFTER, HandledAhead

    path = tmp_path / "ahead"
    kept = HandledAhead(path)
    kept.add(12)
    kept.add(14)
    assert 12 in HandledAhead(path) and 14 in HandledAhead(path)
    kept.confirmed(13)
    assert 12 not in HandledAhead(path) and 14 in HandledAhead(path)
    # Telegram keeps updates for a day: an older file speaks of updates that are gone.
    old = time.time() - STALE_AFTER - 60
    os.utime(path, (old, old))
    assert 14 not in HandledAhead(path) and not path.exists()
    kept.confirmed(15)
    assert not path.exists()
