"""Routes of the data handlers (placeholder until implemented)."""


def data_routes(settings):
    return []
