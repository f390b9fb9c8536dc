"""The button table: data an action builds parses back to its values; forged data does not."""

from __future__ import annotations

import re

import pytest

from bot.core.actions import Action, keyboard_from_json, keyboard_to_json
from handlers import callbacks
from handlers.callbacks import MAX_ID, Choice, Id, Number


@pytest.fixture()
def table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(callbacks, "ACTIONS", {})
    monkeypatch.setattr(callbacks, "_BY_HEAD", {})
    callbacks.define("test.pick", "tp", Id())
    callbacks.define("test.move", "tp:m", Choice("up", "down"), Number(0, 9))


def test_round_trip_and_longest_head(table: None) -> None:
    assert callbacks.data("test.pick", 12) == "tp:12"
    assert callbacks.decode("tp:12") == (callbacks.ACTIONS["test.pick"], (12,))
    assert callbacks.decode("tp:m:up:3") == (callbacks.ACTIONS["test.move"], ("up", 3))


FORGED = ["tp:0", f"tp:{MAX_ID + 1}", "tp:12:1", "tp:", "tp:１２", "tp:²", "tp:m:left:3"]
FORGED += ["tp:m:up:10", "zz:1", "", "tp:" + "1" * 70]


@pytest.mark.parametrize("data", FORGED)
def test_forged_data_is_refused(table: None, data: str) -> None:
    assert callbacks.decode(data) is None


def test_building_refuses_what_parsing_would(table: None) -> None:
    with pytest.raises(ValueError):
        callbacks.data("test.pick", 0)
    with pytest.raises(ValueError):
        callbacks.data("test.move", "left", 1)
    with pytest.raises(ValueError):
        callbacks.define("test.pick", "other", Id())


def test_pattern_matches_only_its_actions(table: None) -> None:
    assert re.match(callbacks.pattern("test.pick"), "tp:1")
    assert not re.match(callbacks.pattern("test.pick"), "tpx:1")


def test_outbox_json_round_trip_and_old_rows(table: None) -> None:
    keyboard = [[Action("✅", "test.pick", (5,))]]
    assert keyboard_from_json(keyboard_to_json(keyboard)) == keyboard
    old = keyboard_from_json([[{"text": "✅ Done", "data": "rd:7"}]])
    assert callbacks.to_button(old[0][0]).callback_data == "rd:7"
    markup = callbacks.markup(keyboard)
    assert markup is not None
    assert markup.inline_keyboard[0][0].callback_data == "tp:5"


def test_every_declared_action_fits_telegram() -> None:
    for action in callbacks.ACTIONS.values():
        widest = [max(a.choices, key=len) if a.choices else a.maximum for a in action.args]
        assert len(action.encode(*widest).encode()) <= callbacks.DATA_LIMIT
