"""What every mart table and column means, written into DuckDB as COMMENTs so analysts see it
in `duckdb_tables()` / `duckdb_columns()` (and any SQL client that shows comments)."""

import duckdb

RATIO = "a ratio (0.25 = 25 %), NULL when the denominator is zero"

TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "mrr_monthly": (
        "Monthly recurring revenue per location and customer: the memberships live on the "
        "month's last day (or on the as-of day for the running month), price − discount, "
        "without VAT. Only customers with MRR > 0.",
        {
            "month": "First day of the month",
            "location": "OfficeRnD location id",
            "customer": "OfficeRnD company id, else member id (personal memberships)",
            "customer_type": "company or member",
            "mrr": "DECIMAL(18,2) SEK a month, net of discounts, without VAT",
            "memberships": "Recurring memberships counted",
            "snapshot_date": "The day the memberships were taken live on",
        },
    ),
    "mrr_movements": (
        "Month-on-month MRR change per location and customer: new, expansion, contraction, "
        "churn or reactivation; amounts signed so they add up to the change in MRR.",
        {
            "month": "First day of the month the change is seen in",
            "location": "OfficeRnD location id",
            "customer": "OfficeRnD company id, else member id",
            "movement": "new | expansion | contraction | churn | reactivation",
            "amount": "DECIMAL(18,2) mrr_after − mrr_before (negative for contraction, churn)",
            "mrr_before": "The customer's MRR at this location the month before",
            "mrr_after": "The customer's MRR at this location this month",
        },
    ),
    "kpis_monthly": (
        "Monthly recurring-revenue KPIs per location (scope 'location') and for all "
        "locations (scope 'total', location NULL, a customer counted once across locations).",
        {
            "scope": "location or total",
            "location": "OfficeRnD location id; NULL for the total",
            "month": "First day of the month",
            "customers": "Customers with MRR at the month's end",
            "customers_at_start": "Customers with MRR at the previous month's end",
            "new_customers": "Customers whose first MRR is this month",
            "churned_customers": "Customers whose MRR fell to zero this month",
            "reactivated_customers": "Former customers with MRR again",
            "mrr": "DECIMAL(18,2) MRR at the month's end",
            "mrr_at_start": "DECIMAL(18,2) MRR at the previous month's end",
            "new_mrr": "DECIMAL(18,2) sum of new movements",
            "expansion_mrr": "DECIMAL(18,2) sum of expansion movements",
            "contraction_mrr": "DECIMAL(18,2) sum of contraction movements (negative)",
            "churned_mrr": "DECIMAL(18,2) sum of churn movements (negative)",
            "reactivation_mrr": "DECIMAL(18,2) sum of reactivation movements",
            "customer_churn_rate": f"churned_customers ÷ customers_at_start; {RATIO}",
            "gross_mrr_churn_rate": f"−(churned + contraction) ÷ mrr_at_start; {RATIO}",
            "net_mrr_churn_rate": (
                f"−(churned + contraction + expansion + reactivation) ÷ mrr_at_start; {RATIO}"
            ),
            "nrr": f"(mrr_at_start + expansion + contraction + churned) ÷ mrr_at_start; {RATIO}",
            "arpa": "DECIMAL(18,2) mrr ÷ customers",
            "trailing_customer_churn_rate": (
                "Average customer_churn_rate of the six months before (current excluded)"
            ),
            "ltv": "DECIMAL(18,2) arpa ÷ trailing_customer_churn_rate; NULL when that is zero",
        },
    ),
    "occupancy_daily": (
        "Desks occupied and available per day, location, floor and primary resource type "
        "(private offices, dedicated desks, hot desks).",
        {
            "date": "The day",
            "location": "OfficeRnD location id",
            "location_name": "Location name",
            "floor": "OfficeRnD floor id; NULL for hot desks of a location with several floors",
            "floor_name": "Floor name",
            "resource_type": "OfficeRnD resource type (team_room, desk, hotdesk, ...)",
            "resources_available": "Resources that can be let on the day",
            "resources_occupied": "Resources assigned to a live membership on the day",
            "desks_available": "Desks of the available resources",
            "desks_occupied": (
                "Desks of the occupied resources; for hot desks, live hot-desk memberships ÷ "
                "the hot-desk coefficient"
            ),
            "hotdesk_memberships": (
                "Live hot-desk members: assigned to a hot-desk area, or on a hot-desk plan "
                "without an assignment (hot-desk rows only)"
            ),
            "checkins": "Hot-desk check-ins on the day (usage, not occupancy)",
            "occupancy": f"desks_occupied ÷ desks_available; {RATIO}",
        },
    ),
    "occupancy_monthly": (
        "Monthly desk occupancy by OfficeRnD's two conventions: prorated (desk-days) and "
        "start of month (the 1st).",
        {
            "month": "First day of the month",
            "location": "OfficeRnD location id",
            "location_name": "Location name",
            "floor": "OfficeRnD floor id",
            "floor_name": "Floor name",
            "resource_type": "OfficeRnD resource type",
            "days": "Days counted (to the as-of day in the running month)",
            "desks_occupied_prorated": "Occupied desk-days ÷ days",
            "desks_available_prorated": "Available desk-days ÷ days",
            "occupancy_prorated": f"Occupied ÷ available desk-days; {RATIO}",
            "desks_occupied_start_of_month": "Desks occupied on the 1st",
            "desks_available_start_of_month": "Desks available on the 1st",
            "occupancy_start_of_month": f"Occupancy on the 1st; {RATIO}",
        },
    ),
    "revenue_daily": (
        "Recognised net revenue (the books' core.revenue_schedule) per service day, "
        "location, floor and revenue class; signed, credit notes negative, without VAT.",
        {
            "date": "Service day",
            "location": "OfficeRnD location id",
            "location_name": "Location name",
            "floor": "OfficeRnD floor id; NULL for revenue not on a floor",
            "floor_name": "Floor name",
            "revenue_class": "membership, private_office, booking_fee, day_pass, ...",
            "amount": "DECIMAL(18,2) SEK without VAT",
            "lines": "Invoice and credit-note lines contributing",
        },
    ),
    "revenue_monthly": (
        "Monthly recognised revenue per floor (level 'floor') and location (level "
        "'location'), per m² of usable area and per prorated occupied and available desk.",
        {
            "level": "floor or location",
            "month": "First day of the month",
            "location": "OfficeRnD location id",
            "location_name": "Location name",
            "floor": "OfficeRnD floor id; NULL on location rows and for revenue on no floor",
            "floor_name": "Floor name",
            "revenue": "DECIMAL(18,2) all recognised revenue",
            "desk_revenue": (
                "DECIMAL(18,2) the revenue of desks and offices (classes membership, "
                "private_office): OfficeRnD's resource revenue"
            ),
            "usable_area_m2": "Floor area (m²), else the sum of its resources' areas",
            "revenue_per_m2": "DECIMAL(18,2) revenue ÷ usable_area_m2",
            "desks_occupied_prorated": "Prorated occupied desks (all primary types)",
            "desks_available_prorated": "Prorated available desks (all primary types)",
            "revenue_per_occupied_desk": "DECIMAL(18,2) desk_revenue ÷ occupied desks",
            "revenue_per_available_desk": "DECIMAL(18,2) desk_revenue ÷ available desks",
        },
    ),
    "customer_lifetime": (
        "Member lifetime value per customer across all locations: what the books recognised "
        "so far, and what the current MRR is expected to add at the trailing churn rate.",
        {
            "customer": "OfficeRnD company id, else member id",
            "customer_type": "company or member",
            "first_month": "First month with MRR",
            "last_month": "Latest month with MRR",
            "months_with_mrr": "Months with MRR at their end",
            "active": "Has MRR in the as-of month",
            "current_mrr": "DECIMAL(18,2) MRR in the as-of month (0 when gone)",
            "mrr_to_date": "DECIMAL(18,2) sum of the monthly MRR so far",
            "revenue_to_date": (
                "DECIMAL(18,2) all revenue the books recognised for the customer up to the "
                "as-of day (memberships, bookings, fees; credit notes negative)"
            ),
            "expected_remaining_months": (
                "1 ÷ trailing customer churn of all locations; NULL when gone or churn is zero"
            ),
            "expected_lifetime_value": (
                "DECIMAL(18,2) revenue_to_date + current_mrr × expected_remaining_months"
            ),
        },
    ),
    "margin_monthly": (
        "Occupancy-driven margin per location and month: recognised revenue less the costs "
        "Visma holds on the location's cost center (cost accounts 4000–8999 on voucher rows); "
        "not available, with the reason, where Visma holds no such costs.",
        {
            "month": "First day of the month",
            "location": "OfficeRnD location id",
            "location_name": "Location name",
            "cost_center_item": "Visma cost-center item (ShortName, dimension 1) of the location",
            "revenue": "DECIMAL(18,2) recognised revenue (revenue_monthly, location level)",
            "desk_revenue": "DECIMAL(18,2) revenue of desks and offices",
            "desks_occupied_prorated": "Prorated occupied desks",
            "desks_available_prorated": "Prorated available desks",
            "occupancy_prorated": f"Occupied ÷ available desks; {RATIO}",
            "costs_available": "Whether Visma holds costs for the location and month",
            "not_available_reason": "Why the margin is not available (NULL when it is)",
            "costs": "DECIMAL(18,2) debit − credit on cost accounts on the cost center",
            "margin": "DECIMAL(18,2) revenue − costs",
            "margin_rate": f"margin ÷ revenue; {RATIO}",
            "margin_per_occupied_desk": "DECIMAL(18,2) margin ÷ prorated occupied desks",
            "cost_per_available_desk": "DECIMAL(18,2) costs ÷ prorated available desks",
            "break_even_occupancy": (
                "costs ÷ (revenue per occupied desk × available desks): the occupancy at which "
                f"desk revenue pays the costs; {RATIO}"
            ),
        },
    ),
    "vat_return_monthly": (
        "The VAT return (momsdeklaration) per Visma company and month from the books: one row "
        "per box the ready invoices and credit notes touch, in the month of their invoice date "
        "(faktureringsmetoden); credit notes negative. Box rules: ornd_visma/vat/boxes.py.",
        {
            "entity": "The mapping's Visma company",
            "month": "First day of the month declared",
            "box": (
                "Momsdeklaration box (ruta): 05 taxable sales, 08 rent under voluntary tax "
                "liability, 10/11/12 output VAT 25/12/6 %, 35/36 goods to the EU / outside "
                "it, 39 services to EU businesses (reverse charge), 40 services abroad, 42 "
                "other sales (exempt, 0 %)"
            ),
            "box_name": "The box's name on Skatteverket's form",
            "kind": "base (a net amount) or vat (output VAT)",
            "amount": "DECIMAL(18,2) SEK to the öre, signed (credit notes lower it)",
            "declared": "BIGINT whole kronor as declared: amount with the öre dropped",
            "vat_codes": "The Visma VAT codes whose lines land in the box",
            "documents": "Invoices and credit notes contributing",
            "lines": "Invoice and credit-note lines contributing",
        },
    ),
    "report_attachments": (
        "The monthly MRR reports attached to the month's voucher in Visma, one row per link "
        "made (what makes the attachment happen once).",
        {
            "month": "The report's month (first day)",
            "entity": "The mapping's Visma company",
            "voucher_id": "Visma's id of the month's voucher",
            "attachment_id": "Visma's id of the uploaded report",
            "file_name": "mrr-report-<month>-<first 12 hex of the content's sha256>.png",
            "sha256": "sha256 of the PNG",
            "attached_at": "When the link was made (UTC)",
        },
    ),
}


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def apply_comments(conn: duckdb.DuckDBPyConnection, tables: list[str]) -> None:
    """COMMENT ON each of `tables` (in schema `marts`) and every column it has. A column
    without a written meaning is an error: nothing reaches analysts unexplained."""
    for table in tables:
        comment, columns = TABLES[table]
        conn.execute(f"COMMENT ON TABLE marts.{table} IS {_quote(comment)}")
        present = [
            name
            for (name,) in conn.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = 'marts' AND table_name = ? ORDER BY ordinal_position",
                [table],
            ).fetchall()
        ]
        missing = [name for name in present if name not in columns]
        if missing:
            raise ValueError(f"marts.{table}: no comment written for columns {missing}")
        for name in present:
            conn.execute(f'COMMENT ON COLUMN marts.{table}."{name}" IS {_quote(columns[name])}')
