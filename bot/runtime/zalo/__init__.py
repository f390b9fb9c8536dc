"""The Zalo channel: a thin Bot API client, its outbox sender and its intake (long polling or
webhook). Zalo's Bot Platform has no buttons, files or formatting we can rely on: plain text."""
