"""Hook implementations of the parliament plugin (filled in by its issue)."""
