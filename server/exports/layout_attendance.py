"""Section I of the minutes, attendance: how many were convened and present, the quorum as
it stood when the meeting opened, and who was absent and who held whose proxy."""

from __future__ import annotations

from rooms.minutes_model import AbsentDelegate, Attendance, Minutes
from rooms.vietnamese import name_sort_key, sort_key
from server.exports.blocks import Block, Column, Table, para
from server.exports.i18n import Lang, fmt_number, fmt_percent, fmt_stamp, t

# Up to this many absent delegates get a row each (with the reason in a column of its own);
# more are listed by delegation, names run together: a row each put the 345 absent of a
# congress opened with 5 present on 9 pages of section I, by delegation they take 2.
LONG_ABSENT_LIST = 20
# Names per row of the list by delegation: a row never splits across pages, so a delegation
# with more absent continues on the next row ("(tiếp)") rather than outgrow a page.
NAMES_PER_ROW = 30


def attendance_section(minutes: Minutes, lang: Lang) -> list[Block]:
    a = minutes.attendance
    blocks = _figures(minutes, lang)
    if len(a.absent) > LONG_ABSENT_LIST:
        blocks.append(para(t(lang, "absent_by_delegation"), italic=True))
        blocks.append(_absent_by_delegation(a, lang))
    elif a.absent:
        blocks.append(para(t(lang, "absent_list"), italic=True))
        blocks.append(_absent_table(a, lang))
    if a.proxies:
        blocks.append(para(t(lang, "proxy_list"), italic=True))
        blocks.append(_proxy_table(a, lang))
    return blocks


def _figures(minutes: Minutes, lang: Lang) -> list[Block]:
    """The counts, who chaired and took the minutes, and whether the quorum was met."""
    a = minutes.attendance
    present = fmt_number(a.present, lang)
    if a.weighted:
        present += t(
            lang,
            "weight_note",
            w=fmt_number(a.present_weight if a.present_weight is not None else a.present, lang),
            total=fmt_number(
                a.entitled_weight if a.entitled_weight is not None else a.entitled, lang
            ),
        )
    q = a.quorum
    quorum_key = "quorum_met" if q.met else "quorum_not_met"
    blocks: list[Block] = [
        para("- " + t(lang, "entitled", n=fmt_number(a.entitled, lang))),
        para("- " + t(lang, "present", n=present)),
        para("- " + t(lang, "absent", n=fmt_number(a.absent_count, lang))),
    ]
    if minutes.signatures.chair:
        blocks.append(para("- " + t(lang, "chair", name=minutes.signatures.chair)))
    if minutes.signatures.secretary:
        blocks.append(para("- " + t(lang, "secretary", name=minutes.signatures.secretary)))
    blocks += [
        para("- " + t(lang, "quorum_rule", rule=q.rule_text)),
        para(
            t(
                lang,
                quorum_key,
                present=fmt_number(q.present, lang),
                entitled=fmt_number(q.entitled, lang),
                pct=fmt_percent(q.percent, lang),
            ),
            bold=True,
        ),
    ]
    return blocks


def _absent_table(a: Attendance, lang: Lang) -> Table:
    absent = sorted(a.absent, key=lambda x: name_sort_key(x.name))
    return Table(
        (
            Column(t(lang, "col_no"), 0.7, "center"),
            Column(t(lang, "col_name"), 3),
            Column(t(lang, "col_delegation"), 3),
            Column(t(lang, "col_reason"), 3),
        ),
        tuple(
            (str(i), x.name, x.delegation, x.reason or t(lang, "reason_none"))
            for i, x in enumerate(absent, 1)
        ),
    )


def _proxy_table(a: Attendance, lang: Lang) -> Table:
    return Table(
        (
            Column(t(lang, "col_no"), 0.7, "center"),
            Column(t(lang, "col_proxy_from"), 3),
            Column(t(lang, "col_proxy_to"), 3),
            Column(t(lang, "col_time"), 2, "center"),
        ),
        tuple(
            (str(i), p.from_name, p.to_name, fmt_stamp(p.at, lang) if p.at else "")
            for i, p in enumerate(a.proxies, 1)
        ),
    )


def _absent_by_delegation(a: Attendance, lang: Lang) -> Table:
    """One row per delegation, in dictionary order of the delegations: how many are absent
    and their names in the order of a list of people, each with its reason if one was given."""
    groups: dict[str, list[AbsentDelegate]] = {}
    for x in a.absent:
        groups.setdefault(x.delegation, []).append(x)
    rows: list[tuple[str, ...]] = []
    for number, delegation in enumerate(sorted(groups, key=sort_key), 1):
        people = sorted(groups[delegation], key=lambda x: name_sort_key(x.name))
        label = delegation or t(lang, "no_delegation")
        for start in range(0, len(people), NAMES_PER_ROW):
            chunk = people[start : start + NAMES_PER_ROW]
            rows.append(
                (
                    str(number) if start == 0 else "",
                    label if start == 0 else t(lang, "continued", name=label),
                    fmt_number(len(people), lang) if start == 0 else "",
                    "; ".join(f"{x.name} ({x.reason})" if x.reason else x.name for x in chunk),
                )
            )
    return Table(
        (
            # "STT" on one line at Word's 12 pt (0.7 wraps it to "ST" / "T").
            Column(t(lang, "col_no"), 0.9, "center"),
            Column(t(lang, "col_delegation"), 2.1),
            Column(t(lang, "col_absent_count"), 1.1, "center"),
            Column(t(lang, "col_absent_names"), 7.5),
        ),
        tuple(rows),
    )
