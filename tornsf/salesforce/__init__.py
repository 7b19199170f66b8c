"""Talking to Salesforce: the HTTP client, OAuth token calls, error mapping and path checks."""
