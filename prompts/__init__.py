"""Versioned prompt templates (``<name>.v<N>.md``) of the LLM layer; see README.md here."""
