"""SQLAlchemy models; importing this package registers every table on `Base.metadata`."""

from models.audit import AuditLog
from models.base import Base, UTCDateTime
from models.broadcast import Audience, Broadcast, BroadcastRecipient, BroadcastStatus
from models.channels import Channel, ChannelIdentity
from models.council import CouncilAttendance, CouncilBallot, CouncilCandidate, CouncilVote
from models.directory import (
    HEAD_ROLES,
    OFFICER_ROLES,
    Cluster,
    Invite,
    Member,
    Role,
    Unit,
    UnitKind,
)
from models.history import AwardRecord, Rating, YearRating
from models.nomination import (
    AchievementKind,
    AwardForm,
    Nomination,
    NominationFile,
    NominationRound,
    NominationStatus,
    Target,
)
from models.outbox import OutboxMessage, OutboxStatus, ReminderKind, ReminderLog
from models.plan import Plan, Task, TaskAudience, TaskReport, TaskReportNote
from models.settings import SharedSetting

__all__ = [
    "HEAD_ROLES",
    "OFFICER_ROLES",
    "AchievementKind",
    "Audience",
    "AuditLog",
    "AwardForm",
    "AwardRecord",
    "Base",
    "Broadcast",
    "BroadcastRecipient",
    "BroadcastStatus",
    "Channel",
    "ChannelIdentity",
    "Cluster",
    "CouncilAttendance",
    "CouncilBallot",
    "CouncilCandidate",
    "CouncilVote",
    "Invite",
    "Member",
    "Nomination",
    "NominationFile",
    "NominationRound",
    "NominationStatus",
    "OutboxMessage",
    "OutboxStatus",
    "Plan",
    "Rating",
    "ReminderKind",
    "ReminderLog",
    "Role",
    "SharedSetting",
    "Target",
    "Task",
    "TaskAudience",
    "TaskReport",
    "TaskReportNote",
    "UTCDateTime",
    "Unit",
    "UnitKind",
    "YearRating",
]
