"""A small sales ETL written with Luigi, tested with pytest."""
