"""HTTP protocol layer: SPARQL 1.1 Protocol, Graph Store Protocol, descriptions, formats."""
