"""Settings read once from the environment (and a `.env` file), cached; tests clear the cache."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import load_dotenv

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_API_FILE_URL = "https://api.telegram.org/file/bot"
DEFAULT_ZALO_API_BASE_URL = "https://bot-api.zaloplatforms.com/bot"
SUPPORTED_LANGUAGES = ("vi", "en")
AUTHORITY_LEVELS = ("commune", "province", "agency")


class ConfigError(ValueError):
    """A setting is missing or malformed: `reason` says which, `value` what was given."""

    def __init__(self, reason: str, value: str = "") -> None:
        super().__init__(f"{reason}: {value!r}")
        self.reason = reason
        self.value = value


@dataclass(frozen=True)
class Settings:
    token: str | None
    database_url: str
    api_base_url: str = DEFAULT_API_BASE_URL
    api_file_url: str = DEFAULT_API_FILE_URL
    officer_ids: frozenset[int] = field(default_factory=frozenset)
    timezone: str = "Asia/Ho_Chi_Minh"
    language: str = "vi"
    bot_username: str | None = None
    reminder_time: time = time(8, 0)
    reminder_windows: tuple[int, ...] = (14, 7, 3, 1, 0)
    overdue_every_days: int = 3
    working_days_only: bool = True
    invite_ttl_days: int = 14
    authority: str = ""
    db_busy_timeout_ms: int = 10_000
    webhook_secret: str | None = None
    send_per_second: int = 30
    # Updates of different users handled at the same time (each user's stay in order).
    concurrent_updates: int = 8
    # commune | province | agency; empty: inferred from `authority` (see `level`).
    authority_level: str = ""
    # A province's rule file (TOML) that adds to or replaces the national eligibility rules.
    rules_file: str | None = None
    # The body above the issuing authority in a document's heading (e.g. "UBND tỉnh Đồng Nai").
    authority_parent: str = ""
    # The place name of a document's date line ("Trị An, ngày ..."); empty: left to fill.
    place: str = ""
    # The Zalo channel (bot/runtime/zalo): on when the token is set. No rate limit is
    # published by Zalo: 5 messages a second overall is a conservative guess.
    zalo_token: str | None = None
    zalo_api_base_url: str = DEFAULT_ZALO_API_BASE_URL
    zalo_rate: int = 5

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def level(self) -> str:
        """The issuing authority's level, which decides the award forms it confers."""
        return self.authority_level or infer_authority_level(self.authority)

    def require_token(self) -> str:
        if not self.token:
            raise ConfigError("missing-token")
        return self.token


DATABASE_FILE = "tdkt-bot.sqlite3"


def data_folder(env: Mapping[str, str]) -> Path:
    """The per-user data folder: $XDG_DATA_HOME/tdkt-bot, else ~/.local/share/tdkt-bot."""
    base = env.get("XDG_DATA_HOME") or ""
    root = Path(base) if Path(base).is_absolute() else Path.home() / ".local" / "share"
    return root / "tdkt-bot"


def default_database_url(env: Mapping[str, str]) -> str:
    """SQLite in the per-user data folder, so that every command finds the same database
    wherever it is run from. A `tdkt-bot.sqlite3` in the working directory (where earlier
    versions kept it) is still used when present."""
    legacy = Path.cwd() / DATABASE_FILE
    path = legacy if legacy.is_file() else data_folder(env) / DATABASE_FILE
    return f"sqlite+aiosqlite:///{path}"


def prepare_data_folder(database_url: str, env: Mapping[str, str]) -> None:
    """Creates the per-user data folder (mode 0700: the database holds names and Telegram
    ids) when the database is to live there and it does not exist yet."""
    folder = data_folder(env)
    path = Path(database_url.split("///", 1)[-1])
    if database_url.startswith("sqlite") and path.parent == folder:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Created empty and private before SQLite opens it (an empty file is an empty
        # database), since SQLite would create it with the umask's mode.
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            pass


# After "UBND"/"Ủy ban nhân dân" comes the level of the committee. The districts are gone
# since 01/07/2025: an authority still named after one is served as the commune level that
# took over its work.
_COMMITTEE = re.compile(r"^\s*(?:ubnd|[uủ][yỷ] ban nh[âa]n d[âa]n)\s+(.*)$", re.IGNORECASE)
_PROVINCE_WORDS = ("tỉnh", "thành phố", "tp.", "tp ")
_COMMUNE_WORDS = ("xã", "phường", "đặc khu", "thị trấn", "huyện", "quận", "thị xã")


def infer_authority_level(authority: str) -> str:
    """commune, province or agency, from the authority's name ("UBND xã Trị An" → commune,
    "UBND tỉnh Đồng Nai" → province, "Sở Nội vụ" → agency); commune when it is empty."""
    text = " ".join(authority.lower().split())
    if not text:
        return "commune"
    committee = _COMMITTEE.match(text)
    if committee is not None:
        rest = committee[1] + " "
        if rest.startswith(_PROVINCE_WORDS):
            return "province"
        return "commune"
    if re.search(r"\b(province|provincial)\b", text):
        return "province"
    if re.search(r"\b(commune|ward)\b", text):
        return "commune"
    return "agency"


def normalise_database_url(url: str) -> str:
    """Accept plain `postgresql://` and `sqlite://` URLs and pick the async drivers."""
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url.split("://", 1)[1]
    return url


def _parse_officer_ids(raw: str) -> frozenset[int]:
    ids = set()
    for part in re.split(r"[,\s]+", raw.strip()):
        if not part:
            continue
        if not (part.lstrip("-").isascii() and part.lstrip("-").isdigit()):
            raise ConfigError("officer-ids", part)
        ids.add(int(part))
    return frozenset(ids)


def _parse_time(raw: str) -> time:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", raw.strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ConfigError("reminder-time", raw)
    return time(int(match[1]), int(match[2]))


def _parse_windows(raw: str) -> tuple[int, ...]:
    try:
        days = sorted(
            {int(part) for part in re.split(r"[,\s]+", raw.strip()) if part}, reverse=True
        )
    except ValueError as exc:
        raise ConfigError("reminder-windows", raw) from exc
    if not days or any(day < 0 or day > 366 for day in days):
        raise ConfigError("reminder-windows", raw)
    return tuple(days)


def _parse_positive(name: str, raw: str) -> int:
    if not (raw.strip().isascii() and raw.strip().isdigit()) or int(raw) < 1:
        raise ConfigError(name, raw)
    return int(raw)


def _parse_flag(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(name, raw)


def settings_from_env(env: Mapping[str, str]) -> Settings:
    timezone = env.get("TDKT_TIMEZONE") or "Asia/Ho_Chi_Minh"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError("timezone", timezone) from exc
    language = (env.get("TDKT_LANGUAGE") or "vi").lower()
    if language not in SUPPORTED_LANGUAGES:
        raise ConfigError("language", language)
    return Settings(
        token=env.get("TDKT_BOT_TOKEN") or None,
        database_url=normalise_database_url(
            env.get("TDKT_DATABASE_URL") or default_database_url(env)
        ),
        api_base_url=env.get("TDKT_API_BASE_URL") or DEFAULT_API_BASE_URL,
        api_file_url=env.get("TDKT_API_FILE_URL") or DEFAULT_API_FILE_URL,
        officer_ids=_parse_officer_ids(env.get("TDKT_OFFICER_IDS", "")),
        timezone=timezone,
        language=language,
        bot_username=(env.get("TDKT_BOT_USERNAME") or "").lstrip("@") or None,
        reminder_time=_parse_time(env.get("TDKT_REMINDER_TIME") or "08:00"),
        reminder_windows=_parse_windows(env.get("TDKT_REMINDER_WINDOWS") or "14,7,3,1,0"),
        overdue_every_days=_parse_positive(
            "overdue-every-days", env.get("TDKT_OVERDUE_EVERY_DAYS") or "3"
        ),
        authority=(env.get("TDKT_AUTHORITY") or "").strip(),
        webhook_secret=env.get("TDKT_WEBHOOK_SECRET") or None,
        working_days_only=_parse_flag(
            "working-days-only", env.get("TDKT_WORKING_DAYS_ONLY") or "true"
        ),
        send_per_second=_parse_positive(
            "send-per-second", env.get("TDKT_SEND_PER_SECOND") or "30"
        ),
        concurrent_updates=_parse_positive(
            "concurrent-updates", env.get("TDKT_CONCURRENT_UPDATES") or "8"
        ),
        authority_level=_parse_level(env.get("TDKT_AUTHORITY_LEVEL") or ""),
        rules_file=_parse_rules_file(env.get("TDKT_RULES_FILE") or ""),
        authority_parent=" ".join((env.get("TDKT_AUTHORITY_PARENT") or "").split()),
        place=" ".join((env.get("TDKT_PLACE") or "").split()),
        zalo_token=(env.get("TDKT_ZALO_TOKEN") or "").strip() or None,
        zalo_api_base_url=env.get("TDKT_ZALO_API_BASE_URL") or DEFAULT_ZALO_API_BASE_URL,
        zalo_rate=_parse_positive("zalo-rate", env.get("TDKT_ZALO_RATE") or "5"),
    )


def _parse_rules_file(raw: str) -> str | None:
    path = raw.strip()
    if path and not Path(path).is_file():
        raise ConfigError("rules-file", path)
    return path or None


def _parse_level(raw: str) -> str:
    level = raw.strip().lower()
    if level and level not in AUTHORITY_LEVELS:
        raise ConfigError("authority-level", raw)
    return level


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings for this process; a `.env` in the working directory fills what env lacks."""
    load_dotenv(Path.cwd() / ".env", override=False)
    return settings_from_env(os.environ)
