"""A media catalogue pipeline written with Luigi: namespaces, a SQL load, external programs."""
