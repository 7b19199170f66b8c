"""SOQL execution: a parsed query is compiled to SQLite SQL with parameters, then paged.

A query first fetches the ordered row numbers of every matching record. Each result
page then reads the records of one slice of those numbers. The row numbers are kept
under a query locator, so ``nextRecordsUrl`` pages stay stable while records change.
"""

import collections
import dataclasses
import datetime
import json
import logging
import random

from tornsf.sandbox import dates, ids, soql, values
from tornsf.sandbox.errors import ApiError
from tornsf.sandbox.records import record_url
from tornsf.sandbox.schema import NUMBER_TYPES, TEXT_TYPES, Field, Schema, SObject
from tornsf.sandbox.store import Store, quote

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 2000
MIN_BATCH_SIZE = 200
MAX_OFFSET = 2000
MAX_CURSORS = 200

_NO_SUCH_COLUMN = (
    "No such column '%s' on entity '%s'. If you are attempting to use a custom field, be sure to append the "
    "'__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."
)
_NO_SUCH_RELATIONSHIP = (
    "Didn't understand relationship '%s' in field path. If you are attempting to use a custom relationship, be "
    "sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe "
    "call for the appropriate names."
)


@dataclasses.dataclass
class Node:
    """One object in a result record: the queried object or a parent reached by a relationship."""

    sobject: SObject
    alias: str
    id_column: int
    name: str = ""
    entries: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Plan:
    """A compiled query: SQL fragments, their parameters and the shape of a result record."""

    sobject: SObject
    root: Node
    columns: list
    joins: list
    where_sql: str
    where_params: list
    order_sql: str
    limit: int | None
    offset: int | None
    count_only: bool
    aggregates: list


class Compiler:
    """Compile a parsed :class:`soql.Query` against the schema."""

    def __init__(self, schema: Schema, query: soql.Query, include_deleted: bool, today: datetime.date):
        self.schema = schema
        self.query = query
        self.include_deleted = include_deleted
        self.today = today
        self.columns = []
        self.joins = []
        self.params = []
        self.nodes = {}

        sobject = schema.get(query.sobject.text)
        if sobject is None:
            raise soql.soql_error(
                "INVALID_TYPE", query.text, query.sobject.position,
                "sObject type '%s' is not supported. If you are attempting to use a custom object, be sure to append "
                "the '__c' after the entity name. Please reference your WSDL or the describe call for the "
                "appropriate names." % query.sobject.text,
            )
        self.sobject = sobject
        self.root = self.node_for((), sobject, "t0")

    def error(self, code: str, token: soql.Token, message: str) -> ApiError:
        return soql.soql_error(code, self.query.text, token.position, message)

    def node_for(self, path: tuple, sobject: SObject, alias: str) -> Node:
        node = self.nodes.get(path)
        if node is None:
            node = Node(sobject, alias, self.add_column('%s."Id"' % alias))
            self.nodes[path] = node
        return node

    def add_column(self, sql: str) -> int:
        self.columns.append(sql)
        return len(self.columns) - 1

    def resolve(self, path: soql.FieldPath) -> tuple:
        """Return ``(node chain, field)`` for a field path, adding the joins it needs."""
        parts = list(path.parts)
        if len(parts) > 1 and self._is_self_prefix(parts[0]):
            parts.pop(0)

        chain = [self.root]
        key = ()
        for part in parts[:-1]:
            parent = chain[-1]
            reference = parent.sobject.relationships.get(part.lower())
            if reference is None:
                raise self.error("INVALID_FIELD", path.token, _NO_SUCH_RELATIONSHIP % part)
            key += (reference.relationship_name,)
            chain.append(self._join(key, parent, reference))

        field = chain[-1].sobject.field(parts[-1])
        if field is None:
            raise self.error("INVALID_FIELD", path.token, _NO_SUCH_COLUMN % (path.text, chain[-1].sobject.name))
        return chain, field

    def _is_self_prefix(self, part: str) -> bool:
        lowered = part.lower()
        if self.query.alias and lowered == self.query.alias.lower():
            return True
        return lowered == self.sobject.name.lower() and lowered not in self.sobject.relationships

    def _join(self, key: tuple, parent: Node, reference: Field) -> Node:
        if key in self.nodes:
            return self.nodes[key]
        target = self.schema.get(reference.reference_to[0])
        alias = "j%d" % len(self.joins)
        self.joins.append('LEFT JOIN %s AS %s ON %s."Id" = %s.%s'
                          % (quote(target.table), alias, alias, parent.alias, quote(reference.name)))
        node = self.node_for(key, target, alias)
        node.name = reference.relationship_name
        return node

    def column_sql(self, path: soql.FieldPath) -> tuple:
        chain, field = self.resolve(path)
        return "%s.%s" % (chain[-1].alias, quote(field.name)), field

    def compile(self) -> Plan:
        aggregates = self.compile_select()
        where_sql = self.compile_where()
        order_sql = self.compile_order()
        if self.query.offset is not None and self.query.offset > MAX_OFFSET:
            raise ApiError(400, "NUMBER_OUTSIDE_VALID_RANGE", "Maximum SOQL offset allowed is %d" % MAX_OFFSET)
        return Plan(self.sobject, self.root, self.columns, self.joins, where_sql, self.params, order_sql,
                    self.query.limit, self.query.offset, self.query.count_only, aggregates)

    def compile_select(self) -> list:
        aggregates = []
        plain = []
        unnamed = 0
        for item in self.query.select:
            if isinstance(item, soql.Aggregate):
                if not self.query.count_only:
                    # Aggregates without an alias are named expr0, expr1, ... in select order.
                    aggregates.append(self.compile_aggregate(item, unnamed))
                    unnamed += item.alias is None
            else:
                plain.append(item)

        if aggregates and plain:
            raise self.error("MALFORMED_QUERY", plain[0].token, "Field must be grouped or aggregated: %s"
                             % plain[0].text)
        for item in plain:
            self.add_select_field(item)
        return aggregates

    def add_select_field(self, path: soql.FieldPath):
        chain, field = self.resolve(path)
        for parent, child in zip(chain, chain[1:]):
            parent.entries.setdefault(child.name, child)

        leaf = chain[-1]
        if field.name in leaf.entries:
            raise self.error("MALFORMED_QUERY", path.token, "duplicate field selected: %s" % path.text)
        leaf.entries[field.name] = (field, self.add_column("%s.%s" % (leaf.alias, quote(field.name))))

    def compile_aggregate(self, item: soql.Aggregate, number: int) -> tuple:
        name = item.alias or "expr%d" % number
        if item.field is None:
            return name, "count(*)", None

        column, field = self.column_sql(item.field)
        if item.function in ("SUM", "AVG") and field.type not in NUMBER_TYPES:
            raise self.error("MALFORMED_QUERY", item.field.token, "field %s does not support aggregate operator %s"
                             % (item.field.text, item.function))
        function = {"COUNT_DISTINCT": "count(DISTINCT %s)"}.get(item.function, item.function.lower() + "(%s)")
        return name, function % column, None if item.function in ("COUNT", "COUNT_DISTINCT") else field

    def compile_where(self) -> str:
        filters = []
        if not self.include_deleted and self.sobject.field("IsDeleted"):
            filters.append('t0."IsDeleted" = 0')
        if self.query.where is not None:
            filters.append(self.compile_condition(self.query.where))
        return " AND ".join(filters) or "1"

    def compile_condition(self, node) -> str:
        if isinstance(node, soql.BoolOp):
            return "(%s)" % (" %s " % node.operator).join(self.compile_condition(item) for item in node.items)
        if isinstance(node, soql.Not):
            return "NOT (%s)" % self.compile_condition(node.item)
        if isinstance(node, soql.InList):
            return self.compile_in(node)
        return self.compile_comparison(node)

    def compile_comparison(self, node: soql.Comparison) -> str:
        column, field = self.column_sql(node.field)
        literal = node.value

        if literal.kind == "null":
            if node.operator not in ("=", "!="):
                raise self.error("MALFORMED_QUERY", literal.token, "unexpected token: null")
            return "%s IS %sNULL" % (column, "" if node.operator == "=" else "NOT ")

        if node.operator == "LIKE":
            if field.type not in TEXT_TYPES or literal.kind != "string":
                raise self.error("INVALID_QUERY_FILTER_OPERATOR", node.field.token,
                                 "invalid operator on %s field: LIKE" % field.type)
            self.params.append(literal.like_pattern)
            return "soql_like(%s, ?)" % column

        if literal.kind == "date_literal":
            return self.compile_date_range(column, field, node.operator, literal)

        self.params.append(self.typed_value(field, literal))
        collate = self.collation(field)
        if node.operator == "!=":
            return "(%s IS NULL OR %s != ?%s)" % (column, column, collate)
        return "(%s IS NOT NULL AND %s %s ?%s)" % (column, column, node.operator, collate)

    def compile_in(self, node: soql.InList) -> str:
        column, field = self.column_sql(node.field)
        has_null = any(literal.kind == "null" for literal in node.values)
        typed = [self.typed_value(field, literal) for literal in node.values if literal.kind != "null"]
        self.params.extend(typed)

        members = "%s%s IN (%s)" % (column, self.collation(field), ", ".join("?" * len(typed))) if typed else "0"
        if node.negated:
            null_test = "IS NOT NULL AND" if has_null else "IS NULL OR"
            return "(%s %s NOT %s)" % (column, null_test, members)
        return "(%s IS NULL OR %s)" % (column, members) if has_null else "(%s IS NOT NULL AND %s)" % (column, members)

    def compile_date_range(self, column: str, field: Field, operator: str, literal: soql.Literal) -> str:
        name, count = literal.value
        bounds = dates.date_range(name.upper(), count, self.today)
        if bounds is None:
            raise self.error("MALFORMED_QUERY", literal.token, "unexpected token: %s" % literal.token.text)
        if field.type not in ("date", "datetime"):
            raise self.error("INVALID_QUERY_FILTER_OPERATOR", literal.token,
                             "value of filter criterion for field '%s' must be of type %s and should not be "
                             "enclosed in quotes" % (field.name, field.type))

        start, end = (day.isoformat() + ("T00:00:00.000+0000" if field.type == "datetime" else "") for day in bounds)
        tests = {
            "=": ("(%s >= ? AND %s < ?)", [start, end]),
            "!=": ("(%s IS NULL OR %s < ? OR %s >= ?)", [start, end]),
            "<": ("(%s IS NOT NULL AND %s < ?)", [start]),
            "<=": ("(%s IS NOT NULL AND %s < ?)", [end]),
            ">": ("(%s IS NOT NULL AND %s >= ?)", [end]),
            ">=": ("(%s IS NOT NULL AND %s >= ?)", [start]),
        }
        template, params = tests[operator]
        self.params.extend(params)
        return template.replace("%s", column)

    @staticmethod
    def collation(field: Field) -> str:
        """String comparisons in SOQL ignore case, except on ids."""
        if field.type in TEXT_TYPES and field.type not in ("id", "reference"):
            return " COLLATE soql_nocase"
        return ""

    def typed_value(self, field: Field, literal: soql.Literal):
        """Check that ``literal`` suits ``field`` and return it in the field's stored form."""
        kind = literal.kind
        if field.type in ("id", "reference") and kind == "string":
            id18 = ids.normalize_id(literal.value or "")
            if id18 is None:
                raise self.error("INVALID_QUERY_FILTER_OPERATOR", literal.token, "invalid ID field: %s" % literal.value)
            return id18
        if field.type in TEXT_TYPES and kind == "string":
            if literal.value is None:
                raise self.error("MALFORMED_QUERY", literal.token, "Invalid string literal %s. Illegal character "
                                 "sequence in string literal." % literal.token.text)
            return literal.value
        if field.type == "boolean" and kind == "boolean":
            return int(literal.value)
        if field.type in NUMBER_TYPES and kind == "number":
            return literal.value
        if field.type == "date" and kind == "date":
            if values.parse_date(literal.value) is None:
                raise self.error("MALFORMED_QUERY", literal.token, "line 1:%d no viable alternative at character '%s'"
                                 % (literal.token.position, literal.value))
            return literal.value
        if field.type == "datetime" and kind == "datetime":
            moment = values.parse_datetime(literal.value)
            if moment is None:
                raise self.error("MALFORMED_QUERY", literal.token, "unexpected token: %s" % literal.value)
            return values.format_datetime(moment)

        quoted = " and should not be enclosed in quotes" if kind == "string" else ""
        raise self.error("INVALID_QUERY_FILTER_OPERATOR", literal.token,
                         "value of filter criterion for field '%s' must be of type %s%s"
                         % (field.name, field.type, quoted))

    def compile_order(self) -> str:
        terms = []
        for item in self.query.order_by:
            column, field = self.column_sql(item.field)
            # Salesforce sorts English-locale text by its upper-cased UTF-8 value. NOCASE
            # folds ASCII letters only and orders the rest by code point (as UTF-8 does).
            # NOTE: non-ASCII letters that differ only in case ("ä", "Ä") sort apart here.
            collate = " COLLATE NOCASE" if self.collation(field) else ""
            terms.append("%s%s %s NULLS %s" % (column, collate, "DESC" if item.descending else "ASC",
                                               "FIRST" if item.nulls_first else "LAST"))
        terms.append("t0._seq")
        return ", ".join(terms)


@dataclasses.dataclass
class Cursor:
    plan: Plan
    seqs: list
    batch_size: int


def parse_batch_size(header: str | None) -> int:
    """Read ``batchSize`` from a ``Sforce-Query-Options`` header, clamped to 200..2000.

    Salesforce documents the header as a hint with those bounds, so values outside them
    are clamped rather than rejected.
    """
    if not header:
        return DEFAULT_BATCH_SIZE
    for option in header.split(","):
        name, _, value = option.strip().partition("=")
        if name.strip() == "batchSize" and value.strip().isdigit():
            return min(max(int(value.strip()), MIN_BATCH_SIZE), DEFAULT_BATCH_SIZE)
    return DEFAULT_BATCH_SIZE


class QueryEngine:
    """Run SOQL queries against a :class:`Store` and serve their result pages."""

    def __init__(self, store: Store, schema: Schema):
        self.store = store
        self.schema = schema
        self.cursors = collections.OrderedDict()
        self.random = random.Random()

    def run(self, text: str, version: str, include_deleted: bool, batch_size: int) -> dict:
        """Execute ``text`` and return the first page of results."""
        query = soql.parse(text)
        today = datetime.datetime.now(datetime.timezone.utc).date()
        plan = Compiler(self.schema, query, include_deleted, today).compile()

        if plan.count_only:
            return {"totalSize": self._count(plan), "done": True, "records": []}
        if plan.aggregates:
            return self._aggregate(plan)

        seqs = self._matching_seqs(plan)
        cursor = Cursor(plan, seqs, batch_size)
        locator = None
        if len(seqs) > batch_size:
            locator = self._store_cursor(cursor)
        return self._page(cursor, locator, 0, version)

    def more(self, locator: str, offset: int, version: str, batch_size: int | None) -> dict:
        """Return the page of a stored query that starts at ``offset``."""
        cursor = self.cursors.get(locator)
        if cursor is None or not 0 <= offset < len(cursor.seqs):
            raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        self.cursors.move_to_end(locator)
        if batch_size is not None:
            cursor.batch_size = batch_size
        return self._page(cursor, locator, offset, version)

    def _from_sql(self, plan: Plan) -> str:
        return " ".join(["%s AS t0" % quote(plan.sobject.table)] + plan.joins)

    def _limit_params(self, plan: Plan) -> list:
        return [-1 if plan.limit is None else plan.limit, plan.offset or 0]

    def _count(self, plan: Plan) -> int:
        sql = "SELECT count(*) FROM (SELECT 1 FROM %s WHERE %s LIMIT ? OFFSET ?)" % (
            self._from_sql(plan), plan.where_sql)
        return self.store.db.execute(sql, plan.where_params + self._limit_params(plan)).fetchone()[0]

    def _aggregate(self, plan: Plan) -> dict:
        sql = "SELECT %s FROM %s WHERE %s" % (", ".join(item[1] for item in plan.aggregates),
                                              self._from_sql(plan), plan.where_sql)
        row = self.store.db.execute(sql, plan.where_params).fetchone()
        record = {"attributes": {"type": "AggregateResult"}}
        for (name, _, field), value in zip(plan.aggregates, row):
            record[name] = values.to_json(field, value) if field is not None else value
        return {"totalSize": 1, "done": True, "records": [record]}

    def _matching_seqs(self, plan: Plan) -> list:
        sql = "SELECT t0._seq FROM %s WHERE %s ORDER BY %s LIMIT ? OFFSET ?" % (
            self._from_sql(plan), plan.where_sql, plan.order_sql)
        rows = self.store.db.execute(sql, plan.where_params + self._limit_params(plan))
        return [row[0] for row in rows]

    def _store_cursor(self, cursor: Cursor) -> str:
        locator = ids.to18("01g" + "".join(self.random.choice(ids.BASE62) for _ in range(12)))
        self.cursors[locator] = cursor
        while len(self.cursors) > MAX_CURSORS:
            self.cursors.popitem(last=False)
        return locator

    def _page(self, cursor: Cursor, locator: str | None, offset: int, version: str) -> dict:
        chunk = cursor.seqs[offset:offset + cursor.batch_size]
        records = self._fetch(cursor.plan, chunk, version) if chunk else []
        end = offset + len(chunk)

        page = {"totalSize": len(cursor.seqs), "done": end >= len(cursor.seqs)}
        if not page["done"]:
            page["nextRecordsUrl"] = "/services/data/v%s/query/%s-%d" % (version, locator, end)
        page["records"] = records
        return page

    def _fetch(self, plan: Plan, seqs: list, version: str) -> list:
        sql = "SELECT %s FROM json_each(?) AS k JOIN %s AS t0 ON t0._seq = k.value %s ORDER BY k.key" % (
            ", ".join(plan.columns), quote(plan.sobject.table), " ".join(plan.joins))
        rows = self.store.db.execute(sql, [json.dumps(seqs)])
        return [shape(plan.root, row, version) for row in rows]


def shape(node: Node, row, version: str) -> dict | None:
    """Build the JSON of ``node`` from one result row; None when a parent lookup is empty."""
    record_id = row[node.id_column]
    if record_id is None:
        return None

    record = {"attributes": {"type": node.sobject.name, "url": record_url(version, node.sobject.name, record_id)}}
    for name, entry in node.entries.items():
        if isinstance(entry, Node):
            record[name] = shape(entry, row, version)
        else:
            field, column = entry
            record[name] = values.to_json(field, row[column])
    return record
