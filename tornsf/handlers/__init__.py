"""Request handlers of the proxy, one module per concept."""
