"""Salesforce calls from request handlers: session refresh, header relay and list streaming.

``UpstreamMixin`` goes in front of ``BaseHandler`` in a handler's bases.  It
makes every call with the request's session, renews the session once when
Salesforce reports it expired, and streams query results page by page.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import urllib.parse
from typing import Any, Awaitable, Callable, Iterable, Mapping, Optional, TypeVar, Union

from tornado.httpclient import HTTPResponse
from tornado.iostream import StreamClosedError

from dialects.base import ListInfo, RequestContext
from tornsf.errors import ProxyError, UpstreamError
from tornsf.salesforce import paths
from tornsf.salesforce.errors import OAuthError, bad_response_problem, decode_json, response_problem

logger = logging.getLogger(__name__)

# Request headers that tune how Salesforce runs a call; passed through as sent.
FORWARDED_REQUEST_HEADERS = ("Sforce-Query-Options", "Sforce-Auto-Assign", "Sforce-Call-Options")

# Response headers passed back to the client.  Set-Cookie and hop-by-hop
# headers are never among them.
RELAYED_RESPONSE_HEADERS = ("Sforce-Limit-Info", "ETag", "Warning", "Last-Modified")
# A list response spans many pages, so one page's validators would mislabel it.
RELAYED_LIST_HEADERS = ("Sforce-Limit-Info", "Warning")
# Kept on error responses too: they describe the org, not the failed resource.
RELAYED_ERROR_HEADERS = ("Sforce-Limit-Info", "Warning")

# A 401 with this message comes from a token that lacks the API scope:
# refreshing cannot fix it.
_NOT_FOR_REST = "not valid for use with the REST API"

LOGIN_AGAIN = "Log in again at /login."

# The start of a query page that links a next page, as Salesforce writes it:
# the next URL can be read before the page is decoded.  Whatever it finds is
# used only when the decoded page names the same URL.
_NEXT_URL_AHEAD = re.compile(
    rb'\{\s*(?:"totalSize"\s*:\s*[0-9]+\s*,\s*"done"\s*:\s*false|"done"\s*:\s*false\s*,\s*"totalSize"\s*:\s*[0-9]+)'
    rb'\s*,\s*"nextRecordsUrl"\s*:\s*"([^"\\]{1,300})"'
)
# Salesforce's largest query page (``batchSize`` tops out at 2,000).
MAX_PAGE_RECORDS = 2000

Params = Union[None, str, Mapping[str, Any], Iterable[tuple[str, Any]]]
T = TypeVar("T")


@dataclasses.dataclass
class Page:
    """One page of a Salesforce query result."""

    total_size: int
    records: list[dict[str, Any]]
    done: bool
    next_records_url: Optional[str]


def session_expired(reason: str) -> ProxyError:
    return ProxyError(401, "session_expired", "%s %s" % (reason, LOGIN_AGAIN))


def is_expired_session(response: HTTPResponse) -> bool:
    """Return True for Salesforce's 401 ``INVALID_SESSION_ID`` that a refresh can fix."""
    if response.code != 401:
        return False

    try:
        value = decode_json(response.body)
    except ValueError:
        return False

    errors = value if isinstance(value, list) else [value]
    return any(
        isinstance(error, dict)
        and error.get("errorCode") == "INVALID_SESSION_ID"
        and _NOT_FOR_REST not in str(error.get("message", ""))
        for error in errors
    )


def encode_params(params: Params) -> str:
    """Encode query parameters with ``%20`` for spaces, so SOQL ``+`` signs survive."""
    if not params:
        return ""
    if isinstance(params, str):
        return params
    return urllib.parse.urlencode(params, doseq=isinstance(params, Mapping), quote_via=urllib.parse.quote)


class UpstreamMixin:
    """Salesforce calls for a ``BaseHandler`` with the request's session, renewed when it expires."""

    _sf_current: Any = None
    _relayed: Optional[dict[str, str]] = None

    def current_sf_session(self) -> Any:
        """Return the session for Salesforce calls: the renewed one once this request refreshed it."""
        if self._sf_current is None:
            self._sf_current = self.require_sf_session()
        return self._sf_current

    async def call_salesforce(
        self,
        method: str,
        path: str,
        params: Params = None,
        body: Optional[bytes] = None,
        headers: Optional[Mapping[str, str]] = None,
        *,
        check: bool = True,
        relay: Iterable[str] = RELAYED_RESPONSE_HEADERS,
    ) -> HTTPResponse:
        """Call ``path`` (already encoded) on the session's instance and return the response.

        An expired session is renewed as ``with_renewal`` describes, so a call
        is sent three times at most.  With ``check``, a Salesforce error status
        raises UpstreamError.  The ``relay`` response headers are copied to
        the client's response.
        """
        query = encode_params(params)
        request_headers = self._forwarded_headers()
        request_headers.update(headers or {})

        async def attempt(session: Any) -> HTTPResponse:
            return await self._fetch_counted(session, method, path, query, body, request_headers)

        response, renewed = await self.with_renewal(attempt, is_expired_session)
        if renewed and response.code == 401:
            raise session_expired("Salesforce rejected the session again right after renewing it.")

        self._relay_headers(response, relay)
        if check and response.code >= 300:
            raise UpstreamError(response_problem(response))
        return response

    async def with_renewal(self, attempt: Callable[[Any], Awaitable[T]], expired: Callable[[T], bool]) -> tuple[T, bool]:
        """Run ``attempt(session)``, renewing the session when ``expired(result)`` returns True.

        The session is refreshed once (shared with concurrent requests of the
        same session in this worker) and the attempt retried once.  Only when
        the renewal came from an earlier refresh and has expired too is there
        a second refresh and retry, so an attempt runs three times at most.
        Returns the last result and whether the session was renewed.
        """
        session = self.current_sf_session()
        result = await attempt(session)
        if not expired(result):
            return result, False

        session, reused = await self._renew_session(session)
        result = await attempt(session)

        # A renewal reused from a concurrent request may have expired since:
        # this one refresh of its own is the last attempt.
        if reused and expired(result):
            session, _ = await self._renew_session(session)
            result = await attempt(session)
        return result, True

    def salesforce_json(self, response: HTTPResponse) -> Any:
        """Decode a Salesforce JSON body; a body that is not JSON (cut off, HTML) is a 502."""
        try:
            return decode_json(response.body)
        except ValueError as exc:
            logger.warning("Salesforce returned HTTP %d with a body that is not JSON: %s", response.code, exc)
            raise UpstreamError(bad_response_problem("the body is not valid JSON: %s" % exc)) from None

    # -- internals ----------------------------------------------------------

    async def _fetch_counted(self, session: Any, method: str, path: str, query: str, body: Optional[bytes],
                             headers: dict[str, str]) -> HTTPResponse:
        self.upstream_calls += 1
        return await self.salesforce.fetch(session, method, path, query, body, headers)

    def _forwarded_headers(self) -> dict[str, str]:
        forwarded = {}
        for name in FORWARDED_REQUEST_HEADERS:
            value = self.request.headers.get(name)
            if value is not None:
                forwarded[name] = value
        return forwarded

    def _relay_headers(self, response: HTTPResponse, names: Iterable[str]) -> None:
        if self._headers_written:
            return
        if self._relayed is None:
            self._relayed = {}
        for name in names:
            value = response.headers.get(name)
            if value is not None:
                self.set_header(name, value)
                self._relayed[name] = value

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        # send_error clears the headers set so far; the org's limit usage
        # still matters most on errors such as REQUEST_LIMIT_EXCEEDED.
        for name in RELAYED_ERROR_HEADERS:
            if self._relayed and name in self._relayed:
                self.set_header(name, self._relayed[name])
        super().write_error(status_code, **kwargs)

    async def _renew_session(self, session: Any) -> tuple[Any, bool]:
        if not session.refresh_token:
            raise session_expired(
                "The Salesforce session has expired and this login (%s flow) has no refresh token "
                "to renew it." % session.flow
            )

        try:
            renewed, reused = await self.salesforce.refreshes.refresh(session)
        except OAuthError as exc:
            logger.info("Salesforce rejected a session refresh: %s (HTTP %d)", exc.error, exc.status)
            raise session_expired(
                "The Salesforce session has expired and Salesforce rejected its refresh token (%s)." % exc.error
            ) from None

        if not reused:
            self.upstream_calls += 1
        self._sf_current = renewed
        self._send_renewed_session(renewed)
        return renewed, reused

    def abort_response(self) -> None:
        """End a response whose headers are sent by closing the connection without a valid ending.

        With chunked transfer encoding the client misses the final chunk and
        reports an error; Tornado's automatic ``finish`` afterwards is a no-op
        on the closed stream.
        """
        self.request.connection.close()

    def _send_renewed_session(self, renewed: Any) -> None:
        if self._headers_written:
            # NOTE: a session that expires between two pages of a streamed list
            # is renewed for the rest of this response only: the headers that
            # would carry it are gone, so the client renews again next time.
            logger.info("Renewed a session after the response headers were sent; the client keeps the old one")
            return
        self.store_sf_session(renewed)


class PageStreamer:
    """Write the records of a query, page by page, through the request's dialect.

    At most two pages are held in memory: while one page is written and
    flushed, the next one, when the response will need it, is already being
    fetched.  When the streamer has written everything and waits for the next
    page, that page's successor is requested as soon as the page arrives,
    before it is decoded (see ``_fetch_ahead``).
    """

    # Event loop turns to let a prefetch go out before a page is written: one
    # to start the task, which queues the request in libcurl, then the turns
    # in which the client hands it to libcurl and libcurl sends it.  With one
    # or two turns, the benchmark's huge query ran as slowly as with no prefetch.
    PREFETCH_TURNS = 3

    def __init__(self, handler: Any, ctx: RequestContext, sobject: Optional[str], follow: bool, limit: int):
        self.handler = handler
        self.ctx = ctx
        self.sobject = sobject
        self.follow = follow
        self.limit = limit
        self.returned = 0
        # The next page's URL and the task fetching it.
        self._prefetch: Optional[tuple[str, asyncio.Future]] = None
        # The prefetch task the streamer waits for, having written every page before it.
        self._awaited: Optional[asyncio.Future] = None

    async def run(self, path: str, params: Params = None) -> None:
        """Fetch the first page from ``path``, then stream it and the pages after it.

        Errors before the first byte get an ordinary error response.  Errors
        after it end the response as broken (see ``_abort``).
        """
        page = await self._fetch_page(path, params)
        self._start(page)

        try:
            await self._stream(page)
        except StreamClosedError:
            logger.info("The client closed the connection after %d records; stopped fetching pages", self.returned)
        except Exception as exc:
            if not self.handler._headers_written:
                # Nothing has reached the client yet: send_error discards the
                # buffered start of the list and sends an ordinary error.
                raise
            self._abort(exc)
        finally:
            self._cancel_prefetch()

    async def _stream(self, page: Page) -> None:
        while True:
            next_url = self._next_needed(page)
            if next_url is not None:
                await self._prefetch_page(next_url)
            else:
                self._cancel_prefetch()

            cut = self._write_records(page)
            await self.handler.flush()

            if next_url is None:
                break
            page = await self._take_prefetch()

        self._finish(page, cut)

    def _next_needed(self, page: Page) -> Optional[str]:
        """Return the next page's URL when this response will write records from it, else None."""
        more = page.next_records_url is not None and not page.done
        if not (more and self.follow) or self.returned + len(page.records) >= self.limit:
            return None
        return page.next_records_url

    async def _prefetch_page(self, url: str) -> None:
        """Have the fetch of ``url`` under way: the one ``_fetch_ahead`` started, else a new one."""
        if self._prefetch is not None and self._prefetch[0] == url:
            return
        self._cancel_prefetch()
        await self._start_fetch(url)

    async def _start_fetch(self, url: str) -> None:
        task = asyncio.ensure_future(self._fetch_page(url))
        # Marks a failure as retrieved even when the task is cancelled after
        # failing, so asyncio never warns about it; awaiting it still raises.
        task.add_done_callback(_retrieve_outcome)
        self._prefetch = (url, task)
        for _ in range(self.PREFETCH_TURNS):
            await asyncio.sleep(0)

    async def _take_prefetch(self) -> Page:
        assert self._prefetch is not None
        _, task = self._prefetch
        self._prefetch = None
        self._awaited = task
        try:
            return await task
        finally:
            self._awaited = None

    def _cancel_prefetch(self) -> None:
        prefetch, self._prefetch = self._prefetch, None
        if prefetch is not None and not prefetch[1].done():
            logger.debug("Cancelled the prefetch of the next page after %d records", self.returned)
            prefetch[1].cancel()

    async def _fetch_page(self, path: str, params: Params = None) -> Page:
        response = await self.handler.call_salesforce("GET", path, params, relay=RELAYED_LIST_HEADERS)
        await self._fetch_ahead(response)
        return parse_page(self.handler.salesforce_json(response))

    async def _fetch_ahead(self, response: HTTPResponse) -> None:
        """Request the page after ``response`` before decoding it, when the list will surely need it.

        Only for the page the streamer waits for, having written every page
        before it: that page and its successor are then the two pages held.
        The list needs the successor when the records still allowed exceed the
        largest page Salesforce sends.  ``_stream`` keeps the fetch only when
        the decoded page names the same URL, and cancels it otherwise.
        """
        if not self.follow or self._awaited is None or self._awaited is not asyncio.current_task():
            return
        if self.limit - self.returned <= MAX_PAGE_RECORDS:
            return

        match = _NEXT_URL_AHEAD.match(response.body or b"")
        if match is None:
            return
        try:
            url = paths.locator_path(match.group(1).decode("ascii"))
        except (UnicodeDecodeError, paths.PathError):
            return
        await self._start_fetch(url)

    def _start(self, page: Page) -> None:
        # The dialect gets a next URL only when this response ends with this
        # whole page: not when autoFetch follows pages or maxFetch cuts it.
        cut = len(page.records) > self.limit
        next_url = None if self.follow or cut else page.next_records_url
        info = ListInfo(sobject=self.sobject, total_size=page.total_size, returned=0,
                        next_records_url=next_url, done=page.done)
        reply = self.handler.dialect.list_start(self.ctx, info)
        reply.headers.setdefault("X-Total-Count", str(page.total_size))

        self.handler.set_status(reply.status)
        for name, value in reply.headers.items():
            self.handler.set_header(name, value)
        self.handler.write(reply.body)

    def _write_records(self, page: Page) -> bool:
        """Write the page's records up to the limit; return True if the limit cut the page short."""
        room = self.limit - self.returned
        records = page.records if len(page.records) <= room else page.records[:room]
        if records:
            self.handler.write(self.handler.dialect.list_records(self.ctx, records, self.returned))
            self.returned += len(records)
        return len(page.records) > room

    def _finish(self, page: Page, cut: bool) -> None:
        more = page.next_records_url is not None and not page.done
        # NOTE: when maxFetch ends the list inside a page, no nextRecordsUrl
        # continues exactly there (Salesforce's locators point at page
        # boundaries), so the response reports done=false without one.
        next_url = page.next_records_url if more and not cut else None
        info = ListInfo(sobject=self.sobject, total_size=page.total_size, returned=self.returned,
                        next_records_url=next_url, done=not (more or cut))
        self.handler.finish(self.handler.dialect.list_end(self.ctx, info))

    def _abort(self, exc: Exception) -> None:
        # NOTE: the status line and part of the body are already sent.  The
        # only way left to tell the client that the list is incomplete is to
        # close the connection without the final chunk, so HTTP/1.1 clients
        # report a broken response instead of parsing a short list as complete.
        problem = getattr(exc, "problem", None)
        if problem is not None:
            logger.error("Closing a streamed list after %d records because a later page failed: %d %s: %s",
                         self.returned, problem.status, problem.code, problem.message)
        else:
            logger.error("Closing a streamed list after %d records because of an unexpected error",
                         self.returned, exc_info=exc)
        self.handler.abort_response()


def _retrieve_outcome(task: asyncio.Future) -> None:
    if not task.cancelled():
        task.exception()


def parse_page(value: Any) -> Page:
    """Check a query result page and return it as a Page; raise UpstreamError (502) if malformed."""
    if not isinstance(value, dict) or not isinstance(value.get("records"), list):
        raise UpstreamError(bad_response_problem("a query result without a records list"))
    # Checked before anything of the page is written, so a bad first page is a clean 502.
    if not all(isinstance(record, dict) for record in value["records"]):
        raise UpstreamError(bad_response_problem("a query result whose records are not all JSON objects"))

    next_url = value.get("nextRecordsUrl")
    if next_url is not None:
        try:
            paths.locator_path(str(next_url))
        except paths.PathError:
            raise UpstreamError(
                bad_response_problem("nextRecordsUrl %r is not a query locator path" % str(next_url)[:200])
            ) from None

    total_size = value.get("totalSize")
    if not isinstance(total_size, int):
        total_size = len(value["records"])

    return Page(
        total_size=total_size,
        records=value["records"],
        # A page that omits ``done`` is complete unless it links a next page.
        done=bool(value.get("done", next_url is None)),
        next_records_url=next_url,
    )

