"""Dark shapes that are not ink: the tip of a shadow cut off by a digit or the frame (drop_shadows,
drop_shadow_pieces) and pieces of a table's grain or a textured ground (drop_textured)."""

import math

import cv2
import numpy as np

from edge_app.vision.boxes import Blob, _blob_mask
from edge_app.vision.config import PipelineConfig
from edge_app.vision.pieces import join_pieces


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
