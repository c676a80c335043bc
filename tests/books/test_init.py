"""`ornd-visma init` end to end: the generated sandbox operator (`small_dir`) and the Visma
simulator give a mapping doctor finds no error in; the OfficeRnD API gives the same file as
the dataset; bad input is one line and a non-zero exit, never a traceback."""

from pathlib import Path

import pytest

from ornd_visma.cli import main
from ornd_visma.mapping import load_mapping
from ornd_visma.mapping.doctor import COLLECTIONS, diagnose, officernd_from_dataset
from ornd_visma.sandbox.officernd import OfficeRnDOptions, create_officernd_app
from ornd_visma.sandbox.server import running
from ornd_visma.sandbox.visma import VismaOptions
from ornd_visma.visma import TokenStore, VismaClient, VismaSettings
from tests.books.warehouse import staged_warehouse
from tests.conftest import UNLIMITED, read_collection
from tests.sandbox.visma_fixtures import harness

NOWHERE = "http://127.0.0.1:9"  # nothing listens on the discard port
VARIABLES = (
    "OFFICERND_CLIENT_ID",
    "OFFICERND_API_URL",
    "OFFICERND_AUTH_URL",
    "VISMA_CLIENT_ID",
    "VISMA_API_URL",
    "VISMA_AUTH_URL",
    "VISMA_REFRESH_TOKEN",
)


@pytest.fixture(scope="module")
def visma(tmp_path_factory):
    with harness(tmp_path_factory.mktemp("init_visma"), VismaOptions()) as h:
        yield h


@pytest.fixture
def env(monkeypatch, tmp_path, visma):
    """The sandbox settings, with Visma at the simulator and the token store in tmp_path."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VISMA_API_URL", f"{visma.url}/v2")
    monkeypatch.setenv("ORND_VISMA_STATE_DIR", str(tmp_path / "state"))
    return monkeypatch


def _one_line_error(capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err + captured.out
    return lines[0]


def test_init_on_the_sandbox_operator_gives_a_mapping_doctor_passes(
    env, small_dir, visma, tmp_path, capsys
):
    out = tmp_path / "mapping.yaml"
    assert main(["init", "--out", str(out), "--dataset", str(small_dir)]) == 0
    printed = capsys.readouterr().out
    # The generator's catalogue (ornd_visma/sandbox/generator/catalog.py) has a match for
    # everything by rule: six tax rates, thirteen revenue accounts, one location, one floor.
    assert "init: everything the OfficeRnD data uses was matched" in printed
    assert "doctor: 0 error(s)" in printed
    mapping = load_mapping(out)
    assert {code: (v.vat_code, v.vat_account) for code, v in mapping.vat.items()} == {
        "SE25": ("10", 2611),  # the simulator's 25 % output code, on 2611
        "SE12": ("11", 2621),
        "SE06": ("12", 2631),
        "SE00": ("00", None),  # "Försäljning 0 % (ingen moms)"
        "EXEMPT": ("42", None),  # "Momsfri försäljning"
        "RCEU": ("39", None),  # "... annat EU-land, omvänd betalningsskyldighet"
    }
    assert {r.revenue_account: (r.account, r.revenue_class) for r in mapping.revenue} == {
        "MEMBERSHIP": (3001, "membership"),  # 25 %
        "BOOKING": (3001, "booking_fee"),  # meeting rooms at 25 %: a conference service
        "EVENT-SPACE": (3001, "event_space"),
        "DAYPASS": (3001, "day_pass"),
        "VIRTUAL": (3001, "virtual_office"),
        "PRINTING": (3001, "printing"),
        "ONEOFF": (3001, "one_off_fee"),
        "ORDER": (3001, "order_fee"),
        "PARKING": (3590, "parking"),  # side income at 25 %
        "CATERING": (3002, "catering"),  # 12 %
        "EVENT-TICKETS": (3003, "event_ticket"),  # 6 %
        "OFFICE-RENT": (3911, "private_office"),  # exempt rent
        "DEPOSITS": (2420, "deposit"),  # a liability
    }
    assert all(r.tax_rate is None for r in mapping.revenue)  # one rate per account
    assert (mapping.reverse_charge.vat_code, mapping.reverse_charge.account) == ("39", 3308)
    assert mapping.locations["STH"].cost_center_item == "STH"  # no items yet: from the code
    assert {k: v.cost_center_item for k, v in mapping.floors.items()} == {"STH/Plan 1": "STH-P1"}
    # doctor, as `ornd-visma doctor` runs it, on the written file
    client = VismaClient(
        VismaSettings("main", f"{visma.url}/v2", visma.url, "sandbox", "sandbox"),
        TokenStore(tmp_path / "tokens", "main"),
    )
    with client:
        findings = diagnose(mapping, officernd_from_dataset(small_dir), {"main": client})
    assert [f.what for f in findings if f.severity == "error"] == []

    # Run again: the file is there, so init refuses without --force and replaces it with.
    assert main(["init", "--out", str(out), "--dataset", str(small_dir)]) == 2
    assert _one_line_error(capsys) == f"ornd-visma init: {out} exists: pass --force to replace it"
    first = out.read_text(encoding="utf-8")
    assert main(["init", "--out", str(out), "--dataset", str(small_dir), "--force"]) == 0
    assert out.read_text(encoding="utf-8") == first


def test_the_officernd_api_gives_the_same_mapping_as_the_dataset(env, small_dir, tmp_path, capsys):
    app = create_officernd_app(small_dir, tmp_path / "officernd", OfficeRnDOptions(**UNLIMITED))
    from_dataset, from_api = tmp_path / "dataset.yaml", tmp_path / "api.yaml"
    assert main(["init", "--out", str(from_dataset), "--dataset", str(small_dir)]) == 0
    with running(app) as url:
        env.setenv("OFFICERND_API_URL", f"{url}/api/v2")
        env.setenv("OFFICERND_AUTH_URL", url)
        assert main(["init", "--out", str(from_api)]) == 0
    assert "OfficeRnD data from the OfficeRnD API" in capsys.readouterr().out
    assert load_mapping(from_api) == load_mapping(from_dataset)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--out", "{tmp}/missing/m.yaml"], "the directory {tmp}/missing of --out does not exist"),
        (["--out", "{tmp}"], "{tmp} is a directory: --out names the mapping file to write"),
        (
            ["--out", "{tmp}/m.yaml", "--dataset", "{tmp}/nothing"],
            "the dataset directory {tmp}/nothing does not exist",
        ),
        (
            ["--out", "{tmp}/m.yaml", "--warehouse", "{tmp}/no.duckdb"],
            "no readable warehouse at {tmp}/no.duckdb: run the pipeline first, or pass "
            "--dataset DIR",
        ),
        (
            ["--out", "{tmp}/m.yaml", "--entity", "two words"],
            "--entity 'two words': use letters, digits, _ and - (e.g. main)",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(env, tmp_path, capsys, arguments, message):
    arguments = [a.format(tmp=tmp_path) for a in arguments]
    assert main(["init", *arguments]) == 2
    assert _one_line_error(capsys) == "ornd-visma init: " + message.format(tmp=tmp_path)
    assert not (tmp_path / "m.yaml").exists()


def test_an_empty_dataset_directory_is_bad_input(env, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["init", "--out", str(tmp_path / "m.yaml"), "--dataset", str(tmp_path / "empty")])
    assert "has none of locations.json" in _one_line_error(capsys)


def test_officernd_out_of_reach_is_named_with_the_sandbox_hint(env, tmp_path, capsys):
    env.setenv("OFFICERND_API_URL", f"{NOWHERE}/api/v2")
    env.setenv("OFFICERND_AUTH_URL", NOWHERE)
    assert main(["init", "--out", str(tmp_path / "m.yaml")]) == 1
    line = _one_line_error(capsys)
    assert line.startswith(f"ornd-visma init: OfficeRnD is unreachable at {NOWHERE}/api/v2 (")
    assert line.endswith("start it with `ornd-visma sandbox --dataset DIR --state DIR`")
    assert not (tmp_path / "m.yaml").exists()


def test_visma_out_of_reach_is_named_with_the_sandbox_hint(env, small_dir, tmp_path, capsys):
    env.setenv("VISMA_API_URL", f"{NOWHERE}/v2")
    out = tmp_path / "m.yaml"
    assert main(["init", "--out", str(out), "--dataset", str(small_dir)]) == 1
    line = _one_line_error(capsys)
    assert line.startswith(f"ornd-visma init: Visma (entity main) is unreachable at {NOWHERE}/v2")
    assert line.endswith("start it with `ornd-visma sandbox --dataset DIR --state DIR`")
    assert not out.exists()


def test_a_half_configured_visma_is_one_line(env, small_dir, tmp_path, capsys):
    env.setenv("VISMA_CLIENT_ID", "app")  # without VISMA_CLIENT_SECRET / VISMA_REFRESH_TOKEN
    assert main(["init", "--out", str(Path(tmp_path) / "m.yaml"), "--dataset", str(small_dir)])
    assert "VISMA_CLIENT_ID is set but" in _one_line_error(capsys)


def test_the_staged_warehouse_gives_the_same_mapping_as_the_dataset(env, small_dir, tmp_path):
    collections = {name: read_collection(small_dir, name) for name in COLLECTIONS}
    staged_warehouse(tmp_path / "wh.duckdb", collections).close()
    from_dataset, from_warehouse = tmp_path / "dataset.yaml", tmp_path / "warehouse.yaml"
    assert main(["init", "--out", str(from_dataset), "--dataset", str(small_dir)]) == 0
    warehouse = str(tmp_path / "wh.duckdb")
    assert main(["init", "--out", str(from_warehouse), "--warehouse", warehouse]) == 0
    assert load_mapping(from_warehouse) == load_mapping(from_dataset)


def test_a_dataset_file_of_the_wrong_shape_is_one_line(env, tmp_path, capsys):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "locations.json").write_text('{"_id": "l1"}', encoding="utf-8")
    assert main(["init", "--out", str(tmp_path / "m.yaml"), "--dataset", str(tmp_path / "d")]) == 2
    assert _one_line_error(capsys) == (
        f"ornd-visma init: {tmp_path}/d/locations.json is not a JSON array of objects"
    )
