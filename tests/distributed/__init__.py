"""numtorch.distributed's tests: pytest cases that launch worker scripts under mpiexec."""
