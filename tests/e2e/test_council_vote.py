"""The council's secret vote (/vote) through the fake Bot API: ballots in each member's chat,
votes changed until close, nobody seeing another's vote (also not by forged buttons), an absent
member's written opinion, each candidate's share over ALL members against its award's
threshold, and a meeting without a quorum passing nobody."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from docx import Document
from sqlalchemy import select

from bot.core.clock import FrozenClock
from bot.services.awards import seed_catalogue
from bot.services.dossier import build_dossier
from bot.services.nomination_export import ExportScope
from models import (
    AuditLog,
    AwardForm,
    CouncilBallot,
    CouncilCandidate,
    CouncilVote,
    Member,
    Nomination,
    NominationRound,
    Role,
    Unit,
)
from tests.auxil.fake_bot_api import FakeBotApi
from tests.auxil.harness import (
    BotHarness,
    Reply,
    TelegramUser,
    button_data,
    buttons,
    settings_for,
)
from tests.conftest import join, local, seed_directory_and_plan

CANDIDATES = (
    # (name, target, award code): ≥ 90%, ≥ 80%, > 50% of all members
    ("Nguyễn Văn An", "individual", "CSTD-TQ"),
    ("Trường Tiểu học Trị An", "collective", "CO-CP"),
    ("Lê Thị Bình", "individual", "CSTDCS"),
)


async def _seed_round(harness: BotHarness) -> None:
    now = harness.clock.now()
    async with harness.ctx.session() as session:
        await seed_directory_and_plan(session, now)
        await seed_catalogue(session, "province")
        unit = await session.scalar(select(Unit).where(Unit.code == "PGD"))
        assert unit is not None
        round_ = NominationRound(
            title="Tổng kết năm 2025", deadline=local(2026, 1, 15).date(), created_at=now
        )
        session.add(round_)
        await session.flush()
        for number, (name, target, code) in enumerate(CANDIDATES, start=1):
            form = await session.scalar(select(AwardForm).where(AwardForm.code == code))
            assert form is not None, code
            session.add(
                Nomination(
                    number=number,
                    unit_id=unit.id,
                    round_id=round_.id,
                    target=target,
                    nominee_name=name,
                    award_form_id=form.id,
                    achievement_kind="yearly",
                    summary="Hoàn thành xuất sắc nhiệm vụ.",
                    status="approved",
                    submitted_at=now,
                    created_at=now,
                    updated_at=now,
                )
            )
        await session.commit()


def _ballot_to(reply: Reply, user: TelegramUser) -> dict[str, Any]:
    sent = [c for c in reply.calls if c.method == "sendMessage" and c.chat_id == user.chat_id]
    assert sent, f"no ballot for {user.first_name}"
    return sent[-1].result  # type: ignore[no-any-return]


def _alerts(reply: Reply) -> str:
    return " ".join(reply.alerts)


async def _vote(user: TelegramUser, ballot: dict[str, Any], choices: str) -> dict[str, Any]:
    """Press ✅ (a) or ❌ (d) for each candidate in turn; returns the ballot as edited."""
    for index, choice in enumerate(choices):
        data = [d for d in button_data(ballot, "cv:v:") if d.endswith(f":{choice}")][index]
        reply = await user.press(ballot, data)
        assert "Đã ghi nhận" in _alerts(reply), reply.everything()
        ballot = user.harness.api.messages[(ballot["chat"]["id"], ballot["message_id"])]
    return ballot


async def _ballots(harness: BotHarness) -> list[tuple[int, int, bool, bool]]:
    async with harness.ctx.session() as session:
        rows = await session.execute(
            select(
                CouncilBallot.candidate_id,
                CouncilBallot.member_id,
                CouncilBallot.agree,
                CouncilBallot.written,
            ).order_by(CouncilBallot.id)
        )
        return [tuple(row) for row in rows.all()]  # type: ignore[misc]


async def _member_id(harness: BotHarness, telegram_id: int) -> int:
    async with harness.ctx.session() as session:
        found = await session.scalar(select(Member.id).where(Member.telegram_id == telegram_id))
        assert found is not None
        return found


async def _dossier(harness: BotHarness) -> Any:
    async with harness.ctx.session() as session:
        round_id = await session.scalar(select(NominationRound.id))
        return await build_dossier(
            session,
            now=harness.clock.now(),
            tz=harness.ctx.settings.tz,
            authority="UBND xã Trị An",
            place="Trị An",
            scope=ExportScope(round_id=round_id),
        )


async def _minutes_document(harness: BotHarness) -> Any:
    dossier = await _dossier(harness)
    with zipfile.ZipFile(io.BytesIO(dossier.zip())) as archive:
        [name] = [n for n in archive.namelist() if n.startswith("04-bien-ban-hop-hoi-dong")]
        return Document(io.BytesIO(archive.read(name)))


async def _minutes(harness: BotHarness) -> tuple[list[str], list[str]]:
    """The biên bản's paragraphs and the Tờ trình's, from the round's dossier."""
    dossier = await _dossier(harness)
    minutes = Document(io.BytesIO(dossier.minutes))
    to_trinh = Document(io.BytesIO(dossier.to_trinh))
    return (
        [p.text for p in minutes.paragraphs if p.text],
        [p.text for p in to_trinh.paragraphs if p.text],
    )


async def test_the_councils_secret_vote(
    api: FakeBotApi, database_url: str, officer_id: int
) -> None:
    clock = FrozenClock(local(2026, 1, 20, 8))
    harness = BotHarness(
        api, settings_for(api, database_url, officer_ids=frozenset({officer_id})), clock
    )
    await harness.start()
    try:
        await _seed_round(harness)
        officer = harness.user(officer_id, "Bình")
        head = harness.user(7001, "Hạnh")
        await join(harness, head, "PGD")
        council = [harness.user(7100 + n, f"Ủy viên {n}") for n in range(1, 7)]
        for member in council:
            await join(harness, member, "PNV", Role.COUNCIL)
        welcome = await council[0].send("/start")
        assert "thành viên Hội đồng Thi đua - Khen thưởng" in welcome.text
        refused = await head.send("/vote")
        assert "chỉ dành cho cán bộ phụ trách TĐKT và thành viên Hội đồng" in refused.text
        none_yet = await council[0].send("/vote")
        assert "Chưa có cuộc bỏ phiếu nào" in none_yet.text

        opened = await officer.send("/vote 20/01/2026")
        assert "mở bỏ phiếu đối với 3 tập thể, cá nhân" in opened.text, opened.text
        ballots = {m.user_id: _ballot_to(opened, m) for m in council}
        assert len(button_data(ballots[7101], "cv:v:")) == 6  # ✅ and ❌ for each candidate
        again = await officer.send("/vote 21/01/2026")
        assert "Hiện đang có một cuộc bỏ phiếu" in again.text

        # The ballot lists the collective first, then the individuals by form: the school
        # (≥ 80%), Lê Thị Bình (> 50%), Nguyễn Văn An (≥ 90%). Members 1-4 vote in person;
        # member 3 first disagrees with Lê Thị Bình, then changes their mind.
        await _vote(council[0], ballots[7101], "aaa")
        await _vote(council[1], ballots[7102], "aaa")
        changed = await _vote(council[2], ballots[7103], "ada")
        assert "❌ không đồng ý" in str(changed["text"])
        changed = await _vote(council[2], changed, "aaa")
        assert "❌" not in str(changed["text"]).split("\n\n")[1]
        await _vote(council[3], ballots[7104], "aaa")

        # A member's own /vote shows their ballot only.
        mine = await council[1].send("/vote")
        assert mine.text.count("✅ đồng ý") == 3

        # Secrecy: the officer sees who has voted, never how.
        status = await officer.send("/vote")
        assert "4/6 thành viên Hội đồng đã bỏ phiếu" in status.text, status.text
        assert "đồng ý" not in status.text.split("Đã bỏ phiếu")[1].split("Bí mật")[0]
        assert "Ủy viên 5" in status.text.split("Chưa bỏ phiếu")[1]

        # Forged buttons: a ballot naming another member, another's written opinion, and a
        # unit head's press change nothing.
        before = await _ballots(harness)
        candidate = int(button_data(ballots[7102], "cv:v:")[0].split(":")[2])
        first = await _member_id(harness, 7101)
        forged = await council[1].press(ballots[7102], f"cv:v:{candidate}:d:{first}")
        assert "Nút này không còn hiệu lực" in _alerts(forged)
        forged = await council[1].press(ballots[7102], f"cv:wv:{candidate}:{first}:d")
        assert "chỉ dành cho cán bộ phụ trách TĐKT" in _alerts(forged)
        forged = await head.press(ballots[7102], f"cv:v:{candidate}:d")
        assert "chỉ dành cho thành viên Hội đồng" in _alerts(forged)
        assert await _ballots(harness) == before

        # Member 5 is absent: the officer records their written opinion (agree, disagree,
        # agree); member 1 voted in person, so no written opinion replaces their vote.
        [written_list] = button_data(status.last_message(), "cv:wl:")
        vote_id = written_list.split(":")[2]
        listing = await officer.press(status.last_message(), written_list)
        names = [text for text, _data in buttons(listing.last_message())]
        assert names == ["Ủy viên 5", "Ủy viên 6"]
        fifth = await _member_id(harness, 7105)
        card = await officer.press(listing.last_message(), f"cv:wm:{vote_id}:{fifth}")
        assert "Ủy viên 5" in card.text and "vắng mặt" in card.text
        written = card.last_message()
        for index, choice in enumerate("ada"):
            data = [d for d in button_data(written, "cv:wv:") if d.endswith(f":{choice}")][index]
            pressed = await officer.press(written, data)
            assert "Đã ghi nhận" in _alerts(pressed)
        in_person = await officer.press(written, f"cv:wv:{candidate}:{first}:d")
        assert "đã trực tiếp bỏ phiếu" in _alerts(in_person)

        # Close: each share is over all 6 members (member 6 did not vote).
        confirm = await officer.press(
            status.last_message(), button_data(status.last_message(), "cv:c:")[0]
        )
        assert "5/6" in confirm.text
        closed = await officer.press(
            confirm.last_message(), button_data(confirm.last_message(), "cv:cc:")[0]
        )
        text = closed.text
        assert "6 thành viên; 4 trực tiếp bỏ phiếu, 1 có ý kiến bằng văn bản, 1 vắng mặt" in text
        lines = {line.split(" — ")[0][3:]: line for line in text.splitlines() if " — " in line}
        # 5 of 6 agree: 83,3% — short of the 90% a Chiến sĩ thi đua toàn quốc needs.
        assert "5 đồng ý" in lines["#1 Nguyễn Văn An"] and "83,3%" in lines["#1 Nguyễn Văn An"]
        assert "không đạt" in lines["#1 Nguyễn Văn An"] and "≥ 90%" in lines["#1 Nguyễn Văn An"]
        assert "≥ 80%" in lines["#2 Trường Tiểu học Trị An"]
        assert "✅ đạt" in lines["#2 Trường Tiểu học Trị An"]
        # 4 of 6 agree with the third (member 3 changed their vote): more than half.
        assert "4 đồng ý, 1 không đồng ý, 1 chưa bỏ phiếu" in lines["#3 Lê Thị Bình"]
        assert "✅ đạt" in lines["#3 Lê Thị Bình"]
        late = await council[5].press(ballots[7106], button_data(ballots[7106], "cv:v:")[0])
        assert "đã kết thúc" in _alerts(late)
        assert len(await _ballots(harness)) == 15  # nothing added after close

        async with harness.ctx.session() as session:
            entries = list(
                await session.scalars(
                    select(AuditLog).where(AuditLog.action == "cast-council-ballot")
                )
            )
            results = list(await session.scalars(select(CouncilCandidate)))
        # The audit log has when each ballot was cast, not what it said.
        assert len(entries) == 15
        assert all(set((e.details or {}).keys()) == {"vote"} for e in entries)
        # In ballot order: the school, Lê Thị Bình, Nguyễn Văn An.
        assert [c.passed for c in sorted(results, key=lambda c: c.position)] == [
            True,
            True,
            False,
        ]

        # The dossier of the round holds the biên bản, and the Tờ trình gives the result.
        minutes, to_trinh = await _minutes(harness)
        assert minutes[:3] == [
            "BIÊN BẢN",
            "Họp Hội đồng Thi đua - Khen thưởng xét đề nghị khen thưởng đợt “Tổng kết năm 2025”",
            "Thời gian: ngày 20/01/2026, bắt đầu lúc …… giờ …….",
        ]
        assert (
            "Tổng số thành viên Hội đồng: 6 người. Có mặt (trực tiếp bỏ phiếu): 4 người; vắng "
            "mặt: 2 người, trong đó 1 người có ý kiến bằng văn bản."
        ) in minutes
        assert "- Nguyễn Văn An: Chiến sĩ thi đua toàn quốc;" not in minutes
        assert "- Lê Thị Bình: Chiến sĩ thi đua cơ sở;" in minutes
        assert (
            "Kết quả họp Hội đồng Thi đua - Khen thưởng ngày 20/01/2026: 2/3 tập thể, cá nhân "
            "đạt tỷ lệ phiếu đồng ý theo quy định (có biên bản kèm theo)."
        ) in to_trinh
        document = await _minutes_document(harness)
        attendance = [[c.text for c in row.cells] for row in document.tables[1].rows]
        assert attendance[5] == ["5", "Ủy viên 5", "Vắng mặt, có ý kiến bằng văn bản"]
        assert attendance[6] == ["6", "Ủy viên 6", "Vắng mặt"]
        results = [[c.text for c in row.cells] for row in document.tables[2].rows]
        assert results[3] == [
            "3",
            "Nguyễn Văn An",
            "Chiến sĩ thi đua toàn quốc",
            "5",
            "0",
            "1",
            "83,3%",
            "≥ 90%",
            "Không đạt",
        ]

        # A second meeting: only 2 of 6 vote in person, under the quorum of 2/3: even
        # unanimous agreement with written opinions passes nobody.
        reopened = await officer.send("/vote 27/01/2026")
        ballots = {m.user_id: _ballot_to(reopened, m) for m in council}
        await _vote(council[0], ballots[7101], "aaa")
        await _vote(council[1], ballots[7102], "aaa")
        status = await officer.send("/vote")
        vote_id = button_data(status.last_message(), "cv:wl:")[0].split(":")[2]
        for telegram_id in (7103, 7104, 7105, 7106):
            member_id = await _member_id(harness, telegram_id)
            card = await officer.press(status.last_message(), f"cv:wm:{vote_id}:{member_id}")
            for data in button_data(card.last_message(), "cv:wv:"):
                if data.endswith(":a"):
                    await officer.press(card.last_message(), data)
        closed = await officer.press(status.last_message(), f"cv:cc:{vote_id}")
        assert "Không đủ số thành viên" in closed.text, closed.text
        assert "✅ đạt" not in closed.text
        async with harness.ctx.session() as session:
            second = await session.get(CouncilVote, int(vote_id))
            assert second is not None
            assert (second.present, second.members_total, second.quorum_met) == (2, 6, False)
        minutes, to_trinh = await _minutes(harness)
        assert minutes[2].startswith("Thời gian: ngày 27/01/2026,")
        assert any("không bảo đảm tỷ lệ ≥ 2/3" in line for line in minutes)
        assert any(line.startswith("Cuộc họp không đủ số thành viên") for line in minutes)
        assert any("không đủ số thành viên dự họp" in line for line in to_trinh)
    finally:
        await harness.stop()
