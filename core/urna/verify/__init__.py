"""The observer's verifier: numbered checks over an exported record bundle."""
