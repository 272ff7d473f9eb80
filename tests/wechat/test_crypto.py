import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from shopops.wechat.crypto import (
    AppIdMismatchError,
    BadPaddingError,
    BadSignatureError,
    MalformedMessageError,
    PushCrypto,
    PushCryptoError,
    StaleTimestampError,
    check_signature,
    msg_signature,
    url_signature,
)

# The official WXBizMsgCrypt sample vector (Java WXBizMsgCryptTest, reproduced by the other official samples).
SAMPLE_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
SAMPLE_APPID = "wxb11529c136998cb6"
SAMPLE_TOKEN = "pamtest"
SAMPLE_RANDOM = b"aaaabbbbccccdddd"
SAMPLE_MESSAGE = "我是中文abcd123"
SAMPLE_ENCRYPT = "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="

OTHER_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
NOW = 1714036504


@pytest.fixture
def crypto():
    return PushCrypto(SAMPLE_TOKEN, SAMPLE_KEY, SAMPLE_APPID)


def raw_decrypt(key: str, encrypt: str) -> bytes:
    """AES-CBC without any unpadding: what is really inside the envelope."""
    aes_key = base64.b64decode(key + "=")
    decryptor = Cipher(algorithms.AES(aes_key), modes.CBC(aes_key[:16])).decryptor()
    return decryptor.update(base64.b64decode(encrypt)) + decryptor.finalize()


def raw_encrypt(key: str, plain: bytes) -> str:
    """AES-CBC of exactly ``plain`` (a multiple of 16 bytes), to build envelopes the product would never seal."""
    aes_key = base64.b64decode(key + "=")
    encryptor = Cipher(algorithms.AES(aes_key), modes.CBC(aes_key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def envelope(body: bytes, *, appid: bytes = SAMPLE_APPID.encode(), length: int | None = None, pad: bytes | None = None):
    """random ‖ length ‖ body ‖ appid ‖ padding, with the length field and padding overridable."""
    plain = SAMPLE_RANDOM + (len(body) if length is None else length).to_bytes(4, "big") + body + appid
    if pad is None:
        count = 32 - len(plain) % 32
        pad = bytes([count]) * count
    return plain + pad


def signed(crypto: PushCrypto, encrypt: str, *, timestamp=NOW, nonce="1514711492") -> dict:
    return {
        "msg_signature": msg_signature(crypto.token, timestamp, nonce, encrypt),
        "timestamp": str(timestamp),
        "nonce": nonce,
        "encrypt": encrypt,
    }


# -- signatures ----------------------------------------------------------------------------------------------------


def test_url_signature_matches_the_official_verification_example():
    assert url_signature("AAAAA", 1714036504, 1514711492) == "f464b24fc39322e44b38aa78f5edd27bd1441696"
    assert url_signature("AAAAA", "1714036504", "1514711492") == "f464b24fc39322e44b38aa78f5edd27bd1441696"


def test_msg_signature_known_answer_from_the_official_sample():
    # The official WXBizMsgCrypt URL-verification sample: four values sorted, concatenated, sha1.
    encrypt = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="

    assert msg_signature("QDG6eK", "1409659589", "263014780", encrypt) == "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"


def test_msg_signature_sorts_all_four_values():
    expected = hashlib.sha1(b"15147114921714036504AAAAAzzz-encrypted").hexdigest()

    assert msg_signature("AAAAA", 1714036504, 1514711492, "zzz-encrypted") == expected


def test_check_signature_compares_exactly():
    signature = "f464b24fc39322e44b38aa78f5edd27bd1441696"

    assert check_signature(signature, signature) is True
    assert check_signature(signature, signature.upper()) is False
    assert check_signature(signature, signature[:-1]) is False
    assert check_signature(signature, "") is False


# -- known answers -------------------------------------------------------------------------------------------------


def test_encrypt_reproduces_the_official_ciphertext(crypto):
    assert crypto.encrypt(SAMPLE_MESSAGE, random_bytes=SAMPLE_RANDOM) == SAMPLE_ENCRYPT


def test_decrypt_opens_the_official_ciphertext(crypto):
    assert crypto.decrypt(SAMPLE_ENCRYPT) == SAMPLE_MESSAGE


def test_verify_and_decrypt_opens_the_official_url_verification_sample():
    crypto = PushCrypto("QDG6eK", OTHER_KEY, "wx5823bf96d3bd56c7")

    plain = crypto.verify_and_decrypt(
        msg_signature="5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
        timestamp="1409659589",
        nonce="263014780",
        encrypt="P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==",
        now=1409659589,
    )

    assert plain == "1616140317555161061"


# -- round trips ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("pad", range(1, 33))
def test_round_trip_for_every_padding_length(crypto, pad):
    # random(16) + length(4) + appid(18) = 38 bytes around the message; choose its length so that exactly `pad`
    # bytes are needed to reach a multiple of 32.
    message = "m" * ((32 - pad - 38) % 32)

    encrypt = crypto.encrypt(message, random_bytes=SAMPLE_RANDOM)

    inside = raw_decrypt(SAMPLE_KEY, encrypt)
    assert inside[-1] == pad
    assert inside[-pad:] == bytes([pad]) * pad
    assert len(inside) == 38 + len(message) + pad
    assert len(inside) % 32 == 0
    assert crypto.decrypt(encrypt) == message


def test_round_trip_of_a_json_event_with_chinese_text(crypto):
    event = '{"Event":"channels_ec_order_new","order_info":{"order_id":3705115058471208928},"note":"礼物"}'

    assert crypto.verify_and_decrypt(**signed(crypto, crypto.encrypt(event)), now=NOW) == event


def test_encrypt_uses_fresh_random_bytes_by_default(crypto):
    first, second = crypto.encrypt("same"), crypto.encrypt("same")

    assert first != second
    assert crypto.decrypt(first) == crypto.decrypt(second) == "same"


# -- rejections ----------------------------------------------------------------------------------------------------


def test_a_wrong_signature_is_rejected_before_decrypting(crypto):
    fields = signed(crypto, crypto.encrypt("{}"))
    fields["msg_signature"] = "0" * 40

    with pytest.raises(BadSignatureError) as caught:
        crypto.verify_and_decrypt(**fields, now=NOW)
    assert caught.value.reason == "bad signature"


def test_a_signature_over_other_ciphertext_is_rejected(crypto):
    fields = signed(crypto, crypto.encrypt("{}"))
    fields["encrypt"] = crypto.encrypt("{}")  # a different, equally valid envelope

    with pytest.raises(BadSignatureError):
        crypto.verify_and_decrypt(**fields, now=NOW)


@pytest.mark.parametrize("skew", [301, -301])
def test_a_timestamp_more_than_300_seconds_away_is_rejected(crypto, skew):
    with pytest.raises(StaleTimestampError) as caught:
        crypto.verify_and_decrypt(**signed(crypto, crypto.encrypt("{}")), now=NOW + skew)
    assert caught.value.reason == "stale timestamp"


@pytest.mark.parametrize("skew", [300, -300, 0])
def test_a_timestamp_within_300_seconds_is_accepted(crypto, skew):
    assert crypto.verify_and_decrypt(**signed(crypto, crypto.encrypt("{}")), now=NOW + skew) == "{}"


def test_an_unreadable_timestamp_is_rejected(crypto):
    with pytest.raises(StaleTimestampError) as caught:
        crypto.verify_and_decrypt(**signed(crypto, crypto.encrypt("{}"), timestamp="soon"), now=NOW)
    assert caught.value.reason == "bad timestamp"


@pytest.mark.parametrize(
    "pad",
    [
        pytest.param(b"\x00" * 10, id="zero"),
        pytest.param(b"\x02" * 9 + b"\x21", id="33"),
        pytest.param(b"\x05" * 9 + b"\xff", id="255"),
        pytest.param(b"\x09" * 7 + b"\x03\x02\x03", id="inconsistent"),
    ],
)
def test_tampered_padding_is_rejected(crypto, pad):
    # random 16 + length 4 + body 16 + appid 18 = 54 bytes; the 10 forged padding bytes make two whole blocks.
    body = b"{}" + b" " * 14
    plain = envelope(body, pad=pad)
    assert len(plain) == 64
    encrypt = raw_encrypt(SAMPLE_KEY, plain)

    with pytest.raises(BadPaddingError) as caught:
        crypto.decrypt(encrypt)
    assert str(caught.value) == "bad padding"
    with pytest.raises(BadPaddingError):
        crypto.verify_and_decrypt(**signed(crypto, encrypt), now=NOW)


def test_a_message_sealed_for_another_appid_is_rejected(crypto):
    other = PushCrypto(SAMPLE_TOKEN, SAMPLE_KEY, "wx0000000000000000")
    encrypt = other.encrypt("{}")

    with pytest.raises(AppIdMismatchError) as caught:
        crypto.verify_and_decrypt(**signed(crypto, encrypt), now=NOW)
    assert caught.value.reason == "appid mismatch"


def test_a_message_sealed_with_another_key_is_rejected(crypto):
    encrypt = PushCrypto(SAMPLE_TOKEN, OTHER_KEY, SAMPLE_APPID).encrypt("{}", random_bytes=SAMPLE_RANDOM)

    with pytest.raises(PushCryptoError):
        crypto.decrypt(encrypt)


@pytest.mark.parametrize("encrypt", ["!!!not-base64!!!", "abc", "jn1L23DB+6ELqJ+6bruv2€=="])
def test_malformed_base64_is_rejected(crypto, encrypt):
    with pytest.raises(MalformedMessageError) as caught:
        crypto.verify_and_decrypt(**signed(crypto, encrypt), now=NOW)
    assert caught.value.reason == "malformed base64"


@pytest.mark.parametrize("cut", [16, 1, 48])
def test_truncated_ciphertext_is_rejected(crypto, cut):
    sealed = base64.b64decode(crypto.encrypt("x" * 40))
    assert len(sealed) == 96
    encrypt = base64.b64encode(sealed[:-cut]).decode()

    with pytest.raises(MalformedMessageError) as caught:
        crypto.verify_and_decrypt(**signed(crypto, encrypt), now=NOW)
    assert caught.value.reason == "truncated ciphertext"


def test_an_empty_ciphertext_is_rejected(crypto):
    with pytest.raises(MalformedMessageError) as caught:
        crypto.decrypt("")
    assert caught.value.reason == "truncated ciphertext"


def test_a_length_field_past_the_end_is_rejected(crypto):
    encrypt = raw_encrypt(SAMPLE_KEY, envelope(b"{}", length=1000))

    with pytest.raises(MalformedMessageError) as caught:
        crypto.decrypt(encrypt)
    assert caught.value.reason == "bad length"


@pytest.mark.parametrize("key", ["short", SAMPLE_KEY + "A", "!" * 43])
def test_an_invalid_encoding_aes_key_is_a_configuration_error(key):
    with pytest.raises(ValueError):
        PushCrypto("token", key, SAMPLE_APPID)


def test_repr_does_not_show_the_key(crypto):
    assert SAMPLE_KEY not in repr(crypto)
    assert SAMPLE_TOKEN not in repr(crypto)
