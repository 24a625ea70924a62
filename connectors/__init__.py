"""Platform connectors: one module per platform behind the small interface in `base`."""
