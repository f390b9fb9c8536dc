"""A plan whose tasks name who carries them out ("UBND các xã, thị trấn thực hiện", "Phòng Nội vụ
chủ trì"), sent to /plan: the preview proposes those units, and the officer imports the plan
either as proposed (each task reaches only the units named) or for every unit, as before."""

from __future__ import annotations

from sqlalchemy import delete, select

from models import Plan, Task, TaskAudience
from tests.auxil.harness import BotHarness, TelegramUser, buttons
from tests.conftest import join
from tests.services.test_plan_corpus import CORPUS

PLAN = CORPUS / "12-huyen-giao-viec-2020.txt"
COMMUNES_TASK = 'Tổ chức sơ kết phong trào thi đua "Chung sức xây dựng nông thôn mới"'
PGD_TASK = "Tổng hợp hồ sơ đề nghị khen thưởng tổng kết năm học 2019 - 2020"
PNV_TASK = "Tổ chức Hội nghị biểu dương điển hình tiên tiến huyện Vĩnh Cửu"
CLUSTER_TASK = "Chấm điểm, bình xét thi đua giữa các đơn vị trong Cụm thi đua số II"
EVERYONE_TASK = "Tuyên truyền gương người tốt, việc tốt trên Đài Truyền thanh huyện"
# Units of tests/data/units.csv: TT-VA (township, cluster 1), X-TP (commune, cluster 1),
# X-TA (commune, cluster 2), PGD and PNV (agencies, cluster 3).
HEADS = {"TT-VA": 1901, "X-TA": 1902, "PGD": 1903, "PNV": 1904}


async def _heads(harness: BotHarness) -> dict[str, TelegramUser]:
    """The heads of four units, in a district whose first plan of 2020 is the one sent (the
    seeded plan's tasks would fill their /tasks pages)."""
    async with harness.ctx.session() as session:
        await session.execute(delete(Task))
        await session.execute(delete(Plan))
        await session.commit()
    heads = {}
    for code, telegram_id in HEADS.items():
        heads[code] = harness.user(telegram_id, f"Trưởng {code}")
        await join(harness, heads[code], code)
    return heads


async def _preview(harness: BotHarness, officer_id: int) -> dict:  # type: ignore[type-arg]
    officer = harness.user(officer_id, "Bình")
    await officer.send("/plan")
    preview = await officer.send_document(PLAN.name, content_bytes=PLAN.read_bytes())
    return {"officer": officer, "reply": preview}


async def test_the_preview_proposes_and_the_officer_imports_as_proposed(
    seeded: BotHarness, officer_id: int
) -> None:
    heads = await _heads(seeded)
    shown = await _preview(seeded, officer_id)
    text = shown["reply"].text
    assert (
        '  - Tổ chức sơ kết phong trào thi đua "Chung sức xây dựng nông thôn mới" 6 tháng đầu '
        "năm 2020. (chủ trì: UBND các xã, thị trấn)\n"
        "    → đề xuất giao: UBND các xã, thị trấn (3 đơn vị)" in text
    )
    assert "→ đề xuất giao: Phòng Giáo dục và Đào tạo (1 đơn vị)" in text
    assert "→ đề xuất giao: Phòng Nội vụ (1 đơn vị)" in text
    assert "→ đề xuất giao: Cụm thi đua số 2 (1 đơn vị)" in text
    assert "Ban Thi đua - Khen thưởng huyện)\n  - " in text  # not in the directory: no proposal
    assert "6 nhiệm vụ ghi đơn vị thực hiện có trong danh sách đơn vị" in text
    assert buttons(shown["reply"].last_message()) == [
        ("✅ Nhập và giao theo đề xuất", "pl:ok:p"),
        ("✅ Nhập, giao cho tất cả đơn vị", "pl:ok"),
        ("✖️ Hủy", "pl:x"),
    ]
    stored = await shown["officer"].press(shown["reply"].last_message(), "pl:ok:p")
    assert "Đã lưu: 7 nhiệm vụ mới, 0 nhiệm vụ đã có." in stored.text
    assert "Đã giao 6 nhiệm vụ cho các đơn vị được đề xuất." in stored.text

    listings = {code: (await head.send("/tasks")).text for code, head in heads.items()}
    sees = {
        code: {
            title
            for title in (COMMUNES_TASK, PGD_TASK, PNV_TASK, CLUSTER_TASK, EVERYONE_TASK)
            if title in listing
        }
        for code, listing in listings.items()
    }
    assert sees == {
        "TT-VA": {COMMUNES_TASK, EVERYONE_TASK},
        "X-TA": {COMMUNES_TASK, CLUSTER_TASK, EVERYONE_TASK},
        "PGD": {PGD_TASK, EVERYONE_TASK},
        "PNV": {PNV_TASK, EVERYONE_TASK},
    }
    async with seeded.ctx.session() as session:
        tanan = await session.scalar(select(Task).where(Task.title.startswith("Xây dựng mô hình")))
        assert tanan is not None
        rows = list(
            await session.scalars(select(TaskAudience).where(TaskAudience.task_id == tanan.id))
        )
    assert len(rows) == 1 and rows[0].unit_id is not None  # UBND xã Tân An, in quarter III

    # The same document again, confirmed as proposed: nothing changes.
    again = await _preview(seeded, officer_id)
    same = await again["officer"].press(again["reply"].last_message(), "pl:ok:p")
    assert "Đã lưu: 0 nhiệm vụ mới, 7 nhiệm vụ đã có." in same.text
    assert "Đã giao" not in same.text


async def test_the_officer_imports_for_every_unit(seeded: BotHarness, officer_id: int) -> None:
    heads = await _heads(seeded)
    shown = await _preview(seeded, officer_id)
    stored = await shown["officer"].press(shown["reply"].last_message(), "pl:ok")
    assert "Đã lưu: 7 nhiệm vụ mới, 0 nhiệm vụ đã có." in stored.text
    assert "Đã giao" not in stored.text
    for head in heads.values():
        listing = (await head.send("/tasks")).text
        for title in (COMMUNES_TASK, PGD_TASK, PNV_TASK, CLUSTER_TASK, EVERYONE_TASK):
            assert title in listing
    async with seeded.ctx.session() as session:
        plan = await session.scalar(select(Plan).where(Plan.number == "85/KH-UBND"))
        assert plan is not None
        narrowed = await session.scalar(
            select(TaskAudience.id).join(Task).where(Task.plan_id == plan.id).limit(1)
        )
    assert narrowed is None


async def test_a_plan_naming_no_unit_keeps_the_single_import_button(
    seeded: BotHarness, officer_id: int
) -> None:
    officer = seeded.user(officer_id, "Bình")
    await officer.send("/plan")
    plan = CORPUS / "09-phuong-sau-thang-2025.txt"
    preview = await officer.send_document(plan.name, content_bytes=plan.read_bytes())
    assert "đề xuất giao" not in preview.text
    assert buttons(preview.last_message()) == [("✅ Nhập kế hoạch", "pl:ok"), ("✖️ Hủy", "pl:x")]


async def test_the_import_buttons_are_for_the_officer_and_only_once(
    seeded: BotHarness, officer_id: int
) -> None:
    shown = await _preview(seeded, officer_id)
    preview = shown["reply"].last_message()
    head = seeded.user(1905, "Tâm")
    await join(seeded, head, "TT-VA")
    refused = await head.press(preview, "pl:ok:p")
    assert "Xin lỗi, lệnh này chỉ dành cho cán bộ phụ trách TĐKT." in refused.alerts
    for forged in ("pl:ok:x", "pl:ok:p:1", "pl:okp"):
        answer = await shown["officer"].press(preview, forged)
        assert "Nút này không còn hiệu lực." in answer.alerts, forged
        assert not answer.messages, forged
    stored = await shown["officer"].press(preview, "pl:ok:p")
    assert "Đã giao 6 nhiệm vụ" in stored.text
    again = await shown["officer"].press(preview, "pl:ok:p")
    assert "Nút này không còn hiệu lực." in again.alerts
    async with seeded.ctx.session() as session:
        assert len(list(await session.scalars(select(Plan)))) == 2  # the seeded plan and this one
