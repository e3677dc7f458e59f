"""Lots (lô) and their supply-chain timelines: one step back, one step forward."""
