"""``python -m urna`` is the ``urna`` command."""

from urna.shell.cli import main

main()
