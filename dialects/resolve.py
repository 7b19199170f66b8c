"""Resolve a URL path segment to an SObject API name from a describe-global result.

Client libraries spell model paths their own way: ``/Account`` (clay),
``/accounts`` and ``/contactRoles`` (Ember REST), ``/contact-roles`` (Ember
JSON:API, kitsu), ``/ContactRoles`` and ``/Invoice__cs`` (devour),
``/invoiceCs`` (Ember for ``Invoice__c``).  ``SObjectNames`` indexes the
describe-global result once, and ``resolve`` tries, in order of certainty: the
exact name ignoring case, the name with separators folded away, its plural,
and finally a custom object's name without its ``__c`` suffix.  A segment that
matches two objects at the same level is rejected instead of guessed.
"""

from __future__ import annotations

from typing import Any, Mapping

from dialects.base import DialectError
from dialects.names import fold, pluralize

_CUSTOM_SUFFIX = "__c"


class SObjectNames:
    """An index of SObject names built from one ``GET /sobjects/`` result."""

    def __init__(self, describe_global: Mapping[str, Any]):
        # Labels are left out on purpose: they follow the user's language.
        names = [entry["name"] for entry in describe_global.get("sobjects", []) if entry.get("name")]
        self.names = tuple(names)

        # One dict per level of certainty: folded key -> set of API names.
        self._levels: list[dict[str, set[str]]] = [{}, {}, {}, {}]
        for name in names:
            self._add(0, name.lower(), name)
            self._add(1, fold(name), name)
            self._add(2, fold(pluralize(name)), name)
            if name.lower().endswith(_CUSTOM_SUFFIX) and len(name) > len(_CUSTOM_SUFFIX):
                base = name[: -len(_CUSTOM_SUFFIX)]
                self._add(3, fold(base), name)
                self._add(3, fold(pluralize(base)), name)

    def _add(self, level: int, key: str, name: str) -> None:
        self._levels[level].setdefault(key, set()).add(name)

    def resolve(self, segment: str) -> str:
        """Return the API name that ``segment`` names; raise DialectError 404 if none or several do."""
        keys = [segment.lower(), fold(segment), fold(segment), fold(segment)]
        for level, key in zip(self._levels, keys):
            matches = level.get(key)
            if not matches:
                continue
            if len(matches) > 1:
                raise DialectError(
                    404, "ambiguous_sobject",
                    "The path segment '%s' matches several Salesforce objects (%s): use the API name."
                    % (segment, ", ".join(sorted(matches))),
                )
            return next(iter(matches))

        raise DialectError(
            404, "unknown_sobject",
            "No Salesforce object matches the path segment '%s': use an object's API name "
            "(such as Account) or its plural (accounts)." % segment,
        )


def resolve_sobject(segment: str, describe_global: Mapping[str, Any]) -> str:
    """Return the SObject API name for ``segment``; see ``SObjectNames.resolve``."""
    return SObjectNames(describe_global).resolve(segment)
