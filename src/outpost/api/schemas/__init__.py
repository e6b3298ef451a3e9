"""What the API takes and gives, one pydantic model per use; records are turned into these
at the edge, never passed through as they are."""
