"""The one error an item may raise: it is recorded as a failure and the batch goes on."""


class ItemError(Exception):
    """An item that cannot be read; the message is the one-line reason shown to the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(" ".join(reason.split())[:500])
