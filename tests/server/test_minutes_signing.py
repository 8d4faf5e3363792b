"""Signed minutes without a server: prepared with a field at each signing place of the layout,
signed by the chair then the secretary with test certificates, both signatures validated by
pyHanko's own validator trusting the test CA; a timestamp from pyHanko's dummy TSA; a changed
byte and a wrong log caught by server/minutes_verify.py."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pypdf
import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from server.exports.pdf_minutes import SigningPlace, render_pdf_with_places
from server.minutes_signing import (
    LOG_HASH_KEY,
    SigningError,
    SignRequest,
    load_pkcs12,
    prepare,
    sign,
    signed_roles,
)
from server.minutes_verify import verify_minutes
from tests.server.test_exports import sample_minutes
from tests.signing_fixtures import PASSWORD, SigningKeys, dummy_tsa, make_keys


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> SigningKeys:
    return make_keys(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="module")
def prepared() -> tuple[bytes, tuple[SigningPlace, ...], str]:
    minutes = sample_minutes("final")
    pdf, places = render_pdf_with_places(minutes)
    return prepare(pdf, places, minutes.log.final_hash, minutes.log.algorithm), places, (
        minutes.log.final_hash)


def _signer(path: Path) -> SignRequest:
    return SignRequest("chair", load_pkcs12(path.read_bytes(), PASSWORD.encode()))


@pytest.fixture(scope="module")
def signed_twice(keys: SigningKeys, prepared: tuple[bytes, tuple[SigningPlace, ...], str]) -> bytes:
    pdf = sign(prepared[0], _signer(keys.chair_p12))
    secretary = load_pkcs12(keys.secretary_p12.read_bytes(), PASSWORD.encode())
    return sign(pdf, SignRequest("secretary", secretary))


def _root(keys: SigningKeys) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(keys.ca.cert.public_bytes(serialization.Encoding.DER))


def test_chair_then_secretary_both_valid_by_pyhanko(signed_twice: bytes, keys: SigningKeys) -> None:
    reader = PdfFileReader(BytesIO(signed_twice))
    sigs = reader.embedded_signatures
    assert [s.field_name for s in sigs] == ["ChuToa", "ThuKy"]
    assert signed_roles(signed_twice) == ["chair", "secretary"]
    context = ValidationContext(trust_roots=[_root(keys)], allow_fetching=False)
    first, second = (validate_pdf_signature(s, context) for s in sigs)
    for status in (first, second):
        assert status.intact and status.valid and status.trusted and status.bottom_line
    # The chair's covers its revision, the secretary's (added after) the whole file.
    assert first.coverage == SignatureCoverageLevel.ENTIRE_REVISION
    assert second.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert "Trần Thị Loan" in first.signing_cert.subject.human_friendly
    assert "Lê Văn Hùng" in second.signing_cert.subject.human_friendly


def test_fields_sit_at_the_layout_signing_places_with_a_visible_stamp(
    signed_twice: bytes, prepared: tuple[bytes, tuple[SigningPlace, ...], str]
) -> None:
    places = prepared[1]
    secretary, chair = places
    assert secretary.page == chair.page and secretary.box[2] < chair.box[0]  # left, right
    reader = pypdf.PdfReader(BytesIO(signed_twice))
    widgets = {}
    for page_no, page in enumerate(reader.pages):
        for annot in page.get("/Annots") or []:
            a = annot.get_object()
            if a.get("/FT") == "/Sig":
                widgets[a["/T"]] = (page_no, tuple(round(float(v)) for v in a["/Rect"]), a)
    assert widgets["ThuKy"][:2] == (secretary.page, secretary.box)
    assert widgets["ChuToa"][:2] == (chair.page, chair.box)
    for _, _, annot in widgets.values():
        appearance = annot["/AP"]["/N"].get_object()
        assert appearance.get_data()  # drawn, not an empty box


def test_the_log_hash_is_printed_and_in_the_document_information(
    signed_twice: bytes, prepared: tuple[bytes, tuple[SigningPlace, ...], str]
) -> None:
    final_hash = prepared[2]
    reader = pypdf.PdfReader(BytesIO(signed_twice))
    assert reader.metadata is not None and str(reader.metadata[LOG_HASH_KEY]) == final_hash
    text = "".join(page.extract_text() for page in reader.pages)
    assert final_hash in text.replace("\n", "")
    assert verify_minutes(signed_twice).log_hash == final_hash


def test_verify_reports_signers_and_a_byte_changed_after_signing(
    signed_twice: bytes, keys: SigningKeys
) -> None:
    report = verify_minutes(signed_twice, [keys.ca_pem.read_bytes()])
    assert report.ok
    assert [(s.role, s.after, s.trusted) for s in report.signatures] == [
        ("chair", "signatures", True), ("secretary", "none", True)]
    at = signed_twice.index(b"/Title")  # in the first revision: both signatures cover it
    changed = signed_twice[:at] + b"/Titlf" + signed_twice[at + 6:]
    broken = verify_minutes(changed, [keys.ca_pem.read_bytes()])
    assert not broken.ok
    assert [s.intact for s in broken.signatures] == [False, False]


def test_an_untrusted_signer_and_an_unsigned_file_fail(
    signed_twice: bytes, prepared: tuple[bytes, tuple[SigningPlace, ...], str],
    tmp_path: Path,
) -> None:
    other = make_keys(tmp_path)
    report = verify_minutes(signed_twice, [other.ca_pem.read_bytes()])
    assert not report.ok and [s.trusted for s in report.signatures] == [False, False]
    unsigned = verify_minutes(prepared[0])
    assert not unsigned.ok and unsigned.problems == ("the PDF carries no signature",)


def test_a_role_signs_once_and_a_wrong_password_is_refused(
    signed_twice: bytes, keys: SigningKeys
) -> None:
    with pytest.raises(SigningError, match="already"):
        sign(signed_twice, _signer(keys.chair_p12))
    with pytest.raises(SigningError, match="password"):
        load_pkcs12(keys.chair_p12.read_bytes(), b"wrong")


def test_a_timestamp_from_a_tsa_is_embedded_and_validates(
    keys: SigningKeys, prepared: tuple[bytes, tuple[SigningPlace, ...], str]
) -> None:
    chair = load_pkcs12(keys.chair_p12.read_bytes(), PASSWORD.encode())
    signed = sign(prepared[0], SignRequest("chair", chair, dummy_tsa(keys.ca)))
    report = verify_minutes(signed, [keys.ca_pem.read_bytes()])
    assert report.ok
    assert report.signatures[0].timestamped
