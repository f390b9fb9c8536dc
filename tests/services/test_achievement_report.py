"""The báo cáo thành tích of a candidate: what the bot knows filled in, the award history as
tables, what the unit must write marked as such."""

from __future__ import annotations

import io
from datetime import date

from docx import Document

from bot.services import official_docx as o
from bot.services.achievement_report import (
    Candidate,
    PastAward,
    achievement_report,
    decision_text,
    report_name,
    slug,
)


def _candidate(target: str, awards: list[PastAward]) -> Candidate:
    return Candidate(
        number=3,
        target=target,
        name="Nguyễn Thị Hoa" if target == "individual" else "Trạm Y tế xã Trị An",
        position="Phó Chủ tịch UBND xã" if target == "individual" else "",
        workplace="UBND xã Trị An",
        unit="UBND xã Trị An" if target == "individual" else "Trạm Y tế xã Trị An",
        award_form="Chiến sĩ thi đua cơ sở",
        summary="Hoàn thành xuất sắc nhiệm vụ năm 2025.\nChỉ đạo tốt chuyển đổi số.",
        kind="yearly",
        campaign="",
        awards=awards,
    )


def _open(candidate: Candidate) -> object:
    document = achievement_report(candidate, parent="UBND tỉnh Đồng Nai", place="Trị An")
    return Document(io.BytesIO(o.to_bytes(document)))


def test_an_individuals_report_fills_what_is_known_and_marks_the_rest() -> None:
    awards = [
        PastAward(
            "2024",
            "Chiến sĩ thi đua cơ sở",
            decision_text("15/QĐ-UBND", date(2025, 1, 9)),
            "UBND xã Trị An",
            title=True,
        ),
        PastAward("2023-2024", "Giấy khen", "", "", title=False),
    ]
    document = _open(_candidate("individual", awards))
    texts = [p.text for p in document.paragraphs if p.text]  # type: ignore[attr-defined]
    assert texts[:3] == [
        "BÁO CÁO THÀNH TÍCH",
        "Đề nghị tặng Chiến sĩ thi đua cơ sở",
        "Nguyễn Thị Hoa, Phó Chủ tịch UBND xã, UBND xã Trị An",
    ]
    for heading in (
        "I. SƠ LƯỢC LÝ LỊCH",
        "II. THÀNH TÍCH ĐẠT ĐƯỢC",
        "III. CÁC HÌNH THỨC ĐÃ ĐƯỢC KHEN THƯỞNG",
    ):
        paragraph = next(p for p in document.paragraphs if p.text == heading)  # type: ignore[attr-defined]
        assert paragraph.runs[0].bold
    assert "- Chức vụ (Đảng, chính quyền, đoàn thể): Phó Chủ tịch UBND xã" in texts
    assert "Chỉ đạo tốt chuyển đổi số." in texts
    sex = next(p for p in document.paragraphs if p.text.startswith("- Giới tính"))  # type: ignore[attr-defined]
    assert sex.text == "- Giới tính: [Đơn vị bổ sung: giới tính]" and sex.runs[-1].italic
    # The heading is the unit's, under the authority; the date is the unit's to write.
    left, right = document.tables[0].rows[0].cells  # type: ignore[attr-defined]
    assert [p.text for p in left.paragraphs if p.text] == ["UBND TỈNH ĐỒNG NAI", "UBND XÃ TRỊ AN"]
    assert right.paragraphs[-1].text == "Trị An, ngày …… tháng …… năm ……"
    titles, forms = document.tables[1], document.tables[2]  # type: ignore[attr-defined]
    assert [c.text for c in titles.rows[0].cells] == [
        "Năm",
        "Danh hiệu thi đua",
        "Số, ngày, tháng, năm của quyết định",
        "Cơ quan ban hành quyết định",
    ]
    assert [c.text for c in titles.rows[1].cells] == [
        "2024",
        "Chiến sĩ thi đua cơ sở",
        "Quyết định số 15/QĐ-UBND ngày 09/01/2025",
        "UBND xã Trị An",
    ]
    assert [c.text for c in forms.rows[1].cells][:2] == ["2023-2024", "Giấy khen"]
    assert forms.rows[1].cells[2].text == "[Đơn vị bổ sung: chưa có trong dữ liệu]"
    signatures = document.tables[3]  # type: ignore[attr-defined]
    left, right = ([p.text for p in c.paragraphs if p.text] for c in signatures.rows[0].cells)
    assert left[:2] == ["THỦ TRƯỞNG ĐƠN VỊ", "XÁC NHẬN, ĐỀ NGHỊ"]
    assert right[0] == "NGƯỜI BÁO CÁO THÀNH TÍCH" and right[-1] == "Nguyễn Thị Hoa"


def test_a_collectives_report_has_its_own_sections_and_says_when_the_history_is_empty() -> None:
    document = _open(_candidate("collective", []))
    texts = [p.text for p in document.paragraphs if p.text]  # type: ignore[attr-defined]
    assert texts[2] == "Trạm Y tế xã Trị An"
    assert "I. SƠ LƯỢC ĐẶC ĐIỂM, TÌNH HÌNH" in texts and "2. Chức năng, nhiệm vụ" in texts
    assert "I. SƠ LƯỢC LÝ LỊCH" not in texts
    assert any(
        t.startswith("Dữ liệu lịch sử khen thưởng chưa có danh hiệu thi đua") for t in texts
    )
    assert len(document.tables) == 2  # type: ignore[attr-defined]  # heading, signatures
    right = document.tables[1].rows[0].cells[1]  # type: ignore[attr-defined]
    assert next(p.text for p in right.paragraphs if p.text) == "THỦ TRƯỞNG ĐƠN VỊ"


def test_file_names_have_no_diacritics() -> None:
    assert slug("Đặng Thị Ánh Nguyệt") == "dang-thi-anh-nguyet"
    assert report_name(2, _candidate("collective", [])) == (
        "bao-cao-thanh-tich-02-tram-y-te-xa-tri-an.docx"
    )
