"""The base of errors an operator can act on.

The command line shows any ``UrnaError`` as one line and a non-zero exit,
never as a traceback; it lives in this light module so that the command line
can catch them without importing the modules (web server, database) that
raise them.
"""


class UrnaError(Exception):
    """A refusal or failure whose message tells the operator what to fix."""
