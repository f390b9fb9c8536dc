"""Eligibility where it matters, through the real Application: the unit head sees the verdict
with its article once the form of award is chosen (a warning: filing still works), the officer
sees it on the review card, and the nomination list has a column for it."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from bot.services.history_import import (
    import_awards,
    import_ratings,
    read_award_rows,
    read_rating_rows,
)
from bot.services.nomination_export import nomination_export
from models import AwardRecord, Nomination, NominationStatus
from tests.auxil.harness import BotHarness, button_data, html_to_text
from tests.conftest import DATA, join, local
from tests.e2e.test_nominations import click

LACKING_2025 = (
    "Chiến sĩ thi đua cấp tỉnh cần 3 năm liên tục đạt Chiến sĩ thi đua cơ sở (Điều 22 Luật "
    "Thi đua, khen thưởng 2022); hồ sơ có 2023, 2024 — chưa có 2025."
)


async def _with_history(harness: BotHarness) -> None:
    async with harness.ctx.session() as session:
        now = harness.clock.now()
        await import_awards(session, read_award_rows(DATA / "awards.csv"), now=now)
        await import_ratings(session, read_rating_rows(DATA / "ratings.csv"), now=now)


async def test_a_candidate_lacking_a_year_is_warned_and_the_officer_sees_it(
    seeded: BotHarness, officer_id: int
) -> None:
    # The year-end review of 2025, filed in January 2026.
    seeded.clock.set(local(2026, 1, 12, 9))
    await _with_history(seeded)
    head = seeded.user(811, "Hạnh")
    await join(seeded, head, "X-TP")
    step = await head.send("/nominate")
    step = await click(head, step, "Cá nhân")
    step = await head.send("Nguyễn Văn An")
    step = await head.send("Công chức văn hóa - xã hội")
    step = await head.send("UBND xã Trị An")
    assert "Chọn hình thức khen thưởng" in step.text
    chosen = await click(head, step, "Chiến sĩ thi đua cấp tỉnh")
    warning = next(t for t in chosen.texts if "Tiêu chuẩn của hình thức khen thưởng" in t)
    assert warning.splitlines()[0] == (
        "Tiêu chuẩn của hình thức khen thưởng theo hồ sơ (năm 2025): chưa đủ điều kiện"
    )
    assert "• " + LACKING_2025 in warning
    assert "vẫn có thể gửi đề nghị" in warning
    # It warns, it does not block: the next step is asked, and the nomination is filed.
    assert "Loại thành tích" in chosen.texts[-1]
    step = await click(head, chosen, "Thành tích thường xuyên")
    step = await head.send("Ba năm liền hoàn thành xuất sắc nhiệm vụ.")
    step = await click(head, step, "Xong")
    done = await click(head, step, "Gửi đề nghị")
    assert "Đã gửi đề nghị khen thưởng" in done.text

    officer = seeded.user(officer_id, "Bình")
    card = await officer.send("/review")
    assert "Tên: Nguyễn Văn An" in card.text
    assert "chưa đủ điều kiện" in card.text
    assert LACKING_2025 in card.text

    async with seeded.ctx.session() as session:
        export = await nomination_export(
            session, now=seeded.clock.now(), tz=seeded.ctx.settings.tz, language="vi"
        )
    [row] = export.rows
    assert row.eligibility.splitlines() == ["chưa đủ điều kiện", LACKING_2025]


async def test_a_candidate_meeting_the_standard_and_one_without_history(
    seeded: BotHarness,
) -> None:
    seeded.clock.set(local(2025, 12, 10, 9))
    await _with_history(seeded)
    head = seeded.user(812, "Khánh", language_code="en")
    await join(seeded, head, "X-TP")
    step = await head.send("/nominate")
    step = await click(head, step, "An individual")
    step = await head.send("Trần Thị Bình")
    step = await head.send("Accountant")
    step = await head.send("UBND xã Trị An")
    chosen = await click(head, step, "Provincial Emulation Soldier")
    assert "Standard of the award, from the history (2025): not eligible" in chosen.text

    # Nobody has loaded anything about this person: unknown, never eligible.
    back = await click(head, chosen, "Back")
    stranger = await click(head, back, "Advanced Worker")
    assert "Standard of the award, from the history (2025): unknown" in stranger.text

    async with seeded.ctx.session() as session:
        drafts = list(await session.scalars(select(Nomination)))
    assert drafts and all(d.status == NominationStatus.DRAFT.value for d in drafts)


async def test_the_collective_share_counts_the_units_filings_of_the_round(
    seeded: BotHarness, officer_id: int
) -> None:
    """Tập thể lao động xuất sắc: the unit's people rated in 2025 are not in the history as
    LĐTT yet; the unit's own filings of the round make up the share."""
    seeded.clock.set(local(2025, 12, 1, 9))
    officer = seeded.user(officer_id, "Bình")
    await officer.send("/round open 31/12/2025 Tổng kết năm 2025")
    ratings = DATA / "ratings-2025.csv"
    async with seeded.ctx.session() as session:
        await import_ratings(session, read_rating_rows(ratings), now=seeded.clock.now())
    head = seeded.user(813, "Lan")
    await join(seeded, head, "X-TA")
    for name in ("Phạm Văn Một", "Phạm Văn Hai"):
        step = await head.send("/nominate")
        step = await click(head, step, "Cá nhân")
        step = await head.send(name)
        step = await head.send("Công chức")
        step = await head.send("UBND xã Tân An")
        step = await click(
            head, step, "Chiến sĩ thi đua cơ sở" if "Một" in name else "Lao động tiên tiến"
        )
        step = await click(head, step, "Thành tích thường xuyên")
        step = await head.send("Hoàn thành xuất sắc nhiệm vụ.")
        step = await click(head, step, "Xong")
        done = await click(head, step, "Gửi đề nghị")
        assert "Đã gửi đề nghị khen thưởng" in done.text
    step = await head.send("/nominate")
    step = await click(head, step, "Tập thể")
    step = await head.send("UBND xã Tân An")
    chosen = await click(head, step, "Tập thể lao động xuất sắc")
    assert "(năm 2025): đủ điều kiện" in chosen.text
    assert "2/2 cá nhân được xếp loại năm 2025 của đơn vị đạt Lao động tiên tiến" in chosen.text


async def test_the_decision_puts_approved_nominations_in_the_history(
    seeded: BotHarness, officer_id: int
) -> None:
    """Approved, then the officer records the decision: the award is in the history, counted by
    the next check (the third CSTĐCS year makes CSTĐ cấp tỉnh possible)."""
    seeded.clock.set(local(2026, 1, 12, 9))
    await _with_history(seeded)
    head = seeded.user(814, "Minh")
    await join(seeded, head, "X-TP")
    step = await head.send("/nominate")
    step = await click(head, step, "Cá nhân")
    step = await head.send("Nguyễn Văn An")
    step = await head.send("Công chức văn hóa - xã hội")
    step = await head.send("UBND xã Trị An")
    step = await click(head, step, "Chiến sĩ thi đua cơ sở")
    step = await click(head, step, "Thành tích thường xuyên")
    step = await head.send("Hoàn thành xuất sắc nhiệm vụ năm 2025.")
    step = await click(head, step, "Xong")
    await click(head, step, "Gửi đề nghị")

    officer = seeded.user(officer_id, "Bình")
    refused = await officer.send("/decision 1 15/QĐ-UBND 20/01/2026")
    assert "Chưa được phê duyệt nên chưa ghi nhận: #1." in refused.text
    card = await officer.send("/review")
    await click(officer, card, "Phê duyệt")
    waiting = await officer.send("/decision")
    assert "#1 Nguyễn Văn An — Chiến sĩ thi đua cơ sở" in waiting.text
    bad = await officer.send("/decision 1 15/QĐ-UBND 32/01/2026")
    assert "Cách dùng" in bad.text
    recorded = await officer.send("/decision 1 15/QĐ-UBND 20/01/2026")
    assert "Đã ghi nhận Quyết định 15/QĐ-UBND ngày 20/01/2026 cho 1 đề nghị: #1." in recorded.text
    again = await officer.send("/decision all 15/QĐ-UBND 20/01/2026")
    assert "Không có đề nghị nào đã được phê duyệt đang chờ quyết định." in again.text
    twice = await officer.send("/decision 1 15/QĐ-UBND 20/01/2026")
    assert "Đã ghi nhận trước đó, giữ nguyên: #1." in twice.text

    async with seeded.ctx.session() as session:
        records = list(
            await session.scalars(
                select(AwardRecord).where(AwardRecord.nomination_id.is_not(None))
            )
        )
    assert [(r.person_name, r.year_from, r.decision_no, r.thematic) for r in records] == [
        ("Nguyễn Văn An", 2025, "15/QĐ-UBND", False)
    ]
    # The next nomination of An for the provincial title finds three consecutive years.
    step = await head.send("/nominate")
    step = await click(head, step, "Cá nhân")
    step = await head.send("Nguyễn Văn An")
    step = await head.send("Công chức văn hóa - xã hội")
    step = await head.send("UBND xã Trị An")
    chosen = await click(head, step, "Chiến sĩ thi đua cấp tỉnh")
    assert "(năm 2025): đủ điều kiện" in chosen.text
    assert "3 năm liên tục đạt Chiến sĩ thi đua cơ sở: 2023, 2024, 2025" in chosen.text


async def test_opening_a_round_suggests_higher_titles_to_the_right_head(
    seeded: BotHarness, officer_id: int
) -> None:
    """Trần Thị Bình's third consecutive CSTĐCS year (2024) makes CSTĐ cấp tỉnh possible: the
    head of her unit hears it once the year-end round opens, with a button that starts that
    nomination filled in; the head of another unit hears nothing of it."""
    seeded.clock.set(local(2024, 12, 2, 9))
    await _with_history(seeded)
    head = seeded.user(815, "Phúc")
    await join(seeded, head, "X-TP")
    other = seeded.user(816, "Quang")
    await join(seeded, other, "PGD")
    officer = seeded.user(officer_id, "Bình")
    await officer.send("/round open 31/12/2024 Tổng kết năm 2024")
    await seeded.drain()
    [suggestion] = [
        c for c in seeded.api.sent(815) if "tiêu chuẩn danh hiệu, hình thức khen thưởng" in c.text
    ]
    assert "năm 2024" in suggestion.text
    assert (
        "• Trần Thị Bình — Chiến sĩ thi đua cấp tỉnh (Điều 22 Luật Thi đua, khen thưởng 2022)"
        in html_to_text(suggestion.text)
    )
    assert "Nguyễn Văn An" not in suggestion.text  # two years only
    assert not [c for c in seeded.api.sent(816) if "lịch sử khen thưởng" in c.text]
    [data] = button_data(suggestion.result, "sg:")
    started = await head.press(suggestion.result, data)
    assert "Tên: Trần Thị Bình" in started.text
    assert "Chức vụ: Kế toán" in started.text
    assert "Hình thức khen thưởng: Chiến sĩ thi đua cấp tỉnh" in started.text
    assert "(năm 2024): đủ điều kiện" in started.text
    assert "Loại thành tích" in started.texts[-1]
    # Another unit's head cannot use the button.
    forged = await other.press(suggestion.result, data)
    assert any("không còn hiệu lực" in alert for alert in forged.alerts)

    # The officer gets the same across all units as a workbook.
    exported = await officer.send("/export suggestions")
    [upload] = [
        seeded.api.uploads[c.result["document"]["file_id"]]
        for c in exported.messages
        if c.method == "sendDocument"
    ]
    name, payload = upload
    assert name.startswith("goi-y-khen-thuong-2024-") and name.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(payload)).active
    assert sheet is not None
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=4)]
    assert rows == [
        ["Đơn vị", "Đối tượng đề nghị", "Chức vụ", "Hình thức khen thưởng", "Điều khoản"],
        [
            "X-TP UBND xã Trị An",
            "Trần Thị Bình",
            "Kế toán",
            "Chiến sĩ thi đua cấp tỉnh",
            "Điều 22 Luật Thi đua, khen thưởng 2022",
        ],
    ]
