"""Record ids: the 18-character case suffix and the forms a request may use."""

import pytest

from tornsf.sandbox import ids


def test_suffix_matches_documented_example():
    assert ids.to18("001D000000IqhSL") == "001D000000IqhSLIAZ"


def test_made_ids_carry_prefix_and_valid_suffix():
    for number in (1, 2, 99999, 10 ** 9):
        record_id = ids.make_id("003", number)
        assert len(record_id) == 18
        assert record_id.startswith("003")
        assert record_id[15:] == ids.case_suffix(record_id[:15])


def test_made_ids_are_distinct():
    assert len({ids.make_id("001", number) for number in range(1, 20001)}) == 20000


@pytest.mark.parametrize("given", ["001D000000IqhSL", "001D000000IqhSLIAZ", "001d000000iqhsliaz", "001D000000IQHSLIAZ"])
def test_normalize_accepts_equivalent_forms(given):
    assert ids.normalize_id(given) == "001D000000IqhSLIAZ"


@pytest.mark.parametrize("given", ["", "001", "001D000000IqhS", "001D000000IqhSL!", "001D000000IqhSLIA9",
                                   "0010000000000009AA", None])
def test_normalize_rejects_non_ids(given):
    assert ids.normalize_id(given) is None


def test_fifteen_character_ids_keep_case():
    assert ids.normalize_id("001d000000iqhsl") != ids.normalize_id("001D000000IqhSL")
