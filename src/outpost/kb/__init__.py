"""The knowledge base and taxonomies shipped as data: actors, event types, threat domains."""
