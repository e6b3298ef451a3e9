"""Quality measured on labelled dev sets (`outpost eval`): one module per set, each with an
`evaluate(...)` that returns its metrics as a flat dict of floats."""
