"""Statuses, kinds and roles are StrEnum columns stored as the VARCHAR of their value, as before
they were typed: rows read back as members, plain strings of a value still bind."""

from __future__ import annotations

import enum

import pytest
from sqlalchemy import String, select
from sqlalchemy.dialects import postgresql, sqlite

from models import Base, Member, NominationStatus, OutboxStatus, Role
from models.base import EnumString


def enum_columns() -> list[tuple[str, EnumString[enum.StrEnum]]]:
    return [
        (f"{table.name}.{column.name}", column.type)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, EnumString)
    ]


def test_the_enum_columns_are_plain_varchar() -> None:
    columns = dict(enum_columns())
    assert {"members.role", "nominations.status", "outbox.status", "reminder_log.kind"} <= set(
        columns
    )
    for name, kind in columns.items():
        assert isinstance(kind.impl_instance, String), name
        assert kind.impl_instance.length, name
        for dialect in (sqlite.dialect(), postgresql.dialect()):
            assert kind.dialect_impl(dialect).compile(dialect=dialect).startswith("VARCHAR"), name


def test_values_bind_as_text_and_read_back_as_members() -> None:
    column = EnumString(Role, 10)
    dialect = sqlite.dialect()
    assert column.process_bind_param(Role.OFFICER, dialect) == "officer"
    assert column.process_bind_param("head", dialect) == "head"
    assert column.process_bind_param(None, dialect) is None
    read = column.process_result_value("both", dialect)
    assert read is Role.BOTH and read == "both"
    with pytest.raises(ValueError):
        column.process_bind_param("chief", dialect)


def test_comparisons_with_members_or_values_compile_alike() -> None:
    by_member = select(Member.id).where(Member.role == Role.OFFICER)
    by_value = select(Member.id).where(Member.role == "officer")
    dialect = postgresql.dialect()
    compiled = [
        statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}).string
        for statement in (by_member, by_value)
    ]
    assert compiled[0] == compiled[1]
    assert "'officer'" in compiled[0]


def test_defaults_are_members() -> None:
    assert Member.__table__.c.role.default.arg is Role.HEAD
    assert NominationStatus.DRAFT == "draft" and OutboxStatus.PENDING == "pending"
