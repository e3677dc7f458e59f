"""API keys and roles: authority, cooperative, retailer."""
