"""Every audit action the code records has a label in the reader's language (the audit
export shows labels, not the stored keys)."""

from __future__ import annotations

import re
from pathlib import Path

from bot.services.audit_labels import ACTIONS

ROOT = Path(__file__).resolve().parent.parent.parent


def test_every_recorded_action_has_a_label() -> None:
    recorded = {
        match[1]
        for folder in ("bot", "handlers")
        for path in (ROOT / folder).rglob("*.py")
        for match in re.finditer(r'\baction\s*=\s*"([a-z-]+)"', path.read_text(encoding="utf-8"))
    }
    assert "report-done" in recorded  # the scan finds them
    assert sorted(recorded - ACTIONS.keys()) == []
