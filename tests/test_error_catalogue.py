"""Every error code the server can send has a message in the web views' catalogues, in
Vietnamese and in English: a delegate never reads a bare code or the server's English."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from protocol.errors import ErrorCode

I18N = Path(__file__).resolve().parent.parent / "clients" / "web" / "i18n"


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_error_code_has_a_message(lang: str) -> None:
    catalogue = json.loads((I18N / f"{lang}.json").read_text(encoding="utf-8"))
    missing = [code.value for code in ErrorCode if not catalogue.get(f"error.{code.value}")]
    assert not missing, f"{lang}.json has no message for {missing}"
