"""Signing the final minutes (PAdES, with pyHanko): the PDF is prepared once with an empty
signature field at each signing place of the layout and the log's final hash in its document
information; then the secretary and the chair each fill their own field, one incremental
update after the other, so the first signature stays valid under the second.

No Redis and no HTTP here: ``server/signing_http.py`` and ``server/cli/minutes.py`` bring the
minutes, the key and the time-stamping authority; ``server/minutes_verify.py`` checks a file.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any, Final, Literal

from fontTools import ttLib
from fontTools.ttLib.scaleUpem import scale_upem
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.stamp import TextStampStyle

from server.exports.pdf_minutes import SigningPlace

SignerRole = Literal["secretary", "chair"]
# The layout's order (server/exports/layout.py): the secretary signs left, the chair right.
ROLES: Final[tuple[SignerRole, SignerRole]] = ("secretary", "chair")
FIELD_NAMES: Final[dict[SignerRole, str]] = {"secretary": "ThuKy", "chair": "ChuToa"}
# Document information entries a verifier reads without OCR (the hash is printed as well).
LOG_HASH_KEY: Final = "/PhonghopLogHash"
LOG_ALGORITHM_KEY: Final = "/PhonghopLogAlgorithm"
_STAMP_PT = 8
TSA_TIMEOUT = 10  # seconds: a TSA that does not answer fails the signing, it is not skipped

_FONT = Path(__file__).resolve().parent / "assets" / "fonts" / "DejaVuSans.ttf"
_REASONS: Final[dict[SignerRole, str]] = {
    "secretary": "Thư ký ký biên bản / signed by the secretary",
    "chair": "Chủ tọa ký biên bản / signed by the chair",
}


class SigningError(Exception):
    """The signing cannot go ahead: a bad key file or password, a field already signed, a
    file that is not the prepared minutes, a TSA that failed."""


def prepare(pdf: bytes, places: Sequence[SigningPlace], log_hash: str, algorithm: str) -> bytes:
    """``pdf`` with an empty signature field at each signing place (``ROLES`` order) and the
    log's final hash in its document information, as one incremental update."""
    if len(places) != len(ROLES):
        raise SigningError(f"the minutes have {len(places)} signing places, expected 2")
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    for role, place in zip(ROLES, places, strict=True):
        spec = fields.SigFieldSpec(FIELD_NAMES[role], on_page=place.page, box=place.box)
        fields.append_signature_field(writer, spec)
    info_ref = writer.trailer.raw_get("/Info")
    info = None
    if isinstance(info_ref, generic.IndirectObject):
        info = info_ref.get_object()  # type: ignore[no-untyped-call]
    if not isinstance(info, generic.DictionaryObject):
        raise SigningError("the minutes PDF has no document information")
    info[generic.NameObject(LOG_HASH_KEY)] = generic.TextStringObject(log_hash)
    info[generic.NameObject(LOG_ALGORITHM_KEY)] = generic.TextStringObject(algorithm)
    writer.mark_update(info_ref)
    out = BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    return out.getvalue()


def signed_roles(pdf: bytes) -> list[SignerRole]:
    """The roles whose field is signed in ``pdf``, in signing order."""
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    by_field = {name: role for role, name in FIELD_NAMES.items()}
    return [by_field[s.field_name] for s in reader.embedded_signatures if s.field_name in by_field]


def load_pkcs12(data: bytes, password: bytes) -> signers.Signer:
    """The signer in a PKCS#12 file (key, certificate, and the chain it carries)."""
    try:
        signer: signers.Signer = signers.SimpleSigner.load_pkcs12_data(
            data, (), passphrase=password or None
        )
    except ValueError:
        raise SigningError(
            "không mở được tệp khóa / the .p12 file or its password is wrong"
        ) from None
    return signer


@contextlib.contextmanager
def pkcs11_signer(
    lib: str, slot: int | None, pin: str | None, key_label: str | None = None,
    cert_label: str | None = None,
) -> Iterator[signers.Signer]:
    """A signer on a PKCS#11 token (the USB tokens of Vietnamese officials), open for the
    ``with`` block. Needs ``python-pkcs11`` (``pip install 'pyhanko[pkcs11]'``) and the
    token's module, e.g. the vendor's ``.so``. Tested with SoftHSM
    (tests/server/test_minutes_pkcs11.py). A wrong PIN, slot or label is a SigningError here,
    before any signing starts."""
    try:
        from pkcs11.exceptions import PinIncorrect, PKCS11Error
        from pyhanko.sign import pkcs11
    except ImportError as exc:  # python-pkcs11 is an optional extra
        raise SigningError(f"PKCS#11 needs python-pkcs11: {exc}") from None
    try:
        session = pkcs11.open_pkcs11_session(lib, slot_no=slot, user_pin=pin)
    except PinIncorrect:
        raise SigningError("sai mã PIN của token / the token's PIN is wrong") from None
    except (PKCS11Error, OSError, RuntimeError) as exc:
        raise SigningError(
            f"không mở được token / cannot open the PKCS#11 token: {type(exc).__name__} {exc}"
        ) from None
    try:
        signer = pkcs11.PKCS11Signer(session, cert_label=cert_label, key_label=key_label)
        try:
            # Finds the certificate now, so that a wrong label is said before signing.
            signer.signing_cert  # noqa: B018
        except PKCS11Error as exc:
            raise SigningError(f"không thấy chứng thư trên token / {exc}") from None
        yield signer
    finally:
        session.close()


def timestamper(url: str | None) -> TimeStamper | None:
    """An RFC 3161 client for ``url`` (``PHONGHOP_TSA_URL``), or none when not configured."""
    return HTTPTimeStamper(url, timeout=TSA_TIMEOUT) if url else None


@functools.cache
def _font_at_1000_upem() -> bytes:
    """DejaVu Sans rescaled to 1000 units per em. pyHanko 0.38 writes a TrueType font's
    glyph widths (/W) in the font's own units where PDF wants thousandths of an em, so a
    2048-unit font like DejaVu would be drawn with every letter far apart."""
    font = ttLib.TTFont(str(_FONT))
    scale_upem(font, 1000)
    out = BytesIO()
    font.save(out)
    return out.getvalue()


class _StampFont(GlyphAccumulatorFactory):
    def create_font_engine(
        self, writer: BasePdfFileWriter, obj_stream: Any = None
    ) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()  # type: ignore[no-untyped-call]
        return GlyphAccumulator(
            writer=writer, font_handle=BytesIO(_font_at_1000_upem()), font_size=self.font_size,
            obj_stream=obj_stream,
        )


def _stamp_style() -> TextStampStyle:
    # DejaVu covers every Vietnamese letter a signer's name may have; pyHanko's default
    # (a standard 14 font) covers none of the marks.
    # The glyph positions are computed at the factory's size: it must be the text box's.
    font = _StampFont(str(_FONT), font_size=_STAMP_PT)
    return TextStampStyle(
        stamp_text="Ký số bởi / Signed by:\n%(signer)s\n%(ts)s",
        text_box_style=TextBoxStyle(font=font, font_size=_STAMP_PT, leading=_STAMP_PT + 2),
        timestamp_format="%d/%m/%Y %H:%M:%S %Z",
        border_width=1,
    )


@dataclass(frozen=True)
class SignRequest:
    role: SignerRole
    signer: signers.Signer
    tsa: TimeStamper | None = None
    location: str = ""


def sign(pdf: bytes, request: SignRequest) -> bytes:
    """``pdf`` (prepared, maybe already signed by the other) with ``request.role``'s field
    signed, PAdES baseline (B-T when a TSA is given), as an incremental update."""
    field = FIELD_NAMES[request.role]
    if request.role in signed_roles(pdf):
        raise SigningError(f"the {request.role}'s signature is already in the minutes")
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    if field not in {name for name, _, _ in fields.enumerate_sig_fields(reader)}:
        raise SigningError("this PDF is not the minutes prepared for signing (no field "
                           f"{field!r})")
    meta = signers.PdfSignatureMetadata(
        field_name=field,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=_REASONS[request.role],
        location=request.location or None,
        use_pades_lta=False,
    )
    pdf_signer = signers.PdfSigner(
        meta, request.signer, timestamper=request.tsa, stamp_style=_stamp_style()
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    try:
        out = pdf_signer.sign_pdf(writer)
    except Exception as exc:  # pyHanko raises many kinds (TSA, key, PDF structure)
        raise SigningError(f"ký không thành công / signing failed: {exc}") from exc
    data: bytes = out.getvalue()
    return data
