"""The controls of aienhance: name, unit, range and neutral value of each, defined once.

Every other part of aienhance (the schema, the renderer, the model head, the adapters, the JSON
format) reads this table. Controls are listed in pipeline order (see
:mod:`aienhance.render.pipeline`).

==========================  ======  ==============  =======  ===========================================
control                     unit    range           neutral  meaning
==========================  ======  ==============  =======  ===========================================
``temperature_k``           K       [2000, 15000]   6500     colour temperature of the light to
                                                             neutralise; the source's as-shot white is
                                                             6500 K, lower values make the photo cooler
``tint``                    slider  [-100, 100]     0        green (−) / magenta (+) correction;
                                                             the neutralised light has Duv = tint/3000
``exposure_ev``             EV      [-4, 4]         0        global exposure, ``x · 2^EV``
``blacks``                  slider  [-100, 100]     0        black level: ``x → (x − b)/(1 − b)`` with
                                                             ``b = −0.015 · blacks/100``
``local_exposure_ev``       EV      [-2, 2] × 9     0        luminosity-mask exposure of the 9 bands
                                                             centred at −8, −7, …, 0 EV of the smoothed
                                                             luminance (darktable tone equalizer)
``shadows``                 slider  [-100, 100]     0        fixed band shape added to the lower bands
``highlights``              slider  [-100, 100]     0        fixed band shape added to the upper bands
``contrast``                slider  [-100, 100]     0        contrast around the 18.45 % grey fulcrum
``whites``                  slider  [-100, 100]     0        white end of the tone curve
``tone_curve``              linear  [0, 1] × 8      x        curve output at the fixed inputs
                                                             :data:`TONE_CURVE_X`, non-decreasing
``saturation``              slider  [-100, 100]     0        global chroma
``vibrance``                slider  [-100, 100]     0        chroma of low-chroma colours
``hsl_hue``                 slider  [-100, 100] × 8 0        hue shift per hue band (±100 = ±30°)
``hsl_saturation``          slider  [-100, 100] × 8 0        chroma per hue band (−100 = grey, +100 = ×2)
``hsl_luminance``           slider  [-100, 100] × 8 0        lightness per hue band (±100 = ×2^±1 in L*)
==========================  ======  ==============  =======  ===========================================

"slider" units are the ±100 scale photographers know from Lightroom and darktable's percent
sliders; how each maps onto an editor's own field is documented by the adapters.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Control",
    "CONTROLS",
    "CONTROL_NAMES",
    "TONE_EQUALIZER_BANDS_EV",
    "TONE_CURVE_X",
    "HUE_BANDS",
    "HUE_BAND_CENTRES",
    "SHADOWS_SHAPE",
    "HIGHLIGHTS_SHAPE",
    "SHADOWS_HIGHLIGHTS_MAX_EV",
    "BLACKS_MAX_LEVEL",
    "HSL_HUE_MAX_TURNS",
    "HSL_LUMINANCE_MAX_Y",
    "SCHEMA_VERSION",
    "VECTOR_SIZE",
]

#: Version of the parameter schema; stored in every JSON document.
SCHEMA_VERSION = 1

#: Centres of the 9 luminosity bands, in EV of the smoothed luminance mask (1.0 = 0 EV).
TONE_EQUALIZER_BANDS_EV = (-8.0, -7.0, -6.0, -5.0, -4.0, -3.0, -2.0, -1.0, 0.0)

#: Fixed inputs of the tone-curve nodes, in linear working-space RGB (Rec.2020), 0.18 = mid grey.
TONE_CURVE_X = (0.0, 0.01, 0.04, 0.1, 0.18, 0.32, 0.56, 1.0)

#: The 8 hue bands photographers know, in Lightroom's order.
HUE_BANDS = ("red", "orange", "yellow", "green", "aqua", "blue", "purple", "magenta")

#: Band centres as CIE Lab (D50) hue in turns: the hue of the fully saturated sRGB colour
#: (HSV hues 0, 30, 60, 120, 180, 240, 270, 300 degrees); darktable.md §2.6.
HUE_BAND_CENTRES = (0.113, 0.163, 0.277, 0.373, 0.546, 0.837, 0.856, 0.909)

#: Weight of ``shadows`` and ``highlights`` on each tone-equalizer band (−8 … 0 EV).
SHADOWS_SHAPE = (1.0, 1.0, 1.0, 1.0, 0.9, 0.5, 0.1, 0.0, 0.0)
HIGHLIGHTS_SHAPE = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.2, 0.7, 1.0)
#: Band gain in EV at ``shadows`` / ``highlights`` = ±100 and weight 1.
SHADOWS_HIGHLIGHTS_MAX_EV = 1.5

#: Black level ``b`` of darktable's exposure module at ``blacks`` = −100 (b = −blacks/100 · this).
BLACKS_MAX_LEVEL = 0.015

#: Hue shift in turns at ``hsl_hue`` = ±100 (30°).
HSL_HUE_MAX_TURNS = 1.0 / 12.0
#: Change of colour zones' lightness curve ``y`` at ``hsl_luminance`` = ±100 (L · 2^(4·0.25) = ×2).
HSL_LUMINANCE_MAX_Y = 0.25


@dataclass(frozen=True)
class Control:
    """One control: its name, unit, range, neutral value and length (1 for a scalar)."""

    name: str
    unit: str
    minimum: float
    maximum: float
    neutral: float | tuple[float, ...]
    length: int
    doc: str

    @property
    def is_vector(self) -> bool:
        return self.length > 1

    def neutral_tuple(self) -> tuple[float, ...]:
        if isinstance(self.neutral, tuple):
            return self.neutral
        return (float(self.neutral),) * self.length


_SLIDER = (-100.0, 100.0)

CONTROLS: tuple[Control, ...] = (
    Control("temperature_k", "K", 2000.0, 15000.0, 6500.0, 1,
            "Colour temperature of the light to neutralise; as-shot white = 6500 K."),
    Control("tint", "slider", *_SLIDER, 0.0, 1,
            "Green (-) / magenta (+) correction; the neutralised light has Duv = tint/3000."),
    Control("exposure_ev", "EV", -4.0, 4.0, 0.0, 1, "Global exposure in EV (stops)."),
    Control("blacks", "slider", *_SLIDER, 0.0, 1,
            "Black level; +100 lifts blacks (darktable exposure black = -0.015)."),
    Control("local_exposure_ev", "EV", -2.0, 2.0, 0.0, 9,
            "Exposure of the 9 luminosity bands centred at -8 ... 0 EV (tone equalizer)."),
    Control("shadows", "slider", *_SLIDER, 0.0, 1, "Brighten (+) or darken (-) the shadows."),
    Control("highlights", "slider", *_SLIDER, 0.0, 1, "Brighten (+) or recover (-) highlights."),
    Control("contrast", "slider", *_SLIDER, 0.0, 1, "Contrast around the 18.45 % grey fulcrum."),
    Control("whites", "slider", *_SLIDER, 0.0, 1, "White end of the tone curve."),
    Control("tone_curve", "linear", 0.0, 1.0, TONE_CURVE_X, len(TONE_CURVE_X),
            "Tone-curve outputs at TONE_CURVE_X (linear RGB), non-decreasing."),
    Control("saturation", "slider", *_SLIDER, 0.0, 1, "Global saturation (chroma)."),
    Control("vibrance", "slider", *_SLIDER, 0.0, 1, "Saturation of the less saturated colours."),
    Control("hsl_hue", "slider", *_SLIDER, 0.0, 8, "Hue shift per hue band (+-100 = +-30 deg)."),
    Control("hsl_saturation", "slider", *_SLIDER, 0.0, 8,
            "Saturation per hue band (-100 = grey, +100 = double chroma)."),
    Control("hsl_luminance", "slider", *_SLIDER, 0.0, 8,
            "Luminance per hue band (+-100 = L* x2^+-1)."),
)

CONTROL_NAMES = tuple(c.name for c in CONTROLS)

#: Length of the flat parameter vector (model output, renderer input).
VECTOR_SIZE = sum(c.length for c in CONTROLS)
