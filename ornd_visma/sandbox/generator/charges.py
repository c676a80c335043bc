"""Charges (payments received against invoices) and the invoice statuses they lead to.

Customers pay by card on or soon after the invoice date, by bank transfer near the due date, or
late; a few card charges fail and are retried. A credit note allocated before payment lowers
what is paid; one allocated after payment is refunded (a charge with status `refund`).
"""

from datetime import date, timedelta
from decimal import Decimal

from ornd_visma.money import ZERO, to_money
from ornd_visma.sandbox.generator.customers import Customer
from ornd_visma.sandbox.generator.world import World, iso


def build_charges(world: World, documents: list[tuple[Customer, dict]]) -> None:
    rng = world.rng
    profiles: dict[str, str] = {}
    notes_by_invoice: dict[str, list[dict]] = {}
    for _, doc in documents:
        if doc["documentType"] == "creditNote":
            for allocation in doc["allocations"]:
                notes_by_invoice.setdefault(allocation["target"], []).append(doc)
    for customer, invoice in documents:
        if invoice["documentType"] != "invoice":
            continue
        if invoice["status"] == "voided":
            invoice.update(payableAmount=ZERO, pendingAmount=ZERO)
            world.touch(invoice, world.moment(date.fromisoformat(invoice["date"][:10])))
            continue
        profile = profiles.setdefault(
            customer.id, rng.choices(("card", "bank", "late"), weights=(65, 30, 5))[0]
        )
        issued = date.fromisoformat(invoice["date"][:10])
        due = date.fromisoformat(invoice["dueDate"][:10])
        pay_day = {
            "card": issued + timedelta(days=rng.randint(0, 3)),
            "bank": due - timedelta(days=rng.randint(0, 6)),
            "late": due + timedelta(days=rng.randint(5, 60)),
        }[profile]
        total = Decimal(invoice["total"])
        credited_before = sum(
            (
                Decimal(n["total"])
                for n in notes_by_invoice.get(invoice["_id"], [])
                if n["date"][:10] <= iso(pay_day)[:10]
            ),
            ZERO,
        )
        paid = ZERO
        to_pay = max(ZERO, total - credited_before)
        if to_pay > 0 and profile == "card" and world.chance(0.03):
            _charge(world, invoice, pay_day, to_pay, "fail", "Credit Card")
            pay_day += timedelta(days=3)
        if to_pay > 0 and world.chance(0.01):  # paid in two parts
            first = to_money(to_pay / 2)
            if pay_day <= world.today:
                _charge(world, invoice, pay_day, first, "success", "Bank Transfer")
                paid += first
            pay_day += timedelta(days=rng.randint(10, 30))
            to_pay -= first
        if to_pay > 0 and pay_day <= world.today:
            _charge(
                world,
                invoice,
                pay_day,
                to_pay,
                "success",
                "Credit Card" if profile == "card" else "Bank Transfer",
            )
            paid += to_pay
        credited = ZERO
        for note in notes_by_invoice.get(invoice["_id"], []):
            credited += Decimal(note["total"])
            note.update(
                status="paid",
                isPaid=True,
                payableAmount=ZERO,
                pendingAmount=ZERO,
                allocatedAmount=note["total"],
            )
            note_day = date.fromisoformat(note["date"][:10])
            if note_day > pay_day and paid > 0 and note_day + timedelta(days=2) <= world.today:
                refund = min(Decimal(note["total"]), paid)
                _charge(
                    world, invoice, note_day + timedelta(days=2), refund, "refund", "Bank Transfer"
                )
                paid -= refund
        payable = max(ZERO, total - paid - credited)
        invoice.update(
            paidAmount=paid,
            allocatedAmount=credited,
            payableAmount=payable,
            pendingAmount=payable,
            isPaid=payable == 0,
            status="paid" if payable == 0 else "partially_paid" if paid > 0 else "awaiting_payment",
        )


def _charge(
    world: World, invoice: dict, day: date, amount: Decimal, status: str, account: str
) -> None:
    moment = world.moment(day)
    card = account == "Credit Card"
    world.new_record(
        "charges",
        moment,
        amount=amount,
        currency="SEK",
        account=account,
        reference=f"Payment {invoice['number']}",
        date=iso(day),
        accounting=None,
        source="stripe" if card else "admin",
        status=status,
        payment=invoice["_id"],
        providerChargeReference=f"ch_{world.rng.getrandbits(64):016x}" if card else None,
    )
    if status == "fail":
        invoice["isFailed"] = True
    world.touch(invoice, moment)
