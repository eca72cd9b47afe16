"""The command line: one module per command (or group), each a thin layer that reads
arguments, calls the core and renders the result."""
