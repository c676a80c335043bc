"""The OfficeRnD Flex v2 scope catalogue (`flex.<module>.<resource>.<action>`), as
`shared/reference/officernd-api.md` "v2 scope catalogue" lists it, and what the sandbox app
is granted.

The identity host knows every scope of the catalogue. The sandbox app has "Read" permissions
only (the pipeline only reads), so it is granted exactly the catalogue's `.read` scopes,
including the ones of collections the simulator does not serve (`flex.settings.webhooks.read`,
`flex.settings.customProperties.read`, ...: a real client asks for them and gets a token).
To simulate an app with write permissions, widen `GRANTED` here.
"""

import re

_CATALOGUE = """
flex.billing.payments.{read,create,update}
flex.billing.payments.methods.read
flex.billing.payments.documents.read
flex.billing.payments.allocations.{create,update}
flex.billing.charges.{read,create,update,delete}
flex.billing.checkout.create
flex.billing.taxRates.read
flex.billing.revenueAccounts.read
flex.billing.plans.read
flex.billing.resourceRates.read
flex.billing.cancellationPolicies.read
flex.billing.paymentDetails.{read,create,delete}
flex.billing.paymentGateways.authorize
flex.space.bookings.{read,validate,create,update,delete,cancel}
flex.space.locations.read
flex.space.floors.read
flex.space.resources.read
flex.space.resourceTypes.read
flex.space.assignments.{read,create,delete}
flex.space.amenities.read
flex.space.passes.{read,create,update,delete}
flex.space.credits.{read,create,update,delete}
flex.space.coins.read
flex.community.members.{read,create,update,delete}
flex.community.members.portalAccess.update
flex.community.companies.{read,create,update,delete}
flex.community.visits.{read,create,delete}
flex.community.visitors.{read,create,delete}
flex.community.opportunities.{read,create,update,delete}
flex.community.opportunityStatuses.read
flex.community.contracts.{read,create,update,delete,sign,terminate}
flex.community.checkins.{read,create,update}
flex.community.fees.{read,create,update,delete}
flex.community.memberships.{read,create,update,delete}
flex.community.receptionFlows.read
flex.collaboration.tickets.{read,create,update}
flex.collaboration.ticketOptions.read
flex.collaboration.ticketComments.{read,create}
flex.collaboration.posts.{read,create,delete}
flex.collaboration.events.{read,create,update,delete}
flex.collaboration.benefits.read
flex.settings.webhooks.{read,create,update,delete}
flex.settings.customProperties.read
flex.settings.secondaryCurrencies.{read,update}
flex.settings.billing.read
flex.settings.integrations.read
flex.settings.businessHours.read
flex.settings.organization.read
flex.user.auth.{signup,signin,impersonate,verify}
flex.user.password.update
"""

_BRACES = re.compile(r"^(.*)\{([^}]*)\}$")


def _expand(line: str) -> list[str]:
    match = _BRACES.match(line)
    if not match:
        return [line]
    stem, actions = match.groups()
    return [stem + action for action in actions.split(",")]


CATALOGUE: frozenset[str] = frozenset(
    scope for line in _CATALOGUE.split() for scope in _expand(line.strip())
)
READ_ACTION = "read"
GRANTED: frozenset[str] = frozenset(s for s in CATALOGUE if s.rsplit(".", 1)[1] == READ_ACTION)
