"""Urna elections plugin: structure, protocols, signatures, aggregation, publication."""
