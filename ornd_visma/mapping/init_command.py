"""`ornd-visma init --out FILE`: read OfficeRnD (the API, a dataset directory or the staged
warehouse) and the Visma company of one entity, write a proposed mapping with a comment on
every entry, list what could not be matched, then run doctor on the file.

Exit codes: 0 when the file was written (also with unmatched items: they are printed and
listed at the top of the file, and doctor's errors about them follow); 2 for bad input on the
command line (the file exists without `--force`; its directory, the dataset directory or the
warehouse is missing; a dataset file is not JSON; a bad entity name); 1 when OfficeRnD or
Visma cannot be reached or read (naming which, with the hint to start `ornd-visma sandbox`
for the sandbox, or to check the variables for a real one). Every failure is one line on
stderr naming the thing.

Reading OfficeRnD over the API pulls every collection doctor reads in full, invoices and
fees included (what they combine shows, e.g., which revenue accounts take reverse charge):
for an operator with years of history that is many pages, once.
"""

import json
import re
import sys
from pathlib import Path
from typing import TextIO

from ornd_visma.mapping.doctor import (
    COLLECTIONS,
    OfficeRnDData,
    VismaLister,
    _read_warehouse,
    diagnose,
    officernd_from_dataset,
    report,
)
from ornd_visma.mapping.propose import Proposal, VismaCatalogue, env_prefix_for, propose
from ornd_visma.mapping.write import write

SANDBOX_HINT = "start it with `ornd-visma sandbox --dataset DIR --state DIR`"
PROBE_TIMEOUT_S = 5.0


class InitError(Exception):
    """One line for the operator; `code` is the exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def _check_arguments(out: Path, dataset: str | None, entity: str, force: bool) -> None:
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", entity):
        raise InitError(f"--entity {entity!r}: use letters, digits, _ and - (e.g. main)", 2)
    if out.is_dir():
        raise InitError(f"{out} is a directory: --out names the mapping file to write", 2)
    if out.exists() and not force:
        raise InitError(f"{out} exists: pass --force to replace it", 2)
    if not out.parent.is_dir():
        raise InitError(f"the directory {out.parent} of --out does not exist", 2)
    if dataset is not None and not Path(dataset).is_dir():
        raise InitError(f"the dataset directory {dataset} does not exist", 2)


def read_dataset(directory: Path) -> OfficeRnDData:
    """A dataset directory's collections (as doctor reads them); none of them is an error."""
    if not any((directory / f"{name}.json").exists() for name in COLLECTIONS):
        raise InitError(
            f"the dataset directory {directory} has none of "
            f"{', '.join(f'{n}.json' for n in COLLECTIONS)}",
            2,
        )
    try:
        data = officernd_from_dataset(directory)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InitError(
            f"the dataset directory {directory}: a file is not JSON: {error}", 2
        ) from None
    for name, records in data.records.items():
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise InitError(f"{directory / name}.json is not a JSON array of objects", 2)
    return data


def _probe(url: str) -> str | None:
    """None when something answers at `url` (any HTTP status), else why not."""
    import httpx

    try:
        httpx.get(url, timeout=PROBE_TIMEOUT_S)
    except httpx.HTTPError as error:
        return f"{type(error).__name__}: {error}"
    return None


def read_officernd_api() -> OfficeRnDData:
    """Every collection doctor reads, from the OfficeRnD API (the sandbox by default)."""
    from ornd_visma.config import officernd_settings
    from ornd_visma.officernd.client import OfficeRnDClient
    from ornd_visma.officernd.collections import collection

    try:
        settings = officernd_settings()
    except ValueError as error:
        raise InitError(f"OfficeRnD settings: {error}") from None
    hint = SANDBOX_HINT if settings.is_sandbox else "check the OFFICERND_* variables"
    for url in dict.fromkeys((settings.api_url, settings.auth_url)):
        problem = _probe(url)
        if problem:
            raise InitError(f"OfficeRnD is unreachable at {url} ({problem}): {hint}")
    scopes = tuple(sorted({collection(name).scope for name in COLLECTIONS}))
    records = {}
    try:
        with OfficeRnDClient(settings, scopes=scopes) as client:
            for name in COLLECTIONS:
                records[name] = client.fetch_all(name)
    except Exception as error:  # one line, whatever the client raised
        raise InitError(
            f"OfficeRnD at {settings.api_url} could not be read ({type(error).__name__}: "
            f"{str(error)[:300]}): {hint}"
        ) from None
    return OfficeRnDData(records, f"OfficeRnD API {settings.api_url}")


def visma_client(entity: str) -> VismaLister:
    """The client of the entity's Visma company, as doctor builds it."""
    from ornd_visma.visma import TokenStore, VismaClient, state_dir, visma_settings

    prefix = env_prefix_for(entity)
    try:
        settings = visma_settings(entity, prefix)
    except ValueError as error:
        raise InitError(f"Visma settings of entity {entity}: {error}") from None
    return VismaClient(settings, TokenStore(state_dir(), entity), max_attempts=2)


def read_visma(client: VismaLister, entity: str) -> VismaCatalogue:
    settings = getattr(client, "settings", None)
    url = getattr(settings, "api_url", "")
    sandbox = getattr(settings, "is_sandbox", False)
    if url:
        problem = _probe(url)
        if problem:
            hint = SANDBOX_HINT if sandbox else f"check the {env_prefix_for(entity)}_* variables"
            raise InitError(f"Visma (entity {entity}) is unreachable at {url} ({problem}): {hint}")
    try:
        return VismaCatalogue.read(client)
    except Exception as error:  # one line, whatever the client raised
        hint = SANDBOX_HINT if sandbox else f"check the {env_prefix_for(entity)}_* variables"
        raise InitError(
            f"Visma (entity {entity}) at {url or 'its API'} could not be read "
            f"({type(error).__name__}: {str(error)[:300]}): {hint}"
        ) from None


def summary(proposal: Proposal, out: Path) -> list[str]:
    lines = [
        f"init: wrote {out}: {len(proposal.locations)} locations, {len(proposal.floors)} floors, "
        f"{len(proposal.vat)} tax rates, {len(proposal.revenue)} revenue rules"
    ]
    if proposal.unmatched:
        lines.append(
            f"init: {len(proposal.unmatched)} NOT MATCHED, left out of the file (listed at its "
            "top); documents using them are held until you add them:"
        )
        lines += [f"  - {u.what}: {u.reason}" for u in proposal.unmatched]
    else:
        lines.append("init: everything the OfficeRnD data uses was matched")
    lines += [f"init: note: {note}" for note in proposal.notes]
    return lines


def run_init(
    out: Path | str,
    dataset: str | None = None,
    warehouse: str | None = None,
    entity: str = "main",
    force: bool = False,
    *,
    client: VismaLister | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """`ornd-visma init`; `client` replaces the entity's Visma client (tests)."""
    from ornd_visma.mapping.load import MappingError, load_mapping

    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    out = Path(out)
    own_client = client is None
    try:
        _check_arguments(out, dataset, entity, force)
        data = _read_officernd(dataset, warehouse)
        if client is None:
            client = visma_client(entity)
        catalogue = read_visma(client, entity)
        url = getattr(getattr(client, "settings", None), "api_url", "")
        proposal = propose(data, catalogue, entity, f"the {data.source} and Visma {url or entity}")
        write(out, proposal)
        mapping = load_mapping(out)
        print("\n".join(summary(proposal, out)), file=stdout)
        print(f"\ndoctor: mapping {out}", file=stdout)
        print(f"doctor: OfficeRnD data from the {data.source}", file=stdout)
        print(report(diagnose(mapping, data, {entity: client})), end="", file=stdout)
        return 0
    except InitError as error:
        print(f"ornd-visma init: {_one_line(str(error))}", file=stderr)
        return error.code
    except (MappingError, OSError) as error:
        print(f"ornd-visma init: {_one_line(str(error))}", file=stderr)
        return 1
    except Exception as error:  # a defect of ours: still one line, never a traceback
        print(
            f"ornd-visma init: failed ({type(error).__name__}: {_one_line(str(error))})",
            file=stderr,
        )
        return 1
    finally:
        if own_client and client is not None and hasattr(client, "close"):
            client.close()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _read_officernd(dataset: str | None, warehouse: str | None) -> OfficeRnDData:
    if dataset is not None:
        return read_dataset(Path(dataset))
    if warehouse is not None:
        try:
            return _read_warehouse(Path(warehouse))
        except FileNotFoundError as error:
            raise InitError(str(error), 2) from None
    return read_officernd_api()
