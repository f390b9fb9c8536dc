"""The outbox sends a member's messages on the channel the member is reached on."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import outbox
from models import ChannelIdentity, Member, OutboxMessage
from tests.conftest import local


async def test_messages_follow_the_members_channel(session: AsyncSession) -> None:
    now = local(2020, 5, 15)
    telegram = Member(telegram_id=1501, full_name="An", created_at=now)
    zalo = Member(telegram_id=None, channel="zalo", full_name="Bình", created_at=now)
    lost = Member(telegram_id=None, channel="zalo", full_name="Chi", created_at=now)
    session.add_all([telegram, zalo, lost])
    await session.flush()
    session.add(
        ChannelIdentity(member_id=zalo.id, channel="zalo", external_id="ab12", created_at=now)
    )
    await session.commit()
    added = await outbox.enqueue(
        session,
        [
            outbox.NewMessage("t", "notice", 1501, "x", telegram.id),
            outbox.NewMessage("z", "notice", None, "x", zalo.id),
            outbox.NewMessage("lost", "notice", None, "x", lost.id),
            outbox.NewMessage("chat", "notice", -100, "x"),
        ],
        now=now,
    )
    await session.commit()
    assert set(added) == {"t", "z", "chat"}
    rows = {
        row.dedupe_key: (row.channel, row.chat_id, row.chat_ref)
        for row in await session.scalars(select(OutboxMessage))
    }
    assert rows == {
        "t": ("telegram", 1501, None),
        "z": ("zalo", None, "ab12"),
        "chat": ("telegram", -100, None),
    }
    telegram_claims = await outbox.claim_due(session, now=now, worker="w", limit=10)
    assert {m.dedupe_key for m in telegram_claims} == {"t", "chat"}
    zalo_claims = await outbox.claim_due(session, now=now, worker="w", limit=10, channel="zalo")
    assert [m.dedupe_key for m in zalo_claims] == ["z"]
