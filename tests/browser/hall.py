"""A busy meeting for the browser tests of the hall screen and the result marks: a long title,
six delegates present, a speaker on the floor with others waiting, approved questions, and a
14-candidate election for 3 seats, published, in which one candidate is elected, three are tied
for the last two seats and ten are not elected."""

from __future__ import annotations

from typing import Any

import httpx

LONG_TITLE = (
    "Đại hội đại biểu Mặt trận Tổ quốc Việt Nam tỉnh Quảng Ninh lần thứ XV, nhiệm kỳ 2024–2029: "
    "phiên họp toàn thể thứ hai về Báo cáo chính trị, Chương trình hành động, Điều lệ sửa đổi, "
    "bầu Ủy ban và Ban Kiểm tra, cùng các kiến nghị của đại biểu gửi Đại hội và Hội đồng nhân dân"
)
ITEM_TITLE = (
    "Bầu Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh khóa XV, nhiệm kỳ 2024–2029, và thông qua danh "
    "sách đề cử bổ sung của các đoàn đại biểu huyện, thị xã, thành phố trực thuộc tỉnh"
)
VOTERS = ("DB0004", "DB0005", "DB0006", "DB0007", "DB0008", "DB0009")
CANDIDATES = [
    "Nguyễn Thị Minh Khai", "Trần Văn Hùng", "Lê Thị Hồng Nhung", "Phạm Quốc Toản",
    "Hoàng Văn Thái", "Vũ Thị Thu Hương", "Đặng Minh Châu", "Bùi Xuân Phái",
    "Đỗ Thị Lan Anh", "Ngô Quang Huy", "Dương Văn Minh", "Lý Thị Ngọc Hân",
    "Phan Đình Phùng Giang", "Trịnh Công Sơn Lâm",
]
# c1 on every ballot (6 of 6: elected); c2, c3, c4 on four each (4 of 6, over half) for the
# two seats left: tied; the other ten on none.
BALLOTS = [["c1", "c2", "c3"], ["c1", "c2", "c4"], ["c1", "c3", "c4"]] * 2
QUESTIONS = [
    "Đề nghị làm rõ nguồn kinh phí thực hiện Chương trình hành động giai đoạn 2025–2029 "
    "và cơ chế giám sát của Mặt trận đối với các dự án đầu tư công tại địa phương?",
    "Vì sao danh sách đề cử chưa có đại biểu của khu vực miền núi và hải đảo?",
    "Khi nào Ủy ban công bố kết quả lấy ý kiến nhân dân về dự thảo Điều lệ sửa đổi?",
    "Kiến nghị bổ sung chỉ tiêu về chuyển đổi số trong hoạt động của Mặt trận các cấp",
    "Đề nghị tăng thời gian thảo luận tại tổ cho các đoàn đại biểu có nhiều ý kiến",
]


def token_of(join_url: str) -> str:
    return join_url.rstrip("/").rsplit("/", 1)[1]


def as_participant(meeting: Any, join_url: str, kind: str, body: dict[str, Any]) -> Any:
    """A command sent over HTTP with a participant's own join token."""
    response = httpx.post(
        f"{meeting.base_url}/api/meetings/{meeting.id}/commands",
        json={"kind": kind, "body": body},
        headers={"Authorization": f"Bearer {token_of(join_url)}"}, timeout=20,
    )
    assert response.status_code == 200, response.text
    return response.json()


def busy_meeting(new_meeting: Any, *, publish: bool = True) -> tuple[Any, dict[str, str]]:
    meeting = new_meeting(LONG_TITLE)
    meeting.import_roster()
    meeting.command("participant.add", {"id": "SCREEN1", "full_name": "Màn hình 1",
                                        "role": "screen"})
    meeting.command("meeting.open")
    meeting.command("agenda.import", {"items": [{"title": ITEM_TITLE, "kind": "vote",
                                                 "minutes": 30}]})
    meeting.command("agenda.set_current", {"id": "1"})
    links = meeting.links()
    for pid in VOTERS:
        meeting.command("checkin.manual", {"participant": pid})
    for pid in VOTERS[:4]:
        as_participant(meeting, links[pid], "speakers.request", {})
    meeting.command("speakers.give_floor", {"participant": VOTERS[0]})
    for i, text in enumerate(QUESTIONS):
        ack = as_participant(meeting, links[VOTERS[i]], "question.ask", {"text": text})
        meeting.command("question.approve", {"id": ack["result"]["id"]})
    meeting.command("poll.create", {
        "id": "bau", "title": "Bầu Ủy ban MTTQ tỉnh khóa XV (3 người)", "method": "approval",
        "candidates": [{"id": f"c{n}", "label": name} for n, name in enumerate(CANDIDATES, 1)],
        "seats": 3, "secret": True, "agenda_item": "1",
        "rule": "more than 1/2 of valid ballots",
    })
    meeting.command("poll.open", {"poll": "bau"})
    for pid, names in zip(VOTERS, BALLOTS, strict=True):
        as_participant(meeting, links[pid], "ballot.cast",
                       {"poll": "bau", "choice": names, "ballot_id": f"bau-{pid}"})
    if publish:
        meeting.command("poll.close", {"poll": "bau"})
        meeting.command("poll.publish", {"poll": "bau"})
    return meeting, links
