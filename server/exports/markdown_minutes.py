"""The minutes as Markdown (CommonMark with GitHub pipe tables), for reading in a browser or
a repository; the layout is that of the DOCX, flattened to one column."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import assert_never

from rooms.minutes_model import Minutes
from server.exports.blocks import Block, Heading, Layout, Paragraph, Run, Table
from server.exports.layout import build_layout

# Markdown would act on these; delegates' feedback is free text and may contain any of them
# (and "<" would reach an HTML renderer as a tag).
_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")
_LINE_START = re.compile(r"^(\s*)([-+=>]|\d+[.)])(?=\s|$)")


def escape(text: str) -> str:
    """`text` as literal inline Markdown on one line."""
    return _SPECIAL.sub(r"\\\1", re.sub(r"\s+", " ", text))


def _run(run: Run) -> str:
    if run.mono:
        return f"`{run.text.replace('`', '')}`"
    text = escape(run.text)
    if not text.strip():
        return text
    # Emphasis markers must touch the text, so keep surrounding spaces outside them.
    lead, core, trail = re.match(r"^(\s*)(.*?)(\s*)$", text).groups()  # type: ignore[union-attr]
    if run.bold:
        core = f"**{core}**"
    if run.italic:
        core = f"*{core}*"
    return lead + core + trail


def _paragraph(p: Paragraph) -> str:
    runs = list(p.runs)
    # The layout writes list items as "- text"; here they become real list items.
    bullet = bool(runs) and runs[0].text.startswith("- ") and not p.quote
    if bullet:
        runs[0] = replace(runs[0], text=runs[0].text[2:])
    text = "".join(_run(r) for r in runs)
    if not bullet:  # "1. " or "- " at the start of plain text would make a list
        text = _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
    if p.quote:
        return "> " + text
    return "- " + text if bullet else text


def _table(table: Table) -> str:
    align = {"left": ":---", "center": ":---:", "right": "---:"}
    lines = [
        "| " + " | ".join(escape(c.title) for c in table.columns) + " |",
        "| " + " | ".join(align[c.align] for c in table.columns) + " |",
    ]
    lines.extend("| " + " | ".join(escape(cell) for cell in row) + " |" for row in table.rows)
    return "\n".join(lines)


def _block(block: Block) -> str:
    match block:
        case Heading():
            return ("## " if block.level == 1 else "### ") + escape(block.text)
        case Paragraph():
            return _paragraph(block)
        case Table():
            return _table(block)
        case _:
            assert_never(block)


def render_layout(layout: Layout) -> str:
    parts: list[str] = []
    if layout.draft_mark:
        parts.append(f"> **{escape(layout.draft_mark)}**")
    header = [f"**{escape(layout.organisation)}**"]
    if layout.parent_organisation:
        header.insert(0, escape(layout.parent_organisation))
    if layout.reference:
        header.append(escape(layout.reference))
    parts.append("  \n".join(header))  # two trailing spaces: a line break, same paragraph
    parts.append(f"**{escape(layout.nation)}**  \n**{escape(layout.motto)}**")
    parts.append(f"*{escape(layout.dateline)}*")
    parts.append(f"# {escape(layout.title)}")
    parts.append(f"**{escape(layout.subtitle)}**")
    parts.extend(_block(b) for b in layout.body)
    left, right = layout.signatures
    parts.append(
        "\n".join(
            [
                f"| **{escape(left.role)}** | **{escape(right.role)}** |",
                "| :---: | :---: |",
                f"| *{escape(left.hint)}* | *{escape(right.hint)}* |",
                f"| **{escape(left.name)}** | **{escape(right.name)}** |",
            ]
        )
    )
    parts.append("---")
    seal = escape(layout.seal_text)
    parts.append(f"{seal}  \n`{layout.seal_hash}`" if layout.seal_hash else seal)
    if layout.annex is not None:
        annex = layout.annex
        parts.append("---")
        parts.append(f"# {escape(annex.title)}: {escape(annex.subtitle)}")
        parts.append(f"*{escape(annex.attached)}*")
        parts.extend(_block(b) for b in annex.body)
    return "\n\n".join(parts) + "\n"


def render_markdown(minutes: Minutes, lang: str | None = None) -> str:
    """The minutes as Markdown text (NFC), in `lang` or the minutes' own language."""
    return render_layout(build_layout(minutes, lang))
