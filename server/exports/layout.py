"""The minutes as format-neutral blocks in one language: what every renderer (DOCX, PDF,
Markdown) prints, decided once so that the formats cannot drift apart in content.

The blocks are in ``server.exports.blocks``; each numbered section has a module of its own
(``layout_attendance``, ``layout_agenda``, ``layout_polls``) and so has the annex of named
votes (``layout_annex``). This one puts the page together.
"""

from __future__ import annotations

import re

from rooms.minutes_model import Minutes
from server.exports.blocks import Block, Heading, Layout, Signature, nfc_layout, para
from server.exports.i18n import (
    MOTTO,
    NATION,
    Lang,
    fmt_date,
    fmt_number,
    fmt_time,
    lang_of,
    place_date,
    t,
)
from server.exports.layout_agenda import agenda_section
from server.exports.layout_annex import annex
from server.exports.layout_attendance import attendance_section
from server.exports.layout_polls import polls_section

_ROMAN = ("I", "II", "III", "IV", "V", "VI")


def build_layout(minutes: Minutes, lang: str | None = None) -> Layout:
    """Lay out `minutes` in `lang` (default: the minutes' own language)."""
    language = lang_of(lang or minutes.language)
    m = minutes.meeting
    dated = m.ended_at or m.started_at
    layout = Layout(
        lang=language,
        parent_organisation=m.parent_organisation.upper(),
        organisation=m.organisation.upper(),
        reference=t(language, "reference", ref=m.reference) if m.reference else "",
        nation=NATION,
        motto=MOTTO,
        dateline=place_date(m.city or m.place, dated, language),
        title=t(language, "title"),
        subtitle=m.title,
        draft_mark=t(language, "draft") if minutes.is_draft else "",
        body=_body(minutes, language),
        signatures=(
            Signature(
                t(language, "sig_secretary"), t(language, "sign_hint"), minutes.signatures.secretary
            ),
            Signature(t(language, "sig_chair"), t(language, "sign_hint"), minutes.signatures.chair),
        ),
        seal_text=t(
            language,
            "seal" if minutes.log.final_hash else "seal_no_hash",
            count=fmt_number(minutes.log.event_count, language),
            algorithm=_algorithm_name(minutes.log.algorithm),
        ),
        seal_hash=minutes.log.final_hash.lower(),
        annex=annex(minutes, language),
    )
    return nfc_layout(layout)


def _body(minutes: Minutes, language: Lang) -> tuple[Block, ...]:
    """The opening sentence, then the numbered sections; "closing" only once the meeting
    has ended."""
    m = minutes.meeting
    body: list[Block] = [
        para(
            t(
                language,
                "opening",
                time=fmt_time(m.started_at, language),
                date=fmt_date(m.started_at, language),
                place=m.place,
                title=m.title,
            )
        )
    ]
    sections = [
        (t(language, "sec_attendance"), attendance_section(minutes, language)),
        (t(language, "sec_agenda"), agenda_section(minutes, language)),
        (t(language, "sec_polls"), polls_section(minutes.polls, language)),
    ]
    if m.ended_at is not None:
        closing = t(
            language,
            "closing",
            time=fmt_time(m.ended_at, language),
            date=fmt_date(m.ended_at, language),
        )
        sections.append((t(language, "sec_closing"), [para(closing)]))
    for number, (title, blocks) in enumerate(sections):
        body.append(Heading(f"{_ROMAN[number]}. {title}", 1))
        body.extend(blocks)
    return tuple(body)


def _algorithm_name(algorithm: str) -> str:
    """ "sha256" → "SHA-256", the way the standards name it."""
    return re.sub(r"^([A-Z]+)-?(\d+)$", r"\1-\2", algorithm.upper())
