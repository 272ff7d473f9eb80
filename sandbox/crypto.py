"""The platform side of WXBizMsgCrypt (secure-mode push) and the signatures, on the ``cryptography`` package.

AESKey = b64decode(EncodingAESKey + "="), 32 bytes; IV = AESKey[:16]; AES-256-CBC without library padding, PKCS#7
with a 32-byte block; plaintext = 16 random bytes ‖ 4-byte big-endian length ‖ message ‖ appid.
"""

import base64
import hashlib
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32


class CryptoError(ValueError):
    pass


def aes_key(encoding_aes_key: str) -> bytes:
    if len(encoding_aes_key) != 43:
        raise CryptoError("EncodingAESKey must be 43 characters")
    key = base64.b64decode(encoding_aes_key + "=")
    if len(key) != 32:
        raise CryptoError("EncodingAESKey must decode to 32 bytes")
    return key


def encoding_aes_key_from_bytes(raw: bytes) -> str:
    """The 43-character EncodingAESKey for 32 raw bytes (base64 without the trailing '=')."""
    return base64.b64encode(raw).decode()[:43]


def encrypt(message: bytes, *, appid: str, encoding_aes_key: str, nonce16: bytes | None = None) -> str:
    key = aes_key(encoding_aes_key)
    body = (nonce16 or os.urandom(16)) + struct.pack(">I", len(message)) + message + appid.encode()
    pad = BLOCK - len(body) % BLOCK
    body += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(body) + encryptor.finalize()).decode()


def decrypt(encrypted: str, *, encoding_aes_key: str) -> tuple[bytes, str]:
    """(message, appid) from an ``Encrypt`` value."""
    key = aes_key(encoding_aes_key)
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    body = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
    pad = body[-1]
    if not 1 <= pad <= BLOCK:
        raise CryptoError("bad padding")
    body = body[:-pad]
    (length,) = struct.unpack(">I", body[16:20])
    return body[20 : 20 + length], body[20 + length :].decode()


def signature(*parts: str) -> str:
    """sha1 of the lexicographically sorted parts, hex: ``signature`` (token, timestamp, nonce) and
    ``msg_signature`` (token, timestamp, nonce, Encrypt)."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()
