"""The emulator's state: one SQLite database (a file with --db, in memory otherwise).

Objects live as JSON documents in one generic `records` table, with the columns every BILL
object shares (id, createdTime, updatedTime, archived) pulled out for indexing. Credentials and
sessions have tables of their own. All access goes through one lock, so the HTTP server and
Python callers (tests, notebooks) can share an instance.

Watchers (`watch`) hear of every object of the kinds they name that is inserted, replaced or deleted
through this class: once its transaction commits (never when it rolls back), or at once outside one.
Webhook events are made that way, without the families knowing of them.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import orjson

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL,
    scope TEXT NOT NULL,
    id TEXT NOT NULL,
    parent_id TEXT,
    created_time TEXT NOT NULL,
    updated_time TEXT NOT NULL,
    archived INTEGER NOT NULL DEFAULT 0,
    body TEXT NOT NULL,
    UNIQUE (kind, id)
);
CREATE INDEX IF NOT EXISTS records_by_created ON records (kind, scope, created_time, id);
CREATE INDEX IF NOT EXISTS records_by_updated ON records (kind, scope, updated_time, id);
CREATE INDEX IF NOT EXISTS records_by_parent ON records (kind, parent_id);
CREATE TABLE IF NOT EXISTS credentials (
    kind TEXT NOT NULL,
    principal TEXT NOT NULL,
    secret TEXT NOT NULL,
    scope TEXT NOT NULL DEFAULT '',
    user_id TEXT,
    PRIMARY KEY (kind, principal, scope)
);
CREATE TABLE IF NOT EXISTS sessions (
    session_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    scope TEXT NOT NULL,
    user_id TEXT,
    created REAL NOT NULL,
    last_used REAL NOT NULL,
    expires_at REAL,
    trusted INTEGER NOT NULL DEFAULT 0,
    alive INTEGER NOT NULL DEFAULT 1
);
"""


log = logging.getLogger("bill_emulator")


@dataclass(frozen=True)
class Change:
    """One object written: `before` is None when it was created, `after` None when it was deleted."""

    kind: str
    scope: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


Watcher = Callable[[list[Change]], None]


@dataclass(frozen=True)
class Row:
    kind: str
    scope: str
    id: str
    parent_id: str | None
    body: dict[str, Any]


class Store:
    """Thread-safe access to the emulator database."""

    def __init__(self, path: str | None = None) -> None:
        self.path = path or ":memory:"
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA page_size=16384")  # large JSON rows read faster from big pages
        self._conn.execute("PRAGMA journal_mode=WAL" if path else "PRAGMA journal_mode=MEMORY")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)
        self._lock = threading.RLock()
        self._depth = 0
        self._watchers: list[tuple[frozenset[str], Watcher]] = []
        self._watched: frozenset[str] = frozenset()
        self._pending: list[Change] = []  # changes of the open transaction, told on commit

    # -- watchers -------------------------------------------------------------------------
    def watch(self, kinds: Iterable[str], watcher: Watcher) -> None:
        """Tell `watcher` of every change to an object of these kinds from now on (see the module)."""
        with self._lock:
            wanted = frozenset(kinds)
            self._watchers.append((wanted, watcher))
            self._watched |= wanted

    def _note(self, changes: list[Change]) -> list[Change]:
        """Under the lock, after a write: changes inside a transaction wait for its commit; the ones
        returned (outside a transaction) are told by the writer once it let go of the lock."""
        if self._depth:
            self._pending.extend(changes)
            return []
        return changes

    def _tell(self, changes: list[Change]) -> None:
        """Hand committed changes to their watchers. Called without the lock held by this thread's
        write; a watcher's failure is logged, never the writer's."""
        if not changes:
            return
        for kinds, watcher in list(self._watchers):
            mine = [change for change in changes if change.kind in kinds]
            if mine:
                try:
                    watcher(mine)
                except Exception:
                    log.exception("a store watcher failed")

    # -- transactions -------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together or not at all (nesting joins the outer one)."""
        committed: list[Change] = []
        with self._lock:
            if self._depth == 0:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if self._depth == 0:
                    self._conn.execute("ROLLBACK")
                    self._pending = []
                raise
            self._depth -= 1
            if self._depth == 0:
                self._conn.execute("COMMIT")
                committed, self._pending = self._pending, []
        self._tell(committed)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- meta ---------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        rows = self.execute("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        self.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # -- records ------------------------------------------------------------------------
    def insert(self, kind: str, scope: str, body: dict[str, Any], parent_id: str | None = None) -> None:
        self.insert_many(kind, scope, [body], parent_id=parent_id)

    def insert_many(
        self, kind: str, scope: str, bodies: Iterable[dict[str, Any]], parent_id: str | None = None
    ) -> None:
        watched = kind in self._watched
        rows = [
            (
                kind,
                scope,
                body["id"],
                parent_id if parent_id is not None else body.get("_parent"),
                body.get("createdTime") or "",
                body.get("updatedTime") or body.get("createdTime") or "",
                1 if _is_archived(body) else 0,
                orjson.dumps(
                    {k: v for k, v in body.items() if k != "_parent"} if "_parent" in body else body
                ).decode(),
            )
            for body in bodies
        ]
        with self._lock:
            self._conn.executemany(
                "INSERT INTO records (kind, scope, id, parent_id, created_time, updated_time, archived, body)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            told = self._note(
                [Change(kind, scope, None, orjson.loads(row[-1])) for row in rows] if watched else []
            )
        self._tell(told)

    def replace(self, kind: str, body: dict[str, Any]) -> None:
        """Store a new version of an existing object (same kind and id)."""
        text = orjson.dumps(body).decode()
        with self._lock:
            old = self._old(kind, body["id"]) if kind in self._watched else None
            cursor = self._conn.execute(
                "UPDATE records SET updated_time = ?, archived = ?, body = ? WHERE kind = ? AND id = ?",
                (
                    body.get("updatedTime") or body.get("createdTime") or "",
                    1 if _is_archived(body) else 0,
                    text,
                    kind,
                    body["id"],
                ),
            )
            if cursor.rowcount != 1:
                raise KeyError(f"{kind} {body['id']} does not exist")
            told = self._note([Change(kind, old[0], old[1], orjson.loads(text))] if old is not None else [])
        self._tell(told)

    def _old(self, kind: str, object_id: str) -> tuple[str, dict[str, Any]] | None:
        """The scope and stored body of an object about to change (for watchers)."""
        rows = self._conn.execute(
            "SELECT scope, body FROM records WHERE kind = ? AND id = ?", (kind, object_id)
        ).fetchall()
        return (rows[0][0], orjson.loads(rows[0][1])) if rows else None

    def delete(self, kind: str, object_id: str) -> bool:
        with self._lock:
            old = self._old(kind, object_id) if kind in self._watched else None
            deleted = (
                self._conn.execute(
                    "DELETE FROM records WHERE kind = ? AND id = ?", (kind, object_id)
                ).rowcount
                == 1
            )
            told = self._note([Change(kind, old[0], old[1], None)] if old is not None and deleted else [])
        self._tell(told)
        return deleted

    def get(self, kind: str, object_id: str) -> Row | None:
        """The object, or None. An id that is not a string (a list or object sent in a JSON body where
        an id belongs) names no object."""
        if not isinstance(object_id, str):
            return None
        rows = self.execute(
            "SELECT scope, parent_id, body FROM records WHERE kind = ? AND id = ?", (kind, object_id)
        )
        if not rows:
            return None
        scope, parent_id, body = rows[0]
        return Row(kind, scope, object_id, parent_id, orjson.loads(body))

    def find(self, kind: str, scope: str | None = None, parent_id: str | None = None) -> list[Row]:
        """Every object of a kind (optionally in one scope or under one parent), in creation order."""
        sql = "SELECT scope, id, parent_id, body FROM records WHERE kind = ?"
        params: list[Any] = [kind]
        if scope is not None:
            sql += " AND scope = ?"
            params.append(scope)
        if parent_id is not None:
            sql += " AND parent_id = ?"
            params.append(parent_id)
        sql += " ORDER BY created_time, id"
        return [Row(kind, s, i, p, orjson.loads(b)) for s, i, p, b in self.execute(sql, params)]

    def count(self, kind: str, scope: str | None = None) -> int:
        if scope is None:
            return self.execute("SELECT count(*) FROM records WHERE kind = ?", (kind,))[0][0]
        return self.execute("SELECT count(*) FROM records WHERE kind = ? AND scope = ?", (kind, scope))[0][0]

    def select_bodies(self, sql: str, params: Sequence[Any]) -> list[tuple[str, ...]]:
        """Run a prepared list query (see query.py); rows are raw JSON text plus sort keys."""
        return self.execute(sql, params)

    # -- credentials & sessions ------------------------------------------------------------
    def add_credential(
        self, kind: str, principal: str, secret: str, scope: str = "", user_id: str | None = None
    ) -> None:
        self.execute(
            "INSERT OR REPLACE INTO credentials (kind, principal, secret, scope, user_id) VALUES (?, ?, ?, ?, ?)",
            (kind, principal, secret, scope, user_id),
        )

    def remove_credential(self, kind: str, principal: str, scope: str = "") -> bool:
        """Forget one credential; whether there was one."""
        with self._lock:
            cursor = self._conn.execute(
                "DELETE FROM credentials WHERE kind = ? AND principal = ? AND scope = ?",
                (kind, principal, scope),
            )
            return cursor.rowcount == 1

    def credentials(self, kind: str, principal: str | None = None) -> list[tuple[str, str, str, str | None]]:
        """(principal, secret, scope, user_id) rows of a kind."""
        if principal is None:
            return self.execute(
                "SELECT principal, secret, scope, user_id FROM credentials WHERE kind = ? ORDER BY principal, scope",
                (kind,),
            )
        return self.execute(
            "SELECT principal, secret, scope, user_id FROM credentials WHERE kind = ? AND principal = ?",
            (kind, principal),
        )


def _is_archived(body: dict[str, Any]) -> bool:
    return bool(body.get("archived") or body.get("retired"))
