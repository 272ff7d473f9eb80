"""The receiver's side of WXBizMsgCrypt, written for the tests from the platform document (not from sandbox.crypto)."""

import base64
import hashlib
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def sha1_sorted(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def decrypt(encrypt: str, encoding_aes_key: str) -> tuple[bytes, str]:
    key = base64.b64decode(encoding_aes_key + "=")
    assert len(key) == 32
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(base64.b64decode(encrypt)) + decryptor.finalize()
    pad = plain[-1]
    assert 1 <= pad <= 32 and plain[-pad:] == bytes([pad]) * pad
    plain = plain[:-pad]
    (length,) = struct.unpack("!I", plain[16:20])
    return plain[20 : 20 + length], plain[20 + length :].decode()


def encrypt(message: bytes, appid: str, encoding_aes_key: str) -> str:
    key = base64.b64decode(encoding_aes_key + "=")
    plain = os.urandom(16) + struct.pack("!I", len(message)) + message + appid.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()
