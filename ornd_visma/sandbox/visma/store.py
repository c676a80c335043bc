"""What the simulated Visma holds, in memory and in SQLite under `state_dir/visma/`.

Every collection ("customers", "vouchers", ...) is a dict of documents by id, kept in creation
order. A request's changes are made inside `transaction()`: on an exception they are undone in
memory; on success they are written to `visma.sqlite3` in one SQLite transaction (WAL
journal), so a crash or restart keeps exactly what was answered as accepted (or stored before
a deliberately dropped connection). Documents are stored as JSON; amounts go out as JSON
numbers and come back as `Decimal` (never float arithmetic).

Documents are treated as immutable values: code that changes one puts a new dict.
"""

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

DB_NAME = "visma.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    collection TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (collection, id));
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def jsonable(value: Any) -> Any:
    """Decimals as JSON numbers (int when whole, else the shortest float text, which is exact
    for amounts of a few decimals); containers converted recursively."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def dumps(value: Any) -> str:
    return json.dumps(jsonable(value), ensure_ascii=False, separators=(",", ":"))


def loads(text: str) -> Any:
    return json.loads(text, parse_float=Decimal)


def db_path(state_dir: Path) -> Path:
    return Path(state_dir) / "visma" / DB_NAME


class Store:
    def __init__(self, state_dir: Path, readonly: bool = False) -> None:
        path = db_path(state_dir)
        self.readonly = readonly
        if readonly:  # inspection: never written to (WAL readers need the -shm file writable)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
        self.lock = threading.RLock()
        self._docs: dict[str, dict[str, dict[str, Any]]] = {}
        self._seq: dict[tuple[str, str], int] = {}
        self._meta: dict[str, Any] = {}
        self._undo: list[tuple[str, Any, Any]] | None = None
        self._dirty: set[tuple[str, str]] = set()
        self._meta_dirty: set[str] = set()
        self._next_seq = 1
        self._load()

    def _load(self) -> None:
        rows = self._db.execute("SELECT collection, id, seq, body FROM docs ORDER BY seq")
        for collection, ident, seq, body in rows:
            self._docs.setdefault(collection, {})[ident] = loads(body)
            self._seq[(collection, ident)] = seq
            self._next_seq = max(self._next_seq, seq + 1)
        for key, value in self._db.execute("SELECT key, value FROM meta"):
            self._meta[key] = loads(value)

    def close(self) -> None:
        self._db.close()

    # --- reading ---------------------------------------------------------------------------

    def get(self, collection: str, ident: str | None) -> dict[str, Any] | None:
        if not ident:
            return None
        return self._docs.get(collection, {}).get(str(ident).lower())

    def all(self, collection: str) -> list[dict[str, Any]]:
        return list(self._docs.get(collection, {}).values())

    def meta(self, key: str, default: Any = None) -> Any:
        return self._meta.get(key, default)

    # --- writing (inside a transaction) ---------------------------------------------------

    def put(self, collection: str, doc: dict[str, Any], ident: str | None = None) -> dict[str, Any]:
        """Store `doc` under `ident` (default: its `Id`)."""
        ident = str(ident if ident is not None else doc["Id"]).lower()
        table = self._docs.setdefault(collection, {})
        self._record(("doc", (collection, ident), table.get(ident)))
        table[ident] = doc
        if (collection, ident) not in self._seq:
            self._seq[(collection, ident)] = self._next_seq
            self._next_seq += 1
        self._dirty.add((collection, ident))
        return doc

    def delete(self, collection: str, ident: str) -> None:
        ident = ident.lower()
        table = self._docs.get(collection, {})
        if ident in table:
            self._record(("doc", (collection, ident), table[ident]))
            del table[ident]
            self._dirty.add((collection, ident))

    def set_meta(self, key: str, value: Any) -> None:
        self._record(("meta", key, self._meta.get(key)))
        self._meta[key] = value
        self._meta_dirty.add(key)

    def next_number(self, key: str, start: int = 1) -> int:
        """The next value of counter `key` (first `start`), counted up."""
        value = int(self._meta.get(key, start))
        self.set_meta(key, value + 1)
        return value

    def _record(self, entry: tuple[str, Any, Any]) -> None:
        if self.readonly:
            raise RuntimeError("the store was opened read-only")
        if self._undo is None:
            raise RuntimeError("store changes need a transaction()")
        self._undo.append(entry)

    @contextlib.contextmanager
    def transaction(self) -> Iterator["Store"]:
        """Group changes: all are persisted together, or none survive an exception."""
        with self.lock:
            if self._undo is not None:  # nested: part of the outer one
                yield self
                return
            self._undo = []
            try:
                yield self
            except BaseException:
                self._rollback()
                raise
            else:
                self._flush()
            finally:
                self._undo = None

    def _rollback(self) -> None:
        for kind, key, previous in reversed(self._undo or []):
            if kind == "doc":
                collection, ident = key
                table = self._docs.setdefault(collection, {})
                if previous is None:
                    table.pop(ident, None)
                else:
                    table[ident] = previous
            elif previous is None:
                self._meta.pop(key, None)
            else:
                self._meta[key] = previous
        self._dirty.clear()
        self._meta_dirty.clear()

    def _flush(self) -> None:
        if not self._dirty and not self._meta_dirty:
            return
        db = self._db
        db.execute("BEGIN")
        try:
            for collection, ident in self._dirty:
                doc = self._docs.get(collection, {}).get(ident)
                if doc is None:
                    db.execute("DELETE FROM docs WHERE collection=? AND id=?", (collection, ident))
                else:
                    db.execute(
                        "INSERT OR REPLACE INTO docs (collection, id, seq, body) "
                        "VALUES (?, ?, ?, ?)",
                        (collection, ident, self._seq[(collection, ident)], dumps(doc)),
                    )
            for key in self._meta_dirty:
                db.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                    (key, dumps(self._meta[key])),
                )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        finally:
            self._dirty.clear()
            self._meta_dirty.clear()
