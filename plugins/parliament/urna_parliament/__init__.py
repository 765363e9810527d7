"""Urna plenary plugin: members, seats, sittings, registration, votes, minutes."""
