"""Frames that are no camera's: a small scan shown enlarged in blocks (_unblocked), and the shapes
that tell a crop of one digit or a number's strip from a photo (_may_fill, _squarish, _is_strip)."""

import math

import numpy as np

from edge_app.vision.config import PipelineConfig

SCAN_PAPER = 95  # percentile of a small scan's grey levels its paper is taken at: its brightest 5%
CAMERA_SIDE = 400  # pixels: a frame with a shorter side than this is no camera's (480 up): a scan, a drawing or a crop
SCAN_SIDE = 32  # pixels: a frame no longer than this is a scan, whatever its paper


def _unblocked(grey: np.ndarray, config: PipelineConfig) -> tuple[np.ndarray, float, tuple[int, int]]:
    """A grey image that is a small scan enlarged by nearest neighbour (an image viewer's zoom) as it was, a
    pixel for each of its blocks: (image, the factor it was enlarged by, where its first pixel's block would
    start, in the image's pixels); (grey, 1, (0, 0)) when it is none, when so shrunk its longer side would be
    under `block_side` pixels, or when it is larger than `work_side` (shrunk first, its blocks are smoothed
    anyway). Its columns (rows) differ only at the blocks' edges, at least three times each way: in square
    blocks k pixels wide, with paper of any width round them (their steps' spacings share the factor k), or,
    edge to edge in a frame under `min_side`, in blocks of a factor that is not whole (_unzoomed).
    Enlarged from 8x8 in blocks 4 pixels wide, a scan read as blocks, smoothed into staircases, not strokes."""
    if config.block_side is None or min(grey.shape) < 3 or max(grey.shape) > config.work_side or not (
            np.array_equal(grey[:, 0], grey[:, 1]) or np.array_equal(grey[:, 1], grey[:, 2])):
        return grey, 1, (0, 0)  # a zoom's blocks 2 pixels wide or more leave two columns of 0-2 alike
    steps = [np.flatnonzero((image[:, 1:] != image[:, :-1]).any(axis=0)) + 1 for image in (grey, grey.T)]
    if min(len(s) for s in steps) < 3:  # a flat bar's or box's two edges each way say nothing of a zoom
        return grey, 1, (0, 0)
    zoomed = _unzoomed(grey, steps, config)
    if zoomed is not None:
        return zoomed
    side = math.gcd(*(int(v) for s in steps for v in np.diff(s)))
    x, y = (int(s[0]) % side if side else 0 for s in steps)
    if side < 2 or max(grey.shape) < config.block_side * side:
        return grey, 1, (0, 0)
    rows, columns = ([0] * (y > 0) + list(range(y, grey.shape[0], side)),
                     [0] * (x > 0) + list(range(x, grey.shape[1], side)))
    # A block the image's edge cuts is read as one more pixel: the paper round a zoom, or a stroke a crop of
    # the zoom cut.
    return np.ascontiguousarray(grey[np.ix_(rows, columns)]), side, (x - side * (x > 0), y - side * (y > 0))


def _unzoomed(grey: np.ndarray, steps: list[np.ndarray], config: PipelineConfig
              ) -> tuple[np.ndarray, float, tuple[int, int]] | None:
    """_unblocked() for a small frame zoomed by a factor that is not whole (8x8 shown at 28x28: blocks of 3
    and 4 pixels), edge to edge: the columns (rows) at which it `steps` from one to the next are all where a
    block starts when n pixels are spread over its width by nearest neighbour, either as OpenCV does (a pixel
    from floor(x * n / width)) or from each pixel's centre (_zoom_starts). Read at its blocks' starts (nothing
    is lost: the frame is the same between them), the factor its longer side is shrunk by (boxes are mapped
    back by that one factor, so a zoom by another factor each way maps them only roughly); None when it is
    none. Frames under `min_side` only: a zoom with paper added round it is left to _unblocked's whole blocks."""
    if max(grey.shape) >= config.min_side:
        return None
    starts = [_zoom_starts(s, length) for s, length in zip(steps, (grey.shape[1], grey.shape[0]), strict=True)]
    if starts[0] is None or starts[1] is None or max(len(starts[0]), len(starts[1])) < config.block_side:
        return None
    small = np.ascontiguousarray(grey[np.ix_(starts[1], starts[0])])
    return small, max(grey.shape) / max(small.shape), (0, 0)


def _zoom_starts(steps: np.ndarray, length: int) -> list[int] | None:
    """The first pixel of each block of the coarsest nearest-neighbour zoom of n pixels to `length` whose
    block starts hold every one of `steps`, they at least half of them (n - 1 from as many as the steps to
    twice as many, n at most 2/3 of `length`: blocks 1.5 pixels wide on average or more); None if none.
    A zoom takes pixel floor((x + c) * n / length) for pixel x, c 0 (OpenCV's INTER_NEAREST) or 1/2 (Pillow's
    NEAREST, OpenCV's INTER_NEAREST_EXACT); where that is a whole number, reckoned in floating point it may
    fall either side, so a block may start a pixel later there. A start no step shows parts equal pixels."""
    seen = set(int(v) for v in steps)
    for n in range(max(2, len(seen) + 1), min(2 * len(seen) + 1, length * 2 // 3) + 1):  # n - 1 starts hold them
        for c in (0, 1):  # c / 2
            starts = [0]
            for j in range(1, n):
                num, den = 2 * j * length - c * n, 2 * n
                start = -(-num // den)
                starts.append(start + 1 if num % den == 0 and start + 1 in seen else start)
            if seen <= set(starts):
                return starts
    return None


def _may_fill(shape, config: PipelineConfig) -> bool:
    """Whether one digit may fill a frame of this (height, width), so that _filled_frame reads it again: about
    as wide as tall (`small_aspect`), or taller than wide by up to `tall_aspect`, as a photo cropped close round
    one digit is. A small frame of either shape is read with the small kernel; a larger one only of the first,
    when its paper is as flat as a scan's: a tall blank strip of glare-white paper, so read, took a soft
    shadow's edge for a 7."""
    height, width = shape[:2]
    if config.tall_aspect is not None and height > width:
        return height < config.tall_aspect * width
    return _squarish(shape, config)


def _squarish(shape, config: PipelineConfig) -> bool:
    """Whether a frame of this (height, width) is about as wide as tall: under `small_aspect` times either way."""
    return max(shape[:2]) < config.small_aspect * min(shape[:2])


def _is_strip(shape, config: PipelineConfig) -> bool:
    """Whether a frame of this (height, width) is a number's line, cropped: `strip_aspect` times as wide as tall."""
    return shape[1] >= config.strip_aspect * shape[0]
