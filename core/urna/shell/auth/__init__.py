"""Authentication and access control: passwords, sessions, tokens, throttling, CSRF."""
