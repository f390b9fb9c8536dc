"""The council's vote without a bot: the rule set's thresholds and quorum, and the count over
all members."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from bot.services.council_vote import (
    Attendance,
    CouncilRulesError,
    Share,
    attendance_of,
    load_council_rules,
    parse_council_rules,
    parse_share,
    tally,
)

ON = date(2026, 1, 20)


def test_the_national_thresholds_and_quorum() -> None:
    rules = load_council_rules()
    assert rules.threshold_for("CSTD-TQ", ON).needed_text == "≥ 90%"
    assert rules.threshold_for("co-cp", ON).needed_text == "≥ 80%"
    assert rules.threshold_for("CSTDCS", ON).needed_text == "> 50%"
    assert rules.threshold_for(None, ON).needed_text == "> 50%"
    # Not in force before Nghị định 152/2025: the default.
    assert rules.threshold_for("CSTD-TQ", date(2025, 6, 30)).needed_text == "> 50%"
    assert rules.quorum.needed_text == "≥ 2/3"
    assert not rules.threshold_for("CSTD-TQ", ON).certain  # the decree's text was not checked
    assert "Điều 33" in rules.threshold_for("CSTD-TQ", ON).article


def test_the_share_is_of_all_members_and_needs_a_quorum() -> None:
    ninety = Share(Fraction(9, 10))
    # 9 of 9 votes cast agree, but the council has 10 members: 90% exactly passes.
    assert tally([True] * 9, 10, ninety, True).passed
    # 8 agree of 8 voting in a council of 10: 80%, under 90%.
    result = tally([True] * 8, 10, ninety, True)
    assert (result.agree, result.disagree, result.not_voted, result.passed) == (8, 0, 2, False)
    majority = Share(Fraction(1, 2), above=True)
    assert not tally([True, True, False, False], 4, majority, True).passed  # 50% is not > 50%
    assert tally([True, True, True, False], 4, majority, True).passed
    # Without a quorum nothing passes, however many agree.
    assert not tally([True] * 4, 4, majority, False).passed
    quorum = Share(Fraction(2, 3))
    assert quorum.met(4, 6) and not quorum.met(3, 6) and not quorum.met(0, 0)


def test_attendance() -> None:
    assert attendance_of({1}, {2}, 1) is Attendance.PRESENT
    assert attendance_of({1}, {2}, 2) is Attendance.WRITTEN
    assert attendance_of({1}, {2}, 3) is Attendance.ABSENT


def test_a_province_file_overrides() -> None:
    national = load_council_rules()
    assert national.quorum.value == Fraction(2, 3)
    province = b"""
[council]
quorum = "3/4"
default = "60%"

[[council.threshold]]
awards = ["CSTD-TINH"]
share = "90%"
"""
    from importlib import resources

    text = resources.files("bot.rules").joinpath("national.toml").read_bytes()
    rules = parse_council_rules((text, "national.toml"), (province, "tinh.toml"))
    assert rules.quorum.needed_text == "≥ 75%"
    assert rules.default.needed_text == "≥ 60%"
    assert rules.threshold_for("CSTD-TINH", ON).needed_text == "≥ 90%"
    assert rules.threshold_for("CSTD-TQ", ON).needed_text == "≥ 90%"  # the national one kept


@pytest.mark.parametrize("text", ["abc", "120%", "3/0", "-1"])
def test_bad_shares_are_refused(text: str) -> None:
    with pytest.raises(CouncilRulesError):
        parse_share(text, "tinh.toml")
