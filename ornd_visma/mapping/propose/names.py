"""Matching things by name: OfficeRnD locations and floors to Visma cost-center items, revenue
accounts to articles.

Two names are the same thing when they are equal (case and accents aside), when one's words
are all in the other (`Södermalm` in `Stockholm Södermalm`), or when their spelling is close
(difflib's ratio at least MATCH_THRESHOLD). Names whose numbers differ never match: `Plan 1`
is not `Plan 2`. A tie is not a match: two items equally like one location, or one item
equally like two locations, leave them unmatched (a ShortName is then derived instead).
"""

import re
import unicodedata
from difflib import SequenceMatcher

MATCH_THRESHOLD = 0.8
SHORT_NAME_MAX = 9  # Visma's CostCenterItem.ShortName


def normalize(text: str | None) -> str:
    """Lower case, accents removed, words separated by one space: `Göteborg-C` → `goteborg c`."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(re.findall(r"[^\W_]+", plain))


def similarity(a: str | None, b: str | None) -> float:
    """How alike two names are, from 0 to 1 (see the module docstring)."""
    na, nb = normalize(a), normalize(b)
    if not na or not nb:
        return 0.0
    if sorted(re.findall(r"\d+", na)) != sorted(re.findall(r"\d+", nb)):
        return 0.0
    if na == nb:
        return 1.0
    wa, wb = set(na.split()), set(nb.split())
    if wa <= wb or wb <= wa:
        return 0.9
    return SequenceMatcher(None, na, nb).ratio()


def short_name(text: str) -> str:
    """`text` with only the characters a ShortName is given here (letters, digits, _ and -)."""
    return re.sub(r"[^A-Za-z0-9_-]", "", text)


def unique_short(base: str, taken: set[str]) -> str:
    """`base` cut to 9 characters, ending in a number when an item already has that name."""
    lowered = {t.casefold() for t in taken}
    name = base[:SHORT_NAME_MAX] or "X"
    number = 2
    while name.casefold() in lowered:
        suffix = str(number)
        name = base[: SHORT_NAME_MAX - len(suffix)] + suffix
        number += 1
    return name


def best_items(
    targets: dict[str, list[str | None]], items: list[dict]
) -> tuple[dict[str, tuple[dict, float]], dict[str, str]]:
    """For each target (key -> its names), the item whose ShortName or Name is most like one
    of them; and, for targets left without one because of a tie, why."""
    best: dict[str, tuple[dict, float]] = {}
    why_not: dict[str, str] = {}
    for key, names in targets.items():
        scored = []
        for item in items:
            score = max(
                similarity(name, item.get(attr)) for name in names for attr in ("ShortName", "Name")
            )
            if score >= MATCH_THRESHOLD:
                scored.append((score, item.get("ShortName") or "", item))
        scored.sort(key=lambda s: (-s[0], s[1]))
        if len(scored) > 1 and scored[1][0] == scored[0][0]:
            why_not[key] = f"items {scored[0][1]} and {scored[1][1]} are equally like it"
        elif scored:
            best[key] = (scored[0][2], scored[0][0])
    claimed: dict[str, list[str]] = {}
    for key, (item, _) in best.items():
        claimed.setdefault(item.get("ShortName") or "", []).append(key)
    for short, keys in claimed.items():
        if len(keys) < 2:
            continue
        ranked = sorted(keys, key=lambda k: -best[k][1])
        tie = best[ranked[0]][1] == best[ranked[1]][1]
        for key in ranked if tie else ranked[1:]:
            del best[key]
            others = ", ".join(k for k in keys if k != key)
            why_not[key] = f"item {short} is as much or more like {others}"
    return best, why_not


def why_item(item: dict, score: float, dimension: int) -> str:
    how = "the same name" if score == 1.0 else f"a similar name ({score:.2f})"
    return (
        f'Visma item {item.get("ShortName")} "{item.get("Name")}" in dimension {dimension} '
        f"has {how}"
    )
