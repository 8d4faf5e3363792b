"""Checking signed minutes: who signed, whether each signature is intact, whether anything
but the next signature was added after it, and whether the log hash the minutes carry is the
final hash of a given log (``python run.py verify-minutes``; pyHanko's validator does the
cryptography, ``rooms/log_verify.py`` the log).

The log hash is read from the revision the first signature covers, not from the last one: an
update made after the signing may rewrite the document information, never what was signed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from rooms.log_verify import verify_export
from server.minutes_signing import FIELD_NAMES, LOG_HASH_KEY

_ROLE_OF = {name: role for role, name in FIELD_NAMES.items()}


@dataclass(frozen=True)
class SignatureCheck:
    field: str
    role: str  # "chair", "secretary", or "" for a field the minutes do not define
    signer: str  # the certificate's subject, readable
    signed_at: str  # the TSA's time when timestamped, else the signer's own claim (ISO)
    timestamped: bool
    intact: bool  # the signed bytes hash to what the signature says
    valid: bool  # and the signature over that hash verifies with the signer's key
    trusted: bool | None  # chains to a --trust root; None when no root was given
    # "none": the signature covers the whole file; "signatures": only later signatures
    # (form filling) were added after it; "changed": anything else was.
    after: str

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.after != "changed" and self.trusted is not False


@dataclass(frozen=True)
class LogCheck:
    matches: bool
    event_count: int
    problem: str  # why not, "" when it matches


@dataclass(frozen=True)
class Report:
    signatures: tuple[SignatureCheck, ...]
    log_hash: str  # as the (first signed revision of the) minutes carry it; "" if none
    log: LogCheck | None = None
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return (
            bool(self.signatures)
            and all(s.ok for s in self.signatures)
            and (self.log is None or self.log.matches)
            and not self.problems
        )


class UnreadablePdf(Exception):
    """Not a PDF pyHanko can open."""


def verify_minutes(
    data: bytes, trust_roots: Sequence[bytes] = (), log_export: Mapping[str, Any] | None = None
) -> Report:
    """Check ``data``; ``trust_roots`` are DER or PEM CA certificates; ``log_export`` the
    parsed ``log.json`` whose final hash the minutes must carry."""
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception as exc:  # pyHanko raises many kinds for a broken file
        raise UnreadablePdf(f"{type(exc).__name__}: {exc}") from None
    roots = [_load_cert(r) for r in trust_roots]
    checks = tuple(_check(sig, roots) for sig in embedded)
    problems: list[str] = []
    if not embedded:
        problems.append("the PDF carries no signature")
    log_hash = _log_hash(data, embedded[0] if embedded else None)
    log = None if log_export is None else _check_log(log_export, log_hash)
    return Report(checks, log_hash, log, tuple(problems))


def _load_cert(raw: bytes) -> asn1_x509.Certificate:
    from asn1crypto import pem

    if pem.detect(raw):
        _, _, raw = pem.unarmor(raw)
    return asn1_x509.Certificate.load(raw)


def _check(sig: EmbeddedPdfSignature, roots: list[asn1_x509.Certificate]) -> SignatureCheck:
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    status = validate_pdf_signature(sig, context, ts_validation_context=context)
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        after = "none"
    elif (
        status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and status.modification_level is not None
        and status.modification_level <= ModificationLevel.FORM_FILLING
        and status.docmdp_ok is not False
    ):
        after = "signatures"
    else:
        after = "changed"
    ts = status.timestamp_validity
    when = ts.timestamp if ts is not None else status.signer_reported_dt
    return SignatureCheck(
        field=sig.field_name,
        role=_ROLE_OF.get(sig.field_name, ""),
        signer=sig.signer_cert.subject.human_friendly,
        signed_at=when.isoformat() if when is not None else "",
        timestamped=ts is not None and ts.intact and ts.valid,
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted if roots else None,
        after=after,
    )


def _log_hash(data: bytes, first: EmbeddedPdfSignature | None) -> str:
    """The log hash in the document information of the revision ``first`` signed (the
    whole file when there is no signature)."""
    if first is not None:
        start, length = first.byte_range[2], first.byte_range[3]
        data = data[: start + length]
    try:
        info = PdfFileReader(BytesIO(data), strict=False).trailer_view.get("/Info")
    except Exception:
        return ""
    if info is None:
        return ""
    value = info.get_object().get(LOG_HASH_KEY) if hasattr(info, "get_object") else None
    return str(value).strip().lower() if isinstance(value, generic.TextStringObject) else ""


def _check_log(export: Mapping[str, Any], log_hash: str) -> LogCheck:
    if not log_hash:
        return LogCheck(False, 0, "the minutes carry no log hash")
    verdict = verify_export(export, log_hash)
    if verdict.failure is not None:
        return LogCheck(False, verdict.event_count, f"the log's chain is broken at "
                        f"{verdict.failure.describe()}")
    return LogCheck(verdict.ok, verdict.event_count, verdict.problem)
