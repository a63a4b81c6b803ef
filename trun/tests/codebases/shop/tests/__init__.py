"""The shop pipeline's unit tests."""
