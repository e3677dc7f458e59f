"""GS1 Digital Link resolution (``/01/{gtin}/10/{lot}``) and EPCIS 2.0 export of lot timelines."""
