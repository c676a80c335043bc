"""An OfficeRnD Flex API v2 client: OAuth client credentials with a cached token, cursor
paging, and retries on rate limits, server errors and broken connections.

The token is reused until 60 s before it expires (the token endpoint allows 5 requests a
minute). 429 answers are retried after `Retry-After`; 5xx answers, timeouts, dropped
connections and truncated bodies are retried with exponential backoff.
"""

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import orjson
from tenacity import (
    retry,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from ornd_visma.config import OfficeRnDSettings
from ornd_visma.officernd.collections import ALL_READ_SCOPES, PAGE_SIZE_MAX
from ornd_visma.officernd.rate_limit import SlidingWindowLimiter

TOKEN_RENEW_MARGIN_S = 60
MAX_ATTEMPTS = 8
# Below the ~400 reads a minute OfficeRnD allows an app, leaving room for other clients.
DEFAULT_READS_PER_MINUTE = 380


class OfficeRnDError(RuntimeError):
    """An answer that retrying cannot fix (4xx other than 429)."""


class FilterRefused(OfficeRnDError):
    """400 "property <name> should not exist": the endpoint does not take a filter sent."""


class RetryableError(RuntimeError):
    def __init__(self, message: str, wait_s: float = 0.0) -> None:
        super().__init__(message)
        self.wait_s = wait_s


class OfficeRnDUnreachable(OfficeRnDError):
    """A request found no server after all its retries: the rest of the run's requests fail
    at once instead of each spending its own retries (minutes, with many collections)."""


def _is_retryable(error: BaseException) -> bool:
    return isinstance(error, RetryableError | httpx.TransportError | orjson.JSONDecodeError)


def _give_up(retry_state) -> None:
    """After the last attempt: a connection that never got through marks the client down."""
    error = retry_state.outcome.exception()
    client = retry_state.args[0]
    if isinstance(error, httpx.TransportError) and not isinstance(error, httpx.ReadTimeout):
        client.unreachable = f"{type(error).__name__}: {error}"
    raise error


def _wait(retry_state) -> float:
    error = retry_state.outcome.exception()
    floor = error.wait_s if isinstance(error, RetryableError) else 0.0
    return max(floor, wait_exponential_jitter(multiplier=0.2, max=10, jitter=0.2)(retry_state))


def _count_retry(retry_state) -> None:
    retry_state.args[0].stats.retries += 1


@dataclass
class RequestStats:
    api_requests: int = 0
    token_requests: int = 0
    retries: int = 0
    by_collection: dict[str, int] = field(default_factory=dict)


class OfficeRnDClient:
    def __init__(
        self,
        settings: OfficeRnDSettings,
        scopes: tuple[str, ...] = ALL_READ_SCOPES,
        timeout_s: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        reads_per_minute: int = DEFAULT_READS_PER_MINUTE,
    ) -> None:
        self.settings = settings
        self._limiter = SlidingWindowLimiter(reads_per_minute)
        self._lock = threading.Lock()  # one token fetch at a time; counters shared by threads
        self.scopes = scopes
        self.stats = RequestStats()
        self._token: str | None = None
        self._token_expires = 0.0
        self.unreachable: str | None = None  # why, once a request found no server
        self.stopped = False
        self._http = httpx.Client(timeout=timeout_s, transport=transport)

    def close(self) -> None:
        self._http.close()

    def stop(self) -> None:
        """Every later request fails at once (the run is stopping)."""
        self.stopped = True

    def __enter__(self) -> "OfficeRnDClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- auth ------------------------------------------------------------------------------

    def _bearer(self) -> str:
        with self._lock:
            if self._token is None or (
                time.monotonic() > self._token_expires - TOKEN_RENEW_MARGIN_S
            ):
                self._fetch_token()
            return self._token

    @retry(
        retry=retry_if_exception(_is_retryable),
        wait=_wait,
        stop=stop_after_attempt(6),
        before_sleep=_count_retry,
        retry_error_callback=_give_up,
    )
    def _fetch_token(self) -> None:
        self.stats.token_requests += 1
        response = self._http.post(
            f"{self.settings.auth_url.rstrip('/')}/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": self.settings.client_id,
                "client_secret": self.settings.client_secret,
                "scope": " ".join(self.scopes),
            },
        )
        self._raise_for(response, "token")
        body = response.json()
        self._token = body["access_token"]
        self._token_expires = time.monotonic() + float(body.get("expires_in", 3600))

    # -- reads -----------------------------------------------------------------------------

    def _raise_for(self, response: httpx.Response, what: str) -> None:
        if response.status_code == 429:
            retry_after = float(response.headers.get("Retry-After", "1") or 1)
            raise RetryableError(f"{what}: rate limited", wait_s=retry_after)
        if response.status_code >= 500:
            raise RetryableError(f"{what}: HTTP {response.status_code} {response.text[:200]}")
        if response.status_code == 401 and what != "token":
            self._token = None  # expired or revoked: fetch a new one on the retry
            raise RetryableError(f"{what}: 401, renewing the token")
        if response.status_code == 400 and "should not exist" in response.text:
            raise FilterRefused(f"{what}: HTTP 400 {response.text[:500]}")
        if response.status_code >= 400:
            raise OfficeRnDError(f"{what}: HTTP {response.status_code} {response.text[:500]}")

    @retry(
        retry=retry_if_exception(_is_retryable),
        wait=_wait,
        stop=stop_after_attempt(MAX_ATTEMPTS),
        before_sleep=_count_retry,
        retry_error_callback=_give_up,
    )
    def fetch_page(self, collection: str, params: dict[str, str]) -> tuple[dict, bytes]:
        """One page of a list endpoint: the parsed `{results, cursorNext, ...}` envelope and
        the body as received."""
        if self.stopped:
            raise OfficeRnDError(f"{collection}: not pulled, the run is stopping")
        if self.unreachable:
            raise OfficeRnDUnreachable(
                f"{collection}: OfficeRnD at {self.settings.api_url} is out of reach "
                f"({self.unreachable})"
            )
        url = (
            f"{self.settings.api_url.rstrip('/')}/organizations/"
            f"{self.settings.org_slug}/{collection}"
        )
        self._limiter.acquire()
        with self._lock:
            self.stats.api_requests += 1
            by_collection = self.stats.by_collection
            by_collection[collection] = by_collection.get(collection, 0) + 1
        response = self._http.get(
            url, params=params, headers={"Authorization": f"Bearer {self._bearer()}"}
        )
        self._raise_for(response, collection)
        return orjson.loads(response.content), response.content

    def get_page(self, collection: str, params: dict[str, str]) -> dict:
        """One page of a list endpoint: the `{results, cursorNext, ...}` envelope."""
        return self.fetch_page(collection, params)[0]

    def walk(
        self, collection: str, filters: dict[str, str] | None = None
    ) -> Iterator[tuple[dict, bytes]]:
        """Every page of `collection` (filters as query parameters), following `cursorNext`:
        each parsed and as received."""
        params = {"$limit": str(PAGE_SIZE_MAX), **(filters or {})}
        while True:
            page, body = self.fetch_page(collection, params)
            yield page, body
            cursor = page.get("cursorNext")
            if not cursor:
                return
            params = {**params, "$cursorNext": cursor}

    def iter_pages(self, collection: str, filters: dict[str, str] | None = None) -> Iterator[list]:
        """The records of every page of `collection`."""
        for page, _ in self.walk(collection, filters):
            yield page["results"]

    def fetch_all(self, collection: str, filters: dict[str, str] | None = None) -> list[dict]:
        return [record for page in self.iter_pages(collection, filters) for record in page]
