"""Money as people read it. Amounts are integer øre (NOK) everywhere in the code.

The one NOK formatter: pages, e-mails, receipts, CSV exports, the admin and the `nok` template
filter all write kroner the same way, `1 890,00 kr`, in Bokmål and in English alike (the price
is Norwegian whatever language the page is read in). The JSON API returns numbers instead.
"""

from decimal import Decimal

NBSP = "\u00a0"


def format_nok(amount_ore: int, *, unit: bool = True) -> str:
    """`189000` → `"1 890,00 kr"`: the Norwegian way of writing kroner.

    Thousands are grouped with a no-break space and the unit is joined by one, so an amount
    never wraps. `unit=False` gives the bare number (`"1 890,00"`) for a column whose heading
    already names the currency, such as a spreadsheet export.
    """
    sign = "-" if amount_ore < 0 else ""
    kroner, ore = divmod(abs(amount_ore), 100)
    number = f"{sign}{kroner:,}".replace(",", NBSP) + f",{ore:02d}"
    return f"{number}{NBSP}kr" if unit else number


def format_vat_rate(rate: Decimal | str | int) -> str:
    """`Decimal("25.00")` → `"25 %"`, `"12.50"` → `"12,5 %"`: a VAT rate as receipts print it."""
    number = format(Decimal(str(rate)).normalize(), "f").replace(".", ",")
    return f"{number}{NBSP}%"
