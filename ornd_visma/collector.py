"""Pausing Python's cyclic garbage collector while a step builds many objects that hold no
reference cycles (parsed JSON records, rows of a frame).

Every 700 new container objects start a young collection and, as survivors pile up, older
ones; while a list of tens of thousands of parsed records grows, the collector rescans it
over and over, and that cost grows faster than the number of records (staging the large
operator's payments spent three times as long per record in `orjson.loads` as the demo's).
Nothing made inside holds a cycle, so nothing is left uncollected: reference counting frees
it, and the collector runs as usual once the block ends.
"""

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused_collector() -> Iterator[None]:
    """No cyclic collection inside; the collector's state before is restored after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
