"""Every outgoing text, built from plain values; no `telegram` import in here."""
