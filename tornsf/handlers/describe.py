"""Cached describe results for path resolution, body cleaning and list building.

Each worker keeps the SObject names of every instance it served (from
``GET /sobjects/``) and the field lists of the objects it touched (from
``GET /sobjects/<name>/describe``), each for ``DESCRIBE_TTL`` seconds.
Concurrent requests that miss the same entry share one Salesforce call.

Object names are cached per instance.  Field describes are cached per
instance and user, because field-level security makes ``createable`` and
``updateable`` differ between users of one org.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from typing import Any, Awaitable, Callable, Hashable, Optional

from dialects.resolve import SObjectNames

logger = logging.getLogger(__name__)

# Seconds a describe result is reused.  Schema changes (a new custom field)
# reach the proxy at most this late.
DESCRIBE_TTL = 300.0
# Entries kept per worker. The least recently used go first.
MAX_ENTRIES = 1000

# The describe members the dialect code reads. The rest is dropped to save memory.
_FIELD_KEYS = ("name", "type", "createable", "updateable", "filterable", "sortable", "relationshipName",
               "referenceTo", "nillable")


def trim_describe(describe: dict[str, Any]) -> dict[str, Any]:
    """Return the parts of an SObject describe that field lookups need."""
    return {
        "name": describe.get("name", ""),
        "fields": [{key: field.get(key) for key in _FIELD_KEYS if key in field} for field in describe.get("fields", [])],
        "childRelationships": [
            {"relationshipName": child.get("relationshipName")}
            for child in describe.get("childRelationships", []) if child.get("relationshipName")
        ],
    }


class DescribeCache:
    """A per-worker LRU cache with expiry and one in-flight load per key."""

    def __init__(self, ttl: float = DESCRIBE_TTL, max_entries: int = MAX_ENTRIES,
                 clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self._entries: collections.OrderedDict[Hashable, tuple[float, Any]] = collections.OrderedDict()
        self._loading: dict[Hashable, asyncio.Future] = {}

    async def get(self, key: Hashable, load: Callable[[], Awaitable[Any]]) -> Any:
        """Return the cached value of ``key``, calling ``load`` once if it is missing or expired."""
        entry = self._entries.get(key)
        if entry is not None and entry[0] > self.clock():
            self._entries.move_to_end(key)
            return entry[1]

        pending = self._loading.get(key)
        if pending is not None:
            return await asyncio.shield(pending)

        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._loading[key] = future
        try:
            value = await load()
        except BaseException as exc:
            future.set_exception(exc)
            # Retrieve the exception so that asyncio does not log it as never retrieved.
            future.exception()
            raise
        finally:
            del self._loading[key]

        future.set_result(value)
        self._store(key, value)
        return value

    def _store(self, key: Hashable, value: Any) -> None:
        self._entries[key] = (self.clock() + self.ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def forget(self, key: Hashable) -> None:
        self._entries.pop(key, None)


class DescribeMixin:
    """Describe look-ups for a handler that also has ``UpstreamMixin``."""

    def describe_cache(self) -> DescribeCache:
        cache: Optional[DescribeCache] = self.application.settings.get("tornsf_describe_cache")
        if cache is None:
            cache = DescribeCache()
            self.application.settings["tornsf_describe_cache"] = cache
        return cache

    async def sobject_names(self) -> SObjectNames:
        """Return the index of the org's SObject names (describe global, cached per instance)."""
        session = self.current_sf_session()

        async def load() -> SObjectNames:
            response = await self.call_salesforce("GET", self.salesforce.data_path("sobjects") + "/")
            return SObjectNames(self.salesforce_json(response))

        return await self.describe_cache().get(("names", session.instance_url), load)

    async def describe_sobject(self, sobject: str) -> dict[str, Any]:
        """Return the trimmed describe of ``sobject`` (cached per instance, user and object)."""
        session = self.current_sf_session()

        async def load() -> dict[str, Any]:
            path = self.salesforce.data_path("sobjects", sobject, "describe")
            response = await self.call_salesforce("GET", path)
            return trim_describe(self.salesforce_json(response))

        key = ("describe", session.instance_url, session.user_id, sobject)
        return await self.describe_cache().get(key, load)
