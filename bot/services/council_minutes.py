"""The biên bản họp Hội đồng Thi đua - Khen thưởng of a closed vote, for the dossier: who the
council was and how each member took part (present, absent with a written opinion, absent),
the quorum, each candidate's agree / disagree / not voted counts with the share of all members
and the share needed, the result, and the conclusion. In Vietnamese whatever the reader's
language, laid out by bot/services/official_docx.py; the chair, the secretary, the place and the
hours are left for the council to fill in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import official_docx as o
from bot.services.council_vote import (
    Attendance,
    CouncilRules,
    VoteResult,
    closed_votes_of_round,
    load_council_rules,
    vote_result,
)
from models import CouncilVote, NominationRound

COUNCIL = "Hội đồng Thi đua - Khen thưởng"
ATTENDANCE_WORDS = {
    Attendance.PRESENT: "Có mặt",
    Attendance.WRITTEN: "Vắng mặt, có ý kiến bằng văn bản",
    Attendance.ABSENT: "Vắng mặt",
}


def _percent(value: float) -> str:
    """ "83,3%" (one decimal, Vietnamese comma; "100%" without one)."""
    text = f"{100 * value:.1f}".replace(".", ",")
    return (text[:-2] if text.endswith(",0") else text) + "%"


def minutes_document(
    outcome: VoteResult,
    *,
    authority: str,
    place: str = "",
    document: Any = None,
) -> Any:
    """The biên bản of a closed vote (a new document, or appended to `document`); its heading
    is the council under `authority`."""
    document = document if document is not None else o.new_document()
    facts = outcome.facts
    o.heading(
        document,
        o.Letterhead(COUNCIL, authority, place, facts.meeting_date),
    )
    subject = "Họp Hội đồng Thi đua - Khen thưởng xét đề nghị khen thưởng"
    if facts.round_title:
        subject += f" đợt “{facts.round_title}”"
    o.title(document, "Biên bản", subject)
    o.body(
        document,
        f"Thời gian: ngày {facts.meeting_date:%d/%m/%Y}, bắt đầu lúc {o.BLANK} giờ {o.BLANK}.",
    )
    o.body(document, f"Địa điểm: {o.BLANK}{o.BLANK}")
    o.body(document, "I. THÀNH PHẦN", bold=True)
    absent = outcome.members - outcome.present - outcome.written
    o.body(
        document,
        f"Tổng số thành viên Hội đồng: {outcome.members} người. Có mặt (trực tiếp bỏ phiếu): "
        f"{outcome.present} người; vắng mặt: {outcome.written + absent} người, trong đó "
        f"{outcome.written} người có ý kiến bằng văn bản.",
    )
    o.body(document, f"Chủ trì: {o.BLANK}{o.BLANK}, Chủ tịch Hội đồng.")
    o.body(document, f"Thư ký: {o.BLANK}{o.BLANK}.")
    width = o.text_width_mm(document)
    table = o.grid_table(document, ["STT", "Họ và tên", "Tham dự"], [12, width - 12 - 70, 70])
    for number, (name, state) in enumerate(outcome.attendance, start=1):
        o.add_row(table, [number, name, ATTENDANCE_WORDS[state]], centre=(0,))
    o.line(document, "", after=6)
    o.body(document, "II. NỘI DUNG", bold=True)
    o.body(
        document,
        f"Hội đồng xem xét hồ sơ đề nghị khen thưởng của {len(outcome.results)} tập thể, cá "
        "nhân đã được cơ quan thường trực thẩm định và tiến hành bỏ phiếu kín. Tỷ lệ phiếu "
        "đồng ý của mỗi tập thể, cá nhân được tính trên tổng số thành viên Hội đồng; ý kiến "
        "bằng văn bản của thành viên vắng mặt được tính vào kết quả.",
    )
    needed = outcome.quorum.needed_text
    if outcome.quorum_met:
        o.body(
            document,
            f"Số thành viên có mặt: {outcome.present}/{outcome.members}, bảo đảm tỷ lệ "
            f"{needed} tổng số thành viên theo quy định; cuộc họp hợp lệ.",
        )
    else:
        o.body(
            document,
            f"Số thành viên có mặt: {outcome.present}/{outcome.members}, không bảo đảm tỷ lệ "
            f"{needed} tổng số thành viên theo quy định.",
            bold=True,
        )
    o.body(document, "III. KẾT QUẢ BỎ PHIẾU", bold=True)
    widths = [11.0, 30.0, 26.0, 14.0, 16.0, 16.0, 16.0, 16.0]
    widths.append(width - sum(widths))
    results = o.grid_table(
        document,
        [
            "STT",
            "Tên tập thể / Họ và tên",
            "Hình thức đề nghị",
            "Đồng ý",
            "Không đồng ý",
            "Không bỏ phiếu",
            "Tỷ lệ đồng ý",
            "Tỷ lệ yêu cầu",
            "Kết quả",
        ],
        widths,
        size=10,
    )
    for number, item in enumerate(outcome.results, start=1):
        tally = item.tally
        o.add_row(
            results,
            [
                number,
                item.facts.name,
                item.facts.award_vi,
                tally.agree,
                tally.disagree,
                tally.not_voted,
                _percent(float(tally.share)),
                item.needed,
                "Đạt" if item.passed else "Không đạt",
            ],
            size=10,
            centre=(0, 3, 4, 5, 6, 7, 8),
        )
    o.line(document, "", after=6)
    o.body(document, "IV. KẾT LUẬN", bold=True)
    passed = [item for item in outcome.results if item.passed]
    who = authority.strip() or o.BLANK
    if not outcome.quorum_met:
        o.body(
            document,
            "Cuộc họp không đủ số thành viên theo quy định; kết quả bỏ phiếu không được dùng "
            "để đề nghị khen thưởng. Hội đồng sẽ tổ chức họp và bỏ phiếu lại.",
        )
    elif passed:
        o.body(
            document,
            f"Hội đồng thống nhất đề nghị {who} xem xét, khen thưởng cho {len(passed)} tập thể, "
            "cá nhân đạt tỷ lệ phiếu đồng ý theo quy định:",
        )
        for item in passed:
            o.body(document, f"- {item.facts.name}: {item.facts.award_vi};")
    else:
        o.body(document, "Không có tập thể, cá nhân nào đạt tỷ lệ phiếu đồng ý theo quy định.")
    o.body(
        document,
        f"Cuộc họp kết thúc lúc {o.BLANK} giờ {o.BLANK} cùng ngày. Biên bản đã được thông qua "
        "tại cuộc họp./.",
    )
    o.signatures(document, ["Thư ký"], ["Chủ tịch Hội đồng"])
    return document


async def minutes_for(
    session: AsyncSession,
    *,
    round_id: int | None,
    year: int,
    tz: ZoneInfo,
    rules: CouncilRules | None = None,
) -> VoteResult | None:
    """The latest closed vote of the dossier's scope: of the round, or (a year's dossier) of a
    round opened that year; None when the council has not voted."""
    rules = rules or load_council_rules()
    votes: list[CouncilVote] = []
    if round_id is not None:
        votes = await closed_votes_of_round(session, round_id)
    else:
        from sqlalchemy import select

        rounds = await session.scalars(
            select(NominationRound).where(
                NominationRound.created_at >= datetime(year, 1, 1, tzinfo=tz),
                NominationRound.created_at < datetime(year + 1, 1, 1, tzinfo=tz),
            )
        )
        for round_ in rounds:
            votes += await closed_votes_of_round(session, round_.id)
        votes.sort(key=lambda v: (v.closed_at or datetime.min.replace(tzinfo=tz), v.id))
        votes.reverse()
    if not votes:
        return None
    return await vote_result(session, votes[0], rules)
