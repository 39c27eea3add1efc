"""The conversation: the Chainlit chat and the `cohort` CLI, thin layers over one engine."""
