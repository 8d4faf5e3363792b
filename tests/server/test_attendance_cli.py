"""``python run.py badges MEETING_ID --out badges.pdf``: straight from Redis, with a progress
bar, and the badges it prints are accepted by the server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from pyzbar.pyzbar import ZBarSymbol, decode
from starlette.testclient import TestClient

from server.app import create_app
from server.config import Settings
from tests.conftest import RUN_PY
from tests.server.test_attendance_api import Desk

pytestmark = pytest.mark.redis


def run_badges(redis_url: str, *args: str, key_file: Path | None = None
               ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REDIS_URL": redis_url}
    if key_file is not None:
        env["PHONGHOP_KEY_FILE"] = str(key_file)  # the server's, as an operator would give it
    return subprocess.run([sys.executable, str(RUN_PY), "badges", *args], capture_output=True,
                          text=True, timeout=120, env=env)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler's pdftoppm")
def test_run_py_badges_prints_a_sheet_the_kiosk_accepts(
    settings: Settings, admin_headers: dict[str, str], redis_url: str, tmp_path: Path
) -> None:
    with TestClient(create_app(settings)) as client:
        desk = Desk(client, admin_headers)
        out = tmp_path / "badges.pdf"
        done = run_badges(redis_url, desk.id, "--out", str(out), key_file=settings.key_path)
        assert done.returncode == 0, done.stderr
        # Not a terminal: one line per tenth and the last, never a pile of carriage returns.
        lines = [line for line in done.stderr.splitlines() if "[" in line]
        assert lines and lines[-1].endswith("] 6/6") and "\r" not in done.stderr
        assert "6 thẻ / badges" in done.stderr
        subprocess.run(["pdftoppm", "-r", "150", "-png", str(out), str(tmp_path / "p")],
                       check=True)
        tokens = []
        for page in sorted(tmp_path.glob("p-*.png")):
            with Image.open(page) as image:
                tokens += [s.data.decode() for s in decode(image, symbols=[ZBarSymbol.QRCODE])]
        assert len(tokens) == 6
        accepted = [desk.cmd("checkin.scan", {"token": t}).status_code for t in tokens]
        assert accepted == [200] * 6


def test_run_py_badges_for_an_unknown_meeting_fails_clearly(
    redis_url: str, redis_db: object, tmp_path: Path
) -> None:
    done = run_badges(redis_url, "mnosuchone", "--out", str(tmp_path / "x.pdf"))
    assert done.returncode == 2
    assert "no meeting mnosuchone" in done.stderr
    assert not (tmp_path / "x.pdf").exists()
