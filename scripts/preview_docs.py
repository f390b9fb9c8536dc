"""Renders the Word documents (Tờ trình and danh sách, a báo cáo thành tích of an individual and
of a collective, the biên bản of the council's vote, progress report, nomination list) of a
small example database to PDF and PNG for a person to look at: `make preview-docs`.

Needs LibreOffice (`soffice`) for the PDF and poppler's `pdftoppm` for the PNG; without them
it writes the .docx files only and says so."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.db import make_engine, make_sessionmaker  # noqa: E402
from bot.core.migrate import upgrade  # noqa: E402
from bot.services.awards import seed_catalogue  # noqa: E402
from bot.services.dossier import build_dossier  # noqa: E402
from bot.services.history_import import person_key  # noqa: E402
from bot.services.nomination_export import ExportScope  # noqa: E402
from bot.services.plan_parser import parse_plan_file  # noqa: E402
from bot.services.plans import import_plan  # noqa: E402
from bot.services.report_files import nomination_files, progress_files  # noqa: E402
from bot.services.unit_import import import_units, read_unit_rows  # noqa: E402
from models import (  # noqa: E402
    AwardForm,
    AwardRecord,
    Member,
    Nomination,
    NominationRound,
    Task,
    TaskReport,
    TaskReportNote,
    Unit,
)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 2, 5, 10, 0, tzinfo=TZ)
SETTINGS = {"authority": "UBND xã Trị An", "parent": "UBND tỉnh Đồng Nai", "place": "Trị An"}
EXAMPLES = [
    (
        "collective",
        "Trường Tiểu học Trị An",
        "",
        "GK-XA-TT",
        "Hoàn thành xuất sắc nhiệm vụ năm học 2024-2025; 100% học sinh hoàn thành "
        "chương trình lớp học.",
    ),
    (
        "collective",
        "Trạm Y tế xã Trị An",
        "",
        "GK-XA-TT",
        "Dẫn đầu phong trào thi đua chăm sóc sức khỏe ban đầu năm 2025.",
    ),
    (
        "individual",
        "Nguyễn Thị Hoa",
        "Phó Chủ tịch UBND xã",
        "GK-XA-CN",
        "Hoàn thành xuất sắc nhiệm vụ năm 2025, chỉ đạo tốt công tác chuyển đổi số.",
    ),
    (
        "individual",
        "Lê Văn Dũng",
        "Công chức Văn phòng - Thống kê",
        "GK-XA-CN",
        "Dũng cảm cứu người bị đuối nước ngày 02/5/2025.",
    ),
    (
        "individual",
        "Trần Thị Mai",
        "Chuyên viên",
        "GK-XA-CN",
        "Hoàn thành xuất sắc nhiệm vụ năm 2025.",
    ),
]


COUNCIL = [
    "Nguyễn Văn Bình",
    "Trần Thị Cúc",
    "Lê Văn Đức",
    "Phạm Thị Hằng",
    "Hoàng Văn Khánh",
    "Võ Thị Lan",
    "Đặng Văn Minh",
]
# Each member's ballot on the five candidates (a: agree, d: disagree); "w:" a written opinion
# of an absent member; None: absent without one.
BALLOTS = ["aaaaa", "aaaad", "aadad", "aaada", "adaad", "w:aaaad", None]


async def council_vote(session: AsyncSession) -> None:
    """The example round, its council of seven and their vote, closed: for the biên bản."""
    from bot.services import council_vote as vote_service

    round_ = NominationRound(title="Tổng kết năm 2025", deadline=NOW.date(), created_at=NOW)
    session.add(round_)
    await session.flush()
    for nomination in await session.scalars(select(Nomination)):
        nomination.round_id = round_.id
    officer = Member(telegram_id=1, full_name="Cán bộ TĐKT", role="officer", created_at=NOW)
    members = [
        Member(telegram_id=100 + n, full_name=name, role="council", created_at=NOW)
        for n, name in enumerate(COUNCIL)
    ]
    session.add_all([officer, *members])
    await session.commit()
    opened = await vote_service.start_vote(session, officer, date(2026, 2, 3), now=NOW)
    assert opened.vote is not None
    candidates = [c.id for c in opened.vote.candidates]
    for member, ballot in zip(members, BALLOTS, strict=True):
        if ballot is None:
            continue
        for candidate, choice in zip(candidates, ballot.removeprefix("w:"), strict=True):
            if ballot.startswith("w:"):
                await vote_service.record_written(
                    session, officer, member.id, candidate, choice == "a", now=NOW
                )
            else:
                await vote_service.cast_ballot(session, member, candidate, choice == "a", now=NOW)
    await vote_service.close_vote(
        session,
        officer,
        opened.vote.id,
        vote_service.load_council_rules(),
        now=NOW,
        today=NOW.date(),
    )


async def build(database: Path, out: Path) -> list[Path]:
    url = f"sqlite+aiosqlite:///{database}"
    await upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    try:
        async with sessions() as session:
            await import_units(session, read_unit_rows(ROOT / "examples" / "units.csv"), now=NOW)
            await import_plan(
                session, parse_plan_file(ROOT / "examples" / "ke-hoach-tdkt-2020.txt"), now=NOW
            )
            await seed_catalogue(session, "commune")
            forms = {f.code: f for f in await session.scalars(select(AwardForm))}
            unit = await session.scalar(select(Unit).limit(1))
            assert unit is not None
            for number, (target, name, position, code, summary) in enumerate(EXAMPLES, start=1):
                session.add(
                    Nomination(
                        number=number,
                        unit_id=unit.id,
                        target=target,
                        nominee_name=name,
                        position_title=position or None,
                        workplace="UBND xã Trị An" if target == "individual" else None,
                        award_form_id=forms[code].id,
                        achievement_kind="yearly",
                        summary=summary,
                        status="approved",
                        submitted_at=NOW,
                        created_at=NOW,
                        updated_at=NOW,
                    )
                )
            # Two awards in the history of the first individual, one of them without its date.
            for code, year, decision, day in (
                ("CSTDCS", 2024, "15/QĐ-UBND", date(2025, 1, 9)),
                ("GK-XA-CN", 2023, "102/QĐ-UBND", None),
            ):
                session.add(
                    AwardRecord(
                        target="individual",
                        person_name="Nguyễn Thị Hoa",
                        person_key=person_key("Nguyễn Thị Hoa"),
                        unit_id=unit.id,
                        award_form_id=forms[code].id,
                        year_from=year,
                        year_to=year,
                        decision_no=decision,
                        decision_date=day,
                        authority="Chủ tịch UBND xã Trị An",
                        created_at=NOW,
                    )
                )
            # Some units have reported tasks of quarter I done, with a note or a file.
            units = list(await session.scalars(select(Unit).order_by(Unit.id)))
            tasks = list(await session.scalars(select(Task).order_by(Task.id).limit(3)))
            for offset, (task, done_by) in enumerate(zip(tasks, (3, 2, 1), strict=True)):
                for unit in units[:done_by]:
                    report = TaskReport(
                        task_id=task.id,
                        unit_id=unit.id,
                        done=True,
                        done_at=datetime(2020, 3, 10 + offset, 9, 0, tzinfo=TZ),
                        updated_at=NOW,
                    )
                    session.add(report)
                    await session.flush()
                    session.add(
                        TaskReportNote(
                            report_id=report.id,
                            at=datetime(2020, 3, 10 + offset, 9, 5, tzinfo=TZ),
                            note="Đã ban hành kế hoạch, gửi kèm bản scan."
                            if offset == 0
                            else None,
                            file_id="preview" if offset < 2 else None,
                            file_name=f"ke-hoach-{unit.code.lower()}.pdf" if offset < 2 else None,
                        )
                    )
            await session.commit()
            await council_vote(session)
        async with sessions() as session:
            dossier = await build_dossier(
                session, now=NOW, tz=TZ, scope=ExportScope(year=NOW.year), **SETTINGS
            )
            progress = await progress_files(session, now=NOW, tz=TZ, language="vi", **SETTINGS)
            listing = await nomination_files(
                session,
                now=NOW,
                tz=TZ,
                language="vi",
                scope=ExportScope(year=NOW.year),
                **SETTINGS,
            )
    finally:
        await engine.dispose()
    files = {
        "to-trinh-va-danh-sach.docx": dossier.combined,
        # The first collective's and the first individual's báo cáo thành tích.
        "bao-cao-thanh-tich-tap-the.docx": dossier.reports[0][1],
        "bao-cao-thanh-tich-ca-nhan.docx": next(
            data for name, data in dossier.reports if "nguyen-thi-hoa" in name
        ),
        "bien-ban-hop-hoi-dong.docx": dossier.minutes,
        "bao-cao-tien-do.docx": progress.by_suffix(".docx"),
        "danh-sach-de-nghi.docx": listing.by_suffix(".docx"),
    }
    written = []
    for name, data in files.items():
        assert data is not None
        path = out / name
        path.write_bytes(data)
        written.append(path)
    return written


def render(paths: list[Path], out: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        print("LibreOffice (soffice) is not installed: wrote the .docx files only.")
        return
    for path in paths:
        subprocess.run(
            [soffice, "--headless", "--convert-to", "pdf", "--outdir", str(out), str(path)],
            check=True,
            capture_output=True,
            timeout=300,
        )
        pdf = path.with_suffix(".pdf")
        if shutil.which("pdftoppm"):
            subprocess.run(
                ["pdftoppm", "-png", "-r", "80", str(pdf), str(pdf.with_suffix(""))], check=True
            )
        print(f"{pdf}")


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "build" / "preview-docs")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        paths = asyncio.run(build(Path(folder) / "preview.sqlite3", out))
    render(paths, out)
    for path in sorted(out.glob("*.png")):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
