"""Dark shapes that are not ink: a narrow shadow across the page (without_bands), the tip of a shadow cut
off by a digit or the frame (drop_shadows, drop_shadow_pieces) and pieces of a table's grain or a textured
ground (drop_textured)."""

import math

import cv2
import numpy as np

from edge_app.vision.boxes import Blob, _blob_mask, _touches_border
from edge_app.vision.config import PipelineConfig
from edge_app.vision.ink import _weak_ink
from edge_app.vision.pieces import join_pieces
from edge_app.vision.scans import CAMERA_SIDE

BAND_DARKEST = 99  # percentile of the strong ink's darkness taken as the frame's darkest ink
BAND_STROKES = 50  # pixels of strong ink clear of broad ink at least, whose median darkness is a pen stroke's
BAND_LENGTH = 0.5  # share of the frame's longer side a band spans at least (a digit's stroke is shorter) ...
BAND_ASPECT = 4.0  # ... and this many times its width


def without_bands(flat: np.ndarray, levels: tuple[float, float], config: PipelineConfig = PipelineConfig()
                  ) -> np.ndarray:
    """`flat` with narrow shadows across the page made paper. A shadow narrower than the paper estimate's
    kernel (a pen's, the edge of a phone held over the page) is divided out only in part and is left as a
    broad, faint stroke; the digits it crosses joined through it into one blob, read as one digit or none.
    A band: weak ink (`levels`, _ink_levels) `band_width` wide or wider all along, lighter than `band_light`
    of the frame's darkest ink (BAND_DARKEST), BAND_LENGTH of the frame's longer side long and BAND_ASPECT
    times as long as wide at least, and running out of the frame (a marker's stroke is shorter, or darker, and
    within the page; wider than the kernel, its inside is lighter once divided). Its pixels and its soft edges
    lighter than halfway from it to the pen's strokes (the strong ink clear of broad ink; BAND_STROKES) become
    paper; the strokes across it, darker, stay. `flat` itself when there is none (most frames: an erosion
    at half size and its outlines tell), and in a frame under CAMERA_SIDE pixels, no camera's (a scan, a crop:
    a stroke filling it, its edges lighter, runs out of the frame as a band would)."""
    if config.band_width is None or min(flat.shape) < CAMERA_SIDE:
        return flat
    low, high = levels
    side = max(5, int(round(config.band_width * max(flat.shape))) | 1)
    # An opening by a square that fits across a band `side` wide at any slant: separable, cheap for every frame.
    square = np.ones((max(3, int(side / math.sqrt(2)) | 1),) * 2, np.uint8)
    # Most frames have no broad ink, or none long enough (a marker's strokes, a soft shadow's rest): told at
    # half size, in a quarter of the time.
    half = _weak_ink(flat[::2, ::2], low).view(np.uint8)
    half = cv2.erode(half, square[:len(square) // 2 | 1, :len(square) // 2 | 1])
    reach = (BAND_LENGTH * max(flat.shape) - len(square)) / 2
    if not any(max(cv2.minAreaRect(c)[1]) >= reach
               for c in cv2.findContours(half, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)[0]):
        return flat
    core = cv2.erode(_weak_ink(flat, low).view(np.uint8), square)
    dark = cv2.subtract(np.full_like(flat, 255), flat)
    strong = dark[dark >= high]
    if strong.size == 0:
        return flat  # no ink to judge a band against
    ink = float(np.percentile(strong, BAND_DARKEST))
    light = dark < config.band_light * ink
    # The strokes crossing a band cut it: closed across them (a marker's, wider than the square, stay cut out).
    opened = cv2.dilate(core, square)
    broad = cv2.morphologyEx(opened & light.view(np.uint8), cv2.MORPH_CLOSE, square)
    cleaned = flat
    contours, _ = cv2.findContours(broad, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    stroke = None  # the median darkness of the strong ink clear of broad ink: a pen's strokes
    for contour in contours:
        long, short = sorted(cv2.minAreaRect(contour)[1], reverse=True)
        if (long < BAND_LENGTH * max(flat.shape) or long < BAND_ASPECT * short
                or not _touches_border(cv2.boundingRect(contour), flat.shape)):
            continue  # no band, or one within the page: a marker's stroke, hollow once divided, or its inside
        band = np.zeros_like(broad)
        cv2.drawContours(band, [contour], 0, 1, -1)
        level = float(np.median(dark[(band & broad).view(bool)]))
        if stroke is None:
            clear = (dark >= high) & ~cv2.dilate(opened, square).view(bool)
            stroke = float(np.median(dark[clear])) if np.count_nonzero(clear) >= BAND_STROKES else ink
        edge = cv2.dilate(band, np.ones((side // 2 | 1,) * 2, np.uint8)).view(bool) & (dark < (level + stroke) / 2)
        if cleaned is flat:
            cleaned = flat.copy()
        cleaned[edge] = 255
    return cleaned


def drop_textured(flat: np.ndarray, labels: np.ndarray, blobs: list[Blob],
                  config: PipelineConfig = PipelineConfig(), marks: list[Blob] = ()) -> list[Blob]:
    """Drop blobs lying in texture: a table's grain round the sheet, which leaves pieces of ink everywhere.

    The texture is the ink that belongs to no candidate digit (specks too small or too
    flat to be one, pieces cut by the border). A digit is written on paper, which is clean
    round it; a piece of grain has more grain all round. So a blob is dropped when such ink
    covers `texture_ring` of a ring round its box (`texture_margin` of its longer side
    wide), but only while most of the frame is clean (the median of 8x8 cells' share under
    `texture_clean`): on grainy paper, or in a noisy photo, the texture is everywhere and
    says nothing about where the paper is. `marks`, the lines and frames drawn round digits and dropped,
    are no texture either: a box round a digit filled its ring.
    """
    if config.texture_ring is None or not blobs:
        return blobs
    member = np.zeros(int(labels.max()) + 1, bool)
    for blob in [*blobs, *marks]:
        member[list(blob.labels)] = True
    # Measured on every second pixel both ways: a share needs no more, and it is 4 times cheaper.
    texture = ((flat[::2, ::2] <= 255 - config.low_contrast) & ~member[labels[::2, ::2]]).view(np.uint8)
    cells = cv2.resize(texture.astype(np.float32), (8, 8), interpolation=cv2.INTER_AREA)
    if np.median(cells) >= config.texture_clean:
        return blobs
    total = cv2.integral(texture)
    height, width = texture.shape

    def count(x0, y0, x1, y1):  # texture pixels in [x0, x1) x [y0, y1), in full-size coordinates
        x0, y0 = min(width, max(0, (x0 + 1) // 2)), min(height, max(0, (y0 + 1) // 2))
        x1, y1 = max(x0, min(width, (x1 + 1) // 2)), max(y0, min(height, (y1 + 1) // 2))
        return int(total[y1, x1] - total[y0, x1] - total[y1, x0] + total[y0, x0]), (x1 - x0) * (y1 - y0)

    kept = []
    for blob in blobs:
        x, y, w, h = blob.box
        margin = max(2, int(round(config.texture_margin * max(w, h))))
        outer, outer_area = count(x - margin, y - margin, x + w + margin, y + h + margin)
        inner, inner_area = count(x, y, x + w, y + h)
        if outer - inner < config.texture_ring * max(outer_area - inner_area, 1):
            kept.append(blob)
    return kept


def drop_shadows(grey: np.ndarray, labels: np.ndarray, blobs: list[Blob], ruled: np.ndarray | None = None,
                 config: PipelineConfig = PipelineConfig(), lines: np.ndarray | None = None) -> list[Blob]:
    """Drop the tips of shadows: blobs whose dark pixels run on, as dark, into the paper round them.

    Dividing out the paper takes a shadow for paper where it is wider than the closing's
    kernel, and leaves its narrow tip as ink: a solid wedge whose crop reads as a "1".
    In the grey frame that tip runs on into the rest of the shadow. Ink does not: it is
    darker than the paper all round it, shadowed paper included. So a blob is a shadow's
    tip when the pixels near it as dark as its dark ink (`shadow_level` percentile),
    joined to that ink and found no ink themselves, cover `shadow_reach` of its area or
    more, and it holds nothing much darker than them (`shadow_core`): a digit written
    where a shadow's halo joins it keeps its strokes. Printed rules (`ruled`, True where
    they were taken out) are left out of that paper, as a grey rule is darker than pencil,
    but join it: the rules of a squared page cut a shadow into cells. Where the rules run
    (`lines`, through the strokes crossing them) is left out of the blob's ink, which both
    levels are read from: a rule crossing a shadow's tip is darker than the tip.
    """
    if config.shadow_reach is None:
        return blobs
    return [blob for blob in blobs
            if not _shadow_tip(grey, labels, blob, ruled, lines, config.shadow_reach, None, config)]


def drop_shadow_pieces(grey: np.ndarray, labels: np.ndarray, pieces: list[Blob], blobs: list[Blob],
                       ruled: np.ndarray | None = None, config: PipelineConfig = PipelineConfig(),
                       lines: np.ndarray | None = None) -> list[Blob]:
    """Take the tips of shadows out of the blobs join_pieces made from `pieces`, and join the rest again.

    A long shadow's tip ending just below a line of digits is joined to them, and the
    whole is no tip (the digits are darker than the shadow), but a blob so tall makes
    every other digit a speck. Each piece of a joined blob is tested as drop_shadows
    tests a blob, counting only the paper outside the blob's box (`shadow_piece_reach`):
    a shadow runs on beyond the digits it touches, while the paper a marker stroke too
    wide for the closing encloses, as dark as the stroke, lies between its own pieces.
    """
    if config.shadow_reach is None:
        return blobs
    by_label = {piece.labels[0]: piece for piece in pieces}
    kept = []
    for blob in blobs:
        members = [by_label[label] for label in blob.labels] if len(blob.labels) > 1 else []
        rest = [piece for piece in members
                if not _shadow_tip(grey, labels, piece, ruled, lines, config.shadow_piece_reach, blob.box, config)]
        kept.extend(join_pieces(rest, config) if len(rest) < len(members) else [blob])
    return kept


def _shadow_tip(grey: np.ndarray, labels: np.ndarray, blob: Blob, ruled: np.ndarray | None,
                lines: np.ndarray | None, reach: float, outside, config: PipelineConfig) -> bool:
    """drop_shadows' test of one blob; with `outside`, a box, only the paper outside it counts towards `reach`."""
    x, y, w, h = blob.box
    side = int(config.shadow_window * max(w, h))
    x0, y0 = max(0, x - side), max(0, y - side)
    x1, y1 = min(grey.shape[1], x + w + side), min(grey.shape[0], y + h + side)
    window = labels[y0:y1, x0:x1]
    mask = _blob_mask(labels, blob, (x0, y0, x1 - x0, y1 - y0))
    patch = grey[y0:y1, x0:x1]
    ink = patch[mask & ~lines[y0:y1, x0:x1]] if lines is not None else patch[mask]
    if ink.size == 0:  # all of it on rules
        ink = patch[mask]
    rank = int(config.shadow_level / 100 * (ink.size - 1))
    dark = patch <= min(math.floor((1 + config.shadow_slack) * np.partition(ink, rank)[rank]), 255)  # as integers
    paper = dark & (window == 0)
    bridges = mask & dark  # what joins the paper to the blob's ink: that ink, and the rules taken out
    if ruled is not None:
        erased = ruled[y0:y1, x0:x1]
        paper &= ~erased
        bridges |= erased & dark
    counted = None  # every pixel of the paper, or only those outside the box `outside`
    if outside is not None:
        ox, oy, ow, oh = outside
        counted = np.ones_like(paper)
        counted[max(0, oy - y0):max(0, oy + oh - y0), max(0, ox - x0):max(0, ox + ow - x0)] = False
    least = reach * np.count_nonzero(mask)
    if _count(paper, counted) < least:  # it cannot reach that far: most blobs stop here
        return False
    count, joined = cv2.connectedComponents((paper | bridges).astype(np.uint8), connectivity=8)
    reached = np.zeros(count, bool)  # the components holding dark ink of the blob
    reached[joined[mask & dark]] = True
    paper &= reached[joined]
    return (_count(paper, counted) >= least
            and np.percentile(ink, 1) >= config.shadow_core * np.median(patch[paper]))


def _count(mask: np.ndarray, within: np.ndarray | None) -> int:
    """True pixels of `mask`, only those also True in `within` when given."""
    return np.count_nonzero(mask if within is None else mask & within)
