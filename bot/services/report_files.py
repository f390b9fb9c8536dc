"""The report files an export produces (both formats), shared by /export and the CLI."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import _, format_date, ngettext, use_language
from bot.services.exports import (
    nominations_docx,
    nominations_xlsx,
    progress_docx,
    progress_xlsx,
)
from bot.services.nomination_export import ExportScope, nomination_export
from bot.services.progress import plan_progress, progress_matrix


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
) -> ReportFiles:
    """The nomination list of `scope` (raises UnknownRound for a round that does not exist)."""
    data = await nomination_export(
        session, now=now, tz=tz, language=language, authority=authority, scope=scope
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
                (f"{data.file_stem}.xlsx", nominations_xlsx(data.rows, data.heading)),
                (f"{data.file_stem}.docx", nominations_docx(data.rows, data.heading)),
            ],
            caption + ("\n" + note if note else ""),
            len(data.rows),
            note,
            data.heading.subtitle,
        )


async def progress_files(
    session: AsyncSession, *, now: datetime, tz: ZoneInfo, language: str, authority: str
) -> ReportFiles:
    today = now.astimezone(tz).date()
    matrix = await progress_matrix(session, today, tz)
    report = await plan_progress(session, today, None, tz)
    stem = f"tien-do-ke-hoach-tdkt-{today.isoformat()}"
    with use_language(language):
        return ReportFiles(
            [
                (f"{stem}.xlsx", progress_xlsx(matrix, authority.upper())),
                (f"{stem}.docx", progress_docx(matrix, report, authority)),
            ],
            _("Progress as of {date}").format(date=format_date(today)),
            len(matrix.quarters),
        )


AUDIT_ROWS = 10_000


async def audit_files(
    session: AsyncSession, *, now: datetime, tz: ZoneInfo, language: str, authority: str
) -> ReportFiles:
    """The latest audit entries (newest first) as a workbook."""
    import json

    from sqlalchemy import select

    from bot.services.exports import audit_xlsx
    from models import AuditLog, Member

    entries = await session.execute(
        select(AuditLog, Member.full_name)
        .outerjoin(Member, Member.id == AuditLog.member_id)
        .order_by(AuditLog.id.desc())
        .limit(AUDIT_ROWS)
    )
    rows = [
        (
            entry.at.astimezone(tz).strftime("%d/%m/%Y %H:%M:%S"),
            entry.actor,
            name or "",
            entry.action,
            entry.entity,
            "" if entry.entity_id is None else str(entry.entity_id),
            json.dumps(entry.details, ensure_ascii=False) if entry.details else "",
        )
        for entry, name in entries.all()
    ]
    stem = f"nhat-ky-{now.astimezone(tz).date().isoformat()}"
    with use_language(language):
        return ReportFiles(
            [(f"{stem}.xlsx", audit_xlsx(rows))],
            _("Audit log: {count} entries").format(count=len(rows)),
            len(rows),
        )
