"""Errors the sandbox org returns, in Salesforce's REST shape."""


class ApiError(Exception):
    """A REST API error, sent as ``[{"message", "errorCode", "fields"?}]`` with ``status``."""

    def __init__(self, status: int, error_code: str, message: str, fields=None, headers=None):
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.fields = fields
        self.headers = headers or {}

    def body(self) -> list:
        error = {"message": self.message, "errorCode": self.error_code}
        if self.fields is not None:
            error["fields"] = list(self.fields)
        return [error]


class OAuthError(Exception):
    """An OAuth endpoint error, sent as ``{"error", "error_description"}`` with ``status``."""

    def __init__(self, error: str, description: str, status: int = 400):
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def not_found() -> ApiError:
    return ApiError(404, "NOT_FOUND", "The requested resource does not exist")


def invalid_session() -> ApiError:
    return ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")


def method_not_allowed(method: str, allowed: str) -> ApiError:
    return ApiError(
        405, "METHOD_NOT_ALLOWED",
        "HTTP Method '%s' not allowed. Allowed are %s" % (method, allowed),
        headers={"Allow": allowed},
    )
