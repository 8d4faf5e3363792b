"""The JavaScript client's list of commands it queues while offline names real commands: a
misspelt kind would never be queued and the tablet would refuse it offline without a word."""

from __future__ import annotations

import re
from pathlib import Path

from protocol.kinds import COMMAND_KINDS

LIBRARY = Path(__file__).resolve().parents[2] / "clients" / "js" / "phonghop.js"


def test_every_queued_kind_is_a_command() -> None:
    text = LIBRARY.read_text(encoding="utf-8")
    block = re.search(r"const IDEMPOTENT = new Set\(\[(.*?)\]\);", text, re.S)
    assert block is not None, "the offline-queue list was not found in phonghop.js"
    kinds = re.findall(r'"([a-z_.]+)"', block.group(1))
    assert "ballot.cast" in kinds
    assert set(kinds) <= set(COMMAND_KINDS), set(kinds) - set(COMMAND_KINDS)
