"""Faults: signals, killed imports, a database or Redis going away."""
