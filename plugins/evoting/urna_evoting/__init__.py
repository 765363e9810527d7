"""Urna e-voting plugin: guardians, polling-place booths, Benaloh challenges, k-of-n tally."""
