"""The declarative base, naming conventions for constraints, a UTC-aware datetime type and
string types that PostgreSQL can always store."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import DateTime, MetaData, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _without_nul(value: str | None) -> str | None:
    # PostgreSQL text cannot hold U+0000 (SQLite can): drop it so user text never fails to save.
    if value is not None and "\x00" in value:
        return value.replace("\x00", "")
    return value


class CleanString(TypeDecorator[str]):
    """VARCHAR that drops NUL characters on the way in, on every database alike."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return _without_nul(value)


class CleanText(TypeDecorator[str]):
    """TEXT that drops NUL characters on the way in, on every database alike."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return _without_nul(value)


E = TypeVar("E", bound=enum.StrEnum)


class EnumString(TypeDecorator[E]):
    """A StrEnum stored as VARCHAR of its value, exactly as a plain string column (no
    constraint, no native enum): rows read back as members, plain strings bind as members."""

    impl = String
    cache_ok = True

    def __init__(self, enum_class: type[E], length: int) -> None:
        super().__init__(length)
        self.enum_class = enum_class

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return self.enum_class(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> E | None:
        if value is None:
            return None
        return self.enum_class(value)

    @property
    def python_type(self) -> type[E]:
        return self.enum_class


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns them aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
