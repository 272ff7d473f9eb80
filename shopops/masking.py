"""Buyer personal data masked for display. Pure functions: no database, no Django.

The console shows platform payloads to merchant staff and support for troubleshooting; none of them needs the
buyer's identity to do so. What is masked, by JSON key anywhere in the payload (shared/wechat-platform.md §2.3):

- buyer ids: every key ending in ``openid`` or ``unionid`` (``openid``, ``unionid``, ``present_giver_openid``,
  ``recharge_info.wx_openid`` …) keeps its first 4 and last 3 characters: ``oAbc…xyz``;
- phone numbers (``tel_number``, ``virtual_order_tel_number``, ``tel_number_ext_info.real_tel_number`` …, the
  recharge ``account_no``) keep the first 3 and last 4 digits, the form the platform itself uses: ``138****5678``;
- names (``user_name``) keep the first character: ``张**``;
- street addresses (``detail_info``, ``house_number``, a string ``delivery_address``) are replaced entirely;
  province, city and county stay, they say where a parcel goes without saying to whom;
- any other text value (notes, reasons) has mainland mobile numbers in it masked like phone numbers. Ids are
  left alone (keys ending in ``id``), so a long order id is never mistaken for a phone number.

Ids of accounts that are not the buyer (视频号, 达人, 机构 ids and nicknames) are the merchant's business partners
and stay readable.
"""

import re
from typing import Any

ADDRESS_MASK = "***"
PHONE_KEYS = frozenset(
    {"tel_number", "virtual_order_tel_number", "real_tel_number", "virtual_tel_number", "account_no", "phone"}
)
NAME_KEYS = frozenset({"user_name"})
ADDRESS_KEYS = frozenset({"detail_info", "house_number", "delivery_address"})
MOBILE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def mask_openid(value: str) -> str:
    """``oAbcdefghijklmnopqrstuvwxyz`` → ``oAbc…xyz``; short values keep only their first character."""
    if not value:
        return ""
    if len(value) <= 8:
        return value[0] + "…"
    return f"{value[:4]}…{value[-3:]}"


def mask_phone(value: str) -> str:
    """``13812345678`` → ``138****5678``; already masked numbers stay as they are; short ones are all stars."""
    if not value:
        return ""
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    """``张三丰`` → ``张**``."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)


def mask_text(value: str) -> str:
    """Mainland mobile numbers inside free text → ``138****5678``."""
    return MOBILE_IN_TEXT.sub(lambda m: f"{m.group(1)}****{m.group(3)}", value)


def _is_id_key(key: str) -> bool:
    return key.endswith("id") or key.endswith("_ids") or key.endswith("id_list")


def _mask_scalar(key: str, value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    text = str(value) if isinstance(value, int | float) else value
    if not isinstance(text, str):
        return value
    if key.endswith("openid") or key.endswith("unionid"):
        return mask_openid(text)
    if key in PHONE_KEYS:
        return mask_phone(text)
    if key in NAME_KEYS:
        return mask_name(text)
    if key in ADDRESS_KEYS:
        return ADDRESS_MASK if text else ""
    if isinstance(value, str) and not _is_id_key(key):
        return mask_text(value)
    return value


def mask_buyer_data(payload: Any, _key: str = "") -> Any:
    """A copy of ``payload`` (any JSON value) with the buyer's personal data masked; the input is not changed."""
    if isinstance(payload, dict):
        return {k: mask_buyer_data(v, str(k)) for k, v in payload.items()}
    if isinstance(payload, list):
        return [mask_buyer_data(item, _key) for item in payload]
    return _mask_scalar(_key, payload)
