"""The JavaScript client library (clients/js/phonghop.js) in Chromium against a real server:
connect and hello, a command and its ack, a dropped socket resumed with no gap and no
duplicate, the offline queue flushed exactly once, typed errors carrying the contract's codes,
and the protocol version it announces.

The library is loaded from where the server serves it (/app/lib/), into a page of the server's
own origin, and driven with ``page.evaluate``: no view is involved."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, WebSocket

from tests.browser.conftest import ROOT
from tests.browser.hall import token_of

pytestmark = pytest.mark.browser

# Starts a client in the page as window.c (events it applied in window.applied), with the
# library as window.lib. `version` (when given) replaces the version in the hello frame, as a
# client that speaks another version would send it.
START = """async ({token, version}) => {
  const lib = await import("/app/lib/phonghop.js");
  window.lib = lib;
  class Client extends lib.Client {
    helloFrame() {
      const hello = super.helloFrame();
      return version === null ? hello : { ...hello, v: version };
    }
  }
  const c = new Client({ token, storage: null });
  window.c = c;
  window.applied = [];
  window.errors = [];
  c.addEventListener("event", (e) => window.applied.push([e.detail.seq, e.detail.kind]));
  c.addEventListener("server-error", (e) => window.errors.push(e.detail));
  c.start();
}"""
# The link drops and cannot come back (its address answers 404) until RECONNECT.
DROP = """() => {
  window.realUrl = c.url;
  c.url = c.url.replace("/ws/", "/no-ws/");
  c.ws.close();
}"""
RECONNECT = "() => { c.url = window.realUrl; c.attempt = 0; c.kick(); }"


def start_client(page: Page, join_url: str, version: int | None = None) -> None:
    page.evaluate(START, {"token": token_of(join_url), "version": version})


def wait_status(page: Page, status: str) -> None:
    page.wait_for_function("(s) => window.c.status === s", arg=status)


def frames_sent(page: Page) -> list[dict[str, Any]]:
    """Every frame the page sends on any WebSocket, decoded, from now on."""
    sent: list[dict[str, Any]] = []

    def watch(ws: WebSocket) -> None:
        ws.on("framesent", lambda payload: sent.append(json.loads(payload)))

    page.on("websocket", watch)
    return sent


@pytest.fixture
def lib_page(open_page: Callable[..., Page], server: Any) -> Page:
    """A page of the server's origin, without a token (the sign-in screen)."""
    page = open_page(f"{server.base_url}/app/")
    page.wait_for_selector("body[data-view='signin']")
    return page


def test_connect_command_drop_and_resume(lib_page: Page, new_meeting: Any) -> None:
    meeting = new_meeting()
    sent = frames_sent(lib_page)
    start_client(lib_page, meeting.secretary_url)
    wait_status(lib_page, "online")
    hello = sent[0]
    assert hello["type"] == "hello" and hello["v"] == 1 and "resume" not in hello
    assert lib_page.evaluate("c.participant.id") == "TK01"

    ack = lib_page.evaluate("() => c.send('meeting.update', {place: 'Hội trường A'})")
    assert ack["type"] == "ack" and ack["seq"] > 0
    lib_page.wait_for_function("(seq) => c.pos >= seq", arg=ack["seq"])
    before = lib_page.evaluate("c.pos")

    lib_page.evaluate(DROP)
    wait_status(lib_page, "reconnecting")
    # The meeting goes on while the socket is down.
    meeting.command("meeting.open")
    meeting.command("meeting.adjourn", {"reason": "Nghỉ giải lao"})
    meeting.command("meeting.resume")
    last = meeting.command("meeting.update", {"title": "Phiên thứ hai"})["seq"]
    lib_page.evaluate(RECONNECT)
    wait_status(lib_page, "online")
    lib_page.wait_for_function("(seq) => c.pos === seq", arg=last)

    resumed = [f for f in sent if f["type"] == "hello"][-1]
    assert resumed["resume"] == {"epoch": lib_page.evaluate("c.epoch"), "seq": before}
    assert lib_page.evaluate("c.lastResume") == "replay"
    applied = [tuple(x) for x in lib_page.evaluate("window.applied")]
    after = [kind for seq, kind in applied if seq > before]
    assert after == ["meeting.opened", "meeting.adjourned", "meeting.resumed", "meeting.updated"]
    seqs = [seq for seq, _ in applied]
    assert seqs == sorted(set(seqs)), applied  # each event once, in order
    assert lib_page.evaluate("c.resyncs") is None  # no gap was seen

    # An event delivered twice (a replay overlapping the live stream) is applied once.
    lib_page.evaluate("""() => c.receive({v: 1, type: "event", meeting: c.meeting,
        epoch: c.epoch, seq: c.pos, prev: c.pos - 1, kind: "meeting.updated", at: 0,
        body: {title: "again"}})""")
    assert len(lib_page.evaluate("window.applied")) == len(applied)


def test_offline_queue_flushes_once(lib_page: Page, new_meeting: Any) -> None:
    meeting = new_meeting()
    meeting.command("participant.add", {"id": "DB1", "full_name": "Trần Văn An",
                                        "role": "delegate"})
    meeting.command("meeting.open")
    sent = frames_sent(lib_page)
    start_client(lib_page, meeting.links()["DB1"])
    wait_status(lib_page, "online")

    lib_page.evaluate(DROP)
    wait_status(lib_page, "reconnecting")
    lib_page.evaluate("""() => {
        window.checkin = c.send("checkin.self", {device: "tablet-1"});
        window.refused = c.send("speakers.reorder", {order: []}).catch((e) => e);
    }""")
    assert lib_page.evaluate("c.queued") == 1
    refused = lib_page.evaluate("""async () => { const e = await window.refused;
        return {typed: e instanceof lib.CommandError, code: e.code}; }""")
    assert refused == {"typed": True, "code": "offline"}  # not safe to queue: refused at once

    lib_page.evaluate(RECONNECT)
    ack = lib_page.evaluate("() => window.checkin")
    assert ack["type"] == "ack" and ack["result"]["participant"] == "DB1"
    assert lib_page.evaluate("c.queued") == 0

    # Another drop and reconnect: the acked command is not sent again.
    lib_page.evaluate(DROP)
    wait_status(lib_page, "reconnecting")
    lib_page.evaluate(RECONNECT)
    wait_status(lib_page, "online")
    lib_page.wait_for_function("() => c.lastResume === 'replay'")
    checkins = [f for f in sent if f["type"] == "cmd" and f["kind"] == "checkin.self"]
    assert len(checkins) == 1 and checkins[0]["id"] == ack["id"], checkins
    assert len([f for f in sent if f["type"] == "hello"]) == 3


def test_a_refused_command_raises_the_typed_error(lib_page: Page, new_meeting: Any) -> None:
    meeting = new_meeting()
    meeting.command("participant.add", {"id": "DB1", "full_name": "Trần Văn An",
                                        "role": "delegate"})
    start_client(lib_page, meeting.links()["DB1"])
    wait_status(lib_page, "online")
    caught = lib_page.evaluate("""async () => {
        try { await c.send("meeting.open", {}); return null; }
        catch (e) {
            return {command: e instanceof lib.CommandError,
                    base: e instanceof lib.PhonghopError, error: e instanceof Error,
                    code: e.code, known: e.code === lib.ErrorCode.FORBIDDEN};
        }
    }""")
    assert caught == {"command": True, "base": True, "error": True, "code": "forbidden",
                      "known": True}
    caught = lib_page.evaluate("""async () => {
        try { await c.send("question.ask", {text: 5}); return null; }
        catch (e) { return {code: e.code, details: e.details}; }
    }""")
    assert caught is not None and caught["code"] == "bad_field"
    assert lib_page.evaluate("c.status") == "online"  # a rejection keeps the connection


def test_the_codes_are_the_contracts(lib_page: Page, server: Any) -> None:
    contract = httpx.get(f"{server.base_url}/asyncapi.json", timeout=20).json()
    lib_page.evaluate("async () => { window.lib = await import('/app/lib/phonghop.js'); }")
    codes = lib_page.evaluate("Object.values(lib.ErrorCode)")
    assert codes == contract["components"]["schemas"]["ErrorCode"]["enum"]
    close_codes = lib_page.evaluate("Object.values(lib.CloseCode)")
    assert sorted(close_codes) == sorted(int(c) for c in contract["info"]["x-close-codes"])
    assert lib_page.evaluate("lib.PROTOCOL_VERSION") in (
        contract["components"]["messages"]["hello"]["payload"]["properties"]["v"]["enum"]
    )


def test_another_protocol_version_is_refused(lib_page: Page, new_meeting: Any) -> None:
    meeting = new_meeting()
    start_client(lib_page, meeting.secretary_url, version=2)
    wait_status(lib_page, "failed")
    assert lib_page.evaluate("c.failure") == {"code": 1002, "reason": "unsupported_version"}
    error = lib_page.evaluate("window.errors")[0]
    assert error["code"] == "unsupported_version" and error["details"]["supported"] == [1]
    assert lib_page.evaluate("c.timers.retry") is None  # it does not retry: a retry cannot help


def readme_example() -> str:
    """The 20-line example of clients/js/README.md, its import made a dynamic one so that it
    runs inside ``page.evaluate``."""
    text = (ROOT / "clients" / "js" / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- example: js-client -->\n```js\n", 1)[1].split("```", 1)[0]
    assert len(block.strip().splitlines()) <= 20
    return re.sub(r'^import \{(.*)\} from "(.*)";$', r'const {\1} = await import("\2");',
                  block, flags=re.M)


def test_the_readme_example_runs(lib_page: Page, new_meeting: Any) -> None:
    meeting = new_meeting()
    meeting.command("participant.add", {"id": "DB1", "full_name": "Trần Văn An",
                                        "role": "delegate"})
    lib_page.evaluate(
        "async ({token}) => { const rendered = []; const render = (s) => rendered.push(s);\n"
        + readme_example()
        + "\nwindow.c = client; window.example = {askToSpeak, vote, rendered}; }",
        {"token": token_of(meeting.links()["DB1"])},
    )
    wait_status(lib_page, "online")
    assert lib_page.evaluate("example.rendered.at(-1).me.id") == "DB1"
    assert lib_page.evaluate("example.askToSpeak()") == "no agenda item is being discussed"
    meeting.command("meeting.open")
    meeting.command("agenda.import", {"items": [{"id": "1", "title": "Thảo luận"}]})
    meeting.command("agenda.set_current", {"id": "1"})
    assert lib_page.evaluate("example.askToSpeak()").startswith("in the queue (log position ")
    assert lib_page.evaluate("example.askToSpeak()") == "already in the queue"
    meeting.command("checkin.manual", {"participant": "DB1"})
    meeting.command("poll.create", {"id": "p1", "title": "Thông qua", "method": "yes_no_abstain",
                                    "rule": "more than 1/2 of valid ballots"})
    meeting.command("poll.open", {"poll": "p1"})
    ack = lib_page.evaluate("example.vote('p1', 'yes')")
    assert ack["type"] == "ack" and ack["result"]["voter"] == "DB1" and ack["result"]["receipt"]
