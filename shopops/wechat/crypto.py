"""Push-callback security: signatures and the WXBizMsgCrypt envelope (安全模式, the only mode shops allow).

- URL verification: ``signature = sha1(sorted(token, timestamp, nonce))``.
- Event POSTs: ``msg_signature = sha1(sorted(token, timestamp, nonce, Encrypt))``, then ``Encrypt`` is
  base64(AES-256-CBC(random16 ‖ len32be ‖ msg ‖ appid ‖ PKCS#7 pad to 32)), key = b64decode(EncodingAESKey + "="),
  IV = key[:16].

Every rejection raises a ``PushCryptoError`` subclass whose ``reason`` says which check failed, so the callback view
can log and count it without guessing; none of them leaks the key or the plaintext.
"""

import base64
import binascii
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK_SIZE = 32  # WeChat pads to 32 bytes, not to the AES block of 16
_RANDOM_LEN = 16
_LENGTH_LEN = 4


class PushCryptoError(Exception):
    """A push could not be authenticated or decrypted. ``reason`` names the check that failed."""

    reason = "push crypto error"

    def __init__(self, reason: str | None = None) -> None:
        if reason is not None:
            self.reason = reason
        super().__init__(self.reason)


class BadSignatureError(PushCryptoError):
    """msg_signature does not match the token, timestamp, nonce and Encrypt: not from the platform, or altered."""

    reason = "bad signature"


class StaleTimestampError(PushCryptoError):
    """The timestamp is unreadable or further than ``max_skew`` seconds from now: a replay or a badly skewed clock."""

    reason = "stale timestamp"


class MalformedMessageError(PushCryptoError):
    """Encrypt is not base64 ("malformed base64"), not whole 32-byte blocks ("truncated ciphertext"), declares a
    length beyond its end ("bad length"), or is not UTF-8 ("bad utf-8")."""

    reason = "malformed message"


class BadPaddingError(PushCryptoError):
    """The decrypted padding is not 1..32 copies of its own length: wrong key or altered ciphertext."""

    reason = "bad padding"


class AppIdMismatchError(PushCryptoError):
    """The message decrypted but was sealed for another appid."""

    reason = "appid mismatch"


def _sha1_of_sorted(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def url_signature(token: str, timestamp: str | int, nonce: str | int) -> str:
    """The URL-verification signature: sha1 hex of the lexicographically sorted concatenation of the three."""
    return _sha1_of_sorted(token, str(timestamp), str(nonce))


def msg_signature(token: str, timestamp: str | int, nonce: str | int, encrypt: str) -> str:
    """The event signature: sha1 hex of the sorted concatenation of token, timestamp, nonce and the Encrypt string."""
    return _sha1_of_sorted(token, str(timestamp), str(nonce), encrypt)


def check_signature(expected: str, actual: str) -> bool:
    """Constant-time comparison of two signatures (hmac.compare_digest), so timing does not reveal a prefix."""
    return hmac.compare_digest(str(expected).encode("utf-8"), str(actual).encode("utf-8"))


class PushCrypto:
    """Seal and open push messages for one shop: its Token, EncodingAESKey and appid.

    ValueError at construction when the EncodingAESKey is not 43 base64 characters decoding to 32 bytes: that is a
    configuration error, not a bad push.
    """

    def __init__(self, token: str, encoding_aes_key: str, appid: str) -> None:
        if len(encoding_aes_key) != 43:
            raise ValueError("EncodingAESKey must be 43 characters")
        try:
            key = base64.b64decode(encoding_aes_key + "=", validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("EncodingAESKey is not base64") from None
        if len(key) != 32:
            raise ValueError("EncodingAESKey must decode to 32 bytes")
        self.token = token
        self.appid = appid
        self._key = key

    def __repr__(self) -> str:
        return f"<PushCrypto appid={self.appid}>"

    def _cipher(self) -> Cipher:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))

    def encrypt(self, message: str, *, random_bytes: bytes | None = None) -> str:
        """Seal ``message`` for this appid and return the base64 Encrypt string (for the sandbox, tests and tools)."""
        prefix = os.urandom(_RANDOM_LEN) if random_bytes is None else random_bytes
        if len(prefix) != _RANDOM_LEN:
            raise ValueError("random_bytes must be 16 bytes")
        body = message.encode("utf-8")
        plain = prefix + len(body).to_bytes(_LENGTH_LEN, "big") + body + self.appid.encode("utf-8")
        pad = BLOCK_SIZE - len(plain) % BLOCK_SIZE  # 1..32: a full block of 32 when already aligned
        plain += bytes([pad]) * pad
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode("ascii")

    def decrypt(self, encrypt_b64: str) -> str:
        """Open an Encrypt string and return the message.

        Raises MalformedMessageError (bad base64, ciphertext not whole 32-byte blocks, length field past the end,
        not UTF-8), BadPaddingError, or AppIdMismatchError when it was sealed for another appid.
        """
        try:
            sealed = base64.b64decode(encrypt_b64, validate=True)
        except (binascii.Error, ValueError):  # ValueError: non-ASCII characters
            raise MalformedMessageError("malformed base64") from None
        if not sealed or len(sealed) % BLOCK_SIZE:
            raise MalformedMessageError("truncated ciphertext")
        decryptor = self._cipher().decryptor()
        plain = decryptor.update(sealed) + decryptor.finalize()

        pad = plain[-1]
        if not 1 <= pad <= BLOCK_SIZE or plain[-pad:] != bytes([pad]) * pad:
            raise BadPaddingError()
        content = plain[:-pad]

        header = _RANDOM_LEN + _LENGTH_LEN
        if len(content) < header:
            raise MalformedMessageError("bad length")
        length = int.from_bytes(content[_RANDOM_LEN:header], "big")
        if header + length > len(content):
            raise MalformedMessageError("bad length")
        body, from_appid = content[header : header + length], content[header + length :]
        if from_appid != self.appid.encode("utf-8"):
            raise AppIdMismatchError()
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedMessageError("bad utf-8") from None

    def verify_and_decrypt(
        self,
        *,
        msg_signature: str,
        timestamp: str | int,
        nonce: str | int,
        encrypt: str,
        now: float,
        max_skew: int = 300,
    ) -> str:
        """Authenticate a pushed event, then open it.

        Order of checks: the signature (BadSignatureError) before anything is decrypted; the timestamp within
        ``max_skew`` seconds of ``now`` either way (StaleTimestampError, which bounds replays); then ``decrypt``'s
        checks.
        """
        if not check_signature(_sha1_of_sorted(self.token, str(timestamp), str(nonce), encrypt), msg_signature):
            raise BadSignatureError()
        try:
            sent_at = int(str(timestamp).strip())
        except ValueError:
            raise StaleTimestampError("bad timestamp") from None
        if abs(now - sent_at) > max_skew:
            raise StaleTimestampError()
        return self.decrypt(encrypt)
