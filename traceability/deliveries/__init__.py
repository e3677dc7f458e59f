"""Deliveries a supermarket chain's stores receive: checked at the dock, then recorded."""
