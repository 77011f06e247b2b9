"""The Ed25519 keys that sign the cards' QR codes.

`CARD_SIGNING_KEYS` ("ID:base64(32-byte seed),...") or `CARD_SIGNING_KEY_FILE` (one
"ID:base64" per line). The first key signs new cards; every key's public half is published
(/cards/keys/) and accepted, so cards signed before a rotation keep verifying. The demo makes
a key file under var/keys on first use; production refuses to sign without a configured key.
"""

import base64
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from . import qr


def parse_keys(text: str) -> dict[str, Ed25519PrivateKey]:
    keys: dict[str, Ed25519PrivateKey] = {}
    for item in (text or "").replace("\n", ",").split(","):
        item = item.strip()
        if not item or item.startswith("#"):
            continue
        key_id, _, b64 = item.partition(":")
        key_id = key_id.strip().upper()
        try:
            seed = base64.b64decode(b64.strip(), validate=True)
        except ValueError:
            seed = b""
        if len(seed) != 32 or not key_id.isalnum() or not key_id.isascii() or len(key_id) > 16:
            raise ImproperlyConfigured(f"card signing key {key_id!r} must be a 32-byte seed with a short A-Z/0-9 id")
        if key_id in keys:
            raise ImproperlyConfigured(f"card signing key {key_id!r} appears twice")
        keys[key_id] = Ed25519PrivateKey.from_private_bytes(seed)
    return keys


def new_key_line(key_id: str) -> str:
    return f"{key_id.upper()}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


def raw_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def pem_public(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@dataclass(frozen=True)
class Keyring:
    keys: dict[str, Ed25519PrivateKey]

    @property
    def current(self) -> str:
        return next(iter(self.keys))

    def sign(self, payload: qr.Payload) -> str:
        return qr.sign(payload, self.keys[payload.key_id])

    def public_keys(self) -> dict[str, bytes]:
        return {key_id: raw_public(key) for key_id, key in self.keys.items()}


_cache: dict[tuple, Keyring] = {}


def key_file() -> Path | None:
    return Path(settings.CARD_SIGNING_KEY_FILE) if settings.CARD_SIGNING_KEY_FILE else None


def keyring() -> Keyring:
    """The configured keys; read again when the settings or the key file change (rotation)."""
    text, path = settings.CARD_SIGNING_KEYS, key_file()
    if not text and path is not None and not path.exists() and not settings.PRODUCTION:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(new_key_line("K1") + "\n")
        os.chmod(path, 0o600)
    stamp = path.stat().st_mtime_ns if (not text and path is not None and path.exists()) else None
    cache_key = (text, str(path), stamp)
    ring = _cache.get(cache_key)
    if ring is None:
        if not text and stamp is not None:
            text = path.read_text()
        keys = parse_keys(text)
        if not keys:
            raise ImproperlyConfigured("No card signing key: set CARD_SIGNING_KEYS or CARD_SIGNING_KEY_FILE "
                                       "(see docs/cards.md#signing-keys)")
        ring = Keyring(keys=keys)
        _cache.clear()
        _cache[cache_key] = ring
    return ring
