"""The windows of one organization's read, all streams together: the pages each slicer has left to
cut (a window's size counts the other streams' too) and the windows cut and not closed yet.

BILL's 3 request slots are per organization, so each organization read in a sync
(`organization_reads.py`) has windows of its own.

The sync has `OPEN_WINDOWS` windows being read at once (one reader more than BILL's slots: while
one handles the page it just received, three are on the wire), and `WINDOWS_READY` more cut, its
first page in hand. Few windows at once keep each one walking at most of a slot's pace (a large
window among twenty walked at a seventh of one and finished alone at the end).
"""

from __future__ import annotations

import threading

#: Windows being read at once, all streams together, and cut ahead of them (each keeps its first page
#: in memory until its reader starts): one more reader than BILL's request slots, so that a reader busy
#: with the page it just received leaves no slot idle.
OPEN_WINDOWS = 4
WINDOWS_READY = 1
#: A window read for longer than this is no longer waited for (a window whose read failed never closes).
_WAIT_FOR_READERS_SECONDS = 20.0


class SyncWindows:
    """The windows of the sync: the pages each slicer has left to cut, and the windows cut and not
    closed yet.

    Every windowed stream of a sync shares `OPEN_WINDOWS` walks (plus `WINDOWS_READY` cut ahead):
    BILL's 3 slots are shared by all streams, and each open window walks at its share of them, so a
    large window among many open ones would walk slowly and finish alone at the end of the sync.
    """

    def __init__(self) -> None:
        self._left: dict[int, float] = {}  # id() of a slicer cutting windows -> its pages left to cut
        self._open: set[int] = set()  # id() of the windows cut and not closed yet
        self._changed = threading.Condition()

    def reset(self) -> None:
        """Forget the windows of an earlier sync in this process (one that failed leaves some open)."""
        with self._changed:
            self._open.clear()
            self._changed.notify_all()

    def add(self, slicer: object) -> None:
        with self._changed:
            self._left[id(slicer)] = 0.0

    def remove(self, slicer: object) -> None:
        with self._changed:
            self._left.pop(id(slicer), None)

    def left_elsewhere(self, slicer: object, pages: float) -> float:
        """Note that `slicer` has about `pages` pages left to cut; the pages the others have left."""
        with self._changed:
            self._left[id(slicer)] = pages
            return sum(left for key, left in self._left.items() if key != id(slicer))

    def opened(self, window: object) -> None:
        with self._changed:
            self._open.add(id(window))

    def closed(self, window: object) -> None:
        with self._changed:
            self._open.discard(id(window))
            self._changed.notify_all()

    def wait_for_room(self) -> bool:
        """Wait until fewer windows are open than walked at once plus those cut ahead (False after
        `_WAIT_FOR_READERS_SECONDS`: a window whose read failed is never closed)."""
        with self._changed:
            return self._changed.wait_for(
                lambda: len(self._open) < OPEN_WINDOWS + WINDOWS_READY, _WAIT_FOR_READERS_SECONDS
            )


_windows: dict[str, SyncWindows] = {}
_windows_lock = threading.Lock()


def windows_of(key: str) -> SyncWindows:
    """The windows of one organization's read (`key`: its API root and credentials, the key of its
    request slots), shared by every slicer of that read."""
    with _windows_lock:
        found = _windows.get(key)
        if found is None:
            found = _windows[key] = SyncWindows()
        return found
