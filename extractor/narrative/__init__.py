"""Narrative extraction: the text stream, rules for changes and projects, LLM merge (see stage.py)."""
