"""Rule and term data (YAML), shipped as package data; see scanner.catalogue."""
