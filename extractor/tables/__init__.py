"""The table stage: locate tables, lay out unruled ones from word positions, parse grids, flattened
rows and 绩效目标表 grids into typed rows, and check their identities.

``locate`` (titles → regions) · ``words`` (word positions → grid rows) · ``grid`` / ``flat`` /
``performance`` (parsers) · ``kinds`` and ``columns`` (the vocabulary of titles and headers) ·
``checks`` (arithmetic identities) · ``coverage`` (label-free share of printed amounts captured).
"""
