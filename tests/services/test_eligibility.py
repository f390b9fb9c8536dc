"""The eligibility rules shipped in bot/rules/national.toml, table-driven: for every rule in the
file an eligible and an ineligible history, and the boundaries (a gap year, a thematic award
not counted, a decision whose period spans two years, a window counted from the period of the
earlier decision)."""

from __future__ import annotations

import tomllib
from datetime import date
from importlib import resources

import pytest

from bot.core.i18n import use_language
from bot.services.eligibility import (
    Held,
    History,
    RulesError,
    Verdict,
    evaluate,
    load_rules,
    parse_rules,
)
from bot.texts.eligibility import assessment_lines

ON = date(2025, 12, 31)
E, N, U = Verdict.ELIGIBLE, Verdict.NOT_ELIGIBLE, Verdict.UNKNOWN


def person(
    awards: tuple[
        tuple[str, int | tuple[int, int]] | tuple[str, int | tuple[int, int], str], ...
    ] = (),
    ratings: dict[int, str] | None = None,
    discipline: set[int] | None = None,
) -> History:
    held = []
    for entry in awards:
        code, years = entry[0], entry[1]
        first, last = years if isinstance(years, tuple) else (years, years)
        held.append(Held(code, first, last, thematic=len(entry) > 2 and entry[2] == "thematic"))
    return History(awards=held, ratings=dict(ratings or {}), discipline=set(discipline or ()))


def unit(rating: str, year: int, people: int, **holding: int) -> History:
    members = {f"p{i}" for i in range(people)}
    holders: dict[tuple[str, int], set[str]] = {}
    start = 0
    for code, count in holding.items():
        holders[(code.replace("_", "-"), year)] = {f"p{i}" for i in range(start, start + count)}
        start += count
    return History(ratings={year: rating}, members={year: members}, holders=holders)


def years(first: int, last: int, rating: str) -> dict[int, str]:
    return {year: rating for year in range(first, last + 1)}


# (award, year, history, verdict, what the case shows)
CASES = [
    ("LDTT", 2025, person(ratings={2025: "htt"}), E, "rated well"),
    ("LDTT", 2025, person(ratings={2025: "ht"}), N, "rated only 'completed'"),
    ("LDTT", 2025, person(ratings={2025: "htxs"}, discipline={2025}), N, "open discipline case"),
    ("CSTDCS", 2025, person(ratings={2025: "htxs"}), E, "rated excellent"),
    ("CSTDCS", 2025, person(ratings={2025: "ht"}), N, "not LĐTT standard"),
    ("CSTDCS", 2025, person(ratings={2025: "htt"}), U, "an initiative may stand instead"),
    (
        "CSTD-TINH",
        2025,
        person((("CSTDCS", 2023), ("CSTDCS", 2024), ("CSTDCS", 2025))),
        E,
        "3 years",
    ),
    ("CSTD-TINH", 2025, person((("CSTDCS", 2023), ("CSTDCS", 2025))), N, "a gap year"),
    ("CSTD-TINH", 2025, person((("CSTDCS", 2024), ("CSTDCS", 2025))), N, "only 2 years"),
    (
        "CSTD-TINH",
        2025,
        person((("CSTDCS", 2023), ("CSTDCS", 2024, "thematic"), ("CSTDCS", 2025))),
        N,
        "a thematic award does not count",
    ),
    (
        "CSTD-TINH",
        2025,
        person((("CSTDCS", (2023, 2024)), ("CSTDCS", 2025))),
        E,
        "a decision's period spans two years",
    ),
    (
        "CSTD-TQ",
        2025,
        person((("CSTD-TINH", (2020, 2022)), ("CSTD-TINH", (2023, 2025)))),
        E,
        "twice in a row",
    ),
    (
        "CSTD-TQ",
        2025,
        person((("CSTD-TINH", (2017, 2019)), ("CSTD-TINH", (2023, 2025)))),
        N,
        "a gap",
    ),
    ("CSTD-TQ", 2025, person((("CSTD-TINH", (2023, 2025)),)), N, "once"),
    ("TTLDTT", 2025, unit("htt", 2025, 4, LDTT=3), E, "75% LĐTT"),
    ("TTLDTT", 2025, unit("htt", 2025, 4, LDTT=2), N, "exactly 50% is not more than half"),
    ("TTLDXS", 2025, unit("htxs", 2025, 10, LDTT=6, CSTDCS=1), E, "70% with the CSTĐCS"),
    ("TTLDXS", 2025, unit("htxs", 2025, 10, LDTT=7), N, "no CSTĐCS"),
    ("TTLDXS", 2025, unit("htxs", 2025, 10, LDTT=5, CSTDCS=1), N, "60%"),
    ("TTLDXS", 2025, History(ratings={2025: "htxs"}), U, "no list of the unit's people"),
    ("CO-TINH", 2025, person(ratings={2025: "htxs"}), E, "rated excellent"),
    ("CO-TINH", 2025, person(ratings={2025: "htt"}), N, "rated well only"),
    ("GK-CN", 2025, person(ratings={2025: "htt"}), E, "rated well"),
    ("GK-CN", 2025, person(ratings={2025: "ht"}), U, "other grounds may apply"),
    ("GK-XA-CN", 2025, person(ratings={2025: "htt"}), E, "the commune's form, same rule"),
    ("GK-TT", 2025, person(ratings={2025: "htt"}), E, "rated well"),
    ("GK-TT", 2025, person(ratings={2025: "kht"}), U, "other grounds may apply"),
    ("BK-CN", 2025, person(ratings={2024: "htxs", 2025: "htxs"}), E, "2 excellent years"),
    ("BK-CN", 2025, person(ratings={2024: "htt", 2025: "htxs"}), U, "other grounds may apply"),
    ("BK-TT", 2025, person(ratings={2024: "htxs", 2025: "htxs"}), E, "2 excellent years"),
    ("BK-TT", 2025, person(ratings={2025: "htxs"}), U, "a year missing"),
    (
        "BK-TTG-CN",
        2025,
        person(
            (("BK-CN", 2020), ("CSTDCS", 2021), ("CSTDCS", 2022), ("CSTDCS", 2024)),
            years(2021, 2025, "htt"),
        ),
        E,
        "Bằng khen, then 5 years with 3 CSTĐCS",
    ),
    (
        "BK-TTG-CN",
        2025,
        person(
            (("BK-CN", (2019, 2020)), ("CSTDCS", 2021), ("CSTDCS", 2022), ("CSTDCS", 2023)),
            years(2021, 2025, "htt"),
        ),
        E,
        "window counted from the end of the decision's period",
    ),
    (
        "BK-TTG-CN",
        2025,
        person(
            (("BK-CN", (2020, 2021)), ("CSTDCS", 2022), ("CSTDCS", 2023), ("CSTDCS", 2024)),
            years(2021, 2025, "htt"),
        ),
        N,
        "the decision's period ends in 2021: 5 years not yet run",
    ),
    (
        "BK-TTG-CN",
        2025,
        person(
            (("BK-CN", 2020, "thematic"), ("CSTDCS", 2021), ("CSTDCS", 2022), ("CSTDCS", 2023)),
            years(2021, 2025, "htt"),
        ),
        N,
        "a thematic Bằng khen does not count",
    ),
    (
        "BK-TTG-CN",
        2025,
        person(
            (("BK-CN", 2020), ("CSTDCS", 2021), ("CSTDCS", 2022), ("CSTDCS", 2024)),
            {**years(2021, 2025, "htt"), 2023: "ht"},
        ),
        N,
        "a year rated only 'completed'",
    ),
    ("BK-TTG-TT", 2025, person((("BK-TT", 2020),), years(2021, 2025, "htt")), E, "5 years"),
    (
        "BK-TTG-TT",
        2025,
        person((("BK-TT", 2020),), {**years(2021, 2025, "htt"), 2022: "ht"}),
        N,
        "a bad year",
    ),
    (
        "HCLD3-CN",
        2025,
        person((("BK-TTG-CN", 2020),), years(2021, 2025, "htxs")),
        E,
        "5 excellent years",
    ),
    (
        "HCLD3-CN",
        2025,
        person((("BK-TTG-CN", 2020),), {**years(2021, 2025, "htxs"), 2023: "htt"}),
        N,
        "one year only well",
    ),
    (
        "HCLD3-CN",
        2025,
        person((("BK-TTG-CN", 2020),), {2021: "htxs", 2022: "htxs"}),
        U,
        "ratings missing",
    ),
    (
        "HCLD3-TT",
        2025,
        person((("BK-TTG-TT", 2020),), years(2021, 2025, "htxs")),
        E,
        "5 excellent years",
    ),
    ("HCLD3-TT", 2025, person((), years(2021, 2025, "htxs")), N, "no Prime Minister's Bằng khen"),
]


@pytest.mark.parametrize(
    ("award", "year", "history", "verdict", "shows"), CASES, ids=[f"{c[0]}-{c[4]}" for c in CASES]
)
def test_rule_from_the_rule_file(
    award: str, year: int, history: History, verdict: Verdict, shows: str
) -> None:
    assessment = evaluate(load_rules(), award, history, year, on=ON)
    assert assessment.verdict is verdict, [r.kind + ":" + r.outcome for r in assessment.reasons]
    # Every reason names its article; every line is worded in both languages.
    assert all(reason.article for reason in assessment.reasons if reason.kind != "no-rule")
    for language in ("vi", "en"):
        with use_language(language):
            lines = assessment_lines(assessment, load_rules())
        assert len(lines) == len(assessment.reasons) + 1


def test_every_rule_in_the_file_has_an_eligible_and_an_ineligible_case() -> None:
    data = tomllib.loads(resources.files("bot.rules").joinpath("national.toml").read_text())
    awards = {rule["award"] for rule in data["rule"]}
    assert {
        "LDTT",
        "CSTDCS",
        "CSTD-TINH",
        "CSTD-TQ",
        "TTLDTT",
        "TTLDXS",
        "GK-CN",
        "BK-CN",
    } <= awards
    assert {"BK-TTG-CN", "HCLD3-CN", "CO-TINH"} <= awards
    for award in awards:
        verdicts = {case[3] for case in CASES if case[0] == award}
        assert Verdict.ELIGIBLE in verdicts, award
        assert verdicts - {Verdict.ELIGIBLE}, award


@pytest.mark.parametrize("award", sorted(load_rules().rules))
def test_missing_history_is_unknown_never_eligible(award: str) -> None:
    assessment = evaluate(load_rules(), award, History(), 2025, on=ON)
    assert assessment.verdict is not Verdict.ELIGIBLE
    assert assessment.reasons[0].kind == "no-history"


def test_the_gap_year_is_named_with_the_article() -> None:
    history = person((("CSTDCS", 2023), ("CSTDCS", 2024)))
    assessment = evaluate(load_rules(), "CSTD-TINH", history, 2025, on=ON)
    with use_language("vi"):
        lines = assessment_lines(assessment, load_rules())
    assert lines[0] == "chưa đủ điều kiện"
    assert lines[1] == (
        "Chiến sĩ thi đua cấp tỉnh cần 3 năm liên tục đạt Chiến sĩ thi đua cơ sở (Điều 22 Luật "
        "Thi đua, khen thưởng 2022); hồ sơ có 2023, 2024 — chưa có 2025."
    )


def test_a_thematic_award_is_named_as_not_counted() -> None:
    history = person((("CSTDCS", 2023), ("CSTDCS", 2024, "thematic"), ("CSTDCS", 2025)))
    assessment = evaluate(load_rules(), "CSTD-TINH", history, 2025, on=ON)
    with use_language("en"):
        lines = assessment_lines(assessment, load_rules())
    assert any(
        line.startswith("Thematic or one-off awards (2024) do not count toward higher awards")
        and "152/2025" in line
        for line in lines
    )


def test_a_rule_not_yet_in_force_is_not_applied() -> None:
    assessment = evaluate(
        load_rules(), "LDTT", person(ratings={2023: "htt"}), 2023, on=date(2023, 12, 31)
    )
    assert assessment.verdict is Verdict.UNKNOWN
    assert assessment.reasons[0].kind == "no-rule"


def test_a_province_file_replaces_a_rule_and_adds_one(tmp_path: object) -> None:
    national = resources.files("bot.rules").joinpath("national.toml").read_bytes()
    province = """
[names]
CSTDCS = { vi = "Chiến sĩ thi đua cơ sở", en = "Grassroots Emulation Soldier" }
KNC = { vi = "Kỷ niệm chương", en = "Commemorative Medal" }

[[rule]]
award = "CSTD-TINH"
article = "Quyết định 12/2025/QĐ-UBND tỉnh, Điều 8"
effective_from = "2025-07-01"
certain = true
checks = [{ type = "consecutive", awards = ["CSTDCS"], count = 2 }]

[[rule]]
award = "KNC"
article = "Quyết định 12/2025/QĐ-UBND tỉnh, Điều 9"
effective_from = "2025-07-01"
certain = true
checks = [{ type = "rating", min = "htt", years = 3 }]
""".encode()
    rules = parse_rules((national, "national.toml"), (province, "province.toml"))
    two_years = person((("CSTDCS", 2024), ("CSTDCS", 2025)))
    assert evaluate(rules, "CSTD-TINH", two_years, 2025, on=ON).verdict is Verdict.ELIGIBLE
    assert (
        evaluate(load_rules(), "CSTD-TINH", two_years, 2025, on=ON).verdict is Verdict.NOT_ELIGIBLE
    )
    added = evaluate(rules, "KNC", person(ratings=years(2023, 2025, "htt")), 2025, on=ON)
    assert added.verdict is Verdict.ELIGIBLE
    assert added.reasons[0].article == "Quyết định 12/2025/QĐ-UBND tỉnh, Điều 9"
    with pytest.raises(RulesError):
        parse_rules((b"[[rule]]\naward = 1\n", "bad.toml"))
    with pytest.raises(RulesError):
        parse_rules((b'[[rule]]\naward = "X"\narticle = "a"\nchecks = [{ type = "magic" }]', "x"))
