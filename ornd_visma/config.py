"""Settings from the environment (the configuration contract in the brief).

With none of the OfficeRnD or Visma variables set, everything points at the sandbox on
127.0.0.1 with its fixed, non-secret credentials. Secrets are only ever read from the
environment; nothing here writes them anywhere.
"""

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from ornd_visma.endpoints import checked_endpoint, is_loopback

SANDBOX_OFFICERND_PORT = 8461
SANDBOX_VISMA_PORT = 8462
SANDBOX_CREDENTIAL = "sandbox"  # org slug, client id and client secret of the simulators
# The one working directory of the sandbox: `make demo` writes its dataset, the simulators'
# state and the warehouse here, where every command looks by default.
SANDBOX_HOME = Path(".sandbox")
DEFAULT_WAREHOUSE = SANDBOX_HOME / "warehouse.duckdb"
DEFAULT_MAPPING = Path(__file__).parent / "mapping" / "sandbox.yaml"


@dataclass(frozen=True)
class OfficeRnDSettings:
    api_url: str
    auth_url: str
    org_slug: str
    client_id: str
    client_secret: str

    @property
    def is_sandbox(self) -> bool:
        return self.client_id == SANDBOX_CREDENTIAL and is_loopback(self.api_url)


def sandbox_officernd(port: int = SANDBOX_OFFICERND_PORT) -> OfficeRnDSettings:
    base = f"http://127.0.0.1:{port}"
    return OfficeRnDSettings(
        api_url=f"{base}/api/v2",
        auth_url=base,
        org_slug=SANDBOX_CREDENTIAL,
        client_id=SANDBOX_CREDENTIAL,
        client_secret=SANDBOX_CREDENTIAL,
    )


def officernd_settings(env: dict[str, str] | None = None) -> OfficeRnDSettings:
    """The OfficeRnD connection: real when `OFFICERND_CLIENT_ID` is set, else the sandbox."""
    env = os.environ if env is None else env
    if not env.get("OFFICERND_CLIENT_ID"):
        sandbox = sandbox_officernd()
        settings = OfficeRnDSettings(
            api_url=env.get("OFFICERND_API_URL", sandbox.api_url),
            auth_url=env.get("OFFICERND_AUTH_URL", sandbox.auth_url),
            org_slug=sandbox.org_slug,
            client_id=sandbox.client_id,
            client_secret=sandbox.client_secret,
        )
        return _checked(settings)
    missing = [k for k in ("OFFICERND_ORG_SLUG", "OFFICERND_CLIENT_SECRET") if not env.get(k)]
    if missing:
        raise ValueError(f"OFFICERND_CLIENT_ID is set but {', '.join(missing)} is not")
    settings = OfficeRnDSettings(
        api_url=env.get("OFFICERND_API_URL", "https://app.officernd.com/api/v2"),
        auth_url=env.get("OFFICERND_AUTH_URL", "https://identity.officernd.com"),
        org_slug=env["OFFICERND_ORG_SLUG"],
        client_id=env["OFFICERND_CLIENT_ID"],
        client_secret=env["OFFICERND_CLIENT_SECRET"],
    )
    return _checked(settings)


def _checked(settings: OfficeRnDSettings) -> OfficeRnDSettings:
    checked_endpoint(settings.api_url, "OFFICERND_API_URL")
    checked_endpoint(settings.auth_url, "OFFICERND_AUTH_URL")
    return settings


DEFAULT_START_DATE = "2024-11-01"


def start_date(env: dict[str, str] | None = None) -> str:
    """`ORND_VISMA_START_DATE`: the first day the books are taken from (the first daily
    partition); generated datasets start at most 24 months back from the default."""
    env = os.environ if env is None else env
    return env.get("ORND_VISMA_START_DATE") or DEFAULT_START_DATE


def warehouse_path(env: dict[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("ORND_VISMA_WAREHOUSE", str(DEFAULT_WAREHOUSE)))


# DuckDB's own default is 80 % of RAM, and it keeps every block it wrote or read cached up
# to it: a one-run backfill of the large operator peaked at 1.57 GiB without being any faster
# for it. Beyond the limit DuckDB evicts and, where it can, spills to disk. Its one query that
# cannot spill, the books over a window (`books/source_lines.sql`), runs a month at a time
# (`warehouse/windows.py`), so 512 MB carries the large operator's two-year one-run backfill
# in 156 s (the same as 1 GB) at a 964 MiB peak for the whole process (`bench/README.md`).
DEFAULT_DUCKDB_MEMORY_LIMIT = "512MB"


def duckdb_memory_limit(env: dict[str, str] | None = None) -> str:
    """DuckDB's `memory_limit` for the warehouse: `ORND_VISMA_DUCKDB_MEMORY_LIMIT` (e.g.
    `1GB`), else `DEFAULT_DUCKDB_MEMORY_LIMIT`. DuckDB keeps the blocks it wrote or read
    cached up to that limit, so a long history shows as a larger process, not a larger
    need: with a limit it evicts and, for a query that needs more, spills to disk."""
    env = os.environ if env is None else env
    return env.get("ORND_VISMA_DUCKDB_MEMORY_LIMIT") or DEFAULT_DUCKDB_MEMORY_LIMIT


# A change filter does not see a record deleted in OfficeRnD (a booking or a fee can be):
# only a full pull does. Once a week bounds how long a deleted record stays in the books; a
# full pull of the large operator's incremental collections is about 5,000 requests (13
# minutes at the client's 380 reads a minute), of the demo's about 380.
DEFAULT_FULL_REFRESH_DAYS = 7


def full_refresh_days(env: dict[str, str] | None = None) -> int:
    """`ORND_VISMA_FULL_REFRESH_DAYS`: pull an incremental collection in full when its last
    full pull is this many days old (0: never); default `DEFAULT_FULL_REFRESH_DAYS`."""
    env = os.environ if env is None else env
    value = (env.get("ORND_VISMA_FULL_REFRESH_DAYS") or "").strip()
    if not value:
        return DEFAULT_FULL_REFRESH_DAYS
    if not (value.isascii() and value.isdigit()):
        raise ValueError(
            f"ORND_VISMA_FULL_REFRESH_DAYS={value!r} is not a whole number of days (0: never)"
        )
    return int(value)


def full_refresh_interval(env: dict[str, str] | None = None) -> timedelta | None:
    """The age of a collection's last full pull that calls for another (None: never)."""
    days = full_refresh_days(env)
    return timedelta(days=days) if days else None


def mapping_path(env: dict[str, str] | None = None) -> Path:
    """The mapping file: `ORND_VISMA_MAPPING`, else the sandbox operator's example."""
    env = os.environ if env is None else env
    value = env.get("ORND_VISMA_MAPPING")
    return Path(value) if value else DEFAULT_MAPPING


def hotdesk_coefficient_setting(env: dict[str, str] | None = None) -> str | None:
    """`ORND_VISMA_HOTDESK_COEFFICIENT` (hot-desk members per desk, for occupancy), unparsed;
    `ornd_visma.marts.occupancy.hotdesk_coefficient` checks it and defaults to 1."""
    env = os.environ if env is None else env
    return env.get("ORND_VISMA_HOTDESK_COEFFICIENT")
