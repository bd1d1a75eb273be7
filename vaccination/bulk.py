"""Bulk work that builds many objects and keeps them: pause the cyclic collector.

Reading a roster file, importing it, or folding a site day's events allocates hundreds
of thousands of objects, none of them garbage yet and none in reference cycles; each
time the young generation fills, the collector would walk the whole growing heap again
(measured: a site day's 6,600 events parsed in 0.12-0.23 s with it, 0.04 s without).
Reference counting still frees everything; the collector runs again afterwards.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """No cyclic collection inside the block (reentrant: the outermost one resumes it)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
