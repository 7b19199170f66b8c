"""List arguments shared by every dialect: equality filters in their array spellings."""

from dialects.base import parse_list_arguments


def test_array_spellings_become_filters():
    request = parse_list_arguments({
        "Industry[]": ["Energy", "Banking"],
        "BillingCity[0]": ["Zürich"],
        "filter[Type][]": ["Customer"],
        "Name": ["Acme"],
    })

    assert ("Industry", "Energy") in request.filters
    assert ("Industry", "Banking") in request.filters
    assert ("BillingCity", "Zürich") in request.filters
    assert ("Type", "Customer") in request.filters
    assert ("Name", "Acme") in request.filters
    assert len(request.filters) == 5


def test_reserved_arguments_are_not_filters():
    request = parse_list_arguments({"limit": ["5"], "sort": ["-Name"], "fields": ["Name,Phone"]})

    assert request.filters == []
    assert request.limit == 5
    assert request.order_by == [("Name", True)]
    assert request.fields == ["Name", "Phone"]
