"""The authorization matrix: every command and every button the bot registers, used by an
officer, a unit head, a deactivated member and a stranger; only the allowed cells act, the
others get a polite refusal and change nothing. Also buttons of another unit, replayed one-shot
buttons, forged callback data and forged or replayed invite codes.

One bot and one seeded database serve the whole module (seeding for each of some 260 cells
would take minutes); every cell compares a digest of the database before and after, and the
entities that allowed cells consume are set aside for them, so cells do not depend on order.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler

from bot.core.clock import FrozenClock
from bot.core.i18n import _, use_language
from bot.services import broadcasts as broadcast_service
from bot.services import nominations as nomination_service
from bot.services.members import deactivate_member, find_member
from bot.services.plans import set_task_audience
from bot.services.tasks import report_done
from bot.texts.start import about_text
from handlers.common import deactivated_text, not_registered_text
from models import (
    AchievementKind,
    Audience,
    AwardForm,
    AwardRecord,
    Base,
    Broadcast,
    Member,
    Nomination,
    NominationStatus,
    Role,
    Target,
    Task,
    TaskReportNote,
    Unit,
)
from tests.auxil import databases
from tests.auxil.fake_bot_api import BOT_USERNAME, FakeBotApi
from tests.auxil.harness import BotHarness, Reply, TelegramUser, button_data, settings_for
from tests.auxil.telegram_html import html_to_text
from tests.conftest import invite_code, local, seed_directory_and_plan

pytestmark = pytest.mark.asyncio(loop_scope="module")

OFFICER, HEAD, DEACTIVATED, STRANGER = "officer", "head", "deactivated", "stranger"
ROLES = (OFFICER, HEAD, DEACTIVATED, STRANGER)
OFFICER_ID = 990001
HEAD_A_ID, HEAD_B_ID, DEACTIVATED_ID, STRANGER_ID = 990101, 990102, 990103, 990199
UNIT_A, UNIT_B, UNIT_D = "TT-VA", "X-TA", "PGD"

# What each kind of row admits; the refusal the others get (keys of `REFUSALS`).
PUBLIC, MEMBER, OFFICER_ONLY, UNIT_ONLY = "public", "member", "officer-only", "unit-only"
ALLOWED = {
    PUBLIC: {OFFICER, HEAD},
    MEMBER: {OFFICER, HEAD},
    OFFICER_ONLY: {OFFICER},
    UNIT_ONLY: {HEAD},
}


def _vi(msgid: str, **values: object) -> str:
    with use_language("vi"):
        return _(msgid).format(**values)


with use_language("vi"):
    REFUSALS = {
        "not_registered": not_registered_text(),
        "deactivated": deactivated_text(),
        "officer_only": _("Sorry, this command is only for TĐKT officers."),
        "unit_only": _("This command is for unit heads; your account is not attached to a unit."),
        "invalid": _("This button is no longer valid."),
        "about_deactivated": html_to_text(about_text(DEACTIVATED_ID)),
        "about_stranger": html_to_text(about_text(STRANGER_ID)),
        "nothing_to_cancel": _("There is nothing to cancel."),
        "council_only": _(
            "Sorry, this is only for the members of the Emulation and Commendation Council."
        ),
        "vote_only": _("Sorry, this command is only for TĐKT officers and council members."),
    }
    APOLOGIES = (
        _("Sorry, something went wrong on our side. Please try again in a moment."),
        _("The system is busy right now and nothing was saved. Please try again in a moment."),
    )
ROLE_REFUSALS = (
    "not_registered",
    "deactivated",
    "officer_only",
    "unit_only",
    "invalid",
    "council_only",
    "vote_only",
)


@dataclass(frozen=True)
class Row:
    """One command or callback prefix. Texts are templates over `World.ids`; a step or data
    starting with "@" is the first button with that prefix on the bot's last message."""

    name: str
    kind: str  # "command" | "callback"
    category: str
    act: str  # what an allowed role sends or presses
    probe: str = ""  # what the other roles try (something that would change data); else act
    prepare: tuple[str, ...] | dict[str, tuple[str, ...]] = ("/start",)
    pending: dict[str, Any] | None = None  # stored as the actor's pending input first
    refusals: dict[str, str] = field(default_factory=dict)  # role -> key of REFUSALS
    allowed: frozenset[str] | None = None  # overrides ALLOWED[category]

    def allows(self, role: str) -> bool:
        return role in (self.allowed if self.allowed is not None else ALLOWED[self.category])

    def refusal_for(self, role: str) -> str:
        if role in self.refusals:
            return self.refusals[role]
        return {
            STRANGER: "not_registered",
            DEACTIVATED: "deactivated",
            HEAD: "officer_only",
            OFFICER: "unit_only",
        }[role]

    def steps_for(self, role: str) -> tuple[str, ...]:
        if isinstance(self.prepare, dict):
            return self.prepare.get(role, ("/start",))
        return self.prepare


COMMANDS = [
    Row(
        "start",
        "command",
        PUBLIC,
        "/start",
        refusals={DEACTIVATED: "about_deactivated", STRANGER: "about_stranger"},
    ),
    Row("help", "command", MEMBER, "/help"),
    Row("lang", "command", MEMBER, "/lang", probe="/lang en"),
    Row(
        "cancel",
        "command",
        PUBLIC,
        "/cancel",
        prepare={OFFICER: ("/plan",), HEAD: ("/nominate",)},
        refusals={DEACTIVATED: "nothing_to_cancel", STRANGER: "nothing_to_cancel"},
    ),
    Row("units", "command", OFFICER_ONLY, "/units"),
    Row("invite", "command", OFFICER_ONLY, "/invite PNV", probe="/invite TT-VA officer"),
    Row(
        "deactivate",
        "command",
        OFFICER_ONLY,
        "/deactivate {deactivated_tid}",
        probe="/deactivate {head_b_tid}",
    ),
    Row("deadline", "command", OFFICER_ONLY, "/deadline", probe="/deadline {task_spare} 1/9/2020"),
    Row("progress", "command", OFFICER_ONLY, "/progress 2", probe="/progress"),
    Row("review", "command", OFFICER_ONLY, "/review"),
    Row("awards", "command", OFFICER_ONLY, "/awards", probe="/awards off {award_code}"),
    Row("decision", "command", OFFICER_ONLY, "/decision", probe="/decision all 9/QĐ 15/01/2021"),
    Row("round", "command", OFFICER_ONLY, "/round", probe="/round open 30/06/2020 Đợt giả mạo"),
    Row("export", "command", OFFICER_ONLY, "/export", probe="/export audit"),
    Row("broadcast", "command", OFFICER_ONLY, "/broadcast"),
    Row("broadcasts", "command", OFFICER_ONLY, "/broadcasts"),
    Row("plan", "command", OFFICER_ONLY, "/plan", probe="/plan add 2 Nhiệm vụ giả mạo"),
    Row("tasks", "command", UNIT_ONLY, "/tasks"),
    Row("done", "command", UNIT_ONLY, "/done", probe="/done {task_probe} Đã xong"),
    Row("nominate", "command", UNIT_ONLY, "/nominate"),
    Row("nominations", "command", UNIT_ONLY, "/nominations"),
    # Council members vote with /vote too (tests/e2e/test_council_vote.py); a head may not.
    Row(
        "vote",
        "command",
        OFFICER_ONLY,
        "/vote",
        probe="/vote 20/06/2020",
        refusals={HEAD: "vote_only"},
    ),
]

CALLBACKS = [
    Row("xn", "callback", OFFICER_ONLY, "xn:y:2020", prepare=("/export nominations",)),
    Row("xd", "callback", OFFICER_ONLY, "xd:y:2020", prepare=("/export dossier",)),
    Row("lang", "callback", MEMBER, "lang:vi", probe="lang:en", prepare=("/lang",)),
    Row("dl", "callback", OFFICER_ONLY, "dl:{task_spare}", prepare=("/deadline",)),
    Row("dlp", "callback", OFFICER_ONLY, "dlp:1", prepare=("/deadline",)),
    Row(
        "done",
        "callback",
        UNIT_ONLY,
        "done:{task_done}:0",
        probe="done:{task_probe}:0",
        prepare=("/tasks",),
    ),
    Row("rd", "callback", UNIT_ONLY, "rd:{task_rd}", probe="rd:{task_probe}", prepare=("/tasks",)),
    Row(
        "undo",
        "callback",
        UNIT_ONLY,
        "undo:{task_undo}:0",
        probe="undo:{task_a_reported}:0",
        prepare={HEAD: ("/done {task_undo}",)},
    ),
    Row("tasks", "callback", UNIT_ONLY, "tasks:1", prepare=("/tasks",)),
    Row("note", "callback", UNIT_ONLY, "note:{task_undo}", prepare={HEAD: ("/done {task_undo}",)}),
    Row("nm", "callback", UNIT_ONLY, "@nm:t:", probe="nm:x:{draft_b}", prepare=("/nominate",)),
    Row("sg", "callback", UNIT_ONLY, "sg:a:{sg_a}:{sg_form}", probe="sg:a:{sg_b}:{sg_form}"),
    Row(
        "nw",
        "callback",
        UNIT_ONLY,
        "nw:{n_a_withdraw}",
        probe="nw:{n_a_probe}",
        prepare=("/nominations",),
    ),
    Row(
        "ne",
        "callback",
        UNIT_ONLY,
        "ne:{n_a_edit}",
        probe="ne:{n_a_probe}",
        prepare=("/nominations",),
    ),
    Row(
        "rv",
        "callback",
        OFFICER_ONLY,
        "rv:a:{n_review}",
        probe="rv:a:{n_b}",
        prepare=("/review",),
    ),
    Row(
        "bc",
        "callback",
        OFFICER_ONLY,
        "bc:w:{bc_sent}",
        probe="bc:ok:{bc_draft}",
        prepare=("/broadcasts",),
    ),
    # The officer received no guidance: there is nothing to acknowledge.
    Row(
        "ack",
        "callback",
        MEMBER,
        "ack:{bc_sent}",
        allowed=frozenset({HEAD}),
        refusals={OFFICER: "invalid"},
    ),
    Row("prt", "callback", OFFICER_ONLY, "prt:{task_a_reported}", prepare=("/progress 2",)),
    Row("prf", "callback", OFFICER_ONLY, "prf:{note_file}", prepare=("/progress 2",)),
    Row(
        "pl",
        "callback",
        OFFICER_ONLY,
        "pl:x",
        probe="pl:ok",
        pending={"kind": "plan-confirm", "file_id": "forged-file", "name": "ke-hoach.txt"},
    ),
    # Closing a year's plan: asking only shows the summary; 2020 is not over in this world.
    Row("plc", "callback", OFFICER_ONLY, "plc:2020:0", probe="plc:2020:1"),
    # Council vote: a ballot is a council member's only (no role of the matrix is one).
    Row(
        "cv:v",
        "callback",
        MEMBER,
        "cv:v:{cv_candidate}:a",
        allowed=frozenset(),
        refusals={OFFICER: "council_only", HEAD: "council_only"},
    ),
    Row("cv:wl", "callback", OFFICER_ONLY, "cv:wl:{cv_vote}"),
    Row("cv:wm", "callback", OFFICER_ONLY, "cv:wm:{cv_vote}:{cv_member}"),
    Row("cv:wv", "callback", OFFICER_ONLY, "cv:wv:{cv_candidate}:{cv_member}:a"),
    Row("cv:c", "callback", OFFICER_ONLY, "cv:c:{cv_vote}"),
    Row("cv:cc", "callback", OFFICER_ONLY, "cv:cc:{cv_vote_close}"),
]


@dataclass
class World:
    harness: BotHarness
    users: dict[str, TelegramUser]
    head_b: TelegramUser
    ids: dict[str, Any]

    def fill(self, template: str) -> str:
        return template.format(**self.ids)


async def _member(session: AsyncSession, telegram_id: int) -> Member:
    member = await find_member(session, telegram_id)
    assert member is not None
    return member


async def _join(harness: BotHarness, user: TelegramUser, unit_code: str) -> str:
    async with harness.ctx.session() as session:
        code = await invite_code(session, unit_code, Role.HEAD, harness.clock.now())
    reply = await user.send(f"/start {code}")
    assert "Chào mừng" in reply.text, reply.text
    return code


async def _submitted(session: AsyncSession, member: Member, name: str, now: datetime) -> int:
    award = await session.scalar(
        select(AwardForm).where(AwardForm.target == Target.COLLECTIVE.value, AwardForm.active)
    )
    nomination = Nomination(
        unit_id=member.unit_id,
        submitted_by_id=member.id,
        target=Target.COLLECTIVE.value,
        nominee_name=name,
        award_form_id=award.id,
        achievement_kind=AchievementKind.YEARLY.value,
        summary="Hoàn thành xuất sắc nhiệm vụ năm 2020.",
        status=NominationStatus.SUBMITTED.value,
        submitted_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(nomination)
    await session.commit()
    return nomination.id


async def _broadcast(
    session: AsyncSession,
    officer: Member,
    audience: Audience,
    args: dict[str, Any],
    *,
    now: datetime,
    send: bool,
) -> int:
    draft = await broadcast_service.create_draft(
        session,
        officer,
        text="Hướng dẫn kiểm thử phân quyền.",
        file_kind=None,
        file_id=None,
        file_name=None,
        now=now,
    )
    assert isinstance(draft, Broadcast)
    await broadcast_service.set_audience(session, draft, audience, args)
    if send:
        await broadcast_service.confirm(
            session,
            draft,
            officer,
            today=local(2020, 5, 15).date(),
            now=now,
            status_chat_id=OFFICER_ID,
            status_message_id=1,
        )
    return draft.id


async def _council_world(session: AsyncSession, head: Member, now: datetime) -> dict[str, int]:
    """A council member who has not voted, and two open votes on an approved nomination of a
    closed round: the latest to press on, the other for the officer's cell to close."""
    from models import CouncilCandidate, CouncilVote, NominationRound

    round_ = NominationRound(title="Đợt hội đồng", deadline=now.date(), open=False, created_at=now)
    session.add(round_)
    await session.flush()
    approved = await _submitted(session, head, "Tập thể hội đồng", now)
    nomination = await session.get(Nomination, approved)
    assert nomination is not None
    nomination.round_id, nomination.status = round_.id, NominationStatus.APPROVED.value
    council = Member(
        telegram_id=990301, full_name="Ủy viên", role=Role.COUNCIL.value, created_at=now
    )
    session.add(council)
    votes = []
    for _vote in range(2):
        vote = CouncilVote(round_id=round_.id, meeting_date=now.date(), opened_at=now)
        vote.candidates = [CouncilCandidate(nomination_id=approved, position=0)]
        session.add(vote)
        await session.flush()
        votes.append(vote)
    await session.commit()
    return {
        "cv_vote_close": votes[0].id,
        "cv_vote": votes[1].id,
        "cv_candidate": votes[1].candidates[0].id,
        "cv_member": council.id,
    }


async def build_world(harness: BotHarness) -> World:
    """Units and the 2020 plan; heads of units A and B; a head of a third unit who filed a
    nomination and then lost access; nominations, guidance and invites to press on."""
    now = harness.clock.now()
    async with harness.ctx.session() as session:
        await seed_directory_and_plan(session, now)
    users = {
        OFFICER: harness.user(OFFICER_ID, "Cán bộ TĐKT"),
        HEAD: harness.user(HEAD_A_ID, "Trưởng A"),
        DEACTIVATED: harness.user(DEACTIVATED_ID, "Trưởng D"),
        STRANGER: harness.user(STRANGER_ID, "Người lạ"),
    }
    head_b = harness.user(HEAD_B_ID, "Trưởng B")
    assert (await users[OFFICER].send("/start")).messages  # enrolled from the configuration
    ids: dict[str, Any] = {
        "used_invite": await _join(harness, users[HEAD], UNIT_A),
        "head_b_tid": HEAD_B_ID,
        "deactivated_tid": DEACTIVATED_ID,
    }
    await _join(harness, head_b, UNIT_B)
    await _join(harness, users[DEACTIVATED], UNIT_D)
    async with harness.ctx.session() as session:
        officer = await _member(session, OFFICER_ID)
        q2 = list(
            await session.scalars(select(Task.id).where(Task.quarter == 2).order_by(Task.position))
        )
        q1 = list(
            await session.scalars(select(Task.id).where(Task.quarter == 1).order_by(Task.position))
        )
        q3 = list(
            await session.scalars(select(Task.id).where(Task.quarter == 3).order_by(Task.position))
        )
        ids.update(
            task_done=q2[0],
            task_rd=q2[1],
            task_undo=q2[2],
            task_probe=q2[3],
            task_a_reported=q2[4],
            task_b_reported=q2[5],
            task_b_only=q2[6],
            task_replay=q1[0],
            task_spare=q3[0],
        )
        edit = await set_task_audience(session, officer, ids["task_b_only"], [UNIT_B], now=now)
        assert edit.task is not None
        head_a = await _member(session, HEAD_A_ID)
        b = await _member(session, HEAD_B_ID)
        d = await _member(session, DEACTIVATED_ID)
        await report_done(session, head_a, ids["task_a_reported"], now=now)
        await report_done(
            session,
            head_a,
            ids["task_a_reported"],
            now=now,
            note="Biên bản",
            file_id="file-bien-ban",
            file_name="bien-ban.pdf",
        )
        ids["note_file"] = await session.scalar(select(TaskReportNote.id))
        await report_done(session, b, ids["task_b_reported"], now=now)
        await report_done(session, b, ids["task_b_only"], now=now)
        for key in ("n_a_withdraw", "n_a_edit", "n_a_probe", "n_a_resubmit", "n_a_withdraw2"):
            ids[key] = await _submitted(session, head_a, f"Tập thể {key}", now)
        for key in ("n_b", "n_review", "n_replay"):
            ids[key] = await _submitted(session, b, f"Tập thể {key}", now)
        ids["n_d"] = await _submitted(session, d, "Tập thể n_d", now)
        ids["draft_b"] = (await nomination_service.start_draft(session, b, now=now)).draft.id
        unit_b = await session.scalar(select(Unit.id).where(Unit.code == UNIT_B))
        # Sent before D lost access, so D is among its recipients.
        ids["bc_sent"] = await _broadcast(session, officer, Audience.ALL, {}, now=now, send=True)
        only_b = {"unit_ids": [unit_b]}
        ids["bc_b_only"] = await _broadcast(
            session, officer, Audience.UNITS, only_b, now=now, send=True
        )
        ids["bc_draft"] = await _broadcast(session, officer, Audience.ALL, {}, now=now, send=False)
        ids["bc_replay"] = await _broadcast(
            session, officer, Audience.UNITS, only_b, now=now, send=False
        )
        ids["award_code"] = await session.scalar(select(AwardForm.code).order_by(AwardForm.id))
        # A suggestion's button names a person of the history and a form of award.
        ids["sg_form"] = await session.scalar(
            select(AwardForm.id).where(AwardForm.code == "CSTD-TINH")
        )
        for key, code in (("sg_a", UNIT_A), ("sg_b", UNIT_B)):
            unit_id = await session.scalar(select(Unit.id).where(Unit.code == code))
            record = AwardRecord(
                target="individual",
                person_name=f"Người {key}",
                person_key=f"người {key}",
                unit_id=unit_id,
                award_form_id=ids["sg_form"],
                year_from=2019,
                year_to=2019,
                decision_no="1/QĐ",
                thematic=False,
                created_at=now,
            )
            session.add(record)
            await session.flush()
            ids[key] = record.id
        await session.commit()
        ids.update(await _council_world(session, head_a, now))
        ids["fresh_invite"] = await invite_code(session, "X-TP", Role.HEAD, now)
        ids["expired_invite"] = await invite_code(
            session, "PNV", Role.OFFICER, now - timedelta(days=8)
        )
        assert await deactivate_member(session, officer, DEACTIVATED_ID, now=now) is not None
    return World(harness, users, head_b, ids)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Like conftest's `database_url`, once for the module."""
    if request.param == "sqlite":
        yield databases.sqlite_copy(
            request.getfixturevalue("sqlite_template"), tmp_path_factory.mktemp("authz")
        )
        return
    request.getfixturevalue("postgres_template")
    name = databases.pg_create_from_template()
    try:
        yield databases.pg_url(name)
    finally:
        databases.pg_drop(name)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(world_database_url: str) -> AsyncIterator[World]:
    api = FakeBotApi()
    await api.start()
    harness = BotHarness(
        api,
        settings_for(api, world_database_url, officer_ids=frozenset({OFFICER_ID})),
        FrozenClock(local(2020, 5, 15)),
    )
    await harness.start()
    try:
        yield await build_world(harness)
    finally:
        await harness.stop()
        await api.stop()


async def snapshot(harness: BotHarness) -> dict[str, tuple[int, str]]:
    """Row count and a digest of the rows of every table. Refused invite codes are logged on
    purpose (that log throttles guessing), so those audit rows are left out."""
    tables: dict[str, tuple[int, str]] = {}
    async with harness.ctx.session() as session:
        for table in Base.metadata.sorted_tables:
            query = select(table).order_by(*table.primary_key.columns)
            if table.name == "audit_log":
                query = query.where(table.c.action != "invite-refused")
            rows = [tuple(row) for row in (await session.execute(query)).all()]
            tables[table.name] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return tables


def changed(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> list[str]:
    return [name for name in before if before[name] != after[name]]


async def forget_pending(world: World, user: TelegramUser) -> None:
    """Drop whatever question a cell left open, so the next cell starts clean."""
    async with world.harness.ctx.session() as session:
        member = await find_member(session, user.user_id)
        if member is not None and member.pending_input is not None:
            member.pending_input = None
            await session.commit()


async def store_pending(world: World, user: TelegramUser, value: dict[str, Any]) -> None:
    async with world.harness.ctx.session() as session:
        member = await find_member(session, user.user_id)
        if member is not None:
            member.pending_input = value
            await session.commit()


def _resolve(world: World, data: str, last: Reply | None) -> str:
    if data.startswith("@"):
        assert last is not None and last.messages, "no message to find the button on"
        found = button_data(last.last_message(), data[1:])
        assert found, f"no {data[1:]} button: {last.text}"
        return found[0]
    return world.fill(data)


async def run_steps(world: World, user: TelegramUser, steps: tuple[str, ...]) -> Reply:
    """Commands are sent; anything else is pressed on the bot's last message."""
    last: Reply | None = None
    for step in steps:
        if step.startswith("/"):
            reply = await user.send(world.fill(step))
        else:
            assert last is not None
            reply = await user.press(last.last_message(), _resolve(world, step, last))
        if reply.messages or last is None:
            last = reply
    assert last is not None and last.messages, "the preparation left no message to press on"
    return last


async def act(user: TelegramUser, kind: str, text: str, on: Reply) -> Reply:
    if kind == "command":
        return await user.send(text)
    return await user.press(on.last_message(), text)


def alerts(reply: Reply) -> list[tuple[str, bool]]:
    return [
        (str(c.params.get("text") or ""), str(c.params.get("show_alert")).lower() == "true")
        for c in reply.calls
        if c.method == "answerCallbackQuery"
    ]


def assert_no_apology(reply: Reply, caplog: pytest.LogCaptureFixture) -> None:
    """No error reached the error handler (which logs it, and apologises unless it was
    Telegram's), and the user was not sent an apology."""
    failures = [r.getMessage() for r in caplog.records if r.name == "tdkt_bot.errors"]
    assert not failures, failures
    seen = reply.everything()
    for apology in APOLOGIES:
        assert apology not in seen, f"the bot failed instead of answering: {seen!r}"


def assert_refused(
    reply: Reply, kind: str, expected: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Exactly one polite answer: an alert for a button, a reply for a command."""
    assert_no_apology(reply, caplog)
    if kind == "callback":
        assert alerts(reply) == [(expected, True)], (alerts(reply), reply.everything())
        assert not reply.messages and not reply.edits, reply.everything()
    else:
        assert reply.texts == [expected], reply.texts
        assert not reply.edits


def assert_acted(reply: Reply, caplog: pytest.LogCaptureFixture) -> None:
    assert_no_apology(reply, caplog)
    seen = reply.everything()
    assert seen.strip(), "no answer at all"
    for key in ROLE_REFUSALS:
        assert REFUSALS[key] not in seen, f"refused ({key}): {seen!r}"


MATRIX = [
    pytest.param(row, role, id=f"{row.kind}-{row.name}-{role}")
    for row in COMMANDS + CALLBACKS
    for role in ROLES
]


def _heads(pattern: str) -> set[str]:
    """The callback heads a pattern matches: `^nm:`, or handlers/callbacks.py's `^nm(?::|$)`
    (family_pattern) and `^(?:nw|ne)(?::|$)` (pattern)."""
    if pattern.endswith(":"):
        return {pattern[1:-1]}
    assert pattern.endswith("(?::|$)"), pattern
    body = pattern[1 : -len("(?::|$)")]
    if body.startswith("(?:") and body.endswith(")"):
        body = body[3:-1]
    return {re.sub(r"\\(.)", r"\1", head) for head in body.split("|")}


def _registered(handlers: list[BaseHandler[Any, Any, Any]]) -> tuple[set[str], set[str]]:
    commands: set[str] = set()
    prefixes: set[str] = set()
    for handler in handlers:
        if isinstance(handler, CommandHandler):
            commands |= set(handler.commands)
        elif isinstance(handler, CallbackQueryHandler):
            pattern = getattr(handler.pattern, "pattern", handler.pattern)
            assert isinstance(pattern, str) and pattern.startswith("^")
            prefixes |= _heads(pattern)
        elif isinstance(handler, ConversationHandler):
            inner = [*handler.entry_points, *handler.fallbacks]
            inner += [h for states in handler.states.values() for h in states]
            more_commands, more_prefixes = _registered(inner)
            commands |= more_commands
            prefixes |= more_prefixes
    return commands, prefixes


async def test_the_matrix_covers_every_registered_command_and_button(world: World) -> None:
    app = world.harness.app
    assert app is not None
    commands, prefixes = _registered([h for group in app.handlers.values() for h in group])
    assert commands == {row.name for row in COMMANDS}
    assert prefixes == {row.name for row in CALLBACKS}
    assert set(FORGED_TEMPLATES) == prefixes


@pytest.mark.parametrize(("row", "role"), MATRIX)
async def test_matrix(world: World, row: Row, role: str, caplog: pytest.LogCaptureFixture) -> None:
    user = world.users[role]
    allowed = row.allows(role)
    on = await run_steps(world, user, row.steps_for(role))
    if row.pending is not None:
        await store_pending(world, user, row.pending)
    text = _resolve(world, row.act if allowed or not row.probe else row.probe, on)
    before = await snapshot(world.harness)
    try:
        reply = await act(user, row.kind, text, on)
        after = await snapshot(world.harness)
    finally:
        await forget_pending(world, user)
    if allowed:
        assert_acted(reply, caplog)
    else:
        assert_refused(reply, row.kind, REFUSALS[row.refusal_for(role)], caplog)
        assert changed(before, after) == [], f"{role} changed data with {text!r}"


def _not_your_task(key: str) -> tuple[str, str]:
    return ("Task #{code} is not one of your unit's tasks.", key)


def _not_your_nomination(key: str) -> tuple[str, str]:
    return ("This nomination is not one of your unit's.", key)


INVALID = ("This button is no longer valid.", "")
OTHER_UNIT = [
    pytest.param("callback", "done:{task_b_only}:0", _not_your_task("task_b_only"), id="done"),
    pytest.param("callback", "rd:{task_b_only}", _not_your_task("task_b_only"), id="rd"),
    pytest.param("callback", "undo:{task_b_only}:0", _not_your_task("task_b_only"), id="undo"),
    pytest.param("callback", "note:{task_b_only}", _not_your_task("task_b_only"), id="note"),
    pytest.param(
        "callback",
        "undo:{task_b_reported}:0",
        ("Task #{code} is not reported as done.", "task_b_reported"),
        id="undo-report-of-b",
    ),
    pytest.param("callback", "nw:{n_b}", _not_your_nomination("n_b"), id="withdraw"),
    pytest.param("callback", "ne:{n_b}", _not_your_nomination("n_b"), id="edit"),
    pytest.param("callback", "nm:x:{draft_b}", INVALID, id="cancel-draft"),
    pytest.param("callback", "nm:ok:{draft_b}", INVALID, id="submit-draft"),
    pytest.param("callback", "nm:t:{draft_b}:1", INVALID, id="fill-draft"),
    pytest.param("callback", "ack:{bc_b_only}", INVALID, id="ack"),
    pytest.param("callback", "sg:a:{sg_b}:{sg_form}", INVALID, id="suggestion"),
    pytest.param(
        "command", "/done {task_b_only} Đã xong", _not_your_task("task_b_only"), id="/done"
    ),
    pytest.param("reply", "Ghi chú giả mạo", _not_your_task("task_b_only"), id="note-by-reply"),
]


@pytest.mark.parametrize(("kind", "text", "expected"), OTHER_UNIT)
async def test_the_head_of_unit_a_cannot_touch_unit_b(
    world: World, kind: str, text: str, expected: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    head = world.users[HEAD]
    on = await run_steps(world, head, ("/tasks",))
    before = await snapshot(world.harness)
    if kind == "reply":
        forged = {
            **on.last_message(),
            "text": f"Đã ghi nhận: nhiệm vụ #{world.ids['task_b_only']}",
        }
        reply = await head.send(text, reply_to=forged)
    else:
        reply = await act(head, kind, world.fill(text), on)
    after = await snapshot(world.harness)
    await forget_pending(world, head)
    msgid, key = expected
    refusal = _vi(msgid, code=world.ids[key]) if key else _vi(msgid)
    assert_refused(reply, "command" if kind == "reply" else kind, refusal, caplog)
    assert changed(before, after) == []


@dataclass(frozen=True)
class Replay:
    role: str
    prepare: tuple[str, ...]
    data: str  # pressed twice; the second press must change nothing
    second: str | None  # msgid of the polite answer to the second press (None: any)
    pending: dict[str, Any] | None = None


REPLAYS = [
    pytest.param(
        Replay(
            OFFICER,
            ("/broadcasts",),
            "bc:ok:{bc_replay}",
            "This guidance has already been sent or cancelled.",
        ),
        id="broadcast-send",
    ),
    pytest.param(
        Replay(
            OFFICER, ("/review",), "rv:a:{n_replay}", "This nomination has already been decided."
        ),
        id="review-approve",
    ),
    pytest.param(
        Replay(
            OFFICER,
            ("/start",),
            "pl:x",
            "This button is no longer valid.",
            pending={"kind": "plan-confirm", "file_id": "forged-file", "name": "ke-hoach.txt"},
        ),
        id="plan-cancel",
    ),
    pytest.param(Replay(OFFICER, ("/deadline",), "dlp:1", None), id="deadline-page"),
    pytest.param(
        Replay(HEAD, ("/nominations", "ne:{n_a_resubmit}"), "@nm:ok:", INVALID[0]),
        id="nomination-submit",
    ),
    pytest.param(
        Replay(
            HEAD,
            ("/nominations",),
            "nw:{n_a_withdraw2}",
            "Only a nomination that has not been reviewed yet can be withdrawn.",
        ),
        id="nomination-withdraw",
    ),
    pytest.param(
        Replay(
            HEAD,
            ("/tasks",),
            "done:{task_replay}:0",
            "Task #{code} was already reported as done.",
        ),
        id="task-done",
    ),
    pytest.param(
        Replay(
            HEAD,
            ("/done {task_replay}",),
            "undo:{task_replay}:0",
            "Task #{code} is not reported as done.",
        ),
        id="task-undo",
    ),
    pytest.param(Replay(HEAD, ("/tasks",), "tasks:1", None), id="task-page"),
    pytest.param(Replay(HEAD, ("/start",), "ack:{bc_sent}", None), id="acknowledge"),
]


@pytest.mark.parametrize("replay", REPLAYS)
async def test_a_replayed_button_changes_nothing(
    world: World, replay: Replay, caplog: pytest.LogCaptureFixture
) -> None:
    user = world.users[replay.role]
    on = await run_steps(world, user, replay.prepare)
    if replay.pending is not None:
        await store_pending(world, user, replay.pending)
    data = _resolve(world, replay.data, on)
    first = await user.press(on.last_message(), data)
    assert_acted(first, caplog)
    before = await snapshot(world.harness)
    second = await user.press(on.last_message(), data)
    after = await snapshot(world.harness)
    await forget_pending(world, user)
    assert_no_apology(second, caplog)
    # The query is answered (the button stops spinning), also when there is nothing to say.
    assert alerts(second), "the second press got no answer"
    if replay.second is not None:
        expected = _vi(replay.second, code=world.ids["task_replay"])
        assert expected in second.everything(), second.everything()
    assert changed(before, after) == [], f"pressing {data!r} again changed data"


FORGED_TEMPLATES = {
    "lang": "lang:{n}",
    "dl": "dl:{n}",
    "dlp": "dlp:{n}",
    "done": "done:{n}:0",
    "rd": "rd:{n}",
    "undo": "undo:{n}:0",
    "tasks": "tasks:{n}",
    "note": "note:{n}",
    "nm": "nm:t:{n}:0",
    "sg": "sg:a:{n}:{n}",
    "nw": "nw:{n}",
    "ne": "ne:{n}",
    "rv": "rv:a:{n}",
    "bc": "bc:w:{n}",
    "ack": "ack:{n}",
    "pl": "pl:{n}",
    "xn": "xn:r:{n}",
    "xd": "xd:r:{n}",
    "prt": "prt:{n}",
    "prf": "prf:{n}",
    "plc": "plc:{n}:1",
    "cv:v": "cv:v:{n}:a",
    "cv:wl": "cv:wl:{n}",
    "cv:wm": "cv:wm:{n}:{n}",
    "cv:wv": "cv:wv:{n}:{n}:a",
    "cv:c": "cv:c:{n}",
    "cv:cc": "cv:cc:{n}",
}
FORGERIES = {
    "over-long": "1" * 64,
    "text": "x'; DROP TABLE members; --",
    "empty": "",
    "negative": "-1",
    "huge": "9" * 30,
    # One past PostgreSQL's 32-bit integer ids, and a 20-digit id (past SQLite's 64 bits).
    "int32-overflow": "2147483648",
    "20-digits": "9" * 20,
    "unicode-digit": "²",
    "unknown-id": "999999999",
}
# Page numbers are clamped to the pages there are, and there is no language to look up.
NOT_IDS = {"dlp", "tasks", "lang", "pl"}
# Forged data that makes the bot fail instead of refusing, by (prefix, variant): strict
# xfails, so that a fix shows. None left: ids are parsed by handlers.common.decimal_id.
HOLES: dict[tuple[str, str], str] = {}


def _forged_params() -> Iterator[Any]:
    for row in CALLBACKS:
        for variant, value in FORGERIES.items():
            if variant == "unknown-id" and row.name in NOT_IDS:
                continue
            reason = HOLES.get((row.name, variant))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(row, value, id=f"{row.name}-{variant}", marks=marks)


@pytest.mark.parametrize(("row", "value"), list(_forged_params()))
async def test_forged_callback_data_is_refused_politely(
    world: World, row: Row, value: str, caplog: pytest.LogCaptureFixture
) -> None:
    role = OFFICER if row.category == OFFICER_ONLY else HEAD
    user = world.users[role]
    on = await run_steps(world, user, ("/start",))
    data = FORGED_TEMPLATES[row.name].format(n=value)
    before = await snapshot(world.harness)
    reply = await user.press(on.last_message(), data)
    after = await snapshot(world.harness)
    await forget_pending(world, user)
    assert_no_apology(reply, caplog)
    polite = [shown for shown, alert in alerts(reply) if alert and shown] or reply.texts
    assert polite, f"no answer to {data!r}"
    assert not reply.edits, reply.everything()
    assert changed(before, after) == [], f"{data!r} changed data"


UNKNOWN_CODE = (
    "This invite code is not valid. Please check the link, or ask the TĐKT officer for a new one."
)
USED_CODE = (
    "This invite code has already been used. Each code works only once; please ask the TĐKT "
    "officer for a new one."
)
EXPIRED_CODE = "This invite code has expired. Please ask the TĐKT officer for a new one."
INVITES = [
    ("forged-right-shape", STRANGER, "A" * 22, UNKNOWN_CODE),
    ("forged-over-long", STRANGER, "A" * 300, UNKNOWN_CODE),
    ("forged-path", STRANGER, "../../etc/passwd", UNKNOWN_CODE),
    ("forged-from-a-real-one", STRANGER, "{used_invite}x", UNKNOWN_CODE),
    ("replayed-by-a-stranger", STRANGER, "{used_invite}", USED_CODE),
    ("replayed-by-its-owner", HEAD, "{used_invite}", USED_CODE),
    ("replayed-by-the-deactivated", DEACTIVATED, "{used_invite}", USED_CODE),
    ("replayed-by-the-officer", OFFICER, "{used_invite}", USED_CODE),
    ("expired", STRANGER, "{expired_invite}", EXPIRED_CODE),
]


@pytest.mark.parametrize(
    ("number", "role", "code", "expected"),
    [pytest.param(n, *case[1:], id=case[0]) for n, case in enumerate(INVITES)],
)
async def test_forged_and_replayed_invite_codes_are_refused(
    world: World,
    number: int,
    role: str,
    code: str,
    expected: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Strangers of their own: after five refused codes in an hour a sender is throttled.
    user = world.users[role]
    if role == STRANGER:
        user = world.harness.user(STRANGER_ID + 1 + number, "Người lạ")
    before = await snapshot(world.harness)
    reply = await user.send(f"/start {world.fill(code)}")
    after = await snapshot(world.harness)
    assert_no_apology(reply, caplog)
    assert reply.texts == [_vi(expected)], reply.texts
    assert changed(before, after) == []


async def test_an_invite_works_once(world: World) -> None:
    first = world.harness.user(STRANGER_ID + 100, "Người mới")
    second = world.harness.user(STRANGER_ID + 101, "Người đến sau")
    code = world.ids["fresh_invite"]
    welcome = await first.send(f"/start {code}")
    assert "Chào mừng" in welcome.text, welcome.text
    before = await snapshot(world.harness)
    again = await second.send(f"/start {code}")
    after = await snapshot(world.harness)
    assert again.texts == [_vi(USED_CODE)]
    assert changed(before, after) == []
    async with world.harness.ctx.session() as session:
        assert await find_member(session, second.user_id) is None
        holder = await find_member(session, first.user_id)
        assert holder is not None and holder.unit is not None and holder.unit.code == "X-TP"


GROUP_CHAT_ID = -1001234567890


def _group_message(chat: dict[str, Any]) -> dict[str, Any]:
    """A message of the bot's in a group chat, to press a (forged or forwarded) button on."""
    return {"message_id": 7, "date": 0, "chat": chat, "text": "Danh sách nhiệm vụ"}


GROUP_CELLS = [
    pytest.param(row, role, chat_type, id=f"{row.kind}-{row.name}-{role}-{chat_type}")
    for row in COMMANDS + CALLBACKS
    for role in (OFFICER, HEAD)
    for chat_type in ("group", "supergroup")
]


@pytest.mark.parametrize(("row", "role", "chat_type"), GROUP_CELLS)
async def test_groups_get_one_line_and_nothing_else(
    world: World, row: Row, role: str, chat_type: str, caplog: pytest.LogCaptureFixture
) -> None:
    """In a group every command and button, whoever uses it, gets one line asking to write
    privately: no list, no link, no draft, nothing stored, nothing sent anywhere else."""
    user = world.users[role].in_chat(GROUP_CHAT_ID, chat_type)
    text = row.act if row.allows(role) or not row.probe else row.probe
    if text.startswith("@"):
        text = FORGED_TEMPLATES[row.name].format(n=world.ids["draft_b"])
    text = world.fill(text)
    expected = _vi("Please write to me in a private chat: @{bot}", bot=BOT_USERNAME)
    before = await snapshot(world.harness)
    if row.kind == "command":
        reply = await user.send(text)
        assert [c.method for c in reply.calls] == ["sendMessage"], reply.calls
        assert reply.texts == [expected]
    else:
        reply = await user.press(_group_message(user._chat()), text)
        assert [c.method for c in reply.calls] == ["answerCallbackQuery"], reply.calls
        assert alerts(reply) == [(expected, True)]
    assert changed(before, await snapshot(world.harness)) == []
    assert_no_apology(reply, caplog)


async def test_an_invite_link_opened_in_a_group_is_not_redeemed(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """/start with a live code in a group: refused in the reader's language, the code unused."""
    stranger = world.harness.user(990555, "Khách", language_code="en")
    async with world.harness.ctx.session() as session:
        code = await invite_code(session, "PGD", Role.HEAD, world.harness.clock.now())
    before = await snapshot(world.harness)
    reply = await stranger.in_chat(GROUP_CHAT_ID, "supergroup").send(f"/start {code}")
    with use_language("en"):
        expected = _("Please write to me in a private chat: @{bot}").format(bot=BOT_USERNAME)
    assert reply.texts == [expected] and len(reply.calls) == 1
    assert changed(before, await snapshot(world.harness)) == []
    # The same code still works where it should: in the private chat.
    assert "Welcome" in (await stranger.send(f"/start {code}")).text
    assert_no_apology(reply, caplog)


async def test_channel_posts_and_group_chatter_get_nothing_but_commands_one_line(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    officer = world.users[OFFICER]
    before = await snapshot(world.harness)
    chatter = await officer.in_chat(GROUP_CHAT_ID).send("Ai đã làm báo cáo quý II chưa?")
    assert chatter.calls == []
    channel = officer.in_chat(-1009876543210, "channel", "Kênh")
    reply = await channel.send("/units")
    assert [c.method for c in reply.calls] == ["sendMessage"]
    assert reply.texts == [_vi("Please write to me in a private chat: @{bot}", bot=BOT_USERNAME)]
    assert changed(before, await snapshot(world.harness)) == []
    assert_no_apology(reply, caplog)


@pytest.mark.parametrize("value", ["2147483648", "9" * 20])
@pytest.mark.parametrize(
    "template", ["nm:a:{draft}:{n}", "nm:k:{draft}:{n}", "nm:t:{draft}:{n}", "done:{task}:{n}"]
)
async def test_ids_past_the_database_range_in_a_live_buttons_argument(
    world: World, template: str, value: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The id is the award, kind or page of a real draft or task: the button is refused as no
    longer valid; no error is logged, no officer is alerted, nothing changes."""
    head = world.users[HEAD]
    on = await run_steps(world, head, ("/nominate",))
    step = {"a": nomination_service.Step.AWARD, "k": nomination_service.Step.KIND}
    async with world.harness.ctx.session() as session:
        draft = await nomination_service.active_draft(session, await _member(session, HEAD_A_ID))
        assert draft is not None
        # The draft waits at the step the button answers, so only the id can refuse it.
        draft.target = Target.COLLECTIVE.value
        draft.nominee_name = "Tập thể kiểm thử"
        draft.step = step.get(template.split(":")[1], nomination_service.Step.TARGET).value
        await session.commit()
    data = template.format(draft=draft.id, task=world.ids["task_probe"], n=value)
    before = await snapshot(world.harness)
    try:
        reply = await head.press(on.last_message(), data)
        after = await snapshot(world.harness)
    finally:
        await head.send("/cancel")
        await forget_pending(world, head)
    assert alerts(reply) == [(REFUSALS["invalid"], True)], reply.everything()
    assert not reply.messages and not reply.edits
    assert changed(before, after) == []
    assert_no_apology(reply, caplog)
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
