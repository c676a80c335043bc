"""Deterministic 24-hex ObjectIds: 4 bytes of creation time (so ids sort by creation, as Mongo's
do) and 8 bytes from the seeded generator."""

import random
from datetime import datetime


class ObjectIds:
    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._seen: set[str] = set()

    def new(self, created: datetime) -> str:
        while True:
            oid = f"{int(created.timestamp()) & 0xFFFFFFFF:08x}{self._rng.getrandbits(64):016x}"
            if oid not in self._seen:
                self._seen.add(oid)
                return oid
