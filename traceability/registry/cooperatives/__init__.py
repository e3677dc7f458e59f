"""Cooperatives (HTX): onboarded by the authority, kept up to date by themselves."""
