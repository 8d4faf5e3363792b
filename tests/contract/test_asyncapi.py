"""The published WebSocket contract (/asyncapi.json) against the code, in both directions.

The document is built from protocol/'s tables; these tests compare it with independent
sources (the closed kinds, the TypedDicts of bodies, the validator's behaviour, the enums,
rooms' roles), so a kind, field, code or role added or removed on either side fails here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from protocol.codec import decode_client
from protocol.command_bodies import COMMAND_BODIES
from protocol.commands import COMMANDS, validate_command
from protocol.errors import CloseCode, ErrorCode, ProtocolError
from protocol.event_bodies import EVENT_BODIES
from protocol.json_schema import map_fields
from protocol.kinds import COMMAND_KINDS, EVENT_KINDS
from protocol.messages import Ack, Error, Live, Pong, Snapshot, Welcome
from protocol.version import PROTOCOL_VERSION, SUPPORTED_VERSIONS
from rooms import aggregate
from rooms.model import STAFF, Role
from server.app import create_app
from server.config import Settings
from server.contract import asyncapi_document
from tests.protocol.event_logs import demo_congress, every_feature, fixture_logs

VALIDATOR = Path(__file__).parent / "asyncapi_validator"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def doc(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The document as the server serves it (no Redis needed for this route)."""
    settings = Settings(
        redis_url="redis://127.0.0.1:1/0", data_dir=tmp_path_factory.mktemp("d"), admin_token="t"
    )
    resp = TestClient(create_app(settings)).get("/asyncapi.json")
    assert resp.status_code == 200
    served: dict[str, Any] = resp.json()
    assert served == json.loads(json.dumps(asyncapi_document()))
    return served


def _messages(doc: dict[str, Any], prefix: str) -> dict[str, dict[str, Any]]:
    return {
        m["x-kind"]: m for name, m in doc["components"]["messages"].items()
        if name.startswith(prefix)
    }


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    resolved: dict[str, Any] = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return resolved


def _body(doc: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
    body = message["payload"]["properties"]["body"]
    return _resolve(doc, body["anyOf"][0] if "anyOf" in body else body)


def test_every_command_kind_and_field(doc: dict[str, Any]) -> None:
    commands = _messages(doc, "cmd.")
    assert set(commands) == COMMAND_KINDS == set(COMMANDS)
    for kind, message in commands.items():
        body = _body(doc, message)
        _, required = map_fields(COMMAND_BODIES[kind])  # type: ignore[index]
        assert set(body["properties"]) == set(COMMAND_BODIES[kind].__annotations__), kind  # type: ignore[index]
        assert set(body["required"]) == required, kind
        assert body["additionalProperties"] is False
        assert message["payload"]["properties"]["kind"] == {"const": kind}


def test_command_limits_are_the_validators(doc: dict[str, Any]) -> None:
    """Each published string limit and choice list is where validate_command draws the line."""
    for kind, message in _messages(doc, "cmd.").items():
        body = _body(doc, message)
        base = {name: _minimal(body["properties"][name]) for name in body["required"]}
        for name, prop in body["properties"].items():
            if prop.get("type") == "string" and "enum" not in prop:
                validate_command(kind, {**base, name: "x" * prop["maxLength"]})
                with pytest.raises(ProtocolError) as err:
                    validate_command(kind, {**base, name: "x" * (prop["maxLength"] + 1)})
                assert err.value.code is ErrorCode.BAD_FIELD
            for choice in prop.get("enum", ()):
                validate_command(kind, {**base, name: choice})
            if "enum" in prop:
                with pytest.raises(ProtocolError):
                    validate_command(kind, {**base, name: "not-a-choice"})
        with pytest.raises(ProtocolError):
            validate_command(kind, {**base, "no_such_field": 1})


def _minimal(prop: dict[str, Any]) -> Any:
    if "enum" in prop:
        return prop["enum"][0]
    samples = {"string": "x", "integer": prop.get("minimum", 1), "boolean": True,
               "number": 1, "array": [], "object": {}}
    return samples.get(prop.get("type", "string"), "x")


def test_every_event_kind_and_field(doc: dict[str, Any]) -> None:
    events = _messages(doc, "event.")
    assert set(events) == EVENT_KINDS == set(EVENT_BODIES)
    for kind, message in events.items():
        body = _body(doc, message)
        hints, required = map_fields(EVENT_BODIES[kind])  # type: ignore[index]
        assert set(body["properties"]) == set(hints), kind
        assert set(body["required"]) == required, kind
        assert body["additionalProperties"] is False


def test_nested_maps_are_described(doc: dict[str, Any]) -> None:
    """Every $ref points at a schema, and every named schema has its map's keys."""
    text = json.dumps(doc)
    schemas = doc["components"]["schemas"]
    for name in {part.split('"')[0] for part in text.split("#/components/schemas/")[1:]}:
        assert name in schemas, name
    result = schemas["PollResultMap"]
    from protocol.event_shapes import PollResultMap
    assert set(result["properties"]) == set(map_fields(PollResultMap)[0])


def test_audiences_roles_and_projections_are_rooms(doc: dict[str, Any]) -> None:
    roles = [r.value for r in Role]
    for kind, message in _messages(doc, "event.").items():
        listed = aggregate.AUDIENCES.get(kind)
        expected = roles if listed is None else [r.value for r in Role if r in listed | STAFF]
        assert sorted(message["x-audience"]) == sorted(expected), kind
        assert bool(message["x-projected-for"]) == (kind in aggregate.PROJECTORS), kind
    for kind, message in _messages(doc, "cmd.").items():
        assert set(message["x-roles"]) == {r.value for r in aggregate.PERMISSIONS.get(kind, ())}
    assert set(aggregate.AUDIENCES) <= EVENT_KINDS


def test_error_and_close_codes(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    assert schemas["ErrorCode"]["enum"] == [c.value for c in ErrorCode]
    assert schemas["CloseCode"]["enum"] == [int(c) for c in CloseCode]
    assert set(doc["info"]["x-close-codes"]) == {str(int(c)) for c in CloseCode}
    assert all(doc["info"]["x-close-codes"].values())
    error = doc["components"]["messages"]["error"]["payload"]
    assert error["properties"]["code"] == {"$ref": "#/components/schemas/ErrorCode"}


def test_envelopes(doc: dict[str, Any]) -> None:
    messages = doc["components"]["messages"]
    for cls in (Welcome, Snapshot, Ack, Error, Live, Pong):
        payload = messages[cls.__name__.lower()]["payload"]
        fields = set(cls.__dataclass_fields__) - {"type"}
        assert set(payload["properties"]) == fields | {"v", "type"}, cls
        assert payload["properties"]["v"] == {"const": PROTOCOL_VERSION}
    hello = messages["hello"]["payload"]["properties"]
    assert set(hello) == {"v", "type", "token", "resume", "lang"}
    sent = {m["$ref"].rsplit("/", 1)[1] for m in doc["operations"]["send"]["messages"]}
    received = {m["$ref"].rsplit("/", 1)[1] for m in doc["operations"]["receive"]["messages"]}
    assert sent | received == set(messages) and not sent & received
    assert {"hello", "ping"} | {f"cmd.{k}" for k in COMMAND_KINDS} == sent


def test_majority_rule_grammar_is_published(doc: dict[str, Any]) -> None:
    text = doc["components"]["schemas"]["MajorityRuleText"]["description"]
    for base in ("valid", "cast", "present", "entitled"):
        assert f"base={base}" in text
    rule_map = doc["components"]["schemas"]["RuleMap"]
    assert set(rule_map["properties"]) == {"fraction", "strict", "base", "vi", "en"}


def _validator() -> Path:
    """The AsyncAPI initiative's parser, installed from the lock file on first use."""
    node, npm = shutil.which("node"), shutil.which("npm")
    assert node and npm, "node and npm are needed to validate the AsyncAPI document"
    target = REPO / "var" / "asyncapi-validator"
    target.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json", "validate.mjs", "validate_frames.mjs"):
        shutil.copy(VALIDATOR / name, target / name)
    lock = (VALIDATOR / "package-lock.json").read_text()
    installed = target / "installed-lock.json"
    if not installed.is_file() or installed.read_text() != lock:
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=target, check=True, capture_output=True, timeout=600,
        )
        installed.write_text(lock)
    return target


def _validate(document: dict[str, Any], tmp_path: Path) -> tuple[int, dict[str, Any]]:
    target = _validator()
    path = tmp_path / "asyncapi.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    done = subprocess.run(
        ["node", str(target / "validate.mjs"), str(path)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    return done.returncode, json.loads(done.stdout)


def test_the_asyncapi_parser_accepts_the_document(doc: dict[str, Any], tmp_path: Path) -> None:
    code, report = _validate(doc, tmp_path)
    assert code == 0 and report["errors"] == [], report
    assert report["version"] == "3.0.0" and report["warnings"] == []


def test_the_asyncapi_parser_refuses_a_broken_document(
    doc: dict[str, Any], tmp_path: Path
) -> None:
    """The validator step can fail: a dangling message reference is an error."""
    broken = json.loads(json.dumps(doc))
    broken["operations"]["send"]["messages"].append(
        {"$ref": "#/channels/meeting/messages/cmd.no.such"}
    )
    code, report = _validate(broken, tmp_path)
    assert code == 1 and report["errors"], report


def logs() -> dict[str, list[Any]]:
    return {**fixture_logs(), "demo congress": demo_congress(), "every feature": every_feature()}


def _event_frames() -> list[dict[str, Any]]:
    """Every event of the test meetings (all kinds between them) as the frame a staff member
    gets, and, for projected kinds, as the frame a delegate gets."""
    cases = []
    for log in logs().values():
        for seq, event in enumerate(log, start=1):
            bodies = [event.body]
            if event.kind in aggregate.PROJECTORS:
                bodies.append(aggregate.PROJECTORS[event.kind](event, Role.DELEGATE))
            for body in bodies:
                frame = {"v": 1, "type": "event", "meeting": "m", "epoch": "e", "seq": seq,
                         "prev": 0, "kind": event.kind, "at": event.at, "body": body}
                cases.append({"message": f"event.{event.kind}",
                              "frame": json.loads(json.dumps(frame))})
    return cases


def _check_frames(doc: dict[str, Any], cases: list[dict[str, Any]], tmp_path: Path) -> str:
    target = _validator()
    (tmp_path / "doc.json").write_text(json.dumps(doc), encoding="utf-8")
    (tmp_path / "frames.json").write_text(json.dumps(cases), encoding="utf-8")
    done = subprocess.run(
        ["node", str(target / "validate_frames.mjs"), str(tmp_path / "doc.json"),
         str(tmp_path / "frames.json")],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


def test_real_event_frames_match_the_published_schemas(
    doc: dict[str, Any], tmp_path: Path
) -> None:
    cases = _event_frames()
    assert {c["frame"]["kind"] for c in cases} == EVENT_KINDS
    out = _check_frames(doc, cases, tmp_path)
    assert out.strip().endswith(f"{len(cases)} of {len(cases)} frames match"), out


def test_a_frame_off_the_schema_is_caught(doc: dict[str, Any], tmp_path: Path) -> None:
    """The frame check can fail: an unknown key, a missing key, a wrong type."""
    good = next(c for c in _event_frames() if c["frame"]["kind"] == "poll.created")
    extra, missing, wrong = (json.loads(json.dumps(good)) for _ in range(3))
    extra["frame"]["body"]["surprise"] = 1
    del missing["frame"]["body"]["title"]
    wrong["frame"]["seq"] = "7"
    out = _check_frames(doc, [good, extra, missing, wrong], tmp_path)
    assert out.strip().endswith("1 of 4 frames match"), out


def test_the_versions_a_client_may_speak(doc: dict[str, Any]) -> None:
    """Both ways: each version the contract lets a client announce is taken, others are refused
    with unsupported_version naming the supported ones."""
    messages = doc["components"]["messages"]
    published = messages["hello"]["payload"]["properties"]["v"]["enum"]
    assert published == list(SUPPORTED_VERSIONS) and PROTOCOL_VERSION in published
    for name in ("ping", *(f"cmd.{k}" for k in COMMAND_KINDS)):
        assert messages[name]["payload"]["properties"]["v"]["enum"] == published, name
    for version in published:
        assert decode_client(json.dumps({"v": version, "type": "ping"}), "json")
    for version in (max(published) + 1, min(published) - 1, True, "1", None):
        with pytest.raises(ProtocolError) as err:
            decode_client(json.dumps({"v": version, "type": "hello", "token": "t"}), "json")
        assert err.value.code is ErrorCode.UNSUPPORTED_VERSION, version
        assert err.value.details == {"supported": published}
    assert "unsupported_version" in doc["info"]["x-close-codes"]["1002"]
