"""The knobs of the simulated Visma eAccounting: credentials, rate limit, faults, fiscal years.

`VismaOptions` is frozen; the running app keeps the current one and swaps it for a changed copy
when `PUT /_sandbox/options` arrives, so every request sees one consistent set of knobs.
"""

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

SANDBOX = "sandbox"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


@dataclass(frozen=True)
class VismaOptions:
    """What the simulator does besides answering correctly.

    * `client_id` / `client_secret`: the one OAuth client the identity server knows.
    * `rate_limit_per_minute`: requests per client and endpoint (method + path template) in a
      sliding 60 s window; the next one gets 429 / ErrorCode 4010.
    * `latency_ms`: added to every API request.
    * `error_rate`: share of API requests answered 500 (ErrorCode 5000) or 503, nothing stored.
    * `timeout_rate`: share of API requests that sleep `timeout_seconds` (real time) before
      being handled normally, i.e. longer than a client's timeout.
    * `drop_after_commit_rate`: share of writes (POST/PUT/DELETE) that are stored and whose
      connection is then closed without an answer.
    * `fault_seed`: seed of the fault draw, so a run is repeatable.
    * `fiscal_years`: calendar years with an open fiscal year in the seed.
    * `today`: the simulated date the clock starts on (None: the real date and time).
    """

    client_id: str = SANDBOX
    client_secret: str = SANDBOX
    rate_limit_per_minute: int = 600
    latency_ms: int = 0
    error_rate: float = 0.0
    timeout_rate: float = 0.0
    timeout_seconds: float = 30.0
    drop_after_commit_rate: float = 0.0
    fault_seed: int = 0
    fiscal_years: tuple[int, ...] = (2024, 2025, 2026, 2027)
    today: date | None = None
    access_token_seconds: int = 3600
    code_seconds: int = 300

    def __post_init__(self) -> None:
        for name in ("error_rate", "timeout_rate", "drop_after_commit_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must lie in 0..1, not {value}")
        if self.error_rate + self.timeout_rate + self.drop_after_commit_rate > 1.0:
            raise ValueError("error_rate + timeout_rate + drop_after_commit_rate exceed 1")
        if self.rate_limit_per_minute < 1:
            raise ValueError("rate_limit_per_minute must be at least 1")
        if self.latency_ms < 0 or self.timeout_seconds < 0:
            raise ValueError("latency_ms and timeout_seconds must not be negative")
        if not self.fiscal_years:
            raise ValueError("at least one fiscal year is needed")

    def redirect_uri_allowed(self, uri: str) -> bool:
        """Any http URL on 127.0.0.1 or localhost (any port and path) is a registered one."""
        try:
            parts = urlsplit(uri)
        except ValueError:
            return False
        return parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS

    def changed(self, changes: dict[str, Any]) -> "VismaOptions":
        """A copy with `changes` (JSON values) applied; unknown names raise ValueError."""
        fields = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - fields)
        if unknown:
            raise ValueError(f"unknown options: {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for name, value in changes.items():
            current = getattr(self, name)
            if name == "fiscal_years":
                years = value.split(",") if isinstance(value, str) else value
                values[name] = tuple(int(y) for y in years)
            elif name == "today":
                values[name] = date.fromisoformat(value) if isinstance(value, str) else value
            elif isinstance(current, bool):
                values[name] = (
                    value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
                )
            elif isinstance(current, int):
                values[name] = int(value)
            elif isinstance(current, float):
                values[name] = float(value)
            else:
                values[name] = str(value)
        return dataclasses.replace(self, **values)

    def as_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["fiscal_years"] = list(self.fiscal_years)
        data["today"] = self.today.isoformat() if self.today else None
        data.pop("client_secret")
        return data
