"""Session fixtures (filled in by their stage)."""
