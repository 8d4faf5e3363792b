"""Every error code the server can send, every reason a roster row can be refused for and
every event kind a history lists has words in the web views' catalogues, in Vietnamese and
in English: a delegate or a secretary never reads a bare code or the server's English."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from protocol.errors import ErrorCode
from protocol.kinds import EVENT_KINDS
from rooms.roster import RosterReason

I18N = Path(__file__).resolve().parent.parent / "clients" / "web" / "i18n"


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_error_code_has_a_message(lang: str) -> None:
    catalogue = json.loads((I18N / f"{lang}.json").read_text(encoding="utf-8"))
    missing = [code.value for code in ErrorCode if not catalogue.get(f"error.{code.value}")]
    assert not missing, f"{lang}.json has no message for {missing}"


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_roster_reason_has_a_message(lang: str) -> None:
    catalogue = json.loads((I18N / f"{lang}.json").read_text(encoding="utf-8"))
    missing = [r.value for r in RosterReason if not catalogue.get(f"roster.reason.{r.value}")]
    assert not missing, f"{lang}.json has no roster message for {missing}"


def test_roster_reason_messages_name_the_same_values_in_both_languages() -> None:
    vi, en = (json.loads((I18N / f"{lang}.json").read_text(encoding="utf-8"))
              for lang in ("vi", "en"))
    for reason in RosterReason:
        key = f"roster.reason.{reason.value}"
        names = [set(re.findall(r"\{(\w+)\}", catalogue[key])) for catalogue in (vi, en)]
        assert names[0] == names[1], key


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_event_kind_has_words_in_the_history(lang: str) -> None:
    # Every event a tablet receives goes into its history list (clients/web/js/model.js);
    # one without words there would show its bare kind.
    catalogue = json.loads((I18N / f"{lang}.json").read_text(encoding="utf-8"))
    missing = sorted(kind for kind in EVENT_KINDS if not catalogue.get(f"event.{kind}"))
    assert not missing, f"{lang}.json has no history words for {missing}"
