"""/broadcasts names each broadcast by its date and title, and the preview names the units
in which nobody is registered, so the officer can invite them first."""

from __future__ import annotations

from tests.auxil.harness import BotHarness
from tests.conftest import join, local
from tests.e2e.test_broadcasts import data_of, send_all, start_broadcast


async def test_the_preview_names_units_nobody_would_receive_it_in(
    seeded: BotHarness, officer_id: int
) -> None:
    await join(seeded, seeded.user(1701, "Trưởng A"), "TT-VA")
    await join(seeded, seeded.user(1702, "Trưởng B"), "X-TA")
    officer = seeded.user(officer_id, "Bình")
    preview = await start_broadcast(officer, "Nộp báo cáo quý II", "Tất cả thủ trưởng đơn vị")
    assert "người nhận: 2 thủ trưởng đơn vị tại 2 đơn vị" in preview.text
    assert (
        "⚠️ Chưa có ai đăng ký ở 3 đơn vị sau nên các đơn vị này sẽ không nhận được: "
        "PGD Phòng Giáo dục và Đào tạo, PNV Phòng Nội vụ, X-TP UBND xã Trị An. "
        "Đồng chí có thể mời thủ trưởng đơn vị bằng lệnh /invite MÃ."
    ) in preview.text

    # In English, and silent when every unit has someone.
    english = seeded.user(officer_id, "Bình", language_code="en")
    await english.send("/lang en")
    await english.send("/cancel")
    asked = await english.send("/broadcast")
    assert asked.messages
    choose = await english.send("Quarter II reports")
    units = await english.press(choose.last_message(), data_of(choose, "Chosen units"))
    assert units.messages
    one = await english.send("TT-VA, X-TP")
    assert "Nobody is registered in 1 unit, which will not receive it: X-TP UBND xã Trị An." in (
        one.text
    )
    await english.send("/cancel")
    asked = await english.send("/broadcast")
    choose = await english.send("Only registered")
    units = await english.press(choose.last_message(), data_of(choose, "Chosen units"))
    reached = await english.send("TT-VA, X-TA")
    assert "Nobody is registered" not in reached.text


async def test_the_list_of_broadcasts_shows_date_and_title(
    seeded: BotHarness, officer_id: int
) -> None:
    await join(seeded, seeded.user(1711, "Trưởng A"), "TT-VA")
    officer = seeded.user(officer_id, "Bình")
    first = await start_broadcast(
        officer,
        "Hướng dẫn tổng kết phong trào thi đua năm 2020 & đăng ký thi đua năm 2021 "
        "tại các đơn vị\nDòng thứ hai",
        "Tất cả thủ trưởng đơn vị",
    )
    await officer.press(first.last_message(), data_of(first, "Gửi"))
    await send_all(seeded)
    seeded.clock.set(local(2020, 5, 18, 8))
    second = await start_broadcast(officer, "Nộp báo cáo quý II", "Tất cả thủ trưởng đơn vị")
    await officer.press(second.last_message(), data_of(second, "Gửi"))
    await send_all(seeded)
    listing = await officer.send("/broadcasts")
    text = listing.text
    newest = text.index("· 18/05/2020 — Nộp báo cáo quý II")
    oldest = text.index(
        "· 15/05/2020 — Hướng dẫn tổng kết phong trào thi đua năm 2020 & đăng ký …"
    )
    assert newest < oldest
    assert "Dòng thứ hai" not in text
    assert "đã gửi được 1/1, đã xác nhận 0" in text
