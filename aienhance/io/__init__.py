"""Image input and output: files ⇄ the working space (scene-linear ITU-R BT.2020).

* :func:`load` / :func:`load_proxy` – any JPEG, PNG, TIFF, WebP, BMP, GIF or camera raw file →
  :class:`LoadedImage` (EXIF orientation applied, ICC profile honoured, bad files give a
  documented :class:`~aienhance.errors.AienhanceError`).
* :func:`save_image` – working space → sRGB JPEG/PNG/TIFF (8 or 16 bit), written atomically.
* :func:`array_to_working` / :func:`working_to_array` – arrays ⇄ the working space.
"""

from __future__ import annotations

from .encoding import array_to_working, working_to_array
from .image import LoadedImage
from .loaders import DEFAULT_MAX_PIXELS, load, load_proxy
from .writers import ImageWriteError, OutputExistsError, save_image

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "ImageWriteError",
    "LoadedImage",
    "OutputExistsError",
    "array_to_working",
    "load",
    "load_proxy",
    "save_image",
    "working_to_array",
]
