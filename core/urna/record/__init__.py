"""The election record: events, canonical bytes, hash chain, signatures, bundles."""
