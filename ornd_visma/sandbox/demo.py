"""The README's first command: generate a dataset, start the sandbox, read everything back
through the real HTTP client and show what is there."""

from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from ornd_visma.config import sandbox_officernd
from ornd_visma.officernd.client import OfficeRnDClient
from ornd_visma.officernd.collections import COLLECTIONS
from ornd_visma.sandbox.dataset import read_dataset, read_defects, write_dataset
from ornd_visma.sandbox.generator import generate
from ornd_visma.sandbox.officernd import create_officernd_app
from ornd_visma.sandbox.server import running


@dataclass
class DemoReport:
    rows: list[tuple[str, int, int, int]]  # collection, in dataset, fetched, requests
    documents: Counter
    vat_totals: dict[tuple[str, str], tuple[Decimal, Decimal]]  # (type, tax rate) -> (net, vat)
    inconsistent: list[str]
    token_requests: int
    retries: int
    defects: int


def run_demo(workdir: Path, scale: str, seed: int, defect_rate: float = 0.0) -> DemoReport:
    dataset_dir = workdir / "dataset"
    dataset = generate(scale, seed, defect_rate)
    write_dataset(dataset_dir, dataset.collections, dataset.defects)
    on_disk = read_dataset(dataset_dir)
    app = create_officernd_app(dataset_dir, workdir / "state")
    with running(app) as base_url:
        port = int(base_url.rsplit(":", 1)[1])
        with OfficeRnDClient(sandbox_officernd(port)) as client:
            fetched = {c.name: client.fetch_all(c.name) for c in COLLECTIONS}
            stats = client.stats
    rows = [
        (c.name, len(on_disk[c.name]), len(fetched[c.name]), stats.by_collection.get(c.name, 0))
        for c in COLLECTIONS
    ]
    documents: Counter = Counter()
    vat: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 2)
    tax_names = {rate["_id"]: rate["name"] for rate in fetched["tax-rates"]}
    inconsistent = []
    for doc in fetched["payments"]:
        documents[(doc["documentType"], doc["status"])] += 1
        if doc["status"] == "voided":
            continue
        lines_net = sum(Decimal(str(line["subTotal"])) for line in doc["lines"])
        lines_vat = sum(Decimal(str(line["taxAmount"])) for line in doc["lines"])
        if lines_net + lines_vat != Decimal(str(doc["total"])):
            inconsistent.append(doc["number"])
        for line in doc["lines"]:
            key = (doc["documentType"], tax_names.get(line["taxRate"], "(no tax rate)"))
            vat[key][0] += Decimal(str(line["subTotal"]))
            vat[key][1] += Decimal(str(line["taxAmount"]))
    return DemoReport(
        rows,
        documents,
        {k: tuple(v) for k, v in sorted(vat.items())},
        inconsistent,
        stats.token_requests,
        stats.retries,
        len(read_defects(dataset_dir)),
    )


def format_report(report: DemoReport) -> str:
    out = [
        "OfficeRnD sandbox, read back over HTTP:",
        "",
        f"  {'collection':<18}{'in dataset':>12}{'fetched':>10}{'requests':>10}",
    ]
    for name, on_disk, fetched, requests in report.rows:
        flag = "" if on_disk == fetched else "  <-- mismatch"
        out.append(f"  {name:<18}{on_disk:>12}{fetched:>10}{requests:>10}{flag}")
    out.append(
        f"  token requests: {report.token_requests}; requests retried after 429/5xx: "
        f"{report.retries}"
    )
    out += ["", "Documents (type, status):"]
    out += [
        f"  {kind:<11}{status:<18}{count:>6}"
        for (kind, status), count in sorted(report.documents.items())
    ]
    out += [
        "",
        "Net and VAT per tax rate (SEK, excluding voided):",
        f"  {'type':<11}{'tax rate':<28}{'net':>16}{'VAT':>14}",
    ]
    out += [
        f"  {kind:<11}{rate:<28}{net:>16,.2f}{vat:>14,.2f}"
        for (kind, rate), (net, vat) in report.vat_totals.items()
    ]
    verdict = (
        "every document's lines + VAT equal its total, to the öre"
        if not report.inconsistent
        else f"{len(report.inconsistent)} documents do not add up: "
        + ", ".join(report.inconsistent[:10])
    )
    out += ["", verdict]
    if report.defects:
        out.append(f"{report.defects} planted defects are listed in dataset/defects.json")
    return "\n".join(out)
