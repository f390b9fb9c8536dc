"""Who is an officer and who is a unit's head: the configured officers are authoritative, an
officer invited for a unit is not its head unless given both roles, and names and ids as a
newcomer and an official see them."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date

import pytest
from sqlalchemy import select

from models import AuditLog, Member, Role
from tests.auxil.harness import BotHarness, TelegramUser
from tests.conftest import join, local
from tests.e2e.test_broadcasts import data_of, start_broadcast

SECOND_OFFICER, HEAD_TT, BOTH_XTA = 3001, 3002, 3003


async def _member(harness: BotHarness, telegram_id: int) -> Member:
    async with harness.ctx.session() as session:
        member = await session.scalar(select(Member).where(Member.telegram_id == telegram_id))
        assert member is not None
        return member


def _chat_menu(harness: BotHarness, chat_id: int) -> set[str] | None:
    scope = json.dumps({"chat_id": chat_id, "type": "chat"}, sort_keys=True)
    commands = harness.api.commands.get((scope, ""))
    return None if commands is None else {c["command"] for c in commands}


async def _day(harness: BotHarness, day: date, hour: int = 8) -> dict[int, list[str]]:
    """Run the day's reminder pass and deliver; what each chat received."""
    mark = len(harness.api.calls)
    harness.clock.set(local(day.year, day.month, day.day, hour))
    await harness.reminder_pass()
    await harness.drain()
    received: dict[int, list[str]] = defaultdict(list)
    for call in harness.api.sent(since=mark):
        assert call.chat_id is not None
        received[call.chat_id].append(call.text)
    return received


# Item 2: the officers of TDKT_OFFICER_IDS cannot be locked out from Telegram.


@pytest.mark.parametrize("enrolled", [True, False])
async def test_an_invited_officer_cannot_deactivate_a_configured_one(
    seeded: BotHarness, officer_id: int, enrolled: bool
) -> None:
    configured = seeded.user(officer_id, "Bình")
    if enrolled:
        await configured.send("/start")
    second = seeded.user(SECOND_OFFICER, "Nam")
    await join(seeded, second, "PNV", Role.OFFICER)
    refused = await second.send(f"/deactivate {officer_id}")
    assert refused.texts == [
        f"Cán bộ có mã Telegram {officer_id} được khai báo trong cấu hình của bot "
        "(TDKT_OFFICER_IDS) nên không thể thu hồi quyền truy cập tại đây. Đề nghị đồng chí liên "
        "hệ người quản trị bot để xóa mã này khỏi cấu hình và khởi động lại bot."
    ]
    assert "Tiến độ thực hiện" in (await configured.send("/progress")).text
    member = await _member(seeded, officer_id)
    assert member.active and member.role == Role.OFFICER.value
    # Everyone else can still be deactivated, the second officer included.
    revoked = await configured.send(f"/deactivate {SECOND_OFFICER}")
    assert "không còn quyền sử dụng bot" in revoked.text
    assert not (await _member(seeded, SECOND_OFFICER)).active


async def test_each_start_restores_the_configured_officers(
    seeded: BotHarness, officer_id: int
) -> None:
    """Locked out in the database (by an older version, or by hand): the next start makes the
    configured officer an active officer again, with the officer menu."""
    configured = seeded.user(officer_id, "Bình")
    await configured.send("/start")
    async with seeded.ctx.session() as session:
        member = await session.scalar(select(Member).where(Member.telegram_id == officer_id))
        assert member is not None
        member.active = False
        member.role = Role.HEAD.value
        await session.commit()
    assert "thu hồi" in (await configured.send("/progress")).text
    await seeded.restart()
    member = await _member(seeded, officer_id)
    assert member.active and member.role == Role.OFFICER.value
    assert "Tiến độ thực hiện" in (await configured.send("/progress")).text
    assert "progress" in (_chat_menu(seeded, officer_id) or set())
    async with seeded.ctx.session() as session:
        restored = await session.scalar(
            select(AuditLog).where(AuditLog.action == "restore-officer")
        )
        assert restored is not None and restored.entity_id == member.id


async def test_a_configured_head_opening_a_head_invite_stays_an_officer(
    seeded: BotHarness, officer_id: int
) -> None:
    configured = seeded.user(officer_id, "Bình")
    await join(seeded, configured, "TT-VA")
    member = await _member(seeded, officer_id)
    assert member.role == Role.BOTH.value
    assert "Tiến độ thực hiện" in (await configured.send("/progress")).text
    assert "UBND thị trấn Vĩnh An" in (await configured.send("/tasks")).text


# Item 3: the officer menu as soon as the bot first sees a configured officer.


async def test_a_configured_officer_first_seen_after_the_start_gets_the_officer_menu(
    seeded: BotHarness, officer_id: int
) -> None:
    assert _chat_menu(seeded, officer_id) is None  # not in the database at the start
    await seeded.user(officer_id, "Bình").send("/start")
    menu = _chat_menu(seeded, officer_id)
    assert menu is not None and {"progress", "broadcast", "units", "review"} <= menu
    assert "tasks" not in menu  # not a unit's head
    calls = [c for c in seeded.api.calls if c.method == "setMyCommands"]
    # Published once, on enrolment, not on every message.
    await seeded.user(officer_id, "Bình").send("/help")
    assert len([c for c in seeded.api.calls if c.method == "setMyCommands"]) == len(calls)


# Item 10: an officer invited for a unit is not its head.


async def _three_members(seeded: BotHarness) -> tuple[TelegramUser, TelegramUser, TelegramUser]:
    second = seeded.user(SECOND_OFFICER, "Nam")
    head = seeded.user(HEAD_TT, "An")
    both = seeded.user(BOTH_XTA, "Cường")
    await join(seeded, second, "PNV", Role.OFFICER)
    await join(seeded, head, "TT-VA")
    await join(seeded, both, "X-TA", Role.BOTH)
    return second, head, both


async def test_a_second_officer_is_not_the_units_head_in_units_and_commands(
    seeded: BotHarness, officer_id: int
) -> None:
    second, _head, both = await _three_members(seeded)
    listing = (await seeded.user(officer_id, "Bình").send("/units")).text
    assert "PNV Phòng Nội vụ — chưa có người đăng ký" in listing
    assert f"Nam ({SECOND_OFFICER})" not in listing
    assert f"X-TA UBND xã Tân An — Cường ({BOTH_XTA})" in listing
    assert f"TT-VA UBND thị trấn Vĩnh An — An ({HEAD_TT})" in listing
    # The second officer acts as an officer, not for Phòng Nội vụ.
    assert "Danh sách đơn vị" in (await second.send("/units")).text
    assert (await second.send("/tasks")).texts == [
        "Lệnh này dành cho thủ trưởng đơn vị; đồng chí được đăng ký là cán bộ phụ trách TĐKT, "
        "không phải thủ trưởng đơn vị."
    ]
    assert "tasks" not in (_chat_menu(seeded, SECOND_OFFICER) or {"tasks"})
    # Given both roles explicitly: both menus and both kinds of command.
    assert {"tasks", "progress"} <= (_chat_menu(seeded, BOTH_XTA) or set())
    assert "UBND xã Tân An" in (await both.send("/tasks")).text
    assert "Tiến độ thực hiện" in (await both.send("/progress")).text


async def test_a_second_officer_gets_no_guidance_digest_or_round_reminder_of_the_unit(
    seeded: BotHarness, officer_id: int
) -> None:
    _second, head, both = await _three_members(seeded)
    officer = seeded.user(officer_id, "Bình")
    preview = await start_broadcast(officer, "Nộp báo cáo 6 tháng.", "Tất cả thủ trưởng đơn vị")
    assert "người nhận: 2 thủ trưởng đơn vị tại 2 đơn vị" in preview.text
    await officer.press(preview.last_message(), data_of(preview, "Gửi"))
    await seeded.drain()
    guidance = "Hướng dẫn của cán bộ"
    assert not [c for c in seeded.api.sent(SECOND_OFFICER) if guidance in c.text]
    for user in (head, both):
        assert [c for c in seeded.api.sent(user.user_id) if guidance in c.text]

    digest = "Nhắc việc công tác thi đua, khen thưởng"
    received = await _day(seeded, date(2020, 6, 16))
    assert not [text for text in received[SECOND_OFFICER] if digest in text]
    assert [text for text in received[HEAD_TT] if digest in text]
    assert [text for text in received[BOTH_XTA] if digest in text]

    seeded.clock.set(local(2020, 11, 20, 9))
    assert "Đã mở đợt" in (await officer.send("/round open 15/12/2020 Tổng kết năm")).text
    round_reminder = "Đợt đề nghị khen thưởng"
    received = await _day(seeded, date(2020, 12, 8))
    assert not [text for text in received[SECOND_OFFICER] if round_reminder in text]
    assert [text for text in received[HEAD_TT] if round_reminder in text], received[HEAD_TT]


@pytest.mark.parametrize(
    ("typed", "role"),
    [
        ("officer", Role.OFFICER),
        ("head,officer", Role.BOTH),
        ("officer,head", Role.BOTH),
        ("council", Role.COUNCIL),
    ],
)
async def test_invite_roles_in_chat(
    seeded: BotHarness, officer_id: int, typed: str, role: Role
) -> None:
    officer = seeded.user(officer_id, "Bình")
    reply = await officer.send(f"/invite PNV {typed}")
    link = reply.text.split("\n")[1]
    newcomer = seeded.user(3100, "Dũng")
    await newcomer.send(f"/start {link.rsplit('=', 1)[1]}")
    assert (await _member(seeded, 3100)).role == role.value
    assert "Cách dùng: /invite" in (await officer.send("/invite PNV chief")).text


# Items 21 and 24: the newcomer's id, and names in Vietnamese order.


async def test_an_unknown_user_is_told_their_own_telegram_id(seeded: BotHarness) -> None:
    stranger = seeded.user(123456789, "Phước", last_name="Phạm Minh")
    reply = await stranger.send("/start")
    assert "Mã Telegram của đồng chí là 123456789." in reply.text
    assert "TDKT_OFFICER_IDS" in reply.text
    english = seeded.user(123456790, "Alice", language_code="en")
    assert "Your Telegram id is 123456790." in (await english.send("/start")).text


async def test_names_in_vietnamese_order_in_the_greeting_and_in_units(
    seeded: BotHarness, officer_id: int
) -> None:
    head = seeded.user(3200, "Phước", last_name="Phạm Minh")
    await join(seeded, head, "TT-VA")
    greeting = (await head.send("/start")).text
    assert "Chào mừng đồng chí Phạm Minh Phước!" in greeting
    listing = (await seeded.user(officer_id, "Bình", last_name="Trần Thị").send("/units")).text
    assert "Phạm Minh Phước (3200)" in listing
    assert (await _member(seeded, officer_id)).full_name == "Trần Thị Bình"
    # One name in one field stays as it was typed.
    single = seeded.user(3201, "Lê Văn Tám")
    await join(seeded, single, "X-TA")
    assert "Chào mừng đồng chí Lê Văn Tám!" in (await single.send("/start")).text
