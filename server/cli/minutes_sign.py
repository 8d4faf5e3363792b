"""The signing options of ``python run.py minutes``: sign the final minutes with a PKCS#12
file (``--sign KEY.p12 [--password-file F]``) or a PKCS#11 token (``--pkcs11-lib LIB
--pkcs11-slot N``), as the chair or the secretary (``--as``), timestamped when ``--tsa`` or
``PHONGHOP_TSA_URL`` names a time-stamping authority.

The first signer signs minutes built from the log; the second signs the first one's file
(``--onto SIGNED.pdf``), which keeps the first signature valid. The command line does not
touch the server's stored signed minutes (``POST .../minutes/sign`` does).

Exit codes: 0 signed; 1 not signed (meeting not closed, field already signed, wrong key or
password, TSA failure); 2 no such meeting or file.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyhanko.sign.signers import Signer

    from rooms.minutes_model import Minutes


def add_sign_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("signing (PDF, final minutes only)")
    group.add_argument("--sign", metavar="KEY.p12", help="sign with this PKCS#12 key file")
    group.add_argument("--password-file", metavar="F", help="the key file's password (else asked)")
    group.add_argument("--as", dest="sign_as", choices=("chair", "secretary"),
                       help="whose signature place to sign (required to sign)")
    group.add_argument("--onto", metavar="SIGNED.pdf",
                       help="sign this file (signed by the other) instead of fresh minutes")
    group.add_argument("--tsa", default=os.environ.get("PHONGHOP_TSA_URL") or None,
                       metavar="URL", help="RFC 3161 timestamp server (PHONGHOP_TSA_URL)")
    group.add_argument("--pkcs11-lib", metavar="LIB", help="sign with a PKCS#11 token: its module")
    group.add_argument("--pkcs11-slot", type=int, metavar="N", help="the token's slot")
    group.add_argument("--pkcs11-key-label", metavar="L", help="the key's label on the token")
    group.add_argument("--pkcs11-pin-file", metavar="F", help="the token's PIN (else asked)")


def sign_requested(args: argparse.Namespace) -> bool:
    return bool(args.sign or args.pkcs11_lib)


def _secret(path: str | None, prompt: str) -> str:
    if path:
        return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
    return getpass.getpass(prompt) if sys.stdin.isatty() else ""


@contextlib.contextmanager
def _signer(args: argparse.Namespace) -> Iterator[Signer]:
    from server.minutes_signing import load_pkcs12, pkcs11_signer

    if args.pkcs11_lib:
        pin = _secret(args.pkcs11_pin_file, "PIN: ") or None
        with pkcs11_signer(args.pkcs11_lib, args.pkcs11_slot, pin, args.pkcs11_key_label) as s:
            yield s
        return
    password = _secret(args.password_file, "Mật khẩu / password: ")
    yield load_pkcs12(Path(args.sign).read_bytes(), password.encode("utf-8"))


def sign_to_file(args: argparse.Namespace, onto: bytes | None, built: Minutes | None) -> int:
    """Sign ``onto`` (a file the other signer signed) or the final minutes ``built``."""
    from server.exports.pdf_minutes import render_pdf_with_places
    from server.minutes_signing import SigningError, SignRequest, prepare, sign, timestamper

    if args.format != "pdf" or not args.sign_as:
        print("Ký cần --format pdf và --as chair|secretary / signing needs --format pdf and "
              "--as", file=sys.stderr)
        return 1
    if onto is None:
        if built is None:
            print("Cuộc họp chưa kết thúc / the meeting is not closed: only final minutes are "
                  "signed", file=sys.stderr)
            return 1
        pdf, places = render_pdf_with_places(built, args.lang)
        onto = prepare(pdf, places, built.log.final_hash, built.log.algorithm)
    try:
        with _signer(args) as signer:
            signed = sign(onto, SignRequest(args.sign_as, signer, timestamper(args.tsa)))
    except (SigningError, OSError) as exc:
        print(f"Không ký được / not signed: {exc}", file=sys.stderr)
        return 1
    Path(args.out).write_bytes(signed)
    print(f"Đã ký / signed as {args.sign_as} → {args.out} ({len(signed)} bytes)", file=sys.stderr)
    return 0
