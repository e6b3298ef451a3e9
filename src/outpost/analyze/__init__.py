"""Analysis: every article becomes evidenced facts (stages over a Doc)."""
