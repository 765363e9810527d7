"""The cryptographic core: pure functions over frozen values, randomness as an argument."""
