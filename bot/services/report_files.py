"""The report files an export produces (both formats), shared by /export and the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import _, format_date, use_language
from bot.services.exports import (
    nominations_docx,
    nominations_xlsx,
    progress_docx,
    progress_xlsx,
)
from bot.services.nomination_export import nomination_export
from bot.services.progress import plan_progress, progress_matrix


@dataclass
class ReportFiles:
    documents: list[tuple[str, bytes]]  # (file name, content): .xlsx first, then .docx
    caption: str
    count: int

    def by_suffix(self, suffix: str) -> bytes | None:
        return next((data for name, data in self.documents if name.endswith(suffix)), None)


async def nomination_files(
    session: AsyncSession, *, now: datetime, tz: ZoneInfo, language: str, authority: str
) -> ReportFiles:
    data = await nomination_export(session, now=now, tz=tz, language=language, authority=authority)
    with use_language(language):
        return ReportFiles(
            [
                (f"{data.file_stem}.xlsx", nominations_xlsx(data.rows, data.heading)),
                (f"{data.file_stem}.docx", nominations_docx(data.rows, data.heading)),
            ],
            _("Nominations: {count}").format(count=len(data.rows)),
            len(data.rows),
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
