"""The token store: where a Visma company's rotating refresh token lives between runs.

Visma's refresh tokens rotate: each can be used once, and the answer to a refresh carries the
only token that will work next time (reference §1.2). Losing that answer locks the pipeline
out until someone consents again in a browser, so:

* **Where.** One JSON file per entity, `<state dir>/visma-tokens/<entity>.json`, with mode
  0600 in a 0700 directory. The state directory (`ORND_VISMA_STATE_DIR`, see `settings`) is
  outside the repository; never the warehouse (analysts read it, and the snapshot copies it).
  The access token is kept in the same file so a new process does not rotate for nothing.
* **Initial value.** `VISMA_REFRESH_TOKEN` (or `<prefix>_REFRESH_TOKEN`) seeds the file the
  first time. The file remembers the seed's sha256; when the variable later holds a different
  token (someone consented again), the new seed wins over the stored chain.
* **Stored before first use.** The new tokens are written (temp file, fsync, atomic
  `os.replace`, fsync of the directory) before the access token is returned to anyone, so a
  crash after that point leaves the new refresh token on disk.
* **Refreshed only when needed.** The stored access token is used until `RENEW_MARGIN_S`
  before it expires (Visma's last an hour), so a daily run spends one refresh token, not one
  per process.
* **The window, honestly.** Visma rotates the token when it *handles* the refresh request;
  we store its successor when the *answer* arrives. A kill (or a dropped connection) in
  between, i.e. during the network round trip, typically tens to hundreds of milliseconds a
  day, loses the only token that works: nothing on our side can close that window, since
  Visma offers no way to ask for the successor again. So before the call an in-flight marker
  (`<entity>.inflight`, the spent token's sha256 and the time) is written and fsynced, and it
  is removed once the successor is stored. When a refresh is refused and the marker names
  that same token, the earlier refresh was interrupted: the error (`TokenLost`) says so and
  gives the one command that consents again (`ornd-visma connect visma --entity <name>`).
* **One refresher at a time.** An exclusive `flock` on `<entity>.lock` is held from reading
  the stored token to writing its successor, so two processes never spend the same token;
  the second one re-reads and finds a fresh access token.
"""

import contextlib
import fcntl
import hashlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson

RENEW_MARGIN_S = 120.0


class TokenLost(RuntimeError):
    """A refresh was interrupted after Visma may have rotated the token: consent again."""


class RefreshRefused(RuntimeError):
    """Visma refused the refresh token (it is spent or revoked)."""


@dataclass(frozen=True)
class Tokens:
    access_token: str | None
    access_expires_at: float  # epoch seconds
    refresh_token: str


def _sha(text: str | None) -> str | None:
    return hashlib.sha256(text.encode()).hexdigest() if text else None


class TokenStore:
    """The persisted tokens of one entity, under `<state_dir>/visma-tokens/`."""

    def __init__(self, state_dir: Path | str, entity: str) -> None:
        if not entity.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"entity name {entity!r} is not a safe file name")
        self.directory = Path(state_dir) / "visma-tokens"
        self.path = self.directory / f"{entity}.json"
        self._lock_path = self.directory / f"{entity}.lock"
        self.inflight_path = self.directory / f"{entity}.inflight"
        self.entity = entity

    def _ensure_dir(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.directory, 0o700)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        self._ensure_dir()
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def read(self) -> dict | None:
        try:
            return orjson.loads(self.path.read_bytes())
        except FileNotFoundError:
            return None

    def write(self, tokens: Tokens, seed: str | None) -> None:
        """Replace the stored tokens atomically (the file is complete or absent, never torn)."""
        self._ensure_dir()
        body = orjson.dumps(
            {
                "refresh_token": tokens.refresh_token,
                "access_token": tokens.access_token,
                "access_expires_at": tokens.access_expires_at,
                "seed_sha256": seed,
                "stored_at": time.time(),
            }
        )
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, body)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.path)
        dir_fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def _mark_inflight(self, refresh_token: str) -> None:
        body = orjson.dumps({"refresh_sha256": _sha(refresh_token), "started_at": time.time()})
        fd = os.open(self.inflight_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, body)
            os.fsync(fd)
        finally:
            os.close(fd)

    def interrupted_refresh(self, refresh_token: str) -> float | None:
        """When an earlier refresh spending `refresh_token` never stored its answer: when it
        began (epoch seconds); else None."""
        try:
            marker = orjson.loads(self.inflight_path.read_bytes())
        except (FileNotFoundError, orjson.JSONDecodeError):
            return None
        if marker.get("refresh_sha256") != _sha(refresh_token):
            return None
        return float(marker.get("started_at") or 0)

    def _spend(self, refresh_token: str, refresh: Callable[[str], Tokens]) -> Tokens:
        """`refresh(refresh_token)` with the in-flight marker around it (module docstring)."""
        interrupted = self.interrupted_refresh(refresh_token)
        self._mark_inflight(refresh_token)
        try:
            return refresh(refresh_token)
        except RefreshRefused as refused:
            if interrupted is None:
                self.inflight_path.unlink(missing_ok=True)  # refused, not lost in flight
                raise
            when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(interrupted))
            raise TokenLost(
                f"Visma refused the refresh token of entity {self.entity}: the refresh begun "
                f"{when} was interrupted before its answer was stored, and Visma had already "
                f"rotated the token. Consent again: ornd-visma connect visma --entity "
                f"{self.entity}"
            ) from refused

    def store_consent(self, tokens: Tokens, seed_token: str | None) -> None:
        """Keep the tokens of a new consent (`ornd-visma connect visma`). They descend from
        whatever seed the environment holds, so that seed does not win over them later."""
        with self.locked():
            self.write(tokens, _sha(seed_token))
            self.inflight_path.unlink(missing_ok=True)

    def current(self, seed_token: str | None) -> tuple[Tokens | None, str | None]:
        """The tokens to use (None: none known) and the sha of the seed they descend from."""
        stored = self.read()
        seed = _sha(seed_token)
        if stored and (seed is None or stored.get("seed_sha256") == seed):
            return (
                Tokens(
                    stored.get("access_token"),
                    float(stored.get("access_expires_at") or 0),
                    stored["refresh_token"],
                ),
                stored.get("seed_sha256"),
            )
        if seed_token:
            return Tokens(None, 0.0, seed_token), seed
        return None, None

    def access_token(
        self,
        seed_token: str | None,
        refresh: Callable[[str], Tokens],
        bootstrap: Callable[[], Tokens] | None = None,
        *,
        force: bool = False,
    ) -> str:
        """A valid access token: the stored one, or a fresh one from `refresh(refresh_token)`
        (stored before it is returned). `bootstrap` gets a first token when none is known
        (the sandbox only); `force` refreshes even if the stored access token looks valid."""
        with self.locked():
            tokens, seed = self.current(seed_token)
            if (
                tokens is not None
                and not force
                and tokens.access_token
                and tokens.access_expires_at - RENEW_MARGIN_S > time.time()
            ):
                return tokens.access_token
            if tokens is None:
                if bootstrap is None:
                    raise RuntimeError(
                        f"no Visma refresh token for {self.entity}: consent once with "
                        f"ornd-visma connect visma --entity {self.entity} (or set the "
                        "entity's _REFRESH_TOKEN variable)"
                    )
                fresh = bootstrap()
            else:
                fresh = self._spend(tokens.refresh_token, refresh)
            self.write(fresh, seed)  # before anyone uses the access token
            self.inflight_path.unlink(missing_ok=True)
            assert fresh.access_token
            return fresh.access_token
