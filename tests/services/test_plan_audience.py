"""The audience proposed from a task's responsible body: units by name, clusters, kinds of unit;
partners ("phối hợp") ignored; anything not named unambiguously proposes nothing."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from bot.services.plan_audience import (
    Directory,
    DirectoryCluster,
    DirectoryUnit,
    propose_audience,
    propose_audiences,
)
from bot.services.plan_parser import parse_plan_file

CORPUS = Path(__file__).resolve().parents[1] / "data" / "plans"

# A district: its township, three communes, two offices, a school; three clusters.
DISTRICT = Directory(
    (
        DirectoryUnit(1, "TT-VA", "UBND thị trấn Vĩnh An", "township", 1),
        DirectoryUnit(2, "X-TP", "UBND xã Trị An", "commune", 1),
        DirectoryUnit(3, "X-TA", "UBND xã Tân An", "commune", 2),
        DirectoryUnit(4, "X-HH", "Ủy ban nhân dân xã Hiếu Liêm", "commune", 2),
        DirectoryUnit(5, "PGD", "Phòng Giáo dục và Đào tạo", "agency", 3),
        DirectoryUnit(6, "PNV", "Phòng Nội vụ", "agency", 3),
        DirectoryUnit(7, "THCS-VA", "Trường THCS Vĩnh An", "school", None),
        DirectoryUnit(8, "P-VH", "Phòng Văn hóa và Thông tin", "agency", 3),
    ),
    (
        DirectoryCluster(1, "Cụm thi đua số 1"),
        DirectoryCluster(2, "Cụm thi đua số 2"),
        DirectoryCluster(3, "Cụm thi đua số 3"),
    ),
)

COMMUNES = ["TT-VA", "X-TP", "X-TA", "X-HH"]

# (responsible body as written, the unit codes it reaches; None: no proposal)
CASES = [
    # Units by name, whatever the case, the "UBND"/"Ủy ban nhân dân" form or the tone's place.
    ("Phòng Nội vụ", ["PNV"]),
    ("PHÒNG NỘI VỤ", ["PNV"]),
    ("Phòng Nội vụ chủ trì", ["PNV"]),
    ("UBND xã Tân An", ["X-TA"]),
    ("Ủy ban nhân dân xã Tân An thực hiện", ["X-TA"]),
    ("Uỷ ban nhân dân xã Tân An", ["X-TA"]),
    ("xã Tân An", ["X-TA"]),
    ("UBND xã Hiếu Liêm", ["X-HH"]),
    ("Phòng Văn hoá và Thông tin", ["P-VH"]),
    ("Phòng Nội vụ, Phòng Giáo dục và Đào tạo", ["PGD", "PNV"]),
    ("Phòng Giáo dục và Đào tạo và UBND xã Tân An", ["X-TA", "PGD"]),
    # Clusters, "số II" as "số 2".
    ("Cụm thi đua số 2", ["X-TA", "X-HH"]),
    ("Cụm thi đua số II", ["X-TA", "X-HH"]),
    ("Các xã và Cụm thi đua số 3", ["X-TP", "X-TA", "X-HH", "PGD", "PNV", "P-VH"]),
    # Kinds of unit.
    ("các xã, thị trấn thực hiện", COMMUNES),
    ("UBND các xã, thị trấn", COMMUNES),
    ("Ủy ban nhân dân các xã, thị trấn", COMMUNES),
    ("các xã, phường, thị trấn trên địa bàn huyện", COMMUNES),
    ("Các xã", ["X-TP", "X-TA", "X-HH"]),
    ("các trường học", ["THCS-VA"]),
    ("các trường học trực thuộc", ["THCS-VA"]),
    ("các cơ quan, đơn vị", ["PGD", "PNV", "P-VH"]),
    ("các cơ quan, đơn vị và UBND các xã, thị trấn", [*COMMUNES, "PGD", "PNV", "P-VH"]),
    # Partners are not the audience.
    ("Phòng Nội vụ chủ trì, phối hợp với các xã, thị trấn", ["PNV"]),
    ("Phòng Nội vụ phối hợp với Phòng Giáo dục và Đào tạo", ["PNV"]),
    ("Phòng Giáo dục và Đào tạo; phối hợp: Phòng Nội vụ", ["PGD"]),
    ("Chủ trì: Phòng Nội vụ; phối hợp: các xã, thị trấn", ["PNV"]),
    ("Đơn vị chủ trì: UBND xã Trị An", ["X-TP"]),
    ("Phòng Nội vụ; các xã, thị trấn phối hợp", ["PNV"]),
    ("các xã, thị trấn phối hợp", None),
    ("Phối hợp: Phòng Nội vụ", None),
    # Not in the directory, every unit, or only partly understood: no proposal.
    (None, None),
    ("", None),
    ("Sở Nội vụ", None),
    ("Ban Thi đua - Khen thưởng huyện", None),
    ("Hiệu trưởng", None),
    ("các đơn vị", None),
    ("các thôn, ấp thực hiện", None),
    ("Phòng Nội vụ và các thôn", None),
    ("UBND xã Tấn An", None),  # a tone mark is not ignored: that is another commune
    ("Phòng Nội", None),
    ("các doanh nghiệp", None),  # a kind the directory has no unit of
    ("UBND các huyện, thị xã, thành phố", None),
]


def codes(responsible: str | None, directory: Directory = DISTRICT) -> list[str] | None:
    proposal = propose_audience(responsible, directory)
    if proposal is None:
        return None
    reached = [unit.code for unit in proposal.units_in(directory)]
    assert proposal.unit_count == len(reached)
    return reached


@pytest.mark.parametrize(("responsible", "expected"), CASES, ids=[str(c[0]) for c in CASES])
def test_the_proposed_audience(responsible: str | None, expected: list[str] | None) -> None:
    assert codes(responsible) == (
        None if expected is None else [u.code for u in DISTRICT.units if u.code in expected]
    )


def test_decomposed_text_reads_as_composed() -> None:
    assert codes(unicodedata.normalize("NFD", "UBND các xã, thị trấn")) == COMMUNES


def test_a_name_two_units_share_proposes_nothing() -> None:
    twins = Directory(
        (
            *DISTRICT.units,
            DirectoryUnit(9, "PNV-2", "Phòng Nội vụ", "agency", None),
        ),
        DISTRICT.clusters,
    )
    assert codes("Phòng Nội vụ", twins) is None
    assert codes("Phòng Giáo dục và Đào tạo", twins) == ["PGD"]


def test_a_unit_named_like_a_unit_without_its_ubnd_is_ambiguous() -> None:
    both = Directory(
        (*DISTRICT.units, DirectoryUnit(9, "DU-TA", "xã Tân An", "other", None)),
        DISTRICT.clusters,
    )
    assert codes("xã Tân An", both) is None
    assert codes("UBND xã Tân An", both) == ["X-TA"]


def test_the_label_is_the_body_as_written_without_roles_and_partners() -> None:
    proposal = propose_audience("UBND các xã, thị trấn thực hiện; Phòng Nội vụ phối hợp", DISTRICT)
    assert proposal is not None
    assert (proposal.label, proposal.unit_count) == ("UBND các xã, thị trấn", 4)


def test_an_empty_directory_proposes_nothing() -> None:
    assert propose_audience("Phòng Nội vụ", Directory(())) is None


def test_the_corpus_plan_that_names_bodies() -> None:
    parsed = parse_plan_file(CORPUS / "12-huyen-giao-viec-2020.txt")
    proposals = propose_audiences(parsed, DISTRICT)
    reached = {
        index: [unit.code for unit in proposal.units_in(DISTRICT)]
        for index, proposal in proposals.items()
    }
    assert reached == {
        0: COMMUNES,
        1: ["PGD"],
        2: ["PNV"],
        3: ["X-TA", "X-HH"],
        # 4: "Ban Thi đua - Khen thưởng huyện" is not in the directory.
        5: [u.code for u in DISTRICT.units if u.kind in ("township", "commune", "agency")],
        6: ["X-TA"],
    }
