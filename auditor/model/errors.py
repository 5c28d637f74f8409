"""LoadError: a file that cannot be turned into a Document, with a stable code and zh/en messages."""
from __future__ import annotations


class LoadError(Exception):
    """A file could not be loaded.

    ``code`` is stable and machine-readable ("file-empty", "file-binary", "file-unreadable",
    "file-too-large", "format-unsupported"…); ``message`` is Chinese, ``message_en`` English.
    ``str(error)`` is the Chinese message.
    """

    def __init__(self, code: str, message: str, message_en: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.message_en = message_en or message

    @property
    def message_zh(self) -> str:
        return self.message

    def with_file(self, file: str) -> "LoadError":
        """The same error with the file name appended to both messages."""
        return LoadError(self.code, f"{self.message}：{file}", f"{self.message_en}: {file}")

    def __repr__(self) -> str:
        return f"LoadError({self.code!r}, {self.message!r}, {self.message_en!r})"
