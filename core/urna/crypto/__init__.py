"""The cryptographic core: pure functions over frozen values, randomness as an argument.

Modules (see ``docs/spec.md`` for the byte-level specification):

- :mod:`~urna.crypto.group`: ``Scalar`` and ``Point`` with validating decoders;
- :mod:`~urna.crypto.transcript`: the one Fiat-Shamir ``Transcript``;
- :mod:`~urna.crypto.elgamal`, :mod:`~urna.crypto.dlog`: exponential ElGamal, bounded dlog;
- :mod:`~urna.crypto.schnorr`, :mod:`~urna.crypto.chaum_pedersen`,
  :mod:`~urna.crypto.disjunctive`: the proofs;
- :mod:`~urna.crypto.ceremony`, :mod:`~urna.crypto.election`: key ceremony, base hash;
- :mod:`~urna.crypto.manifest`, :mod:`~urna.crypto.ballot`, :mod:`~urna.crypto.tally`:
  contests, ballots, tally and threshold decryption;
- :mod:`~urna.crypto.signing`, :mod:`~urna.crypto.hashing`, :mod:`~urna.crypto.errors`.

Importing this package has no side effects. The platform check (PyNaCl >= 1.6.2, and a
libsodium that refuses mixed-order points) is the shell's start-up self-test,
``urna.shell.selftest``.
"""
