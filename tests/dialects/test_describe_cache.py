"""Unit tests of the per-worker describe cache: expiry, LRU bound and shared loads."""

import asyncio

import pytest

from tornsf.handlers.describe import DescribeCache, trim_describe
from tests.dialects.samples import ACCOUNT_DESCRIBE


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_cache_reuses_until_expiry():
    clock = Clock()
    cache = DescribeCache(ttl=60, clock=clock)
    loads = []

    async def load():
        loads.append(clock.now)
        return len(loads)

    async def scenario():
        assert await cache.get("k", load) == 1
        clock.now += 59
        assert await cache.get("k", load) == 1
        clock.now += 2
        assert await cache.get("k", load) == 2

    asyncio.run(scenario())
    assert len(loads) == 2


def test_concurrent_misses_share_one_load():
    cache = DescribeCache()
    calls = 0

    async def load():
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return "value"

    async def scenario():
        return await asyncio.gather(*(cache.get("k", load) for _ in range(5)))

    assert asyncio.run(scenario()) == ["value"] * 5
    assert calls == 1


def test_failed_load_is_not_cached():
    cache = DescribeCache()
    attempts = 0

    async def load():
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise RuntimeError("upstream down")
        return "ok"

    async def scenario():
        with pytest.raises(RuntimeError):
            await cache.get("k", load)
        return await cache.get("k", load)

    assert asyncio.run(scenario()) == "ok"
    assert attempts == 2


def test_least_recently_used_entries_go_first():
    cache = DescribeCache(max_entries=2)

    async def scenario():
        for key in ("a", "b"):
            await cache.get(key, lambda key=key: asyncio.sleep(0, result=key))
        await cache.get("a", lambda: asyncio.sleep(0, result="stale"))
        await cache.get("c", lambda: asyncio.sleep(0, result="c"))
        return await cache.get("b", lambda: asyncio.sleep(0, result="reloaded"))

    assert asyncio.run(scenario()) == "reloaded"


def test_trim_keeps_what_lookups_read():
    trimmed = trim_describe(dict(ACCOUNT_DESCRIBE, label="Account", urls={}))

    assert trimmed["name"] == "Account"
    assert trimmed["fields"][0] == {"name": "Id", "type": "id", "createable": False, "updateable": False,
                                    "filterable": True, "sortable": True, "nillable": True}
    assert trimmed["childRelationships"] == [{"relationshipName": "Contacts"}, {"relationshipName": "Opportunities"}]
