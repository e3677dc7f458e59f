"""Scanning: the consumer page behind every QR, scan records, clone detection, PINs."""
