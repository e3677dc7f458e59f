"""OCOP products and their other certifications (VietGAP, organic…)."""
