"""Suspicious stamps as cases the authority works through: a queue, the evidence, decisions."""
