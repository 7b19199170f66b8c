"""Naming rules shared by the dialects: English plurals, camelCase and folding.

Front-end libraries derive URL segments and payload keys from model names with
their own inflectors (Ember's, ``pluralize``, kitsu's kebab-case), so the proxy
matches names leniently.  ``fold`` drops case and the separators ``_``, ``-``
and spaces.  ``pluralize`` and ``singularize`` cover the regular English rules
plus common irregular words.
"""

from __future__ import annotations

import functools
import re

# Singular -> plural for words whose plural no suffix rule produces.
_IRREGULAR = {
    "person": "people",
    "child": "children",
    "man": "men",
    "woman": "women",
    "foot": "feet",
    "tooth": "teeth",
    "mouse": "mice",
    "goose": "geese",
    "datum": "data",
    "medium": "media",
    "criterion": "criteria",
    "index": "indices",
    "matrix": "matrices",
    "vertex": "vertices",
    "analysis": "analyses",
    "basis": "bases",
    "crisis": "crises",
    "thesis": "theses",
    "leaf": "leaves",
    "life": "lives",
    "knife": "knives",
    "wife": "wives",
    "half": "halves",
    "shelf": "shelves",
    "quiz": "quizzes",
}
_IRREGULAR_PLURALS = {plural: singular for singular, plural in _IRREGULAR.items()}

# Words with no separate plural form.
_UNCOUNTABLE = frozenset({
    "equipment", "information", "rice", "money", "species", "series", "sheep",
    "fish", "deer", "news", "feedback", "metadata", "software", "hardware",
    "history", "staff", "content", "access", "settings",
})

_CAMEL_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def fold(name: str) -> str:
    """Return ``name`` lower-cased without ``_``, ``-`` and spaces, for lenient matching."""
    return re.sub(r"[\s_\-]+", "", name).lower()


def _split_last_word(name: str) -> tuple[str, str]:
    """Split ``OpportunityLineItem`` into (``OpportunityLine``, ``Item``)."""
    words = _CAMEL_WORD.findall(name)
    if not words or not name.endswith(words[-1]):
        return "", name
    return name[: len(name) - len(words[-1])], words[-1]


def _match_case(word: str, template: str) -> str:
    if template.isupper() and len(template) > 1:
        return word.upper()
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def _pluralize_word(word: str) -> str:
    lower = word.lower()

    if lower in _UNCOUNTABLE or lower in _IRREGULAR_PLURALS:
        return word
    if lower in _IRREGULAR:
        return _match_case(_IRREGULAR[lower], word)

    if re.search(r"[^aeiou]y$", lower):
        return word[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", lower):
        return word + "es"
    return word + "s"


def _singularize_word(word: str) -> str:
    lower = word.lower()

    if lower in _UNCOUNTABLE or lower in _IRREGULAR:
        return word
    if lower in _IRREGULAR_PLURALS:
        return _match_case(_IRREGULAR_PLURALS[lower], word)

    if re.search(r"[^aeiou]ies$", lower):
        return word[:-3] + "y"
    if re.search(r"(ss|x|z|ch|sh)es$", lower):
        return word[:-2]
    if lower.endswith("s") and not lower.endswith("ss"):
        return word[:-1]
    return word


def pluralize(name: str) -> str:
    """Pluralize the last word of a camelCase or dashed name (``contactRole`` -> ``contactRoles``)."""
    if not name:
        return name
    head, last = _split_last_word(name)
    return head + _pluralize_word(last)


def singularize(name: str) -> str:
    """Singularize the last word of a name (``opportunities`` -> ``opportunity``)."""
    if not name:
        return name
    head, last = _split_last_word(name)
    return head + _singularize_word(last)


# Field names repeat on every record of a list, so their camelCase forms are cached.
@functools.lru_cache(maxsize=4096)
def camelize(api_name: str) -> str:
    """Return the lower-camelCase form of an API name (``Invoice_Total__c`` -> ``invoiceTotalC``).

    This is the key that Ember's conventions produce for a model or attribute
    named after the Salesforce name; ``fold`` of both forms is equal.
    """
    parts = [part for part in re.split(r"[_\-\s]+", api_name) if part]
    if not parts:
        return api_name
    first = parts[0][:1].lower() + parts[0][1:]
    rest = [part[:1].upper() + part[1:] for part in parts[1:]]
    return first + "".join(rest)
