"""The disclosure audit: required items by template and kind, and the checks officials make."""

from extractor.audit.stage import audit_document

__all__ = ["audit_document"]
