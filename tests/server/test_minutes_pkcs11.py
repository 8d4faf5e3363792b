"""Signing the minutes with a PKCS#11 token, as Vietnamese officials do with their USB tokens:
SoftHSM (Debian's ``softhsm2``) stands in for the token. The chair's and the secretary's keys
and certificates from the test CA are put on a token made with ``softhsm2-util``; the chair
signs through ``pkcs11_signer`` and the secretary through ``run.py minutes --onto ...
--pkcs11-lib``; pyHanko's validator finds both signatures intact and trusted.

SoftHSM reads its configuration (where its tokens live) from ``SOFTHSM2_CONF`` when the module
is first initialised in a process, and python-pkcs11 keeps a module initialised for the whole
process: so one token directory serves this whole module, set before the module is loaded.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pkcs11
import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pkcs11.util.x509 import decode_x509_certificate
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from server.exports.pdf_minutes import render_pdf_with_places
from server.minutes_signing import SigningError, SignRequest, pkcs11_signer, prepare, sign
from server.signing_ca import Issued, issue, make_ca
from tests.conftest import RUN_PY
from tests.server.test_exports import sample_minutes
from tests.signing_fixtures import CHAIR_NAME, SECRETARY_NAME

TOKEN_LABEL = "phonghop-test"
PIN, SO_PIN = "123456", "12345678"
# Debian's path (package libsofthsm2), and the multiarch one it links to.
SOFTHSM_MODULES = ("/usr/lib/softhsm/libsofthsm2.so",
                   "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")


def softhsm_module() -> str:
    for path in SOFTHSM_MODULES:
        if Path(path).exists():
            return path
    # CI installs softhsm2 in .ci/run; this test must fail, not skip, without it.
    raise RuntimeError("no SoftHSM PKCS#11 module: apt-get install softhsm2")


@dataclass(frozen=True)
class Token:
    module: str
    slot: int  # the index in the module's slot list, as --pkcs11-slot takes it
    conf: Path
    ca: Issued


def _softhsm(conf: Path, *args: str) -> None:
    done = subprocess.run(["softhsm2-util", *args], env={**os.environ, "SOFTHSM2_CONF": str(conf)},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def _put_key_and_certificate(conf: Path, directory: Path, person: Issued, label: str,
                             key_id: str) -> None:
    """The private key through softhsm2-util (PKCS#8), then the certificate under the same
    label and id (softhsm2-util imports keys only), as a token vendor's tool would."""
    key_file = directory / f"{label}.key.pem"
    key_file.write_bytes(person.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    _softhsm(conf, "--import", str(key_file), "--token", TOKEN_LABEL, "--label", label,
             "--id", key_id, "--pin", PIN)
    key_file.unlink()
    token = pkcs11.lib(softhsm_module()).get_token(token_label=TOKEN_LABEL)
    with token.open(rw=True, user_pin=PIN) as session:
        attributes = decode_x509_certificate(person.cert.public_bytes(serialization.Encoding.DER))
        attributes.update({pkcs11.Attribute.TOKEN: True, pkcs11.Attribute.LABEL: label,
                           pkcs11.Attribute.ID: bytes.fromhex(key_id)})
        session.create_object(attributes)


@pytest.fixture(scope="module")
def token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Token]:
    directory = tmp_path_factory.mktemp("softhsm")
    (directory / "tokens").mkdir()
    conf = directory / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {directory / 'tokens'}\n"
                    "objectstore.backend = file\nlog.level = ERROR\n", encoding="utf-8")
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    try:
        _softhsm(conf, "--init-token", "--free", "--label", TOKEN_LABEL,
                 "--pin", PIN, "--so-pin", SO_PIN)
        ca = make_ca()
        _put_key_and_certificate(conf, directory, issue(ca, CHAIR_NAME), "chair", "01")
        _put_key_and_certificate(conf, directory, issue(ca, SECRETARY_NAME), "secretary", "02")
        slots = pkcs11.lib(softhsm_module()).get_slots(token_present=True)
        index = [s.get_token().label for s in slots].index(TOKEN_LABEL)
        yield Token(softhsm_module(), index, conf, ca)
    finally:
        if previous is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = previous


def prepared_minutes() -> bytes:
    minutes = sample_minutes("final")
    pdf, places = render_pdf_with_places(minutes)
    return prepare(pdf, places, minutes.log.final_hash, minutes.log.algorithm)


def validate(pdf: bytes, ca: Issued) -> list[tuple[str, str, SignatureCoverageLevel | None]]:
    """(field, signer, coverage) of each signature, asserting pyHanko finds it intact, valid
    and trusted under the test CA alone."""
    root = asn1_x509.Certificate.load(ca.cert.public_bytes(serialization.Encoding.DER))
    context = ValidationContext(trust_roots=[root], allow_fetching=False)
    out = []
    for embedded in PdfFileReader(BytesIO(pdf)).embedded_signatures:
        status = validate_pdf_signature(embedded, context)
        assert status.intact and status.valid and status.trusted and status.bottom_line, status
        out.append((embedded.field_name, status.signing_cert.subject.human_friendly,
                    status.coverage))
    return out


def test_the_chair_signs_with_the_token_and_the_secretary_with_run_py(
    token: Token, tmp_path: Path
) -> None:
    with pkcs11_signer(token.module, token.slot, PIN, key_label="chair") as signer:
        chair_signed = sign(prepared_minutes(), SignRequest("chair", signer))
    [(field, subject, coverage)] = validate(chair_signed, token.ca)
    assert field == "ChuToa" and CHAIR_NAME in subject
    assert coverage == SignatureCoverageLevel.ENTIRE_FILE

    onto, out, pin_file = tmp_path / "chair.pdf", tmp_path / "both.pdf", tmp_path / "pin"
    onto.write_bytes(chair_signed)
    pin_file.write_text(PIN + "\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(RUN_PY), "minutes", "unused", "--format", "pdf", "--as",
         "secretary", "--onto", str(onto), "--out", str(out), "--pkcs11-lib", token.module,
         "--pkcs11-slot", str(token.slot), "--pkcs11-key-label", "secretary",
         "--pkcs11-pin-file", str(pin_file)],
        env={**os.environ, "SOFTHSM2_CONF": str(token.conf)},
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    both = validate(out.read_bytes(), token.ca)
    assert [(f, c) for f, _, c in both] == [
        ("ChuToa", SignatureCoverageLevel.ENTIRE_REVISION),  # still valid under the second
        ("ThuKy", SignatureCoverageLevel.ENTIRE_FILE),
    ]
    assert SECRETARY_NAME in both[1][1]


def test_a_wrong_pin_or_key_label_is_said_before_signing(token: Token, tmp_path: Path) -> None:
    with pytest.raises(SigningError, match="PIN"):
        with pkcs11_signer(token.module, token.slot, "000000", key_label="chair"):
            pass
    with pytest.raises(SigningError, match="nobody"):
        with pkcs11_signer(token.module, token.slot, PIN, key_label="nobody"):
            pass
    # On the command line: a message and exit 1, no traceback, no file.
    onto, out, pin_file = tmp_path / "prepared.pdf", tmp_path / "out.pdf", tmp_path / "pin"
    onto.write_bytes(prepared_minutes())
    pin_file.write_text("000000\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(RUN_PY), "minutes", "unused", "--format", "pdf", "--as", "chair",
         "--onto", str(onto), "--out", str(out), "--pkcs11-lib", token.module,
         "--pkcs11-slot", str(token.slot), "--pkcs11-key-label", "chair",
         "--pkcs11-pin-file", str(pin_file)],
        env={**os.environ, "SOFTHSM2_CONF": str(token.conf)},
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "PIN" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()
