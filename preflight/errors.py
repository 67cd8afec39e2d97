"""The one error type of preflight: every exit-2 situation (usage, configuration, program, pack)."""


class PreflightError(Exception):
    """A problem the user must fix before a verdict is possible; the message says what and how."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
