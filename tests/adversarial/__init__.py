"""Adversarial cases of issue 11: bad input, corrections and faults, on both warehouses."""
