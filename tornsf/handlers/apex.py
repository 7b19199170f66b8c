"""Routes of the apex handlers (placeholder until implemented)."""


def apex_routes(settings):
    return []
