"""The ``numtorch`` command line: ``numtorch train`` trains the spec's classifier."""

from numtorch.cli.main import main

__all__ = ["main"]
