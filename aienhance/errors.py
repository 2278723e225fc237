"""Error and warning classes of aienhance.

Every error the library raises for bad input derives from :class:`AienhanceError` and from the
matching builtin, so ``except ValueError`` keeps working for callers that do not know us.
The CLI turns any :class:`AienhanceError` into one line on stderr and a non-zero exit code.
"""

from __future__ import annotations

__all__ = [
    "AienhanceError",
    "ParameterError",
    "ParameterRangeError",
    "ShapeError",
    "UnsupportedInputError",
    "ImageDecodeError",
    "ImageTooLargeError",
    "ExternalToolError",
    "AdapterError",
    "SidecarError",
    "ModelError",
    "AienhanceWarning",
]


class AienhanceError(Exception):
    """Base class of every error raised by aienhance for bad input or environment."""

    #: Exit code used by the CLI for this class of error.
    exit_code = 2


class ParameterError(AienhanceError, ValueError):
    """A parameter set is malformed: unknown key, wrong type or wrong length."""

    def __init__(self, message: str, *, name: str | None = None):
        super().__init__(message)
        self.name = name


class ParameterRangeError(ParameterError):
    """A parameter value lies outside its documented range."""

    def __init__(self, name: str, value: object, expected: str):
        super().__init__(f"`{name}` must be within {expected}, got {value!r}", name=name)
        self.value = value
        self.expected = expected


class ShapeError(AienhanceError, ValueError):
    """An array has a shape the operation cannot take (for example not ``(..., 3)``)."""


class UnsupportedInputError(AienhanceError, TypeError):
    """An input of a type or format that aienhance does not read."""

    exit_code = 3


class ImageDecodeError(AienhanceError, ValueError):
    """An image file exists but cannot be decoded (corrupt, truncated, unknown format)."""

    exit_code = 3


class ImageTooLargeError(AienhanceError, ValueError):
    """An image claims more pixels than the configured limit (decompression bomb guard)."""

    exit_code = 3


class ExternalToolError(AienhanceError, RuntimeError):
    """An external program (darktable-cli, exiftool) failed or is missing."""

    exit_code = 4


class AdapterError(AienhanceError, ValueError):
    """Parameters cannot be expressed in an editor's controls."""


class SidecarError(AienhanceError, OSError):
    """An existing sidecar cannot be read safely or the new one cannot be written."""

    exit_code = 5


class ModelError(AienhanceError, RuntimeError):
    """The learned model is missing, malformed or does not match the expected interface."""

    exit_code = 6


class AienhanceWarning(UserWarning):
    """Base class of aienhance's warnings."""
