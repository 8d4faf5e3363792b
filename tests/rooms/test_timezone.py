"""One time zone rule for the minutes and the shell: the meeting's zone if this machine knows
it, else the product's home zone (never UTC)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from rooms.aggregate import fold
from rooms.model import Actor, Command
from rooms.timezone import HOME_ZONE, meeting_zone, zone
from tests.rooms.contexts import decide_create

HOME = ZoneInfo("Asia/Ho_Chi_Minh")


def test_a_known_zone_is_the_meetings() -> None:
    assert meeting_zone("Europe/Berlin") == ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize("name", ["", "Asia", "Mars/Olympus_Mons", "../etc/passwd",
                                  "/etc/localtime", "Asia/", "UTC\x00"])
def test_no_zone_or_one_this_machine_does_not_know_is_the_home_zone(name: str) -> None:
    assert HOME_ZONE == "Asia/Ho_Chi_Minh"
    assert meeting_zone(name) == HOME


@pytest.mark.parametrize(("given", "expected"), [
    ({}, HOME),
    ({"timezone": "Asia/Tokyo"}, ZoneInfo("Asia/Tokyo")),
    ({"timezone": "Nowhere/Town"}, HOME),
])
def test_the_zone_of_a_meeting(given: dict[str, str], expected: ZoneInfo) -> None:
    body = {"title": "Đại hội", **given}
    state = fold(decide_create("m1", Command("meeting.create", body, Actor.admin()), 0))
    assert zone(state) == expected
