"""Test keys for signed minutes (a CA, the chair's and the secretary's PKCS#12 files) and a
local RFC 3161 time-stamping authority: pyHanko's ``DummyTimeStamper`` behind a small HTTP
server on 127.0.0.1, so the TSA path runs offline, over real HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from asn1crypto import keys, tsp, x509
from cryptography.hazmat.primitives import serialization
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from server.signing_ca import Issued, issue, make_ca, to_pkcs12

PASSWORD = "mật-khẩu-thử"
CHAIR_NAME, SECRETARY_NAME = "Trần Thị Loan", "Lê Văn Hùng"


@dataclass(frozen=True)
class SigningKeys:
    ca: Issued
    ca_pem: Path
    chair_p12: Path
    secretary_p12: Path
    password_file: Path


def make_keys(directory: Path) -> SigningKeys:
    ca = make_ca()
    paths = {"ca": directory / "ca.pem", "pw": directory / "password.txt"}
    paths["ca"].write_bytes(ca.cert_pem())
    paths["pw"].write_text(PASSWORD + "\n", encoding="utf-8")
    for role, name in (("chair", CHAIR_NAME), ("secretary", SECRETARY_NAME)):
        paths[role] = directory / f"{role}.p12"
        paths[role].write_bytes(to_pkcs12(issue(ca, name), ca, PASSWORD.encode(), role))
    return SigningKeys(ca, paths["ca"], paths["chair"], paths["secretary"], paths["pw"])


def _asn1(issued: Issued) -> tuple[x509.Certificate, keys.PrivateKeyInfo]:
    cert = x509.Certificate.load(issued.cert.public_bytes(serialization.Encoding.DER))
    key = keys.PrivateKeyInfo.load(issued.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return cert, key


def dummy_tsa(ca: Issued) -> DummyTimeStamper:
    """pyHanko's in-process TSA, with a time-stamping certificate from ``ca``."""
    cert, key = _asn1(issue(ca, "phonghop Test TSA", timestamping=True))
    return DummyTimeStamper(tsa_cert=cert, tsa_key=key)


@contextmanager
def local_tsa(ca: Issued) -> Iterator[tuple[str, list[int]]]:
    """An RFC 3161 server on a free port: yields its URL and a list of the sizes of the
    requests it answered (so a test can see that it was asked)."""
    stamper = dummy_tsa(ca)
    answered: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers["content-length"]))
            response = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            answered.append(len(body))
            self.send_response(200)
            self.send_header("content-type", "application/timestamp-reply")
            self.send_header("content-length", str(len(response)))
            self.end_headers()
            self.wfile.write(response)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", answered
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
