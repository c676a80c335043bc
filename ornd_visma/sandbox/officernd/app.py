"""The OfficeRnD Flex API v2 simulator as one Starlette app.

One port serves the identity host (`POST /oauth/token`), the API
(`/api/v2/organizations/{orgSlug}/…`) and the control endpoints (`/_sandbox/…`). Serve it
with `ornd_visma.sandbox.server.running` or `serve_forever`; reach its state as
`app.state.simulator` (a `Simulator`). Behaviour follows `shared/reference/officernd-api.md`;
the choices made where it is unsure are written in the module each concerns: `auth`,
`identity`, `api`, `query`, `paging`, `store`, `faults`, `limits`.
"""

from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ornd_visma.sandbox.officernd.admin import admin_routes
from ornd_visma.sandbox.officernd.api import ApiEndpoint
from ornd_visma.sandbox.officernd.errors import route_not_found
from ornd_visma.sandbox.officernd.faults import quiet_deliberate_aborts
from ornd_visma.sandbox.officernd.identity import token_endpoint
from ornd_visma.sandbox.officernd.options import OfficeRnDOptions
from ornd_visma.sandbox.officernd.simulator import Simulator

API_PATH = "/api/v2/organizations/{org}/{rest:path}"


async def _no_route(request: Request, _exc: HTTPException) -> Response:
    """Express answers any unhandled method or path with a 404 `Cannot <METHOD> <path>`."""
    return route_not_found(request.method, request.url.path)


def create_officernd_app(
    dataset_dir: Path, state_dir: Path, options: OfficeRnDOptions | None = None
) -> Starlette:
    """A simulator serving the dataset in `dataset_dir`, keeping live changes in `state_dir`."""
    simulator = Simulator(Path(dataset_dir), Path(state_dir), options or OfficeRnDOptions())
    quiet_deliberate_aborts()
    app = Starlette(
        routes=[
            Route("/oauth/token", token_endpoint(simulator), methods=["POST"]),
            Route(API_PATH, ApiEndpoint(simulator)),
            *admin_routes(simulator),
        ],
        exception_handlers={404: _no_route, 405: _no_route},
    )
    app.state.simulator = simulator
    return app
