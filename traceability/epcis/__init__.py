"""EPCIS 2.0: GS1's JSON schema, and checking documents against it."""
