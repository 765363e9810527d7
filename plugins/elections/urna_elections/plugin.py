"""Hook implementations of the elections plugin (filled in by its issue)."""
