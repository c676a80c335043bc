"""Writing a proposed mapping (`ornd-visma init`) as YAML with a comment on every entry.

The layout follows `sandbox.yaml`: one flow mapping per line, the reason on comment lines
above it, what could not be matched at the top. Strings are written plain when YAML reads
them back as the same string, else double-quoted (JSON's quoting is valid YAML), so the file
loads through `load_mapping` as exactly `Proposal.mapping()`.
"""

import json
import re
import textwrap
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel

from ornd_visma.mapping.propose import Choice, Proposal

WIDTH = 100
_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
# Words YAML 1.1 (PyYAML) reads as booleans or null when plain.
_RESERVED = frozenset(("y", "n", "yes", "no", "true", "false", "on", "off", "null"))


def scalar(value: object) -> str:
    """`value` as a YAML scalar that reads back as the same value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    text = str(value)
    if _PLAIN.match(text) and text.casefold() not in _RESERVED:
        return text
    return json.dumps(text, ensure_ascii=False)


def flow(model: BaseModel) -> str:
    """A model as a one-line flow mapping, its unset keys left out."""
    fields = model.model_dump(exclude_none=True)
    return "{" + ", ".join(f"{key}: {scalar(value)}" for key, value in fields.items()) + "}"


def comment(text: str, indent: int = 0, first: str = "# ", rest: str = "# ") -> list[str]:
    """`text` as comment lines of at most WIDTH characters (`first`/`rest` start them)."""
    pad = " " * indent
    flat = " ".join(text.split())
    return textwrap.wrap(flat, WIDTH, initial_indent=pad + first, subsequent_indent=pad + rest)


def _entries(choices: list[Choice], indent: int = 2) -> list[str]:
    lines = []
    for choice in choices:
        lines += comment(choice.why, indent)
        lines.append(" " * indent + f"{scalar(choice.key)}: {flow(choice.value)}")
    return lines


def render(proposal: Proposal, file_name: str = "mapping.yaml") -> str:
    """The proposal as the text of a mapping file."""
    lines = comment(
        f"Mapping proposed by `ornd-visma init` from {proposal.sources or 'OfficeRnD and Visma'}. "
        "Each entry says why it was chosen: check them, change what is wrong, then run "
        f"`ornd-visma doctor --mapping {file_name}` (docs/contracts.md explains every key)."
    )
    lines.append("#")
    if proposal.unmatched:
        lines += comment(
            f"NOT MATCHED ({len(proposal.unmatched)}): left out of the mapping, so doctor "
            "reports each and the documents using it are held until it is added here:"
        )
        for item in proposal.unmatched:
            lines += comment(f"{item.what}: {item.reason}", first="#   - ", rest="#     ")
    else:
        lines.append("# Everything the OfficeRnD data uses was matched.")
    for note in proposal.notes:
        lines += comment(f"Note: {note}")
    lines += [
        "",
        "posting_mode: ledger      # customer ledger items + vouchers; `invoices` needs an "
        "article per rule",
        "on_change: correct        # credit the posted revision and post the new one; or hold",
        "",
        "accounts:",
    ]
    for key, number, why in proposal.accounts:
        lines += comment(why, 2)
        lines.append(f"  {key}: {number}")
    if not proposal.accounts:
        lines[-1] = "accounts: {}"
    lines += [
        "",
        "entities:",
        f"  {scalar(proposal.entity)}:",
        f"    env_prefix: {proposal.env_prefix}   # {proposal.env_prefix}_API_URL, "
        f"{proposal.env_prefix}_CLIENT_ID, ... (the sandbox when unset)",
        "",
    ]
    lines += comment("Location -> Visma company and cost center item (ShortName, dimension 1).")
    lines += (
        ["locations:", *_entries(proposal.locations)] if proposal.locations else ["locations: {}"]
    )
    lines.append("")
    lines += comment(
        '"<location code>/<floor name>" -> cost center item in dimension 2 (optional).'
    )
    lines += ["floors:", *_entries(proposal.floors)] if proposal.floors else ["floors: {}"]
    lines.append("")
    lines += comment("OfficeRnD tax rate -> Visma VAT code, percent, output VAT account.")
    lines += ["vat:", *_entries(proposal.vat)] if proposal.vat else ["vat: {}"]
    if proposal.reverse_charge is not None:
        lines.append("")
        lines += comment(proposal.reverse_charge.why)
        lines.append(f"reverse_charge: {flow(proposal.reverse_charge.value)}")
    lines.append("")
    lines += comment(
        "Revenue rules: the most specific matching rule wins (ornd_visma/mapping/model.py)."
    )
    if proposal.revenue:
        lines.append("revenue:")
        for choice in proposal.revenue:
            lines += comment(choice.why, 2)
            lines.append(f"  - {flow(choice.value)}")
    else:
        lines.append("revenue: []")
    return "\n".join(lines) + "\n"


def write(path: Path, proposal: Proposal) -> None:
    """Write the proposal to `path` (the caller decides whether it may be replaced)."""
    path.write_text(render(proposal, path.name), encoding="utf-8")
