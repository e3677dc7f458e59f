"""Cancelling an order after its print files were downloaded: the cooperative asks, the
authority decides."""
