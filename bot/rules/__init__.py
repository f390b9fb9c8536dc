"""Rule files shipped with the package (national.toml: the national standards of each award)."""
