"""The imperative shell: settings, database, ledger store, web app, CLI, devices."""
