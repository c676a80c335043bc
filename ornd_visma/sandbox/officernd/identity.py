"""`POST /oauth/token`: the identity host's token endpoint.

At most `token_limit_per_minute` requests per rolling minute, successful or not (documented);
a request refused with 429 does not count, so a client backing off recovers. The window is one
for the whole server: the real limit is per caller and every caller here is on loopback.
"""

from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from ornd_visma.sandbox.officernd.auth import EXPIRES_IN, OAuthError
from ornd_visma.sandbox.officernd.errors import json_response
from ornd_visma.sandbox.officernd.simulator import Simulator

TOO_MANY = {"message": "Too many requests, please try again later"}


def token_endpoint(sim: Simulator):
    """The Starlette endpoint issuing tokens for `sim`."""

    async def token(request: Request) -> Response:
        sim.stats.token_request()
        now = sim.now_seconds()
        wait = sim.token_limit.acquire("token", sim.options.token_limit_per_minute, now)
        if wait is not None:
            return json_response(429, TOO_MANY, {"Retry-After": str(wait)})
        body = (await request.body()).decode("utf-8", "replace")
        form = dict(parse_qsl(body, keep_blank_values=True))
        try:
            access_token, grant = sim.tokens.grant(form, sim.options, now)
        except OAuthError as refused:
            return json_response(refused.status, {"error": refused.error})
        answer = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": EXPIRES_IN,
            "scope": " ".join(grant.scopes),
        }
        return json_response(200, answer, {"Cache-Control": "no-store"})

    return token
