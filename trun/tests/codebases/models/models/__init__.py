"""Model training tasks written with Luigi in an object-oriented style."""
