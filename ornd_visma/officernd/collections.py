"""The OfficeRnD Flex API v2 collections the books and metrics need, with what each list
endpoint accepts.

One table serves the simulator (which rejects what the real API rejects) and the extractor
(which pulls incrementally where `modifiedAt` filters are accepted). Filter lists follow
`shared/reference/officernd-api.md`: §3.2 and §4 for documented filters, the staging
observations for `/memberships` (no `createdAt`/`modifiedAt`, no `$sort`). Where the reference
is silent the choice is marked "inferred"; change it here and both sides follow.

Incremental where the reference allows it or is silent, full pull where it refuses. The
reference (§3.2) documents date comparisons "on `createdAt` and `modifiedAt` (members,
companies, floors, charges), on `date` (charges), and on `issueDate` (fees)", payments'
`createdAt`/`modifiedAt` from the n8n node, check-ins "incremental on `start` per third-party"
(§4.14), and lists as its open question "whether every list endpoint accepts
`modifiedAt[$gte]`. It was observed rejected on `/memberships`". A third-party backup tool
syncs 32 collections by `modifiedAt[$gte]`, and two sync tools fall back to a full pull when
the filter is refused (§3.2).

So where the reference shows a list endpoint but no filters (credits, coins, passes,
resources, contracts) we assume the standard pair `INFERRED_CHANGE`, marked "inferred", and
the extractor falls back to a full pull for the run if OfficeRnD answers 400 "property
modifiedAt should not exist" (`extract.py`; the asset warns, its `mode` metadata says "full
(change filter refused)", and the refusal costs one request a run). To stop trying, delete
`INFERRED_CHANGE` from the collection here; the simulator refuses what this table does not
list, and `OfficeRnDOptions.refused_filters` makes it refuse a listed one for a test.

Pulled in full every run, by choice or by observation:

* memberships: observed refusing `createdAt`/`modifiedAt` filters;
* assignments: the reference lists `resource` and `membership` only, and an assignment
  removed in OfficeRnD (a member moved desks) must leave the warehouse the same day, which
  only a full pull sees: occupancy counts assignments;
* the seven settings and billing lists (locations, resource types, tax rates, revenue
  accounts, plans, resource rates, business hours): one page each, and a deletion there
  changes the books.

An incremental collection does not see deletions: it is pulled in full again once its last
full pull is `ORND_VISMA_FULL_REFRESH_DAYS` old (a week by default; `extract.py`), or with
`extract_collection(full_refresh=True)`, and what OfficeRnD no longer serves is dropped.

What the full pulls cost every day, in requests of 50 records (the generated operators,
seed 7; `bench/README.md`), and what they cost before the inferred filters:

| collection | small | demo | large |
|---|---:|---:|---:|
| memberships | 1 | 10 | 91 |
| assignments | 1 | 7 | 66 |
| the seven settings and billing lists (one page each) | 7 | 7 | 7 |
| **all full pulls** | **9** | **24** | **164** |
| before, with credits, coins, resources and passes | 14 | 79 | 852 |
"""

from dataclasses import dataclass, field

PAGE_SIZE_MAX = 50
# The change filters assumed where the reference shows no list filters: the standard
# `createdAt`/`modifiedAt` pair that a third-party backup tool syncs 32 collections by.
INFERRED_CHANGE = "createdAt modifiedAt"
PAGING_PARAMS = frozenset({"$limit", "$cursorNext", "$cursorPrev", "$select"})


@dataclass(frozen=True)
class Collection:
    """One v2 list endpoint, `GET /api/v2/organizations/{slug}/<name>`."""

    name: str
    scope: str
    equality_filters: frozenset[str]
    date_filters: frozenset[str] = frozenset()
    sort_fields: frozenset[str] = frozenset()
    # The business date that places a fact record in a daily partition (None: a dimension).
    business_date: str | None = None
    # Filters of which at least one must be given (assignments need resource= or membership=).
    required_one_of: frozenset[str] = field(default_factory=frozenset)
    # The date field an incremental pull filters on when `modifiedAt` is not accepted
    # (check-ins: `start`, as third-party sync tools do).
    incremental_by: str | None = None

    @property
    def incremental_field(self) -> str | None:
        """The field of `<field>[$gte]` incremental pulls, or None: pull in full every run."""
        if "modifiedAt" in self.date_filters:
            return "modifiedAt"
        return self.incremental_by

    @property
    def incremental(self) -> bool:
        return self.incremental_field is not None

    @property
    def table_name(self) -> str:
        """The warehouse table name: the collection name with `-` written `_`."""
        return self.name.replace("-", "_")


def _c(name: str, scope: str, eq: str, dates: str = "", sort: str = "", **kw) -> Collection:
    return Collection(
        name=name,
        scope=scope,
        equality_filters=frozenset(eq.split()),
        date_filters=frozenset(dates.split()),
        sort_fields=frozenset(sort.split()),
        **kw,
    )


COLLECTIONS: tuple[Collection, ...] = (
    # Space
    _c("locations", "flex.space.locations.read", "_id name isOpen isPublic"),
    _c("floors", "flex.space.floors.read", "_id name location", "createdAt modifiedAt"),
    _c("resource-types", "flex.space.resourceTypes.read", "_id type"),
    # inferred: only GET /resources/{id} was seen; list filters as for floors (INFERRED_CHANGE).
    _c("resources", "flex.space.resources.read", "_id name type location floor", INFERRED_CHANGE),
    # A third-party catalogue says /assignments "needs resource=" (unconfirmed by OfficeRnD's
    # own pages). We serve it unfiltered; set required_one_of={"resource", "membership"} here
    # to make the simulator (and the extractor's fan-out) follow that claim instead.
    _c("assignments", "flex.space.assignments.read", "_id resource membership"),
    _c(
        "bookings",
        "flex.space.bookings.read",
        "_id location company member resource",
        "start modifiedAt createdAt",
        business_date="start",
    ),
    # inferred: only POST /credits and GET /coins/stats are documented (INFERRED_CHANGE).
    _c("credits", "flex.space.credits.read", "_id company member membership", INFERRED_CHANGE),
    _c("coins", "flex.space.coins.read", "_id company member", INFERRED_CHANGE),
    _c(
        "passes",
        "flex.space.passes.read",
        "_id company member status",
        INFERRED_CHANGE,  # inferred: §4.13 lists the fields only
        business_date="startDate",
    ),
    # Billing
    _c("tax-rates", "flex.billing.taxRates.read", "_id"),
    _c("revenue-accounts", "flex.billing.revenueAccounts.read", "_id"),
    _c("plans", "flex.billing.plans.read", "_id name code"),
    _c("resource-rates", "flex.billing.resourceRates.read", "_id name code"),
    _c(
        "payments",
        "flex.billing.payments.read",
        "_id member company location number documentType status",
        "createdAt date dueDate modifiedAt",
        business_date="date",
    ),
    _c(
        "charges",
        "flex.billing.charges.read",
        "_id status payment source",
        "date modifiedAt createdAt",
        "modifiedAt createdAt",
        business_date="date",
    ),
    # Community
    _c(
        "companies",
        "flex.community.companies.read",
        "_id name location status",
        "createdAt modifiedAt",
        "name email startDate",
    ),
    _c(
        "members",
        "flex.community.members.read",
        "_id name email location company status",
        "createdAt modifiedAt",
        "name email location company status modifiedAt",
    ),
    # Observed on staging: /memberships rejects createdAt/modifiedAt filters and $sort.
    _c("memberships", "flex.community.memberships.read", "_id company member location plan"),
    _c(
        "contracts",
        "flex.community.contracts.read",
        "_id company member location status",
        INFERRED_CHANGE,  # inferred: only GET /contracts/{id} and /contracts/count documented
    ),
    _c(
        "fees",
        "flex.community.fees.read",
        "_id company member location plan",
        "issueDate modifiedAt",
        business_date="issueDate",
    ),
    _c(
        "checkins",
        "flex.community.checkins.read",
        "_id location company member",
        "start",
        business_date="start",
        incremental_by="start",
    ),
    # Settings
    _c("business-hours", "flex.settings.businessHours.read", "_id location"),  # inferred
)

BY_NAME: dict[str, Collection] = {c.name: c for c in COLLECTIONS}
ALL_READ_SCOPES: tuple[str, ...] = tuple(sorted({c.scope for c in COLLECTIONS}))


def collection(name: str) -> Collection:
    """The collection called `name` (as in the URL, e.g. `resource-types`)."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown OfficeRnD collection {name!r}") from None
