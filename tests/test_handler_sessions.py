"""In the handlers of issue 15's first part, the database session is closed before the bot
talks to Telegram: no reply, alert or upload inside an `async with ….session()` block."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

HANDLERS = Path(__file__).resolve().parent.parent / "handlers"
CHECKED = [
    "catalogue",
    "deadlines",
    "decisions",
    "directory",
    "exports",
    "plan",
    "plan_close",
    "progress",
    "start",
]
# Calls that reach the Bot API (directly or through handlers.common).
BOT_CALLS = {
    "answer",
    "reply",
    "refuse",
    "invalid_button",
    "parse_press",
    "send_document",
    "send_photo",
    "send_message",
    "edit_text",
    "edit_reply_markup",
    "publish_member_commands",
}


@pytest.mark.parametrize("module", CHECKED)
def test_no_bot_call_inside_a_session(module: str) -> None:
    tree = ast.parse((HANDLERS / f"{module}.py").read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.AsyncWith):
            continue
        if not any("session" in ast.unparse(item.context_expr) for item in node.items):
            continue
        for call in ast.walk(node):
            if isinstance(call, ast.Call):
                func = call.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in BOT_CALLS:
                    found.append(f"line {call.lineno}: {ast.unparse(call)[:60]}")
    assert found == []
