"""Urna: a verifiable tallying core for election and e-voting appliances.

This package stays import-light on purpose: importing ``urna.crypto`` must not
pull in the web server or the database. Plugin authors import from
``urna.api``; observers use ``urna.verify``.
"""

__version__ = "0.1.0"
