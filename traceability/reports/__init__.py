"""Consumers' reports of fakes: sent from a forged, suspicious or revoked stamp's page.

A short form that works without JavaScript (what is wrong, where it was bought, an optional
photo, an optional phone number), rate-limited per network, stored, and listed for the
authority (its inbox renders :func:`service.list_reports`).
"""
