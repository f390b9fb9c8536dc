"""What the running Application carries, typed: reach it with `runtime_of(application)` or
`app_context(application)` rather than by string keys of `application.bot_data`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram.ext import Application

from bot.core.context import AppContext

if TYPE_CHECKING:
    # Only for the annotation: the sender imports the button table (handlers), whose package
    # imports the handlers, which import this module.
    from bot.runtime.outbox_sender import OutboxSender
    from bot.runtime.send_budget import SendBudget

# The bot's own state hangs off this one key (handlers keep their caches in bot_data too:
# the flood guard, the plan previews).
_KEY = "tdkt_runtime"

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


@dataclass
class Runtime:
    """Settings, database and clock (ctx), the outbox sender, and whether post_init starts
    the background work (the sender's loop and the reminder jobs)."""

    ctx: AppContext
    outbox_sender: OutboxSender
    background: bool = True
    # The one budget of messages a second shared by replies and the outbox (replies first).
    send_budget: SendBudget | None = None
    # Other channels running beside Telegram in this process (bot/runtime/zalo).
    channels: list[Any] = field(default_factory=list)


def attach(application: AnyApplication, runtime: Runtime) -> None:
    application.bot_data[_KEY] = runtime


def runtime_or_none(application: AnyApplication) -> Runtime | None:
    """The Runtime, or None for an Application that build_application did not make."""
    runtime = application.bot_data.get(_KEY)
    return runtime if isinstance(runtime, Runtime) else None


def runtime_of(application: AnyApplication) -> Runtime:
    runtime = runtime_or_none(application)
    if runtime is None:
        raise LookupError("this Application was not made by bot.app.build_application")
    return runtime


def app_context(application: AnyApplication) -> AppContext:
    return runtime_of(application).ctx


def wake_sender(application: AnyApplication) -> None:
    """New messages are in the outbox: send them now rather than at the sender's next poll."""
    runtime = runtime_or_none(application)
    if runtime is not None:
        runtime.outbox_sender.wake()
