"""Fault knobs and the log of calls received, both read and changed through the admin endpoints."""

import collections
import dataclasses

# Oldest log entries are dropped past this many, so long load runs keep memory bounded;
# ``total`` and ``by_endpoint`` keep counting.
MAX_LOG_ENTRIES = 20000


@dataclasses.dataclass
class Knobs:
    """Switches that make the sandbox misbehave the way Salesforce sometimes does."""

    token_lifetime: float | None = None
    latency_ms: float = 0
    fail_503: bool = False
    request_limit_exceeded: bool = False
    rotate_refresh_tokens: bool = False
    refuse_refresh: bool = False
    truncate_json: bool = False
    always_401: bool = False

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    def update(self, changes: dict) -> None:
        """Apply ``changes`` after checking every key and value; raise ValueError naming the bad one."""
        types = {field.name: field.type for field in dataclasses.fields(self)}
        checked = {}
        for name, value in changes.items():
            if name not in types:
                raise ValueError("unknown knob %r; valid knobs: %s" % (name, ", ".join(sorted(types))))
            checked[name] = _check(name, value)
        for name, value in checked.items():
            setattr(self, name, value)


def _check(name: str, value):
    if name == "token_lifetime":
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0):
            raise ValueError("token_lifetime must be a positive number of seconds or null")
        return value
    if name == "latency_ms":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError("latency_ms must be a number of milliseconds >= 0")
        return value
    if not isinstance(value, bool):
        raise ValueError("%s must be true or false" % name)
    return value


class CallLog:
    """Counts of the calls received per ``METHOD /path`` and a log of their requests."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.total = 0
        self.seq = 0
        self.by_endpoint = collections.Counter()
        self.entries = collections.deque(maxlen=MAX_LOG_ENTRIES)

    def record(self, request) -> None:
        """Log one request (a ``tornado.httputil.HTTPServerRequest``), redacting its Authorization header."""
        self.total += 1
        self.seq += 1
        self.by_endpoint["%s %s" % (request.method, request.path)] += 1

        headers = {}
        for name, value in request.headers.get_all():
            headers[name] = "<redacted>" if name.lower() == "authorization" else value
        self.entries.append({
            "seq": self.seq,
            "method": request.method,
            "path": request.path,
            "query": request.query,
            "headers": headers,
            "body": request.body.decode("utf-8", errors="replace"),
        })

    def as_dict(self) -> dict:
        return {"total": self.total, "by_endpoint": dict(self.by_endpoint), "log": list(self.entries)}
