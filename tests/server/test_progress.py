"""The CLI progress bar: redrawn in place on a terminal, one line per step in a log."""

from __future__ import annotations

import io

import pytest

from server.progress import ProgressBar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_render_shows_filled_cells_and_counts() -> None:
    bar = ProgressBar(width=10)
    assert bar.render(0, 350) == "[..........] 0/350"
    assert bar.render(120, 350) == "[###.......] 120/350"
    assert bar.render(350, 350) == "[##########] 350/350"
    assert ProgressBar("Thẻ", width=4).render(1, 2) == "Thẻ [##..] 1/2"


def test_render_clamps_and_survives_an_empty_job() -> None:
    bar = ProgressBar(width=4)
    assert bar.render(9, 4) == "[####] 4/4"
    assert bar.render(0, 0) == "[####] 0/0"


def test_on_a_terminal_it_redraws_in_place_and_ends_the_line() -> None:
    out = Terminal()
    bar = ProgressBar(width=4, stream=out)
    for done in range(1, 5):
        bar(done, 4)
    assert out.getvalue() == "\r[#...] 1/4\r[##..] 2/4\r[###.] 3/4\r[####] 4/4\n"


def test_in_a_log_it_writes_a_line_per_tenth_of_the_job() -> None:
    out = io.StringIO()
    bar = ProgressBar(width=10, stream=out)
    for done in range(1, 351):
        bar(done, 350)
    lines = out.getvalue().splitlines()
    # The first call always shows, so a log says the job started and how big it is.
    assert lines[0] == "[..........] 1/350"
    assert lines[1] == "[#.........] 35/350"
    assert lines[-1] == "[##########] 350/350"
    assert len(lines) == 11
    assert "\r" not in out.getvalue()


def test_writes_to_stderr_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    bar = ProgressBar(width=2)
    bar(2, 2)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "[##] 2/2\n"


def test_usable_as_the_badges_progress_callback() -> None:
    from server.badges import BadgeInfo, badges_pdf

    out = io.StringIO()
    info = BadgeInfo("DB0001", "Lê Văn Tám", "TP. Hạ Long", "", "A01", "delegate", "tok.1")
    badges_pdf([info, info], "Hội nghị", progress=ProgressBar(width=2, stream=out))
    assert out.getvalue().splitlines() == ["[#.] 1/2", "[##] 2/2"]
