"""SQLite storage of the sandbox org's records, one table per object.

Every SQL statement here is built from the schema's own identifiers; values travel as
parameters only. Deletes are soft (``IsDeleted`` = 1) so ``queryAll`` can see them.
"""

import functools
import logging
import re
import sqlite3

from tornsf.sandbox import ids
from tornsf.sandbox.schema import Schema, SObject

log = logging.getLogger(__name__)


def quote(identifier: str) -> str:
    """Quote a schema identifier for SQL; identifiers never come from request text."""
    return '"%s"' % identifier


@functools.lru_cache(maxsize=256)
def _like_regex(pattern: str) -> re.Pattern:
    """Compile a SOQL LIKE pattern: ``%`` and ``_`` are wildcards, ``\\%`` and ``\\_`` literal."""
    parts = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            parts.append(re.escape(pattern[index + 1]))
            index += 2
            continue
        parts.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        index += 1
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def _soql_like(value, pattern) -> int:
    if value is None or pattern is None:
        return 0
    return int(_like_regex(pattern).fullmatch(str(value)) is not None)


def _soql_nocase(left: str, right: str) -> int:
    left, right = left.casefold(), right.casefold()
    return (left > right) - (left < right)


class Store:
    """The record tables of one sandbox org.

    Args:
        schema: the org's objects.
        path: SQLite file (opened in WAL mode), or None for a private in-memory database.
    """

    def __init__(self, schema: Schema, path: str | None = None):
        self.schema = schema
        self.db = sqlite3.connect(path or ":memory:", isolation_level=None, check_same_thread=False)
        self.db.create_function("soql_like", 2, _soql_like, deterministic=True)
        self.db.create_collation("soql_nocase", _soql_nocase)
        if path:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
        self._create_tables()
        self.next_seq = {sobject.name: self._max_seq(sobject) + 1 for sobject in schema.sobjects}
        self._statements = {sobject.name: self._build_statements(sobject) for sobject in schema.sobjects}

    def close(self):
        self.db.close()

    def _create_tables(self):
        for sobject in self.schema.sobjects:
            columns = ", ".join(
                "%s %s" % (quote(field.name), field.sql_type) for field in sobject.fields if field.name != "Id"
            )
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS %s (_seq INTEGER PRIMARY KEY, \"Id\" TEXT NOT NULL UNIQUE, %s)"
                % (quote(sobject.table), columns)
            )
            for field in sobject.fields:
                if field.type == "reference" and field.name not in ("CreatedById", "LastModifiedById"):
                    self.db.execute(
                        "CREATE INDEX IF NOT EXISTS %s ON %s (%s)"
                        % (quote("ix_%s_%s" % (sobject.name, field.name)), quote(sobject.table), quote(field.name))
                    )

    def _max_seq(self, sobject: SObject) -> int:
        row = self.db.execute("SELECT max(_seq) FROM %s" % quote(sobject.table)).fetchone()
        return row[0] or 0

    def _build_statements(self, sobject: SObject) -> dict:
        table = quote(sobject.table)
        names = sobject.field_names
        columns = ", ".join(quote(name) for name in names)
        return {
            "insert": "INSERT INTO %s (_seq, %s) VALUES (?, %s)" % (table, columns, ", ".join("?" * len(names))),
            "select": "SELECT %s FROM %s WHERE \"Id\" = ?" % (columns, table),
            "exists": "SELECT 1 FROM %s WHERE \"Id\" = ? AND \"IsDeleted\" = 0" % table
            if sobject.field("IsDeleted") else "SELECT 1 FROM %s WHERE \"Id\" = ?" % table,
        }

    def key_prefix(self, sobject_name: str) -> str:
        return self.schema.get(sobject_name).key_prefix

    def exists(self, sobject_name: str, id18: str) -> bool:
        """Whether a live (not deleted) record with ``id18`` exists."""
        statement = self._statements[self.schema.get(sobject_name).name]["exists"]
        return self.db.execute(statement, (id18,)).fetchone() is not None

    def count(self, sobject: SObject) -> int:
        return self.db.execute("SELECT count(*) FROM %s" % quote(sobject.table)).fetchone()[0]

    def get(self, sobject: SObject, id18: str) -> dict | None:
        """Return the stored values of a record, deleted or not, keyed by field name."""
        row = self.db.execute(self._statements[sobject.name]["select"], (id18,)).fetchone()
        if row is None:
            return None
        return dict(zip(sobject.field_names, row))

    def new_id(self, sobject: SObject) -> tuple[int, str]:
        seq = self.next_seq[sobject.name]
        self.next_seq[sobject.name] = seq + 1
        return seq, ids.make_id(sobject.key_prefix, seq)

    def insert(self, sobject: SObject, values: dict) -> str:
        """Insert one record whose ``values`` already hold every system field except Id."""
        seq, id18 = self.new_id(sobject)
        values = dict(values, Id=id18)
        row = [seq] + [values.get(name) for name in sobject.field_names]
        self.db.execute(self._statements[sobject.name]["insert"], row)
        return id18

    def insert_many(self, sobject: SObject, records) -> list:
        """Insert records (dicts of stored values, system fields included) in one transaction."""
        rows = []
        new_ids = []
        for values in records:
            seq, id18 = self.new_id(sobject)
            values = dict(values, Id=id18)
            rows.append([seq] + [values.get(name) for name in sobject.field_names])
            new_ids.append(id18)
        with self.transaction():
            self.db.executemany(self._statements[sobject.name]["insert"], rows)
        return new_ids

    def update(self, sobject: SObject, id18: str, values: dict):
        assignments = ", ".join("%s = ?" % quote(name) for name in values)
        self.db.execute(
            "UPDATE %s SET %s WHERE \"Id\" = ?" % (quote(sobject.table), assignments),
            list(values.values()) + [id18],
        )

    def soft_delete(self, sobject: SObject, id18: str, audit: dict):
        """Mark a record deleted, with the children Salesforce deletes along with it.

        Deleting an Account deletes its Contacts and Opportunities, as in Salesforce.
        """
        with self.transaction():
            self.update(sobject, id18, dict(audit, IsDeleted=1))
            if sobject.name != "Account":
                return
            for child_name in ("Contact", "Opportunity"):
                child = self.schema.get(child_name)
                assignments = ", ".join("%s = ?" % quote(name) for name in audit)
                self.db.execute(
                    "UPDATE %s SET \"IsDeleted\" = 1, %s WHERE \"AccountId\" = ? AND \"IsDeleted\" = 0"
                    % (quote(child.table), assignments),
                    list(audit.values()) + [id18],
                )

    def transaction(self):
        return _Transaction(self.db)


class _Transaction:
    """``BEGIN`` ... ``COMMIT`` (or ``ROLLBACK`` on error) on an autocommit connection."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN")
        return self.db

    def __exit__(self, exc_type, exc, traceback):
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
        return False
