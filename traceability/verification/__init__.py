"""Verification for supermarket chains: bulk verify, and the published keys for offline checks."""
