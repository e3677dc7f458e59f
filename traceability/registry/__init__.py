"""The registry: cooperatives, planting areas, OCOP products, lots and their timelines.

Each domain is a folder with the house's four files. ``origin.product_origin`` is the read
model the scan page shows; ``access`` holds the one rule of who may see and change what.
"""
