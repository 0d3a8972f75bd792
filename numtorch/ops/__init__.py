"""Differentiable primitives on raw ndarrays, one family per file, plus the helpers that
prepare tensor operands for them (dtype promotion and broadcasting)."""
