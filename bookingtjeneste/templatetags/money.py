"""`{% load money %}` in any app's templates (registered in settings TEMPLATES libraries: the
project package is no installed app, and every app above it shows prices)."""

from django import template

from bookingtjeneste.money import format_nok, format_vat_rate

register = template.Library()


@register.filter
def nok(amount_ore) -> str:
    """Øre to kroner as people read them: `{{ 189000|nok }}` → `1 890,00 kr`."""
    if amount_ore in (None, ""):
        return ""
    return format_nok(int(amount_ore))


@register.filter
def vat_rate(rate) -> str:
    """`{{ line.vat_rate|vat_rate }}` → `25 %`."""
    if rate in (None, ""):
        return ""
    return format_vat_rate(rate)
