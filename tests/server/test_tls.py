"""server/tls.py: the local CA and the server certificate it issues, their files, and when the
certificate is issued again (the CA never is: tablets install it once)."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from server.tls import (
    SERVER_LIFETIME,
    ServerIdentity,
    TlsError,
    local_tls,
    machine_identity,
    own_tls,
    serve_tls,
)

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
HALL = ServerIdentity(
    ("hall-server", "hall-server.local", "localhost"),
    (ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("192.168.1.20")),
)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The most permissive umask: a file that comes out 0600 was created 0600, not left to the
    umask (run.py sets 077, which would hide a create-then-chmod)."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def chain(path: Path) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(path.read_bytes())


def verify(tls_dir: Path, subject: x509.DNSName | x509.IPAddress, at: datetime) -> None:
    """Verify the server chain under the CA alone with cryptography's web-PKI policy (name
    in the subjectAltName, serverAuth, validity), raising VerificationError otherwise."""
    ca = x509.load_pem_x509_certificate((tls_dir / "ca.pem").read_bytes())
    leaf, *rest = chain(tls_dir / "server.pem")
    verifier = PolicyBuilder().store(Store([ca])).time(at).build_server_verifier(subject)
    verifier.verify(leaf, rest)


def test_keys_are_created_0600_and_the_certificate_verifies_for_every_name_and_address(
    tmp_path: Path, open_umask: None
) -> None:
    files = local_tls(tmp_path, HALL, NOW)
    tls_dir = tmp_path / "tls"
    assert (files.cert_file, files.key_file, files.ca_file) == (
        tls_dir / "server.pem", tls_dir / "server.key", tls_dir / "ca.pem")
    assert tls_dir.stat().st_mode & 0o777 == 0o700
    for name in ("ca.key", "server.key", "ca.pem", "server.pem"):
        assert (tls_dir / name).stat().st_mode & 0o777 == 0o600, name
    at = NOW + timedelta(days=1)
    for name in HALL.names:
        verify(tls_dir, x509.DNSName(name), at)
    for address in HALL.addresses:
        verify(tls_dir, x509.IPAddress(address), at)
    with pytest.raises(VerificationError):
        verify(tls_dir, x509.DNSName("evil.example"), at)
    with pytest.raises(VerificationError):
        verify(tls_dir, x509.IPAddress(ipaddress.ip_address("192.168.1.21")), at)
    leaf = chain(tls_dir / "server.pem")[0]
    assert leaf.not_valid_after_utc - leaf.not_valid_before_utc <= timedelta(days=825)


def test_a_second_start_keeps_both_certificates(tmp_path: Path) -> None:
    local_tls(tmp_path, HALL, NOW)
    before = {p.name: p.read_bytes() for p in (tmp_path / "tls").iterdir()}
    local_tls(tmp_path, HALL, NOW + timedelta(days=2))
    assert {p.name: p.read_bytes() for p in (tmp_path / "tls").iterdir()} == before


def test_a_new_address_or_the_end_of_the_certificate_issues_it_again_under_the_same_ca(
    tmp_path: Path,
) -> None:
    local_tls(tmp_path, HALL, NOW)
    tls_dir = tmp_path / "tls"
    ca_before = (tls_dir / "ca.pem").read_bytes()
    first = (tls_dir / "server.pem").read_bytes()

    # The laptop moved to another hall's Wi-Fi.
    moved = ServerIdentity(HALL.names, (*HALL.addresses, ipaddress.ip_address("10.0.5.7")))
    local_tls(tmp_path, moved, NOW)
    second = (tls_dir / "server.pem").read_bytes()
    assert second != first
    verify(tls_dir, x509.IPAddress(ipaddress.ip_address("10.0.5.7")), NOW)

    # Within 30 days of its end it is issued again; the CA and both keys stay.
    later = NOW + SERVER_LIFETIME - timedelta(days=29)
    local_tls(tmp_path, moved, later)
    assert (tls_dir / "server.pem").read_bytes() != second
    verify(tls_dir, x509.DNSName("hall-server.local"), later + timedelta(days=60))
    assert (tls_dir / "ca.pem").read_bytes() == ca_before


def test_an_organisations_certificate_must_match_its_key(tmp_path: Path) -> None:
    local_tls(tmp_path / "a", HALL, NOW)
    local_tls(tmp_path / "b", HALL, NOW)
    a, b = tmp_path / "a" / "tls", tmp_path / "b" / "tls"
    files = own_tls(a / "server.pem", a / "server.key")
    assert files.ca_file is None  # no /ca page: the organisation's CA is on its devices
    with pytest.raises(TlsError):
        own_tls(a / "server.pem", b / "server.key")
    with pytest.raises(TlsError):
        own_tls(a / "missing.pem", a / "server.key")


def test_the_public_url_is_the_lan_address_when_listening_everywhere(tmp_path: Path) -> None:
    identity = machine_identity()
    assert "localhost" in identity.names
    _files, url = serve_tls(tmp_path, "0.0.0.0", 8443, None)
    address = identity.lan_address()
    if address is None:
        assert url == "https://localhost:8443"
    else:
        assert url == f"https://{address if address.version == 4 else f'[{address}]'}:8443"
    _files, url = serve_tls(tmp_path, "127.0.0.1", 8443, None)
    assert url == "https://127.0.0.1:8443"
    # The public URL's host is named by the certificate, so links to it verify.
    _files, url = serve_tls(tmp_path, "0.0.0.0", 8443, "https://phonghop.hall.example")
    assert url == "https://phonghop.hall.example"
    verify(tmp_path / "tls", x509.DNSName("phonghop.hall.example"), datetime.now(UTC))
