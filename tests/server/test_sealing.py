"""server/sealing.py: sealed values open only with their key and context, unaltered, and all
have the same length for one size."""

from __future__ import annotations

import os

import pytest

from server.sealing import _NONCES, Sealer, SealingError, _Nonces, sealed_length

KEY = bytes(range(32))
CONTEXT = b"m0000000001|p1"


def test_round_trip_of_every_kind_of_value() -> None:
    sealer = Sealer(KEY)
    for value in (b"yes", b"", b"abstain", b"\x80", b"a\x00\x00", b"x" * 16, "Đồng ý".encode()):
        sealed = sealer.seal(value, context=CONTEXT, size=16)
        assert sealer.open(sealed, context=CONTEXT) == value


def test_another_context_or_key_cannot_open_it() -> None:
    sealed = Sealer(KEY).seal(b"yes", context=CONTEXT, size=16)
    with pytest.raises(SealingError):
        Sealer(KEY).open(sealed, context=b"m0000000001|p2")
    with pytest.raises(SealingError):
        Sealer(bytes(32)).open(sealed, context=CONTEXT)


def test_any_altered_byte_or_truncation_is_refused() -> None:
    sealer = Sealer(KEY)
    sealed = sealer.seal(b"no", context=CONTEXT, size=16)
    for i in range(len(sealed)):
        altered = bytearray(sealed)
        altered[i] ^= 0x01
        with pytest.raises(SealingError):
            sealer.open(bytes(altered), context=CONTEXT)
    for cut in (0, 1, 13, len(sealed) - 1):
        with pytest.raises(SealingError):
            sealer.open(sealed[:cut], context=CONTEXT)


def test_the_length_does_not_tell_the_choice() -> None:
    sealer = Sealer(KEY)
    lengths = {len(sealer.seal(choice, context=CONTEXT, size=24))
               for choice in (b"yes", b"no", b"abstain", b"candidate-17", b"")}
    assert lengths == {sealed_length(24)}


def test_two_seals_of_the_same_value_differ() -> None:
    sealer = Sealer(KEY)
    seals = {sealer.seal(b"yes", context=CONTEXT, size=16) for _ in range(50)}
    assert len(seals) == 50
    assert {sealer.open(s, context=CONTEXT) for s in seals} == {b"yes"}


def test_a_value_longer_than_the_size_is_an_error() -> None:
    sealer = Sealer(KEY)
    with pytest.raises(SealingError):
        sealer.seal(b"x" * 17, context=CONTEXT, size=16)
    assert len(sealer.seal(b"x" * 16, context=CONTEXT, size=16)) == sealed_length(16)


def test_the_key_must_be_256_bits() -> None:
    with pytest.raises(ValueError):
        Sealer(b"short")


def test_nonces_drawn_in_batches_are_never_handed_out_twice() -> None:
    sealer = Sealer(b"k" * 32)
    seals = [sealer.seal(b"yes", context=b"m|p", size=8) for _ in range(3 * 256 + 5)]
    nonces = {s[1:13] for s in seals}
    assert len(nonces) == len(seals)  # across three refills of the batch
    assert all(sealer.open(s, context=b"m|p") == b"yes" for s in seals[250:262])


def test_a_forked_child_draws_its_own_nonces() -> None:
    nonces = _Nonces()
    first = nonces.take()
    nonces.forget()  # what os.register_at_fork runs in the child
    drawn_in_child = nonces.take()
    assert drawn_in_child != first
    # The parent's batch was dropped: the child's next nonce starts a fresh draw.
    assert nonces._at == len(drawn_in_child)


# Python 3.12 warns of fork() in a process with threads; the child here only writes and exits.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_real_fork_does_not_reuse_the_parents_next_nonce() -> None:
    nonces = _NONCES
    nonces.take()  # the parent holds a drawn batch
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its first nonce, to the parent, then out
        os.write(write, nonces.take())
        os._exit(0)
    os.close(write)
    child = os.read(read, 64)
    os.close(read)
    os.waitpid(pid, 0)
    assert len(child) == 12 and child != nonces.take()
