"""The container, checked without a Docker engine."""
