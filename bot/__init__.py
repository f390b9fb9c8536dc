"""tdkt-bot: a Telegram assistant for emulation and commendation (TĐKT) work."""

__version__ = "0.1.0"
