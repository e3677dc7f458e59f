"""Stamp batches: ordering serial ranges, printing them, activating and revoking stamps."""
