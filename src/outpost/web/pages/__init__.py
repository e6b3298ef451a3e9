"""The page routes, one module per part of the dashboard."""
