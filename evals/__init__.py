"""Eval harness: gold fixtures labelled by reading the documents, and the scorers."""
