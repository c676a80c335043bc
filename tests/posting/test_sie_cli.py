"""`ornd-visma export-sie` on a warehouse the posting step filled (a dry run): bad input gets
one line and a non-zero exit, a hostile customer name a file the strict reader accepts, and
Visma's company, years and account names win when Visma answers."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ornd_visma.cli import main
from ornd_visma.mapping import SANDBOX_MAPPING, load_mapping
from ornd_visma.posting.poster import Poster
from ornd_visma.sandbox.visma import VismaOptions
from tests.posting.books import Books, Line
from tests.posting.sie_reader import read_sie
from tests.posting.sie_support import closed_port
from tests.sandbox.visma_fixtures import harness

D = Decimal
JUNE = (date(2026, 6, 1), date(2026, 7, 1))
HOSTILE = (
    'Ödman "\\x" AB\r\n#VER "A" 9 20260101 "boom"\t\x00\x1b[31m\u202eevil\u2066😀' + "x" * 2000
)


def fill(path, customer_name: str = "Åkesson & Ödman AB", account: int = 3001) -> None:
    conn = duckdb.connect(str(path))
    books = Books(conn)
    books.company("c1", customer_name)
    books.document("d1", "000001-STH", "c1", date(2026, 6, 10),
                   [Line(account, D("1000.00")), Line(3911, D("333.33"), D(0))])  # fmt: skip
    books.document("d2", "CN00001-GBG", "c1", date(2026, 6, 12),
                   [Line(3001, D("200.00"), location="GBG")], credit=True)  # fmt: skip
    Poster(conn, load_mapping(SANDBOX_MAPPING), None, dry_run=True).run(*JUNE)
    conn.close()


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A warehouse path, the state directory and a Visma nobody answers at."""
    path = tmp_path / "wh.duckdb"
    monkeypatch.setenv("ORND_VISMA_WAREHOUSE", str(path))
    monkeypatch.setenv("ORND_VISMA_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("VISMA_API_URL", f"http://127.0.0.1:{closed_port()}/v2")
    monkeypatch.delenv("ORND_VISMA_MAPPING", raising=False)
    return path


def export(tmp_path, *extra: str, out: str = "june.si") -> tuple[int, bytes | None]:
    target = tmp_path / out
    code = main(["export-sie", "--from", "2026-06-01", "--to", "2026-06-30",
                 "--out", str(target), *extra])  # fmt: skip
    return code, target.read_bytes() if target.is_file() else None


def test_a_hostile_customer_name_gives_a_file_the_strict_reader_accepts(env, tmp_path, capsys):
    fill(env, HOSTILE)
    code, data = export(tmp_path)
    assert code == 0 and data is not None
    sie = read_sie(data)
    assert (sie.company, sie.org_nr) == ("Sandbox Coworking AB", "559999-0001")  # the mapping
    invoice, credit = sie.vouchers
    assert invoice.text.startswith('Kundfaktura 000001-STH Ödman "\\x" AB #VER "A" 9 20260101 ')
    assert invoice.text.endswith("]") and "[ornd L-d1-" in invoice.text
    assert (invoice.number, credit.number) == (1, 2)
    streams = capsys.readouterr()
    assert "wrote 2 vouchers" in streams.out and "from the mapping" in streams.out
    assert "Visma (main) could not be asked" in streams.err  # said, not silent


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--from", "2026-07-01", "--to", "2026-06-30"],
            "--from 2026-07-01 is after --to 2026-06-30",
        ),
        (["--entity", "gbg"], "unknown entity 'gbg': the mapping has main"),
        (
            ["--from", "2026-08-01", "--to", "2026-08-31"],
            "no vouchers of entity main dated 2026-08-01 to 2026-08-31 in posting.outbox: nothing "
            "to export, no file written",
        ),
        (["--out", "missing/dir/june.si"], "the directory of --out"),
        (["--out", "."], "is a directory, not a file"),
        (["--series", "A B"], "--series 'A B' must be 1 to 10 letters or digits"),
    ],
)
def test_bad_input_gets_one_line_and_exit_1(env, tmp_path, capsys, monkeypatch, args, message):
    fill(env)
    monkeypatch.chdir(tmp_path)
    base = {"--from": "2026-06-01", "--to": "2026-06-30", "--out": "june.si"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    assert main(["export-sie", *[x for kv in base.items() for x in kv]]) == 1
    streams = capsys.readouterr()
    assert streams.err.startswith("export-sie: ") and message in streams.err
    assert streams.err.count("\n") == 1 and "Traceback" not in streams.err
    assert not (tmp_path / "june.si").exists()


def test_no_warehouse_no_outbox_and_an_unnamed_account(env, tmp_path, capsys):
    assert export(tmp_path) == (1, None)
    assert capsys.readouterr().err == (
        f"export-sie: no warehouse at {env}: run the pipeline (or a dry run) first\n"
    )
    duckdb.connect(str(env)).close()
    assert export(tmp_path) == (1, None)
    assert "no posting.outbox in the warehouse" in capsys.readouterr().err
    env.unlink()
    fill(env, account=3990)  # not in the BAS table, and Visma cannot be asked
    assert export(tmp_path, "--no-visma") == (1, None)
    err = capsys.readouterr().err
    assert (
        err.startswith("export-sie: account 3990 has no name for #KONTO") and "Traceback" not in err
    )
    conn = duckdb.connect(str(env))
    assert conn.execute("SELECT count(*) FROM posting.sie_numbers").fetchone() == (0,)
    conn.close()


def test_visma_names_the_company_its_years_and_accounts(env, tmp_path, monkeypatch, capsys):
    fill(env, account=3990)  # Visma's chart has 3990, the BAS table of the product does not
    mapping = tmp_path / "mapping.yaml"
    text = Path(SANDBOX_MAPPING).read_text()
    mapping.write_text(text.replace("fiscal_year_start_month: 1", "fiscal_year_start_month: 7"))
    monkeypatch.setenv("ORND_VISMA_MAPPING", str(mapping))
    with harness(tmp_path / "visma", VismaOptions(timeout_seconds=1.0)) as h:
        monkeypatch.setenv("VISMA_API_URL", f"{h.url}/v2")
        client = h.client()
        settings = client.get("/companysettings").json()
        client.put(
            "/companysettings", json={**settings, "Name": "Visma-namnet AB"}
        ).raise_for_status()
        code, data = export(tmp_path)
    assert code == 0, capsys.readouterr().err
    sie = read_sie(data)
    assert (sie.company, sie.org_nr) == ("Visma-namnet AB", "559999-0001")
    assert sie.address == ("", "Sveavägen 1", "11157 Stockholm", "08-123 456 78")
    assert sie.accounts[3990] == "Övriga ersättningar och intäkter"
    assert sie.years == {0: (date(2026, 1, 1), date(2026, 12, 31))}  # Visma's, not July's
    assert "from Visma (main)" in capsys.readouterr().out
