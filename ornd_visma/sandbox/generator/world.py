"""The generator's shared state: the seeded random source, ids, the simulated window and the
collections being filled."""

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from ornd_visma.sandbox.generator.ids import ObjectIds


def iso(moment: datetime | date) -> str:
    """OfficeRnD's timestamp format: UTC, milliseconds, `Z`. Dates become midnight UTC."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(), tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


def at(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


@dataclass
class World:
    rng: random.Random
    start: date  # first day of the first simulated month
    today: date  # the simulated "today": nothing happens after it
    collections: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))

    def __post_init__(self) -> None:
        self.ids = ObjectIds(self.rng)

    def new_record(self, collection: str, created: datetime, **fields) -> dict:
        """Append a record with `_id`, `createdAt`/`modifiedAt` and audit fields."""
        record = {
            "_id": self.ids.new(created),
            **fields,
            "properties": fields.get("properties", {}),
            "createdAt": iso(created),
            "createdBy": "5f0c1a2b3c4d5e6f7a8b9c0d",
            "modifiedAt": iso(created),
            "modifiedBy": "5f0c1a2b3c4d5e6f7a8b9c0d",
        }
        self.collections[collection].append(record)
        return record

    def touch(self, record: dict, when: datetime) -> None:
        """Bump `modifiedAt` (never backwards, never past today)."""
        when = min(when, at(self.today, 6))
        if iso(when) > record["modifiedAt"]:
            record["modifiedAt"] = iso(when)

    def moment(self, day: date, start_hour: int = 8, end_hour: int = 18) -> datetime:
        """A random time of `day` within working hours (UTC)."""
        minutes = self.rng.randint(start_hour * 60, end_hour * 60 - 1)
        return at(day) + timedelta(minutes=minutes)

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability
