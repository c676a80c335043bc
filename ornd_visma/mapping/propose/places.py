"""Locations → cost-center items of dimension 1, floors → dimension 2, by name; without a
match a ShortName derived from the location code (`STH`, floors `STH-P1`): posting creates
missing items. Every location is mapped (an unmapped one would hold all its documents);
floors are optional, so a dimension 2 that is off leaves them out with a note."""

import re

from ornd_visma.mapping.doctor import OfficeRnDData
from ornd_visma.mapping.model import FloorMap, LocationMap
from ornd_visma.mapping.propose.catalogue import VismaCatalogue
from ornd_visma.mapping.propose.choices import Choice, Unmatched
from ornd_visma.mapping.propose.names import (
    SHORT_NAME_MAX,
    best_items,
    normalize,
    short_name,
    unique_short,
    why_item,
)


def location_key(location: dict) -> str:
    """The mapping names a location by its code, else its id."""
    return location.get("code") or location["_id"]


def propose_locations(
    data: OfficeRnDData, visma: VismaCatalogue, entity: str
) -> tuple[list[Choice], list[Unmatched]]:
    locations = sorted((loc for loc in data["locations"] if loc.get("_id")), key=location_key)
    state = visma.dimension_state(1)
    if state is not None:
        choices = [
            Choice(
                location_key(loc),
                LocationMap(entity=entity),
                f"{loc.get('name')}: no cost center item, Visma's dimension 1 is {state}",
            )
            for loc in locations
        ]
        problem = Unmatched(
            "cost center items of the locations",
            f"Visma's cost center dimension 1 is {state}: activate it and run init again",
        )
        return choices, [problem] if locations else []
    targets = {location_key(loc): [loc.get("code"), loc.get("name")] for loc in locations}
    best, why_not = best_items(targets, visma.active_items(1))
    taken = visma.item_names(1)
    out = []
    for loc in locations:
        key = location_key(loc)
        if key in best:
            item, score = best[key]
            short, why = item["ShortName"], why_item(item, score, 1)
        else:
            short = unique_short(short_name(key), taken)
            why = (
                "no item in dimension 1 is like it"
                + (f" ({why_not[key]})" if key in why_not else "")
                + f"; {short} is from its code, posting creates the item"
            )
        taken.add(short)
        out.append(
            Choice(
                key, LocationMap(entity=entity, cost_center_item=short), f"{loc.get('name')}: {why}"
            )
        )
    return out, []


def floor_part(floor: dict) -> str:
    """`P1` for floor 1 (OfficeRnD's `floor` number, else the name's number), else the
    initials of its name."""
    number = str(floor.get("floor") or "").strip()
    if not number.isdigit():
        digits = re.findall(r"\d+", floor.get("name") or "")
        number = digits[0] if digits else ""
    if number:
        return f"P{number}"
    return short_name("".join(w[0] for w in normalize(floor.get("name")).split()).upper()) or "F"


def propose_floors(
    data: OfficeRnDData, visma: VismaCatalogue, locations: list[Choice]
) -> tuple[list[Choice], list[str]]:
    """(floors of the proposed locations, notes)."""
    by_id = {loc["_id"]: loc for loc in data["locations"] if loc.get("_id")}
    mapped = {c.key for c in locations}
    floors, notes = [], []
    for floor in data["floors"]:
        loc = by_id.get(floor.get("location"))
        if loc is None or location_key(loc) not in mapped or not floor.get("_id"):
            continue
        if "/" in location_key(loc):  # the key "<code>/<floor>" could not be read back
            notes.append(f"floors of location {location_key(loc)} are left out: its code has a /")
            continue
        floors.append((f"{location_key(loc)}/{floor.get('name') or floor['_id']}", loc, floor))
    floors.sort(key=lambda f: f[0])
    state = visma.dimension_state(2)
    if not floors:
        return [], notes
    if state is not None:
        return [], [
            *notes,
            f"floors are left out: Visma's cost center dimension 2 is {state} (floors are "
            "optional; activate it and run init again to add them)",
        ]
    targets = {
        key: [
            f"{location_key(loc)} {floor.get('name')}",
            f"{loc.get('name')} {floor.get('name')}",
            f"{location_key(loc)}-{floor_part(floor)}",
        ]
        for key, loc, floor in floors
    }
    best, why_not = best_items(targets, visma.active_items(2))
    taken = visma.item_names(2)
    out = []
    for key, loc, floor in floors:
        if key in best:
            item, score = best[key]
            short, why = item["ShortName"], why_item(item, score, 2)
        else:
            part = floor_part(floor)
            code = short_name(location_key(loc))[: max(1, SHORT_NAME_MAX - len(part) - 1)]
            short = unique_short(f"{code}-{part}", taken)
            why = (
                "no item in dimension 2 is like it"
                + (f" ({why_not[key]})" if key in why_not else "")
                + f"; {short} is from the location code and the floor, posting creates the item"
            )
        taken.add(short)
        out.append(Choice(key, FloorMap(cost_center_item=short), why))
    return out, notes
