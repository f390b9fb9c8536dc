"""Nominations as officers and unit heads meet them across a year: the list exported by round
or by year, one number per nomination, rounds announced to the units, the officers' daily
digest of new filings, the award catalogue of the authority's level, and answered questions
that show the answer instead of their buttons."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import func, select, text

from bot.core.clock import FrozenClock
from bot.core.config import ConfigError, infer_authority_level, settings_from_env
from models import AwardForm, Nomination, NominationStatus, OutboxMessage, Unit
from tests.auxil.fake_bot_api import FakeBotApi
from tests.auxil.harness import BotHarness, Reply, TelegramUser, buttons, settings_for
from tests.conftest import TZ, join, local, seed_directory_and_plan
from tests.e2e.test_nominations import _fill_collective, click
from tests.test_cli import atdkt


async def _file(head: TelegramUser, name: str) -> Reply:
    review = await _fill_collective(head, name)
    return await click(head, review, "Gửi đề nghị")


async def _approve_all(officer: TelegramUser) -> None:
    card = await officer.send("/review")
    while "Phê duyệt" in str(buttons(card.last_message())):
        card = await click(officer, card, "Phê duyệt")


def _documents(harness: BotHarness, reply: Reply) -> tuple[list[str], list[str], str]:
    """Nominee names in the Excel rows and in the Word table, and the caption."""
    sent = [c for c in reply.messages if c.method == "sendDocument"]
    assert len(sent) == 2, reply.text
    (xlsx_name, xlsx), (docx_name, docx) = [
        harness.api.uploads[c.result["document"]["file_id"]] for c in sent
    ]
    assert xlsx_name.endswith(".xlsx") and docx_name.endswith(".docx")
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert sheet is not None
    names = [
        str(sheet.cell(row=row, column=2).value)
        for row in range(6, sheet.max_row + 1)
        if isinstance(sheet.cell(row=row, column=1).value, int)
    ]
    table = Document(io.BytesIO(docx)).tables[1]  # tables[0] is the heading
    in_word = [row.cells[1].text for row in table.rows[1:] if row.cells[0].text.isdigit()]
    return names, in_word, str(sent[0].params["caption"])


async def test_the_year_list_holds_filings_before_in_and_after_a_round(
    seeded: BotHarness, officer_id: int, tmp_path: Path
) -> None:
    # Today: the command line below has no clock but the real one.
    now = datetime.now(TZ).replace(hour=10, minute=0, second=0, microsecond=0)
    seeded.clock.set(now)
    year, deadline = now.year, f"{now.date() + timedelta(days=20):%d/%m/%Y}"
    head = seeded.user(821, "Mai")
    await join(seeded, head, "PGD")
    officer = seeded.user(officer_id, "Bình")
    for name in ("Tổ Văn thư", "Tổ Tổng hợp"):
        await _file(head, name)
    await _approve_all(officer)
    await officer.send(f"/round open {deadline} Tổng kết năm {year}")
    await _file(head, "Tổ Một cửa")
    await _approve_all(officer)

    choice = await officer.send("/export nominations")
    labels = [label for label, _data in buttons(choice.last_message())]
    assert labels == [f"Đợt đang mở: Tổng kết năm {year}", f"Cả năm {year}", f"Cả năm {year - 1}"]
    whole = await click(officer, choice, f"Cả năm {year}")
    names, in_word, caption = _documents(seeded, whole)
    everything = ["Tổ Một cửa", "Tổ Tổng hợp", "Tổ Văn thư"]
    assert sorted(names) == sorted(in_word) == everything
    assert caption.startswith(f"Số đề nghị khen thưởng: 3\nNăm {year}: tất cả đề nghị đã gửi")
    # The question now says what was chosen, and has no buttons left to press again.
    question = seeded.api.messages[(officer_id, choice.last_message()["message_id"])]
    assert "reply_markup" not in question and question["text"].startswith(f"Năm {year}")

    choice = await officer.send("/export nominations")
    in_round = await click(officer, choice, "Đợt đang mở")
    names, in_word, caption = _documents(seeded, in_round)
    assert names == in_word == ["Tổ Một cửa"]
    # Nothing is left out silently: the caption counts what the round's list does not hold.
    assert f"Còn 2 đề nghị gửi trong năm {year} không thuộc đợt này" in caption

    closed = await officer.send("/round close")
    assert "không thuộc đợt nào" in closed.text
    choice = await officer.send("/export nominations")
    assert "Đợt khác…" in str(buttons(choice.last_message()))
    await click(officer, choice, "Đợt khác")
    # The same message now lists the rounds.
    [(round_label, round_data)] = buttons(choice.last_message())
    assert round_label == f"Tổng kết năm {year} · {deadline}" and round_data.startswith("xn:r:")
    names, _in_word, _caption = _documents(
        seeded, await officer.press(choice.last_message(), round_data)
    )
    assert names == ["Tổ Một cửa"]
    choice = await officer.send("/export nominations")
    names, in_word, _caption = _documents(seeded, await click(officer, choice, f"Cả năm {year}"))
    assert sorted(names) == sorted(in_word) == everything
    forged = await officer.press(choice.last_message(), "xn:y:99999")
    assert any("không còn hiệu lực" in alert for alert in forged.alerts)
    stranger = await head.press(choice.last_message(), f"xn:y:{year}")
    assert not [c for c in stranger.messages if c.method == "sendDocument"]

    # The command line: after the close, the default is the year's list.
    env = {"TDKT_DATABASE_URL": seeded.settings.database_url, "TDKT_LANGUAGE": "en"}
    out = tmp_path / "year.xlsx"
    code, stdout, stderr = await atdkt("export", "nominations", "--out", str(out), env=env)
    assert code == 0, stderr
    assert stdout.strip() == f"Wrote {out}: 3 nominations."
    sheet = load_workbook(out).active
    assert sheet is not None
    assert str(sheet["A3"].value).startswith(f"Year {year}: every nomination")
    for args, count in (
        (("--year", str(year)), 3),
        (("--round", "1"), 1),
        (("--year", str(year - 1)), 0),
    ):
        out = tmp_path / f"list-{args[0][2:]}-{args[1]}.docx"
        code, stdout, stderr = await atdkt(
            "export", "nominations", "--out", str(out), *args, env=env
        )
        assert code == 0, stderr
        rows = Document(str(out)).tables[1].rows[1:]
        assert len([r for r in rows if r.cells[0].text.isdigit()]) == count
    code, stdout, _err = await atdkt(
        "export", "nominations", "--out", str(tmp_path / "r.xlsx"), "--round", "1", env=env
    )
    assert stdout.splitlines() == [
        f"Wrote {tmp_path / 'r.xlsx'}: 1 nomination.",
        f"2 more nominations filed in {year} are outside this round and not in this list; the "
        "year's list holds them.",
    ]
    for args, message in (
        (("--round", "99"), "No nomination round has the id 99."),
        (("--round", "99999999999"), "No nomination round has the id 99999999999."),
        (("--year", "20"), "--year: 20 is not a year like 2026."),
    ):
        code, _out, stderr = await atdkt(
            "export", "nominations", "--out", str(tmp_path / "x.xlsx"), *args, env=env
        )
        assert (code, stderr.strip().splitlines()[-1]) == (1, message)
    code, _out, stderr = await atdkt(
        "export", "progress", "--out", str(tmp_path / "p.xlsx"), "--year", str(year), env=env
    )
    assert (code, stderr.strip()) == (
        1,
        "--round and --year apply to export nominations and dossier only.",
    )
    code, _out, _err = await atdkt(
        "export", "nominations", "--out", "x.xlsx", "--round", "1", "--year", "2020", env=env
    )
    assert code == 2


async def test_a_nomination_keeps_one_number_through_edits_and_cancelled_drafts(
    seeded: BotHarness, officer_id: int
) -> None:
    head = seeded.user(822, "Oanh")
    await join(seeded, head, "PNV")
    officer = seeded.user(officer_id, "Bình")
    assert "#1" in (await _file(head, "Tổ Văn thư")).text
    # A draft given up takes no number. With no round open, it says where a filing goes.
    started = await head.send("/nominate")
    assert "không thuộc đợt nào" in started.text
    await head.send("/cancel")
    assert "Đã gửi đề nghị khen thưởng #2" in (await _file(head, "Tổ Tổng hợp")).text
    card = await officer.send("/review")
    card = await click(officer, card, "Tiếp theo")
    assert "Đề nghị khen thưởng #2" in card.text and "Tên: Tổ Tổng hợp" in card.text
    ask = await click(officer, card, "Trả lại")
    assert "đề nghị khen thưởng #2" in ask.text
    await officer.send("Bổ sung báo cáo thành tích.")
    await seeded.drain()
    assert "<b>Đề nghị khen thưởng #2:" in seeded.api.sent(822)[-1].text

    listing = await head.send("/nominations")
    assert [label for label, _data in buttons(listing.last_message())] == [
        "✏️ Sửa #2",
        "✏️ Sửa #1",
        "🗑 Rút lại #1",
    ]
    edit = await click(head, listing, "Sửa #2")
    assert "Chỉnh sửa đề nghị khen thưởng #2" in edit.text
    # The review screen of the edit is #2's, not a number of its own.
    assert "Đề nghị khen thưởng #2" in edit.text and "#3" not in edit.text
    resubmitted = await click(head, edit, "Gửi đề nghị")
    assert "Đã gửi đề nghị khen thưởng #2" in resubmitted.text
    # The next filing is #3: the edit copy and the cancelled draft left no gap.
    assert "Đã gửi đề nghị khen thưởng #3" in (await _file(head, "Tổ Một cửa")).text
    listing = await head.send("/nominations")
    shown = [line.split(" ")[0] for line in listing.text.splitlines() if line.startswith("#")]
    assert shown == ["#3", "#2", "#1"]
    card = await officer.send("/review")
    assert "Đề nghị khen thưởng #1" in card.text
    async with seeded.ctx.session() as session:
        numbers = {
            n.nominee_name: (n.number, n.status)
            for n in await session.scalars(select(Nomination).order_by(Nomination.id))
            if n.number is not None
        }
        unnumbered = await session.scalar(
            select(func.count()).select_from(Nomination).where(Nomination.number.is_(None))
        )
    assert numbers == {
        "Tổ Văn thư": (1, NominationStatus.SUBMITTED.value),
        "Tổ Tổng hợp": (2, NominationStatus.SUBMITTED.value),
        "Tổ Một cửa": (3, NominationStatus.SUBMITTED.value),
    }
    assert unnumbered == 2  # the cancelled draft and the edit copy


async def test_a_round_is_announced_and_officers_hear_of_new_filings_once_a_day(
    seeded: BotHarness, officer_id: int
) -> None:
    heads = [seeded.user(831, "Khánh"), seeded.user(832, "Lan", language_code="en")]
    await join(seeded, heads[0], "X-TA")
    await join(seeded, heads[1], "TT-VA")
    officer = seeded.user(officer_id, "Bình")
    status = await officer.send("/round")
    assert "đề nghị gửi lúc này không thuộc đợt nào" in status.text
    assert "bất cứ lúc nào" not in status.text

    # Thursday 14/05/2020: the round opens; every unit head hears it, in their language.
    seeded.clock.set(local(2020, 5, 14, 10))
    opened = await officer.send("/round open 15/06/2020 Khen thưởng chuyên đề")
    assert "bot đang thông báo đến thủ trưởng các đơn vị" in opened.text
    await seeded.drain()
    [vi] = [c.text for c in seeded.api.sent(831) if "Khen thưởng chuyên đề" in c.text]
    assert "Đã mở đợt đề nghị khen thưởng “Khen thưởng chuyên đề”" in vi
    assert "Thời hạn: hết ngày 15/06/2020" in vi
    [en] = [c.text for c in seeded.api.sent(832) if "Khen thưởng chuyên đề" in c.text]
    assert "A nomination round is open" in en and "Jun 15, 2020" in en
    assert not [c for c in seeded.api.sent(officer_id) if "Đã mở đợt đề nghị" in c.text]
    status = await officer.send("/round")
    assert "Đề nghị gửi lúc này được tính vào đợt này" in status.text

    await _file(heads[0], "Tổ Văn thư")
    # Friday at the reminder time: the officer hears of the one new filing.
    seeded.clock.set(local(2020, 5, 15, 8))
    await seeded.reminder_pass()
    await seeded.reminder_pass()  # a second pass the same day adds nothing
    await seeded.drain()
    digests = [c.text for c in seeded.api.sent(officer_id) if "đang chờ thẩm định" in c.text]
    assert len(digests) == 1
    assert "Có 1 đề nghị khen thưởng mới đang chờ thẩm định" in digests[0]
    assert "#1 Tổ Văn thư — UBND xã Tân An" in digests[0] and "/review" in digests[0]

    seeded.clock.set(local(2020, 5, 15, 10))
    await _file(heads[0], "Tổ Tổng hợp")
    # Monday: only the filing since Friday's digest is new.
    seeded.clock.set(local(2020, 5, 18, 8))
    await seeded.reminder_pass()
    await seeded.drain()
    digests = [c.text for c in seeded.api.sent(officer_id) if "đang chờ thẩm định" in c.text]
    assert len(digests) == 2
    assert "#2 Tổ Tổng hợp" in digests[1] and "#1 Tổ Văn thư" not in digests[1]
    assert "tổng số đang chờ: 2" in digests[1]
    # Tuesday: nothing new, no digest.
    seeded.clock.set(local(2020, 5, 19, 8))
    await seeded.reminder_pass()
    await seeded.drain()
    assert len([c for c in seeded.api.sent(officer_id) if "đang chờ thẩm định" in c.text]) == 2
    async with seeded.ctx.session() as session:
        kinds = list(await session.scalars(select(OutboxMessage.kind)))
    assert kinds.count("submissions") == 2 and kinds.count("round-opened") == 2

    closed = await officer.send("/round close")
    assert "Từ nay, các đề nghị gửi đến không thuộc đợt nào" in closed.text
    status = await officer.send("/round")
    assert "không thuộc đợt nào" in status.text


async def test_choices_show_the_answer_and_used_review_buttons_go(
    seeded: BotHarness, officer_id: int
) -> None:
    head = seeded.user(841, "Nga")
    await join(seeded, head, "X-TP")

    def current(reply: Reply) -> dict[str, object]:
        return seeded.api.messages[(841, reply.last_message()["message_id"])]

    question = await head.send("/nominate")
    await click(head, question, "Tập thể")
    assert current(question)["text"] == "Đối tượng: Tập thể ✔"
    assert "reply_markup" not in current(question)
    awards = await head.send("Tổ dân phố 3")
    award_data = next(d for label, d in buttons(awards.last_message()) if "cấp xã" in label)
    kinds = await head.press(awards.last_message(), award_data)
    assert current(awards)["text"] == (
        "Hình thức khen thưởng: Giấy khen của Chủ tịch UBND cấp xã ✔"
    )
    again = await head.press(awards.last_message(), award_data)
    assert any("không còn hiệu lực" in alert for alert in again.alerts)
    summary = await click(head, kinds, "Thành tích thường xuyên")
    assert current(kinds)["text"] == "Loại thành tích: Thành tích thường xuyên, hằng năm ✔"
    files = await head.send("Hoàn thành xuất sắc nhiệm vụ năm 2020.")
    review = await click(head, files, "Xong")
    assert current(files)["text"] == "Hồ sơ kèm theo: 0 tệp ✔"
    assert summary.messages
    await click(head, review, "Gửi đề nghị")
    assert "reply_markup" not in current(review)  # the review screen keeps the card only

    officer = seeded.user(officer_id, "Bình")

    def card_of(reply: Reply) -> dict[str, object]:
        return seeded.api.messages[(officer_id, reply.last_message()["message_id"])]

    card = await officer.send("/review")
    await click(officer, card, "Phê duyệt")
    assert "reply_markup" not in card_of(card)
    await _file(head, "Tổ dân phố 4")
    card = await officer.send("/review")
    await click(officer, card, "Không chấp thuận")
    assert "reply_markup" in card_of(card)  # still there until the reason comes
    await officer.send("Chưa đủ tiêu chuẩn.")
    assert "reply_markup" not in card_of(card)


async def test_the_catalogue_follows_the_authority_level(
    api: FakeBotApi, database_url: str, clock: FrozenClock, officer_id: int
) -> None:
    harness = BotHarness(
        api,
        settings_for(
            api,
            database_url,
            officer_ids=frozenset({officer_id}),
            authority="UBND tỉnh Đồng Nai",
        ),
        clock,
    )
    await harness.start()
    try:
        async with harness.ctx.session() as session:
            await seed_directory_and_plan(session, clock.now())
            forms = {f.code: f for f in await session.scalars(select(AwardForm))}
        assert {"BK-TTG-CN", "BK-TTG-TT", "CSTD-TQ", "CO-CP"} <= set(forms)
        assert not {"GK-XA-CN", "GK-CQ-CN"} & set(forms)
        assert not forms["GK-CN"].active and forms["GK-CN"].historical
        head = harness.user(851, "Phúc")
        await join(harness, head, "PNV")
        step = await head.send("/nominate")
        step = await click(head, step, "Cá nhân")
        for answer in ("Lê Văn Dũng", "Chuyên viên", "Sở Nội vụ"):
            step = await head.send(answer)
        labels = [label for label, _data in buttons(step.last_message())]
        assert "Bằng khen của Thủ tướng Chính phủ" in labels
        assert not [label for label in labels if "huyện" in label]
    finally:
        await harness.stop()


async def test_district_forms_stay_only_on_old_nominations(
    seeded: BotHarness, officer_id: int
) -> None:
    head = seeded.user(861, "Quang", language_code="en")
    await join(seeded, head, "PNV")
    async with seeded.ctx.session() as session:
        district = await session.scalar(select(AwardForm).where(AwardForm.code == "GK-TT"))
        unit = await session.scalar(select(Unit).where(Unit.code == "PNV"))
        assert district is not None and unit is not None
        assert not district.active and district.historical
        now = seeded.clock.now()
        session.add(
            Nomination(
                unit_id=unit.id,
                number=1,
                target="collective",
                nominee_name="Tổ Văn thư",
                award_form_id=district.id,
                achievement_kind="yearly",
                summary="Năm 2019.",
                status=NominationStatus.APPROVED.value,
                submitted_at=now,
                created_at=now,
                updated_at=now,
            )
        )
        await session.commit()
    listing = await head.send("/nominations")
    assert (
        "#1 Tổ Văn thư — Certificate of Commendation of the District People's Committee "
        "Chairman" in listing.text
    )
    officer = seeded.user(officer_id, "Officer", language_code="en")
    catalogue = await officer.send("/awards")
    assert "GK-TT · Certificate of Commendation of the District" in catalogue.text
    assert "(kept for old nominations only)" in catalogue.text
    # Giấy khen and Bằng khen are told apart in English.
    assert "GK-XA-CN · Certificate of Commendation of the Commune People's Committee" in (
        catalogue.text
    )
    assert "BK-CN · Certificate of Merit of the Provincial People's Committee" in catalogue.text
    refused = await officer.send("/awards on GK-TT")
    assert "abolished on 01/07/2025" in refused.text
    step = await head.send("/nominate")
    step = await click(head, step, "A collective")
    step = await head.send("Tổ Tổng hợp")
    labels = [label for label, _data in buttons(step.last_message())]
    assert not [label for label in labels if "District" in label]
    assert "Certificate of Commendation of the Commune People's Committee Chairman" in labels


def test_the_authority_level_is_set_or_inferred() -> None:
    cases = {
        "UBND xã Trị An": "commune",
        "UBND phường Bến Nghé": "commune",
        "Ủy ban nhân dân đặc khu Phú Quốc": "commune",
        "UBND tỉnh Đồng Nai": "province",
        "Ủy ban nhân dân thành phố Hà Nội": "province",
        "Sở Lao động - Thương binh và Xã hội": "agency",
        "Trường THPT Trị An": "agency",
        "": "commune",
    }
    assert {name: infer_authority_level(name) for name in cases} == cases
    settings = settings_from_env({"TDKT_AUTHORITY": "UBND xã Trị An"})
    assert settings.level == "commune"
    settings = settings_from_env(
        {"TDKT_AUTHORITY": "UBND xã Trị An", "TDKT_AUTHORITY_LEVEL": "Agency"}
    )
    assert settings.level == "agency"
    with pytest.raises(ConfigError) as error:
        settings_from_env({"TDKT_AUTHORITY_LEVEL": "district"})
    assert error.value.reason == "authority-level"


async def test_the_migration_numbers_filed_nominations_and_retires_district_forms(
    database_url: str,
) -> None:
    from bot.core.db import make_engine
    from bot.core.migrate import downgrade, upgrade

    await downgrade(database_url, "0006")
    engine = make_engine(database_url)
    stamp = "2020-05-15 02:00:00"
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO units (id, code, name, kind, active) "
                "VALUES (1, 'A', 'A', 'agency', true)"
            )
        )
        for row_id, status in ((4, "approved"), (5, "abandoned"), (7, "withdrawn"), (8, "draft")):
            await connection.execute(
                text(
                    "INSERT INTO nominations (id, unit_id, status, created_at, updated_at) "
                    f"VALUES ({row_id}, 1, '{status}', '{stamp}', '{stamp}')"
                )
            )
    await engine.dispose()
    await upgrade(database_url)
    engine = make_engine(database_url)
    async with engine.connect() as connection:
        numbers = dict(
            (await connection.execute(text("SELECT id, number FROM nominations"))).all()
        )
        forms = {
            code: (active, historical, name_en)
            for code, active, historical, name_en in (
                await connection.execute(
                    text("SELECT code, active, historical, name_en FROM award_forms")
                )
            ).all()
        }
    await engine.dispose()
    # Numbers already shown stay; what was never filed gets none.
    assert numbers == {4: 4, 5: None, 7: 7, 8: None}
    district = "Certificate of Commendation of the District People's Committee Chairman"
    assert forms["GK-CN"] == (False, True, district)
    assert forms["GK-TT"] == (False, True, district)
    assert forms["LDTT"][:2] == (True, False)
    assert len(forms) == 10
