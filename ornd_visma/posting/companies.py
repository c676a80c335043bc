"""The Visma companies (entities) of a posting run: a client each, asked once for its settings
(`probe`: one that does not answer is out of reach this run, and said so; its rows keep their
states and the next run goes on), the day its books are locked to (`AccountingLockedTo`),
and the `Directory` that resolves names to its ids. Shared by recovery and sending, the only
two parts of a run that talk to Visma.
"""

from collections.abc import Mapping
from datetime import date

from ornd_visma.posting.directory import Directory
from ornd_visma.posting.summary import Summary
from ornd_visma.visma.client import VismaApiError, VismaClient, VismaUnavailable


class Companies:
    def __init__(self, clients: Mapping[str, VismaClient], summary: Summary) -> None:
        self.clients = dict(clients)
        self.summary = summary
        self.locked_to: dict[str, date | None] = {}  # entity -> AccountingLockedTo
        self._reached: set[str] = set()
        self._directories: dict[str, Directory] = {}

    def probe(self) -> None:
        """Ask each Visma company not yet reached for its settings; one out of reach is
        recorded in the summary's `unreachable`."""
        for entity, client in self.clients.items():
            if entity in self.summary.unreachable or entity in self._reached:
                continue
            try:
                with client.tagged("probe"):
                    settings = client.get("/companysettings") or {}
                locked = settings.get("AccountingLockedTo")
                self.locked_to[entity] = date.fromisoformat(locked[:10]) if locked else None
                self._reached.add(entity)
            except VismaUnavailable as error:
                self.summary.unreachable[entity] = str(error)

    @property
    def reachable(self) -> list[str]:
        return [e for e in self.clients if e in self._reached]

    def client(self, entity: str) -> VismaClient:
        return self.clients[entity]

    def directory(self, entity: str) -> Directory:
        if entity not in self._directories:
            if entity not in self.clients:
                raise VismaApiError(0, None, f"no Visma connection for entity {entity}")
            self._directories[entity] = Directory(self.clients[entity])
        return self._directories[entity]
