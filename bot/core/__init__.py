"""Plumbing every layer may use: settings, database, clock, language, the application context."""
