"""The QR payload's signature is written by our own base32 encoder (faster than the
standard library's): it must give exactly what base64.b32encode gives, without padding,
so that any verifier (base64.b32decode, or another language's RFC 4648 decoder) reads it."""

import base64
import random

from portal.cards import qr


def test_every_length_encodes_as_the_standard_library_does():
    rng = random.Random(7)
    for length in range(0, 80):
        for _ in range(5):
            data = bytes(rng.randrange(256) for _ in range(length))
            assert qr.encode_signature(data) == base64.b32encode(data).decode().rstrip("=")


def test_a_signature_of_64_bytes_is_103_characters_that_decode_back():
    data = bytes(range(64))
    text = qr.encode_signature(data)
    assert len(text) == 103
    assert base64.b32decode(text + "=" * (-len(text) % 8)) == data


def test_all_zero_and_all_one_bits_keep_their_leading_characters():
    assert qr.encode_signature(b"\x00" * 64) == "A" * 103
    assert qr.encode_signature(b"\xff" * 64) == base64.b32encode(b"\xff" * 64).decode().rstrip("=")
