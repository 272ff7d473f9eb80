"""``{% load money %}``: ``{{ order.order_price_fen|yuan }}`` → ¥57.70, ``{{ rate_ppm|percent }}`` → 12.3%
(see shopops.money)."""

from django import template

from shopops.money import format_percent, format_yuan

register = template.Library()


@register.filter
def yuan(fen):
    """Integer fen as ¥ with two decimals; ``None`` (not reported by the platform) shows as a dash."""
    return format_yuan(fen)


@register.filter
def percent(ppm):
    """A ratio in ppm as a percentage with one decimal; ``None`` (no base to compare with) shows as a dash."""
    return format_percent(ppm)


@register.filter
def signed_percent(ppm):
    """A change in ppm as a signed percentage with one decimal (+12.3%, -4.0%); ``None`` shows as a dash."""
    return format_percent(ppm, signed=True)


@register.filter
def count(number):
    """A count with thousands separators (120,000); ``None`` (not known) shows as a dash."""
    return "—" if number is None else f"{number:,}"
