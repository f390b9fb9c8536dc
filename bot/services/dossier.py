"""The dossier of a round (hồ sơ đề nghị khen thưởng) as administrative documents: the Tờ trình
đề nghị khen thưởng and the danh sách attached to it, in Vietnamese whatever the reader's
language (laid out by bot/services/official_docx.py).

The Tờ trình proposes the nominations the officer approved in review; it says how many were
filed and what the review made of them, and the council's result once it has voted. The .zip
also holds the báo cáo thành tích of each proposed candidate (bot/services/achievement_report.py)
and the biên bản of the council's meeting (bot/services/council_minutes.py).
"""

from __future__ import annotations

import asyncio
import io
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import official_docx as o
from bot.services.achievement_report import achievement_report, candidates, report_name
from bot.services.council_minutes import minutes_document, minutes_for
from bot.services.council_vote import VoteResult
from bot.services.exports import ExportHeading, NominationRow, nomination_list_section
from bot.services.nomination_export import ExportScope, NominationExport, nomination_export
from models import Nomination, NominationStatus, Unit

# The legal basis (căn cứ), as the documents name them.
LAW = "Luật Thi đua, khen thưởng số 06/2022/QH15 ngày 15 tháng 6 năm 2022"
DECREE = (
    "Nghị định số 152/2025/NĐ-CP ngày 14 tháng 6 năm 2025 của Chính phủ quy định về phân cấp, "
    "phân quyền trong lĩnh vực thi đua, khen thưởng; quy định chi tiết và hướng dẫn thi hành "
    "một số điều của Luật Thi đua, khen thưởng"
)
PROPOSED = NominationStatus.APPROVED.value
TARGET_WORDS = {"collective": "tập thể", "individual": "cá nhân"}


@dataclass
class Dossier:
    file_stem: str
    to_trinh: bytes  # the Tờ trình alone
    danh_sach: bytes  # the list alone
    combined: bytes  # the Tờ trình followed by the list, one .docx
    proposed: list[NominationRow]
    filed: int  # nominations of the scope, whatever the review made of them
    export: NominationExport
    # (file name, content) of each proposed candidate's báo cáo thành tích.
    reports: list[tuple[str, bytes]] = field(default_factory=list)
    # The biên bản of the council's latest closed vote on the scope, if it has voted.
    minutes: bytes | None = None

    @property
    def collectives(self) -> int:
        return sum(1 for row in self.proposed if row.target == "collective")

    @property
    def individuals(self) -> int:
        return sum(1 for row in self.proposed if row.target == "individual")

    def zip(self) -> bytes:
        """The Tờ trình, the danh sách and each candidate's báo cáo thành tích as separate
        files."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"01-to-trinh-{self.file_stem}.docx", self.to_trinh)
            archive.writestr(f"02-danh-sach-{self.file_stem}.docx", self.danh_sach)
            for name, data in self.reports:
                archive.writestr(f"03-{name}", data)
            if self.minutes is not None:
                archive.writestr(f"04-bien-ban-hop-hoi-dong-{self.file_stem}.docx", self.minutes)
        return buffer.getvalue()


def _counts(rows: list[NominationRow]) -> str:
    """ "2 tập thể và 3 cá nhân"."""
    by_target = Counter(row.target for row in rows)
    parts = [
        f"{by_target[target]} {word}" for target, word in TARGET_WORDS.items() if by_target[target]
    ]
    return " và ".join(parts) or "0 tập thể, cá nhân"


def _subject(data: NominationExport) -> str:
    if data.round is not None:
        return f"Về việc đề nghị khen thưởng đợt “{data.round.title}”"
    return f"Về việc đề nghị khen thưởng năm {data.year}"


def _council_line(minutes: VoteResult | None) -> str:
    """The Tờ trình's line on the council's meeting: its result when it has voted."""
    if minutes is None:
        return f"Kết quả họp Hội đồng Thi đua - Khen thưởng: {o.BLANK}{o.BLANK}"
    when = f"ngày {minutes.facts.meeting_date:%d/%m/%Y}"
    if not minutes.quorum_met:
        return (
            f"Kết quả họp Hội đồng Thi đua - Khen thưởng {when}: không đủ số thành viên dự họp "
            "theo quy định, Hội đồng sẽ bỏ phiếu lại (có biên bản kèm theo)."
        )
    return (
        f"Kết quả họp Hội đồng Thi đua - Khen thưởng {when}: {len(minutes.passed)}/"
        f"{len(minutes.results)} tập thể, cá nhân đạt tỷ lệ phiếu đồng ý theo quy định (có biên "
        "bản kèm theo)."
    )


def _to_trinh(
    document: Any,
    data: NominationExport,
    proposed: list[NominationRow],
    authority: str,
    minutes: VoteResult | None = None,
) -> None:
    heading: ExportHeading = data.word_heading
    o.heading(
        document,
        o.Letterhead(heading.authority, heading.parent, heading.place, heading.day, "TTr"),
    )
    o.title(document, "Tờ trình", _subject(data))
    o.line(document, f"Kính gửi: {o.BLANK}{o.BLANK}{o.BLANK}", align="center", after=6)
    o.body(document, f"Căn cứ {LAW};")
    o.body(document, f"Căn cứ {DECREE};")
    if data.round is not None:
        o.body(
            document,
            f"Căn cứ đợt xét khen thưởng “{data.round.title}” (thời hạn gửi hồ sơ ngày "
            f"{data.round.deadline:%d/%m/%Y});",
        )
    o.body(document, "Căn cứ kết quả xét duyệt hồ sơ đề nghị khen thưởng của các đơn vị,")
    o.body(
        document,
        f"{authority.strip() or o.BLANK} kính trình {o.BLANK} xem xét, khen thưởng cho "
        f"{_counts(proposed)} có thành tích "
        "xuất sắc, cụ thể như sau:",
    )
    forms: dict[tuple[str, str], int] = {}
    for row in proposed:
        key = (row.target, row.award_form)
        forms[key] = forms.get(key, 0) + 1
    for target in ("collective", "individual", ""):
        for (form_target, form), count in forms.items():
            if form_target != target and not (target == "" and form_target not in TARGET_WORDS):
                continue
            word = TARGET_WORDS.get(form_target, "tập thể, cá nhân")
            o.body(document, f"- {form or 'Chưa chọn hình thức'}: {count} {word};")
    o.body(document, "(Có danh sách kèm theo)", italic=True)
    states = Counter(row.state for row in data.word_rows)
    o.body(
        document,
        f"Kết quả xét duyệt của cơ quan thường trực: đã nhận {len(data.word_rows)} hồ sơ đề nghị; "
        f"{states[PROPOSED]} hồ sơ đủ điều kiện, được đề nghị khen thưởng; "
        f"{states[NominationStatus.REJECTED.value]} hồ sơ không đề nghị; "
        f"{states[NominationStatus.RETURNED.value]} hồ sơ trả lại để bổ sung; "
        f"{states[NominationStatus.SUBMITTED.value]} hồ sơ đang chờ xét duyệt"
        + (
            f"; {states[NominationStatus.WITHDRAWN.value]} hồ sơ đơn vị đã rút."
            if states[NominationStatus.WITHDRAWN.value]
            else "."
        ),
    )
    o.body(document, _council_line(minutes))
    o.body(document, f"Kính trình {o.BLANK} xem xét, quyết định./.")
    o.closing(
        document,
        o.Closing(
            ["Như trên", "Hội đồng Thi đua - Khen thưởng"], o.signature_for(authority.strip())
        ),
    )


def _attached_to(data: NominationExport, authority: str) -> str:
    heading = data.word_heading
    code = o.authority_code(heading.authority)
    day = heading.day
    when = o.date_line("", day).split(", ", 1)[1] if day else ""
    return f"(Kèm theo Tờ trình số        /TTr-{code} {when} của {authority.strip() or o.BLANK})"


def _list_heading(data: NominationExport) -> ExportHeading:
    heading = data.word_heading
    return ExportHeading(
        heading.authority,
        "Danh sách đề nghị khen thưởng",
        _subject(data).replace("Về việc đề nghị khen thưởng ", "", 1).capitalize(),
        heading.date_line,
        heading.parent,
        heading.place,
        heading.day,
    )


async def build_dossier(
    session: AsyncSession,
    *,
    now: datetime,
    tz: ZoneInfo,
    authority: str,
    parent: str = "",
    place: str = "",
    scope: ExportScope | None = None,
) -> Dossier:
    """The dossier of the scope (a round or a year; raises UnknownRound)."""
    from docx.enum.section import WD_ORIENT, WD_SECTION

    data = await nomination_export(
        session,
        now=now,
        tz=tz,
        language="vi",
        authority=authority,
        scope=scope,
        parent=parent,
        place=place,
    )
    proposed = [row for row in data.word_rows if row.state == PROPOSED]
    people = await candidates(session, await proposed_ids(session, data, tz))
    minutes = await minutes_for(
        session, round_id=data.round.id if data.round else None, year=data.year, tz=tz
    )
    attached = _attached_to(data, authority)
    list_heading = _list_heading(data)

    def documents() -> tuple[bytes, bytes, bytes]:
        """The Tờ trình, the danh sách, and both in one file."""
        to_trinh = o.new_document()
        _to_trinh(to_trinh, data, proposed, authority, minutes)

        danh_sach = o.new_document(landscape=True)
        nomination_list_section(
            danh_sach, proposed, list_heading, attached_to=attached, with_status=False
        )

        combined = o.new_document()
        _to_trinh(combined, data, proposed, authority, minutes)
        section = combined.add_section(WD_SECTION.NEW_PAGE)
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
        nomination_list_section(
            combined, proposed, list_heading, attached_to=attached, with_status=False
        )
        return o.to_bytes(to_trinh), o.to_bytes(danh_sach), o.to_bytes(combined)

    def reports() -> list[tuple[str, bytes]]:
        return [
            (
                report_name(index, person),
                o.to_bytes(achievement_report(person, parent=authority, place=place)),
            )
            for index, person in enumerate(people, start=1)
        ]

    # Laying out the Word files takes long enough to hold up every reply: a worker thread.
    to_trinh, danh_sach, combined = await asyncio.to_thread(documents)
    files = await asyncio.to_thread(reports)
    minutes_file = None
    if minutes is not None:
        found = minutes

        def minutes_bytes() -> bytes:
            return o.to_bytes(minutes_document(found, authority=authority, place=place))

        minutes_file = await asyncio.to_thread(minutes_bytes)

    stem = data.file_stem.replace("de-nghi-khen-thuong", "ho-so-de-nghi-khen-thuong", 1)
    return Dossier(
        stem,
        to_trinh,
        danh_sach,
        combined,
        proposed,
        len(data.word_rows),
        data,
        files,
        minutes_file,
    )


async def proposed_ids(session: AsyncSession, data: NominationExport, tz: ZoneInfo) -> list[int]:
    """The ids of the nominations the dossier proposes (approved in review), in the order of
    its list: collectives first, then by form, unit and number."""
    query = (
        select(Nomination.id)
        .join(Unit, Unit.id == Nomination.unit_id)
        .where(Nomination.status == PROPOSED, Nomination.submitted_at.is_not(None))
    )
    if data.round is not None:
        query = query.where(Nomination.round_id == data.round.id)
    else:
        start = datetime(data.year, 1, 1, tzinfo=tz)
        end = datetime(data.year + 1, 1, 1, tzinfo=tz)
        query = query.where(Nomination.submitted_at >= start, Nomination.submitted_at < end)
    query = query.order_by(
        Nomination.target, Nomination.award_form_id, Unit.name, Nomination.number
    )
    return list(await session.scalars(query))
