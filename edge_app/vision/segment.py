"""Blobs to digits: each blob cropped to the model's 28x28 (crop_blob, edge_app.preprocess), every
crop of a frame classified in one batched call, and a blob that does not read as one digit cut into
touching digits along the best path of cuts (classify_blobs)."""

import math
from collections.abc import Callable

import cv2
import numpy as np

from edge_app.blobcache import BlobCache
from edge_app.classifier import NOT_DIGIT, NUM_CLASSES
from edge_app.preprocess import normalize_digit
from edge_app.vision.boxes import Blob, Digit, _blob_mask
from edge_app.vision.config import PipelineConfig

EVEN_CUTS = (1 / 3, 1 / 2, 2 / 3)  # shares of a wide blob's width always tried as cuts
# The rounds a cut blob's runs of pieces are read in (_classify), by (first cut, last cut, cuts): those at
# either end of it, then the inner ones (a round for each end: 20.7 crops a bench frame, against 20.9)
RUN_KINDS = (lambda first, last, count: first == 0 or last == count - 1,
             lambda first, last, count: 0 < first and last < count - 1)
CUT_BEND = 1.5  # what a cut's path pays for each step aside, in pairs of ink pixels it cuts (cut_reach) ...
CUT_STRAY = 0.01  # ... and in each row, for each column it is away from its column


def classify_blobs(flat: np.ndarray, labels: np.ndarray, blobs: list[Blob], classifier,
                   config: PipelineConfig = PipelineConfig(), cache: BlobCache | None = None) -> list[Digit]:
    """Normalise and classify every blob, then cut the wide ones that do not read as one digit.

    With a `cache` (live video), a blob still as it was in a recent frame takes the
    reading made then, moved with it, and is not classified again.
    """
    digits, unread = [], []
    for blob in blobs:
        found = None if cache is None else cache.find(flat, blob.box)
        if found is None:
            unread.append(blob)
            continue
        (x, y, _, _), reading = found
        dx, dy = blob.box[0] - x, blob.box[1] - y
        digits.extend(Digit(d.digit, d.confidence, (d.box[0] + dx, d.box[1] + dy, d.box[2], d.box[3]))
                      for d in reading)
    for blob, reading in zip(unread, _classify(flat, labels, unread, classifier, config), strict=True):
        if cache is not None:
            cache.keep(flat, blob.box, reading)
        digits.extend(reading)
    return digits


def _classify(flat: np.ndarray, labels: np.ndarray, blobs: list[Blob], classifier,
              config: PipelineConfig) -> list[list[Digit]]:
    """The digits read in each blob.

    Batched classifier calls: every blob whole, followed by a call for the unsure
    ones' thicker and thinner strokes (_predict, `recheck`), then the segments of the
    wide blobs not read confidently whole (`sure_whole`). A wide blob may be several
    touching digits: it is cut at its columns of least ink and at even shares, every
    run of pieces that could be one digit is read, and the left-to-right path of
    runs that reads best is kept (_best_path); the whole blob is one of the runs.
    A narrow blob the model calls "not one digit" (`split_not_digit`: two 1s
    touching) is cut the same way, but read whole unless no piece of its best path
    is "not one digit" too (`split_piece_not_digit`). With `not_digit` set, a crop
    the model calls "not one digit" with that probability or more is dropped.
    """
    if not blobs:
        return []
    probabilities = _predict(classifier, np.stack([crop_blob(flat, labels, blob, blob.box, config) for blob in blobs]),
                             config.recheck)
    plans = []  # per blob: its cut count, runs of pieces (_segments), rows of those read in probabilities, narrow
    for index, blob in enumerate(blobs):
        x, y, w, h = blob.box
        cuts = [0, w]
        narrow = w <= config.split_aspect * h  # cut only when the model calls it "not one digit"
        if probabilities[index, :NUM_CLASSES].max() < config.sure_whole and (
                not narrow or _not_one_digit(probabilities[index], config.split_not_digit)):
            cuts = _cut_columns(labels, blob, config)
        plans.append((len(cuts), list(_segments(labels, blob, cuts, config)), {}, narrow))
    # The runs are read in two rounds, each one classifier call for every blob: those at the blob's ends,
    # then the inner ones, each only where a path through it could still read as well as the best path
    # read before it (_worth_reading). Two touching digits are mostly cut once: their inner runs, half of
    # a blob's, are never read; nor is any run of a blob read whole well enough.
    for kind in RUN_KINDS:
        crops = []
        for index, (count, runs, rows, _) in enumerate(plans):
            for k in _worth_reading(index, blobs[index].box, count, runs, rows, probabilities, kind, config):
                rows[k] = len(probabilities) + len(crops)
                crops.append(crop_blob(flat, labels, blobs[index], runs[k][2], config, runs[k][3]))
        if crops:
            probabilities = np.concatenate([probabilities, classifier.predict(np.stack(crops))])
    readings = []
    for index, (count, runs, rows, narrow) in enumerate(plans):
        segments = _read_segments(index, blobs[index].box, count, runs, rows)
        digits = []
        _, path = _best_path(count, segments, probabilities, config)
        if narrow and len(path) > 1 and any(_not_one_digit(probabilities[i], config.split_piece_not_digit)
                                            for _, _, i, _ in path):
            path = segments[:1]  # a narrow blob is cut only into digits, else read whole
        for _, _, i, box in path:
            if _not_one_digit(probabilities[i], config.not_digit):
                continue
            # Confidence in the digit given that it is one: MNIST's odd writers keep theirs.
            digit = probabilities[i, :NUM_CLASSES]
            digits.append(Digit(int(digit.argmax()), float(digit.max() / max(digit.sum(), 1e-9)), box))
        readings.append(digits)
    return readings


def _read_segments(index: int, box, count: int, runs: list, rows: dict) -> list[tuple]:
    """A blob's segments read so far, as _best_path() takes them: (first cut, last cut, row in the
    probabilities, box), the whole blob (row `index`) first, then its runs read, in their order."""
    return [(0, count - 1, index, box)] + [(first, last, rows[k], run_box)
                                           for k, (first, last, run_box, _) in enumerate(runs) if k in rows]


def _worth_reading(index: int, box, count: int, runs: list, rows: dict, probabilities: np.ndarray,
                   kind: Callable[[int, int, int], bool], config: PipelineConfig) -> list[int]:
    """The runs of `kind` (RUN_KINDS) of a blob not read yet (not in `rows`) through which a path could read
    as well as its best path read so far (_best_path) or better, the others' scores unknown: a run scores at
    most its ceiling, -`split_margin` (and the 1e-9 it adds; probabilities a hair over 1 allowed for). So a
    cut path, two runs at least, must beat the whole blob by that much twice. Leaving the others unread
    leaves the reading as it was."""
    unread = [k for k, (first, last, _, _) in enumerate(runs) if k not in rows and kind(first, last, count)]
    ceiling = math.log(1.0 + 1e-6) - config.split_margin
    if not unread or ceiling >= 0.0:  # more pieces would score more: every run is read
        return unread
    best, _ = _best_path(count, _read_segments(index, box, count, runs, rows), probabilities, config)
    scores = [_run_score(probabilities, rows[k], run_box, config) if k in rows else ceiling
              for k, (_, _, run_box, _) in enumerate(runs)]
    ahead, behind = [-math.inf] * count, [-math.inf] * count  # the most a path from cut 0 (to the end) can score
    ahead[0] = behind[count - 1] = 0.0
    for k in sorted(range(len(runs)), key=lambda k: runs[k][1]):
        first, last = runs[k][:2]
        ahead[last] = max(ahead[last], ahead[first] + scores[k])
    for k in sorted(range(len(runs)), key=lambda k: -runs[k][0]):
        first, last = runs[k][:2]
        behind[first] = max(behind[first], behind[last] + scores[k])
    return [k for k in unread if ahead[runs[k][0]] + ceiling + behind[runs[k][1]] >= best]


def _not_one_digit(probabilities: np.ndarray, level: float | None) -> bool:
    """Whether a crop's probabilities call it "not one digit" with `level` or more: never with `level`
    None, nor from a model without that output."""
    return level is not None and len(probabilities) > NUM_CLASSES and probabilities[NOT_DIGIT] >= level


def _predict(classifier, crops: np.ndarray, recheck: float | None) -> np.ndarray:
    """The classifier's probabilities for uint8 crops (N, 28, 28). A crop read with less than `recheck`
    confidence is read again with its strokes a pixel thicker and a pixel thinner, and the three readings
    are averaged: a stroke the preprocessing left a little off MNIST's width is read at both."""
    probabilities = classifier.predict(crops)
    if recheck is None:
        return probabilities
    unsure = np.flatnonzero(probabilities[:, :NUM_CLASSES].max(axis=1) < recheck)
    if unsure.size == 0:
        return probabilities
    kernel = np.ones((2, 2), np.uint8)
    variants = np.stack([change(crops[i], kernel) for i in unsure for change in (cv2.dilate, cv2.erode)])
    again = classifier.predict(variants).reshape(unsure.size, 2, -1)
    probabilities = probabilities.copy()
    probabilities[unsure] = (probabilities[unsure] + again.sum(axis=1)) / 3
    return probabilities


def _cut_columns(labels: np.ndarray, blob: Blob, config: PipelineConfig) -> list[int]:
    """Where a wide blob may be cut: its ends, its columns of least ink (the `max_cuts` least inked, or all),
    and the even cuts into two and three, at least `min_cut_spacing` heights apart.

    Digits that touch at a thin bridge part at a column of little ink; round digits
    pressed together ("00") part where their walls meet, the most ink of all, which
    the even cuts stand in for.
    """
    x, y, w, h = blob.box
    columns = _blob_mask(labels, blob, blob.box).sum(axis=0).astype(np.float32)
    smooth = np.convolve(columns, np.ones(3, np.float32) / 3, mode="same")
    inner = np.arange(1, w - 1)
    minima = inner[(smooth[inner] <= smooth[inner - 1]) & (smooth[inner] <= smooth[inner + 1])]
    even = [int(round(w * share)) for share in EVEN_CUTS]
    spacing = max(2, int(config.min_cut_spacing * h))
    picked: list[int] = []
    for column in [*even, *minima[np.argsort(smooth[minima], kind="stable")][:config.max_cuts]]:
        if spacing <= column <= w - spacing and all(abs(column - c) >= spacing for c in picked):
            picked.append(int(column))
    return [0, *sorted(picked), w]


def _segments(labels: np.ndarray, blob: Blob, cuts: list[int], config: PipelineConfig):
    """Runs of pieces between cut columns that could be one digit, the whole blob left out:
    (first cut, last cut, box, mask), each at most `max_segment_aspect` heights wide and holding ink;
    the mask (the box's shape) holds the ink between the two cuts' paths (_cut_paths)."""
    if len(cuts) <= 2:
        return  # the whole blob only
    x, y, w, h = blob.box
    whole = _blob_mask(labels, blob, blob.box)
    columns = np.arange(w)
    paths = _cut_paths(whole, cuts, config)
    right_of = [columns >= path[:, None] for path in paths]  # per cut: the pixels right of it
    for first in range(len(cuts) - 1):
        for last in range(first + 1, len(cuts)):
            left, right = cuts[first], cuts[last]
            if (first, last) == (0, len(cuts) - 1):
                continue
            if right - left > config.max_segment_aspect * h:
                break
            inside = whole & right_of[first] & ~right_of[last]
            rows = np.flatnonzero(inside.any(axis=1))
            if rows.size:
                top, bottom = int(rows[0]), int(rows[-1]) + 1
                start, end = int(paths[first][top:bottom].min()), int(paths[last][top:bottom].max())
                yield first, last, (x + start, y + top, end - start, bottom - top), inside[top:bottom, start:end]


def _cut_paths(mask: np.ndarray, cuts: list[int], config: PipelineConfig) -> list[np.ndarray]:
    """Per cut, the column each row of a blob's mask is cut at (a row's pixels left of it go left): the
    blob's ends straight down; each inner cut a path from top to bottom, up to `cut_reach` heights from its
    column and a column a row aside at most, that parts the fewest pairs of ink pixels side by side or one
    above the other (a stroke's edge is free to follow), paying CUT_BEND a step aside and CUT_STRAY a row
    per column away from its column. Paths never cross: each is kept right of the one before."""
    h, w = mask.shape
    inner = np.asarray(cuts[1:-1], np.int64)
    reach = 0 if config.cut_reach is None else int(round(config.cut_reach * h))
    if reach == 0 or inner.size == 0:
        return [np.full(h, cut, np.int64) for cut in cuts]
    # Column c + reach of these: a cut at column c, between pixels c - 1 and c. crossing: ink both sides of
    # it in a row (columns outside 1..w-1 may not be cut, at any price); above: ink in pixel c of a row and
    # the row above, parted by a step across it.
    crossing = np.full((h, w + 2 * reach + 1), np.inf)
    crossing[:, reach + 1:reach + w] = mask[:, :-1] & mask[:, 1:]
    above = np.zeros((h, w + 2 * reach + 1))
    above[1:, reach:reach + w] = mask[:-1] & mask[1:]
    offsets = np.arange(-reach, reach + 1)
    at_columns = inner[:, None] + offsets + reach  # (cuts, steps): where each path may go, in those arrays
    # costs[r, k, 1 + i]: the cheapest path of cut k from the top to row r, step i; from_left and from_right:
    # the pixels parted by coming there from the column left of it (pixel c - 1) and right (pixel c)
    costs = np.full((h, len(inner), offsets.size + 2), np.inf)
    costs[:, :, 1:-1] = crossing[:, at_columns] + CUT_STRAY * np.abs(offsets)
    from_left, from_right = above[:, at_columns - 1] + CUT_BEND, above[:, at_columns] + CUT_BEND
    for row in range(1, h):
        before = costs[row - 1]
        best = np.minimum(before[:, :-2] + from_left[row], before[:, 2:] + from_right[row])
        np.minimum(best, before[:, 1:-1], out=best)
        costs[row, :, 1:-1] += best
    # Back up from each path's cheapest end, row by row, along the cheapest of the three ways in (plain
    # Python on lists: a few hundred steps, too small for numpy's per-call cost).
    table, lefts, rights = costs.tolist(), from_left.tolist(), from_right.tolist()
    paths = [np.full(h, cuts[0], np.int64)]
    for k, cut in enumerate(inner.tolist()):
        at = int(costs[-1, k].argmin())  # in the padded row: 1 + its step
        steps = [at] * h
        for row in range(h - 1, 0, -1):
            left, stay, right = table[row - 1][k][at - 1:at + 2]
            left += lefts[row][k][at - 1]
            right += rights[row][k][at - 1]
            if left < stay and left <= right:
                at -= 1
            elif right < stay:
                at += 1
            steps[row - 1] = at
        paths.append(np.maximum(np.asarray(steps) + (cut - reach - 1), paths[-1]))
    paths.append(np.full(h, cuts[-1], np.int64))
    return paths


def _best_path(count: int, segments, probabilities, config: PipelineConfig) -> tuple[float, list]:
    """The segments covering the blob from its first cut to its last that read best, left to right, and
    their score.

    A path scores the sum of its segments' scores (_run_score): their log-probability of their best
    digit, less `split_margin` each, so a cut is taken only when the pieces read clearly better than
    the whole; a model with the "not one digit" output makes touching digits read badly whole.
    """
    best = [(-np.inf, None)] * count  # best[c]: (score, path) of the best path from cut 0 to cut c
    best[0] = (0.0, [])
    for first, last, i, box in sorted(segments, key=lambda segment: segment[1]):
        if best[first][1] is None:
            continue
        total = best[first][0] + _run_score(probabilities, i, box, config)
        if total > best[last][0]:
            best[last] = (total, best[first][1] + [(first, last, i, box)])
    return best[count - 1][0], best[count - 1][1] or []


def _run_score(probabilities: np.ndarray, i: int, box, config: PipelineConfig) -> float:
    """A segment's score in a path (_best_path): the log-probability of its best digit less `split_margin`,
    and less `wide_penalty` for each height of width beyond `max_digit_aspect` (a digit is rarely wider)."""
    confidence = float(np.log(probabilities[i, :NUM_CLASSES].max() + 1e-9))
    too_wide = max(0.0, box[2] / box[3] - config.max_digit_aspect)
    return confidence - config.split_margin - config.wide_penalty * too_wide


def crop_blob(flat: np.ndarray, labels: np.ndarray, blob: Blob, box, config: PipelineConfig = PipelineConfig(),
              mask: np.ndarray | None = None):
    """The model's uint8 28x28 input for the part of `blob` inside `box` (edge_app.preprocess), or for the
    pixels of `mask` (the box's shape) when given."""
    x, y, w, h = box
    pad = int(round(config.crop_margin * max(w, h))) + 1
    x0, y0 = max(0, x - pad), max(0, y - pad)
    x1, y1 = min(flat.shape[1], x + w + pad), min(flat.shape[0], y + h + pad)
    around = np.zeros((y1 - y0, x1 - x0), bool)
    around[y - y0:y - y0 + h, x - x0:x - x0 + w] = _blob_mask(labels, blob, box) if mask is None else mask
    return normalize_digit(flat[y0:y1, x0:x1], around)
