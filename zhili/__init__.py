"""The `zhili` command: wires the packages together. The only place that imports them all."""
__version__ = "0.1.0"
