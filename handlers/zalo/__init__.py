"""Channels without buttons (Zalo): a text-first dialogue over the same services."""
