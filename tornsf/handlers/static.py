"""Routes of the static handlers (placeholder until implemented)."""


def static_routes(settings):
    return []
