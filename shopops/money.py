"""Money: integer fen in, exact yuan out. The one place that turns fen into something a person reads.

Amounts are integer fen everywhere in the code (``*_fen``). Yuan are derived with integer arithmetic only
(``divmod`` by 100) or as an exact ``Decimal`` with two places: no float is ever part of a computation, so
¥0.10 + ¥0.20 is ¥0.30 and a total of many lines is exact to the fen.
"""

from decimal import Decimal

FEN_PER_YUAN = 100
YUAN_PLACES = Decimal("0.01")


def fen_to_yuan(fen: int) -> Decimal:
    """Fen as an exact Decimal of yuan with two places: 1990 → Decimal("19.90"), -5 → Decimal("-0.05")."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"fen must be an int, not {type(fen).__name__}")
    return (Decimal(fen) / FEN_PER_YUAN).quantize(YUAN_PLACES)


def yuan_str(fen: int) -> str:
    """Plain yuan with two decimals and no symbol or grouping, for files a spreadsheet reads: 123456 → "1234.56"."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"fen must be an int, not {type(fen).__name__}")
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{yuan}.{cents:02d}"


def format_yuan(fen: int | None, *, symbol: str = "¥", empty: str = "—") -> str:
    """Fen for people: ``¥1,234.56``; negative amounts ``-¥0.05``; ``None`` (not reported) → ``empty``."""
    if fen is None:
        return empty
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"fen must be an int, not {type(fen).__name__}")
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{symbol}{yuan:,}.{cents:02d}"


# --- averages and ratios --------------------------------------------------------------------------------------------

PPM = 1_000_000  # parts per million: the unit of every ratio we compute (``*_ppm``)


def divide_half_up(numerator: int, denominator: int) -> int:
    """Integer division rounded half away from zero (四舍五入; Decimal's ROUND_HALF_UP), in integers only.

    The one rounding rule for averages and ratios shown to merchants (average order value, refund rate):
    5 ÷ 2 → 3, 7 ÷ 3 → 2, 8 ÷ 3 → 3, −5 ÷ 2 → −3. A zero ``denominator`` raises ZeroDivisionError.
    """
    for value in (numerator, denominator):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"expected an int, not {type(value).__name__}")
    quotient, remainder = divmod(abs(numerator), abs(denominator))
    if 2 * remainder >= abs(denominator):
        quotient += 1
    return quotient if (numerator < 0) == (denominator < 0) else -quotient


def ratio_ppm(part: int, whole: int) -> int | None:
    """``part`` ÷ ``whole`` in parts per million, rounded half up; None when ``whole`` is 0 (no base to compare)."""
    return None if whole == 0 else divide_half_up(part * PPM, whole)


def format_percent(ppm: int | None, *, places: int = 1, signed: bool = False, empty: str = "—") -> str:
    """A ppm ratio as a percentage with ``places`` decimals, rounded half up: 123_450 → "12.3%" (``places=1``).

    ``signed`` puts "+" before a positive value (for changes); ``None`` (not computable) → ``empty``.
    """
    if ppm is None:
        return empty
    if not 0 <= places <= 4:
        raise ValueError("places must be between 0 and 4")
    scaled = divide_half_up(ppm, 10 ** (4 - places))  # percent × 10**places
    sign = "-" if scaled < 0 else "+" if signed and scaled > 0 else ""
    whole, fraction = divmod(abs(scaled), 10**places)
    return f"{sign}{whole:,}.{fraction:0{places}d}%" if places else f"{sign}{whole:,}%"


# --- commissions ----------------------------------------------------------------------------------------------------

PPM_PER_PERCENT = 10_000  # a plan's whole percent (优选联盟 item ratio 0–90) as parts per million


def commission_fen(base_fen: int, ratio_ppm: int) -> int:
    """The one rounding rule for commissions and service fees: floor(base × ratio / 1,000,000), per line and party.

    ``base_fen`` is what the line earns commission on (paid amount less refunds, never below 0); the ratio is in
    parts per million (the headsupplier APIs' unit; a plan's whole percent × ``PPM_PER_PERCENT``). Rounding down
    once, per line, is the platform's own rule (its example: 100 fen × 100,000 ppm = 10 fen); sums of lines are
    never rounded again. 1999 fen at 15% → 299 (299.85 floored).
    """
    for value in (base_fen, ratio_ppm):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"expected an int, not {type(value).__name__}")
    if base_fen < 0 or not 0 <= ratio_ppm <= PPM:
        raise ValueError("base_fen must be ≥ 0 and ratio_ppm within 0–1,000,000")
    return base_fen * ratio_ppm // PPM
