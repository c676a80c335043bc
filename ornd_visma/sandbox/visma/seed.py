"""The company the simulated Visma starts with (a Swedish AB on eEkonomi/Spiris).

* company settings (SEK, öresavrundning on: `DomesticCurrencyRounding` 1),
* one open calendar fiscal year per `VismaOptions.fiscal_years`, each with the BAS chart of
  accounts below (every account of the reference's §3.5 plus the usual neighbours),
* VAT codes (momsdeklaration box numbers as codes): 25/12/6 % output VAT, 0 %, exempt
  (momsfri), reverse charge (EU services, box 39), export, EU goods, input VAT,
* article account codings: services and goods at 25/12/6 %, exempt sales and exempt rent,
  each with the revenue account per sales situation (domestic, EU with VAT number, outside
  EU ...),
* units, terms of payment, and three cost centers without items (items are the client's).

Ids are uuid5 of fixed names, so they are the same on every machine and after a restart.
VAT rates are fractions (`0.25`) in `VatRate`/`VatRatePercent`, as eAccounting answers them.
"""

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from ornd_visma.sandbox.visma.store import Store

NAMESPACE = uuid.UUID("6a1f3c52-93b1-4c3e-9d55-0c6b9b1f7e21")
SEEDED_AT = "2024-01-01T00:00:00.000Z"


def seed_id(kind: str, name: object) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{name}"))


# (code, description, rate, related account, OssCodeType)
VAT_CODES: list[tuple[str, str, str, int | None]] = [
    ("10", "Utgående moms 25 %", "0.25", 2611),
    ("11", "Utgående moms 12 %", "0.12", 2621),
    ("12", "Utgående moms 6 %", "0.06", 2631),
    ("00", "Försäljning 0 % (ingen moms)", "0", None),
    ("42", "Momsfri försäljning (undantagen från moms)", "0", None),
    ("39", "Försäljning av tjänster till annat EU-land, omvänd betalningsskyldighet", "0", None),
    ("40", "Försäljning av tjänster utanför EU", "0", None),
    ("35", "Försäljning av varor till annat EU-land", "0", None),
    ("36", "Export av varor utanför EU", "0", None),
    ("48", "Ingående moms", "0.25", 2641),
]

# (number, name, vat code)
ACCOUNTS: list[tuple[int, str, str | None]] = [
    (1220, "Inventarier och verktyg", None),
    (1510, "Kundfordringar", None),
    (1511, "Kundfordringar", None),
    (1513, "Kundfordringar – delad faktura", None),
    (1519, "Nedskrivning av kundfordringar", None),
    (1630, "Avräkning för skatter och avgifter (skattekonto)", None),
    (1710, "Förutbetalda hyreskostnader", None),
    (1790, "Övriga förutbetalda kostnader och upplupna intäkter", None),
    (1910, "Kassa", None),
    (1920, "PlusGiro", None),
    (1930, "Företagskonto / checkkonto / affärskonto", None),
    (1940, "Övriga bankkonton", None),
    (2010, "Eget kapital", None),
    (2081, "Aktiekapital", None),
    (2091, "Balanserad vinst eller förlust", None),
    (2099, "Årets resultat", None),
    (2420, "Förskott från kunder", None),
    (2440, "Leverantörsskulder", None),
    (2510, "Skatteskulder", None),
    (2611, "Utgående moms på försäljning inom Sverige, 25 %", "10"),
    (2613, "Utgående moms för uthyrning, 25 %", "10"),
    (2614, "Beräknad utgående moms på tjänsteförvärv från utlandet, 25 %", None),
    (2621, "Utgående moms på försäljning inom Sverige, 12 %", "11"),
    (2631, "Utgående moms på försäljning inom Sverige, 6 %", "12"),
    (2641, "Debiterad ingående moms", "48"),
    (2645, "Beräknad ingående moms på förvärv från utlandet", None),
    (2650, "Redovisningskonto för moms", None),
    (2710, "Personalskatt", None),
    (2890, "Övriga kortfristiga skulder", None),
    (2970, "Förutbetalda intäkter", None),
    (2971, "Förutbetalda hyresintäkter", None),
    (2972, "Förutbetalda medlemsavgifter", None),
    (2979, "Övriga förutbetalda intäkter", None),
    (2990, "Övriga upplupna kostnader och förutbetalda intäkter", None),
    (3001, "Försäljning inom Sverige, 25 % moms", "10"),
    (3002, "Försäljning inom Sverige, 12 % moms", "11"),
    (3003, "Försäljning inom Sverige, 6 % moms", "12"),
    (3004, "Försäljning inom Sverige, momsfri", "42"),
    (3041, "Försäljning tjänster inom Sverige, 25 % moms", "10"),
    (3042, "Försäljning tjänster inom Sverige, 12 % moms", "11"),
    (3043, "Försäljning tjänster inom Sverige, 6 % moms", "12"),
    (3044, "Försäljning tjänster inom Sverige, momsfri", "42"),
    (3105, "Försäljning varor till land utanför EU", "36"),
    (3106, "Försäljning varor till annat EU-land, momspliktig", "10"),
    (3108, "Försäljning varor till annat EU-land, momsfri", "35"),
    (3305, "Försäljning tjänster till land utanför EU", "40"),
    (3308, "Försäljning tjänster till annat EU-land", "39"),
    (3590, "Övriga sidointäkter", "10"),
    (3740, "Öres- och kronutjämning", None),
    (3910, "Hyres- och arrendeintäkter", "42"),
    (3911, "Hyresintäkter", "42"),
    (3913, "Frivilligt momspliktiga hyresintäkter", "10"),
    (3914, "Övriga momspliktiga hyresintäkter", "10"),
    (3990, "Övriga ersättningar och intäkter", None),
    (4010, "Inköp material och varor", "48"),
    (5010, "Lokalhyra", "48"),
    (5410, "Förbrukningsinventarier", "48"),
    (6071, "Representation, avdragsgill", "48"),
    (6212, "Mobiltelefon", "48"),
    (6570, "Bankkostnader", None),
    (6991, "Övriga externa kostnader, avdragsgilla", "48"),
    (7010, "Löner till kollektivanställda", None),
    (7510, "Arbetsgivaravgifter", None),
    (8310, "Ränteintäkter från omsättningstillgångar", None),
    (8410, "Räntekostnader för skulder till kreditinstitut", None),
    (8999, "Årets resultat", None),
]

CLASS_NAMES = {
    1: "Tillgångar",
    2: "Eget kapital och skulder",
    3: "Rörelsens inkomster",
    4: "Utgifter/kostnader för varor, material och vissa köpta tjänster",
    5: "Övriga externa rörelseutgifter/kostnader",
    6: "Övriga externa rörelseutgifter/kostnader",
    7: "Utgifter/kostnader för personal, avskrivningar m.m.",
    8: "Finansiella och andra inkomster/intäkter och utgifter/kostnader",
}

_SLOTS = (
    "DomesticSalesSubjectToReversedConstructionVatAccountNumber",
    "DomesticSalesSubjectToVatAccountNumber",
    "DomesticSalesVatExemptAccountNumber",
    "ForeignSalesSubjectToMossAccountNumber",
    "ForeignSalesSubjectToThirdPartySalesAccountNumber",
    "ForeignSalesSubjectToVatWithinEuAccountNumber",
    "ForeignSalesVatExemptOutsideEuAccountNumber",
    "ForeignSalesVatExemptWithinEuAccountNumber",
    "DomesticSalesVatCodeExemptAccountNumber",
)

# (name, english, type, vat rate text, fraction, {slot: account})
CODINGS: list[tuple[str, str, str, str, str, dict[str, int]]] = [
    (
        "Tjänster 25 %",
        "Services 25 %",
        "Service",
        "25%",
        "0.25",
        {
            "DomesticSalesSubjectToVatAccountNumber": 3001,
            "ForeignSalesSubjectToVatWithinEuAccountNumber": 3001,
            "ForeignSalesVatExemptWithinEuAccountNumber": 3308,
            "ForeignSalesVatExemptOutsideEuAccountNumber": 3305,
            "ForeignSalesSubjectToThirdPartySalesAccountNumber": 3308,
        },
    ),
    (
        "Tjänster 12 %",
        "Services 12 %",
        "Service",
        "12%",
        "0.12",
        {
            "DomesticSalesSubjectToVatAccountNumber": 3002,
            "ForeignSalesSubjectToVatWithinEuAccountNumber": 3002,
            "ForeignSalesVatExemptWithinEuAccountNumber": 3308,
            "ForeignSalesVatExemptOutsideEuAccountNumber": 3305,
        },
    ),
    (
        "Tjänster 6 %",
        "Services 6 %",
        "Service",
        "6%",
        "0.06",
        {
            "DomesticSalesSubjectToVatAccountNumber": 3003,
            "ForeignSalesSubjectToVatWithinEuAccountNumber": 3003,
            "ForeignSalesVatExemptWithinEuAccountNumber": 3308,
            "ForeignSalesVatExemptOutsideEuAccountNumber": 3305,
        },
    ),
    (
        "Tjänster momsfri",
        "Services VAT exempt",
        "Service",
        "0%",
        "0",
        {
            "DomesticSalesVatExemptAccountNumber": 3004,
            "ForeignSalesVatExemptWithinEuAccountNumber": 3004,
            "ForeignSalesVatExemptOutsideEuAccountNumber": 3004,
            "ForeignSalesSubjectToVatWithinEuAccountNumber": 3004,
        },
    ),
    (
        "Hyresintäkter momsfri",
        "Rental income VAT exempt",
        "Service",
        "0%",
        "0",
        {
            "DomesticSalesVatExemptAccountNumber": 3911,
            "ForeignSalesVatExemptWithinEuAccountNumber": 3911,
            "ForeignSalesVatExemptOutsideEuAccountNumber": 3911,
            "ForeignSalesSubjectToVatWithinEuAccountNumber": 3911,
        },
    ),
    (
        "Varor 25 %",
        "Goods 25 %",
        "Goods",
        "25%",
        "0.25",
        {
            "DomesticSalesSubjectToVatAccountNumber": 3001,
            "ForeignSalesSubjectToVatWithinEuAccountNumber": 3106,
            "ForeignSalesVatExemptWithinEuAccountNumber": 3108,
            "ForeignSalesVatExemptOutsideEuAccountNumber": 3105,
        },
    ),
    (
        "Varor 12 %",
        "Goods 12 %",
        "Goods",
        "12%",
        "0.12",
        {
            "DomesticSalesSubjectToVatAccountNumber": 3002,
            "ForeignSalesSubjectToVatWithinEuAccountNumber": 3002,
            "ForeignSalesVatExemptWithinEuAccountNumber": 3108,
            "ForeignSalesVatExemptOutsideEuAccountNumber": 3105,
        },
    ),
    (
        "Varor 6 %",
        "Goods 6 %",
        "Goods",
        "6%",
        "0.06",
        {
            "DomesticSalesSubjectToVatAccountNumber": 3003,
            "ForeignSalesSubjectToVatWithinEuAccountNumber": 3003,
            "ForeignSalesVatExemptWithinEuAccountNumber": 3108,
            "ForeignSalesVatExemptOutsideEuAccountNumber": 3105,
        },
    ),
]

# (name, english, days, type id, type text)
TERMS: list[tuple[str, str, int, int, str]] = [
    ("30 dagar netto", "30 days net", 30, 0, "Normal"),
    ("20 dagar netto", "20 days net", 20, 0, "Normal"),
    ("15 dagar netto", "15 days net", 15, 0, "Normal"),
    ("10 dagar netto", "10 days net", 10, 0, "Normal"),
    ("Löpande månad 30 dagar", "Current month 30 days", 30, 1, "CurrentMonth"),
    ("Kontant", "Cash", 0, 2, "Cash"),
    ("Kortbetalning", "Card payment", 0, 3, "CardPayment"),
]

# (code, name, abbreviation, english abbreviation)
UNITS: list[tuple[str, str, str, str]] = [
    ("st", "Styck", "st", "pcs"),
    ("mån", "Månad", "mån", "month"),
    ("tim", "Timme", "tim", "h"),
    ("dag", "Dag", "dag", "day"),
    ("km", "Kilometer", "km", "km"),
]

COST_CENTERS: list[tuple[int, str, bool]] = [
    (1, "Kostnadsställe", True),
    (2, "Avdelning", True),
    (3, "Dimension 3", False),
]


def fiscal_year_id(year: int) -> str:
    return seed_id("fiscalyear", year)


def account_key(fiscal_year: str, number: int | str) -> str:
    return f"{fiscal_year}:{int(number)}"


def vat_code_id(code: str) -> str:
    return seed_id("vatcode", code)


def company_settings() -> dict[str, Any]:
    return {
        "Name": "Sandbox Coworking AB",
        "Email": "ekonomi@sandbox-coworking.example",
        "Phone": "08-123 456 78",
        "Address1": "Sveavägen 1",
        "CountryCode": "SE",
        "PostalCode": "11157",
        "City": "Stockholm",
        "Website": "https://coworking.example",
        "CurrencyCode": "SEK",
        "TermsOfPaymentId": seed_id("terms", TERMS[0][0]),
        "CorporateIdentityNumber": "559999-0001",
        "VatCode": "SE559999000101",
        "AccountNumberDigits": 4,
        "AccountingLockInterval": 0,
        "ProductVariant": 2,
        "TypeOfBusiness": 1,
        "VatPeriod": 1,
        "ActivatedModules": ["api_standard"],
        "NextCustomerNumber": 1,
        "NextCustomerInvoiceNumber": 1,
        "ShowPricesExclVatPC": False,
        "UsesCostCenter": True,
        "UsesProject": True,
        "DomesticCurrencyRounding": 1,
        "UsesPaymentReferenceNumber": False,
        "KeepOriginalDraftDate": True,
        "UsesTransactionText": True,
        "CompanyStatus": 1,
        # the income tax return of an AB whose year ends in December: 1 July (the document
        # swaps the bounds of Month and Day; 7 / 1 fits both readings)
        "TaxDeclarationDate": {"Month": 7, "Day": 1},
    }


def seed(store: Store, years: tuple[int, ...]) -> None:
    """Create whatever of the seed is missing (idempotent); call inside a transaction."""
    if store.meta("company") is None:
        store.set_meta("company", company_settings())
    for code, description, rate, related in VAT_CODES:
        ident = vat_code_id(code)
        if store.get("vatcodes", ident) is None:
            store.put(
                "vatcodes",
                {
                    "Id": ident,
                    "Code": code,
                    "Description": description,
                    "VatRate": Decimal(rate),
                    "OssCodeType": 0,
                    "RelatedAccounts": {
                        "AccountNumber1": related,
                        "AccountNumber2": None,
                        "AccountNumber3": None,
                    },
                },
            )
    for year in sorted(years):
        _seed_year(store, year)
    for name, english, kind, rate_text, rate, slots in CODINGS:
        ident = seed_id("coding", name)
        if store.get("articleaccountcodings", ident) is None:
            doc = {
                "Id": ident,
                "Name": name,
                "NameEnglish": english,
                "Type": kind,
                "VatRate": rate_text,
                "IsActive": True,
                "VatRatePercent": Decimal(rate),
                "ChangedUtc": SEEDED_AT,
            }
            doc.update({slot: slots.get(slot) for slot in _SLOTS})
            store.put("articleaccountcodings", doc)
    for name, english, days, type_id, type_text in TERMS:
        ident = seed_id("terms", name)
        if store.get("termsofpayments", ident) is None:
            store.put(
                "termsofpayments",
                {
                    "Id": ident,
                    "Name": name,
                    "NameEnglish": english,
                    "NumberOfDays": days,
                    "TermsOfPaymentTypeId": type_id,
                    "TermsOfPaymentTypeText": type_text,
                    "AvailableForSales": True,
                    "AvailableForPurchase": True,
                },
            )
    for code, name, abbreviation, english in UNITS:
        ident = seed_id("unit", code)
        if store.get("units", ident) is None:
            store.put(
                "units",
                {
                    "Id": ident,
                    "Name": name,
                    "Code": code,
                    "Abbreviation": abbreviation,
                    "AbbreviationEnglish": english,
                },
            )
    for number, name, active in COST_CENTERS:
        ident = seed_id("costcenter", number)
        if store.get("costcenters", ident) is None:
            store.put(
                "costcenters", {"Id": ident, "Number": number, "Name": name, "IsActive": active}
            )


def _seed_year(store: Store, year: int) -> None:
    ident = fiscal_year_id(year)
    if store.get("fiscalyears", ident) is None:
        store.put(
            "fiscalyears",
            {
                "Id": ident,
                "StartDate": f"{year}-01-01T00:00:00",
                "EndDate": f"{year}-12-31T00:00:00",
                "IsLockedForAccounting": False,
                "BookkeepingMethod": 0,
            },
        )
    for number, name, code in ACCOUNTS:
        key = account_key(ident, number)
        if store.get("accounts", key) is None:
            store.put("accounts", account_doc(ident, number, name, code), key)


def account_doc(
    fiscal_year: str, number: int, name: str, code: str | None, stamp: str = SEEDED_AT
) -> dict[str, Any]:
    klass = int(str(number)[0])
    vat = dict((c, d) for c, d, _, _ in VAT_CODES)
    return {
        "Name": name,
        "Number": str(number),
        "VatCodeId": vat_code_id(code) if code else None,
        "VatCodeDescription": vat.get(code) if code else None,
        "FiscalYearId": fiscal_year,
        "ReferenceCode": None,
        "Type": klass,
        "TypeDescription": CLASS_NAMES.get(klass),
        "ModifiedUtc": stamp,
        "CreatedUtc": stamp,
        "IsActive": True,
        "AllowTransactionText": True,
        "IsFirstCostCenterMandatory": False,
        "IsProjectAllowed": klass >= 3,
        "IsCostCenterAllowed": klass >= 3,
        "IsBlockedForManualBooking": False,
        "Description": None,
    }


def fiscal_year_dates(doc: dict[str, Any]) -> tuple[date, date]:
    return date.fromisoformat(doc["StartDate"][:10]), date.fromisoformat(doc["EndDate"][:10])
