"""Money as people read it. Amounts are integer øre (NOK) everywhere in the code.

The one NOK formatter: receipts, e-mails, CSV exports, the admin and the `nok` template filter
all write kroner the same way.
"""


def format_nok(amount_ore: int) -> str:
    """`12345` → `"123,45"`: the Norwegian way of writing kroner, for receipts and pages.

    Thousands are grouped with a no-break space (`"1 234,00"`), so an amount never wraps.
    """
    sign = "-" if amount_ore < 0 else ""
    kroner, ore = divmod(abs(amount_ore), 100)
    return f"{sign}{kroner:,}".replace(",", "\u00a0") + f",{ore:02d}"
