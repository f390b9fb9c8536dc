"""What a verdict on eligibility says, in plain words: one line for the verdict, one per reason,
each naming its article. Plain text (the caller escapes it for HTML)."""

from __future__ import annotations

import html

from bot.core.i18n import _, current_language
from bot.services.eligibility import Assessment, Outcome, Reason, RuleSet, Verdict


def verdict_word(verdict: Verdict) -> str:
    """The verdict as CONTRACT.md pins it for the command line (the English catalogue gives
    "eligible", "not eligible", "unknown"; "unknown" alone is taken by other texts)."""
    return {
        Verdict.ELIGIBLE: _("verdict: eligible"),
        Verdict.NOT_ELIGIBLE: _("verdict: not eligible"),
        Verdict.UNKNOWN: _("verdict: unknown"),
    }[verdict]


def rating_label(rating: str) -> str:
    return {
        "htxs": _("completed tasks excellently"),
        "htt": _("completed tasks well"),
        "ht": _("completed tasks"),
        "kht": _("did not complete tasks"),
    }.get(rating, rating)


def _years(years: list[int]) -> str:
    return ", ".join(str(year) for year in years) if years else _("none")


def _period(period: tuple[int, int]) -> str:
    first, last = period
    return str(first) if first == last else f"{first}-{last}"


def reason_line(
    reason: Reason, rules: RuleSet, award: str, year: int, *, brief: bool = False
) -> str:
    language = current_language()
    p = reason.params
    name = rules.name(award, language)

    def called(code: str) -> str:
        return rules.name(code, language)

    values = {"article": reason.article, "award": name, "year": year}
    kind = reason.kind
    if kind == "rating":
        values.update(min=rating_label(p["min"]), years=_years(p["window"]))
        if p["below"] and p["alternative"]:
            return _(
                "Not rated “{min}” in {years}: an initiative recognised by the unit can stand "
                "instead, and the history does not record initiatives ({article})."
            ).format(**values)
        if p["below"]:
            found = "; ".join(f"{y}: {rating_label(r)}" for y, r in sorted(p["found"].items()))
            return _(
                "Needs “{min}” or better in {years} ({article}); the history has {found}."
            ).format(found=found, **values)
        if p["missing"]:
            return _(
                "Needs “{min}” or better in {years} ({article}); the history has no rating for "
                "{missing}."
            ).format(missing=_years(p["missing"]), **values)
        return _("Rated “{min}” or better in {years} ({article}).").format(**values)
    if kind == "consecutive":
        values.update(count=p["count"], prior=called(p["award"]), found=_years(p["found"]))
        if p["missing"]:
            return _(
                "{award} needs {count} consecutive years of {prior} ({article}); the history "
                "has {found} — {missing} missing."
            ).format(missing=_years(p["missing"]), **values)
        return _("{count} consecutive years of {prior}: {found} ({article}).").format(**values)
    if kind == "times":
        found = ", ".join(_period(period) for period in p["found"]) or _("none")
        values.update(count=p["count"], prior=called(p["award"]), found=found)
        if reason.outcome is Outcome.MET:
            return _("{prior} {count} times in a row: {found} ({article}).").format(**values)
        return _(
            "{award} needs {prior} {count} times in a row, the last in {year} or the year "
            "before ({article}); the history has {found}."
        ).format(**values)
    if kind == "prior":
        window = p["window"]
        values.update(
            prior=called(p["award"]),
            count=p["years"],
            min=rating_label(p["min"]),
            first=window[0],
            last=window[-1],
        )
        if p["prior"] is None:
            return _(
                "{award} needs a {prior} first, then {count} consecutive years rated “{min}” or "
                "better ({article}); the history has no {prior}."
            ).format(**values)
        values["period"] = _period(p["prior"])
        if "below" not in p:
            return _(
                "{award} needs {count} consecutive years rated “{min}” or better after the "
                "{prior} ({article}); the {prior} of {period} leaves fewer than {count} years up "
                "to {year}."
            ).format(**values)
        lines = []
        if p["below"]:
            lines.append(
                _(
                    "{award} needs {first}–{last} rated “{min}” or better after the {prior} of "
                    "{period} ({article}); {below} fall short."
                ).format(below=_years(p["below"]), **values)
            )
        elif p["missing"]:
            lines.append(
                _(
                    "{award} needs {first}–{last} rated “{min}” or better after the {prior} of "
                    "{period} ({article}); the history has no rating for {missing}."
                ).format(missing=_years(p["missing"]), **values)
            )
        else:
            lines.append(
                _(
                    "{prior} of {period}, then {first}–{last} rated “{min}” or better ({article})."
                ).format(**values)
            )
        if "within" in p:
            lines.append(
                _(
                    "Within {first}–{last}: {within_count} years of {within} needed "
                    "({article}); the history has {found}."
                ).format(
                    within_count=p["within_count"],
                    within=called(p["within"]),
                    found=_years(p["within_found"]),
                    **values,
                )
            )
        return " ".join(lines)
    if kind == "share":
        share = f"{round(p['min_share'] * 100)}%"
        values.update(holder=called(p["award"]), share=share)
        needed = (
            _("more than {share}").format(share=share)
            if p["above"]
            else _("at least {share}").format(share=share)
        )
        if "members" not in p:
            return _(
                "{needed} of the unit's people must be {holder} ({article}); the history has no "
                "ratings of the unit's people for {year}, so the share cannot be counted."
            ).format(needed=needed, **values)
        return _(
            "{holding} of the unit's {members} people rated for {year} are {holder} or proposed "
            "for it in this round; {needed} needed ({article})."
        ).format(holding=p["holding"], members=p["members"], needed=needed, **values)
    if kind == "holders":
        return _(
            "At least {count} of the unit's people must be {holder} in {year} ({article}); the "
            "history and this round's filings have {holding}."
        ).format(count=p["count"], holding=p["holding"], holder=called(p["award"]), **values)
    if kind == "thematic":
        periods = ", ".join(_period(period) for period in p["periods"])
        return _(
            "Thematic or one-off awards ({periods}) do not count toward higher awards ({article})."
        ).format(periods=periods, **values)
    if kind == "discipline":
        return _(
            "A disciplinary case is open for {year}: no commendation while it is considered "
            "({article})."
        ).format(**values)
    if kind == "not-checked":
        return _("For the council to judge (not checked): {text} ({article}).").format(
            text=p["text"], **values
        )
    if kind == "uncertain" and brief:
        return _("The source of this rule is not yet confirmed against the official text.")
    if kind == "uncertain":
        return _(
            "This rule could not be checked against the official text; confirm it before "
            "relying on it. Source: {source}"
        ).format(source=p["source"])
    if kind == "no-history":
        return _(
            "The history holds no award or rating for this candidate, so the standard cannot be "
            "checked ({article})."
        ).format(**values)
    return _("There is no rule in force for {award}: it cannot be checked.").format(
        award=rules.name(p.get("award", award), language)
    )


def assessment_lines(assessment: Assessment, rules: RuleSet) -> list[str]:
    """The verdict, then one line per reason."""
    return [verdict_word(assessment.verdict)] + [
        reason_line(reason, rules, assessment.award, assessment.year)
        for reason in assessment.reasons
    ]


def verdict_block(assessment: Assessment, rules: RuleSet, *, for_head: bool = False) -> str:
    """The verdict for a chat (HTML): a heading, one bullet per reason, and for a unit head
    the reminder that it only warns."""
    heading = _("<b>Standard of the award, from the history ({year}): {verdict}</b>").format(
        year=assessment.year, verdict=html.escape(verdict_word(assessment.verdict))
    )
    lines = [heading] + [
        "• " + html.escape(reason_line(r, rules, assessment.award, assessment.year, brief=True))
        for r in assessment.reasons
    ]
    if for_head and assessment.verdict is not Verdict.ELIGIBLE:
        lines.append(
            _("This is a warning only: you can still file the nomination; the council decides.")
        )
    return "\n".join(lines)


def verdict_cell(assessment: Assessment | None, rules: RuleSet) -> str:
    """The verdict for a cell of the nomination list: the verdict, then the reasons that are
    not met or cannot be checked."""
    if assessment is None:
        return ""
    lines = [verdict_word(assessment.verdict)] + [
        reason_line(r, rules, assessment.award, assessment.year, brief=True)
        for r in assessment.reasons
        if r.outcome in (Outcome.NOT_MET, Outcome.UNKNOWN) or r.kind == "thematic"
    ]
    return "\n".join(lines)


def rules_error_text(error: object) -> str:
    """A province's rule file that cannot be read, for the officer (chat and command line)."""
    from bot.services.eligibility import RulesError

    assert isinstance(error, RulesError)
    return _("The rule file {path} cannot be used: {detail}").format(
        path=error.path, detail=error.detail
    )
