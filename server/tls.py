"""HTTPS on the hall network: a local certificate authority and a server certificate for this
machine's LAN addresses and names, or an organisation's own certificate.

A tablet reaching the server at ``http://192.168.1.20:8000`` is not in a secure context: no
camera for the QR scanner, no service worker. ``run.py --tls`` makes, once, a certificate
authority in ``DATA_DIR/tls`` that the tablets install (from the ``/ca`` page, server/ca_http.py),
and a server certificate it signs for every address and name the machine has now. The server
certificate is issued again, under the same authority, when the machine's addresses change (a
laptop moved to another hall's Wi-Fi) or it nears its end, so the tablets never install twice.

Files (docs/security.md): ``ca.key`` and ``server.key`` are created 0600 from their first byte
(server/private_files.py), never chmodded after; ``ca.pem`` is the certificate tablets download,
``server.pem`` the server certificate followed by the CA's (the chain uvicorn presents).
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import psutil
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from server.private_files import create_once, private_dir, replace_private

__all__ = [
    "IPAddress",
    "ServerIdentity",
    "TlsError",
    "TlsFiles",
    "fingerprint",
    "local_tls",
    "machine_identity",
    "own_tls",
    "serve_tls",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

TLS_DIR = "tls"
CA_KEY, CA_CERT = "ca.key", "ca.pem"
SERVER_KEY, SERVER_CERT = "server.key", "server.pem"
# The authority outlives many congresses: tablets install it once.
CA_LIFETIME = timedelta(days=3650)
# iOS and macOS refuse a TLS server certificate valid for more than 825 days even under a
# user-installed root, and browsers cap public ones at 398: stay under both.
SERVER_LIFETIME = timedelta(days=397)
RENEW_BEFORE = timedelta(days=30)
# A clock a few minutes behind on a tablet must not see a certificate from the future.
BACKDATE = timedelta(minutes=10)
WILDCARD_HOSTS = ("", "0.0.0.0", "::")


class TlsError(RuntimeError):
    """A certificate or key that cannot be used (missing, unreadable, not a pair)."""


@dataclass(frozen=True)
class ServerIdentity:
    """What the server certificate must name: DNS names and IP addresses, sorted."""

    names: tuple[str, ...]
    addresses: tuple[IPAddress, ...]

    def lan_address(self) -> IPAddress | None:
        """The first address another machine on the LAN can reach (IPv4 preferred)."""
        usable = [a for a in self.addresses if not a.is_loopback and not a.is_link_local]
        usable.sort(key=lambda a: (a.version, int(a)))
        return usable[0] if usable else None


@dataclass(frozen=True)
class TlsFiles:
    """What uvicorn serves with, and the CA certificate the ``/ca`` page offers (None with
    an organisation's own certificate: its authority is already on the devices)."""

    cert_file: Path
    key_file: Path
    ca_file: Path | None


def _split_host(host: str, names: set[str], addresses: set[IPAddress]) -> None:
    host = host.strip().strip("[]").split("%", 1)[0]
    if not host or host in WILDCARD_HOSTS:
        return
    try:
        addresses.add(ipaddress.ip_address(host))
    except ValueError:
        try:
            names.add(host.encode("idna").decode("ascii").lower())
        except UnicodeError:
            pass  # not a name a certificate can carry; the address still works


def machine_identity(extra_hosts: Iterable[str] = ()) -> ServerIdentity:
    """This machine's addresses (every interface, loopback included, IPv6 link-local left out:
    a URL with a zone id is no use on a tablet) and names (``localhost``, the host name, its
    ``.local`` mDNS name that tablets resolve, the FQDN), and ``extra_hosts`` (the ``--host``
    and the public URL's host)."""
    names: set[str] = {"localhost"}
    addresses: set[IPAddress] = {ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")}
    for entries in psutil.net_if_addrs().values():
        for entry in entries:
            if entry.family in (socket.AF_INET, socket.AF_INET6):
                address = ipaddress.ip_address(entry.address.split("%", 1)[0])
                if not address.is_link_local:
                    addresses.add(address)
    hostname = socket.gethostname()
    candidates = [hostname, socket.getfqdn()]
    if hostname and "." not in hostname:
        candidates.append(f"{hostname}.local")
    for host in [*candidates, *extra_hosts]:
        _split_host(host, names, addresses)
    names.discard("localhost.localdomain")
    return ServerIdentity(
        tuple(sorted(names)), tuple(sorted(addresses, key=lambda a: (a.version, int(a))))
    )


def fingerprint(cert_file: Path) -> str:
    """SHA-256 of the (first) certificate in ``cert_file``, as devices show it: AB:CD:..."""
    cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def own_tls(cert_file: Path, key_file: Path) -> TlsFiles:
    """An organisation's certificate (chain first, leaf first) and key, checked to be a pair
    now rather than when the first tablet connects."""
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert_file, key_file)
    except (OSError, ssl.SSLError) as exc:
        raise TlsError(f"cannot use {cert_file} with {key_file}: {exc}") from None
    return TlsFiles(cert_file.absolute(), key_file.absolute(), None)


def local_tls(data_dir: Path, identity: ServerIdentity, now: datetime | None = None) -> TlsFiles:
    """The local CA (made on first use) and a server certificate for ``identity`` under it,
    issued again when it does not name all of ``identity`` or nears its end."""
    now = datetime.now(UTC) if now is None else now
    tls_dir = private_dir(data_dir / TLS_DIR)
    ca_key = _private_key(tls_dir / CA_KEY)
    ca_cert = _ca_certificate(tls_dir / CA_CERT, ca_key, now)
    server_key = _private_key(tls_dir / SERVER_KEY)
    cert_path = tls_dir / SERVER_CERT
    if not _still_good(cert_path, ca_cert, server_key, identity, now):
        leaf = _server_certificate(ca_cert, ca_key, server_key, identity, now)
        chain = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (leaf, ca_cert))
        replace_private(cert_path, chain)
    return TlsFiles(cert_path, tls_dir / SERVER_KEY, tls_dir / CA_CERT)


def _private_key(path: Path) -> ec.EllipticCurvePrivateKey:
    # P-256: accepted by every tablet and browser, and fast to make on the organiser's laptop.
    fresh = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    content, _created = create_once(path, fresh)
    key = serialization.load_pem_private_key(content, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise TlsError(f"{path} is not an EC private key")
    return key


def _ca_certificate(
    path: Path, key: ec.EllipticCurvePrivateKey, now: datetime
) -> x509.Certificate:
    if not path.exists():
        name = x509.Name([
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "phonghop"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"phonghop local CA {socket.gethostname()}"),
        ])
        ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE)
            .not_valid_after(now + CA_LIFETIME)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(cert_sign=True), critical=True)
            .add_extension(ski, critical=False)
            .sign(key, hashes.SHA256())
        )
        create_once(path, cert.public_bytes(serialization.Encoding.PEM))
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    if cert.public_key() != key.public_key():
        raise TlsError(f"{path} is not the certificate of {path.with_name(CA_KEY)}")
    return cert


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign,
        crl_sign=cert_sign, encipher_only=False, decipher_only=False,
    )


def _server_certificate(
    ca_cert: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    key: ec.EllipticCurvePrivateKey,
    identity: ServerIdentity,
    now: datetime,
) -> x509.Certificate:
    alt_names: list[x509.GeneralName] = [x509.DNSName(n) for n in identity.names]
    alt_names += [x509.IPAddress(a) for a in identity.addresses]
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, socket.gethostname()[:64])])
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(min(now + SERVER_LIFETIME, ca_cert.not_valid_after_utc))
        # Browsers read only the subjectAltName, and iOS insists on serverAuth.
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )


def _still_good(
    path: Path,
    ca_cert: x509.Certificate,
    key: ec.EllipticCurvePrivateKey,
    identity: ServerIdentity,
    now: datetime,
) -> bool:
    """The server certificate at ``path`` is this CA's, for this key, names all of
    ``identity`` and has more than RENEW_BEFORE left."""
    try:
        cert = x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError):
        return False
    if cert.issuer != ca_cert.subject or cert.public_key() != key.public_key():
        return False
    try:
        cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    if cert.not_valid_after_utc - RENEW_BEFORE < now:
        return False
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    return set(identity.names) <= set(san.get_values_for_type(x509.DNSName)) and set(
        identity.addresses
    ) <= set(san.get_values_for_type(x509.IPAddress))


def serve_tls(
    data_dir: Path,
    host: str,
    port: int,
    public_url: str | None,
    own: tuple[Path, Path] | None = None,
) -> tuple[TlsFiles, str]:
    """The files to serve with and the public URL: ``own`` (an organisation's certificate and
    key) or the local CA's; the URL is ``public_url``, else ``https://`` the ``--host``, or
    the machine's LAN address when it listens on every interface (what tablets must open)."""
    identity = machine_identity([host, urlsplit(public_url).hostname or ""] if public_url
                                else [host])
    files = own_tls(*own) if own is not None else local_tls(data_dir, identity)
    if public_url:
        return files, public_url
    shown = host
    if host in WILDCARD_HOSTS:
        address = identity.lan_address()
        shown = "localhost" if address is None else str(address)
    if ":" in shown:
        shown = f"[{shown}]"
    return files, f"https://{shown}:{port}"
