"""The benchmark suite: ``python -m bench`` (see the README)."""
