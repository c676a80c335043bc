"""A separate analyst process: holds the snapshot open read-only and queries the marts until
told to stop, then prints what it saw as JSON (one line)."""

import json
import sys
import time
from pathlib import Path

import duckdb

QUERY = "SELECT count(*), sum(mrr)::VARCHAR FROM marts.mrr_monthly"


def main(snapshot: str, stop: str) -> None:
    conn = duckdb.connect(snapshot, read_only=True)
    seen, errors, queries = set(), [], 0
    print("ready", flush=True)
    while True:
        try:
            seen.add(tuple(conn.execute(QUERY).fetchall()[0]))
        except duckdb.Error as error:  # pragma: no cover - reported to the test
            errors.append(str(error))
        queries += 1
        if Path(stop).exists():
            break
        time.sleep(0.05)
    conn.close()
    print(json.dumps({"queries": queries, "seen": sorted(seen), "errors": errors}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
