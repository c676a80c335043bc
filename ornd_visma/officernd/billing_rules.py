"""OfficeRnD invoice arithmetic, as the generator produces it and the books check it.

A line (taxType `excluded`, the Swedish default):
  unitPrice = baseUnitPrice - unitDiscount
  price = subTotal = unitPrice x quantity          (net, before VAT)
  discount = discountAmount = unitDiscount x quantity
  taxAmount = round(subTotal x taxPercent / 100)   (per line, to the öre, half up)
  total = baseTotal = subTotal + taxAmount
A document: subTotal = sum of line subTotals; taxAmounts = per tax rate, the sum of its lines'
taxAmount; total = amount = subTotal + sum of taxAmounts. OfficeRnD does not round totals to
whole kronor: öresavrundning is the books' job.

The reference is unsure whether a line's `subTotal` includes VAT; we keep it net, like the
document's `subTotal` ("total before tax"), and write the rule here so it can be changed.
"""

from dataclasses import dataclass
from decimal import Decimal

from ornd_visma.money import percent_of, to_money


@dataclass(frozen=True)
class LineAmounts:
    base_unit_price: Decimal
    unit_discount: Decimal
    unit_price: Decimal
    quantity: Decimal
    sub_total: Decimal
    discount: Decimal
    tax_percent: Decimal
    tax_amount: Decimal
    total: Decimal


def line_amounts(
    base_unit_price: Decimal,
    quantity: Decimal,
    tax_percent: Decimal,
    unit_discount: Decimal = Decimal(0),
) -> LineAmounts:
    """The amounts of one invoice line, each rounded to the öre."""
    unit_price = to_money(base_unit_price - unit_discount)
    sub_total = to_money(unit_price * quantity)
    tax_amount = percent_of(sub_total, tax_percent)
    return LineAmounts(
        base_unit_price=to_money(base_unit_price),
        unit_discount=to_money(unit_discount),
        unit_price=unit_price,
        quantity=Decimal(quantity),
        sub_total=sub_total,
        discount=to_money(unit_discount * quantity),
        tax_percent=Decimal(tax_percent),
        tax_amount=tax_amount,
        total=sub_total + tax_amount,
    )
