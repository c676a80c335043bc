"""Any type in any field: a wrong type, a null, a huge or odd unicode value planted in any
column of any collection (values as the raw layer's JSON parser gives them: a huge integer is
a float) never breaks validation; the planted record is quarantined with a
reason naming it (or, where the value is still of the column's kind, staged with that kind),
and every other record ends where it ended without the plant."""

import copy
from datetime import date, datetime
from decimal import Decimal

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ornd_visma.validation import References, validate
from ornd_visma.validation.columns import COLUMNS
from tests.conftest import read_collection

HOSTILE = [
    None, 12345, -1, 0, 1e29, -1e29, 1.5, 1.23456789, True, False, "", " ", "x" * 20_000,
    "😀\u202eevil\u202c\x00\x1b[31m", "\r\n\t", "2026-13-45", "NaN", "Infinity", [], {},
    ["a", 1], {"nested": {"deep": [None]}}, "000000000000000000000000",
]  # fmt: skip
KINDS = {
    "id": str, "str": str, "bool": bool, "int": int, "money": Decimal, "number": Decimal,
    "date": date, "timestamp": datetime,
}  # fmt: skip
LIMITS = {"money": Decimal(10) ** 16, "number": Decimal(10) ** 14, "int": 2**63}
SAMPLE = 6  # records per collection


def _plant(record: dict, source: str, value) -> dict:
    planted = copy.deepcopy(record)
    node = planted
    *path, last = source.split(".")
    for step in path:
        if not isinstance(node.get(step), dict):
            node[step] = {}
        node = node[step]
    node[last] = value
    return planted


def _id_of(payload) -> object:
    record = orjson.loads(payload) if isinstance(payload, str | bytes) else payload
    return record.get("_id") if isinstance(record, dict) else None


def _outcome(result) -> tuple[set, set]:
    valid = {str(i) for i in result.valid["payload"].map(_id_of)}
    bad = (
        {str(i) for i in result.quarantined["record_id"]} if not result.quarantined.empty else set()
    )
    return valid, bad


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_hostile_value_in_any_column_is_quarantined_or_typed(small_dir, data):
    collection = data.draw(st.sampled_from(sorted(COLUMNS)), label="collection")
    records = read_collection(small_dir, collection.replace("_", "-"))[:SAMPLE]
    if not records:
        return
    column = data.draw(st.sampled_from(COLUMNS[collection]), label="column")
    value = data.draw(st.sampled_from(HOSTILE), label="value")
    index = data.draw(st.integers(0, len(records) - 1), label="record")
    planted = list(records)
    planted[index] = _plant(records[index], column.source, value)
    target = planted[index].get("_id")  # the record as it now is: its id may be the plant

    before = validate(collection, records, References())
    after = validate(collection, planted, References())  # never raises

    target = str(target)
    valid_before, _ = _outcome(before)
    valid_after, bad_after = _outcome(after)
    others = {str(r.get("_id")) for i, r in enumerate(records) if i != index}
    # every other record ends where it ended without the plant (ids may repeat in a sample:
    # a duplicated id is quarantined with its twin, so compare those that are unique)
    unique = {i for i in others if sum(str(r.get("_id")) == i for r in records) == 1} - {target}
    assert {i for i in unique if i in valid_after} == {i for i in unique if i in valid_before}
    if target in valid_after and target not in bad_after:
        row = after.valid[after.valid["payload"].map(lambda p: str(_id_of(p))) == str(target)]
        typed = row.iloc[0][column.name]
        # staged means typed: the value has the column's kind and fits its DuckDB type
        # (DECIMAL(18, 2) below 10^16, DECIMAL(18, 4) below 10^14, BIGINT), or is missing
        missing = typed is None or typed != typed
        assert missing or isinstance(typed, KINDS[column.kind])
        if not missing and column.kind in LIMITS:
            assert abs(typed) < LIMITS[column.kind], (column.name, typed)
    else:
        reasons = " ".join(after.quarantined["reason"].astype(str))
        # the reason names the record: by its id, or a document by its number
        names = {target[:80], str(planted[index].get("number"))[:80]}
        assert any(name in reasons for name in names), (names, reasons[:300])
