"""The worker scripts under workers/ run only under mpiexec: keep pytest (and its
``--doctest-modules`` import of every module) from importing them."""

collect_ignore = ["workers"]
