"""Fen → yuan: exact, integer-only, and the same total whichever way it is summed; averages and ratios round half
up (四舍五入), in integers only."""

import random
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.template import Context, Template

from shopops.money import divide_half_up, fen_to_yuan, format_percent, format_yuan, ratio_ppm, yuan_str


@pytest.mark.parametrize(
    ("fen", "decimal", "plain", "shown"),
    [
        (0, Decimal("0.00"), "0.00", "¥0.00"),
        (5, Decimal("0.05"), "0.05", "¥0.05"),
        (10, Decimal("0.10"), "0.10", "¥0.10"),
        (1990, Decimal("19.90"), "19.90", "¥19.90"),
        (123456789, Decimal("1234567.89"), "1234567.89", "¥1,234,567.89"),
        (-5, Decimal("-0.05"), "-0.05", "-¥0.05"),
        (-123456, Decimal("-1234.56"), "-1234.56", "-¥1,234.56"),
        (9_007_199_254_740_993, Decimal("90071992547409.93"), "90071992547409.93", "¥90,071,992,547,409.93"),
    ],
)
def test_fen_in_yuan(fen, decimal, plain, shown):
    assert fen_to_yuan(fen) == decimal
    assert str(fen_to_yuan(fen)) == plain
    assert yuan_str(fen) == plain
    assert format_yuan(fen) == shown


def test_missing_amounts_and_wrong_types():
    assert format_yuan(None) == "—"
    for wrong in (1.5, "100", True, Decimal("1")):
        for helper in (fen_to_yuan, yuan_str, format_yuan):
            with pytest.raises(TypeError):
                helper(wrong)


def test_sums_are_exact_to_the_fen():
    rng = random.Random(20261126)
    for _ in range(200):
        amounts = [rng.randint(-(10**9), 10**9) for _ in range(rng.randint(1, 50))]
        assert sum((fen_to_yuan(a) for a in amounts), Decimal("0")) == fen_to_yuan(sum(amounts))
        assert Decimal(yuan_str(sum(amounts))) == fen_to_yuan(sum(amounts))
    assert fen_to_yuan(10) + fen_to_yuan(20) == fen_to_yuan(30)


def test_the_yuan_template_filter():
    template = Template("{% load money %}{{ paid|yuan }} {{ fee|yuan }}")
    assert template.render(Context({"paid": 4470, "fee": None})) == "¥44.70 —"


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (0, 7, 0),
        (6, 3, 2),
        (5, 2, 3),  # a half rounds away from zero
        (7, 3, 2),
        (8, 3, 3),
        (-5, 2, -3),
        (5, -2, -3),
        (-5, -2, 3),
        (-7, 3, -2),
        (1, 3, 0),
        (3990 + 1990 + 1991, 3, 2657),  # 7971 / 3 = 2657.0
        (3990 + 1991, 2, 2991),  # 2990.5 → 2991
    ],
)
def test_divide_half_up(numerator, denominator, expected):
    assert divide_half_up(numerator, denominator) == expected


def test_divide_half_up_agrees_with_decimal_round_half_up():
    rng = random.Random(20261127)
    for _ in range(2000):
        numerator = rng.randint(-(10**12), 10**12)
        denominator = rng.choice([1, 2, 3, 7, 100, rng.randint(1, 10**6)]) * rng.choice([1, -1])
        expected = (Decimal(numerator) / Decimal(denominator)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        assert divide_half_up(numerator, denominator) == int(expected)


def test_divide_half_up_refuses_zero_and_floats():
    with pytest.raises(ZeroDivisionError):
        divide_half_up(1, 0)
    for wrong in ((1.5, 2), (1, 2.0), (True, 2), (Decimal("1"), 2)):
        with pytest.raises(TypeError):
            divide_half_up(*wrong)


def test_ratio_ppm():
    assert ratio_ppm(1, 3) == 333_333
    assert ratio_ppm(2, 3) == 666_667
    assert ratio_ppm(1990, 7970) == 249_686
    assert ratio_ppm(0, 5) == 0
    assert ratio_ppm(5, 0) is None
    assert ratio_ppm(-1, 8) == -125_000


@pytest.mark.parametrize(
    ("ppm", "places", "signed", "shown"),
    [
        (123_450, 1, False, "12.3%"),
        (123_450, 2, False, "12.35%"),  # 12.345 → 12.35: half up
        (249_686, 1, False, "25.0%"),
        (1_000_000, 1, False, "100.0%"),
        (0, 1, True, "0.0%"),
        (499, 1, True, "0.0%"),  # 0.0499% rounds to zero: no sign
        (500, 1, True, "+0.1%"),  # 0.05% → 0.1%: half up
        (-500, 1, True, "-0.1%"),
        (-333_333, 1, True, "-33.3%"),
        (12_345_678, 0, True, "+1,235%"),
        (None, 1, False, "—"),
    ],
)
def test_format_percent(ppm, places, signed, shown):
    assert format_percent(ppm, places=places, signed=signed) == shown


def test_the_percent_template_filters():
    template = Template("{% load money %}{{ rate|percent }} {{ change|signed_percent }} {{ none|signed_percent }}")
    assert template.render(Context({"rate": 31_250, "change": 250_000, "none": None})) == "3.1% +25.0% —"


def test_the_count_filter_groups_thousands_and_shows_unknown_as_a_dash():
    from shopops.templatetags.money import count

    figures = [count(0), count(999), count(120000), count(1234567), count(None)]
    assert figures == ["0", "999", "120,000", "1,234,567", "—"]
