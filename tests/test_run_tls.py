"""``run.py --tls`` as an operator uses it: one flag, and the server speaks https and wss under a
certificate authority it made in the data directory, which is all a client needs to trust."""

from __future__ import annotations

import asyncio
import json
import ssl
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
import websockets
from websockets.exceptions import InvalidStatus

from server.tls import local_tls, machine_identity
from tests.conftest import ADMIN_TOKEN, RUN_PY, STARTUP_TIMEOUT, ServerProcess, StartServer
from tests.support import SUB

pytestmark = pytest.mark.multiprocess

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def ca_only_context(ca_file: Path) -> ssl.SSLContext:
    """A client context whose one trust root is ``ca_file`` (no system roots are loaded when
    a cafile is given), checking the host name as a browser does."""
    context = ssl.create_default_context(cafile=str(ca_file))
    assert context.check_hostname and context.verify_mode == ssl.CERT_REQUIRED
    assert len(context.get_ca_certs()) == 1
    return context


def wait_https_healthy(server: ServerProcess, ca_file: Path | None = None) -> ssl.SSLContext:
    """Wait until ``server`` answers ``/healthz`` over https under ``ca_file`` (default: the
    CA it makes, ``DATA_DIR/tls/ca.pem``); the client context trusting that CA alone.

    The CA file appears when run.py has made it, before it serves; until then, and until
    uvicorn listens, there is nothing to connect to.
    """
    ca_file = ca_file or server.data_dir / "tls" / "ca.pem"
    deadline = time.monotonic() + STARTUP_TIMEOUT
    last = "no CA file yet"
    while time.monotonic() < deadline:
        code = server.proc.poll()
        if code is not None:
            raise RuntimeError(f"run.py --tls exited with {code}:\n{server.output()}")
        if ca_file.exists():
            try:
                context = ca_only_context(ca_file)
                response = httpx.get(f"https://127.0.0.1:{server.port}/healthz",
                                     verify=context, timeout=2)
                if response.status_code == 200:
                    return context
                last = f"HTTP {response.status_code}"
            except (httpx.HTTPError, ssl.SSLError) as exc:
                last = repr(exc)
        time.sleep(0.1)
    raise RuntimeError(f"no https /healthz within {STARTUP_TIMEOUT:g}s ({last}):\n"
                       + server.output())


def add_delegate(base_url: str, context: ssl.SSLContext) -> tuple[str, str]:
    """A meeting with one delegate, made over https: (meeting id, the delegate's join link)."""
    with httpx.Client(base_url=base_url, headers=ADMIN, verify=context, timeout=20) as http:
        response = http.post("/api/meetings", json={"title": "Hội nghị qua HTTPS"})
        assert response.status_code == 201, response.text
        meeting = response.json()["id"]
        response = http.post(f"/api/meetings/{meeting}/participants",
                             json={"id": "DB01", "full_name": "Nguyễn Văn An", "role": "delegate"})
        assert response.status_code == 201, response.text
        people = http.get(f"/api/meetings/{meeting}/participants").json()["participants"]
    return meeting, next(p["join_url"] for p in people if p["id"] == "DB01")


async def hello(url: str, token: str, context: ssl.SSLContext, origin: str | None) -> Any:
    async with websockets.connect(url, ssl=context, subprotocols=[SUB["json"]],
                                  origin=origin, compression=None) as ws:  # type: ignore[arg-type]
        await ws.send(json.dumps({"v": 1, "type": "hello", "token": token}))
        return json.loads(await asyncio.wait_for(ws.recv(), 10))


async def refused_status(url: str, context: ssl.SSLContext, origin: str) -> int:
    with pytest.raises(InvalidStatus) as refused:
        async with websockets.connect(url, ssl=context, origin=origin):  # type: ignore[arg-type]
            pass
    return refused.value.response.status_code


def test_tls_serves_https_and_wss_under_its_own_ca(
    start_server: StartServer, redis_db: redis.Redis, tmp_path: Path
) -> None:
    server = start_server(data_dir=tmp_path, args=["--tls"], wait=False)
    context = wait_https_healthy(server)
    base = f"https://127.0.0.1:{server.port}"
    # The certificate names the machine's names too, not only the address.
    assert httpx.get(f"https://localhost:{server.port}/healthz", verify=context).status_code == 200
    # Plain http on the same port is not served: a tablet cannot fall back to it unknowingly.
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{server.port}/healthz", timeout=5)

    meeting, join_url = add_delegate(base, context)
    assert join_url.startswith(f"{base}/j/"), join_url  # links handed out are https links
    token = join_url.rsplit("/j/", 1)[1]
    ws_url = f"wss://127.0.0.1:{server.port}/ws/{meeting}"
    welcome = asyncio.run(hello(ws_url, token, context, origin=base))
    assert welcome["type"] == "welcome", welcome
    assert welcome["participant"]["id"] == "DB01"
    # The Origin check holds over wss: another site, and an http page naming this host and
    # port (which cannot be ours: the port speaks TLS), are refused before the upgrade.
    assert asyncio.run(refused_status(ws_url, context, "https://evil.example")) == 403
    assert asyncio.run(refused_status(ws_url, context, f"http://127.0.0.1:{server.port}")) == 403

    # The keys are the user's only; the CA page offers the CA, which is what the client trusts.
    for name in ("ca.key", "server.key"):
        assert (tmp_path / "tls" / name).stat().st_mode & 0o777 == 0o600
    page = httpx.get(f"{base}/ca", verify=context)
    assert page.status_code == 200 and "/ca.crt" in page.text
    assert f"{base}/ca" in page.text
    der = httpx.get(f"{base}/ca.crt", verify=context)
    assert der.headers["content-type"] == "application/x-x509-ca-cert"
    assert der.content == ssl.PEM_cert_to_DER_cert((tmp_path / "tls" / "ca.pem").read_text())
    assert "CA SHA-256:" in server.output()


def test_tls_cert_serves_an_organisations_certificate_and_offers_no_ca(
    start_server: StartServer, redis_db: redis.Redis, tmp_path: Path
) -> None:
    # The organisation's certificate and key, made here by the same code as a stand-in.
    org = local_tls(tmp_path / "org", machine_identity(), datetime.now(UTC))
    data_dir = tmp_path / "data"
    server = start_server(data_dir=data_dir, wait=False,
                          args=["--tls-cert", str(org.cert_file), "--tls-key", str(org.key_file)])
    assert org.ca_file is not None
    context = wait_https_healthy(server, org.ca_file)
    base = f"https://127.0.0.1:{server.port}"
    assert httpx.get(f"{base}/ca", verify=context).status_code == 404
    assert httpx.get(f"{base}/ca.crt", verify=context).status_code == 404
    assert not (data_dir / "tls").exists()  # no CA of its own made


def test_tls_cert_without_its_key_is_refused(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(RUN_PY), "serve", "--data-dir", str(tmp_path),
         "--tls-cert", str(tmp_path / "cert.pem")],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2
    assert "--tls-cert and --tls-key go together" in done.stderr
