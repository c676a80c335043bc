"""A Visma eAccounting API v2 client: OAuth with the rotating refresh token kept in the token
store, a per-endpoint rate limiter, retries (tenacity) that never duplicate a write, and a
record of every request for the audit.

* `get`, `post`, `put`, `delete`, `list_all(path, params)` (every page of a `{Meta, Data}` list,
  `$page` 1-based and `$pagesize`, until `CurrentPage >= TotalNumberOfPages`).
* Reads and PUTs are retried on 5xx, timeouts, dropped connections and 4010 (after the wait
  the message names). A POST is retried only when the caller says how to find what it would
  have created (`find_existing`): before each retry after an answer that says the request
  is over but may have been stored (5xx, a connection dropped after the request was sent)
  the client asks Visma; if the document is there, that answer is the result. A *timeout*
  is different: Visma may still be working on the request (a slow backend stores it after
  the client gave up, and the simulator does exactly that), so a look-up now could miss it
  and the retry would make a twin. A timed-out POST therefore raises `AmbiguousWrite` at
  once, as does any ambiguous POST without `find_existing`; the outbox keeps the row `sent`
  and looks it up on a later run, once the request has surely settled. A 4010 or a 401 is
  never ambiguous: Visma refused the request before handling it.
* 401: the access token is renewed once (rotating the refresh token through the store) and
  the request repeated.
* Every HTTP exchange (status, Visma's ErrorCode and message, duration) goes to
  `on_exchange`, tagged with the outbox key set by `tagged(...)`; bearer tokens never do.
"""

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from ornd_visma.jsontext import dumps
from ornd_visma.visma.rate_limit import EndpointLimiter, endpoint, retry_after_seconds
from ornd_visma.visma.settings import VismaSettings
from ornd_visma.visma.tokens import RefreshRefused, Tokens, TokenStore

RATE_LIMITED = 4010
PAGE_SIZE = 1000
MAX_ATTEMPTS = 6


class VismaApiError(RuntimeError):
    """Visma refused the request (4xx other than 401/429): retrying the same cannot help."""

    def __init__(
        self,
        status: int,
        error_code: int | None,
        message: str,
        error_id: str | None = None,
        errors: list[dict] | None = None,
    ) -> None:
        self.status = status
        self.error_code = error_code
        self.message = message
        self.error_id = error_id
        self.errors = errors or []
        fields = "; ".join(f"{e.get('Field')}: {e.get('Message')}" for e in self.errors)
        super().__init__(
            f"Visma {status}/{error_code}: {message}" + (f" ({fields})" if fields else "")
        )


class VismaAuthError(RefreshRefused):
    """The refresh token was refused: someone must consent again."""


class VismaUnavailable(RuntimeError):
    """Transient failures outlasted the retries."""


class AmbiguousWrite(VismaUnavailable):
    """A write whose outcome is unknown (it may be stored in Visma)."""


class _Transient(Exception):
    def __init__(
        self, message: str, *, ambiguous: bool, wait_s: float = 0.0, settling: bool = False
    ) -> None:
        super().__init__(message)
        self.ambiguous = ambiguous
        self.wait_s = wait_s
        self.settling = settling  # Visma may still be working on it: do not look yet


@dataclass(frozen=True)
class Exchange:
    """One HTTP request to Visma and what came back (for `posting.audit`)."""

    entity: str
    method: str
    path: str
    endpoint: str
    sent_at: datetime
    elapsed_ms: float
    status: int | None  # None: no answer (timeout, dropped connection)
    outcome: str  # ok, refused, rate_limited, unauthorized, server_error, timeout, dropped
    error_code: int | None
    message: str | None
    error_id: str | None
    tag: str | None
    visma_id: str | None


class VismaClient:
    def __init__(
        self,
        settings: VismaSettings,
        tokens: TokenStore,
        *,
        limiter: EndpointLimiter | None = None,
        timeout_s: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        on_exchange: Callable[[Exchange], None] | None = None,
        max_attempts: int = MAX_ATTEMPTS,
        backoff_max_s: float = 10.0,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.settings = settings
        self.tokens = tokens
        self.limiter = limiter or EndpointLimiter()
        self.on_exchange = on_exchange
        self.max_attempts = max_attempts
        self.backoff_max_s = backoff_max_s
        self._sleep = sleep or self.limiter.sleep
        self._http = httpx.Client(timeout=timeout_s, transport=transport)
        self._access: str | None = None
        self._tag: str | None = None
        self.requests = 0

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "VismaClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def tagged(self, tag: str | None) -> Iterator[None]:
        """Exchanges inside are recorded with `tag` (the outbox key they serve)."""
        previous, self._tag = self._tag, tag
        try:
            yield
        finally:
            self._tag = previous

    # -- auth ------------------------------------------------------------------------------

    def _refresh(self, refresh_token: str) -> Tokens:
        url = f"{self.settings.auth_url.rstrip('/')}/connect/token"
        for attempt in Retrying(
            retry=retry_if_exception_type(httpx.TransportError),
            stop=stop_after_attempt(3),
            wait=wait_exponential_jitter(multiplier=0.2, max=2),
            sleep=self._sleep,
            reraise=True,
        ):
            with attempt:
                answer = self._http.post(
                    url,
                    auth=(self.settings.client_id, self.settings.client_secret),
                    data={"grant_type": "refresh_token", "refresh_token": refresh_token},
                )
        if answer.status_code != 200:
            raise VismaAuthError(
                f"Visma refused the refresh token of entity {self.settings.entity} "
                f"({answer.status_code} {answer.text[:200]}): consent again: ornd-visma "
                f"connect visma --entity {self.settings.entity}"
            )
        body = answer.json()
        return Tokens(
            body["access_token"],
            time.time() + float(body.get("expires_in", 3600)),
            body.get("refresh_token") or refresh_token,  # non-rotating clients keep theirs
        )

    def _bootstrap(self) -> Tokens | None:
        if not self.settings.is_sandbox:
            return None
        from ornd_visma.sandbox.visma.sandbox_client import sandbox_tokens

        got = sandbox_tokens(self.settings.api_url)
        return Tokens(got.access_token, time.time() + got.expires_in, got.refresh_token)

    def _refresh_or_consent(self, refresh_token: str) -> Tokens:
        """The sandbox consents by itself: a refresh token it does not know (a simulator
        restarted on a fresh state) is replaced by a new consent instead of failing."""
        try:
            return self._refresh(refresh_token)
        except VismaAuthError:
            fresh = self._bootstrap()
            if fresh is None:
                raise
            return fresh

    def _bearer(self, force: bool = False) -> str:
        if self._access is None or force:
            sandbox = self.settings.is_sandbox
            self._access = self.tokens.access_token(
                self.settings.refresh_token,
                self._refresh_or_consent if sandbox else self._refresh,
                self._bootstrap if sandbox else None,
                force=force,
            )
        return self._access

    # -- requests --------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{self.settings.api_url.rstrip('/')}/{path.lstrip('/')}"

    def _record(self, method: str, path: str, sent: datetime, t0: float, **fields: Any) -> None:
        if self.on_exchange is None:
            return
        self.on_exchange(
            Exchange(
                entity=self.settings.entity,
                method=method,
                path=path,
                endpoint=endpoint(method, path),
                sent_at=sent,
                elapsed_ms=round((time.perf_counter() - t0) * 1000, 1),
                tag=self._tag,
                **fields,
            )
        )

    def _once(self, method: str, path: str, params: dict | None, body: Any) -> Any:
        key = endpoint(method, path)
        write = method != "GET"
        self.limiter.acquire(key)
        self.requests += 1
        sent, t0 = datetime.now(UTC), time.perf_counter()
        try:
            bearer = self._bearer()
        except httpx.TransportError as error:  # the identity server is out of reach
            raise _Transient(f"token: {error!r}", ambiguous=False) from error
        headers = {"Authorization": f"Bearer {bearer}", "Accept": "application/json"}
        content = None
        if body is not None:
            content = dumps(body)
            headers["Content-Type"] = "application/json"
        none = {"status": None, "error_code": None, "error_id": None, "visma_id": None}
        try:
            answer = self._http.request(
                method, self._url(path), params=params, content=content, headers=headers
            )
            data = answer.content  # read the whole body: a dropped answer fails here
        except httpx.TimeoutException as error:
            self._record(method, path, sent, t0, outcome="timeout", message=str(error), **none)
            raise _Transient(
                f"{method} {path}: timeout", ambiguous=write, settling=write
            ) from error
        except httpx.TransportError as error:
            self._record(method, path, sent, t0, outcome="dropped", message=repr(error), **none)
            raise _Transient(f"{method} {path}: {error!r}", ambiguous=write) from error
        status = answer.status_code
        try:
            parsed = orjson.loads(data) if data else None
        except orjson.JSONDecodeError:
            parsed = None
        info = parsed if isinstance(parsed, dict) else {}
        code, message = info.get("ErrorCode"), info.get("DeveloperErrorMessage")
        common = {"status": status, "error_code": code, "error_id": info.get("ErrorId")}
        if status < 400:
            if parsed is None and data:
                self._record(method, path, sent, t0, outcome="dropped", message="bad JSON",
                             visma_id=None, **common)  # fmt: skip
                raise _Transient(f"{method} {path}: unreadable answer", ambiguous=write)
            ident = info.get("Id") if isinstance(info.get("Id"), str) else None
            self._record(method, path, sent, t0, outcome="ok", message=None, visma_id=ident,
                         **common)  # fmt: skip
            return parsed
        text = message or answer.text[:300]
        if status == 429 or code == RATE_LIMITED:
            wait = retry_after_seconds(message)
            self.limiter.penalize(key, wait)
            self._record(method, path, sent, t0, outcome="rate_limited", message=text,
                         visma_id=None, **common)  # fmt: skip
            raise _Transient(f"{method} {path}: rate limited", ambiguous=False)
        if status == 401:
            self._record(method, path, sent, t0, outcome="unauthorized", message=text,
                         visma_id=None, **common)  # fmt: skip
            self._bearer(force=True)
            raise _Transient(f"{method} {path}: 401, token renewed", ambiguous=False)
        if status >= 500:
            self._record(method, path, sent, t0, outcome="server_error", message=text,
                         visma_id=None, **common)  # fmt: skip
            raise _Transient(f"{method} {path}: HTTP {status}", ambiguous=write)
        self._record(method, path, sent, t0, outcome="refused", message=text, visma_id=None,
                     **common)  # fmt: skip
        raise VismaApiError(status, code, text, info.get("ErrorId"), info.get("Errors"))

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict | None = None,
        json: Any = None,
        find_existing: Callable[[], Any] | None = None,
    ) -> Any:
        """One logical request, retried as the module docstring says."""
        method = method.upper()
        blind_retry_ok = method in ("GET", "PUT", "DELETE")
        ambiguous = False

        def wait(state: Any) -> float:
            error = state.outcome.exception()
            floor = getattr(error, "wait_s", 0.0)
            jitter = wait_exponential_jitter(multiplier=0.1, max=self.backoff_max_s, jitter=0.1)
            return max(floor, jitter(state))

        try:
            for attempt in Retrying(
                retry=retry_if_exception_type(_Transient),
                stop=stop_after_attempt(self.max_attempts),
                wait=wait,
                sleep=self._sleep,
                reraise=True,
            ):
                with attempt:
                    if ambiguous and find_existing is not None:
                        found = find_existing()
                        if found is not None:
                            return found
                    try:
                        return self._once(method, path, params, json)
                    except _Transient as error:
                        if error.ambiguous and not blind_retry_ok:
                            ambiguous = True
                            if find_existing is None or error.settling:
                                raise AmbiguousWrite(str(error)) from error
                        raise
        except _Transient as error:
            if ambiguous:
                if find_existing is not None:
                    found = find_existing()
                    if found is not None:
                        return found
                raise AmbiguousWrite(str(error)) from error
            raise VismaUnavailable(str(error)) from error
        raise AssertionError("unreachable")  # pragma: no cover

    def get(self, path: str, params: dict | None = None) -> Any:
        return self.request("GET", path, params=params)

    def post(
        self,
        path: str,
        body: Any,
        params: dict | None = None,
        *,
        find_existing: Callable[[], Any] | None = None,
    ) -> Any:
        return self.request("POST", path, params=params, json=body, find_existing=find_existing)

    def put(self, path: str, body: Any, params: dict | None = None) -> Any:
        return self.request("PUT", path, params=params, json=body)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)

    def list_all(
        self, path: str, params: dict | None = None, *, page_size: int = PAGE_SIZE
    ) -> list[dict]:
        """Every item of a `{Meta, Data}` list, all pages."""
        items: list[dict] = []
        page = 1
        while True:
            answer = self.get(path, {**(params or {}), "$page": page, "$pagesize": page_size})
            items.extend(answer.get("Data") or [])
            meta = answer.get("Meta") or {}
            if page >= int(meta.get("TotalNumberOfPages") or 0):
                return items
            page += 1
