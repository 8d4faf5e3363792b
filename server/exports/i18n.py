"""Labels of the exported minutes and tables in Vietnamese (default) and English, and the
number, date and time formats each language writes them in."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Final, Literal

Lang = Literal["vi", "en"]
DEFAULT_LANG: Final[Lang] = "vi"

# The national header is the same in both languages: it is the official form of the document,
# not a label (an English copy of Vietnamese minutes keeps it).
NATION: Final = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO: Final = "Độc lập - Tự do - Hạnh phúc"

CATALOGUE: Final[dict[Lang, dict[str, str]]] = {
    "vi": {
        "title": "BIÊN BẢN",
        "draft": "DỰ THẢO",
        "reference": "Số: {ref}",
        "page": "Trang {page}/{pages}",
        "opening": "Vào hồi {time}, {date}, tại {place}, {title} được tiến hành.",
        # sections
        "sec_attendance": "THÀNH PHẦN THAM DỰ",
        "sec_agenda": "NỘI DUNG VÀ DIỄN BIẾN",
        "sec_polls": "KẾT QUẢ BIỂU QUYẾT VÀ BẦU CỬ",
        "sec_closing": "KẾT THÚC",
        # attendance
        "entitled": "Tổng số đại biểu được triệu tập: {n}",
        "present": "Số đại biểu có mặt: {n}",
        "absent": "Số đại biểu vắng mặt: {n}",
        "weight_note": " (tổng trọng số {w}/{total})",
        "chair": "Chủ tọa: {name}",
        "secretary": "Thư ký: {name}",
        "quorum_rule": "Điều kiện tiến hành: {rule}",
        "quorum_met": "Khi khai mạc có {present}/{entitled} đại biểu có mặt ({pct}): "
        "đủ điều kiện tiến hành.",
        "quorum_not_met": "Khi khai mạc có {present}/{entitled} đại biểu có mặt ({pct}): "
        "không đủ điều kiện tiến hành.",
        "absent_list": "Danh sách đại biểu vắng mặt:",
        "absent_by_delegation": "Danh sách đại biểu vắng mặt, theo đoàn:",
        "col_absent_count": "Số vắng",
        "col_absent_names": "Họ và tên (lý do vắng, nếu có)",
        "no_delegation": "Không thuộc đoàn",
        "continued": "{name} (tiếp)",
        "proxy_list": "Ủy quyền biểu quyết:",
        "reason_none": "Không có lý do",
        "col_no": "STT",
        "col_name": "Họ và tên",
        "col_delegation": "Đoàn",
        "col_reason": "Lý do",
        "col_proxy_from": "Người ủy quyền",
        "col_proxy_to": "Người nhận ủy quyền",
        "col_time": "Thời điểm",
        # agenda
        "no_items": "Không có nội dung nào được tiến hành.",
        "item_time": "Thời gian: {start} – {end}",
        "item_open": "chưa kết thúc",
        "item_kind": "Loại nội dung: {kind}",
        "kind_procedural": "Thủ tục",
        "kind_report": "Báo cáo",
        "kind_discussion": "Thảo luận",
        "kind_vote": "Biểu quyết",
        "kind_election": "Bầu cử",
        "documents": "Tài liệu:",
        "doc_version": "phiên bản {v}",
        "doc_pages": "{n} trang",
        "speakers": "Phát biểu ({n} lượt):",
        "col_duration": "Thời lượng",
        "feedback": "Góp ý: {count} ý kiến; {accepted} ý kiến được tiếp thu; "
        "{answered} ý kiến được giải trình.",
        "feedback_samples": "Một số ý kiến tiêu biểu:",
        "upvotes": "{n} đại biểu đồng tình",
        "anonymous": "Ẩn danh",
        "notes": "Ghi chú của thư ký:",
        "poll_ref": "Kết quả biểu quyết: xem mục III.{n}.",
        "questions": "Câu hỏi của đại biểu được đưa ra hội nghị ({n} câu hỏi):",
        "general_questions": "Câu hỏi chung",
        "col_question": "Câu hỏi",
        "col_asked_by": "Người hỏi",
        "col_support": "Số đại biểu đồng tình",
        "col_answered": "Trả lời",
        "answered_yes": "Đã trả lời",
        "answered_no": "Chưa trả lời",
        # polls
        "no_polls": "Không có nội dung biểu quyết hay bầu cử.",
        "poll_form": "Hình thức: {form}",
        "form_secret": "bỏ phiếu kín",
        "form_open": "biểu quyết công khai",
        "poll_method": "Phương thức: {method}",
        "method_yes_no_abstain": "tán thành / không tán thành / không biểu quyết",
        "method_single": "chọn một phương án",
        "method_multiple": "chọn nhiều phương án",
        "method_approval": "bầu {seats} trong số {candidates} người (gạch tên)",
        "method_short_yes_no_abstain": "Tán thành / Không tán thành / Không biểu quyết",
        "method_short_single": "Chọn một phương án",
        "method_short_multiple": "Chọn nhiều phương án",
        "method_short_approval": "Bầu cử (gạch tên)",
        "poll_rule": "Nguyên tắc: {rule}",
        "poll_base": "Tỷ lệ tính trên {base}: {value}",
        "base_valid": "số phiếu hợp lệ",
        "base_cast": "số phiếu thu về",
        "base_present": "số đại biểu có mặt",
        "base_entitled": "tổng số đại biểu",
        "poll_time": "Thời gian: {start} – {end}",
        "poll_counts": "Số đại biểu có quyền biểu quyết: {eligible}; số phiếu thu về: {cast}; "
        "hợp lệ: {valid}; không hợp lệ: {invalid}.",
        "col_option": "Phương án",
        "col_candidate": "Ứng cử viên",
        "col_count": "Số phiếu",
        "col_weight": "Trọng số",
        "col_pct_base": "Tỷ lệ trên {base}",
        "col_pct_entitled": "Tỷ lệ trên tổng số đại biểu",
        "col_result": "Kết quả",
        "option_yes": "Tán thành",
        "option_no": "Không tán thành",
        "option_abstain": "Không biểu quyết",
        "result_elected": "Trúng cử",
        "result_tied": "Bằng phiếu",
        "result_not_elected": "Không trúng cử",
        "result_passed": "Thông qua",
        "result_failed": "Không thông qua",
        "outcome_passed": "Kết quả: thông qua.",
        "outcome_failed": "Kết quả: không thông qua.",
        "outcome_counted": "Kết quả: đã kiểm phiếu (không có nội dung thông qua hay bầu).",
        "result_counted": "Đã kiểm phiếu",
        "outcome_elected": "Kết quả: {n}/{seats} người trúng cử: {names}.",
        "outcome_none_elected": "Kết quả: không có người trúng cử.",
        "outcome_tied": "Có {n} người bằng số phiếu ở vị trí cuối: {names}. Trường hợp bằng phiếu "
        "được báo cáo, không tự phân định; xử lý theo quy chế bầu cử.",
        "outcome_unfilled": "Số người còn thiếu so với số lượng được bầu: {n}.",
        "receipts": "Mã tổng hợp biên nhận phiếu:",
        "poll_annex_ref": "Kết quả biểu quyết của từng đại biểu: xem Phụ lục, mục {n}.",
        # annex: named votes
        "annex_title": "PHỤ LỤC",
        "annex_subtitle": "KẾT QUẢ BIỂU QUYẾT CÔNG KHAI",
        "annex_attached": "(Kèm theo Biên bản {title})",
        "annex_attached_ref": "(Kèm theo Biên bản số {ref})",
        "annex_poll": "Kết quả tổng hợp: xem mục III.{n}. Số phiếu: {count}.",
        "annex_roll_call": "Kết quả tổng hợp: xem mục III.{n}. Số đại biểu có quyền biểu quyết: "
        "{eligible}; số phiếu thu về: {cast}; không bỏ phiếu: {missing}.",
        "col_code": "Mã đại biểu",
        "col_seat": "Ghế",
        "col_choice": "Lựa chọn",
        "col_note": "Ghi chú",
        "cast_by": "do {name} bỏ phiếu thay",
        # Not "Không biểu quyết": that is the abstain option, a ballot that was cast.
        "choice_not_voted": "Không bỏ phiếu",
        "proxy_not_cast": "{name} nhận ủy quyền nhưng không bỏ phiếu thay",
        "choice_blank": "Không chọn phương án nào",
        "choice_blank_approval": "Gạch tên tất cả",
        # closing and signatures
        "closing": "Cuộc họp kết thúc vào hồi {time}, {date}.",
        "seal": "Biên bản được lập từ nhật ký cuộc họp gồm {count} sự kiện. "
        "Mã băm cuối của nhật ký ({algorithm}):",
        "seal_no_hash": "Biên bản được lập từ nhật ký cuộc họp gồm {count} sự kiện.",
        "sig_secretary": "THƯ KÝ",
        "sig_chair": "CHỦ TỌA",
        "sign_hint": "(Ký, ghi rõ họ tên)",
        # tables (CSV/XLSX)
        "sheet_attendance": "Điểm danh",
        "sheet_polls": "Kết quả biểu quyết",
        "h_code": "Mã đại biểu",
        "h_full_name": "Họ và tên",
        "h_delegation": "Đoàn",
        "h_title": "Chức vụ",
        "h_seat": "Ghế",
        "h_status": "Trạng thái",
        "h_checked_in_at": "Giờ điểm danh",
        "h_absence_reason": "Lý do vắng",
        "h_proxy_to": "Ủy quyền cho",
        "h_weight": "Trọng số",
        "status_present": "Có mặt",
        "status_absent": "Vắng mặt",
        "h_poll": "Nội dung biểu quyết",
        "h_method": "Phương thức",
        "h_form": "Hình thức",
        "h_base": "Cơ sở tính tỷ lệ",
        "h_base_value": "Giá trị cơ sở",
        "h_option": "Phương án / Ứng cử viên",
        "h_count": "Số phiếu",
        "h_pct_base": "Tỷ lệ trên cơ sở (%)",
        "h_pct_entitled": "Tỷ lệ trên tổng số đại biểu (%)",
        "h_result": "Kết quả",
    },
    "en": {
        "title": "MINUTES",
        "draft": "DRAFT",
        "reference": "No.: {ref}",
        "page": "Page {page}/{pages}",
        "opening": "{title} was held at {place}, opening at {time} on {date}.",
        "sec_attendance": "ATTENDANCE",
        "sec_agenda": "PROCEEDINGS",
        "sec_polls": "VOTES AND ELECTIONS",
        "sec_closing": "CLOSING",
        "entitled": "Delegates convened: {n}",
        "present": "Delegates present: {n}",
        "absent": "Delegates absent: {n}",
        "weight_note": " (total weight {w}/{total})",
        "chair": "Chair: {name}",
        "secretary": "Secretary: {name}",
        "quorum_rule": "Quorum rule: {rule}",
        "quorum_met": "At the opening {present} of {entitled} delegates were present ({pct}): "
        "the quorum was met.",
        "quorum_not_met": "At the opening {present} of {entitled} delegates were present "
        "({pct}): the quorum was not met.",
        "absent_list": "Absent delegates:",
        "absent_by_delegation": "Absent delegates, by delegation:",
        "col_absent_count": "Absent",
        "col_absent_names": "Full name (reason, if given)",
        "no_delegation": "No delegation",
        "continued": "{name} (continued)",
        "proxy_list": "Proxies:",
        "reason_none": "No reason given",
        "col_no": "No.",
        "col_name": "Full name",
        "col_delegation": "Delegation",
        "col_reason": "Reason",
        "col_proxy_from": "Given by",
        "col_proxy_to": "Held by",
        "col_time": "Time",
        "no_items": "No agenda items were taken.",
        "item_time": "Time: {start} – {end}",
        "item_open": "not finished",
        "item_kind": "Kind: {kind}",
        "kind_procedural": "Procedure",
        "kind_report": "Report",
        "kind_discussion": "Discussion",
        "kind_vote": "Vote",
        "kind_election": "Election",
        "documents": "Documents:",
        "doc_version": "version {v}",
        "doc_pages": "{n} pages",
        "speakers": "Speakers ({n}):",
        "col_duration": "Duration",
        "feedback": "Feedback: {count} received; {accepted} accepted; {answered} answered.",
        "feedback_samples": "Representative comments:",
        "upvotes": "supported by {n}",
        "anonymous": "Anonymous",
        "notes": "Secretary's notes:",
        "poll_ref": "Result: see III.{n}.",
        "questions": "Questions from delegates put to the meeting ({n}):",
        "general_questions": "General questions",
        "col_question": "Question",
        "col_asked_by": "Asked by",
        "col_support": "Votes",
        "col_answered": "Answer",
        "answered_yes": "Answered",
        "answered_no": "Not answered",
        "no_polls": "No votes or elections were held.",
        "poll_form": "Form: {form}",
        "form_secret": "secret ballot",
        "form_open": "open vote",
        "poll_method": "Method: {method}",
        "method_yes_no_abstain": "yes / no / abstain",
        "method_single": "single choice",
        "method_multiple": "multiple choice",
        "method_approval": "election of {seats} from {candidates} candidates (approval ballot)",
        "method_short_yes_no_abstain": "Yes / No / Abstain",
        "method_short_single": "Single choice",
        "method_short_multiple": "Multiple choice",
        "method_short_approval": "Election (approval ballot)",
        "poll_rule": "Rule: {rule}",
        "poll_base": "Percentages of {base}: {value}",
        "base_valid": "valid ballots",
        "base_cast": "ballots cast",
        "base_present": "delegates present",
        "base_entitled": "all delegates",
        "poll_time": "Time: {start} – {end}",
        "poll_counts": "Eligible to vote: {eligible}; ballots cast: {cast}; valid: {valid}; "
        "invalid: {invalid}.",
        "col_option": "Option",
        "col_candidate": "Candidate",
        "col_count": "Votes",
        "col_weight": "Weight",
        "col_pct_base": "% of {base}",
        "col_pct_entitled": "% of all delegates",
        "col_result": "Result",
        "option_yes": "Yes",
        "option_no": "No",
        "option_abstain": "Abstain",
        "result_elected": "Elected",
        "result_tied": "Tied",
        "result_not_elected": "Not elected",
        "result_passed": "Passed",
        "result_failed": "Not passed",
        "outcome_passed": "Result: passed.",
        "outcome_failed": "Result: not passed.",
        "outcome_counted": "Result: counted (nothing to pass or elect).",
        "result_counted": "Counted",
        "outcome_elected": "Result: {n} of {seats} elected: {names}.",
        "outcome_none_elected": "Result: nobody was elected.",
        "outcome_tied": "{n} candidates tied for the last seat(s): {names}. The tie is "
        "reported, not broken; it is resolved under the election rules.",
        "outcome_unfilled": "Seats left unfilled: {n}.",
        "receipts": "Ballot receipts digest:",
        "poll_annex_ref": "How each delegate voted: see the Annex, {n}.",
        "annex_title": "ANNEX",
        "annex_subtitle": "NAMED VOTES",
        "annex_attached": "(Attached to the minutes of {title})",
        "annex_attached_ref": "(Attached to minutes no. {ref})",
        "annex_poll": "Totals: see III.{n}. Ballots: {count}.",
        "annex_roll_call": "Totals: see III.{n}. Eligible to vote: {eligible}; ballots cast: "
        "{cast}; did not vote: {missing}.",
        "col_code": "Delegate code",
        "col_seat": "Seat",
        "col_choice": "Choice",
        "col_note": "Note",
        "cast_by": "cast by {name} as proxy",
        "choice_not_voted": "Did not vote",
        "proxy_not_cast": "proxy held by {name}, not cast",
        "choice_blank": "No option chosen",
        "choice_blank_approval": "All names struck out",
        "closing": "The meeting closed at {time} on {date}.",
        "seal": "These minutes were generated from the meeting log of {count} events. "
        "Final log hash ({algorithm}):",
        "seal_no_hash": "These minutes were generated from the meeting log of {count} events.",
        "sig_secretary": "SECRETARY",
        "sig_chair": "CHAIR",
        "sign_hint": "(Signature and full name)",
        "sheet_attendance": "Attendance",
        "sheet_polls": "Poll results",
        "h_code": "Delegate code",
        "h_full_name": "Full name",
        "h_delegation": "Delegation",
        "h_title": "Position",
        "h_seat": "Seat",
        "h_status": "Status",
        "h_checked_in_at": "Checked in at",
        "h_absence_reason": "Absence reason",
        "h_proxy_to": "Proxy to",
        "h_weight": "Weight",
        "status_present": "Present",
        "status_absent": "Absent",
        "h_poll": "Poll",
        "h_method": "Method",
        "h_form": "Form",
        "h_base": "Percentage base",
        "h_base_value": "Base value",
        "h_option": "Option / candidate",
        "h_count": "Votes",
        "h_pct_base": "% of base",
        "h_pct_entitled": "% of all delegates",
        "h_result": "Result",
    },
}

_MONTHS_EN: Final = (
    "January February March April May June July August September October November December"
).split()


def lang_of(lang: str | None) -> Lang:
    """The catalogue language for a requested one; anything unknown falls back to Vietnamese."""
    return "en" if lang == "en" else DEFAULT_LANG


def t(lang: Lang, key: str, **values: object) -> str:
    """The label `key` in `lang`, with `values` filled in."""
    text = CATALOGUE[lang][key]
    return text.format(**values) if values else text


def t_or(lang: Lang, key: str, fallback: str, **values: object) -> str:
    """The label `key` if the catalogue has it, else `fallback`: for open vocabularies
    (agenda kinds, poll methods) where unknown values are printed as given."""
    if key not in CATALOGUE[lang]:
        return fallback
    return t(lang, key, **values)


def option_label(method: str, key: str, label: str, lang: Lang) -> str:
    """The printed label of a poll option: the yes/no/abstain options of such a poll, when
    labelled only by their key, are translated; every other label is printed as written."""
    if method == "yes_no_abstain" and label in ("", key):
        return t_or(lang, f"option_{key}", label or key)
    return label


def _group(digits: str, sep: str) -> str:
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return sep.join(parts)


def fmt_number(value: int | Decimal, lang: Lang) -> str:
    """12345 → "12.345" (vi) / "12,345" (en); 1.5 → "1,5" / "1.5"."""
    thousands, point = (".", ",") if lang == "vi" else (",", ".")
    text = format(value, "f") if isinstance(value, Decimal) else str(value)
    sign = "-" if text.startswith("-") else ""
    whole, _, fraction = text.lstrip("-").partition(".")
    return sign + _group(whole, thousands) + (point + fraction if fraction else "")


def fmt_percent(value: Decimal, lang: Lang) -> str:
    """Always two decimals: "91,43%" / "91.43%"."""
    return fmt_number(value.quantize(Decimal("0.01")), lang) + "%"


def fmt_date(when: datetime, lang: Lang) -> str:
    """ "ngày 05 tháng 02 năm 2025" / "5 February 2025".

    Vietnamese follows Nghị định 30/2020/NĐ-CP: a day below 10 and the months 1 and 2 take a
    leading zero (so "tháng 02" cannot be misread or altered into "tháng 12").
    """
    if lang == "en":
        return f"{when.day} {_MONTHS_EN[when.month - 1]} {when.year}"
    month = f"{when.month:02d}" if when.month <= 2 else str(when.month)
    return f"ngày {when.day:02d} tháng {month} năm {when.year}"


def fmt_time(when: datetime, lang: Lang) -> str:
    """Time of day in prose: "07 giờ 30 phút" / "07:30"."""
    if lang == "en":
        return f"{when:%H:%M}"
    return f"{when:%H} giờ {when:%M} phút"


def fmt_clock(when: datetime) -> str:
    return f"{when:%H:%M}"


def fmt_stamp(when: datetime, lang: Lang) -> str:
    """A short date and time for tables: "07:32 20/11/2025" / "20/11/2025 07:32"."""
    return f"{when:%H:%M %d/%m/%Y}" if lang == "vi" else f"{when:%d/%m/%Y %H:%M}"


def fmt_span(start: datetime | None, end: datetime | None, lang: Lang) -> tuple[str, str]:
    """When an agenda item or a poll began and ended, as two table cells: clock times on one
    day, date and time across days, "still open" with no end, nothing with no start."""
    if start is None:
        return ("", "")
    if end is None:
        return (fmt_clock(start), t(lang, "item_open"))
    if start.date() == end.date():
        return (fmt_clock(start), fmt_clock(end))
    return (fmt_stamp(start, lang), fmt_stamp(end, lang))


def fmt_duration(seconds: int) -> str:
    """5 min 20 s → "05:20"; over an hour "1:02:03"."""
    hours, rest = divmod(max(seconds, 0), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def place_date(city: str, when: datetime, lang: Lang) -> str:
    """The dateline: "Hạ Long, ngày 20 tháng 11 năm 2025" / "Hạ Long, 20 November 2025"."""
    return f"{city}, {fmt_date(when, lang)}" if city else fmt_date(when, lang)
