"""Exact division for the marts' SQL, and the VAT return's whole-krona rule.

DuckDB divides DECIMALs in DOUBLE; a ratio of money must not go through a float. These rules
divide `Decimal`s and round half up (as `ornd_visma.money` does), and `registered` lends them
to a connection as SQL functions for the duration of a build:

* `money_div(a, b)` → `DECIMAL(18,2)`: ARPA, LTV, revenue per m² or per desk.
* `ratio_div(a, b)` → `DECIMAL(12,6)`: churn rates, NRR, occupancy (0.853214 = 85.3214 %).
* `fine_div(a, b)` → `DECIMAL(38,18)`: a ratio that feeds another division, so the published
  six-place rounding does not leak into it (LTV's trailing churn).

Both give NULL when either side is NULL or `b` is zero: a rate over nothing is undefined,
not zero.

* `declared_kronor(amount)` → `BIGINT`: a momsdeklaration box in whole kronor, öre dropped
  (`ornd_visma.vat.boxes.declared_kronor`).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal

import duckdb

from ornd_visma.vat.boxes import declared_kronor

MONEY_PLACES = 2
RATIO_PLACES = 6
FINE_PLACES = 18  # intermediate ratios that feed another division (LTV's trailing churn)


def divide(a: Decimal | int | None, b: Decimal | int | None, places: int) -> Decimal | None:
    """`a / b` rounded half up to `places` decimals; None when undefined."""
    if a is None or b is None or Decimal(b) == 0:
        return None
    if isinstance(a, float) or isinstance(b, float):
        raise TypeError(f"floats are refused: {a!r} / {b!r}")
    quantum = Decimal(1).scaleb(-places)
    return (Decimal(a) / Decimal(b)).quantize(quantum, rounding=ROUND_HALF_UP)


def money_div(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return divide(a, b, MONEY_PLACES)


def ratio_div(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return divide(a, b, RATIO_PLACES)


def fine_div(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return divide(a, b, FINE_PLACES)


@contextmanager
def registered(conn: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """`conn` with these functions, removed again on exit."""
    wide = duckdb.decimal_type(38, 10)
    functions = {
        "money_div": (money_div, duckdb.decimal_type(18, MONEY_PLACES)),
        "ratio_div": (ratio_div, duckdb.decimal_type(12, RATIO_PLACES)),
        "fine_div": (fine_div, duckdb.decimal_type(38, FINE_PLACES)),
    }
    for name, (function, returns) in functions.items():
        conn.create_function(name, function, [wide, wide], returns, null_handling="special")
    money = duckdb.decimal_type(18, MONEY_PLACES)
    conn.create_function(
        "declared_kronor", declared_kronor, [money], "BIGINT", null_handling="special"
    )
    try:
        yield conn
    finally:
        for name in [*functions, "declared_kronor"]:
            conn.remove_function(name)
