"""Markdown previews: a hostile value cannot end its cell or row (ornd_visma/preview.py)."""

from decimal import Decimal

import duckdb
import pandas as pd

from ornd_visma.preview import CELL_MAX, Preview, cell, records_markdown


def test_a_cell_is_one_line_with_pipes_and_backslashes_escaped():
    assert cell("a|b") == "a\\|b"
    assert cell("C:\\x") == "C:\\\\x"
    assert cell("two\nlines\r\n") == "two lines"
    assert cell(None) == "" and cell(float("nan")) == ""
    assert cell(Decimal("12.50")) == "12.50"
    assert cell("x" * 200) == "x" * CELL_MAX


def test_a_query_preview_keeps_its_table_shape_whatever_the_values():
    conn = duckdb.connect()
    conn.execute("CREATE TABLE t (id VARCHAR, name VARCHAR, amount DECIMAL(18, 2))")
    conn.execute("INSERT INTO t VALUES ('a', 'Acme | AB\n| x | y |', 1.5), ('b', NULL, NULL)")
    md = Preview.of_query(conn, "SELECT * FROM t ORDER BY id").markdown()
    assert md.splitlines() == [
        "| id | name | amount |",
        "|---|---|---|",
        "| a | Acme \\| AB \\| x \\| y \\| | 1.50 |",
        "| b |  |  |",
    ]


def test_a_frame_preview_counts_what_it_left_out():
    frame = pd.DataFrame({"id": ["a", "b", "c"]})
    preview = Preview.of_frame(frame, 2)
    assert preview.rows == (("a",), ("b",)) and preview.more == 1  # 3 rows - 2 shown
    assert preview.markdown().endswith("… and 1 more")
    assert Preview.of_frame(frame.head(0), 2).markdown(empty="(empty)") == "(empty)"


def test_records_markdown_is_none_for_no_records():
    assert records_markdown([]) == "(none)"
    assert records_markdown([{"n": 1}, {"n": 2}], limit=1).splitlines()[:3] == [
        "| n |",
        "|---|",
        "| 1 |",
    ]
