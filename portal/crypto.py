"""AES-256-GCM sealing with a keyring, for secrets the portal must keep for a while.

A keyring is read from an environment variable ("id:base64key,id:base64key") or from a
key file outside the database (one "id:base64key" per line). The first key encrypts;
every key decrypts, so a new key can be put first and old data re-sealed later.
"""

import base64
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.exceptions import ImproperlyConfigured

_VERSION = b"\x01"


class SealError(Exception):
    """The blob is damaged, was sealed for another purpose, or its key is gone."""


def parse_keys(text: str) -> dict[str, bytes]:
    keys: dict[str, bytes] = {}
    for item in text.replace("\n", ",").split(","):
        item = item.strip()
        if not item or item.startswith("#"):
            continue
        key_id, _, b64 = item.partition(":")
        raw = base64.b64decode(b64)
        if len(raw) != 32 or not key_id.isalnum() or len(key_id) > 16:
            raise ImproperlyConfigured(f"key {key_id!r} must be 32 bytes with a short alphanumeric id")
        keys[key_id] = raw
    return keys


def new_key_line(key_id: str) -> str:
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


@dataclass(frozen=True)
class Keyring:
    keys: dict[str, bytes]
    current: str

    @classmethod
    def load(cls, *, env_value: str, key_file: str, create_demo_file: bool) -> "Keyring":
        text = env_value
        if not text and key_file:
            path = Path(key_file)
            if not path.exists() and create_demo_file:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(new_key_line("k1") + "\n")
                os.chmod(path, 0o600)
            if path.exists():
                text = path.read_text()
        keys = parse_keys(text)
        if not keys:
            raise ImproperlyConfigured("no encryption key configured")
        return cls(keys=keys, current=next(iter(keys)))

    def seal(self, plaintext: bytes, *, purpose: str) -> bytes:
        nonce = secrets.token_bytes(12)
        key_id = self.current.encode()
        ct = AESGCM(self.keys[self.current]).encrypt(nonce, plaintext, purpose.encode() + b"|" + key_id)
        return _VERSION + bytes([len(key_id)]) + key_id + nonce + ct

    def key_id_of(self, blob: bytes) -> str:
        return bytes(blob[2 : 2 + blob[1]]).decode()

    def open(self, blob: bytes, *, purpose: str) -> bytes:
        blob = bytes(blob)
        if not blob or blob[:1] != _VERSION:
            raise SealError("unknown format")
        n = blob[1]
        key_id = blob[2 : 2 + n]
        nonce = blob[2 + n : 14 + n]
        key = self.keys.get(key_id.decode())
        if key is None:
            raise SealError("key not available")
        try:
            return AESGCM(key).decrypt(nonce, blob[14 + n :], purpose.encode() + b"|" + key_id)
        except Exception as exc:  # InvalidTag: tampered or wrong purpose
            raise SealError("cannot open") from exc
