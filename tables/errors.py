"""The failures a user can act on, raised by stages and shown as the build's error message."""


class BuildError(Exception):
    """A build cannot finish because of its input; the message says what, where and how to fix it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnreadableFile(BuildError):
    pass


class ColumnNotFound(BuildError):
    pass


class EmptyTextColumn(BuildError):
    pass


# What can be wrong with an uploaded file. Each is raised with a message naming the file, the line,
# row or column where it applies, and how to fix it; the upload answers them as a 400 when the first
# block shows them, the build as its failure message otherwise.


class EmptyFile(UnreadableFile):
    pass


class HeaderOnly(UnreadableFile):
    pass


class NotATable(UnreadableFile):
    """An image, archive or program, or a file whose content is not what its extension says."""


class UnbalancedQuotes(UnreadableFile):
    pass


class RaggedRows(UnreadableFile):
    pass


class BadColumnNames(UnreadableFile):
    pass


class TooManyColumns(UnreadableFile):
    pass


class NulBytes(UnreadableFile):
    pass


class InvalidEncoding(UnreadableFile):
    pass


class FieldTooLarge(UnreadableFile):
    pass


class BrokenJson(UnreadableFile):
    pass


class NoRows(UnreadableFile):
    """Valid JSON that holds no list of rows: a scalar or a nested object."""


class TruncatedFile(UnreadableFile):
    pass


class ZipProblem(UnreadableFile):
    pass


class DecompressionBomb(UnreadableFile):
    pass


# What can be wrong with the user's choice of columns (tables.mapping).


class BadTemplate(BuildError):
    """A text template with unbalanced braces or no column in it."""


class BadIdColumn(BuildError):
    """An id column with empty or repeated values."""


class BadVectors(BuildError):
    """A vector column whose rows are not lists of numbers of the supported dimension."""
