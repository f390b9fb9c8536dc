"""Settings shared by every bot process through the database (e.g. the webhook secret)."""

from __future__ import annotations

from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, CleanString, CleanText


class SharedSetting(Base):
    __tablename__ = "shared_settings"

    key: Mapped[str] = mapped_column(CleanString(100), primary_key=True)
    value: Mapped[str] = mapped_column(CleanText)
