"""Traceability records in the fields of Circular 02/2024/TT-BKHCN, for the national portal."""
