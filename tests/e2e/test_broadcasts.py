"""Guidance broadcasts through the real Application and the fake Bot API: audiences,
preview, delivery report, acknowledgements, resending, faults, restarts, 1,000 members."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.services.outbox import claim_due
from models import AuditLog, Broadcast, BroadcastRecipient, Member, OutboxMessage, OutboxStatus
from tests.auxil.bulk import add_units_with_heads
from tests.auxil.fake_bot_api import FailRule
from tests.auxil.harness import BotHarness, Reply, TelegramUser, button_data, buttons
from tests.conftest import join


def data_of(reply: Reply, fragment: str) -> str:
    for text, data in buttons(reply.last_message()):
        if fragment in text:
            return data
    raise AssertionError(f"no button with {fragment!r}: {buttons(reply.last_message())}")


async def start_broadcast(officer: TelegramUser, text: str, audience: str) -> Reply:
    asked = await officer.send("/broadcast")
    assert "Đồng chí gửi nội dung hướng dẫn" in asked.text
    choose = await officer.send(text)
    assert "Gửi đến những ai?" in choose.text
    return await officer.press(choose.last_message(), data_of(choose, audience))


async def send_all(harness: BotHarness, rounds: int = 30) -> None:
    """Drain until nothing is pending, moving the clock past backoffs and 429 waits."""
    for _ in range(rounds):
        await harness.drain()
        async with harness.ctx.session() as session:
            pending = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(
                    OutboxMessage.status.in_(
                        (OutboxStatus.PENDING.value, OutboxStatus.SENDING.value)
                    )
                )
            )
        if not pending:
            return
        harness.clock.advance(timedelta(minutes=6))
    raise AssertionError("the outbox did not empty")


async def test_broadcast_to_all_with_report_ack_and_resend(
    seeded: BotHarness, officer_id: int
) -> None:
    heads = [seeded.user(1100 + n, f"Trưởng {n}") for n in range(3)]
    for head, code in zip(heads, ("TT-VA", "X-TA", "PGD"), strict=True):
        await join(seeded, head, code)
    officer = seeded.user(officer_id, "Bình")
    preview = await start_broadcast(
        officer, "Nộp báo cáo <6 tháng> trước 20/6 & gửi bản mềm.", "Tất cả thủ trưởng đơn vị"
    )
    assert "người nhận: 3 thủ trưởng đơn vị tại 3 đơn vị" in preview.text
    assert "Nộp báo cáo <6 tháng> trước 20/6 & gửi bản mềm." in preview.text
    sent = await officer.press(preview.last_message(), data_of(preview, "Gửi"))
    status = sent.last_message()
    assert "Đang gửi hướng dẫn" in status["text"]
    await send_all(seeded)
    for head in heads:
        [copy] = [c for c in seeded.api.sent(head.user_id) if "Hướng dẫn của cán bộ" in c.text]
        assert "Nộp báo cáo &lt;6 tháng&gt; trước 20/6 &amp; gửi bản mềm." in copy.text
        assert button_data(copy.result, "ack:")
    edited = seeded.api.messages[(officer_id, status["message_id"])]
    assert "3/3" in edited["text"]
    report = seeded.api.sent(officer_id)[-1]
    assert "Báo cáo kết quả gửi hướng dẫn" in report.text and "Đã gửi được: 3/3" in report.text

    first_copy = [c for c in seeded.api.sent(heads[0].user_id) if "ack:" in str(c.params)][-1]
    ack_data = button_data(first_copy.result, "ack:")[0]
    acked = await heads[0].press(first_copy.result, ack_data)
    assert any("đã ghi nhận" in alert for alert in acked.alerts)
    assert not button_data(first_copy.result, "ack:"), "the button is gone once pressed"
    stranger_ack = await seeded.user(1199, "Lạ").press(first_copy.result, ack_data)
    assert any("chưa đăng ký" in alert for alert in stranger_ack.alerts)
    listing = await officer.send("/broadcasts")
    assert "đã gửi được 3/3, đã xác nhận 1" in listing.text
    waiting = await officer.press(listing.last_message(), data_of(listing, "Chưa xác nhận"))
    assert "Trưởng 1" in waiting.text and "Trưởng 2" in waiting.text
    assert "Trưởng 0" not in waiting.text
    mark = len(seeded.api.calls)
    resent = await officer.press(listing.last_message(), data_of(listing, "Gửi lại"))
    assert "cho 2 thủ trưởng đơn vị chưa xác nhận" in resent.text
    await send_all(seeded)
    again = Counter(c.chat_id for c in seeded.api.sent(since=mark) if "Hướng dẫn" in c.text)
    assert again == {heads[1].user_id: 1, heads[2].user_id: 1}

    head_refused = await heads[0].send("/broadcast")
    assert "chỉ dành cho cán bộ phụ trách TĐKT" in head_refused.text


async def test_audiences_documents_and_cancel(seeded: BotHarness, officer_id: int) -> None:
    for user_id, code in ((1201, "TT-VA"), (1202, "X-TP"), (1203, "X-TA"), (1204, "PGD")):
        await join(seeded, seeded.user(user_id, f"Thủ trưởng {user_id}"), code)
    officer = seeded.user(officer_id, "Officer", language_code="en")
    await officer.send("/lang en")
    asked = await officer.send("/broadcast")
    assert "Send the guidance" in asked.text
    sticker = await officer.send_sticker()
    assert "Please send a text, a document or a photo" in sticker.text
    choose = await officer.send_document("huong-dan-tong-ket.pdf", caption="Hướng dẫn tổng kết")
    clusters = await officer.press(choose.last_message(), data_of(choose, "One cluster"))
    preview = await officer.press(clusters.last_message(), data_of(clusters, "Cụm thi đua số 1"))
    assert "recipients: 2 unit heads in 2 units" in preview.text
    assert "Attached: huong-dan-tong-ket.pdf" in preview.text
    await officer.press(preview.last_message(), data_of(preview, "Send"))
    await send_all(seeded)
    documents = [c for c in seeded.api.calls if c.method == "sendDocument"]
    assert sorted(c.chat_id for c in documents) == [1201, 1202]
    assert all("Hướng dẫn tổng kết" in c.params["caption"] for c in documents)

    await officer.send("/broadcast")
    choose = await officer.send("Chỉ gửi các đơn vị được chọn")
    ask = await officer.press(choose.last_message(), data_of(choose, "Chosen units"))
    assert "codes of the units" in ask.text
    unknown = await officer.send("X-TA, NOPE")
    assert "Unknown unit codes: NOPE" in unknown.text
    preview = await officer.send("X-TA; PGD")
    assert "recipients: 2 unit heads in 2 units" in preview.text
    send_data = data_of(preview, "Send")
    cancelled = await officer.press(preview.last_message(), data_of(preview, "Cancel"))
    assert "Cancelled. Nothing was sent." in cancelled.text
    late = await officer.press(preview.last_message(), send_data)
    assert any("already been sent or cancelled" in alert for alert in late.alerts)

    # Units with overdue tasks on 15/05/2020: all of them (nothing of quarter I is done).
    await officer.send("/broadcast")
    choose = await officer.send("Khẩn trương hoàn thành nhiệm vụ quý I")
    preview = await officer.press(choose.last_message(), data_of(choose, "overdue"))
    assert "recipients: 4 unit heads in 4 units" in preview.text
    stopped = await officer.send("/cancel")
    assert "There is nothing to cancel." in stopped.text  # the draft waits for buttons only


async def test_a_thousand_members_with_faults(seeded: BotHarness, officer_id: int) -> None:
    async with seeded.ctx.session() as session:
        users = await add_units_with_heads(
            session, 1000, first_user_id=500_000, now=seeded.clock.now()
        )
    blocked = set(users[::100])  # ten heads have blocked the bot
    calls = Counter()

    def every_97th(call):  # type: ignore[no-untyped-def]
        calls["n"] += call.method == "sendMessage"
        return call.method == "sendMessage" and calls["n"] % 97 == 0

    seeded.api.fail_rules += [
        FailRule(
            lambda c: c.method == "sendMessage" and c.chat_id in blocked,
            403,
            "Forbidden: bot was blocked by the user",
            times=None,
        ),
        FailRule(every_97th, 502, "Bad Gateway", times=None),
        FailRule(
            lambda c: c.method == "sendMessage" and c.chat_id == users[500],
            429,
            "Too Many Requests: retry after 1",
            {"retry_after": 1},
            times=1,
        ),
    ]
    officer = seeded.user(officer_id, "Bình")
    preview = await start_broadcast(officer, "Hướng dẫn số 12/HD-TĐKT", "Tất cả thủ trưởng")
    assert "người nhận: 1000 thủ trưởng đơn vị" in preview.text
    await officer.press(preview.last_message(), data_of(preview, "Gửi"))
    await send_all(seeded)
    delivered = Counter(
        c.chat_id for c in seeded.api.sent() if "12/HD-TĐKT" in c.text and c.chat_id != officer_id
    )
    assert set(delivered) == set(users) - blocked
    assert set(delivered.values()) == {1}, "every member exactly once"
    report = seeded.api.sent(officer_id)[-1].text
    assert "Đã gửi được: 990/1000" in report
    assert "Không liên lạc được (đã chặn bot): 10" in report
    for user_id in blocked:
        assert f"Trưởng đơn vị {user_id - 500_000} (" in report


async def test_kill_and_restart_mid_broadcast_and_two_processes(
    seeded: BotHarness, officer_id: int
) -> None:
    async with seeded.ctx.session() as session:
        users = await add_units_with_heads(
            session, 300, first_user_id=600_000, now=seeded.clock.now()
        )
    officer = seeded.user(officer_id, "Bình")
    preview = await start_broadcast(officer, "Hướng dẫn khẩn", "Tất cả thủ trưởng")
    sends = Counter()

    def after_100(call):  # type: ignore[no-untyped-def]
        sends["n"] += call.method == "sendMessage"
        return call.method == "sendMessage" and sends["n"] > 100

    seeded.api.fail_rules.append(FailRule(after_100, 502, "Bad Gateway", times=None))
    await officer.press(preview.last_message(), data_of(preview, "Gửi"))
    await seeded.drain()
    # The process dies with 20 messages claimed but not sent.
    async with seeded.ctx.session() as session:
        assert (
            len(
                await claim_due(
                    session,
                    now=seeded.clock.now() + timedelta(minutes=1),
                    worker="killed",
                    limit=20,
                )
            )
            == 20
        )
    seeded.api.fail_rules.clear()
    await seeded.restart()
    second = BotHarness(seeded.api, seeded.settings, seeded.clock)
    await second.start()
    try:
        seeded.clock.advance(timedelta(minutes=10))
        await asyncio.gather(seeded.drain(), second.drain())
        await send_all(seeded)
    finally:
        await second.stop()
    delivered = Counter(
        c.chat_id
        for c in seeded.api.sent()
        if "Hướng dẫn khẩn" in c.text and c.chat_id != officer_id
    )
    assert set(delivered) == set(users) and set(delivered.values()) == {1}
    reports = [c for c in seeded.api.sent(officer_id) if "Báo cáo kết quả gửi" in c.text]
    assert len(reports) == 1 and "Đã gửi được: 300/300" in reports[0].text
    async with seeded.ctx.session() as session:
        assert await session.scalar(select(func.count()).select_from(BroadcastRecipient)) == 300


async def test_other_users_are_answered_during_a_long_broadcast(
    api,
    database_url,
    clock,
    officer_id: int,  # type: ignore[no-untyped-def]
) -> None:
    from tests.auxil.harness import settings_for

    harness = BotHarness(
        api,
        settings_for(api, database_url, officer_ids=frozenset({officer_id})),
        clock,
        background=True,
    )
    await harness.start()
    try:
        async with harness.ctx.session() as session:
            await add_units_with_heads(session, 400, first_user_id=700_000, now=clock.now())
        api.send_delay = 0.02
        officer = harness.user(officer_id, "Bình")
        preview = await start_broadcast(officer, "Hướng dẫn dài", "Tất cả thủ trưởng")
        await officer.press(preview.last_message(), data_of(preview, "Gửi"))
        await api.wait_for_sent(700_000 + 20, within=30)
        stranger = harness.user(42, "Khách")
        reply = await stranger.send("/start")
        assert "trợ lý công tác thi đua, khen thưởng" in reply.text
        async with harness.ctx.session() as session:
            pending = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status != OutboxStatus.SENT.value)
            )
        assert pending and pending > 50, "the answer came while the broadcast was under way"
    finally:
        api.send_delay = 0
        await harness.stop()


def copies_since(harness: BotHarness, mark: int, text: str) -> Counter[int]:
    """Copies of the guidance holding `text` (not /broadcasts, which shows its title)."""
    return Counter(
        c.chat_id
        for c in harness.api.sent(since=mark)
        if text in c.text and "Hướng dẫn của cán bộ" in c.text
    )


async def test_resend_pressed_twice_sends_one_extra_copy(
    seeded: BotHarness, officer_id: int
) -> None:
    heads = [seeded.user(1300 + n, f"Trưởng {n}") for n in range(3)]
    for head, code in zip(heads, ("TT-VA", "X-TA", "PGD"), strict=True):
        await join(seeded, head, code)
    officer = seeded.user(officer_id, "Bình")
    preview = await start_broadcast(officer, "Rà soát hồ sơ khen thưởng", "Tất cả thủ trưởng")
    mark = len(seeded.api.calls)
    await officer.press(preview.last_message(), data_of(preview, "Gửi"))

    # Resend while the first copies are still unsent: nothing more is queued.
    listing = await officer.send("/broadcasts")
    early = await officer.press(listing.last_message(), data_of(listing, "Gửi lại"))
    assert "đã có bản đang được gửi hoặc vừa được gửi lại" in early.text
    await send_all(seeded)
    copies = copies_since(seeded, mark, "Rà soát hồ sơ")
    assert copies == {head.user_id: 1 for head in heads}

    first_copy = [c for c in seeded.api.sent(heads[0].user_id) if "Rà soát" in c.text][-1]
    await heads[0].press(first_copy.result, button_data(first_copy.result, "ack:")[0])
    report = seeded.api.sent(officer_id)[-1]
    assert "Báo cáo kết quả gửi hướng dẫn" in report.text

    # Two quick presses of Resend, and the report's Resend button too: one copy each.
    listing = await officer.send("/broadcasts")
    resend = data_of(listing, "Gửi lại")
    mark = len(seeded.api.calls)
    once = await officer.press(listing.last_message(), resend)
    twice = await officer.press(listing.last_message(), resend)
    from_report = await officer.press(report.result, button_data(report.result, "bc:r:")[0])
    assert "cho 2 thủ trưởng đơn vị chưa xác nhận" in once.text
    for reply in (twice, from_report):
        assert "2 thủ trưởng đơn vị chưa xác nhận hướng dẫn" in reply.text
        assert "không gửi thêm bản nào" in reply.text
    await send_all(seeded)
    again = await officer.press(listing.last_message(), resend)  # delivered by now: still once
    assert "không gửi thêm bản nào" in again.text
    await send_all(seeded)
    assert copies_since(seeded, mark, "Rà soát hồ sơ") == {
        heads[1].user_id: 1,
        heads[2].user_id: 1,
    }

    # A later, deliberate resend from a fresh listing sends one more copy each.
    listing = await officer.send("/broadcasts")
    mark = len(seeded.api.calls)
    later = await officer.press(listing.last_message(), data_of(listing, "Gửi lại"))
    assert "cho 2 thủ trưởng đơn vị chưa xác nhận" in later.text
    await send_all(seeded)
    assert copies_since(seeded, mark, "Rà soát hồ sơ") == {
        heads[1].user_id: 1,
        heads[2].user_id: 1,
    }


async def test_the_not_acknowledged_list_says_how_many_it_leaves_out(
    seeded: BotHarness, officer_id: int
) -> None:
    async with seeded.ctx.session() as session:
        await add_units_with_heads(session, 130, first_user_id=800_000, now=seeded.clock.now())
    officer = seeded.user(officer_id, "Bình")
    preview = await start_broadcast(officer, "Hướng dẫn số 7/HD-TĐKT", "Tất cả thủ trưởng")
    await officer.press(preview.last_message(), data_of(preview, "Gửi"))
    await send_all(seeded)
    listing = await officer.send("/broadcasts")
    waiting = await officer.press(listing.last_message(), data_of(listing, "Chưa xác nhận"))
    assert "chưa xác nhận đã nhận (130)" in waiting.text
    assert waiting.text.count("• Trưởng đơn vị") == 100
    assert waiting.text.rstrip().endswith("… và 30 người khác")
    assert all(len(c.text) <= 4096 for c in waiting.messages)


async def test_acknowledge_and_cancel_are_in_the_audit_log(
    seeded: BotHarness, officer_id: int
) -> None:
    head = seeded.user(1401, "Sơn")
    await join(seeded, head, "X-TA")
    officer = seeded.user(officer_id, "Bình")
    preview = await start_broadcast(officer, "Kế hoạch kiểm tra", "Tất cả thủ trưởng")
    await officer.press(preview.last_message(), data_of(preview, "Gửi"))
    await send_all(seeded)
    [copy] = [c for c in seeded.api.sent(head.user_id) if "Kế hoạch kiểm tra" in c.text]
    ack = button_data(copy.result, "ack:")[0]
    await head.press(copy.result, ack)
    await head.press(copy.result, ack)  # a second press changes nothing and logs nothing

    await officer.send("/broadcast")
    choose = await officer.send("Bản nháp sẽ hủy")
    cancel = data_of(choose, "Hủy")
    cancelled = await officer.press(choose.last_message(), cancel)
    assert "Đã hủy. Không có tin nào được gửi." in cancelled.text

    async with seeded.ctx.session() as session:
        entries = list(
            await session.execute(
                select(AuditLog.action, AuditLog.entity_id, Member.telegram_id)
                .join(Member, Member.id == AuditLog.member_id)
                .where(AuditLog.entity == "broadcast")
                .order_by(AuditLog.id)
            )
        )
    first, draft = int(ack.split(":")[1]), int(cancel.split(":")[2])
    assert [tuple(entry) for entry in entries] == [
        ("send-broadcast", first, officer_id),
        ("acknowledge-broadcast", first, head.user_id),
        ("cancel-broadcast", draft, officer_id),
    ]


async def test_a_failure_between_done_and_its_report_loses_no_report(
    seeded: BotHarness, officer_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The broadcast is marked done in the same transaction that queues its delivery report:
    when queuing fails (a crash, a lost database connection), the broadcast stays sending and
    the next pass reports it, once."""
    import bot.runtime.broadcast_monitor as monitor

    head = seeded.user(1301, "Trưởng")
    await join(seeded, head, "TT-VA")
    officer = seeded.user(officer_id, "Bình")
    preview = await start_broadcast(officer, "Nộp báo cáo trước 20/6.", "Tất cả thủ trưởng")
    await officer.press(preview.last_message(), data_of(preview, "Gửi"))
    real_enqueue = monitor.enqueue
    failures = []

    async def failing_enqueue(*args: object, **kwargs: object) -> object:
        if not failures:
            failures.append("the database went away")
            raise RuntimeError(failures[0])
        return await real_enqueue(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(monitor, "enqueue", failing_enqueue)
    with pytest.raises(RuntimeError):
        await seeded.drain()
    async with seeded.ctx.session() as session:
        [broadcast] = list(await session.scalars(select(Broadcast)))
        assert broadcast.status == "sending", "done without its report"
    await send_all(seeded)
    reports = [c for c in seeded.api.sent(officer_id) if "Báo cáo kết quả gửi hướng dẫn" in c.text]
    assert len(reports) == 1 and "Đã gửi được: 1/1" in reports[0].text
    async with seeded.ctx.session() as session:
        [broadcast] = list(await session.scalars(select(Broadcast)))
        assert broadcast.status == "done"
