"""numtorch vs PyTorch, side by side in one process: ``python -m benchmarks [--quick]``."""
