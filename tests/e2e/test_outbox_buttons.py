"""Buttons of queued messages: stored as named actions, sent as callback data from the one
button table; rows queued by an older version (finished callback data) still go out with their
buttons, and those buttons still work."""

from __future__ import annotations

from sqlalchemy import select

from bot.services.outbox import NewMessage, enqueue
from models import Member, OutboxMessage, OutboxStatus, Task, TaskReport
from tests.auxil.harness import BotHarness, buttons
from tests.conftest import join

HEAD = 1101


async def _queue(harness: BotHarness, key: str, chat_id: int, rows: list[list[dict]]) -> None:  # type: ignore[type-arg]
    async with harness.ctx.session() as session:
        member = await session.scalar(select(Member).where(Member.telegram_id == chat_id))
        await enqueue(
            session,
            [
                NewMessage(
                    key, "digest", chat_id, "A reminder", member.id if member else None, rows
                )
            ],
            now=harness.clock.now(),
        )
        await session.commit()


async def test_a_row_queued_by_the_old_version_is_sent_with_its_button(
    seeded: BotHarness,
) -> None:
    user = seeded.user(HEAD, "Nguyễn Văn An")
    await join(seeded, user, "TT-VA")
    async with seeded.ctx.session() as session:
        task_id = await session.scalar(select(Task.id).where(Task.quarter == 2).limit(1))
    assert task_id is not None
    await _queue(seeded, "old", HEAD, [[{"text": "✅ Xong #1", "data": f"rd:{task_id}"}]])
    await _queue(
        seeded,
        "new",
        HEAD,
        [[{"text": "✅ Done", "action": "reminder.done", "args": [task_id]}]],
    )
    stats = await seeded.drain()
    assert stats.sent == 2
    old, new = seeded.api.sent(HEAD)[-2:]
    assert buttons(old.result) == [("✅ Xong #1", f"rd:{task_id}")]
    assert buttons(new.result) == [("✅ Done", f"rd:{task_id}")]

    # The old button still reports the task, and goes from the message once pressed.
    await user.press(old.result, f"rd:{task_id}")
    async with seeded.ctx.session() as session:
        assert await session.scalar(select(TaskReport.done).where(TaskReport.task_id == task_id))
    current = seeded.api.messages[(HEAD, old.result["message_id"])]
    assert buttons(current) == []


async def test_a_button_the_table_refuses_fails_the_message_instead_of_looping(
    seeded: BotHarness,
) -> None:
    user = seeded.user(HEAD, "Nguyễn Văn An")
    await join(seeded, user, "TT-VA")
    await _queue(seeded, "bad", HEAD, [[{"text": "?", "action": "reminder.done", "args": [0]}]])
    stats = await seeded.drain()
    assert stats.failed == 1
    async with seeded.ctx.session() as session:
        message = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.dedupe_key == "bad")
        )
    assert message is not None and message.status == OutboxStatus.FAILED
    assert "button table" in (message.last_error or "")
    assert not any(buttons(call.result) == [("?", "rd:0")] for call in seeded.api.sent(HEAD))
