"""The examples of docs/api.md run against a real server: the curl call, the error shape and
the log export. Values the docs elide (`…`, `{...}`) and ids and times are not compared."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from tests.conftest import ADMIN_TOKEN

pytestmark = [pytest.mark.redis]

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def blocks(language: str) -> list[str]:
    text = DOCS.read_text(encoding="utf-8")
    return [textwrap_dedent(b) for b in re.findall(rf"```{language}\n(.*?)\n\s*```", text, re.S)]


def textwrap_dedent(block: str) -> str:
    lines = block.splitlines()
    indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    return "\n".join(line[indent:] for line in lines)


def loose_json(text: str) -> Any:
    """A docs JSON example with its elisions (`{...}`, `, ...`, `"…"`) made parseable."""
    text = text.replace("{...}", "{}").replace(", ...]", "]")
    return json.loads(text)


def test_the_create_meeting_curl_example(start_server: Any, redis_db: redis.Redis) -> None:
    server = start_server()
    (curl,) = [b for b in blocks("sh") if "/api/meetings -H" in b]
    curl = curl.replace("localhost:8000", f"127.0.0.1:{server.port}")
    assert shutil.which("curl"), "curl is needed to run the docs' curl examples"
    done = subprocess.run(["sh", "-c", curl], capture_output=True, text=True, timeout=30,
                          env={**os.environ, "ADMIN": ADMIN_TOKEN}, check=True)
    created = json.loads(done.stdout)
    assert set(created) == {"id"}
    with httpx.Client(base_url=server.base_url, timeout=30,
                      headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as http:
        info = http.get(f"/api/meetings/{created['id']}").json()
    assert "Hội nghị tổng kết năm 2026" in json.dumps(info, ensure_ascii=False)


def test_the_error_example_and_the_log_export(
    start_server: Any, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    server = start_server()
    error_example, log_example = (loose_json(b) for b in blocks("json"))
    with httpx.Client(base_url=server.base_url, headers=admin_headers, timeout=30) as http:
        meeting = http.post("/api/meetings", json={"title": "T"}).json()["id"]
        roster = "code,full_name,role\nD1,Một,delegate\nD2,,delegate\nD3,,delegate\n"
        resp = http.post(f"/api/meetings/{meeting}/roster", content=roster.encode())
        assert resp.status_code == 422
        error = resp.json()["error"]
        assert set(error) == set(error_example["error"])
        assert error["code"] == error_example["error"]["code"]
        assert error["message"] == error_example["error"]["message"]
        assert error["details"] == error_example["error"]["details"]

        log = http.get(f"/api/meetings/{meeting}/log.json").json()
    assert set(log) == set(log_example)
    assert log["hash_algorithm"] == log_example["hash_algorithm"]
    assert log["genesis"].startswith("000") and log["genesis"].endswith("000")
    (first_example,) = log_example["events"]
    first = log["events"][0]
    assert set(first) == set(first_example)
    for key in ("seq", "kind", "actor"):
        assert first[key] == first_example[key], key
