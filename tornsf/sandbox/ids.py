"""Salesforce record ids: 15-character case-sensitive ids and their 18-character form.

The 18-character form appends three characters that encode which of the first fifteen
characters are upper case, so the id survives case-insensitive handling. Each suffix
character covers five characters: bit i is set when character i of the group is A-Z,
and the 5-bit number indexes ``ABCDEFGHIJKLMNOPQRSTUVWXYZ012345``.
"""

import string

SUFFIX_ALPHABET = string.ascii_uppercase + "012345"
BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase

_ID_CHARS = frozenset(string.ascii_letters + string.digits)

# The numeric part of a sandbox id is the row number scrambled by a bijection modulo
# 62**9, so neighbouring rows get ids with varied letter case, as real ids have.
_SPACE = 62 ** 9
_MULTIPLIER = 2654435761
_OFFSET = 0x2545F4914F6CDD1D % _SPACE

# Characters 4-6 of every sandbox id; real ids carry an instance code here.
_POD = "8d0"


def case_suffix(id15: str) -> str:
    """Return the 3-character case suffix for a 15-character id."""
    suffix = []
    for start in (0, 5, 10):
        bits = 0
        for position, char in enumerate(id15[start:start + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << position
        suffix.append(SUFFIX_ALPHABET[bits])
    return "".join(suffix)


def to18(id15: str) -> str:
    """Return the 18-character form of a 15-character id."""
    return id15 + case_suffix(id15)


def make_id(key_prefix: str, number: int) -> str:
    """Build the 18-character id of row ``number`` of the object with ``key_prefix``."""
    scrambled = (number * _MULTIPLIER + _OFFSET) % _SPACE
    digits = []
    for _ in range(9):
        scrambled, digit = divmod(scrambled, 62)
        digits.append(BASE62[digit])
    return to18(key_prefix + _POD + "".join(reversed(digits)))


def normalize_id(value: str) -> str | None:
    """Return the 18-character id that ``value`` denotes, or None if it is not an id.

    A 15-character id is taken as written (case matters). An 18-character id gets the
    letter case of its first fifteen characters restored from the suffix, so a
    lower-cased 18-character id still denotes the same record; a suffix that
    contradicts the characters (for example, marks a digit as upper case) is invalid.
    """
    if not isinstance(value, str) or len(value) not in (15, 18) or not _ID_CHARS.issuperset(value):
        return None

    if len(value) == 15:
        return to18(value)

    suffix = value[15:].upper()
    if any(char not in SUFFIX_ALPHABET for char in suffix):
        return None

    restored = []
    for group, char in enumerate(suffix):
        bits = SUFFIX_ALPHABET.index(char)
        for position, id_char in enumerate(value[group * 5:group * 5 + 5]):
            upper = bool(bits & (1 << position))
            if upper and not id_char.isalpha():
                return None
            restored.append(id_char.upper() if upper else id_char.lower())
    return to18("".join(restored))


def random_id15(key_prefix: str, rng) -> str:
    """Return a random 15-character id with ``key_prefix``, drawn from ``rng``."""
    return key_prefix + "".join(rng.choice(BASE62) for _ in range(12))
