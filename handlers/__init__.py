"""Telegram handlers: thin, one module per feature, each with `register(application)`."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, TypeHandler

from handlers import (
    broadcast,
    catalogue,
    council,
    deadlines,
    decisions,
    directory,
    exports,
    fallback,
    flood,
    nominations,
    pending,
    plan,
    privacy,
    progress,
    review,
    start,
    tasks,
)
from handlers.commands import FEATURE_ORDER
from handlers.common import identify_member

# The feature modules by name, as the command table names them.
FEATURES = {
    module.__name__.rpartition(".")[2]: module
    for module in (
        broadcast,
        catalogue,
        council,
        deadlines,
        decisions,
        directory,
        exports,
        nominations,
        plan,
        progress,
        review,
        start,
        tasks,
    )
}


def register_all(application: Application) -> None:  # type: ignore[type-arg]
    # Group -4: flood control drops what comes too fast, before any database work.
    flood.register(application)
    # Group -3: outside private chats every command and button gets one refusal, nothing more.
    privacy.register(application)
    # Group -2 runs before the features: it identifies the member and sets their language.
    application.add_handler(TypeHandler(Update, identify_member), group=-2)
    # Group 0, in the order of handlers/commands.py FEATURE_ORDER (conversations first: while
    # one waits for an answer, it must see the message first).
    for name in FEATURE_ORDER:
        FEATURES[name].register(application)
    # Group -1: a typed answer the bot is waiting for (kept in the database) goes to its
    # question and stops there; everything else goes on to the features in group 0. Its
    # /cancel joins group 0 after the conversations, which handle their own /cancel.
    pending.register(application, group=-1)
    # Last in group 0: within a group the first matching handler wins, so this only sees
    # messages no feature took.
    fallback.register(application)
