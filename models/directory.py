"""Who is who: emulation clusters, units, members (Telegram users) and invites."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, CleanString, EnumString, UTCDateTime


class UnitKind(enum.StrEnum):
    COMMUNE = "commune"
    WARD = "ward"
    TOWNSHIP = "township"
    AGENCY = "agency"
    SCHOOL = "school"
    ENTERPRISE = "enterprise"
    OTHER = "other"


class Role(enum.StrEnum):
    OFFICER = "officer"
    HEAD = "head"
    # An officer who is also their unit's head: only when given both roles explicitly
    # (`--role head,officer`). An officer invited for a unit is not its head.
    BOTH = "both"
    # A member of the Hội đồng Thi đua - Khen thưởng: votes on candidates (handlers/council.py).
    COUNCIL = "council"

    @classmethod
    def parse(cls, text: str) -> Role | None:
        """`head`, `officer`, `council`, or both as `head,officer` (either order); None
        otherwise."""
        names = {name.strip().lower() for name in text.split(",")}
        if names == {"head", "officer"} or names == {"both"}:
            return cls.BOTH
        if len(names) == 1 and (name := names.pop()) in ("head", "officer", "council"):
            return cls(name)
        return None


# The roles that make a member an officer, and those that make them their unit's head.
OFFICER_ROLES = (Role.OFFICER, Role.BOTH)
HEAD_ROLES = (Role.HEAD, Role.BOTH)


class Cluster(Base):
    __tablename__ = "clusters"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(CleanString(200), unique=True)
    # The cluster's leading unit (cụm trưởng); its heads get the cluster's weekly summary.
    leader_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="SET NULL", use_alter=True)
    )

    units: Mapped[list[Unit]] = relationship(
        back_populates="cluster", foreign_keys="Unit.cluster_id"
    )


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(CleanString(50), unique=True)
    name: Mapped[str] = mapped_column(CleanString(300))
    kind: Mapped[UnitKind] = mapped_column(EnumString(UnitKind, 20), default=UnitKind.OTHER)
    cluster_id: Mapped[int | None] = mapped_column(
        ForeignKey("clusters.id", ondelete="SET NULL"), index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    cluster: Mapped[Cluster | None] = relationship(
        back_populates="units", foreign_keys=[cluster_id]
    )


class Member(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for a member reached only on another channel (their id: ChannelIdentity).
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    # The channel the bot writes to this member on (models.channels.Channel).
    channel: Mapped[str] = mapped_column(
        CleanString(20), default="telegram", server_default="telegram"
    )
    full_name: Mapped[str] = mapped_column(CleanString(300), default="")
    username: Mapped[str | None] = mapped_column(CleanString(100))
    language: Mapped[str] = mapped_column(CleanString(5), default="vi")
    role: Mapped[Role] = mapped_column(EnumString(Role, 10), default=Role.HEAD)
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="SET NULL"), index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # False once Telegram answered 403 (the member blocked the bot); true again on contact.
    reachable: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    unreachable_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What the bot waits for from this member (a typed answer), kept in the database so that
    # it survives restarts and works with several bot processes: {"kind": ..., ...}.
    pending_input: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    unit: Mapped[Unit | None] = relationship()

    @property
    def is_officer(self) -> bool:
        return self.active and self.role in OFFICER_ROLES

    @property
    def is_head(self) -> bool:
        """Acts for their unit (tasks, reports, nominations) and gets its messages."""
        return self.active and self.role in HEAD_ROLES and self.unit_id is not None


class Invite(Base):
    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(CleanString(64), unique=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(EnumString(Role, 10), default=Role.HEAD)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))

    unit: Mapped[Unit | None] = relationship()
