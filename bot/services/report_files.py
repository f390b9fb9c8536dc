"""The report files an export produces (both formats), shared by /export and the CLI."""

from __future__ import annotations

import asyncio
import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.i18n import _, format_date, ngettext, use_language
from bot.services.exports import (
    nominations_docx,
    nominations_xlsx,
    progress_docx,
    progress_xlsx,
)
from bot.services.nomination_export import ExportScope, nomination_export
from bot.services.progress import plan_progress, progress_matrix


async def _render(build: Callable[..., bytes], *args: object, **kwargs: object) -> bytes:
    """Builds a workbook or a Word file in a worker thread: a year's list or 10,000 audit rows
    would otherwise hold up every reply. The thread runs in a copy of this context, so the
    language set with `use_language` holds there too."""
    return await asyncio.to_thread(build, *args, **kwargs)


@dataclass
class ReportFiles:
    documents: list[tuple[str, bytes]]  # (file name, content): .xlsx first, then .docx
    caption: str
    count: int
    # What the files leave out that the reader should know of (e.g. filings outside a round).
    note: str = ""
    # What the files hold (a round, a year), as their title says it; plain text.
    scope: str = ""

    def by_suffix(self, suffix: str) -> bytes | None:
        return next((data for name, data in self.documents if name.endswith(suffix)), None)


async def nomination_files(
    session: AsyncSession,
    *,
    now: datetime,
    tz: ZoneInfo,
    language: str,
    authority: str,
    scope: ExportScope | None = None,
    rules_file: str | None = None,
    parent: str = "",
    place: str = "",
) -> ReportFiles:
    """The nomination list of `scope` (raises UnknownRound for a round that does not exist);
    the Word file in Vietnamese whatever `language`."""
    data = await nomination_export(
        session,
        now=now,
        tz=tz,
        language=language,
        authority=authority,
        scope=scope,
        rules_file=rules_file,
        parent=parent,
        place=place,
    )
    with use_language(language):
        note = (
            ngettext(
                "{count} more nomination filed in {year} is outside this round and not in "
                "this list; the year's list holds it.",
                "{count} more nominations filed in {year} are outside this round and not in "
                "this list; the year's list holds them.",
                data.outside,
            ).format(count=data.outside, year=data.year)
            if data.outside
            else ""
        )
        caption = _("Nominations: {count}").format(count=len(data.rows))
        # Captions are HTML: the round's title is the officer's text.
        caption += "\n" + html.escape(data.heading.subtitle)
        return ReportFiles(
            [
                (
                    f"{data.file_stem}.xlsx",
                    await _render(nominations_xlsx, data.rows, data.heading),
                ),
                (
                    f"{data.file_stem}.docx",
                    await _render(nominations_docx, data.word_rows, data.word_heading),
                ),
            ],
            caption + ("\n" + note if note else ""),
            len(data.rows),
            note,
            data.heading.subtitle,
        )


async def progress_files(
    session: AsyncSession,
    *,
    now: datetime,
    tz: ZoneInfo,
    language: str,
    authority: str,
    parent: str = "",
    place: str = "",
) -> ReportFiles:
    today = now.astimezone(tz).date()
    matrix = await progress_matrix(session, today, tz)
    report = await plan_progress(session, today, None, tz)
    stem = f"tien-do-ke-hoach-tdkt-{today.isoformat()}"
    with use_language("vi"):  # an administrative document: in Vietnamese
        from bot.services.progress_document import progress_chart

        chart = await asyncio.to_thread(progress_chart, report, authority)
        docx = await _render(
            progress_docx, matrix, report, authority, tz, parent=parent, place=place, chart=chart
        )
    with use_language(language):
        return ReportFiles(
            [
                (f"{stem}.xlsx", await _render(progress_xlsx, matrix, authority.upper(), tz)),
                (f"{stem}.docx", docx),
            ],
            _("Progress as of {date}").format(date=format_date(today)),
            len(matrix.quarters),
        )


AUDIT_ROWS = 10_000


async def audit_files(
    session: AsyncSession,
    *,
    now: datetime,
    tz: ZoneInfo,
    language: str,
    authority: str,
    parent: str = "",
    place: str = "",
) -> ReportFiles:
    """The latest audit entries (newest first) as a workbook, in the reader's words."""
    from sqlalchemy import select

    from bot.services.audit_labels import (
        action_label,
        actor_telegram_id,
        readable_details,
        record_label,
    )
    from bot.services.exports import AuditRow, audit_xlsx
    from models import AuditLog, Member, Unit

    entries = (
        await session.execute(
            select(AuditLog, Member.full_name)
            .outerjoin(Member, Member.id == AuditLog.member_id)
            .order_by(AuditLog.id.desc())
            .limit(AUDIT_ROWS)
        )
    ).all()
    units = {
        unit_id: f"{code} {name}"
        for unit_id, code, name in (await session.execute(select(Unit.id, Unit.code, Unit.name)))
    }
    stem = f"nhat-ky-{now.astimezone(tz).date().isoformat()}"
    with use_language(language):
        rows = []
        for entry, name in entries:
            telegram_id = actor_telegram_id(entry.actor)
            if telegram_id is None and entry.actor == "cli":
                who = _("command line")
            else:
                who = name or (entry.actor if telegram_id is None else "")
            rows.append(
                AuditRow(
                    at=entry.at.astimezone(tz).replace(tzinfo=None),
                    who=who,
                    telegram_id=telegram_id,
                    action=action_label(entry.action),
                    record=record_label(entry.entity),
                    record_id=entry.entity_id,
                    details=readable_details(entry.details, tz, units),
                )
            )
        return ReportFiles(
            [(f"{stem}.xlsx", await _render(audit_xlsx, rows))],
            _("Audit log: {count} entries").format(count=len(rows)),
            len(rows),
        )


async def suggestion_files(
    session: AsyncSession,
    *,
    now: datetime,
    tz: ZoneInfo,
    language: str,
    authority: str,
    rules_file: str | None = None,
) -> ReportFiles:
    """Across all units, who meets the standard of a higher title this year from the history
    (the unit heads get their own unit's part when a round opens), as a workbook."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font
    from sqlalchemy import select

    from bot.services.eligibility import achievement_year, load_rules
    from bot.services.exports import put_row
    from bot.services.suggestions import find_suggestions
    from models import Unit

    today = now.astimezone(tz).date()
    year = achievement_year(today)
    rules = load_rules(rules_file)
    found = await find_suggestions(session, rules, year=year, on=today)
    units = {u.id: u for u in await session.scalars(select(Unit))}
    with use_language(language):
        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.title = _("Suggestions")[:31]
        put_row(sheet, 1, [authority.upper()])[0].font = Font(bold=True)
        title = _("Who meets the standard of a higher title in {year}, from the history")
        put_row(sheet, 2, [title.format(year=year)])[0].font = Font(bold=True)
        headers = [_("Unit"), _("Nominee"), _("Position"), _("Award form"), _("Article")]
        for cell in put_row(sheet, 4, headers):
            cell.font = Font(bold=True)
        for number, s in enumerate(found, start=5):
            unit = units.get(s.unit_id)
            put_row(
                sheet,
                number,
                [
                    f"{unit.code} {unit.name}" if unit else "",
                    s.person_name or _("the unit"),
                    s.position or "",
                    rules.name(s.award_code, language),
                    s.article,
                ],
            )
        for column, width in zip("ABCDE", (30, 28, 24, 36, 50), strict=True):
            sheet.column_dimensions[column].width = width
        buffer = io.BytesIO()
        workbook.save(buffer)
        return ReportFiles(
            [(f"goi-y-khen-thuong-{year}-{today.isoformat()}.xlsx", buffer.getvalue())],
            _("Suggestions for higher titles in {year}: {count}").format(
                year=year, count=len(found)
            ),
            len(found),
        )
