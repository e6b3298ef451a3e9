"""The application layer: the use cases the CLI, the API and the pages share.

Only this layer opens transactions and knows who acts: every public function takes a
`Context` (the store, the settings and the acting principal), so visibility can be decided
here, once, for every surface.
"""
