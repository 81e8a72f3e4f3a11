"""The emulator's state: one SQLite database (a file with --db, in memory otherwise).

Objects live as JSON documents in one generic `records` table, with the columns every BILL
object shares (id, createdTime, updatedTime, archived) pulled out for indexing. Credentials and
sessions have tables of their own. All access goes through one lock, so the HTTP server and
Python callers (tests, notebooks) can share an instance.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
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

    # -- transactions -------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together or not at all (nesting joins the outer one)."""
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
                raise
            self._depth -= 1
            if self._depth == 0:
                self._conn.execute("COMMIT")

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

    def replace(self, kind: str, body: dict[str, Any]) -> None:
        """Store a new version of an existing object (same kind and id)."""
        with self._lock:
            cursor = self._conn.execute(
                "UPDATE records SET updated_time = ?, archived = ?, body = ? WHERE kind = ? AND id = ?",
                (
                    body.get("updatedTime") or body.get("createdTime") or "",
                    1 if _is_archived(body) else 0,
                    orjson.dumps(body).decode(),
                    kind,
                    body["id"],
                ),
            )
            if cursor.rowcount != 1:
                raise KeyError(f"{kind} {body['id']} does not exist")

    def delete(self, kind: str, object_id: str) -> bool:
        with self._lock:
            return (
                self._conn.execute(
                    "DELETE FROM records WHERE kind = ? AND id = ?", (kind, object_id)
                ).rowcount
                == 1
            )

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
