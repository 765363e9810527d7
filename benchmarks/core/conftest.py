"""Benchmarks use the urna.testing fixtures (SQLite and PostgreSQL) like the tests do."""
