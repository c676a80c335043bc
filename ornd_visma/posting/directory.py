"""What one Visma company holds that payloads refer to by name, looked up (and cached) per
run: customers by `CustomerNumber`, cost center items by `ShortName` per dimension (created
when missing), articles by `Number`, the terms of payment; and the look-ups that find a
document we may already have sent (by the tag in `VoucherText` / `OurReference`).

Decisions where the reference is unsure:
* Cost center dimension n is the cost center whose `Number` is n (reference §1.14,
  INFERRED); a `ShortName` the mapping names but Visma lacks is created in it (Name = the
  ShortName) with a look-up before any retry.
* Terms of payment: customers get the first terms with 30 days (else the first listed); the
  ledger item's own `DueDate` decides the due date of each document anyway.
* `GET /vouchers?$filter=contains(VoucherText,'<key>')` is the voucher look-up (the simulator
  honours `$filter` on every list; on the real API, should `contains` be refused, the
  fallback is the voucher list of the date, matched on the tag in Python).
"""

from typing import Any

from ornd_visma.posting.keys import tag
from ornd_visma.visma.client import VismaApiError, VismaClient

DUPLICATE = 4000  # Visma's "cannot exist as a duplicate" (reference §1.12)


def _quote(text: str) -> str:
    return text.replace("'", "''")


class Directory:
    def __init__(self, client: VismaClient) -> None:
        self.client = client
        self._customers: dict[str, str] = {}
        self._items: dict[tuple[int, str], str] | None = None
        self._centers: dict[int, str] = {}
        self._articles: dict[str, str] | None = None
        self._terms: str | None = None

    # -- names to ids ----------------------------------------------------------------------

    def find_customer(self, number: str) -> dict | None:
        found = self.client.list_all(
            "/customers", {"$filter": f"CustomerNumber eq '{_quote(number)}'"}
        )
        if found:
            self._customers[number] = found[0]["Id"]
        return found[0] if found else None

    def known_customer(self, number: str) -> str | None:
        return self._customers.get(number)

    def customer_id(self, number: str, known: str | None = None) -> str | None:
        if known:
            self._customers[number] = known
        if number not in self._customers:
            self.find_customer(number)
        return self._customers.get(number)

    def terms_id(self) -> str:
        if self._terms is None:
            terms = self.client.list_all("/termsofpayments")
            thirty = [t for t in terms if t.get("NumberOfDays") == 30]
            self._terms = (thirty or terms)[0]["Id"]
        return self._terms

    def _load_items(self) -> dict[tuple[int, str], str]:
        if self._items is None:
            self._items = {}
            for center in self.client.list_all("/costcenters"):
                self._centers[int(center["Number"])] = center["Id"]
                for item in center.get("Items") or []:
                    self._items[(int(center["Number"]), item["ShortName"])] = item["Id"]
        return self._items

    def cost_center_item(self, dimension: int, short_name: str) -> str:
        """The item's id, created when Visma lacks it: looked up before any retry, and a 4000
        (it exists: an earlier attempt of ours stored it after all) answered by a look-up."""
        key = (dimension, short_name)
        if key in self._load_items():
            return self._load_items()[key]
        if dimension not in self._centers:
            raise VismaApiError(
                400, 3000, f"Visma has no cost center {dimension} for item {short_name}"
            )

        def find() -> dict | None:
            self._items = None  # read Visma again: the cache predates the attempt
            ident = self._load_items().get(key)
            return {"Id": ident} if ident else None

        body = {
            "CostCenterId": self._centers[dimension],
            "Name": short_name,
            "ShortName": short_name,
            "IsActive": True,
        }
        try:
            created = self.client.post("/costcenteritems", body, find_existing=find)
        except VismaApiError as error:
            existing = find() if error.error_code == DUPLICATE else None
            if existing is None:
                raise
            created = existing
        # into the cache as it is now: a retry's look-up may have replaced the dict
        self._load_items()[key] = created["Id"]
        return created["Id"]

    def article_id(self, number: str) -> str:
        if self._articles is None:
            self._articles = {a["Number"]: a["Id"] for a in self.client.list_all("/articles")}
        if number not in self._articles:
            raise VismaApiError(
                400, 3000, f"Visma has no article {number} (invoice mode needs one per rule)"
            )
        return self._articles[number]

    def resolve(self, payload: dict, customer_id: str | None) -> dict:
        """The payload with names swapped for Visma ids."""
        out = dict(payload)
        if "CustomerNumber" in out and "Name" not in out:  # a document, not a customer
            out.pop("CustomerNumber")
            out["CustomerId"] = customer_id
        out.pop("Validation", None)
        if "Voucher" in out:
            out["Voucher"] = {**out["Voucher"], "Rows": self._rows(out["Voucher"]["Rows"])}
        elif "Rows" in out:
            out["Rows"] = self._rows(out["Rows"])
        return out

    def _rows(self, rows: list[dict]) -> list[dict]:
        resolved = []
        for row in rows:
            row = dict(row)
            for slot in (1, 2):
                name = row.pop(f"CostCenterShortName{slot}", None)
                if name:
                    row[f"CostCenterItemId{slot}"] = self.cost_center_item(slot, name)
            if "ArticleNumber" in row:
                row["ArticleId"] = self.article_id(row.pop("ArticleNumber"))
            resolved.append(row)
        return resolved

    # -- finding what we sent --------------------------------------------------------------

    def find_voucher(self, key: str) -> dict | None:
        found = self.client.list_all(
            "/vouchers", {"$filter": f"contains(VoucherText,'{_quote(tag(key))}')"}
        )
        return found[0] if found else None

    def vouchers_tagged(self, key: str) -> list[dict]:
        return self.client.list_all(
            "/vouchers", {"$filter": f"contains(VoucherText,'{_quote(tag(key))}')"}
        )

    def find_ledger_item(self, key: str) -> dict | None:
        voucher = self.find_voucher(key)
        if voucher is None:
            return None
        items = self.client.list_all(
            "/customerledgeritems", {"$filter": f"VoucherId eq {voucher['Id']}"}
        )
        return items[0] if items else {"Id": None, "VoucherId": voucher["Id"]}

    def find_invoice(self, key: str) -> dict | None:
        found = self.client.list_all(
            "/customerinvoices", {"$filter": f"OurReference eq '{_quote(tag(key))}'"}
        )
        return found[0] if found else None

    def find_draft(self, key: str) -> dict | None:
        found = self.client.list_all(
            "/customerinvoicedrafts", {"$filter": f"OurReference eq '{_quote(tag(key))}'"}
        )
        return found[0] if found else None

    def company_rounding(self) -> int | None:
        settings: Any = self.client.get("/companysettings")
        return settings.get("DomesticCurrencyRounding")
