"""The one engine behind the chat and the CLI."""
