"""Business rules in plain functions: no `telegram` import anywhere in this package."""
