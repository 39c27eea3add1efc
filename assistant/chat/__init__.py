"""The Chainlit chat: a thin layer over ``assistant.core`` (nothing here imports chainlit at import)."""
