"""Before `ornd-visma run` launches a run: does OfficeRnD answer, and does each Visma company
the mapping posts to answer and have a refresh token? A run against a server that is not
there would otherwise retry for minutes before it fails.

Any HTTP answer counts as "answers" (a 401 or 404 from the API root is still a server); only a
refused or timed-out connection is a problem. Each problem is one line naming the server and
what to do: start the sandbox when the sandbox is meant, consent when a token is missing.
"""

import httpx

from ornd_visma.config import full_refresh_days, mapping_path, officernd_settings
from ornd_visma.mapping import load_mapping
from ornd_visma.visma.settings import state_dir, visma_settings
from ornd_visma.visma.tokens import TokenStore

TIMEOUT_S = 5.0
START_SANDBOX = (
    "start the sandbox first: ornd-visma sandbox (after `make demo`, it serves the demo)"
)


def _answers(url: str) -> str | None:
    try:
        httpx.get(url, timeout=TIMEOUT_S)
    except httpx.HTTPError as error:
        return type(error).__name__
    return None


def problems(*, visma: bool = True) -> list[str]:
    """What keeps a run from reaching its servers; empty when all answer."""
    out = []
    try:
        full_refresh_days()
    except ValueError as bad:
        out.append(str(bad))
    officernd = officernd_settings()
    why = _answers(officernd.api_url)
    if why:
        hint = START_SANDBOX if officernd.is_sandbox else "check OFFICERND_API_URL and the network"
        out.append(f"OfficeRnD at {officernd.api_url} does not answer ({why}): {hint}")
    if not visma:
        return out
    mapping = load_mapping(mapping_path())
    for name, entity in mapping.entities.items():
        settings = visma_settings(name, entity.env_prefix)
        why = _answers(settings.api_url)
        if why:
            hint = (
                START_SANDBOX
                if settings.is_sandbox
                else f"check {entity.env_prefix}_API_URL and the network"
            )
            out.append(f"Visma ({name}) at {settings.api_url} does not answer ({why}): {hint}")
            continue
        tokens, _ = TokenStore(state_dir(), name).current(settings.refresh_token)
        if tokens is None and not settings.is_sandbox:
            out.append(
                f"Visma ({name}) has no refresh token yet: consent once with "
                f"ornd-visma connect visma --entity {name}"
            )
    return out
