"""The báo cáo thành tích of each candidate of a dossier: one Word file per approved
nomination, in the structure of the national templates (an individual: I. sơ lược lý lịch;
a collective: I. sơ lược đặc điểm, tình hình; both: II. thành tích đạt được, III. các hình
thức đã được khen thưởng, as tables from the award history).

What the bot knows is filled in (the name, position, unit, the form proposed, the summary the
unit filed, the awards in the history with their decisions); what only the unit can write is
left as an italic "[Đơn vị bổ sung: …]" so that nobody mistakes it for finished text.
Documents are in Vietnamese whatever the reader's language (no gettext here).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import official_docx as o
from bot.services.history_import import person_key
from models import AwardForm, AwardRecord, Nomination, Unit

# The award codes that are danh hiệu thi đua (emulation titles); every other code is a hình
# thức khen thưởng (Luật Thi đua, khen thưởng 2022, Điều 23-32 and 33 onward).
EMULATION_TITLES = frozenset(
    {
        "LDTT",
        "CSTDCS",
        "CSTD-TINH",
        "CSTD-BO",
        "CSTD-TQ",
        "TTLDTT",
        "TTLDXS",
        "CO-TINH",
        "CO-BO",
        "CO-CP",
    }
)
TO_FILL = "[Đơn vị bổ sung: {what}]"


def to_fill(what: str) -> str:
    """The mark of a part the unit must still write."""
    return TO_FILL.format(what=what)


@dataclass(frozen=True)
class PastAward:
    """An award of the history as the report's table lists it."""

    years: str  # "2024", or a decision's period "2023-2024"
    form: str
    decision: str  # "Quyết định số 12/QĐ-UBND ngày 05/02/2025"; empty: not recorded
    authority: str  # the body that decided; empty: not recorded
    title: bool  # a danh hiệu thi đua (else a hình thức khen thưởng)
    thematic: bool = False


@dataclass(frozen=True)
class Candidate:
    """What the report of one approved nomination says."""

    number: int  # the nomination's number (#12)
    target: str  # individual | collective
    name: str
    position: str
    workplace: str
    unit: str  # the filing unit
    award_form: str
    summary: str
    kind: str  # yearly | thematic | adhoc
    campaign: str
    awards: list[PastAward] = field(default_factory=list)

    @property
    def individual(self) -> bool:
        return self.target == "individual"


def decision_text(number: str, day: date | None) -> str:
    """ "Quyết định số 12/QĐ-UBND ngày 05/02/2025" (what the history holds of it)."""
    parts = []
    if number.strip():
        parts.append(f"Quyết định số {number.strip()}")
    if day is not None:
        parts.append(f"ngày {day:%d/%m/%Y}")
    return " ".join(parts)


def slug(text: str, limit: int = 40) -> str:
    """A name for a file: no diacritics, lower case, words joined by hyphens."""
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    words = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")
    return words[:limit].rstrip("-") or "ung-vien"


async def candidates(session: AsyncSession, nomination_ids: list[int]) -> list[Candidate]:
    """The candidates of the nominations (in the order given) with their award history."""
    if not nomination_ids:
        return []
    rows = (
        await session.execute(
            select(Nomination, Unit.name, AwardForm.name_vi)
            .join(Unit, Unit.id == Nomination.unit_id)
            .outerjoin(AwardForm, AwardForm.id == Nomination.award_form_id)
            .where(Nomination.id.in_(nomination_ids))
        )
    ).all()
    by_id = {nomination.id: (nomination, unit, form) for nomination, unit, form in rows}
    unit_ids = {nomination.unit_id for nomination, _unit, _form in rows}
    history = (
        await session.execute(
            select(AwardRecord, AwardForm.code, AwardForm.name_vi)
            .join(AwardForm, AwardForm.id == AwardRecord.award_form_id)
            .where(AwardRecord.unit_id.in_(unit_ids))
            .order_by(AwardRecord.year_to, AwardRecord.year_from, AwardRecord.id)
        )
    ).all()
    found = []
    for nomination_id in nomination_ids:
        if nomination_id not in by_id:
            continue
        nomination, unit, form = by_id[nomination_id]
        individual = nomination.target == "individual"
        key = person_key(nomination.nominee_name) if individual else ""
        awards = [
            PastAward(
                years=str(record.year_from)
                if record.year_from == record.year_to
                else f"{record.year_from}-{record.year_to}",
                form=name,
                decision=decision_text(record.decision_no, record.decision_date),
                authority=record.authority or "",
                title=code in EMULATION_TITLES,
                thematic=record.thematic,
            )
            for record, code, name in history
            if record.unit_id == nomination.unit_id and record.person_key == key
        ]
        found.append(
            Candidate(
                number=nomination.number or nomination.id,
                target=nomination.target or "",
                name=nomination.nominee_name or unit,
                position=nomination.position_title or "",
                workplace=nomination.workplace or unit,
                unit=unit,
                award_form=form or "",
                summary=nomination.summary or "",
                kind=nomination.achievement_kind or "",
                campaign=nomination.campaign or "",
                awards=awards,
            )
        )
    return found


def _fact(document: Any, label: str, value: str, what: str) -> None:
    """ "- Label: value", or the label and an italic mark for the unit to fill."""
    paragraph = o.body(document, f"- {label}: ")
    if value.strip():
        o.write(paragraph, value.strip(), size=o.BODY_PT)
    else:
        o.write(paragraph, to_fill(what), italic=True, size=o.BODY_PT)


def _missing(document: Any, what: str) -> None:
    o.body(document, to_fill(what), italic=True)


def _awards_table(document: Any, awards: list[PastAward], heading: str) -> None:
    width = o.text_width_mm(document)
    table = o.grid_table(
        document,
        [
            "Năm",
            heading,
            "Số, ngày, tháng, năm của quyết định",
            "Cơ quan ban hành quyết định",
        ],
        [22, width - 22 - 50 - 45, 50, 45],
    )
    for award in awards:
        form = award.form + (" (chuyên đề, đột xuất)" if award.thematic else "")
        cells = o.add_row(
            table,
            [award.years, form, award.decision, award.authority],
            centre=(0,),
        )
        for cell, value in ((cells[2], award.decision), (cells[3], award.authority)):
            if not value:
                o.write(cell.paragraphs[0], to_fill("chưa có trong dữ liệu"), italic=True, size=12)
    o.line(document, "", after=6)


def _past_awards(document: Any, candidate: Candidate) -> None:
    o.body(document, "III. CÁC HÌNH THỨC ĐÃ ĐƯỢC KHEN THƯỞNG", bold=True)
    for number, (heading, title) in enumerate(
        (("Danh hiệu thi đua", True), ("Hình thức khen thưởng", False)), start=1
    ):
        o.body(document, f"{number}. {heading}", bold=True)
        awards = [award for award in candidate.awards if award.title is title]
        if awards:
            _awards_table(document, awards, heading)
        else:
            o.body(
                document,
                "Dữ liệu lịch sử khen thưởng chưa có "
                + heading.lower()
                + ". "
                + to_fill(heading.lower() + " đã được tặng, nếu có"),
                italic=True,
            )


def _achievements(document: Any, candidate: Candidate) -> None:
    o.body(document, "II. THÀNH TÍCH ĐẠT ĐƯỢC", bold=True)
    if candidate.individual:
        o.body(document, "1. Quyền hạn, nhiệm vụ được giao", bold=True)
        _missing(document, "quyền hạn, nhiệm vụ được giao")
        o.body(document, "2. Thành tích đạt được", bold=True)
    else:
        o.body(document, "1. Kết quả thực hiện nhiệm vụ được giao", bold=True)
    if candidate.kind == "thematic" and candidate.campaign:
        o.body(document, f"Thành tích trong phong trào thi đua “{candidate.campaign}”:")
    elif candidate.kind == "adhoc":
        o.body(document, "Thành tích xuất sắc đột xuất:")
    if candidate.summary.strip():
        for part in candidate.summary.strip().splitlines():
            if part.strip():
                o.body(document, part.strip())
    _missing(
        document,
        "kết quả cụ thể, số liệu so sánh với chỉ tiêu, kế hoạch; sáng kiến, giải pháp đã áp dụng",
    )
    if candidate.individual:
        return
    o.body(document, "2. Các biện pháp, giải pháp đã thực hiện", bold=True)
    _missing(document, "các biện pháp, giải pháp, đổi mới trong quản lý, tổ chức thực hiện")
    o.body(
        document,
        "3. Việc thực hiện chủ trương, chính sách của Đảng, pháp luật của Nhà nước; công tác "
        "xây dựng tổ chức đảng, đoàn thể",
        bold=True,
    )
    _missing(document, "kết quả thực hiện và xếp loại của tổ chức đảng, đoàn thể")


def _signatures(document: Any, candidate: Candidate) -> None:
    """Two blocks side by side: the head confirming (left), the one reporting (right)."""
    if candidate.individual:
        left = ["THỦ TRƯỞNG ĐƠN VỊ", "XÁC NHẬN, ĐỀ NGHỊ"]
        right = ["NGƯỜI BÁO CÁO THÀNH TÍCH"]
        name = candidate.name
    else:
        left = ["THỦ TRƯỞNG ĐƠN VỊ CẤP TRÊN", "TRỰC TIẾP XÁC NHẬN"]
        right = ["THỦ TRƯỞNG ĐƠN VỊ"]
        name = ""
    o.signatures(document, left, right, right_name=name)


def achievement_report(
    candidate: Candidate, *, parent: str = "", place: str = "", document: Any = None
) -> Any:
    """The báo cáo thành tích of `candidate` as a Word document (a new one, or appended to
    `document`). The letterhead is the filing unit's, under `parent`; the date is the unit's
    to write."""
    document = document if document is not None else o.new_document()
    o.heading(document, o.Letterhead(candidate.unit, parent, place, None))
    subject = f"Đề nghị tặng {candidate.award_form or o.BLANK}"
    if candidate.individual:
        who = ", ".join(part for part in (candidate.name, candidate.position) if part)
        who += f", {candidate.workplace}" if candidate.workplace else ""
    else:
        who = candidate.name
    o.title(document, "Báo cáo thành tích", subject, who)
    if candidate.individual:
        o.body(document, "I. SƠ LƯỢC LÝ LỊCH", bold=True)
        _fact(document, "Họ và tên", candidate.name, "họ và tên")
        for label in ("Giới tính", "Ngày, tháng, năm sinh", "Quê quán", "Nơi thường trú"):
            _fact(document, label, "", label.lower())
        _fact(document, "Đơn vị công tác", candidate.workplace, "đơn vị công tác")
        _fact(document, "Chức vụ (Đảng, chính quyền, đoàn thể)", candidate.position, "chức vụ")
        _fact(document, "Trình độ chuyên môn, nghiệp vụ", "", "trình độ chuyên môn, nghiệp vụ")
        _fact(document, "Học hàm, học vị, danh hiệu, giải thưởng", "", "nếu có")
    else:
        o.body(document, "I. SƠ LƯỢC ĐẶC ĐIỂM, TÌNH HÌNH", bold=True)
        o.body(document, "1. Đặc điểm, tình hình", bold=True)
        _fact(document, "Tên tập thể", candidate.name, "tên tập thể")
        _fact(
            document,
            "Đơn vị chủ quản",
            candidate.unit if candidate.unit != candidate.name else "",
            "đơn vị chủ quản",
        )
        _missing(
            document,
            "địa chỉ, năm thành lập, cơ cấu tổ chức, tổng số cán bộ, công chức, viên chức, "
            "người lao động; cơ sở vật chất",
        )
        o.body(document, "2. Chức năng, nhiệm vụ", bold=True)
        _missing(document, "chức năng, nhiệm vụ được giao")
    _achievements(document, candidate)
    _past_awards(document, candidate)
    _signatures(document, candidate)
    return document


def report_name(index: int, candidate: Candidate) -> str:
    """The file name of a candidate's report in the dossier's zip."""
    return f"bao-cao-thanh-tich-{index:02d}-{slug(candidate.name)}.docx"
