"""The minutes as JSON: `Minutes.to_dict()` in UTF-8, Vietnamese letters as themselves."""

from __future__ import annotations

import json

from rooms.minutes_model import Minutes
from rooms.vietnamese import nfc


def _nfc(value: object) -> object:
    # The model is NFC already; this keeps the promise even for a dict built elsewhere.
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, dict):
        return {nfc(k): _nfc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    return value


def render_json(minutes: Minutes) -> bytes:
    """UTF-8 JSON of `minutes.to_dict()`, indented, keys in the documented order."""
    text = json.dumps(_nfc(minutes.to_dict()), ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")
