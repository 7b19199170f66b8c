"""Single-flight refresh of Salesforce sessions, one registry per worker.

With refresh token rotation on, presenting a refresh token that was already
rotated out makes Salesforce revoke the whole session, so concurrent requests
of one session must never refresh twice.  Requests that hit an expired token
while a refresh of the same refresh token runs wait for it, and requests that
were sent before a refresh that has already finished reuse its result.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import hashlib
import logging
import time
from typing import Any

from tornsf.salesforce.oauth import request_token

logger = logging.getLogger(__name__)

# How long a finished refresh is reused by requests still carrying the old
# tokens (clients that sent several requests before the renewed cookie
# reached them).  Entries are dropped oldest first beyond the maximum.
REUSE_SECONDS = 600.0
MAX_REMEMBERED = 10000


def _key(refresh_token: str) -> str:
    """Return the registry key of a refresh token; the token itself is not kept as a key."""
    return hashlib.sha256(refresh_token.encode("utf-8")).hexdigest()


class RefreshRegistry:
    """Refreshes in flight and recently finished, keyed by refresh token."""

    # The registry lives in one worker process.  ``shared`` (a SharedRefreshes,
    # when the proxy runs several workers) extends the single flight to every
    # worker of this proxy; see tornsf.salesforce.shared_refresh for what it
    # cannot cover.

    def __init__(self, client: Any, shared: Any = None):
        self.client = client
        self.shared = shared
        self._running: dict[str, asyncio.Future] = {}
        self._finished: collections.OrderedDict[str, tuple[float, Any]] = collections.OrderedDict()

    async def refresh(self, session: Any) -> tuple[Any, bool]:
        """Return a renewed copy of ``session`` and whether it was reused from an earlier refresh.

        A reused session may have expired since, so the caller may refresh it
        once more if Salesforce rejects it.  Raises ``OAuthError`` when
        Salesforce rejects the refresh token and ``UpstreamError`` when the
        token endpoint cannot be used.
        """
        key = _key(session.refresh_token)

        renewed = self._recent_result(key, session)
        if renewed is not None:
            logger.debug("Reusing a refresh that finished after this request was sent")
            return renewed, True

        task = self._running.get(key)
        if task is None:
            task = asyncio.ensure_future(self._refresh_once(key, session))
            self._running[key] = task
            task.add_done_callback(lambda done: self._settle(key, done))

        # shield: one waiter giving up must not cancel the refresh the others wait for.
        return await asyncio.shield(task)

    async def _refresh_once(self, key: str, session: Any) -> tuple[Any, bool]:
        if self.shared is None:
            return await self._request_refresh(session), False
        return await self.shared.refresh(key, session, self._request_refresh)

    def _recent_result(self, key: str, session: Any) -> Any:
        entry = self._finished.get(key)
        if entry is None:
            return None

        finished_at, renewed = entry
        if time.monotonic() - finished_at > REUSE_SECONDS:
            del self._finished[key]
            return None

        # The renewed token failing too means it expired in turn: refresh again.
        if renewed.access_token == session.access_token:
            return None
        return renewed

    def _settle(self, key: str, task: asyncio.Future) -> None:
        self._running.pop(key, None)
        if task.cancelled() or task.exception() is not None:
            return

        self._finished[key] = (time.monotonic(), task.result()[0])
        self._finished.move_to_end(key)
        while len(self._finished) > MAX_REMEMBERED:
            self._finished.popitem(last=False)

    async def _request_refresh(self, session: Any) -> Any:
        fields = {"grant_type": "refresh_token", "refresh_token": session.refresh_token}
        token = await request_token(self.client, session.login_url, fields)

        logger.info("Refreshed the Salesforce session of user %s", session.user_id)
        return dataclasses.replace(
            session,
            access_token=token["access_token"],
            # Salesforce returns a refresh token only when rotation is on; the
            # old one stays valid otherwise.
            refresh_token=token.get("refresh_token") or session.refresh_token,
            instance_url=token.get("instance_url") or session.instance_url,
            issued_at=str(token.get("issued_at") or session.issued_at),
        )
