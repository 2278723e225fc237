"""The one renderer: stages in :mod:`.pipeline` order, run on numpy or torch.

``aienhance.render(img, params)`` (:mod:`.api`) is the user-facing entry point; 
:func:`render_working` renders linear Rec.2020 arrays (previews, evaluation, training).
"""

from __future__ import annotations

from .pipeline import STAGES, params_to_arrays, render_working, vector_to_arrays

__all__ = ["STAGES", "params_to_arrays", "render_working", "vector_to_arrays"]

# ``aienhance.render(img, params)`` calls :func:`aienhance.render.api.render`.
from .._callable_module import make_callable  # noqa: E402

make_callable(__name__, "render")
