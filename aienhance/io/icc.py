"""Embedded ICC profiles: parse, identify the colour space, decode pixels into the working space.

Only the parts of an ICC profile needed for RGB matrix/TRC profiles are read (ICC.1:2010 and the
older v2 layout): the header, the description (``desc``, ``mluc``), the media white point
(``wtpt``), the colorants (``rXYZ``, ``gXYZ``, ``bXYZ``) and the tone reproduction curves
(``rTRC``, ``gTRC``, ``bTRC``, ``kTRC``; ``curv`` and ``para`` types). Every offset is bounds
checked: a profile that is truncated or lies about its tags is treated as missing, never crashes.

Policy
------
1. The profile's colorants are compared with those of the known spaces (sRGB, Adobe RGB (1998),
   Display P3, ProPhoto RGB, ITU-R BT.2020, all adapted to the D50 profile connection space with
   the Bradford transform). A match gives that space's exact matrix to linear Rec.2020.
2. Without colorants (a LUT-based profile), the description is matched against the same names.
3. The pixels are decoded with the profile's own tone curves (so "linear" variants of a space are
   honoured); the space's standard transfer function is used where the profile has none.
4. An RGB matrix/TRC profile that matches nothing known is converted with its own colorants and
   curves, with an :class:`~aienhance.errors.AienhanceWarning` naming it (colorants of old v2
   profiles whose white is not D50 are first adapted to D50 with the Bradford transform).
5. Anything else (no profile: sRGB by convention; a profile that cannot be read or is not RGB)
   is treated as sRGB; an unreadable or unusable profile also gives a warning.

The matrices are constants computed with colour-science
(``colour.matrix_RGB_to_RGB(space, "ITU-R BT.2020", chromatic_adaptation_transform="Bradford")``);
``tests/io/test_icc.py`` checks them against it, so loading never imports colour for the known
spaces.

References
----------
International Color Consortium, ICC.1:2010 (profile version 4.3.0.0), sections 7 and 10.
IEC 61966-2-1:1999 (sRGB); Adobe RGB (1998) Color Image Encoding, 2005; SMPTE EG 432-1 (Display
P3); ANSI/I3A IT10.7666 (ROMM / ProPhoto RGB); ITU-R BT.2020.
"""

from __future__ import annotations

import dataclasses
import struct
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..errors import AienhanceWarning
from ..render.colourspace import SRGB_TO_REC2020, XYZ_D50_TO_REC2020, srgb_to_linear

__all__ = [
    "KNOWN_SPACES",
    "SRGB",
    "ColourSpace",
    "IccProfile",
    "bradford_adaptation",
    "colour_space_from_icc",
    "encoded_to_working",
    "identify_colour_space",
    "parse_icc",
]

#: ICC profile connection space white (D50), XYZ with Y = 1.
ICC_D50 = np.array([0.9642, 1.0, 0.8249])
#: Largest profile accepted (bytes); real matrix/TRC profiles are a few kB.
MAX_ICC_BYTES = 4 * 1024 * 1024
#: Colorants must agree within this (XYZ units, Y of white = 1) to identify a known space.
COLORANT_TOLERANCE = 0.004


@dataclass(frozen=True, eq=False)
class _Curve:
    """One tone reproduction curve: encoded value → linear, on [0, 1]."""

    kind: str  # "identity", "gamma", "para", "table", "srgb", "romm"
    gamma: float = 1.0
    params: tuple[float, ...] = ()
    table: np.ndarray | None = None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _Curve):
            return NotImplemented
        same_table = (self.table is None and other.table is None) or (
            self.table is not None and other.table is not None
            and np.array_equal(self.table, other.table))
        return (self.kind, self.gamma, self.params) == (other.kind, other.gamma,
                                                        other.params) and same_table

    __hash__ = None  # type: ignore[assignment]

    @property
    def is_linear(self) -> bool:
        if self.kind == "identity":
            return True
        if self.kind == "gamma":
            return abs(self.gamma - 1.0) < 1e-3
        if self.kind == "table" and self.table is not None:
            grid = np.linspace(0.0, 1.0, self.table.size)
            return bool(np.max(np.abs(self.table - grid)) < 2e-3)
        return False

    def decode(self, encoded: np.ndarray) -> np.ndarray:
        """Apply the curve; values outside [0, 1] are extended odd-symmetrically (or clamped for tables)."""
        if self.kind == "identity":
            return encoded
        if self.kind == "srgb":
            return srgb_to_linear(encoded)
        a = np.abs(encoded)
        if self.kind == "gamma":
            return np.sign(encoded) * a ** np.float32(self.gamma)
        if self.kind == "romm":
            return np.sign(encoded) * np.where(a < 16.0 / 512.0, a / 16.0, a**1.8)
        if self.kind == "table":
            grid = np.linspace(0.0, 1.0, self.table.size, dtype=np.float32)
            return np.interp(encoded, grid, self.table.astype(np.float32)).astype(encoded.dtype)
        return np.sign(encoded) * _parametric(a, self.params)


def _parametric(x: np.ndarray, p: tuple[float, ...]) -> np.ndarray:
    """ICC ``parametricCurveType`` functions 0-4 (ICC.1:2010, table 68)."""
    g = p[0]
    if len(p) == 1:
        return x**g
    a, b = p[1], p[2]
    base = np.maximum(a * x + b, 0.0)
    if len(p) == 3:  # Y = (aX + b)^g for X >= -b/a, else 0
        return np.where(x >= -b / a if a else True, base**g, 0.0)
    if len(p) == 4:  # + c, else c
        c = p[3]
        return np.where(x >= -b / a if a else True, base**g + c, c)
    c, d = p[3], p[4]
    e, f = (p[5], p[6]) if len(p) == 7 else (0.0, 0.0)
    return np.where(x >= d, base**g + e, c * x + f)


@dataclass(frozen=True)
class ColourSpace:
    """A source RGB space: its name, matrix to linear Rec.2020, and per-channel decoding curves."""

    name: str
    matrix_to_rec2020: tuple[tuple[float, ...], ...]
    curves: tuple[_Curve, ...] = (_Curve("srgb"),)
    colorants_d50: tuple[tuple[float, ...], ...] | None = None
    #: Description of the embedded profile this space was read from ("" if none).
    profile_description: str = ""

    @property
    def is_linear(self) -> bool:
        return all(c.is_linear for c in self.curves)


_SRGB_CURVE = _Curve("srgb")

#: The known spaces: exact matrix to linear Rec.2020 (Bradford) and D50-adapted colorants.
KNOWN_SPACES: dict[str, ColourSpace] = {
    "sRGB": ColourSpace(
        "sRGB",
        SRGB_TO_REC2020,  # the renderer's constant, so arrays and files convert identically
        (_SRGB_CURVE,),
        ((0.4360760404, 0.3851683775, 0.1431003425),
         (0.2224553431, 0.7169184096, 0.0606285391),
         (0.0139000774, 0.0970855760, 0.7140751205)),
    ),
    "Adobe RGB (1998)": ColourSpace(
        "Adobe RGB (1998)",
        ((0.8773375991, 0.0774977091, 0.0451746704),
         (0.0966138895, 0.8915203988, 0.0118468670),
         (0.0229200098, 0.0430379497, 0.9340446591)),
        (_Curve("gamma", gamma=563.0 / 256.0),),
        ((0.6097759990, 0.2053017097, 0.1492218935),
         (0.3111197361, 0.6256497313, 0.0632207105),
         (0.0194694882, 0.0608798793, 0.7447567380)),
    ),
    "Display P3": ColourSpace(
        "Display P3",
        ((0.7538330344, 0.1985973691, 0.0475695966),
         (0.0457438490, 0.9417772198, 0.0124789312),
         (-0.0012103404, 0.0176017173, 0.9836086231)),
        (_SRGB_CURVE,),
        ((0.5151464430, 0.2920099821, 0.1571392514),
         (0.2412003221, 0.6922225411, 0.0665771367),
         (-0.0010501391, 0.0418782702, 0.7842764715)),
    ),
    "ProPhoto RGB": ColourSpace(
        "ProPhoto RGB",
        ((1.2005790118, -0.0575627442, -0.1431255865),
         (-0.0700193500, 1.0807118455, -0.0106298030),
         (0.0055442047, -0.0407857135, 1.0349821891)),
        (_Curve("romm"),),
        ((0.7977, 0.1352, 0.0313),
         (0.2880, 0.7119, 0.0001),
         (0.0, 0.0, 0.8249)),
    ),
    "ITU-R BT.2020": ColourSpace(
        "ITU-R BT.2020",
        ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)),
        (_Curve("gamma", gamma=2.4),),
        ((0.6735154632, 0.1656972637, 0.1250829495),
         (0.2790590051, 0.6753180057, 0.0456229891),
         (-0.0019324271, 0.0299778268, 0.7970592029)),
    ),
}
#: sRGB, the space assumed for files without a (usable) profile.
SRGB = KNOWN_SPACES["sRGB"]

_DESCRIPTION_KEYS = (
    ("prophoto", "ProPhoto RGB"),
    ("romm", "ProPhoto RGB"),
    ("adobe rgb", "Adobe RGB (1998)"),
    ("adobergb", "Adobe RGB (1998)"),
    ("a98", "Adobe RGB (1998)"),
    ("display p3", "Display P3"),
    ("displayp3", "Display P3"),
    ("rec2020", "ITU-R BT.2020"),
    ("rec. 2020", "ITU-R BT.2020"),
    ("bt.2020", "ITU-R BT.2020"),
    ("srgb", "sRGB"),
)


@dataclass(frozen=True)
class IccProfile:
    """The parts of an ICC profile that :func:`colour_space_from_icc` uses."""

    data_colour_space: str
    description: str = ""
    white: tuple[float, float, float] | None = None
    colorants: np.ndarray | None = None  # (3, 3): columns are rXYZ, gXYZ, bXYZ
    curves: tuple[_Curve, ...] = field(default_factory=tuple)


class IccError(ValueError):
    """An ICC profile cannot be parsed (internal: loaders turn it into a warning)."""


def _s15(data: bytes, offset: int, count: int) -> tuple[float, ...]:
    raw = struct.unpack_from(f">{count}i", data, offset)
    return tuple(v / 65536.0 for v in raw)


def _read_text(data: bytes, offset: int, size: int) -> str:
    kind = data[offset:offset + 4]
    if kind == b"desc":
        (n,) = struct.unpack_from(">I", data, offset + 8)
        n = min(n, size - 12, 4096)
        return data[offset + 12:offset + 12 + max(n, 0)].split(b"\0")[0].decode("latin-1").strip()
    if kind == b"mluc":
        count, record = struct.unpack_from(">II", data, offset + 8)
        if count < 1 or record < 12:
            return ""
        length, start = struct.unpack_from(">II", data, offset + 16 + 4)
        if start + length > size:
            raise IccError("mluc string outside its tag")
        raw = data[offset + start:offset + start + min(length, 8192)]
        return raw.decode("utf-16-be", errors="replace").split("\0")[0].strip()
    if kind == b"text":
        return data[offset + 8:offset + min(size, 4096)].split(b"\0")[0].decode("latin-1").strip()
    return ""


def _read_curve(data: bytes, offset: int, size: int) -> _Curve:
    kind = data[offset:offset + 4]
    if kind == b"curv":
        (n,) = struct.unpack_from(">I", data, offset + 8)
        if n == 0:
            return _Curve("identity")
        if n == 1:
            (g,) = struct.unpack_from(">H", data, offset + 12)
            return _Curve("gamma", gamma=g / 256.0)
        if n > 65536 or 12 + 2 * n > size:
            raise IccError("curve table outside its tag")
        table = np.frombuffer(data, ">u2", n, offset + 12).astype(np.float32) / 65535.0
        return _Curve("table", table=table)
    if kind == b"para":
        (function,) = struct.unpack_from(">H", data, offset + 8)
        counts = {0: 1, 1: 3, 2: 4, 3: 5, 4: 7}
        if function not in counts or 12 + 4 * counts[function] > size:
            raise IccError(f"unknown or truncated parametric curve type {function}")
        params = _s15(data, offset + 12, counts[function])
        if not np.all(np.isfinite(params)) or params[0] <= 0 or params[0] > 20:
            raise IccError("implausible parametric curve")
        return _Curve("para", params=params)
    raise IccError(f"unsupported curve type {kind!r}")


def parse_icc(data: bytes) -> IccProfile:
    """Parse the header and the matrix/TRC tags of an ICC profile.

    Parameters
    ----------
    data
        The profile bytes (as embedded in JPEG APP2 / PNG iCCP / TIFF tag 34675).

    Returns
    -------
    IccProfile
        Tags that are absent or of an unsupported type are left empty.

    Raises
    ------
    IccError
        If the header or tag table is malformed or points outside the data.
    """
    if not isinstance(data, (bytes, bytearray)) or len(data) < 132:
        raise IccError("profile shorter than its 128-byte header")
    if len(data) > MAX_ICC_BYTES:
        raise IccError("profile larger than 4 MB")
    data = bytes(data)
    if data[36:40] != b"acsp":
        raise IccError("missing 'acsp' signature")
    space = data[16:20].decode("latin-1").strip()
    (count,) = struct.unpack_from(">I", data, 128)
    if count > 1000 or 132 + 12 * count > len(data):
        raise IccError("tag table larger than the profile")
    tags: dict[bytes, tuple[int, int]] = {}
    for i in range(count):
        sig, off, size = struct.unpack_from(">4sII", data, 132 + 12 * i)
        if off + size > len(data) or size < 8:
            continue  # a tag outside the data is ignored, the rest may still be usable
        tags[sig] = (off, size)

    def xyz(sig: bytes) -> tuple[float, float, float] | None:
        if sig not in tags:
            return None
        off, size = tags[sig]
        if data[off:off + 4] != b"XYZ " or size < 20:
            return None
        return _s15(data, off + 8, 3)

    description = ""
    if b"desc" in tags:
        try:
            description = _read_text(data, *tags[b"desc"])
        except (struct.error, IccError, UnicodeError):
            description = ""
    columns = [xyz(s) for s in (b"rXYZ", b"gXYZ", b"bXYZ")]
    colorants = None
    if all(c is not None for c in columns):
        colorants = np.array(columns, dtype=np.float64).T
        if not np.all(np.isfinite(colorants)) or abs(np.linalg.det(colorants)) < 1e-6:
            colorants = None
    curves: list[_Curve] = []
    for sig in (b"rTRC", b"gTRC", b"bTRC") if space == "RGB" else (b"kTRC",):
        if sig in tags:
            try:
                curves.append(_read_curve(data, *tags[sig]))
            except struct.error as exc:
                raise IccError(f"truncated curve {sig!r}") from exc
    return IccProfile(space, description, xyz(b"wtpt"), colorants, tuple(curves))


#: Bradford cone-response matrix (Lam 1985), as in colour-science's ``CAT_BRADFORD``.
BRADFORD = np.array([[0.8951, 0.2664, -0.1614],
                     [-0.7502, 1.7135, 0.0367],
                     [0.0389, -0.0685, 1.0296]])


def bradford_adaptation(source_white: np.ndarray, target_white: np.ndarray) -> np.ndarray:
    """von Kries adaptation matrix in Bradford cone space from one XYZ white to another.

    Equals ``colour.adaptation.matrix_chromatic_adaptation_VonKries(source, target,
    transform="Bradford")`` (checked in ``tests/io/test_icc.py``); written out so that loading
    never waits for ``import colour`` (several seconds).
    """
    source = BRADFORD @ np.asarray(source_white, dtype=np.float64)
    target = BRADFORD @ np.asarray(target_white, dtype=np.float64)
    if np.any(np.abs(source) < 1e-9) or not np.all(np.isfinite(source)):
        raise IccError("degenerate white point")
    return np.linalg.inv(BRADFORD) @ np.diag(target / source) @ BRADFORD


def _to_d50(colorants: np.ndarray) -> np.ndarray:
    """Colorants whose white is not D50 (old v2 profiles), adapted to D50 with Bradford."""
    white = colorants.sum(axis=1)
    if np.max(np.abs(white - ICC_D50)) < 0.01:
        return colorants
    return bradford_adaptation(white, ICC_D50) @ colorants


def identify_colour_space(profile: IccProfile) -> str | None:
    """Name of the known space the profile describes (by colorants, else description), or None."""
    if profile.colorants is not None:
        try:
            colorants = _to_d50(profile.colorants)
        except IccError:
            return None
        for name, space in KNOWN_SPACES.items():
            if np.max(np.abs(colorants - np.array(space.colorants_d50))) < COLORANT_TOLERANCE:
                return name
        return None
    text = profile.description.lower()
    for key, name in _DESCRIPTION_KEYS:
        if key in text:
            return name
    return None


def _warn(message: str) -> None:
    warnings.warn(message, AienhanceWarning, stacklevel=4)


def colour_space_from_icc(icc: bytes | None, *, channels: int = 3) -> ColourSpace:
    """The source colour space described by an embedded profile (see the module's policy).

    Parameters
    ----------
    icc
        Profile bytes, or None if the file has none.
    channels
        1 for grey images (only the profile's ``kTRC`` is used), 3 for RGB.

    Returns
    -------
    ColourSpace

    Warns
    -----
    AienhanceWarning
        If the profile is unreadable, of the wrong kind, or not one of the known spaces.
    """
    if not icc:
        return SRGB
    try:
        profile = parse_icc(icc)
    except (IccError, struct.error, ValueError) as exc:
        _warn(f"ignored an unreadable ICC profile ({exc}); assuming sRGB")
        return SRGB
    space = _space_from_profile(profile, channels)
    if not profile.description:
        return space
    return dataclasses.replace(space, profile_description=profile.description[:200])


def _space_from_profile(profile: IccProfile, channels: int) -> ColourSpace:
    label = profile.description or "unnamed"
    if channels == 1:
        if profile.data_colour_space == "GRAY" and profile.curves:
            return ColourSpace(f"Gray ({label})", SRGB.matrix_to_rec2020, profile.curves[:1])
        return ColourSpace("Gray (sRGB)", SRGB.matrix_to_rec2020, (_SRGB_CURVE,))
    if profile.data_colour_space != "RGB":
        _warn(f"ignored a {profile.data_colour_space} ICC profile ({label!r}) on an RGB image; "
              "assuming sRGB")
        return SRGB
    name = identify_colour_space(profile)
    curves = profile.curves if len(profile.curves) == 3 else None
    if name is not None:
        known = KNOWN_SPACES[name]
        if curves is None:
            return known
        if all(c.is_linear for c in curves):
            return ColourSpace(f"{name} (linear)", known.matrix_to_rec2020,
                               (_Curve("identity"),), known.colorants_d50)
        if known.curves[0].kind == "srgb" and all(_close_to_srgb(c) for c in curves):
            return known
        return ColourSpace(name, known.matrix_to_rec2020, curves, known.colorants_d50)
    if profile.colorants is not None and curves is not None:
        try:
            matrix = np.array(XYZ_D50_TO_REC2020) @ _to_d50(profile.colorants)
        except IccError:
            _warn(f"ICC profile {label!r} has a degenerate white point; assuming sRGB")
            return SRGB
        if not np.all(np.isfinite(matrix)) or np.abs(matrix).max() > 100:
            _warn(f"ICC profile {label!r} has implausible colorants; assuming sRGB")
            return SRGB
        _warn(f"ICC profile {label!r} is not sRGB, Adobe RGB, Display P3, ProPhoto or Rec.2020; "
              "converted with its own colorants and curves")
        return ColourSpace(label, tuple(map(tuple, matrix.tolist())), curves)
    _warn(f"ICC profile {label!r} is not a recognised RGB matrix profile; assuming sRGB")
    return SRGB


def _close_to_srgb(curve: _Curve) -> bool:
    x = np.linspace(0.0, 1.0, 64, dtype=np.float32)
    return bool(np.max(np.abs(curve.decode(x) - srgb_to_linear(x))) < 2e-3)


def encoded_to_working(encoded: np.ndarray, space: ColourSpace) -> np.ndarray:
    """Decode stored values of ``space`` into linear Rec.2020.

    Parameters
    ----------
    encoded
        ``(H, W, 3)`` or ``(H, W)`` (grey) float32, full scale = 1.
    space
        From :func:`colour_space_from_icc`.

    Returns
    -------
    numpy.ndarray
        ``(H, W, 3)`` float32 linear Rec.2020.
    """
    encoded = np.asarray(encoded, dtype=np.float32)
    if encoded.ndim == 2:
        # grey: R = G = B, then the same matrix as the RGB data of that space
        encoded = np.repeat(encoded[..., None], 3, axis=-1)
    curves = space.curves
    if len(curves) == 1 or all(c == curves[0] for c in curves[1:]):
        linear = curves[0].decode(encoded)
    else:
        linear = np.stack([c.decode(encoded[..., i]) for i, c in enumerate(curves)], axis=-1)
    linear = np.asarray(linear, dtype=np.float32)
    matrix = np.asarray(space.matrix_to_rec2020, dtype=np.float32)
    if np.array_equal(matrix, np.eye(3, dtype=np.float32)):
        return linear
    return linear @ matrix.T
