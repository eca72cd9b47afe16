"""ppks: casework toolkit for PPKS clients, keeping each case as plain TOML files in git."""

__version__ = "0.1.0"
