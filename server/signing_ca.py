"""A test certificate authority for signed minutes: a CA, certificates for the chair and the
secretary (and a time-stamping authority), and PKCS#12 files holding each key and its chain.

For the demo and the tests only: a real meeting is signed with certificates from a licensed
CA (in Viet Nam a "CA công cộng" or the government's CA), never with these. Built with
``cryptography``; nothing here touches the network or the server's key.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from server.private_files import replace_private

KEY_BITS = 2048  # enough for a test; fast to generate (~50 ms)
_VALID = dt.timedelta(days=3 * 365)


@dataclass(frozen=True)
class Issued:
    """A private key and its certificate."""

    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def make_ca(
    common_name: str = "phonghop Test CA", organisation: str = "phonghop (test)",
    now: dt.datetime | None = None,
) -> Issued:
    """A self-signed root that may sign end-entity certificates (and nothing below them)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    start = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(hours=1)
    name = _name(common_name, organisation)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + _VALID)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    return Issued(key, cert)


def issue(
    ca: Issued, common_name: str, organisation: str = "phonghop (test)", *,
    timestamping: bool = False, now: dt.datetime | None = None,
) -> Issued:
    """An end-entity certificate from ``ca``: a document signer's (non-repudiation), or with
    ``timestamping`` a TSA's (RFC 3161 wants that extended key usage, critical)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    start = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(minutes=30)
    usage = ExtendedKeyUsageOID.TIME_STAMPING if timestamping else None
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, organisation))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + _VALID - dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=not timestamping,
                key_encipherment=False, data_encipherment=False, key_agreement=False,
                key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), False
        )
    )
    if usage is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=True)
    return Issued(key, builder.sign(ca.key, hashes.SHA256()))


def to_pkcs12(person: Issued, ca: Issued, password: bytes, name: str = "") -> bytes:
    """The key, its certificate and the CA's, in one PKCS#12 file (as a CA hands them out)."""
    return pkcs12.serialize_key_and_certificates(
        (name or "signer").encode("utf-8"),
        person.key,
        person.cert,
        [ca.cert],
        serialization.BestAvailableEncryption(password),
    )


def write_demo_set(directory: Path, chair: str, secretary: str, password: bytes) -> dict[str, Path]:
    """ca.pem, chair.p12 and secretary.p12 in ``directory`` (each 0600): the demo's keys."""
    ca = make_ca()
    paths = {"ca": directory / "ca.pem"}
    replace_private(paths["ca"], ca.cert_pem())
    for role, person in (("chair", chair), ("secretary", secretary)):
        paths[role] = directory / f"{role}.p12"
        replace_private(paths[role], to_pkcs12(issue(ca, person), ca, password, role))
    return paths
