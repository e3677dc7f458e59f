"""Planting areas (vùng trồng) with their national codes, owned by a cooperative."""
