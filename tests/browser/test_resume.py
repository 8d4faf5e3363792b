"""A delegate tablet survives a server restart: the page shows that it is reconnecting, finds
the new process on the same address by itself, and resumes from its position, showing what
happened while it was away exactly once. Also: gaps and duplicates in the event stream, and
the offline queue (idempotent commands wait; others are refused clearly)."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LAPTOP, TABLET

pytestmark = pytest.mark.browser


def wait_healthy(base_url: str, proc: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the restarted server exited"
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"no server at {base_url} after {timeout}s")


def history_kinds(page: Page) -> list[str]:
    return list(
        page.eval_on_selector_all("#history li[data-kind]", "els => els.map(e => e.dataset.kind)")
    )


def test_delegate_page_survives_a_restart(
    server: Any, start_server: Any, new_meeting: Any, open_page: Any, shot: Any
) -> None:
    meeting = new_meeting()
    meeting.import_roster()
    meeting.command("meeting.open")
    delegate = open_page(meeting.links()["DB0004"], TABLET)
    expect(delegate.locator(".me-status .status")).to_have_attribute("data-status", "open")
    expect(delegate.locator("#conn")).to_have_attribute("data-status", "online")
    delegate.evaluate("window.__same_page = true")

    # The server process dies (SIGKILL, as a crash would).
    server.kill()
    expect(delegate.locator("#banner")).to_be_visible()
    expect(delegate.locator("#banner")).to_contain_text("Đang kết nối lại")
    expect(delegate.locator("body")).to_have_attribute("data-conn", "reconnecting")
    shot(delegate, "delegate-reconnecting")

    # While it is away, the meeting goes on through another process on the same Redis.
    other = start_server()
    away = type(meeting)(meeting.id, other.base_url)
    away.command("meeting.adjourn", {"reason": "Nghỉ giải lao 15 phút"})
    away.command("meeting.resume")
    away.command("meeting.update", {"title": "Đại hội MTTQ tỉnh Quảng Ninh — phiên thứ hai"})
    other.terminate()

    # A new process on the address the page knows.
    restarted = start_server(args=["--port", str(server.port)], wait=False)
    wait_healthy(server.base_url, restarted.proc)

    expect(delegate.locator("#conn")).to_have_attribute("data-status", "online", timeout=30_000)
    expect(delegate.locator("#banner")).to_be_hidden()
    assert delegate.evaluate("window.__same_page === true"), "the page reloaded instead of resuming"
    assert delegate.evaluate("window.phonghop.client.lastResume") == "replay"
    expect(delegate.locator("#meeting-title")).to_have_text(
        "Đại hội MTTQ tỉnh Quảng Ninh — phiên thứ hai"
    )
    expect(delegate.locator(".me-status .status")).to_have_attribute("data-status", "open")
    kinds = history_kinds(delegate)
    assert "meeting.opened" not in kinds  # it came in the snapshot, before the page joined
    for kind in ("meeting.adjourned", "meeting.resumed", "meeting.updated"):
        assert kinds.count(kind) == 1, kinds
    seqs = delegate.eval_on_selector_all(
        "#history li[data-seq]", "els => els.map(e => +e.dataset.seq)"
    )
    assert len(seqs) == len(set(seqs)), seqs

    # Live again: the next event arrives without a reload.
    meeting.command("meeting.adjourn", {"reason": "Ăn trưa"})
    expect(delegate.locator(".me-status .status")).to_have_attribute("data-status", "adjourned")
    shot(delegate, "delegate-resumed", True)


def test_gap_and_duplicate_detection(new_meeting: Any, open_page: Any) -> None:
    meeting = new_meeting()
    meeting.import_roster()
    delegate = open_page(meeting.links()["DB0004"], TABLET)
    expect(delegate.locator("#conn")).to_have_attribute("data-status", "online")
    meeting.command("meeting.open")
    expect(delegate.locator("#history li[data-kind='meeting.opened']")).to_have_count(1)
    pos = delegate.evaluate("window.phonghop.client.pos")
    epoch = delegate.evaluate("window.phonghop.client.epoch")

    # A duplicate (seq at or below the position) is dropped.
    delegate.evaluate(
        """([epoch, pos]) => window.phonghop.client.receive({v: 1, type: "event", meeting: "x",
            epoch, seq: pos, prev: pos - 1, kind: "meeting.closed", at: Date.now(), body: {}})""",
        [epoch, pos],
    )
    delegate.wait_for_timeout(300)
    expect(delegate.locator(".me-status .status")).to_have_attribute("data-status", "open")

    # An event whose prev is ahead of the position means something was missed: the client
    # drops it, reconnects and resumes from its position (the server replays what is real).
    resyncs = delegate.evaluate("window.phonghop.client.resyncs || 0")
    delegate.evaluate(
        """([epoch, pos]) => window.phonghop.client.receive({v: 1, type: "event", meeting: "x",
            epoch, seq: pos + 5, prev: pos + 4, kind: "meeting.closed", at: Date.now(),
            body: {}})""",
        [epoch, pos],
    )
    expect(delegate.locator("#conn")).to_have_attribute("data-status", "online")
    assert delegate.evaluate("window.phonghop.client.resyncs") == resyncs + 1
    assert delegate.evaluate("window.phonghop.client.pos") == pos
    expect(delegate.locator(".me-status .status")).to_have_attribute("data-status", "open")
    meeting.command("meeting.adjourn")
    expect(delegate.locator(".me-status .status")).to_have_attribute("data-status", "adjourned")
    assert history_kinds(delegate).count("meeting.adjourned") == 1


def test_offline_queue(server: Any, start_server: Any, new_meeting: Any, open_page: Any) -> None:
    meeting = new_meeting()
    meeting.import_roster()
    meeting.command("meeting.open")
    links = meeting.links()
    delegate = open_page(links["DB0004"], TABLET)
    chair = open_page(links["DB0001"], LAPTOP)
    expect(delegate.locator("#conn")).to_have_attribute("data-status", "online")
    expect(chair.locator("#conn")).to_have_attribute("data-status", "online")
    # Both views loaded before the server goes away.
    expect(delegate.locator("#btn-checkin")).to_be_visible()
    expect(chair.locator("#btn-meeting-adjourn")).to_be_visible()

    server.kill()
    expect(delegate.locator("#conn")).to_have_attribute("data-status", "reconnecting")
    expect(chair.locator("#conn")).to_have_attribute("data-status", "reconnecting")

    # Check-in is idempotent: it waits in the queue and the banner says so.
    delegate.click("#btn-checkin")
    expect(delegate.locator("#banner")).to_contain_text("1 thao tác đang chờ gửi")
    # Adjourning is not: the chair is told at once that nothing was sent.
    chair.click("#btn-meeting-adjourn")
    chair.click("#dialog-ok")
    expect(chair.locator(".toast-error")).to_contain_text("Chưa có kết nối")

    restarted = start_server(args=["--port", str(server.port)], wait=False)
    wait_healthy(server.base_url, restarted.proc)
    expect(delegate.locator("#conn")).to_have_attribute("data-status", "online", timeout=30_000)
    expect(delegate.locator("#my-checkin")).to_have_attribute("data-status", "present")
    expect(chair.locator(".me-status, #lifecycle .status")).to_have_attribute("data-status", "open")
    checked = meeting.request("GET", f"/api/meetings/{meeting.id}/log.json").json()
    assert [e["kind"] for e in checked["events"]].count("attendance.checked_in") == 1
