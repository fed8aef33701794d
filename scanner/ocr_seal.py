"""Red seals (公章, 印章) on scanned pages: found by colour, read apart from the text they cover.

A scanned notice is stamped: a red round or oval seal, often over the
signature lines, and sometimes a red 内部资料 / 机密 stamp anywhere on the
page.  Read with the page, a seal's text either runs into the body line it
overlaps (the engine finds one box across both) or stands among the body's
lines in reading order: a seal 机密 in the middle of page two is then "a
level alone on a line, not in a mark position" (review, not block), and an
issuer's seal glued into a sentence can make a false mark.

So a page with a seal is read apart:

* the body: the page with the seals' red turned white (:func:`without_seals`),
  so the engine sees only the black text under them;
* each seal: its box with only the red kept, as black on white
  (:func:`seal_only`), so the body text under it is gone; a round seal's
  ring is also unwrapped into a straight strip (:func:`ring_strip`), so the
  issuer's name along its arc reads as one line.

The seal's lines are marked ``seal`` (:attr:`~scanner.ocr.OcrLine.seal`):
the marking judgement treats them as a stamp, which is a mark wherever it
stands (:func:`scanner.markings.position.mark_place`).  A page without
red costs one look at a reduced copy (:func:`red_seals`, about a
millisecond against some 800 of OCR); a page with a round seal two more
engine passes, on the seal's crop and its ring's strip (README "OCR").
"""

from __future__ import annotations

import math
from typing import Any

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels of the image, half-open

# The look for red is made on a copy at most this many pixels on its longer side.
LOOK_SIDE = 600
# A pixel is seal red when red leads green and blue by this much (0..255):
# printed red (220, 30, 30), a faded stamp over white (235, 120, 120) and a
# stamp over black text's grey edges; not black, grey, skin-coloured photos'
# oranges mostly, or a blue link.
RED_LEAD = 60
RED_MIN = 110
# A seal is this share of the page's shorter side across, at least / at most.
MIN_SIDE_SHARE = 0.06
MAX_SIDE_SHARE = 0.6
# Round, oval or a short rectangular stamp: width / height within this ratio
# either way (a red-head title or a red rule line is far wider than high).
MAX_ASPECT = 3.5
# Inside a seal's box a looser test: the pink edges of its strokes (a stroke's
# anti-aliasing or ink over white) are the seal's too, where black text and its
# grey edges have no lead of red at all.
STROKE_LEAD = 20
# At least this many red pixels of the reduced copy make a look worth a closer one.
MIN_RED_PIXELS = 40


def red_mask(pixels: Any, *, lead: int = RED_LEAD) -> Any:
    """Boolean array: the seal-red pixels of an RGB array (height × width × 3, uint8)."""
    import numpy

    rgb = pixels.astype(numpy.int16)
    red, green, blue = rgb[:, :, 0], rgb[:, :, 1], rgb[:, :, 2]
    return (red >= RED_MIN) & (red - numpy.maximum(green, blue) >= lead)


def red_seals(image: Any) -> tuple[Box, ...]:
    """The boxes of the red seals of a PIL RGB image, in its pixels; ``()`` for a page without one.

    A seal is a red region, its strokes closed into one blob (ring, star,
    the characters inside), of a seal's size and roughly as high as wide.
    """
    import numpy

    width, height = image.size
    factor = max(1, -(-max(width, height) // LOOK_SIDE))
    # every factor-th pixel, not an average (a fifth of the time; a seal's stroke is wider than the step)
    small = image.resize((max(1, width // factor), max(1, height // factor)), 0) if factor > 1 else image
    mask = red_mask(numpy.asarray(small))
    if int(mask.sum()) < MIN_RED_PIXELS:  # the common case: no red at all
        return ()
    try:
        import cv2
    except ImportError:  # OpenCV comes with the engine: without it nothing is read anyway
        return ()
    side = min(mask.shape)
    close = max(3, int(side * 0.02) | 1)  # joins a seal's characters and its ring
    blobs = cv2.morphologyEx(mask.astype(numpy.uint8), cv2.MORPH_CLOSE, numpy.ones((close, close), numpy.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(blobs, connectivity=8)
    boxes: list[Box] = []
    for label in range(1, count):
        x, y, w, h = (int(value) for value in stats[label][:4])
        if not (MIN_SIDE_SHARE * side <= max(w, h) <= MAX_SIDE_SHARE * side):
            continue
        if max(w, h) > MAX_ASPECT * max(1, min(w, h)):
            continue
        margin = max(2, close // 2)
        boxes.append((
            max(0, (x - margin) * factor),
            max(0, (y - margin) * factor),
            min(width, (x + w + margin) * factor),
            min(height, (y + h + margin) * factor),
        ))
    return tuple(sorted(_merged(boxes), key=lambda box: (box[1], box[0])))


def _merged(boxes: list[Box]) -> list[Box]:
    """Overlapping boxes made one (a seal's ring and the characters inside it left apart by the closing)."""
    merged = list(boxes)
    changed = True
    while changed:
        changed = False
        for i in range(len(merged)):
            for j in range(i + 1, len(merged)):
                a, b = merged[i], merged[j]
                if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                    merged[i] = (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
                    del merged[j]
                    changed = True
                    break
            if changed:
                break
    return merged


def without_seals(pixels: Any, seals: tuple[Box, ...]) -> Any:
    """A copy of an RGB array with the red inside ``seals`` made white: the text under the seals, alone."""
    out = pixels.copy()
    for x0, y0, x1, y1 in seals:
        region = out[y0:y1, x0:x1]
        region[red_mask(region, lead=STROKE_LEAD)] = 255
    return out


def seal_only(pixels: Any, seal: Box) -> Any:
    """The seal's box of an RGB array with its red as black on white, everything else white (RGB)."""
    import numpy

    x0, y0, x1, y1 = seal
    region = pixels[y0:y1, x0:x1]
    out = numpy.full(region.shape, 255, dtype=numpy.uint8)
    out[red_mask(region, lead=STROKE_LEAD)] = 0
    return out


# A seal this close to round has its issuer's name along its ring.
MAX_ROUND_ASPECT = 1.25
# The ring's text lies outside this share of the radius (the strip read is the rest).
RING_INNER = 0.5
# A line across a seal is at least this share of its characters' count times as wide as high.
STRAIGHT_SHARE = 0.6


def is_round(seal: Box) -> bool:
    x0, y0, x1, y1 = seal
    width, height = x1 - x0, y1 - y0
    return max(width, height) <= MAX_ROUND_ASPECT * max(1, min(width, height))


def straight(text: str, box: tuple[float, float, float, float]) -> bool:
    """Whether a line read in a round seal lies straight across it (its box about as wide as its characters).

    The engine reads the arc of a seal's ring as a line whose box is as high
    as the arc (国学立件专用事 over a box 290 × 151 px); a straight line of n
    characters is about n times as wide as high.
    """
    width, height = box[2] - box[0], box[3] - box[1]
    return width >= STRAIGHT_SHARE * len(text) * height


def ring_strip(crop: Any) -> Any:
    """The ring of a round seal's crop (from :func:`seal_only`) unwrapped into a straight strip, text upright.

    Read as it stands, the issuer's name along a round seal's upper arc is
    characters at every angle, which a line recogniser reads as nonsense
    (某某市人民政府办公室 as 安堂市人民); unwrapped around the seal's centre it
    is one horizontal line (read right, with confidence 0.95-0.99, on the
    test seals).  The strip runs clockwise from the bottom, so the upper arc
    is in one piece in its middle; the ring's outside is up.
    """
    import cv2
    import numpy

    height, width = crop.shape[:2]
    radius = min(height, width) / 2
    around = max(8, int(2 * math.pi * radius * 0.8))  # about the text's own width along the arc
    flags = cv2.WARP_POLAR_LINEAR + cv2.INTER_LINEAR + cv2.WARP_FILL_OUTLIERS
    polar = cv2.warpPolar(crop, (max(2, int(radius)), around), (width / 2, height / 2), radius, flags)
    # rows: the angle clockwise from the right; columns: the distance from the centre
    polar = numpy.roll(polar, -around // 4, axis=0)
    strip = polar.transpose(1, 0, 2)[::-1]
    return numpy.ascontiguousarray(strip[: max(1, int(radius * (1 - RING_INNER)))])


def read_seals(engine: Any, page: Any, seals: tuple[Box, ...]) -> list[tuple[str, tuple[float, float, float, float], float]]:
    """Each seal of an RGB page read from its red alone: (text, box in the page's pixels, confidence) a line.

    ``engine`` is :class:`scanner.ocr.Engine` (BGR in).  The lines across a
    seal are located by their own boxes; a round seal's ring, read
    unwrapped, by the seal's box (a box in the strip is no place on the
    page).
    """
    import numpy

    lines: list[tuple[str, tuple[float, float, float, float], float]] = []
    for seal in seals:
        x0, y0 = seal[0], seal[1]
        crop = seal_only(page, seal)
        round_seal = is_round(seal)
        for text, points, score in engine(numpy.ascontiguousarray(crop[:, :, ::-1])):
            text = text.strip()
            xs, ys = [point[0] for point in points], [point[1] for point in points]
            box = (min(xs), min(ys), max(xs), max(ys))
            # a round seal's ring is read unwrapped below: what this reading makes of its arc is nonsense
            if round_seal and not straight(text, box):
                continue
            lines.append((text, (box[0] + x0, box[1] + y0, box[2] + x0, box[3] + y0), score))
        if round_seal:
            whole = (float(seal[0]), float(seal[1]), float(seal[2]), float(seal[3]))
            lines.extend(
                (text.strip(), whole, score)
                for text, _, score in engine(numpy.ascontiguousarray(ring_strip(crop)[:, :, ::-1]))
            )
    return lines
