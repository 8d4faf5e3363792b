"""Error codes are ``protocol.errors.ErrorCode`` members wherever a rejection is raised.

A plain string passed as a code is never checked against the enum, so a typo would reach
clients as a code the protocol does not define. mypy catches that where the code is typed;
this test catches it everywhere in ``rooms/`` and ``server/`` (and in code mypy does not see).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from protocol.errors import ErrorCode

ROOT = Path(__file__).resolve().parent.parent
# Callable name -> position of its code argument (it may also be passed as ``code=``).
CODE_ARGUMENT = {
    "Rejected": 0,
    "TokenError": 0,
    "ProtocolError": 0,
    "rejected": 0,  # server.interpreter.Outcome.rejected
    "ApiError": 1,
    "BadFile": 1,
    "error_response": 1,
}


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _code_argument(call: ast.Call, position: int) -> ast.expr | None:
    if len(call.args) > position:
        return call.args[position]
    return next((kw.value for kw in call.keywords if kw.arg == "code"), None)


def literal_codes(source: str, filename: str = "<source>") -> list[str]:
    """``file:line name("code")`` for each call whose code argument is a string literal."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call):
            continue
        name = _called_name(node)
        if name not in CODE_ARGUMENT:
            continue
        arg = _code_argument(node, CODE_ARGUMENT[name])
        if isinstance(arg, ast.JoinedStr) or (
            isinstance(arg, ast.Constant) and isinstance(arg.value, str)
        ):
            found.append(f"{filename}:{node.lineno} {name}({ast.unparse(arg)})")
    return found


def test_no_rejection_takes_a_string_literal_as_its_code() -> None:
    files = sorted((ROOT / "rooms").rglob("*.py")) + sorted((ROOT / "server").rglob("*.py"))
    assert len(files) > 40
    found = [
        hit
        for path in files
        for hit in literal_codes(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert found == [], "pass protocol.errors.ErrorCode members, not strings:\n" + "\n".join(found)


def test_the_check_sees_each_form_of_a_literal_code() -> None:
    source = (
        'raise Rejected("invalid", "no")\n'
        'raise Rejected(code="duplicate", message="again")\n'
        'raise ApiError(404, "not_found", "gone")\n'
        'raise TokenError(f"bad_{kind}", "no")\n'
        'return Outcome.rejected("unavailable", "retry")\n'
        "raise Rejected(ErrorCode.INVALID, 'fine')\n"
        "raise ApiError(404, exc.code, 'fine')\n"
        "raise ValueError('not a rejection')\n"
    )
    assert [hit.split(" ", 1)[1] for hit in literal_codes(source)] == [
        "Rejected('invalid')",
        "Rejected('duplicate')",
        "ApiError('not_found')",
        "TokenError(f'bad_{kind}')",
        "rejected('unavailable')",
    ]


def test_every_error_code_is_in_the_protocol_table() -> None:
    doc = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([a-z_]+)` \|", doc, re.MULTILINE))
    assert {code.value for code in ErrorCode} <= listed
