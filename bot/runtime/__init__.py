"""The Telegram-side machinery: outbox sender, jobs, error handler, HTTP transport, intake."""
