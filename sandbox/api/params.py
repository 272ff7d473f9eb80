"""Reading request fields the way the platform does: lenient about ids (number or string), strict about ranges."""

import base64
import json

from django.db.models import Q

from sandbox.api.registry import Call

_MISSING = object()


def integer(call: Call, key: str, *, required: bool = False, default=None, low=None, high=None, source=None):
    value = (call.body if source is None else source).get(key, _MISSING)
    if value is _MISSING or value is None:
        if required:
            raise call.invalid(f"{key} is required")
        return default
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise call.invalid(f"{key} must be an integer")
    if low is not None and value < low:
        raise call.invalid(f"{key} must be >= {low}")
    if high is not None and value > high:
        raise call.invalid(f"{key} must be <= {high}")
    return value


def string(call: Call, key: str, *, required: bool = False, default: str = "", source=None) -> str:
    value = (call.body if source is None else source).get(key, _MISSING)
    if value is _MISSING or value is None or value == "":
        if required:
            raise call.invalid(f"{key} is required")
        return default
    if not isinstance(value, str):
        raise call.invalid(f"{key} must be a string")
    return value


def platform_id(call: Call, key: str, *, required: bool = True, source=None) -> str:
    """A 64-bit platform id sent as a number or a string of digits; returned as the string form."""
    value = (call.body if source is None else source).get(key, _MISSING)
    if value is _MISSING or value is None or value == "":
        if required:
            raise call.invalid(f"{key} is required")
        return ""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if isinstance(value, str) and value.isdigit():
        return value
    raise call.invalid(f"{key} must be a numeric id")


def boolean(call: Call, key: str, *, default: bool = False) -> bool:
    value = call.body.get(key, default)
    if value in (0, 1) and not isinstance(value, float):
        return bool(value)
    raise call.invalid(f"{key} must be a boolean")


def time_range(call: Call, key: str, *, max_seconds: int) -> tuple[int, int] | None:
    """``{"start_time", "end_time"}`` (Unix seconds), both required, start <= end, end - start <= max_seconds.

    Both ends are inclusive (UNCONFIRMED): a client paging consecutive windows that share a boundary sees a row
    on the boundary twice rather than never.
    """
    value = call.body.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise call.invalid(f"{key} must be an object")
    start = integer(call, "start_time", required=True, low=0, source=value)
    end = integer(call, "end_time", required=True, low=0, source=value)
    if start > end:
        raise call.invalid(f"{key}.start_time must not be after end_time")
    if end - start > max_seconds:
        raise call.invalid(f"{key} must not span more than {max_seconds} seconds")
    return start, end


def page_size(call: Call, *, high: int, default: int = 10, required: bool = False) -> int:
    return integer(call, "page_size", required=required, default=default, low=1, high=high)


# --- cursors ---------------------------------------------------------------------------------------------------


def encode_key(*values) -> str:
    """An opaque next_key: the sort key of the last row returned."""
    return base64.urlsafe_b64encode(json.dumps(list(values), separators=(",", ":")).encode()).decode().rstrip("=")


def decode_key(call: Call, count: int, *, key: str = "next_key", source: dict | None = None) -> list | None:
    """The sort key an ``encode_key`` cursor in ``call.body[key]`` (or ``source[key]``) holds (``count`` values),
    None when absent."""
    raw = (call.body if source is None else source).get(key) or ""
    if not raw:
        return None
    if not isinstance(raw, str):
        raise call.invalid(f"{key} must be a string")
    try:
        values = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except ValueError:
        raise call.invalid(f"{key} is invalid") from None
    if not isinstance(values, list) or len(values) != count:
        raise call.invalid(f"{key} is invalid")
    return values


def after(fields: list[str], values: list) -> Q:
    """Rows strictly after ``values`` in the order of ``fields`` (keyset pagination)."""
    condition = Q()
    for i, name in enumerate(fields):
        step = Q(**{f"{name}__gt": values[i]}) & Q(**dict(zip(fields[:i], values[:i], strict=True)))
        condition |= step
    return condition


def keyset_page(call: Call, queryset, fields: list[str], size: int, *columns: str):
    """One page of ``queryset`` ordered by ``fields`` (which must end with a unique column) after next_key.

    Returns (rows as tuples of ``columns`` or of ``fields``, next_key, has_more). Because the cursor is the last
    row's sort key and not an offset, rows inserted or moved while a client pages are neither skipped nor
    repeated among the rows that did not move. On the last page next_key is still the last row's key (or the
    given one when the page is empty), so a client can resume later and receive only newer rows.
    """
    cursor = decode_key(call, len(fields))
    if cursor is not None:
        queryset = queryset.filter(after(fields, cursor))
    wanted = list(columns or fields)
    selected = fields + [c for c in wanted if c not in fields]
    position = [selected.index(c) for c in wanted]
    rows = list(queryset.order_by(*fields).values_list(*selected)[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    next_key = encode_key(*rows[-1][: len(fields)]) if rows else call.body.get("next_key") or ""
    return [tuple(row[i] for i in position) for row in rows], next_key, has_more
