"""`ornd-visma connect visma|officernd`: connect a real account for the first time, and prove
it by reading something back.

* `connect visma [--entity NAME]`: the authorization-code consent (`visma/consent.py`) for
  the mapping entity's Visma company, the tokens kept in the token store (never the repo or
  the warehouse), then the company's name, organisation number and fiscal years read with
  them. Also the way out of a lost refresh token (`TokenLost` names this command).
* `connect officernd`: a token for the client credentials with every scope the extraction
  needs; the organisation's locations read with it; which scopes were granted or missing.
"""

import argparse
import sys
import webbrowser
from collections.abc import Callable
from typing import Any

import httpx

from ornd_visma.config import mapping_path, officernd_settings
from ornd_visma.mapping import load_mapping
from ornd_visma.officernd.collections import ALL_READ_SCOPES
from ornd_visma.visma.consent import (
    DEFAULT_REDIRECT_URI,
    ConsentError,
    exchange_code,
    follow_sandbox_consent,
    receive_code,
)
from ornd_visma.visma.settings import VismaSettings, state_dir, visma_settings
from ornd_visma.visma.tokens import TokenStore

Print = Callable[[str], None]


def _entity_settings(entity: str | None) -> VismaSettings:
    mapping = load_mapping(mapping_path())
    name = entity or next(iter(mapping.entities))
    if name not in mapping.entities:
        known = ", ".join(sorted(mapping.entities))
        raise ValueError(f"--entity {name}: the mapping has no such entity (it has: {known})")
    return visma_settings(name, mapping.entities[name].env_prefix)


def _show(settings: VismaSettings, say: Print, open_browser: bool) -> Callable[[str], None]:
    def show(url: str) -> None:
        if settings.is_sandbox:
            say(f"sandbox: consenting at {url.split('?')[0]} (the sandbox consents by itself)")
            follow_sandbox_consent(url)
            return
        say("Open this URL, sign in and pick the company (waiting for the redirect):")
        say(f"  {url}")
        if open_browser:
            webbrowser.open(url)

    return show


def connect_visma(args: argparse.Namespace, say: Print = print) -> int:
    from ornd_visma.visma.client import VismaClient

    settings = _entity_settings(args.entity)
    code = receive_code(
        settings,
        args.redirect_uri,
        _show(settings, say, not args.no_browser),
        timeout_s=args.timeout,
    )
    tokens = exchange_code(settings, code, args.redirect_uri)
    store = TokenStore(state_dir(), settings.entity)
    store.store_consent(tokens, settings.refresh_token)
    say(f"connected: the refresh token of entity {settings.entity} is in {store.path}")
    with VismaClient(settings, store, max_attempts=2) as client:
        company: dict[str, Any] = client.get("/companysettings")
        years = client.list_all("/fiscalyears")
    say(f"company: {company.get('Name')} (org. nr {company.get('CorporateIdentityNumber')})")
    for year in sorted(years, key=lambda y: y.get("StartDate") or ""):
        locked = " (locked)" if year.get("IsLockedForAccounting") else ""
        say(f"fiscal year {year['StartDate'][:10]} .. {year['EndDate'][:10]}{locked}")
    return 0


def connect_officernd(args: argparse.Namespace, say: Print = print) -> int:
    settings = officernd_settings()
    url = f"{settings.auth_url.rstrip('/')}/oauth/token"
    form = {
        "grant_type": "client_credentials",
        "client_id": settings.client_id,
        "client_secret": settings.client_secret,
        "scope": " ".join(ALL_READ_SCOPES),
    }
    try:
        answer = httpx.post(url, data=form, timeout=30.0)
    except httpx.HTTPError as error:
        raise ConnectionError(f"cannot reach OfficeRnD's identity server {url}: {error}") from None
    if answer.status_code != 200:
        say(
            f"OfficeRnD refused the client credentials for the needed scopes "
            f"({answer.status_code} {answer.text[:300]})"
        )
        say("needed scopes (read only): " + " ".join(ALL_READ_SCOPES))
        say(
            "fix: in OfficeRnD, Settings / Developer Tools / Applications: give the app these "
            "read permissions, and check OFFICERND_CLIENT_ID / OFFICERND_CLIENT_SECRET"
        )
        return 1
    body = answer.json()
    granted = set(str(body.get("scope") or " ".join(ALL_READ_SCOPES)).split())
    missing = [s for s in ALL_READ_SCOPES if s not in granted]
    locations = httpx.get(
        f"{settings.api_url.rstrip('/')}/organizations/{settings.org_slug}/locations",
        headers={"Authorization": f"Bearer {body['access_token']}"},
        timeout=30.0,
    )
    if locations.status_code != 200:
        say(
            f"organization {settings.org_slug}: locations not readable "
            f"({locations.status_code} {locations.text[:200]})"
        )
        return 1
    rows = locations.json().get("results") or []
    names = ", ".join(sorted(str(r.get("name") or r.get("code")) for r in rows)) or "(none)"
    say(f"organization {settings.org_slug}: {len(rows)} locations: {names}")
    say(f"scopes granted: {len(ALL_READ_SCOPES) - len(missing)} of {len(ALL_READ_SCOPES)}")
    for scope in missing:
        say(f"  missing: {scope}")
    return 1 if missing else 0


def run(args: argparse.Namespace) -> int:
    """The `connect` subcommand; one line on stderr and exit 1 when it cannot complete."""
    try:
        if args.service == "visma":
            return connect_visma(args)
        return connect_officernd(args)
    except (ConsentError, ValueError, ConnectionError, RuntimeError) as error:
        print(f"ornd-visma connect {args.service}: {error}", file=sys.stderr)
        return 1
    except httpx.HTTPError as error:
        print(f"ornd-visma connect {args.service}: {error}", file=sys.stderr)
        return 1


def add_parser(commands: Any) -> None:
    connect = commands.add_parser(
        "connect",
        help="connect a real Visma company (OAuth consent) or check OfficeRnD credentials",
    )
    connect.add_argument("service", choices=("visma", "officernd"))
    connect.add_argument("--entity", help="the mapping's Visma entity (default: the first)")
    connect.add_argument(
        "--redirect-uri",
        default=DEFAULT_REDIRECT_URI,
        help=f"the loopback redirect registered for the Visma client "
        f"(default {DEFAULT_REDIRECT_URI})",
    )
    connect.add_argument("--no-browser", action="store_true", help="print the URL only")
    connect.add_argument(
        "--timeout", type=float, default=300.0, help="seconds to wait for the consent"
    )
    connect.set_defaults(func=run)
