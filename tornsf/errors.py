"""Errors that handlers raise and ``BaseHandler.write_error`` renders.

Each carries a ``dialects.base.Problem`` so the request's dialect decides the
response shape.  The proxy's own errors use snake_case codes and a message
that tells the client what to do next.
"""

from __future__ import annotations

from dialects.base import Problem


class ProxyError(Exception):
    """An error found by the proxy itself (bad input, no session, rejected origin)."""

    def __init__(self, status: int, code: str, message: str, fields: list[str] | None = None):
        super().__init__(message)
        self.problem = Problem(
            status=status,
            errors=[{"errorCode": code, "message": message, "fields": fields or []}],
            source="proxy",
        )

    @property
    def status(self) -> int:
        return self.problem.status

    @property
    def code(self) -> str:
        return self.problem.code


class UpstreamError(Exception):
    """An error returned by Salesforce, or a failure to reach it."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem

    @property
    def status(self) -> int:
        return self.problem.status


class StartupError(Exception):
    """A setting that stops the proxy from starting; the message names it and the fix."""
