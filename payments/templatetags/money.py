from django import template

from bookingtjeneste.money import format_nok

register = template.Library()


@register.filter
def nok(amount_ore) -> str:
    """Øre to a Norwegian amount: `{{ 12345|nok }}` → `123,45`."""
    if amount_ore in (None, ""):
        return ""
    return format_nok(int(amount_ore))
