"""OfficeRnD's billing engine: bill runs, credit notes on cancellations, voids and re-issues.

Billing rules of the generated operator (Settings → Billing Rules in OfficeRnD):
* billing day the 1st; invoices are generated `LEAD_DAYS` days before it ("Automatically
  generate invoices before the billing date"), so a month's membership is invoiced in the
  previous month: month in advance;
* single invoice per customer and bill run (memberships, fees and bookings together), on the
  customer's home location, numbered `{{number}}-{{locationCode}}` per location; credit notes
  `CN{{number}}-{{locationCode}}`;
* memberships are invoiced per calendar month (multi-month plans per interval), prorated by
  days when a membership starts or ends inside a period; a membership signed after its month's
  bill run is caught up on the next invoice;
* one-off fees in arrears (issue date before the bill run) unless `shouldBillInAdvance`, when
  they go on the bill run of their month;
* a cancellation learned after the period was invoiced produces a credit note for the unused
  days, allocated to the invoice it corrects;
* a few invoices are voided and re-issued the same day (voided documents stay in the API).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from ornd_visma.money import ZERO, to_money
from ornd_visma.officernd.billing_rules import LineAmounts, line_amounts
from ornd_visma.officernd.booking_rules import add_months, first_of_month
from ornd_visma.sandbox.generator.catalog import Catalog
from ornd_visma.sandbox.generator.customers import Customer, FeeItem, Spell
from ornd_visma.sandbox.generator.usage import months_between
from ornd_visma.sandbox.generator.world import World, at, iso

LEAD_DAYS = 5
PAYMENT_TERMS_DAYS = 30
VOID_RATE = 0.008


@dataclass
class BilledPeriod:
    """A membership period on an invoice, remembered so a cancellation can credit it."""

    start: date
    end: date
    amounts: LineAmounts
    invoice: dict
    line: dict


def periods(spell: Spell, through: date):
    """The spell's billing periods `(start, end, days_in_full_period)` starting by `through`."""
    step = spell.spec.interval_count
    anchor = first_of_month(spell.start) if step == 1 else spell.start
    while anchor <= through:
        nxt = add_months(anchor, step)
        yield anchor, nxt - timedelta(days=1), (nxt - anchor).days
        anchor = nxt


class BillingEngine:
    def __init__(self, world: World, catalog: Catalog, customers: list[Customer]) -> None:
        self.world, self.catalog, self.customers = world, catalog, customers
        self.sequences: dict[tuple[str, str], int] = {}
        self.billed: dict[str, list[BilledPeriod]] = {}
        self.invoiced_fees: set[str] = set()
        self.invoices: list[tuple[Customer, dict]] = []

    def run(self) -> None:
        world = self.world
        events: list[tuple[date, int, object]] = []
        for month in months_between(world.start, add_months(world.today, 1)):
            run_day = month - timedelta(days=LEAD_DAYS)
            if run_day <= world.today:
                events.append((run_day, 1, month))
        for customer in self.customers:
            for spell in customer.spells:
                self._opening_balance(spell)
                if spell.notice is not None and spell.notice <= world.today:
                    events.append((spell.notice, 0, (customer, spell)))
        events.sort(key=lambda event: (event[0], event[1]))
        for day, _, payload in events:
            if isinstance(payload, date):
                for customer in self.customers:
                    self._bill(customer, payload, day)
            else:
                self._cancel(*payload)

    def _opening_balance(self, spell: Spell) -> None:
        """Periods before the simulated window were invoiced before it: not in the dataset."""
        before = self.world.start - timedelta(days=1)
        spell.billed_until = spell.start - timedelta(days=1)
        for start, end, _ in periods(spell, before):
            if start <= before:
                spell.billed_until = max(spell.billed_until, min(end, spell.end or end))

    # -- bill runs ---------------------------------------------------------------------------

    def _bill(self, customer: Customer, month: date, run_day: date) -> None:
        month_end = add_months(month, 1) - timedelta(days=1)
        lines: list[tuple[dict, tuple]] = []
        for spell in customer.spells:
            if date.fromisoformat(spell.record["createdAt"][:10]) > run_day:
                continue
            known_end = spell.end if spell.notice and spell.notice <= run_day else None
            for start, end, full_days in periods(spell, month_end):
                first = max(start, spell.start)
                last = min(end, known_end) if known_end else end
                if first <= spell.billed_until or last < first:
                    continue
                amounts = self._membership_amounts(spell, first, last, full_days, customer)
                line = self._line(
                    customer,
                    amounts,
                    spell.spec.account,
                    f"{spell.record['name']} {first:%-d %b} – {last:%-d %b %Y}",
                    first,
                    last,
                    plan=spell.record["plan"],
                    location=spell.site.id,
                    membership=spell.record["_id"],
                )
                lines.append((line, ("spell", spell, first, last, amounts)))
                spell.billed_until = last
        for fee in customer.fees:
            if fee.record["_id"] in self.invoiced_fees or not self._fee_due(
                fee, month_end, run_day
            ):
                continue
            lines.append((self._fee_line(customer, fee), ("fee", fee)))
            self.invoiced_fees.add(fee.record["_id"])
        if not lines:
            return
        invoice = self._document(customer, "invoice", run_day, [line for line, _ in lines])
        if self.world.chance(VOID_RATE):
            invoice["status"] = "voided"
            replacement = self._document(
                customer, "invoice", run_day, [dict(line) for line, _ in lines]
            )
            self.invoices.append((customer, invoice))
            invoice = replacement
        self.invoices.append((customer, invoice))
        for line, origin in lines:
            if origin[0] == "spell":
                _, spell, first, last, amounts = origin
                self.billed.setdefault(spell.record["_id"], []).append(
                    BilledPeriod(first, last, amounts, invoice, line)
                )
            else:
                fee = origin[1].record
                fee["payment"] = {"_id": invoice["_id"], "status": "invoiced", "creditNote": None}
                self.world.touch(fee, at(run_day, 3))

    def _fee_due(self, fee: FeeItem, month_end: date, run_day: date) -> bool:
        if date.fromisoformat(fee.record["createdAt"][:10]) > run_day:
            return False
        return fee.issue < run_day or (fee.in_advance and fee.issue <= month_end)

    def _membership_amounts(self, spell, first, last, full_days, customer) -> LineAmounts:
        months = spell.spec.interval_count
        days = (last - first).days + 1
        base = to_money(spell.price * months * days / full_days)
        discount = to_money(spell.discount * months * days / full_days)
        return line_amounts(base, Decimal(1), self._tax(customer, spell.spec.account)[1], discount)

    def _tax(self, customer: Customer, account_key: str) -> tuple[dict, Decimal]:
        rate = self.catalog.account_tax(account_key)
        if customer.reverse_charge and rate["code"] == "SE25":
            rate = self.catalog.tax_rates["rc"]
        return rate, rate["rate"]

    def _fee_line(self, customer: Customer, fee: FeeItem) -> dict:
        record = fee.record
        _, percent = self._tax(customer, fee.account)
        amounts = line_amounts(
            Decimal(str(record["price"])), Decimal(str(record["quantity"])), percent
        )
        line = self._line(
            customer,
            amounts,
            fee.account,
            record["name"],
            fee.issue,
            fee.issue,
            plan=record["plan"],
            location=record["location"],
            fee=record["_id"],
        )
        return line

    def _line(
        self,
        customer,
        amounts: LineAmounts,
        account_key: str,
        description: str,
        start: date,
        end: date,
        *,
        plan: str,
        location: str,
        membership: str | None = None,
        fee: str | None = None,
    ) -> dict:
        rate, _ = self._tax(customer, account_key)
        return {
            "description": description,
            "quantity": amounts.quantity,
            "account": self.catalog.accounts[account_key]["_id"],
            "plan": plan,
            "fee": fee,
            "membership": membership,
            "location": location,
            "taxRate": rate["_id"],
            "taxPercent": amounts.tax_percent,
            "taxAmount": amounts.tax_amount,
            "discountAmount": amounts.discount,
            "price": amounts.sub_total,
            "unitPrice": amounts.unit_price,
            "unitDiscount": amounts.unit_discount,
            "discount": amounts.discount,
            "subTotal": amounts.sub_total,
            "baseUnitPrice": amounts.base_unit_price,
            "baseTotal": amounts.total,
            "total": amounts.total,
            "startDate": iso(start),
            "endDate": iso(end),
            "addons": [],
            "fees": [fee] if fee else [],
            "memberships": [membership] if membership else [],
        }

    def _document(self, customer: Customer, kind: str, day: date, lines: list[dict]) -> dict:
        site = customer.site
        code = site.location["code"]
        key = (code, kind)
        self.sequences[key] = self.sequences.get(key, 0) + 1
        number = self.sequences[key]
        taxes: dict[str, Decimal] = {}
        for line in lines:
            taxes[line["taxRate"]] = taxes.get(line["taxRate"], ZERO) + line["taxAmount"]
        sub_total = sum((line["subTotal"] for line in lines), ZERO)
        total = sub_total + sum(taxes.values(), ZERO)
        personal = customer.kind == "individual"
        created = at(day, 3) if kind == "invoice" else self.world.moment(day)
        return self.world.new_record(
            "payments",
            created,
            number=f"{number:06d}-{code}" if kind == "invoice" else f"CN{number:05d}-{code}",
            documentType=kind,
            date=iso(day),
            dueDate=iso(day + timedelta(days=PAYMENT_TERMS_DAYS if kind == "invoice" else 0)),
            company=None if personal else customer.id,
            member=customer.billing_member["_id"],
            location=site.id,
            reference="Membership and services"
            if kind == "invoice"
            else "Credit for unused membership days",
            taxType="excluded",
            allocations=[],
            lines=lines,
            processingFeeLine=None,
            taxAmounts=[
                {"percent": self.catalog.tax_percent[rate], "total": amount, "taxRate": rate}
                for rate, amount in taxes.items()
            ],
            subTotal=sub_total,
            amount=total,
            payableAmount=total,
            accounting=None,
            baseTotal=total,
            total=total,
            paidAmount=ZERO,
            pendingAmount=total,
            allocatedAmount=ZERO,
            currency="SEK",
            currencyConversionRate=1,
            isFailed=False,
            isPaid=False,
            isSent=True,
            status="awaiting_payment",
            chargeMethod=None,
        )

    # -- cancellations -----------------------------------------------------------------------

    def _cancel(self, customer: Customer, spell: Spell) -> None:
        """Credit what was invoiced beyond the new end date."""
        if spell.billed_until is None or spell.billed_until <= spell.end:
            return
        credits: dict[str, list[dict]] = {}
        for billed in self.billed.get(spell.record["_id"], []):
            if billed.end <= spell.end:
                continue
            kept_days = max(0, (spell.end - billed.start).days + 1)
            full_days = (billed.end - billed.start).days + 1
            base = billed.amounts.base_unit_price
            discount = billed.amounts.unit_discount
            kept_base = to_money(base * kept_days / full_days)
            kept_discount = to_money(discount * kept_days / full_days)
            amounts = line_amounts(
                base - kept_base, Decimal(1), billed.amounts.tax_percent, discount - kept_discount
            )
            first = max(billed.start, spell.end + timedelta(days=1))
            line = self._line(
                customer,
                amounts,
                spell.spec.account,
                f"Credit: {spell.record['name']} {first:%-d %b} – {billed.end:%-d %b %Y}",
                first,
                billed.end,
                plan=spell.record["plan"],
                location=spell.site.id,
                membership=spell.record["_id"],
            )
            credits.setdefault(billed.invoice["_id"], []).append((billed.invoice, line))
        spell.billed_until = spell.end
        for pairs in credits.values():
            invoice = pairs[0][0]
            note = self._document(customer, "creditNote", spell.notice, [line for _, line in pairs])
            note["allocations"].append(self._allocation(invoice["_id"], "invoice", note["total"]))
            invoice["allocations"].append(
                self._allocation(note["_id"], "creditNote", note["total"])
            )
            self.world.touch(invoice, datetime.fromisoformat(note["createdAt"]))
            self.invoices.append((customer, note))

    def _allocation(self, target: str, target_type: str, amount: Decimal) -> dict:
        """An allocation entry; `documentType` is the type of the document it points at."""
        return {
            "_id": self.world.ids.new(at(self.world.today)),
            "target": target,
            "amount": amount,
            "documentType": target_type,
            "accounting": None,
        }
