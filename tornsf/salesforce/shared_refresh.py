"""Single-flight refresh across the worker processes of one proxy on one host.

With refresh token rotation on, two workers that refresh the same session at
the same moment make Salesforce revoke it.  The parent creates a private
directory (mode 0700) before forking, and a worker that needs a refresh:

1. takes an exclusive ``fcntl`` lock on ``<sha256 of the refresh token>.lock``
   in that directory, polling without blocking the event loop;
2. uses the result another worker left in ``<sha256>.session`` in the last
   ``SHARED_SECONDS``, if it carries a different access token than the one
   that just failed;
3. otherwise calls the token endpoint and leaves its result there, sealed
   with the session sealer (encrypted and signed under COOKIE_SECRET), so no
   token is ever stored in plain text.

Results older than ``SHARED_SECONDS`` are deleted by the next refresh, and the
parent removes the whole directory when it stops.

NOTE: this covers the workers of one proxy process tree.  Proxy instances on
several hosts (or several dynos) share no state, so with refresh token rotation
on, concurrent requests of one session that reach two instances can still each
refresh, and Salesforce then revokes the session.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import time
from typing import Any, Awaitable, Callable, Optional

from tornsf.session import SessionError

logger = logging.getLogger(__name__)

# How long a refresh result stays available to the other workers.
SHARED_SECONDS = 60.0
# Lock files of refresh tokens unused for this long are deleted.
LOCK_FILE_SECONDS = 600.0
# Pause between attempts to take a lock another worker holds.
LOCK_POLL_SECONDS = 0.02


class SharedRefreshes:
    """Refreshes coordinated through files in ``directory`` by every worker of one proxy."""

    def __init__(self, directory: str, sealer: Any, wait_timeout: float):
        self.directory = directory
        self.sealer = sealer
        self.wait_timeout = wait_timeout

    async def refresh(self, key: str, session: Any,
                      request_refresh: Callable[[Any], Awaitable[Any]]) -> tuple[Any, bool]:
        """Return a renewed session and whether another worker's result was reused.

        ``key`` names the refresh token (a hash); ``request_refresh`` calls the
        token endpoint and is only called while this worker holds the lock.
        """
        lock_fd = os.open(self._path(key, "lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            locked = await self._lock(lock_fd)
            try:
                shared = self._read_result(key, session)
                if shared is not None:
                    logger.debug("Reusing a refresh that another worker finished")
                    return shared, True

                renewed = await request_refresh(session)
                self._write_result(key, renewed)
                return renewed, False
            finally:
                if locked:
                    fcntl.flock(lock_fd, fcntl.LOCK_UN)
                self._remove_stale_files()
        finally:
            os.close(lock_fd)

    def _path(self, key: str, suffix: str) -> str:
        return os.path.join(self.directory, "%s.%s" % (key, suffix))

    async def _lock(self, lock_fd: int) -> bool:
        """Take the lock, polling so the event loop keeps serving; False if the wait timed out."""
        deadline = time.monotonic() + self.wait_timeout
        while True:
            try:
                fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                # A lock file in use is never old enough for _remove_stale_files.
                os.utime(lock_fd)
                return True
            except BlockingIOError:
                if time.monotonic() > deadline:
                    logger.warning("Waited %.0f s for another worker's session refresh; refreshing anyway",
                                   self.wait_timeout)
                    return False
                await asyncio.sleep(LOCK_POLL_SECONDS)

    def _read_result(self, key: str, session: Any) -> Optional[Any]:
        path = self._path(key, "session")
        try:
            if time.time() - os.stat(path).st_mtime > SHARED_SECONDS:
                return None
            with open(path, encoding="ascii") as result_file:
                renewed, _ = self.sealer.open(result_file.read())
        except FileNotFoundError:
            return None
        except (OSError, ValueError, SessionError) as exc:
            logger.warning("Ignoring an unreadable shared refresh result: %s", exc)
            return None

        # The same access token that just failed means the result expired in turn.
        if renewed.access_token == session.access_token:
            return None
        return renewed

    def _write_result(self, key: str, renewed: Any) -> None:
        path = self._path(key, "session")
        temporary = "%s.%d.tmp" % (path, os.getpid())
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as result_file:
                result_file.write(self.sealer.seal(renewed))
            os.replace(temporary, path)
        except OSError as exc:
            logger.warning("Could not share a refresh result with the other workers: %s", exc)

    def _remove_stale_files(self) -> None:
        now = time.time()
        try:
            entries = list(os.scandir(self.directory))
        except OSError:
            return

        for entry in entries:
            limit = LOCK_FILE_SECONDS if entry.name.endswith(".lock") else SHARED_SECONDS
            try:
                if now - entry.stat().st_mtime > limit:
                    os.unlink(entry.path)
            except OSError:
                pass  # another worker removed it first
