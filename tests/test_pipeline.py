"""The vision pipeline, stage by stage on synthetic input, then whole on scenes and real photos."""

import csv
import dataclasses
import itertools
import math
import statistics

import cv2
import numpy as np
import pytest
from conftest import REALDEV, CountingClassifier, needs_model

from edge_app import scenes
from edge_app.changes import dimmed, noisy, shadowed, turned
from edge_app.pipeline import (
    Blob,
    Digit,
    Number,
    PipelineConfig,
    _add_paper,
    _along_side,
    _cut_in_row,
    _dark_ground,
    _filled_frame,
    _flat_paper,
    _thick_ink,
    _without_lines_down,
    _without_slivers,
    find_blobs,
    finer_is_sure,
    finer_side,
    read_frame,
)
from edge_app.scenes import DigitSource, SceneConfig, fill_frame, make_line, make_scene, make_single_digit
from edge_app.targets import CLOSE, crop_to_ink, small_scan
from edge_app.vision import segment
from edge_app.vision.boxes import _touches_border
from edge_app.vision.grids import _grid_lines, without_grids
from edge_app.vision.grouping import (
    _bow,
    _bracketed,
    _by_cells,
    _date_slashes,
    _fitted_slope,
    _lean,
    _median_of_few,
    _number,
    _slashed_dates,
    group_numbers,
)
from edge_app.vision.ink import _darker, _ink_levels, _on_step, find_ink, threshold
from edge_app.vision.lines import free_from_lines, without_underlines
from edge_app.vision.paper import (
    _grain,
    close_ellipse,
    denoise,
    divide_paper,
    even_illumination,
    paper_estimate,
    shrink,
    to_grey,
)
from edge_app.vision.pieces import (
    _JOIN_ROWS,
    _join_pairs,
    _sheet_outline,
    drop_edge_steps,
    drop_frames,
    drop_non_digits,
    drop_sheet_edges,
    drop_specks,
    drop_step_lines,
    join_pieces,
    without_rings,
)
from edge_app.vision.rules import _inked_along, _most_inked, _rules, remove_rules
from edge_app.vision.scans import _unblocked
from edge_app.vision.segment import RUN_KINDS, _cut_columns, _cut_paths, _predict, _segments, _worth_reading
from edge_app.vision.shadows import drop_shadows, drop_textured, without_bands

needs_realdev = pytest.mark.skipif(not REALDEV.is_dir(), reason="../shared/data/realdev is not here")


def paper(h=120, w=160, level=220):
    return np.full((h, w), level, np.uint8)


def test_grey_keeps_coloured_ink_dark():
    # Luminance: red ink (about 90) and blue ink stay far darker than paper.
    frame = np.full((10, 10, 3), 230, np.uint8)
    frame[5, 5] = (40, 40, 200)  # red ink, BGR
    frame[2, 2] = (200, 60, 20)  # blue ink
    grey = to_grey(frame)
    assert grey[5, 5] < 120 and grey[2, 2] < 120 and grey[0, 0] == 230
    assert to_grey(np.dstack([frame, np.full((10, 10), 255, np.uint8)]))[5, 5] == grey[5, 5]  # BGRA
    assert to_grey(grey) is grey


def test_even_illumination_removes_gradient_and_shadow_but_keeps_strokes():
    h, w = 240, 320
    light = np.linspace(120, 240, w, dtype=np.float32)[None, :].repeat(h, axis=0)
    shadow = np.ones((h, w), np.float32)
    shadow[:, : w // 3] = 0.6
    light *= cv2.GaussianBlur(shadow, (0, 0), 6)  # a soft-edged shadow over the left third
    grey = light.copy()
    grey[100:110, 40:280] *= 0.35  # a dark stroke crossing the shadow's edge
    flat = even_illumination(grey.astype(np.uint8))
    paper_pixels = flat[20:80, 10:310]
    assert paper_pixels.min() >= 225
    assert flat[103:107, 50:270].max() < 255 - 2 * PipelineConfig().high_contrast  # still ink, with room


@pytest.mark.parametrize("side", [3, 5, 21, 33, 65])
def test_close_ellipse_is_opencvs_elliptical_closing_pixel_for_pixel(side):
    # The union of rectangles must be the ellipse exactly, at the edges too: frames larger and smaller
    # than the kernel, a single row, a blurred random one (strokes and gaps of every width).
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))
    rng = np.random.default_rng(side)
    for shape in [(192, 256), (7, 9), (1, 40), (300, 17)]:
        image = rng.integers(0, 256, shape, dtype=np.uint8)
        if min(shape) > 5:
            image = cv2.GaussianBlur(image, (5, 5), 0)
        assert np.array_equal(close_ellipse(image, side), cv2.morphologyEx(image, cv2.MORPH_CLOSE, kernel))


def test_even_illumination_keeps_marker_strokes_wider_than_its_kernel_solid():
    frame = np.linspace(190, 240, 640, dtype=np.float32)[None, :].repeat(480, axis=0)
    ring = np.zeros((480, 640), np.uint8)
    cv2.ellipse(ring, (320, 240), (150, 170), 0, 0, 360, 1, 70)  # a 0 in marker, 70 px wide
    frame[ring.astype(bool)] *= 0.4
    middle = np.zeros_like(ring)
    cv2.ellipse(middle, (320, 240), (150, 170), 0, 0, 360, 1, 6)  # the middle of its stroke
    solid = even_illumination(frame.astype(np.uint8))
    assert solid[middle.astype(bool)].max() < 255 - 2 * PipelineConfig().high_contrast
    assert solid[240, 320] >= 245 and solid[20, 20] >= 245  # its hole and the paper stay paper
    hollow = even_illumination(frame.astype(np.uint8), PipelineConfig(fill_strokes=False))
    assert np.median(hollow[middle.astype(bool)]) >= 245  # what the closing alone makes of it


def test_a_wide_kernel_s_paper_estimate_is_made_smaller_and_holds_the_same_paper(monkeypatch):
    frame = np.linspace(150, 240, 600, dtype=np.float32)[None, :].repeat(600, axis=0)
    frame[:, :200] *= 0.6  # a hard shadow over the left third
    cv2.ellipse(frame, (330, 300), (140, 200), 0, 0, 360, 60, 40)  # a 0 in marker filling the frame
    grey = frame.astype(np.uint8)
    wide = PipelineConfig(background_kernel=1 / 4)  # the small kernel, as for a frame one digit fills
    widths = []
    real = close_ellipse

    def spy(image, side):
        widths.append(side)
        return real(image, side)
    monkeypatch.setattr("edge_app.vision.paper.close_ellipse", spy)
    bounded = paper_estimate(grey, wide)[0]
    assert widths and max(widths) <= PipelineConfig().max_closing  # 65 px at 256 px: made at 129 px instead
    widths.clear()
    full = paper_estimate(grey, dataclasses.replace(wide, max_closing=None))[0]
    assert max(widths) > PipelineConfig().max_closing
    paper = np.ones(grey.shape, bool)
    cv2.ellipse(paper.view(np.uint8), (330, 300), (140, 200), 0, 0, 360, 0, 120)  # away from the ring
    difference = np.abs(bounded.astype(int) - full.astype(int))[paper]
    assert np.median(difference) <= 2 and np.percentile(difference, 99) <= 8  # 0 and 1 here


def _ink_found(grey, config):
    """Boxes of the pieces find_ink finds clear of the border, as _read_grey finds them."""
    smooth, sharp, wide = paper_estimate(grey, config)
    _, pieces, _ = find_ink(divide_paper(grey, smooth), config, (grey, sharp if config.sharp_seeds else None, wide))
    return sorted(p.box for p in pieces if not _touches_border(p.box, grey.shape))


def test_the_halo_inside_a_hard_shadow_seeds_no_ink_against_the_sharp_paper():
    grey = np.full((480, 640), 200, np.uint8)
    cv2.circle(grey, (260, 240), 170, 110, -1)  # a hard-edged shadow, round: the closing keeps all its edge
    grey = cv2.GaussianBlur(grey, (0, 0), 1.5)
    cv2.line(grey, (540, 200), (550, 280), 60, 5)  # a stroke on lit paper
    cv2.line(grey, (250, 200), (260, 280), 40, 5)  # and one in the shadow
    strokes = [(247, 197, 17, 87), (537, 197, 17, 87)]
    plain = PipelineConfig(fill_strokes=False)  # the marker fill aside, which takes the shadow for a stroke
    assert _ink_found(grey, dataclasses.replace(plain, sharp_seeds=False)) == [(91, 71, 339, 339)] + strokes
    assert _ink_found(grey, plain) == strokes  # the ring of halo round the shadow is gone


def _shadow_edge(grey):
    """grey with the left of it in a hard-edged shadow, at half the light: the edge runs from x 350 at the top
    to x 220 at the bottom, blurred as a camera would."""
    shade = np.ones(grey.shape, np.float32)
    cv2.fillPoly(shade, [np.array([[0, 0], [350, 0], [220, 480], [0, 480]], np.int32)], 0.5)
    return cv2.GaussianBlur(grey * shade, (0, 0), 1.5).astype(np.uint8)


def test_a_digit_across_a_hard_shadow_edge_is_freed_from_the_edge_s_halo():
    grey = np.full((480, 640), 200, np.float32)
    cv2.polylines(grey, [np.array([[250, 150], [330, 150], [290, 330]], np.int32)], False, 40, 5)  # a 7
    assert _ink_found(_shadow_edge(grey), PipelineConfig(wide_kernel=None)) == []  # one piece with the halo: cut
    assert _ink_found(_shadow_edge(grey), PipelineConfig()) == [(246, 145, 90, 190)]
    near_top = np.full((480, 640), 200, np.float32)
    cv2.polylines(near_top, [np.array([[290, 12], [370, 12], [330, 190]], np.int32)], False, 40, 5)
    assert _ink_found(_shadow_edge(near_top), PipelineConfig()) == []  # within free_margin of the border: cut
    assert _ink_found(_shadow_edge(near_top), PipelineConfig(free_margin=0.0)) == [(286, 7, 90, 188)]


def test_a_digit_of_dark_ink_inside_the_shadow_is_freed_from_the_halo_it_touches_and_faint_ink_is_not():
    grey = np.full((480, 640), 200, np.float32)
    cv2.line(grey, (262, 200), (262, 300), 80, 5)  # a 1 inside the shadow, its foot in the halo: 40 there
    shaded = _shadow_edge(grey)
    one = (257, 196, 11, 109)
    assert _ink_found(shaded, PipelineConfig(wide_kernel=None)) == []  # one piece with the halo: cut
    assert _ink_found(shaded, PipelineConfig()) == [one]  # 60 grey levels darker than the shadowed paper
    assert one not in _ink_found(shaded, PipelineConfig(deep_ink=61.0))
    faint = np.full((480, 640), 200, np.float32)
    cv2.line(faint, (262, 200), (262, 300), 130, 5)  # 35 levels darker once shaded: as deep as a table's grain
    assert _ink_found(_shadow_edge(faint), PipelineConfig()) == []
    assert _ink_found(_shadow_edge(faint), PipelineConfig(deep_ink=30.0)) == [(258, 197, 9, 107)]


def test_no_piece_is_freed_from_a_halo_that_holds_more_than_two():
    # A comb of them is the texture of a table along a sheet's edge; three digits across one shadow's edge
    # stay cut, as they were before any was freed.
    grey = np.full((480, 640), 200, np.float32)
    for y in (60, 200, 340):
        x = 350 - 130 * y // 480  # where the shadow's edge is: the 7's bar crosses it
        cv2.polylines(grey, [np.array([[x - 30, y], [x + 12, y], [x - 8, y + 85]], np.int32)], False, 40, 4)
    assert len(_ink_found(_shadow_edge(grey), PipelineConfig(max_freed=3))) == 3
    assert _ink_found(_shadow_edge(grey), PipelineConfig()) == []


def test_on_step_is_the_share_of_a_piece_along_a_step_in_the_paper():
    paper = np.full((100, 100), 200, np.uint8)
    paper[:, :50] = 100  # a step down the middle
    line = np.ones((80, 2), bool)  # a thin line just on its dark side, as at a sheet's edge on a table
    assert _on_step(paper, (48, 10, 2, 80), line) == 1.0
    across = np.ones((4, 60), bool)  # a stroke crossing it
    assert _on_step(paper, (20, 40, 60, 4), across) == pytest.approx(8 / 60, abs=0.05)
    assert _on_step(np.full((100, 100), 200, np.uint8), (20, 40, 60, 4), across) == 0.0


def test_a_marker_stroke_wider_than_the_kernel_still_seeds_ink():
    frame = np.linspace(190, 240, 640, dtype=np.float32)[None, :].repeat(480, axis=0)
    ring = np.zeros((480, 640), np.uint8)
    cv2.ellipse(ring, (320, 240), (150, 170), 0, 0, 360, 1, 70)
    frame[ring.astype(bool)] *= 0.4
    found = _ink_found(frame.astype(np.uint8), PipelineConfig())
    assert any(w > 300 and h > 340 for _, _, w, h in found)  # the whole 0
    assert found == _ink_found(frame.astype(np.uint8), PipelineConfig(sharp_seeds=False))


def test_threshold_keeps_faint_parts_of_strong_strokes_only():
    flat = np.full((100, 100), 255, np.uint8)
    flat[20:60, 30:34] = 150  # strong stroke
    flat[60:80, 30:34] = 222  # its faint tail, connected
    flat[20:40, 70:74] = 222  # a faint stroke on its own: paper texture
    mask = threshold(flat)
    assert mask[40, 31] and mask[70, 31]
    assert not mask[30, 71]


def test_find_ink_gives_the_components_of_the_threshold_mask():
    rng = np.random.default_rng(5)
    flat = np.clip(rng.normal(250, 3, (200, 300)), 0, 255).astype(np.uint8)
    cv2.line(flat, (20, 20), (20, 90), 60, 3)  # strong strokes, one with a faint tail
    cv2.line(flat, (20, 90), (60, 150), 215, 3)
    cv2.circle(flat, (150, 80), 30, 70, 4)
    cv2.line(flat, (220, 30), (280, 60), 215, 3)  # faint only: not ink
    flat[170:172, 250:252] = 40  # a speck
    count, _, stats, _ = cv2.connectedComponentsWithStats(threshold(flat).astype(np.uint8), connectivity=8)
    expected = sorted((tuple(int(v) for v in stats[i, :4]), int(stats[i, 4])) for i in range(1, count)
                      if stats[i, 4] >= PipelineConfig().min_piece_area)
    labels, pieces, areas = find_ink(flat)
    assert sorted((p.box, int(areas[p.labels[0]])) for p in pieces) == expected
    assert len(expected) == 2  # the stroke with its tail, and the ring
    for piece in pieces:
        x, y, w, h = piece.box
        assert (labels[y:y + h, x:x + w] == piece.labels[0]).sum() == areas[piece.labels[0]]


def test_threshold_of_blank_noisy_paper_is_empty():
    rng = np.random.default_rng(0)
    flat = np.clip(rng.normal(250, 3, (200, 200)), 0, 255).astype(np.uint8)
    assert threshold(flat).sum() == 0


def test_only_a_grainy_frame_is_median_filtered_before_it_is_thresholded():
    scene = make_single_digit(np.random.default_rng(3), DigitSource())
    grey = to_grey(scene.image)
    never = PipelineConfig(denoise_grain=None)
    np.testing.assert_array_equal(find_blobs(grey).flat, find_blobs(grey, never).flat)  # a clean photo: as it was
    grainy = to_grey(noisy(scene.image, 30.0))
    assert not np.array_equal(find_blobs(grainy).flat, find_blobs(grainy, never).flat)
    np.testing.assert_array_equal(find_blobs(grainy).flat, find_blobs(denoise(grainy), never).flat)


def test_a_grainy_frame_read_again_with_paper_round_it_is_judged_on_the_frame_inside():
    grainy = to_grey(noisy(make_single_digit(np.random.default_rng(3), DigitSource()).image, 30.0))
    pad = 160
    padded = _add_paper(grainy, pad, False, PipelineConfig())  # as read_frame's second reading adds it
    never = PipelineConfig(denoise_grain=None)
    paper, quiet = paper_estimate(padded)[0], denoise(padded)
    assert _grain(padded, quiet, paper) < PipelineConfig().denoise_grain  # diluted ...
    # ... but the frame inside is grainy: the paper is divided out of its median
    np.testing.assert_array_equal(find_blobs(padded, pad=pad).flat,
                                  divide_paper(quiet, paper_estimate(quiet)[0]))
    assert not np.array_equal(find_blobs(padded, pad=pad).flat, find_blobs(padded, never, pad=pad).flat)


@needs_model
def test_a_page_turned_25_degrees_is_read_again_turned_level(classifier):
    scenes = [make_scene(rng, DigitSource()) for rng in [np.random.default_rng(4)] for _ in range(12)]

    def found(config):
        return sum(text in [n.text for n in read_frame(turned(scene.image, 25), classifier, config)]
                   for scene in scenes for text in scene.texts)
    assert found(PipelineConfig()) >= found(PipelineConfig(level_angle=None)) + 3  # 17 and 13 of 26 here
    photos = [turned(scene.image, 25) for scene in scenes]
    unlevelled = PipelineConfig(level_angle=None)
    numbers, photo = next((read_frame(photo, classifier), photo) for photo in photos  # the first read turned level
                          if read_frame(photo, classifier) != read_frame(photo, classifier, unlevelled))
    grey = to_grey(photo)
    paper = np.percentile(grey, 90)
    for number in numbers:  # boxes turned back onto the photo, each on its digit's ink
        for x, y, w, h in [digit.box for digit in number.digits]:
            assert 0 <= x and 0 <= y and x + w <= grey.shape[1] and y + h <= grey.shape[0]
            assert grey[y:y + h, x:x + w].min() < paper - 50
        x, y, w, h = number.box  # a number's box is its digits', as on a level page
        assert (x, y, x + w, y + h) == (min(d.box[0] for d in number.digits), min(d.box[1] for d in number.digits),
                                        max(d.box[0] + d.box[2] for d in number.digits),
                                        max(d.box[1] + d.box[3] for d in number.digits))
    level = scenes[1].image  # as drawn, within 4 degrees: read once
    assert read_frame(level, classifier) == read_frame(level, classifier, PipelineConfig(level_angle=None))


def test_grain_is_measured_against_the_papers_level():
    # The same noise, 6 grey levels, on bright paper and on paper in a dim room (66): divided by the
    # paper, as the ink's levels are set, it is nearly four times stronger on the dim paper, which is
    # median-filtered first; measured in grey levels, both were 5-6, and the dim frame was left grainy.
    rng = np.random.default_rng(0)
    noise = rng.normal(0.0, 6.0, (240, 320))
    for level, grainy in ((230, False), (66, True)):
        grey = np.clip(level + noise, 0, 255).astype(np.uint8)
        paper = np.full_like(grey, level)
        grain = _grain(grey, denoise(grey), paper)
        assert (grain >= PipelineConfig().denoise_grain) == grainy, (level, grain)
        assert 0.8 * 6.0 <= grain * level / 255 <= 6.0  # 0.85-0.93 of the deviation, counted in grey levels


@needs_model
def test_a_blank_frame_in_a_dim_room_reads_nothing_of_its_noise(classifier):
    # Plain paper or a wall, vignetted, at grey 66, 45 and 120 with noise of 12, 16 and 20 grey levels:
    # nothing found in it, it was read again with paper round it, where the ink's levels were set by the
    # noise of the frame and the paper added, at no deviation, together: 23 and 45 numbers of noise at 45
    # and 120, and 27 at 66 once its grain was measured against the paper (none before: left unfiltered).
    rows, cols = np.mgrid[0:480, 0:640]
    light = 1 - 0.15 * (((cols - 320) / 320) ** 2 + ((rows - 240) / 240) ** 2)
    for level, sigma in ((66, 12), (45, 16), (120, 20)):
        frame = noisy((np.full((480, 640, 3), level, np.uint8) * light[..., None]).astype(np.uint8), sigma)
        assert read_frame(frame, classifier) == [], (level, sigma)


def test_a_strip_cropped_close_is_not_taken_for_grainy_for_all_its_ink():
    line = make_line(np.random.default_rng(0), DigitSource(), SceneConfig(rules=1.0), margin=(0.0, 0.0))
    grey = cv2.resize(to_grey(line.image), None, fx=8, fy=8, interpolation=cv2.INTER_CUBIC)  # as read_frame enlarges
    config, never = PipelineConfig(), PipelineConfig(denoise_grain=None)
    low, _ = _ink_levels(255 - even_illumination(grey), config)
    assert low >= config.noise_factor * config.denoise_grain  # as noisy as a grainy frame, to the ink levels ...
    np.testing.assert_array_equal(find_blobs(grey).flat, find_blobs(grey, never).flat)  # ... but left as it is


@needs_model
def test_grainy_photos_are_read_once_their_grain_is_taken_out(classifier):
    rng = np.random.default_rng(3)
    scenes = [make_single_digit(rng, DigitSource()) for _ in range(30)]

    def right(config):
        return sum([n.text for n in read_frame(noisy(scene.image, 30.0), classifier, config)] == scene.texts
                   for scene in scenes)
    assert right(PipelineConfig()) >= 26  # 28 of 30 here; 18 with the thresholds the grain sets
    assert right(PipelineConfig(denoise_grain=None)) <= 22


def ruled_page(grid=False, tilt=3.0):
    """A notebook page, 480x640, tilted `tilt` degrees, with a thick digit-like stroke crossing its rules."""
    page = np.full((480, 640), 250, np.uint8)
    rise = int(round(640 * np.tan(np.deg2rad(tilt))))
    for y in range(30, 440 - rise, 40):  # each rule whole inside the page
        cv2.line(page, (0, y), (639, y + rise), 170, 2)
    if grid:
        for x in range(60, 640, 40):
            cv2.line(page, (x, 0), (x - rise, 479), 170, 2)
    cv2.line(page, (305, 100), (330, 315), 40, 9)  # crosses five rules, both ends clear of any
    return page


@pytest.mark.parametrize("grid, tilt", [(False, 3.0), (True, 3.0), (False, 9.0)])
def test_remove_rules_takes_out_the_lines_of_a_notebook_page_but_not_a_stroke_crossing_them(grid, tilt):
    page = ruled_page(grid, tilt)
    clean = remove_rules(page)
    stroke = np.zeros_like(page)
    cv2.line(stroke, (305, 100), (330, 315), 1, 9)
    near_stroke = cv2.dilate(stroke, np.ones((25, 25), np.uint8)).astype(bool)
    assert (page[~near_stroke] < 200).sum() > 5000  # the rules were there ...
    assert (clean[~near_stroke] < 200).sum() < 50  # ... and are gone away from the stroke
    # Every pixel of the stroke is kept where it crosses a rule, and where a squared page's vertical rule
    # runs along the near-vertical stroke (before rule_darker, 1.7% of it went there).
    assert (clean[stroke.astype(bool)] < 100).all()
    count, _, stats, _ = cv2.connectedComponentsWithStats((clean < 200).astype(np.uint8), connectivity=8)
    stroke_piece = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    assert stats[stroke_piece, cv2.CC_STAT_HEIGHT] >= 215  # the stroke in one piece ...
    assert stats[1:, cv2.CC_STAT_AREA].sum() - stats[stroke_piece, cv2.CC_STAT_AREA] < 60  # ... and little else
    assert remove_rules(page, PipelineConfig(rule_length=None)) is page


def test_remove_rules_finds_a_rule_a_stroke_lies_along_for_most_of_the_page():
    """A digit's long bar on a rule of a page seen slightly askew leaves two short pieces of that rule, at
    either end of the page: both are found at the slope the page's other rules have there, so the bar
    is not tied to the frame's border by them. (Matched on each piece's own slope, 579 pixels were left.)"""
    flat = np.full((480, 640), 250, np.uint8)
    for y in range(20, 480, 40):
        cv2.line(flat, (0, y), (639, y), 170, 2)
    cv2.line(flat, (120, 140), (520, 140), 40, 12)  # the bar, on the fourth rule
    corners = np.float32([[0, 0], [640, 0], [640, 480], [0, 480]])
    askew = cv2.getPerspectiveTransform(corners, np.float32([[0, 15], [640, -15], [640, 480], [0, 480]]))
    page = cv2.warpPerspective(flat, askew, (640, 480), borderValue=250)
    clean = remove_rules(page)
    near_bar = cv2.dilate((page < 100).astype(np.uint8), np.ones((15, 15), np.uint8)).astype(bool)
    assert (page[~near_bar] < 200).sum() > 5000  # the rules were there ...
    assert (clean[~near_bar] < 200).sum() < 50  # ... and are gone, the bar's own rule too
    assert (clean[page < 100] < 100).mean() > 0.95  # the bar is kept


def test_remove_rules_leaves_a_page_without_rules_alone():
    flat = even_illumination(to_grey(make_scene(np.random.default_rng(3)).image))
    np.testing.assert_array_equal(remove_rules(flat), flat)
    long_stroke = np.full((120, 400), 250, np.uint8)  # a strip: a number's long underline is no page rule ...
    cv2.line(long_stroke, (10, 60), (390, 60), 40, 8)  # ... when it is thick like the pen's strokes
    np.testing.assert_array_equal(remove_rules(long_stroke), long_stroke)


def test_remove_rules_keeps_a_long_stem_on_a_noisy_photo():
    # A thin stem 40% of the frame tall: no rule alone (they span half of it). On a noisy photo, grain
    # darker than low_contrast chained with it into a rule, and the stem was erased (realdev's thin-pen 4).
    grey = np.full((750, 1000), 190, np.uint8)
    cv2.line(grey, (500, 150), (504, 550), 90, 3)
    grainy = PipelineConfig(denoise_grain=None)  # the rules judged on the grain itself, unfiltered
    for sigma in (0, 8, 12, 16):
        photo = noisy(grey, sigma) if sigma else grey
        flat = remove_rules(even_illumination(photo))
        assert np.median((255 - flat)[150:550, 495:512].max(axis=1)) > 100, sigma  # the stem is all there
        assert [b.box for b in find_blobs(photo, grainy).blobs] == [(498, 148, 9, 405)], sigma
        # At 12 and 16 grey levels the frame is median-filtered first (denoise_grain): the same stem, its
        # box a pixel wider each side where the grain at its edges was smoothed into it.
        (x, y, w, h), = [b.box for b in find_blobs(photo).blobs]
        assert abs(x - 498) <= 1 and abs(w - 9) <= 2 and (y, h) == (148, 405), sigma


def test_remove_rules_keeps_the_thin_stem_of_a_digit_filling_the_frame_but_not_a_rule_across_it():
    # realdev's thin-pen 4 cropped with half its height of paper round it: the stem spans half the
    # frame, and was erased as a rule (read "61"). A rule alone must span 90% of the frame; a page's
    # rules come several to a frame, and are taken out even when they end inside it.
    def page(lines):
        grey = np.full((1000, 750), 200, np.uint8)
        for x, top, bottom in lines:
            cv2.line(grey, (x, top), (x + 6, bottom), 90, 3)
        return grey

    def stem_kept(grey, x, top, bottom):
        flat = remove_rules(even_illumination(grey))
        return np.median((255 - flat)[top:bottom, x - 5:x + 12].max(axis=1)) > 100

    for top, bottom in ((250, 750), (200, 850), (80, 900)):  # 50%, 65%, 82% of the frame
        assert stem_kept(page([(400, top, bottom)]), 400, top, bottom), (top, bottom)
        assert not stem_kept(page([(x, top, bottom) for x in (150, 400, 650)]), 400, top, bottom), (top, bottom)
    assert not stem_kept(page([(400, 0, 999)]), 400, 0, 999)  # a rule across the frame
    flat = even_illumination(page([(400, 250, 750)]))
    assert np.median((255 - remove_rules(flat, PipelineConfig(rule_span=0.0)))[250:750, 395:412].max(axis=1)) < 50


def squared_strip(height=140, width=420, thickness=2, tilt=2.0):
    """A number's line cropped from a squared page: rules above, through and below, lines down across it
    every 42 px, tilted `tilt` degrees, and a thick stroke crossing the middle rule; and where the lines
    down it are, away from the stroke."""
    strip = np.full((height, width), 250, np.uint8)
    down = np.zeros_like(strip)
    rise = int(round(height * np.tan(np.deg2rad(tilt))))
    for y in (12, height // 2, height - 12):
        cv2.line(strip, (0, y), (width - 1, y), 170, thickness)
    for x in range(20, width, 42):
        cv2.line(strip, (x, 0), (x + rise, height - 1), 170, thickness)
        cv2.line(down, (x, 0), (x + rise, height - 1), 1, thickness)
    cv2.line(strip, (width // 2, height // 2 - 30), (width // 2 + 10, height // 2 + 30), 40, 9)
    stroke = cv2.dilate((strip < 100).astype(np.uint8), np.ones((25, 25), np.uint8))
    return strip, down.astype(bool) & ~stroke.astype(bool)


def test_remove_rules_takes_out_a_squared_page_s_lines_down_across_a_strip():
    # Lines down a strip are far shorter than half its width, which a rule alone must span; several
    # across the strip are a squared page's, and so is one meeting ink all across it (rule_inked).
    # Before, they were kept, and tied the digits to the border.
    strip, down = squared_strip()
    assert (remove_rules(strip)[down] < 200).sum() < 20
    assert (remove_rules(strip, PipelineConfig(rule_family=99, rule_inked=None))[down] < 200).mean() > 0.9
    assert (remove_rules(strip)[strip < 100] < 100).mean() > 0.95  # the stroke is kept


def test_remove_rules_measures_a_padded_crop_s_rules_against_the_crop():
    # read_frame reads a crop again with paper added round it when everything in it touches its border
    # (a line's rule through all its digits): the lines down it then span half the padded frame.
    strip, down = squared_strip()
    padded, down = (cv2.copyMakeBorder(image, 63, 63, 63, 63, cv2.BORDER_CONSTANT, value=value)
                    for image, value in ((strip, 250), (down.astype(np.uint8), 0)))
    down = down.astype(bool)
    assert (remove_rules(padded)[down] < 200).mean() > 0.9
    assert (remove_rules(padded, pad=63)[down] < 200).sum() < 20


def test_remove_rules_takes_out_the_thicker_rules_of_a_small_enlarged_crop():
    # A line crop enlarged to 256 px wide, as read_frame does: its rules are about 3 px thick at half size,
    # more than rule_width allows there (1 px).
    strip, down = squared_strip(86, 256, 4)
    strip = cv2.GaussianBlur(strip, (0, 0), 1.0)
    assert (strip[down] < 200).mean() > 0.9
    assert (remove_rules(strip)[down] < 200).sum() < 20
    assert (remove_rules(strip, PipelineConfig(rule_min_width=1))[down] < 200).mean() > 0.9


def test_remove_rules_takes_out_a_rule_the_digits_written_on_it_hide_most_of():
    # A number written on a rule hides most of it; a rule alone must show along 60% of the frame, so it was
    # kept and tied the digits into one blob, cut by the border (numbers cropped to their line read nothing).
    # A line across the frame meeting ink in nearly every column, its own or a digit's, is a rule too.
    strip = np.full((120, 480), 250, np.uint8)
    cv2.line(strip, (0, 90), (479, 90), 170, 2)
    rule = strip < 200
    for x in range(20, 460, 88):  # five boxes whose bottom sides lie on the rule
        cv2.rectangle(strip, (x, 40), (x + 40, 90), 40, 8)
    boxes = strip < 100
    between = rule & ~cv2.dilate(boxes.astype(np.uint8), np.ones((15, 15), np.uint8)).astype(bool)
    assert between.sum() > 400
    assert (remove_rules(strip)[between] < 200).sum() == 0
    assert (remove_rules(strip)[boxes] < 100).mean() > 0.9
    assert (remove_rules(strip, PipelineConfig(rule_inked=None))[between] < 200).all()


def test_remove_rules_leaves_a_row_of_dashes_alone():
    # Straight runs in a row with paper between them (a dashed line, a row of 7s' tops) are no rule.
    dashes = np.full((120, 480), 250, np.uint8)
    for x in range(20, 470, 80):
        cv2.line(dashes, (x, 60), (x + 32, 60), 170, 2)
    np.testing.assert_array_equal(remove_rules(dashes), dashes)
    assert (remove_rules(dashes, PipelineConfig(rule_inked=0.0)) < 200).sum() == 0  # taken out if any share did


def test_remove_rules_keeps_a_stroke_lying_along_a_rule():
    # A 1's stem on a squared page's line down: nothing crosses the rule there, so the stroke was erased
    # with it, but for its edges (a 1 read as "11", a 9 without its stem). It is far darker than the rule.
    page = np.full((480, 640), 250, np.uint8)
    for y in range(30, 480, 40):
        cv2.line(page, (0, y), (639, y), 170, 2)
    for x in range(20, 640, 40):
        cv2.line(page, (x, 0), (x, 479), 170, 2)
    cv2.line(page, (300, 120), (300, 330), 40, 7)
    stroke = page < 100
    far = ~cv2.dilate(stroke.astype(np.uint8), np.ones((25, 25), np.uint8)).astype(bool)
    clean = remove_rules(page)
    assert (clean[stroke] < 100).all()
    assert (clean[far] < 200).sum() == 0  # the rules are gone
    assert (remove_rules(page, PipelineConfig(rule_darker=None))[stroke] < 100).mean() < 0.7


def test_remove_rules_takes_out_a_rule_s_stub_between_a_digit_and_the_frame_s_border():
    # The stubs of rules left of a stroke near the page's edge are too short to be found: the rules,
    # found right of it, are taken out across the whole frame. Before, the stubs tied the stroke to
    # the border, and it was dropped as cut.
    page = ruled_page()
    cv2.line(page, (30, 60), (34, 260), 40, 10)
    clean = remove_rules(page)
    assert (page[:, :20] < 200).sum() > 100  # the stubs were there ...
    assert (clean[:, :20] < 200).sum() < 10  # ... and are gone
    assert (clean[page < 100] < 100).mean() > 0.95  # the strokes are kept


def test_rules_joins_the_short_pieces_of_a_rule_that_digits_break(monkeypatch):
    # Straight runs at half size: three whole rules rising 0.06, and one broken by digits into a long
    # run and 12 px pieces, which are flat as short runs of a gentle slope come out. Their slope is
    # known only to RULE_SLOPE_JITTER pixels over their length: matched within RULE_SLOPE_MATCH alone,
    # they were left out, and the broken rule, too short without them, was not found.
    straight = np.zeros((200, 300), np.uint8)
    for top in (40, 100, 160):
        cv2.line(straight, (0, top), (299, top + 18), 1, 1)
    cv2.line(straight, (0, 70), (99, 76), 1, 1)
    pieces = [(x, int(round(70 + 0.06 * (x + 6)))) for x in (120, 160, 200, 240, 280)]
    for x, y in pieces:
        straight[y, x:x + 12] = 1

    def on_pieces():
        on_rule = _rules(straight, 250, 270, 4, 3, 3)
        return [bool(on_rule[y, x + 6]) for x, y in pieces]

    assert on_pieces() == [True] * 5
    monkeypatch.setattr("edge_app.vision.rules.RULE_SLOPE_JITTER", 0.0)
    assert on_pieces() == [False] * 5


def test_darker_compares_flat_and_empty_arrays_element_by_element():
    # _hysteresis passes the strong pixels as flat arrays. OpenCV 4's LUT gives a 1-D array back as a
    # column, which compared with the row broadcast to an N x N array (an IndexError on every frame
    # with ink, or an N x N allocation), and gives None back for an empty one.
    grey = np.array([100, 150, 200, 240], np.uint8)
    paper = np.array([220, 220, 220, 250], np.uint8)
    assert _darker(grey, paper, 45.0).tolist() == [True, True, False, False]
    assert _darker(grey[:0], paper[:0], 45.0).shape == (0,)
    assert _darker(grey.reshape(2, 2), paper.reshape(2, 2), 45.0).tolist() == [[True, True], [False, False]]


def test_join_pieces_joins_a_broken_digit_not_its_neighbours():
    body = Blob((100, 50, 30, 40), (1,))
    flag = Blob((118, 40, 25, 10), (2,))  # a 5's detached flag, touching the body's box
    top_half = Blob((200, 50, 30, 18), (3,))  # a digit broken across the middle
    bottom_half = Blob((202, 72, 28, 18), (4,))
    neighbour = Blob((136, 52, 28, 38), (5,))  # the next digit, as tall as the body
    joined = join_pieces([body, flag, top_half, bottom_half, neighbour])
    labels = sorted(tuple(sorted(b.labels)) for b in joined)
    assert labels == [(1, 2), (3, 4), (5,)]


def test_join_pieces_joins_an_open_four_whose_hook_is_wider_than_its_slanting_stem():
    # Boxes as found in a real photo of an open 4 (realdev michaelchu/four.jpg turned 10 degrees):
    # the hook stops short of the stem, and the group is 2.2 times the stem's width but narrow.
    hook, stem = Blob((240, 267, 182, 209), (1,)), Blob((371, 296, 111, 432), (2,))
    joined = join_pieces([hook, stem])
    assert [b.labels for b in joined] == [(1, 2)] and joined[0].box == (240, 267, 242, 461)
    tall, short = Blob((100, 300, 110, 200), (3,)), Blob((225, 390, 60, 110), (4,))  # a short digit written
    assert sorted(b.labels for b in join_pieces([tall, short])) == [(3,), (4,)]  # just right of a tall one


def test_join_pieces_joins_an_open_fours_hook_to_its_faint_stem_broken_in_pieces():
    # Boxes as found in realdev's thin-pen 4 (michaelchu/four.jpg) cropped round the digit with 2% of paper
    # and shrunk to 300 px: its stem is broken in five, the hook as tall as the longest piece, and small
    # only beside the whole stem. It read "61" (`join_stem` None).
    hook = Blob((78, 10, 123, 131), (1,))
    stem = [Blob(box, (label,)) for label, box in enumerate(
        [(216, 6, 2, 8), (208, 16, 9, 148), (210, 165, 3, 28), (210, 194, 3, 8), (207, 204, 7, 67)], start=2)]
    joined = join_pieces([hook, *stem])
    assert [sorted(b.labels) for b in joined] == [[1, 2, 3, 4, 5, 6]] and joined[0].box == (78, 6, 140, 265)
    apart = join_pieces([hook, *stem], PipelineConfig(join_stem=None))
    assert sorted(sorted(b.labels) for b in apart) == [[1], [2, 3, 4, 5, 6]]
    # A 4 (generated sheet, seed 701) whose short left stroke is broken in two: each piece is small beside
    # its body, the two together not; they join it as before.
    body, top, bottom = Blob((437, 340, 18, 24), (7,)), Blob((431, 341, 4, 13), (8,)), Blob((431, 357, 3, 7), (9,))
    assert [sorted(b.labels) for b in join_pieces([body, top, bottom])] == [[7, 8, 9]]


@needs_model
def test_digits_along_a_shadows_broken_slanting_edge_are_not_small_beside_it(classifier, mnist_path):
    # Generated sheet (seed 100, photo 20): a long shadow's slanting edge is found in stacked pieces; taken
    # as one piece, every digit along it was small beside it, and joined it: the sheet read "7".
    rng = np.random.default_rng(100)
    digits = DigitSource.find(mnist_path)
    scene = [make_scene(rng, digits) for _ in range(21)][-1]
    assert scene.texts == ["3196406893", "55", "46"]
    assert "55" in [n.text for n in read_frame(scene.image, classifier)]
    assert [n.text for n in read_frame(scene.image, classifier, PipelineConfig(join_stem=math.inf))] == ["7"]


def test_join_pieces_joins_a_fives_bar_reaching_well_past_its_body_but_not_a_dash():
    # Boxes as found in a generated photo (seed 300, photo 247): the 5's bar, drawn apart from its body,
    # starts at the body's right edge and is wider than the body. The group was 2 bodies wide, over
    # join_width_growth, left in pieces and read "52".
    body, bar = Blob((55, 115, 81, 125), (1,)), Blob((125, 118, 88, 38), (2,))
    joined = join_pieces([body, bar])
    assert [b.labels for b in joined] == [(1, 2)] and joined[0].box == (55, 115, 158, 125)
    assert sorted(b.labels for b in join_pieces([body, bar], PipelineConfig(join_flag=None))) == [(1,), (2,)]
    dash = Blob((140, 170, 88, 14), (3,))  # as flat, but halfway down: a dash after the digit, "5-"
    assert sorted(b.labels for b in join_pieces([body, dash])) == [(1,), (3,)]
    small = Blob((125, 118, 60, 50), (4,))  # not flat: a small digit written beside the body's top
    assert sorted(b.labels for b in join_pieces([body, small])) == [(1,), (4,)]


def test_join_pairs_compares_pieces_in_blocks_exactly_as_pair_by_pair():
    """The pairs join_pieces joins, against the rules written out one pair at a time, on 700 boxes
    (three blocks of _JOIN_ROWS), many of them touching, as a grainy frame's specks are."""
    config = PipelineConfig()
    rng = np.random.default_rng(1)
    boxes = np.column_stack([rng.integers(0, 300, 700), rng.integers(0, 200, 700),
                             rng.integers(1, 12, 700), rng.integers(1, 40, 700)]).astype(np.int64)
    expected_stacked, expected_small = [], []
    for i, (ax, ay, aw, ah) in enumerate(boxes.tolist()):
        partners = []
        for j, (bx, by, bw, bh) in enumerate(boxes.tolist()):
            overlap = min(ax + aw, bx + bw) - max(ax, bx)
            gap = max(ay, by) - min(ay + ah, by + bh)
            if i < j and overlap >= config.join_overlap * min(aw, bw) and gap < config.join_gap * max(ah, bh):
                expected_stacked.append((i, j))
            margin = config.join_touch * bh
            if (j != i and ah < config.join_small * bh and ax <= bx + bw + margin and bx - margin <= ax + aw
                    and ay <= by + bh + margin and by - margin <= ay + ah):
                partners.append((overlap, j))
        if partners:
            expected_small.append((i, max(partners)[1]))  # the most overlap in x, the last of equals
    stacked, small = _join_pairs(boxes, config)
    assert len(boxes) > 2 * _JOIN_ROWS and len(stacked) > 100 and len(small) > 100
    assert sorted(stacked) == expected_stacked and small == expected_small


def frame_pieces(draw):
    """The pieces find_ink gives for an evened-out page (paper at 255) with what `draw(page)` writes on it."""
    page = paper(300, 400, 255)
    draw(page)
    labels, pieces, _ = find_ink(page)
    return labels, pieces


def test_drop_frames_takes_out_a_sheet_edge_or_a_drawn_box_round_a_digit():
    def box_round_a_one(page):
        cv2.rectangle(page, (40, 40), (360, 260), 60, 8)
        cv2.line(page, (195, 110), (200, 190), 40, 6)

    def box_close_round_a_one(page):  # as a form's box: the 1 ends 4% of the box's height from its outer edge
        cv2.rectangle(page, (40, 40), (360, 260), 60, 4)
        cv2.line(page, (195, 110), (200, 250), 40, 6)

    labels, pieces = frame_pieces(box_round_a_one)
    assert len(pieces) == 2
    assert [p.box[3] for p in drop_frames(labels, pieces)] == [pieces[1].box[3]]  # only the 1 is left
    # A frame needs four corners, or a hull filling the rectangle round it, or to hold a piece over a third
    # its height (the 1: 0.36 of it)
    many_corners = PipelineConfig(frame_corner=0.0, frame_rectangle=None, frame_round_inner=None)
    assert drop_frames(labels, pieces, many_corners) == pieces
    assert drop_frames(labels, pieces, dataclasses.replace(many_corners, frame_round_inner=0.4)) == pieces
    assert [p.box[3] for p in drop_frames(labels, pieces, dataclasses.replace(many_corners, frame_rectangle=0.9))] \
        == [pieces[1].box[3]]

    labels, pieces = frame_pieces(box_close_round_a_one)
    assert len(pieces) == 2
    assert [p.box[3] for p in drop_frames(labels, pieces)] == [pieces[1].box[3]]
    assert drop_frames(labels, pieces, PipelineConfig(frame_margin=0.05)) == pieces  # 5%: too close to be held


def test_drop_frames_takes_out_a_sheet_edge_with_a_corner_cut_off():
    """A sheet's edge on a darker table, one corner of it cut off by a shadow lying across it (t500 item 23,
    read "151": the edge's sides as 1s): its hull has five corners, but fills the rectangle round it."""
    def cut_box_round_a_four(page):
        cv2.polylines(page, [np.array([(40, 150), (150, 40), (360, 40), (360, 260), (40, 260)])], True, 60, 10)
        cv2.polylines(page, [np.array([(220, 140), (195, 180), (235, 180)])], False, 40, 5)  # under 0.35 of
        cv2.line(page, (225, 155), (225, 205), 40, 5)  # its height: not held as a number circled is

    labels, pieces = frame_pieces(cut_box_round_a_four)
    assert len(pieces) == 2
    assert [p.box[3] for p in drop_frames(labels, pieces)] == [pieces[1].box[3]]
    assert drop_frames(labels, pieces, PipelineConfig(frame_rectangle=None)) == pieces


def test_drop_frames_takes_out_a_ring_drawn_round_a_number_not_a_zero_round_a_blot():
    def circled_seven(page):
        cv2.ellipse(page, (200, 150), (150, 90), 3, 10, 365, 50, 5)  # a hand's ring, its ends crossing
        cv2.polylines(page, [np.array([(160, 110), (240, 110), (185, 195)])], False, 40, 6)

    def circled_number(page):  # a long one: the ring flat
        cv2.ellipse(page, (200, 150), (185, 60), -2, 0, 350, 50, 4)
        for x in (80, 150, 220, 290):
            cv2.line(page, (x, 125), (x + 8, 178), 40, 6)

    for draw in (circled_seven, circled_number):
        labels, pieces = frame_pieces(draw)
        assert len(pieces) >= 2, draw.__name__
        ring = max(pieces, key=lambda p: p.box[2])
        assert drop_frames(labels, pieces) == [p for p in pieces if p != ring], draw.__name__
        assert drop_frames(labels, pieces, PipelineConfig(frame_round_inner=None)) == pieces


def test_without_rings_parts_the_digits_a_ring_round_a_number_touches():
    ink = np.zeros((200, 460), np.uint8)
    for i in range(5):  # five strokes in a ring, the middle one reaching up to it
        cv2.line(ink, (90 + 70 * i, 75), (96 + 70 * i, 125), 1, 5)
    cv2.line(ink, (233, 42), (236, 75), 1, 4)
    cv2.ellipse(ink, (233, 100), (215, 60), 0, 0, 360, 1, 4)
    labels, pieces, areas = _pieces_of(ink)
    assert len(pieces) == 5  # the ring with the middle stroke, and four strokes inside
    # drop_frames would drop the ring, the middle stroke with it: 8% of its ink lies deep inside the hull
    assert len(drop_frames(labels, pieces)) == 4
    kept, grown, (ring,) = without_rings(labels, pieces, areas)
    assert sorted(p.box[0] // 70 for p in kept) == [1, 2, 3, 4, 5] and ring.box[2] > 400
    assert all(p.box[2] < 20 and p.box[3] >= 55 for p in kept)
    assert len(grown) == labels.max() + 1 and all(grown[p.labels[0]] == np.count_nonzero(labels == p.labels[0])
                                                  for p in kept)
    assert drop_frames(labels, [*kept, ring]) == kept  # the ring alone now: a frame
    labels, pieces, areas = _pieces_of(ink)
    assert without_rings(labels, pieces, areas, PipelineConfig(frame_round_inner=None))[0] == pieces
    # A clean ring is left whole to drop_frames; an open outline, a 2 round a stroke, is no ring.
    clean = np.zeros((200, 460), np.uint8)
    cv2.ellipse(clean, (233, 100), (215, 80), 0, 0, 360, 1, 4)
    cv2.line(clean, (200, 70), (206, 130), 1, 5)
    assert without_rings(*_pieces_of(clean))[0] == _pieces_of(clean)[1]
    two = np.zeros((300, 400), np.uint8)
    cv2.polylines(two, [np.array([(120, 90), (200, 50), (270, 90), (130, 250), (280, 250)])], False, 1, 8)
    cv2.line(two, (245, 150), (248, 232), 1, 6)  # a stroke inside, over a third of its height, apart
    assert without_rings(*_pieces_of(two))[0] == _pieces_of(two)[1]


def _comb(cells: int, box: int = 40, tilt: float = 0.0, line: int = 1,
          written: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """A binary image of a form's comb of `cells` boxes `box` pixels square, lines `line` thick, turned `tilt`
    degrees, with (`written`) a pen's stroke (5 pixels) in its second box crossing the wall into its third:
    (comb, stroke)."""
    comb = np.zeros((box + 80, cells * box + 80), np.uint8)
    cv2.rectangle(comb, (40, 40), (40 + cells * box, 40 + box), 1, line)
    for i in range(1, cells):
        cv2.line(comb, (40 + i * box, 40), (40 + i * box, 40 + box), 1, line)
    stroke = np.zeros_like(comb)
    if written:
        cv2.line(stroke, (40 + box + 10, 40 + box // 2), (40 + 2 * box + 12, 40 + box // 2 + 4), 1, 5)
        cv2.line(stroke, (40 + box + 10, 48), (40 + box + 12, 40 + box - 8), 1, 5)
    if tilt:
        turn = cv2.getRotationMatrix2D((comb.shape[1] / 2, comb.shape[0] / 2), tilt, 1.0)
        comb, stroke = (cv2.warpAffine(image, turn, image.shape[::-1], flags=cv2.INTER_NEAREST)
                        for image in (comb, stroke))
    return comb | stroke, stroke.astype(bool)


@pytest.mark.parametrize("tilt", [0.0, 3.0])
def test_grid_lines_takes_out_a_comb_s_lines_and_keeps_the_stroke_crossing_them(tilt):
    ink, stroke = _comb(4, tilt=tilt)
    rest, across, down, slope = _grid_lines(ink.astype(bool), 8)
    assert len(across) == 2 and len(down) == 5
    assert slope == pytest.approx(-math.tan(math.radians(tilt)), abs=0.01)
    assert np.count_nonzero(rest & stroke) >= 0.97 * np.count_nonzero(stroke)  # the stroke, across the wall too
    lines = ink.astype(bool) & ~cv2.dilate(stroke.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    assert np.count_nonzero(rest & lines) <= 0.02 * np.count_nonzero(lines)  # the lines, gone
    # A 0 drawn square with a marker, its lines thicker than `thin`, is no grid; a 7's top is steeper than a page's.
    square = np.zeros((80, 80), bool)
    square[10:70, 10:70] = True
    square[20:60, 20:60] = False
    assert _grid_lines(square, 8)[1] == []
    seven = np.zeros((80, 80), np.uint8)
    cv2.polylines(seven, [np.array([(15, 30), (60, 10), (30, 70)])], False, 1, 3)
    assert _grid_lines(seven.astype(bool), 8)[1:3] == ([], [])


def test_without_grids_parts_the_digits_a_comb_holds_and_drops_an_empty_one():
    ink, stroke = _comb(4)
    empty, _ = _comb(3, written=False)
    box = np.zeros((120, 120), np.uint8)  # one box round nothing: drop_frames' to leave or drop
    cv2.rectangle(box, (40, 40), (80, 80), 1, 1)
    frame = np.zeros((ink.shape[0] + 140, ink.shape[1] + 260), np.uint8)
    frame[:ink.shape[0], :ink.shape[1]] = ink
    frame[ink.shape[0] + 20:ink.shape[0] + 20 + empty.shape[0], :empty.shape[1]] = empty
    frame[:120, ink.shape[1] + 20:ink.shape[1] + 140] = box
    labels, pieces, areas = _pieces_of(frame)
    assert len(pieces) == 3
    kept, grown, grids, walls = without_grids(labels, pieces, areas)
    (digit,) = [p for p in kept if p.box[3] >= 10 and p.box[0] < ink.shape[1]]
    sx, sy, sw, sh = cv2.boundingRect(stroke.astype(np.uint8))
    assert abs(digit.box[0] - sx) <= 2 and abs(digit.box[2] - sw) <= 4 and abs(digit.box[3] - sh) <= 4
    assert [p.box[:2] for p in kept if p.box[0] >= ink.shape[1]] == [(ink.shape[1] + 60, 40)]  # the box, kept
    assert len(grids) == 2 and walls == []  # the comb's lines and the empty comb; its boxes hold digits alone
    assert len(grown) == labels.max() + 1 and all(grown[p.labels[0]] == np.count_nonzero(labels == p.labels[0])
                                                  for p in [*kept, *grids])
    labels, pieces, areas = _pieces_of(frame)
    assert without_grids(labels, pieces, areas, PipelineConfig(grid_fill=None))[0] == pieces


def test_the_walls_of_a_table_part_its_numbers_and_a_comb_s_walls_do_not():
    def digit(value, x):
        return Digit(value, 0.99, (x, 20, 20, 30))
    number = Number("1234", 0.99, (10, 20, 170, 30), (digit(1, 10), digit(2, 40), digit(3, 130), digit(4, 160)))
    wall = (95.0, 0.0, 97.0, 80.0)
    assert [n.text for n in _by_cells([number], [wall])] == ["12", "34"]
    assert _by_cells([number], [(95.0, 60.0, 97.0, 120.0)]) == [number]  # below the digits
    assert _by_cells([number], [(45.0, 0.0, 50.0, 80.0)])[0].text == "1"  # between the 1's and the 2's centres
    # A page's table: its rules taken out as a page's, its walls between them, its cells three times as wide as
    # tall; a comb of boxes for digits, square. Only the table's walls part numbers.
    page = np.full((300, 640), 235, np.uint8)
    for y in (60, 120, 180):
        cv2.line(page, (20, y), (620, y), 120, 2)
    for x in (20, 320, 620):
        cv2.line(page, (x, 60), (x, 180), 120, 2)
    for row, y in enumerate((75, 135)):
        for x in (60, 90, 360, 390, 420):
            cv2.line(page, (x + 5 * row, y), (x + 10, y + 32), 30, 5)
    found = find_blobs(page)
    assert [round(x0 / 10) for x0, *_ in sorted(found.walls)] == [2, 32, 62]
    assert [round(b.box[0] / 30) for b in sorted(found.blobs, key=lambda b: b.box[0])] == [2, 2, 3, 3, 12, 12, 13,
                                                                                          13, 14, 14]
    # One row of it, its first digits touching the left and the middle walls (a 7's bar drawn from the wall, a
    # 1's flag): the right wall alone is clear of digits, and enough. Left in, it was read as a 1 and the walls
    # the digits touched as part of them, as tall as the cell.
    row = np.full((200, 640), 235, np.uint8)
    for y in (60, 120):
        cv2.line(row, (20, y), (620, y), 120, 2)
    for x in (20, 320, 620):
        cv2.line(row, (x, 60), (x, 120), 120, 2)
    cv2.polylines(row, [np.array([(20, 75), (50, 75), (35, 108)])], False, 30, 5)
    cv2.polylines(row, [np.array([(320, 80), (345, 72), (345, 110)])], False, 30, 5)
    for x in (70, 380):
        cv2.line(row, (x, 75), (x + 8, 108), 30, 5)
    found = find_blobs(row)
    assert [round(x0 / 10) for x0, *_ in sorted(found.walls)] == [2, 32, 62]
    boxes = sorted(b.box for b in found.blobs)
    assert [(x // 10, h // 10) for x, _, _, h in boxes] == [(1, 4), (6, 4), (31, 4), (37, 4)]  # the digits alone
    comb = np.full((120, 640), 235, np.uint8)
    cv2.rectangle(comb, (20, 30), (620, 90), 120, 2)
    for x in range(80, 620, 60):
        cv2.line(comb, (x, 30), (x, 90), 120, 2)
    for x in range(40, 600, 60):
        cv2.line(comb, (x, 40), (x + 12, 78), 30, 5)
    found = find_blobs(comb)
    assert len(found.blobs) == 10 and found.walls == []


@needs_model
def test_numbers_written_in_a_form_s_boxes_and_a_table_s_cells_are_read(classifier, mnist_path):
    """The generator's forms (SceneConfig(combs=1.0): a digit to a printed box, the digits often touching its
    walls) cropped to their line, and its tables (SceneConfig(tables=1.0)). Their walls were read as 1s, and
    a table's numbers side by side as one."""
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(800)
    forms = [make_line(rng, digits, SceneConfig(combs=1.0)) for _ in range(30)]
    right = _read_exactly(classifier, forms)
    without = _read_exactly(classifier, forms, PipelineConfig(grid_fill=None))
    assert right >= 15 and right >= without + 6, (right, without)  # the shipped model: 19 and 9
    rng = np.random.default_rng(900)
    tables = [make_scene(rng, digits, SceneConfig(tables=1.0)) for _ in range(15)]
    right = _numbers_read(classifier, tables)
    without = _numbers_read(classifier, tables, PipelineConfig(grid_fill=None))
    assert right >= 36 and right >= without + 25, (right, without)  # 42 and 8 of the 64 numbers


def _numbers_read(classifier, scenes, config: PipelineConfig | None = None) -> int:
    """How many of the scenes' numbers are among those read in them."""
    config = config or PipelineConfig()
    return sum(sum(text in [n.text for n in read_frame(s.image, classifier, config)] for text in s.texts)
               for s in scenes)


@needs_model
def test_numbers_circled_by_hand_are_read(classifier, mnist_path):
    # 30 generated sheets of one number of 1-6 digits, each circled in its own ink clear of its digits.
    def ring(image, rng, box, ink, pen):
        x, y, w, h = box
        axes = (int(w / 2 * 1.25 + 0.4 * h), int(h / 2 * 1.3 + 0.35 * h))
        start = rng.uniform(0, 360)
        turn = rng.uniform(-4, 4)
        cv2.ellipse(image, (x + w // 2, y + h // 2), axes, turn, start, start + 360, ink, pen, cv2.LINE_AA)
    sheets = _marked_sheets(mnist_path, 2, ring, SceneConfig(max_lines=1, max_digits=6))
    # The shipped model: 20 of the 30 numbers, 8 with frame_round_inner=None (the ring joined to its digits).
    assert _numbers_found(classifier, sheets) >= 16
    assert _numbers_found(classifier, sheets) >= _numbers_found(classifier, sheets, frame_round_inner=None) + 7


@needs_model
def test_numbers_boxed_by_hand_are_read(classifier, mnist_path):
    # 30 generated sheets of one number of 1-6 digits, each with a box drawn round it in its own ink: the box
    # is dropped as a frame, and its ink filled the ring drop_textured looks at round a digit as a table's grain.
    def box(image, rng, number, ink, pen):
        x, y, w, h = number
        p = int(rng.uniform(0.25, 0.5) * h)
        cv2.rectangle(image, (x - p, y - p), (x + w + p, y + h + p), ink, pen, cv2.LINE_AA)
    sheets = _marked_sheets(mnist_path, 3, box, SceneConfig(max_lines=1, max_digits=6))
    # The shipped model: 25 of the 30 numbers, 20 with the box's ink taken for texture.
    assert _numbers_found(classifier, sheets) >= 22
    assert _numbers_found(classifier, sheets) >= _numbers_found(classifier, sheets, texture_marks=False) + 3


def _marked_sheets(mnist_path, seed: int, mark, scene: SceneConfig) -> list[tuple[np.ndarray, list[str]]]:
    """30 generated sheets (`seed`) with `mark(image, rng, box, ink, pen)` drawn at every number in its own
    ink (the darkest of its box) and a pen of a twelfth its height, then blurred a little: (image, texts)."""
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(seed)
    sheets = []
    for _ in range(30):
        drawn = make_scene(rng, digits, scene)
        image = drawn.image.copy()
        for _, (x, y, w, h) in drawn.numbers:
            ink = tuple(int(v) for v in image[y:y + h, x:x + w].reshape(-1, 3).min(axis=0))
            mark(image, rng, (x, y, w, h), ink, max(2, h // 12))
        sheets.append((cv2.GaussianBlur(image, (0, 0), 0.8), drawn.texts))
    return sheets


def _numbers_found(classifier, sheets, **config) -> int:
    """How many of the sheets' numbers are among those read with PipelineConfig(**config)."""
    config = PipelineConfig(**config)
    return sum(sum(text in [n.text for n in read_frame(image, classifier, config)] for text in texts)
               for image, texts in sheets)


def test_drop_frames_keeps_digits_round_a_speck():
    def zero_round_a_blot(page):
        cv2.ellipse(page, (200, 150), (60, 100), 0, 0, 360, 40, 8)
        cv2.circle(page, (200, 150), 9, 40, -1)

    def seven_over_a_blot(page):
        cv2.polylines(page, [np.array([(120, 60), (280, 60), (170, 260)])], False, 40, 8)
        cv2.circle(page, (140, 200), 9, 40, -1)  # in the 7's empty corner: outside its hull

    def two_round_a_blot(page):
        cv2.polylines(page, [np.array([(120, 90), (200, 50), (270, 90), (130, 250), (280, 250)])], False, 40, 8)
        cv2.circle(page, (230, 190), 9, 40, -1)

    def zero_round_a_tall_blot(page):  # a third of the 0's height: not a digit it could be holding
        cv2.ellipse(page, (200, 150), (60, 100), 0, 0, 360, 40, 8)
        cv2.ellipse(page, (200, 150), (12, 30), 0, 0, 360, 40, -1)

    for draw in (zero_round_a_blot, seven_over_a_blot, two_round_a_blot, zero_round_a_tall_blot):
        labels, pieces = frame_pieces(draw)
        assert len(pieces) == 2 and drop_frames(labels, pieces) == pieces, draw.__name__


def _grain_and_blobs(grain_everywhere=False):
    """A flat frame: clean paper on the left, a table's grain on the right (all over with
    grain_everywhere); strokes on the paper and in the grain, one of each by a corner, each its own
    component."""
    rng = np.random.default_rng(5)
    flat = np.full((240, 320), 255, np.uint8)
    grainy = rng.random(flat.shape) < 0.5
    if not grain_everywhere:
        grainy[:, :200] = False
    flat[grainy] = 120
    strokes = [(60, 80, 20, 40), (250, 100, 20, 40), (4, 4, 20, 40), (296, 196, 20, 40)]  # two by the corners
    for x, y, w, h in strokes:
        flat[y - 3:y + h + 3, x - 3:x + w + 3] = 255  # a gap of paper, so grain does not join the stroke
        cv2.rectangle(flat, (x, y), (x + w - 1, y + h - 1), 40, 3)
    _, labels = cv2.connectedComponents((flat <= 255 - PipelineConfig().low_contrast).view(np.uint8))
    return flat, labels, [Blob(box, (int(labels[box[1], box[0]]),)) for box in strokes]


def test_drop_textured_drops_blobs_in_a_table_s_grain_and_keeps_those_on_clean_paper():
    flat, labels, (on_paper, in_grain, paper_corner, grain_corner) = _grain_and_blobs()
    blobs = [on_paper, in_grain, paper_corner, grain_corner]
    assert drop_textured(flat, labels, blobs) == [on_paper, paper_corner]
    assert drop_textured(flat, labels, blobs, PipelineConfig(texture_ring=None)) == blobs
    # Grainy paper, or a noisy photo: texture everywhere says nothing about where the paper is.
    flat, labels, blobs = _grain_and_blobs(grain_everywhere=True)
    assert drop_textured(flat, labels, blobs) == blobs


def test_drop_non_digits():
    frame_shape = (300, 400)
    blobs = {
        "digit": Blob((100, 100, 20, 40), (1,)),
        "speck": Blob((200, 100, 3, 4), (2,)),
        "border": Blob((0, 100, 20, 40), (3,)),
        "underline": Blob((80, 150, 200, 6), (4,)),
        "smudge": Blob((300, 200, 40, 40), (5,)),
        "tiny next to big": Blob((150, 100, 6, 8), (6,)),
    }
    areas = {1: 250, 2: 10, 3: 250, 4: 1100, 5: 1500, 6: 30}
    kept = drop_non_digits(list(blobs.values()), frame_shape, areas)
    assert kept == [blobs["digit"]]


def test_drop_specks_judges_height_against_the_tallest_blob():
    digit, speck = Blob((100, 100, 20, 40), (1,)), Blob((200, 100, 8, 9), (2,))
    small_digit = Blob((150, 100, 8, 12), (3,))
    assert drop_specks([digit, speck, small_digit]) == [digit, small_digit]  # 9 px is under a quarter of 40
    assert drop_specks([speck]) == [speck]  # alone, it is the tallest
    assert drop_specks([]) == []


def test_drop_specks_drops_one_or_two_bars_that_would_make_specks_of_a_sheet_of_digits():
    # A realdev sheet turned 10 degrees: a strip of table 202 px tall inside the frame, digits of 28-39 px.
    heights = [39, 38, 37, 35, 34, 33, 31, 30, 29, 28] * 2 + [16, 9]  # digits, then a short 5 and a speck
    digits = [Blob((40 * i, 300, 15, h), (i + 1,)) for i, h in enumerate(heights)]
    strip, pen = Blob((18, 256, 47, 202), (100,)), Blob((600, 50, 30, 190), (101,))
    kept = drop_specks([strip, *digits, pen])
    assert kept == [d for d in digits if d.box[3] >= 0.25 * 39]  # judged against the tallest digit
    three = [strip, pen, Blob((700, 80, 20, 170), (102,))]
    assert drop_specks(digits[:20] + three) == three  # three tall blobs are not out of place: the rule is as before


def test_drop_specks_judges_a_page_against_its_digits_beside_an_edge_twice_as_tall():
    # Blobs of realdev's first page turned -10 degrees (edge_app.changes.turned): the paper carried out at
    # its border leaves a streak 130 px tall, twice the tallest digits, too short to be dropped as a bar;
    # against it, a small 5 of 28 px was a speck, and "8952481" read "89", "2481".
    boxes = [(56, 5, 35, 130), (213, 206, 29, 68), (413, 251, 33, 65), (377, 123, 33, 61), (494, 154, 39, 59),
             (539, 284, 18, 55), (189, 87, 17, 44), (311, 114, 30, 43), (243, 101, 33, 42), (344, 240, 29, 42),
             (487, 268, 26, 41), (438, 139, 27, 39), (555, 171, 21, 39), (156, 199, 23, 38), (281, 226, 28, 28)]
    blobs = [Blob(box, (i + 1,)) for i, box in enumerate(boxes)]
    assert drop_specks(blobs) == blobs
    assert drop_specks(blobs, PipelineConfig(speck_gap=None)) == blobs[:-1]
    speck = Blob((0, 0, 5, 20), (99,))  # 20 px: under a quarter of 130, over a quarter of 65
    assert drop_specks(blobs[:9] + [speck]) == blobs[:9] + [speck]
    assert drop_specks(blobs[:7] + [speck]) == blobs[:7]  # 8 blobs, no crowd: judged against the tallest


def test_drop_specks_drops_a_pen_three_times_as_tall_as_the_digits_beside_it():
    # A pen drawn beside a realdev sheet's two lines: 219 px, the digits 45-70 px.
    digits = [Blob((60 * i, 100, 30, h), (i + 1,)) for i, h in enumerate([70, 68, 66, 62, 60, 58, 50, 48, 46, 45])]
    pen = Blob((20, 170, 20, 219), (100,))
    assert drop_specks([pen, *digits]) == digits  # without it, every digit under 55 px would be a speck
    assert drop_specks([pen, *digits], PipelineConfig(max_outliers=0)) == [pen, *digits[:6]]
    bar = Blob((20, 5, 35, 130), (101,))  # the strip of a turned realdev sheet, twice the digits' height
    assert drop_specks([bar, *digits]) == [bar, *digits]  # is not far enough out of place to be dropped


def test_drop_specks_keeps_a_single_digit_over_a_few_specks_of_table_texture():
    # A realdev 9 turned 10 degrees: its frame holds five streaks of a wooden table, 15-26 px.
    nine = Blob((312, 376, 82, 187), (1,))
    streaks = [Blob((500 + 20 * i, 70, 8, h), (i + 2,)) for i, h in enumerate([26, 26, 23, 17, 15])]
    assert drop_specks([nine, *streaks]) == [nine]
    crowd = [Blob((500 + 20 * i, 70, 8, 20 + i % 4), (i + 2,)) for i in range(8)]
    assert drop_specks([nine, *crowd]) == crowd  # eight of a height: a sheet's digits, the tall one a bar


STROKES = [((520, 150), (530, 260), 0.65), ((280, 250), (270, 330), 0.65), ((210, 90), (215, 170), 0.65),
           ((300, 380), (310, 440), 0.2)]  # pencil on lit paper, into the shadow, beside it; pen inside it


def shadow_scene(strokes=STROKES, tip=30):
    """Paper lit unevenly under a hard-edged wedge of shadow, its narrow tip up at row `tip`, and
    `strokes`: lines from one point to another of ink with the reflectance given."""
    h, w = 480, 640
    wedge = np.zeros((h, w), np.float32)
    cv2.fillConvexPoly(wedge, np.array([[60, tip], [80, tip], [460, 560], [260, 560]], np.int32), 1.0)
    light = np.linspace(215, 235, w, dtype=np.float32)[None, :] * (1 - 0.4 * cv2.GaussianBlur(wedge, (0, 0), 8))
    reflectance = np.ones((h, w), np.float32)  # ink darkens what light reaches it, in the shadow too
    for start, end, ink in strokes:
        cv2.line(reflectance, start, end, ink, 6)
    noise = np.random.default_rng(0).normal(0, 2, (h, w))
    return np.clip(light * reflectance + noise, 0, 255).astype(np.uint8)


def test_drop_shadows_takes_out_a_shadows_tip_but_not_strokes_in_or_beside_the_shadow():
    grey = shadow_scene()
    kept = find_blobs(grey, PipelineConfig(shadow_reach=None)).blobs
    tips = [b for b in kept if b.box[0] < 100 and b.box[1] < 60]
    assert len(tips) == 1 and tips[0].box[3] > 100  # the tip is ink once the paper is divided out
    strokes = sorted(b.box for b in kept if b not in tips)
    assert [(x // 10, y // 10) for x, y, _, _ in strokes] == [(20, 8), (26, 24), (29, 37), (51, 14)]
    found = find_blobs(grey)
    assert sorted(b.box for b in found.blobs) == strokes
    assert drop_shadows(grey, found.labels, kept) == [b for b in kept if b not in tips]
    # Ink written in the tip joins it, and is darker than any shadowed paper: the blob stays.
    grey = shadow_scene([((100, 50), (104, 120), 0.2)])
    assert [b.box[:2] for b in find_blobs(grey).blobs] == [tips[0].box[:2]]
    assert find_blobs(grey, PipelineConfig(shadow_core=0.0)).blobs == []


def test_drop_shadows_takes_out_a_shadows_tip_on_squared_paper_whose_lines_cross_it():
    # Grey lines 24 pixels apart, a little tilted: inside the shadow they are darker than its tip, and
    # taken out they cut the shadowed paper into cells. Read off the rules, the tip is one all the same.
    lines = np.ones((480, 640), np.float32)
    for at in range(12, 640, 24):
        cv2.line(lines, (at, 0), (at + 8, 479), 0.7, 2)
        cv2.line(lines, (0, at), (639, at + 6), 0.7, 2)
    grey = np.clip(shadow_scene().astype(np.float32) * lines, 0, 255).astype(np.uint8)
    found = find_blobs(grey, PipelineConfig(shadow_reach=None))
    tips = [b for b in found.blobs if b.box[0] < 100 and b.box[1] < 60]
    assert len(tips) == 1 and tips[0].box[3] > 100
    kept = find_blobs(grey).blobs
    assert not any(b.box[0] < 100 and b.box[1] < 60 for b in kept)
    strokes = [b.box for b in found.blobs if b not in tips]
    assert len(strokes) >= 4 and all(box in [b.box for b in kept] for box in strokes)  # pencil and pen stay
    assert tips[0] in drop_shadows(grey, found.labels, found.blobs)  # judged with the rules in its ink, it stays


def test_drop_shadow_pieces_takes_a_shadows_tip_out_of_the_digit_it_was_joined_to():
    # A pen stroke ending 14 pixels above the tip: join_pieces joins the two into one tall blob, which is
    # no tip (the pen is darker than the shadow), and beside which a shorter stroke elsewhere is a speck.
    grey = shadow_scene([((66, 51), (72, 96), 0.2), ((300, 380), (306, 420), 0.2)], tip=110)
    joined = find_blobs(grey, PipelineConfig(shadow_reach=None)).blobs
    assert len(joined) == 1 and len(joined[0].labels) == 2 and joined[0].box[3] > 200
    boxes = sorted(b.box for b in find_blobs(grey).blobs)  # the tip out, the pen stroke and the other stroke
    assert [(x // 10, y // 10, h // 10) for x, y, _, h in boxes] == [(6, 4, 5), (29, 37, 4)]


def _pen_shadow_page(shadow: bool = True, marker: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A flat page (paper 250) with thin pen strokes (dark 150, 4 px), with `shadow` a pen's soft shadow across
    it (dark 70, 26 px wide, slanting), the strokes crossing it darker, and with `marker` a short, thick marker
    stroke (dark 150, 24 px): (flat, the strokes' pixels, the shadow's pixels clear of them)."""
    band = np.zeros((480, 640), np.float32)
    if shadow:
        cv2.line(band, (0, 100), (640, 400), 70.0, 26)
        band = cv2.GaussianBlur(band, (0, 0), 2)
    strokes = np.zeros((480, 640), np.uint8)
    for x in range(60, 600, 45):  # a row of 1s, the shadow passing under them
        cv2.line(strokes, (x, 150 + x // 3), (x + 6, 210 + x // 3), 1, 4)
    for x in range(80, 560, 60):
        cv2.line(strokes, (x, 40), (x + 5, 80), 1, 4)
    if marker:
        cv2.line(strokes, (560, 100), (570, 200), 1, 24)
    ink = strokes.astype(bool)
    dark = np.where(ink, 150 + 0.3 * band, band)  # a stroke in the shadow is darker still
    clear = (band >= 20) & ~cv2.dilate(strokes, np.ones((9, 9), np.uint8)).astype(bool)
    return (250 - dark).clip(0, 255).astype(np.uint8), ink, clear


def test_without_bands_takes_out_a_pen_s_shadow_across_the_page_but_not_the_strokes_across_it():
    levels = (22.0, 45.0)  # weak and strong ink, as _ink_levels measures them on such a page
    for marker in (False, True):
        flat, ink, band = _pen_shadow_page(marker=marker)
        cleaned = without_bands(flat, levels)
        assert np.count_nonzero(cleaned[band] == 255) >= 0.98 * np.count_nonzero(band)  # the shadow, paper now
        assert np.array_equal(cleaned[ink], flat[ink])  # every stroke, in the shadow too, and the marker's
    assert without_bands(flat, levels, PipelineConfig(band_width=None)) is flat
    # No shadow: thin strokes, a marker's stroke too (thick, but short and as dark as the pen's), a blank page,
    # and a faint band with no strong ink at all to judge it against.
    faint = np.full((480, 640), 250, np.uint8)
    faint[200:240] = 220
    for frame in (_pen_shadow_page(shadow=False)[0], _pen_shadow_page(shadow=False, marker=True)[0],
                  np.full((480, 640), 250, np.uint8), faint):
        assert without_bands(frame, levels) is frame


@needs_model
def test_numbers_across_a_pen_s_shadow_are_read(classifier, mnist_path):
    """The generator's sheets with a pen's shadow across them (SceneConfig(pen_shadows=1.0)): divided out only in
    part, the shadow joined the digits it crossed into one blob."""
    rng = np.random.default_rng(1000)
    sheets = [make_scene(rng, DigitSource.find(str(mnist_path)), SceneConfig(pen_shadows=1.0)) for _ in range(30)]
    right = _numbers_read(classifier, sheets)
    without = _numbers_read(classifier, sheets, PipelineConfig(band_width=None))
    assert right >= 48 and right >= without + 12, (right, without)  # the shipped model: 53 and 35 of 63


def test_group_numbers_by_line_and_gap_in_reading_order():
    def d(value, x, y, h=30):
        return Digit(value, 0.9, (x, y, 18, h))
    digits = [d(4, 140, 102), d(1, 100, 100), d(2, 120, 98), d(9, 300, 100),  # "124", then "9" far right
              d(7, 100, 200), d(8, 121, 203)]  # "78" on the next line
    numbers = group_numbers(digits)
    assert [n.text for n in numbers] == ["124", "9", "78"]
    assert numbers[0].box == (100, 98, 58, 34)
    assert numbers[0].confidence == 0.9


def test_group_numbers_leaves_out_a_dash_or_a_dot_between_digits_and_goes_on_across_it():
    def d(value, x, y=100, w=18, h=30):
        return Digit(value, 0.95, (x, y, w, h))
    phone = [d(5, 100), d(5, 122), d(5, 144), d(2, 170, 112, 14, 6), d(1, 192), d(2, 214), d(3, 236), d(4, 258)]
    date = [d(2, 100, 200), d(4, 122, 200), d(0, 144, 222, 7, 8), d(1, 158, 200), d(1, 180, 200)]  # 24.11
    small = [d(7, 100, 300), d(1, 122, 306, 12, 16), d(7, 140, 300)]  # a digit written small: over half as tall
    ends = [d(2, 100, 400, 14, 6), d(3, 120, 400), d(4, 142, 400), d(0, 166, 422, 7, 8)]  # "-34."
    wide = [d(3, 100, 500), d(4, 122, 500), d(0, 144, 510, 20, 14)]  # at an end, a short blob as wide as a digit
    far = [d(3, 100, 600), d(4, 122, 600), d(7, 250, 605, 10, 12)]  # a small 7 beyond the number's gap
    numbers = group_numbers(phone + date + small + ends + wide + far)
    assert [n.text for n in numbers] == ["5551234", "2411", "717", "34", "340", "34", "7"]
    assert numbers[0].box == (100, 100, 176, 30)  # the digits' box
    gaps = [d(5, 100), d(5, 122), d(2, 160, 112, 14, 6), d(1, 222), d(2, 244)]  # 20 and 48 px (1.6 heights: 48)
    assert [n.text for n in group_numbers(gaps)] == ["5512"]
    apart = [d(5, 100), d(5, 122), d(2, 160, 112, 14, 6), d(1, 225), d(2, 247)]  # 51 px beyond the dash: two numbers
    assert [n.text for n in group_numbers(apart)] == ["55", "12"]
    # A dot 55 px past a tall 5 (within 1.6 of its 40 px, 64) but past the line's gap (1.6 x 30, 48): nothing after it.
    last = [d(3, 100), d(3, 122), d(5, 144, 95, 18, 40), d(0, 217, 125, 7, 8)]
    assert [n.text for n in group_numbers(last)] == ["335"]
    assert [n.text for n in group_numbers(phone + date, PipelineConfig(separator_height=None))] == [
        "55521234", "24011"]


@needs_model
def test_numbers_written_with_dashes_dots_and_gaps_are_read_as_their_digits(classifier, mnist_path):
    # 40 generated lines, each a date or a phone number (24-11-2026, 24.11.26, 555-1234, 555 1234): a dash
    # read as a sure 2 or 1, a big dot as a 0, and a gap split the number in two.
    lines = _generated_lines(mnist_path, 4, SceneConfig(separators=1.0), 40)
    assert all(len(line.texts[0]) >= 6 for line in lines)
    # The shipped model: 37 of the 40, 31 with separator_height=None, 27 with strip_whole=False.
    read = _read_exactly(classifier, lines)
    assert read >= 33 and read >= _read_exactly(classifier, lines, PipelineConfig(separator_height=None)) + 4
    assert read >= _read_exactly(classifier, lines, PipelineConfig(strip_whole=False)) + 6


@needs_model
def test_a_number_written_with_a_gap_inside_is_one_number_in_its_lines_crop(classifier, mnist_path):
    # 30 numbers written "ddd dddd", the gap 1-2.8 digit heights, cropped to their line: one number each;
    # the same crops with paper added above and below to 4:3, no longer a line's crop, two numbers.
    rng = np.random.default_rng(2)
    digits = DigitSource.find(str(mnist_path))
    lines = []
    for _ in range(30):
        text = " ".join("".join(str(v) for v in rng.integers(0, 10, k)) for k in (3, 4))
        scene = make_scene(rng, digits, SceneConfig(max_digit_height=40), texts=[text])
        (_, (x, y, w, h)), = scene.numbers
        pad = h // 3
        lines.append((scene.image[max(0, y - pad):y + h + pad, max(0, x - pad):x + w + pad], scene.texts))

    def read(config=None, page=False):
        right = 0
        for image, texts in lines:
            if page:
                extra = max(0, (image.shape[1] * 3 // 4 - image.shape[0]) // 2)
                image = cv2.copyMakeBorder(image, extra, extra, 0, 0, cv2.BORDER_REPLICATE)
            numbers = [n.text for n in read_frame(image, classifier, config or PipelineConfig())]
            right += len(numbers) == 2 and "".join(numbers) == texts[0] if page else numbers == texts
        return right
    # The shipped model: 28 of the 30, 2 with strip_whole=False; as pages, 26 read as two numbers.
    assert read() >= 25 and read(PipelineConfig(strip_whole=False)) <= 6 and read(page=True) >= 22


def test_date_slashes_are_where_a_dates_digits_part_at_two_1s():
    assert _date_slashes("2411112026") == [(2, 5)]  # 24/11/2026
    assert _date_slashes("317198") == [(1, 3)]  # 3/7/98
    assert _date_slashes("1211111999") == [(2, 5)]  # 12/11/1999: the 1s of the day and month are not slashes
    assert _date_slashes("0511012001") == [(2, 5)]  # 05/01/2001, as written
    assert _date_slashes("1211312026") == [(2, 5)]  # 12/13/2026: the month first
    assert _date_slashes("2026111124") == [(4, 7)]  # 2026/11/24: the year first
    assert _date_slashes("20171511") == [(4, 6)]  # 2017/5/1
    assert _date_slashes("1112154") == [(1, 4), (2, 4)]  # 1/12/54 or 11/2/54: the leans choose
    assert _date_slashes("4411112026") == []  # no day 44
    assert _date_slashes("2411132026") == []  # no day or month 13 with a day 24
    assert _date_slashes("2411112126") == []  # a year of 4 digits begins with 19 or 20
    assert _date_slashes("2126111124") == []  # ... before the day and month too
    assert _date_slashes("0011112026") == []  # no day 0
    assert _date_slashes("1247673") == [] and _date_slashes("11") == []


def test_slashed_dates_leaves_out_two_1s_leaning_right_where_a_dates_slashes_go():
    # 24/11/26 drawn on paper, its 8 strokes each leaning `lean` degrees right in the frame: read 24111126.
    def drawn(lean):
        frame = np.full((120, 860), 235, np.uint8)
        run = round(30 * math.tan(math.radians(lean)))
        for i in range(8):
            centre = 70 + 100 * i
            cv2.line(frame, (centre - run, 90), (centre + run, 30), 40, 4)
        boxes = [(65 + 100 * i - abs(run), 25, 2 * abs(run) + 10, 70) for i in range(8)]
        digits = tuple(Digit(int(c), 0.99, box) for c, box in zip("24111126", boxes, strict=True))
        return frame, _number(list(digits)), boxes
    # (lean in the frame, the page's slope in degrees down to the right, read): on a page turned
    # clockwise 25 degrees (lines sloping down 25) 1s upright on it lean 27 in the frame, slashes 55.
    for lean, slope, text in ((30, 0, "241126"), (2, 0, "24111126"), (27, 25, "24111126"), (55, 25, "241126"),
                              (5, -25, "241126")):
        frame, number, _ = drawn(lean)
        [read] = _slashed_dates([number], frame, slope, PipelineConfig())
        assert read.text == text, (lean, slope)
    frame, number, boxes = drawn(30)
    assert _slashed_dates([number], frame, 0.0, PipelineConfig(date_lean=None)) == [number]
    [read] = _slashed_dates([number], frame, 0.0, PipelineConfig())
    assert [d.box for d in read.digits] == [boxes[i] for i in (0, 1, 3, 4, 6, 7)]
    assert read.box == (boxes[0][0], 25, boxes[7][0] + boxes[7][2] - boxes[0][0], 70)
    assert _lean(frame, boxes[0]) == pytest.approx(30, abs=3)


@needs_model
def test_a_sheet_written_with_wide_spacing_reads_its_numbers_whole(classifier, mnist_path):
    # 12 generated sheets whose digits are spaced 1-1.8 digit heights (drawn: about 1.8-2.9 heights of ink),
    # past number_gap's 1.6; 12 more with two numbers side by side on each line, 2.5-5 heights apart.
    rng = np.random.default_rng(3)
    digits = DigitSource.find(str(mnist_path))
    spaced = [make_scene(rng, digits, SceneConfig(spacing=(1.0, 1.8), max_digits=8)) for _ in range(12)]
    columns = [make_scene(rng, digits, SceneConfig(columns=1.0)) for _ in range(12)]

    def found(sheets, config=None):
        return sum(text in [n.text for n in read_frame(sheet.image, classifier, config or PipelineConfig())]
                   for sheet in sheets for text in sheet.texts)
    # The shipped model: 19 of the 24 spaced numbers, 12 with spacing_ratio=None; 39 of 43 in columns either way.
    off = PipelineConfig(spacing_ratio=None)
    assert found(spaced) >= 17 and found(spaced, off) <= 14
    assert found(columns) >= 35 and found(columns) >= found(columns, off)


def test_bracketed_leaves_out_a_phone_numbers_brackets_read_as_1s():
    # (555) 123-4567 drawn as strokes on paper, each digit a straight stroke, the brackets arcs bowed
    # `bow` of their height (a ")" first: ")555( ..." when bow is negative).
    def drawn(bow, text="155511234567", brackets=(0, 4), apart=0):  # `apart`: pixels more after the ")"
        frame = np.full((120, 60 * len(text) + 40 + apart), 235, np.uint8)
        boxes = []
        for i in range(len(text)):
            down = np.linspace(-1.0, 1.0, 30)
            left = 20 + 60 * i + (apart if i > brackets[1] else 0)
            across = left + 20 + (bow if i == brackets[1] else -bow if i == brackets[0] else 0) * 60 * (1 - down ** 2)
            points = np.stack([across, 60 + 30 * down], axis=1)
            cv2.polylines(frame, [np.round(points).astype(np.int32)], False, 40, 4)
            boxes.append((left, 25, 40, 70))
        digits = [Digit(int(c), 0.99, box) for c, box in zip(text, boxes, strict=True)]
        return frame, _number(digits), boxes

    def read(bow, config=None, **kwargs):
        frame, number, _ = drawn(bow, **kwargs)
        [number] = _bracketed([number], frame, config or PipelineConfig())
        return number.text
    assert read(0.2) == "5551234567"
    assert read(0.2, text="102198765432", brackets=(0, 3)) == "0298765432"  # (02) 9876 5432
    assert read(0.0) == "155511234567"  # straight 1s
    assert read(-0.2) == "155511234567"  # bowed the other way round: ")555("
    assert read(0.2, text="15551123456", brackets=(0, 4)) == "555123456"  # six digits after the area code
    assert read(0.2, text="1555112345", brackets=(0, 4)) == "1555112345"  # five: not a phone number
    assert read(0.2, PipelineConfig(bracket_bow=None)) == "155511234567"
    # On a sheet the gap after the ")" parts the number: the area code in brackets is joined to the
    # number after it on its line within 4 of its heights (70 px: 280), not further, nor across lines.
    def parted(apart, down=0):
        frame, number, _ = drawn(0.2, apart=apart)
        code, rest = _number(list(number.digits[:5])), number.digits[5:]
        rest = _number([Digit(d.digit, d.confidence, (d.box[0], d.box[1] + down, 40, 70)) for d in rest])
        return [n.text for n in _bracketed([code, rest], frame, PipelineConfig())]
    assert parted(100) == ["5551234567"]  # 120 px apart
    assert parted(300) == ["15551", "1234567"]  # 320 px
    assert parted(100, down=50) == ["15551", "1234567"]  # on the next line
    frame, _, boxes = drawn(0.2)
    assert _bow(frame, boxes[4]) == pytest.approx(0.2 * 60 / 70, abs=0.04) and abs(_bow(frame, boxes[1])) < 0.02
    assert _bow(frame, boxes[0]) == pytest.approx(-0.2 * 60 / 70, abs=0.04)


@needs_model
@pytest.mark.parametrize("scene, seed, off, off_most, strict, strict_most", [
    # (555) 123-4567, (555)123-4567, (02) 9876 5432 or the like: each bracket read as a 1. The shipped
    # model: 27 of the 30, none with bracket_bow=None, 6 when the brackets must bow 0.15.
    (SceneConfig(brackets=1.0), 2, {"bracket_bow": None}, 2, {"bracket_bow": 0.15}, 12),
    # A date (24/11/2026, 3/7/98, 2026/11/24): each slash read as a 1. The shipped model: 27 of the 30,
    # none with date_lean=None, 3 when a slash must lean 30 degrees.
    (SceneConfig(dates=1.0), 6, {"date_lean": None}, 3, {"date_lean": 30.0}, 8),
], ids=["phone numbers with the area code in brackets", "dates written with slashes"])
def test_numbers_written_with_brackets_or_slashes_are_read_as_their_digits(
        classifier, mnist_path, scene, seed, off, off_most, strict, strict_most):
    lines = _generated_lines(mnist_path, seed, scene, 30)
    read = _read_exactly(classifier, lines)
    assert read >= 24 and _read_exactly(classifier, lines, PipelineConfig(**off)) <= off_most
    assert _read_exactly(classifier, lines, PipelineConfig(**strict)) <= strict_most


def test_group_numbers_keeps_a_widely_spaced_number_whole_and_parts_columns():
    def row(values, x, y, spacing, h=30):  # digits 18 wide, `spacing` heights between them
        return [Digit(v, 0.95, (round(x + i * (18 + spacing * h)), y, 18, h)) for i, v in enumerate(values)]

    def texts(digits, config=None):
        return [n.text for n in group_numbers(digits, config or PipelineConfig())]
    wide = row([5, 5, 5, 1, 2, 3, 4], 10, 100, 2.0)  # every gap 2 heights: over number_gap, one writer's spacing
    assert texts(wide) == ["5551234"]
    assert texts(wide, PipelineConfig(spacing_ratio=None)) == ["5", "5", "5", "1", "2", "3", "4"]
    columns = row([1, 2], 10, 200, 0.5) + row([3, 4], 10 + 36 + 0.5 * 30 + 2.5 * 30, 200, 0.5)  # a gap of 2.5
    assert texts(columns) == ["12", "34"]
    wide_columns = row([1, 2, 3], 10, 300, 1.8) + row([4, 5, 6], 10 + 54 + 3.6 * 30 + 4.0 * 30, 300, 1.8)
    assert texts(wide_columns) == ["123", "456"]  # 4 heights: twice the line's usual 1.8 and more
    single = row([3, 7, 9, 5], 10, 400, 3.5)  # columns of single digits, 3.5 heights apart: past max_spacing
    assert texts(single) == ["3", "7", "9", "5"]
    few = row([3, 7, 9], 10, 500, 2.0)  # two gaps tell nothing of the writer's spacing
    assert texts(few) == ["3", "7", "9"]


def test_group_numbers_drops_a_word_whose_letters_read_as_unsure_digits():
    def line(confidences, y):
        return [Digit(7, c, (100 + 20 * i, y, 18, 30)) for i, c in enumerate(confidences)]
    word = line([0.95, 0.7, 0.89, 0.6], 100)  # three of four under 0.9: "Date"'s letters
    number = line([0.95, 0.7, 0.99, 0.6], 200)  # two of four
    short = line([0.6, 0.7], 300)  # two digits, both unsure: too few to judge
    assert [n.box[1] for n in group_numbers(word + number + short)] == [200, 300]
    assert len(group_numbers(word + number + short, PipelineConfig(text_unsure=None))) == 3


def _printed_words(seed: int, count: int) -> list[np.ndarray]:
    """Frames of paper holding four printed words each, in OpenCV's Hershey fonts, slightly blurred and noisy."""
    words = ["Name", "Date", "Phone", "Total", "Room", "Apt", "Zip code", "Signature", "Amount due", "No.", "Tel"]
    fonts = [cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_COMPLEX, cv2.FONT_HERSHEY_TRIPLEX,
             cv2.FONT_HERSHEY_PLAIN]
    rng = np.random.default_rng(seed)
    frames = []
    for _ in range(count):
        page = np.full((480, 640), 225, np.uint8)
        for row in range(4):
            cv2.putText(page, words[rng.integers(len(words))], (40 + int(rng.integers(0, 200)), 80 + 110 * row),
                        fonts[rng.integers(len(fonts))], float(rng.uniform(0.8, 1.6)), 40, int(rng.integers(1, 3)),
                        cv2.LINE_AA)
        frames.append(np.clip(cv2.GaussianBlur(page, (0, 0), 0.8) + rng.normal(0, 3, page.shape), 0, 255)
                      .astype(np.uint8))
    return frames


@needs_model
def test_printed_words_are_read_as_fewer_numbers(classifier):
    """Letters read as digits: 20 frames of printed words, 80 words, read as 74 numbers when every number
    is kept, 54 when a number of three digits or more must have half of them sure or more (78 and 65 with
    OpenCV 4)."""
    frames = _printed_words(1, 20)

    def numbers(config):
        return sum(len(read_frame(frame, classifier, config)) for frame in frames)
    kept, all_kept = numbers(PipelineConfig()), numbers(PipelineConfig(text_unsure=None))
    assert all_kept >= 65 and kept <= all_kept - 10, (kept, all_kept)


def test_group_numbers_follows_a_sloping_line_to_its_end_without_taking_the_next_line():
    def d(value, x, y):
        return Digit(value, 0.9, (x, y, 18, 30))
    # Two numbers of 12 digits, each rising 4 pixels a digit: 44 pixels end to end, more than a digit's
    # height, so no band over a whole line holds both its ends; 70 pixels between the lines.
    first = [d(i % 10, 100 + 25 * i, 150 - 4 * i) for i in range(12)]
    second = [d((i + 5) % 10, 100 + 25 * i, 220 - 4 * i) for i in range(12)]
    numbers = group_numbers(second[::-1] + first)
    assert [n.text for n in numbers] == ["012345678901", "567890123456"]


def test_group_numbers_follows_the_widely_spaced_lines_of_a_page_turned_20_degrees():
    def d(value, x, y, h):
        return Digit(value, 0.9, (x, y, 18, h))
    # Digits 45 pixels apart rise 16 pixels each (20 degrees); short digits sit low on their line, as
    # a "5" does beside a "9". Level, the band of a line's last digits misses its next tall digit.
    lines = [[d((i + k) % 10, 40 + 45 * i, 300 + 90 * k - 16 * i + (8 if i % 2 else 0), 22 if i % 2 else 34)
              for i in range(8)] for k in range(3)]
    numbers = group_numbers([digit for line in lines for digit in line])
    assert [n.text for n in numbers] == ["01234567", "12345678", "23456789"]
    level = group_numbers([digit for line in lines for digit in line], PipelineConfig(slope_passes=0))
    assert len(level) > 3


def test_roi_and_empty_frames_read_nothing_without_error():
    class Never:
        def predict(self, crops):
            raise AssertionError("nothing should reach the classifier")

    assert read_frame(np.full((480, 640, 3), 235, np.uint8), Never()) == []
    assert read_frame(np.zeros((480, 640, 3), np.uint8), Never()) == []
    assert read_frame(np.zeros((0, 0, 3), np.uint8), Never()) == []
    assert read_frame(np.full((480, 640), 235, np.uint8), Never(), roi=(10, 10, 50, 50)) == []


class WholeIsNotOneDigit:
    """An eleven-output stand-in: the first crop of each call (a blob read whole) is "not one digit",
    every other crop a confident 4; records how many crops it saw."""

    def __init__(self, reject_all=False):
        self.reject_all, self.seen = reject_all, 0

    def predict(self, crops):
        self.seen = len(crops)
        probabilities = np.full((len(crops), 11), 0.005, np.float32)
        probabilities[:, 4] = 0.95
        rejected = slice(None) if self.reject_all else slice(0, 1)
        probabilities[rejected] = 0.005
        probabilities[rejected, 10] = 0.95
        return probabilities


def two_touching_rings():
    frame = np.full((240, 320), 230, np.uint8)
    cv2.circle(frame, (130, 120), 30, 40, 6)
    cv2.circle(frame, (190, 120), 30, 40, 6)  # touches the first: one blob, twice as wide as tall
    return frame


def test_a_blob_read_as_not_one_digit_is_cut_and_what_stays_not_a_digit_is_dropped():
    once = PipelineConfig(recheck=None)  # each crop read once: the stand-in answers by its place in a call
    stand_in = WholeIsNotOneDigit()
    numbers = read_frame(two_touching_rings(), stand_in, once)
    assert stand_in.seen > 3  # the whole blob and runs of pieces between its thinnest columns
    # Two pieces no wider than a digit read best: each cut costs log-confidence, so not three.
    assert [n.text for n in numbers] == ["44"]
    first, second = numbers[0].digits
    assert abs(second.box[0] - (first.box[0] + first.box[2])) <= 1  # side by side, sharing the cut
    sure_not = WholeIsNotOneDigit(reject_all=True)  # every crop 0.95 "not one digit", its digits even
    assert read_frame(two_touching_rings(), sure_not, once) == []  # too unsure of any digit: below min_confidence
    anything = dataclasses.replace(once, min_confidence=0.0)
    assert read_frame(two_touching_rings(), sure_not, dataclasses.replace(anything, not_digit=0.9)) == []
    assert read_frame(two_touching_rings(), sure_not, anything) != []


class ThickerReadsSeven:
    """A stand-in reading a crop with more ink than `ink` as a sure 7, one with less as a sure 7 too, and
    one with just `ink` (and any other) as 1 at 0.6 and 7 at 0.4; records the crops of each call."""

    def __init__(self, ink):
        self.ink, self.calls = ink, []

    def predict(self, crops):
        self.calls.append(crops.copy())
        probabilities = np.zeros((len(crops), 10), np.float32)
        probabilities[:, 1], probabilities[:, 7] = 0.6, 0.4
        changed = np.array([np.count_nonzero(crop) != self.ink for crop in crops])
        probabilities[changed, 1], probabilities[changed, 7] = 0.05, 0.95
        return probabilities


def test_an_unsure_crop_is_read_again_with_thicker_and_thinner_strokes_and_the_readings_averaged():
    unsure = np.zeros((28, 28), np.uint8)
    cv2.line(unsure, (14, 5), (14, 22), 255, 3)
    sure = np.zeros((28, 28), np.uint8)  # a crop with other ink than `ink`: read as a sure 7 at once
    cv2.line(sure, (8, 14), (20, 14), 255, 1)
    stand_in = ThickerReadsSeven(np.count_nonzero(unsure))
    probabilities = _predict(stand_in, np.stack([unsure, sure]), 0.9)
    first, again = stand_in.calls
    assert len(again) == 2  # only the unsure crop, twice:
    assert np.count_nonzero(again[0]) > np.count_nonzero(unsure) > np.count_nonzero(again[1])  # thicker, thinner
    np.testing.assert_allclose(probabilities[0, [1, 7]], [(0.6 + 0.1) / 3, (0.4 + 1.9) / 3], rtol=1e-6)
    np.testing.assert_allclose(probabilities[1, [1, 7]], [0.05, 0.95])  # the sure crop as first read
    stand_in = ThickerReadsSeven(np.count_nonzero(unsure))
    once = _predict(stand_in, np.stack([unsure, sure]), None)
    assert len(stand_in.calls) == 1 and once[0].argmax() == 1


class UnsureOfAll:
    """A stand-in reading every crop as a 4 with 0.6 and a 1 with 0.4; it keeps each call's batch size."""

    def __init__(self):
        self.calls = []

    def predict(self, crops):
        self.calls.append(len(crops))
        probabilities = np.zeros((len(crops), 10), np.float32)
        probabilities[:, 4], probabilities[:, 1] = 0.6, 0.4
        return probabilities


def test_only_whole_blobs_are_read_again_not_the_pieces_of_a_cut_one():
    stand_in = UnsureOfAll()
    read_frame(two_touching_rings(), stand_in)
    whole, again, pieces = stand_in.calls  # no fourth call: the unsure pieces are not read again
    assert (whole, again) == (1, 2) and pieces > 2
    stand_in = UnsureOfAll()
    read_frame(two_touching_rings(), stand_in, PipelineConfig(recheck=None))
    assert stand_in.calls == [1, pieces]


def test_scenes_are_reproducible_and_know_their_truth():
    first = make_scene(np.random.default_rng(5))
    second = make_scene(np.random.default_rng(5))
    np.testing.assert_array_equal(first.image, second.image)
    assert first.image.shape == (480, 640, 3) and first.image.dtype == np.uint8
    assert first.numbers and all(text.isdigit() for text in first.texts)
    for _, (x, y, w, h) in first.numbers:
        assert 0 <= x and 0 <= y and x + w <= 640 and y + h <= 480 and w > 0 and h > 0
        assert first.image[y:y + h, x:x + w].min() < first.image.min() + 60  # ink inside the box
    fixed = make_scene(np.random.default_rng(1), texts=["2024", "17"])
    assert fixed.texts == ["2024", "17"]


def test_a_sheet_on_a_table_shows_the_table_round_it_and_its_boxes_follow_the_sheet():
    scene = make_single_digit(np.random.default_rng(6), value=4, config=SceneConfig(table=1.0))
    grey = cv2.cvtColor(scene.image, cv2.COLOR_BGR2GRAY).astype(float)
    (x, y, w, h), = [box for _, box in scene.numbers]
    sheet = np.median(grey[y:y + h, x:x + w])
    # The digit's box is where its ink is: the blob the pipeline finds fills it.
    (bx, by, bw, bh), = [blob.box for blob in find_blobs(grey.astype(np.uint8)).blobs]
    overlap = max(0, min(x + w, bx + bw) - max(x, bx)) * max(0, min(y + h, by + bh) - max(y, by))
    assert overlap >= 0.7 * w * h and overlap >= 0.7 * bw * bh
    corners = [grey[:8, :8], grey[:8, -8:], grey[-8:, :8], grey[-8:, -8:]]
    assert sum(abs(np.median(c) - sheet) > 20 for c in corners) >= 3  # the table, not paper, in the corners


def test_a_number_may_be_written_with_dashes_and_dots_and_its_text_is_its_digits():
    scene = make_scene(np.random.default_rng(2), texts=["555-1234", "24.11.26"])
    assert scene.texts == ["5551234", "241126"]
    assert [digit for digit, _ in scene.digits] == [5, 5, 5, 1, 2, 3, 4, 2, 4, 1, 1, 2, 6]
    grey = cv2.cvtColor(scene.image, cv2.COLOR_BGR2GRAY).astype(int)
    paper = np.median(grey)
    (_, (x, y, w, h)), _ = scene.numbers
    _, (left, _, width, _) = scene.digits[2]
    _, (right, _, _, _) = scene.digits[3]
    between = grey[y:y + h, left + width + 1:right - 1]  # the dash, between the third and the fourth digit
    assert between.size and between.min() < paper - 60
    config = SceneConfig(separators=1.0)
    texts = [make_scene(np.random.default_rng(seed), config=config).texts for seed in range(10)]
    assert all(len(text) >= 6 and text.isdigit() for scene_texts in texts for text in scene_texts)
    with pytest.raises(ValueError, match="not ':'"):
        make_scene(np.random.default_rng(2), texts=["24:11"])


def test_a_sheet_may_hold_numbers_side_by_side_and_digits_spaced_widely():
    scene = make_scene(np.random.default_rng(4), config=SceneConfig(columns=1.0, max_lines=3))
    assert len(scene.numbers) >= 4 and all(1 <= len(text) <= 6 for text in scene.texts)
    for (_, left), (_, right) in itertools.pairwise(scene.numbers):
        if abs(left[1] - right[1]) < left[3] / 2:  # side by side on one line: 2.5-5 digit heights apart at least
            assert right[0] - (left[0] + left[2]) >= 2.5 * 0.8 * max(left[3], right[3])
    assert sum(abs(a[1] - b[1]) < a[3] / 2 for (_, a), (_, b) in itertools.pairwise(scene.numbers)) >= 2

    def gaps(spacing):
        scene = make_scene(np.random.default_rng(5), texts=["1234567"], config=SceneConfig(spacing=spacing, touching=0))
        return [b[0] - (a[0] + a[2]) for (_, a), (_, b) in itertools.pairwise(scene.digits)]
    assert min(gaps((1.0, 1.8))) > max(gaps((0.15, 0.6)))


def test_4s_7s_and_9s_may_be_written_with_long_tails_below_the_line():
    def below(share):
        """How far the 4s, 7s and 9s reach below the 1s' feet, and their tops above the 1s', in the 1s' heights."""
        feet, tops = [], []
        for seed in range(6):
            scene = make_scene(np.random.default_rng(seed), texts=["14719"], config=SceneConfig(descenders=share))
            assert scene.texts == ["14719"]
            ones = [box for digit, box in scene.digits if digit == 1]
            height, foot, top = np.mean([h for *_, h in ones]), np.mean([y + h for _, y, _, h in ones]), \
                np.mean([y for _, y, _, _ in ones])
            feet += [(y + h - foot) / height for digit, (_, y, _, h) in scene.digits if digit != 1]
            tops += [(top - y) / height for digit, (_, y, _, h) in scene.digits if digit != 1]
        return np.median(feet), np.median(tops)
    (plain_feet, plain_tops), (tailed_feet, tailed_tops) = below(0.0), below(1.0)
    assert abs(plain_feet) < 0.15 and tailed_feet > 0.3  # a tail below the line ...
    assert abs(plain_tops) < 0.15 and abs(tailed_tops) < 0.15  # ... the head where the others' are


def test_a_phone_number_may_be_written_with_its_area_code_in_brackets():
    scene = make_scene(np.random.default_rng(1), config=SceneConfig(max_digit_height=40), texts=["(555) 123-4567"])
    assert scene.texts == ["5551234567"]
    (_, (x, y, w, h)), = scene.numbers
    _, (first, top, width, height) = scene.digits[0]
    assert x < first - 3  # the number's box holds its opening bracket
    bracket = (x, top, first - x, height)
    assert _bow(scene.image, bracket) < -0.05
    texts = [make_scene(np.random.default_rng(seed), config=SceneConfig(brackets=1.0)).texts for seed in range(5)]
    assert all(len(text) >= 10 and text.isdigit() for scene_texts in texts for text in scene_texts)


def test_a_date_may_be_written_with_slashes_leaning_right_and_its_text_is_its_digits():
    scene = make_scene(np.random.default_rng(3), texts=["24/11/2026"])
    assert scene.texts == ["24112026"]
    (_, (left, top, width, height)), (_, (right, _, _, _)) = scene.digits[1:3]
    slash = (left + width, top, right - left - width, height)  # between the 4 and the first 1
    assert _lean(scene.image, slash) >= 10
    rng = np.random.default_rng(0)
    years_first = 0
    for _ in range(50):  # day and month, either first, of 1 or 2 digits; a year of 2 or 4 after them, or of 4 before
        parts = scenes._random_number(rng, SceneConfig(dates=1.0)).split("/")
        years_first += len(parts[0]) == 4
        year = parts.pop(0 if len(parts[0]) == 4 else 2)
        first, second = (int(part) for part in parts)
        assert 1 <= min(first, second) <= 12 and max(first, second) <= 31
        assert {len(part) for part in parts} <= {1, 2} and len(year) in (2, 4)
    assert 5 <= years_first <= 25


def test_finer_side_is_the_side_at_which_a_frames_small_digits_are_32_pixels_tall():
    def numbers(height, count=6, confidence=0.99):
        digits = tuple(Digit(3, confidence, (100 + 40 * i, 100, 20, height)) for i in range(count))
        return [Number("3" * count, confidence, (100, 100, 40 * count, height), digits)]
    assert finer_is_sure(numbers(30, count=3) + numbers(30, count=2, confidence=0.7), PipelineConfig())
    assert not finer_is_sure(numbers(30, count=2) + numbers(30, count=3, confidence=0.7), PipelineConfig())
    assert not finer_is_sure([], PipelineConfig())
    shape = (1920, 2560, 3)  # shrunk to 1000 x 750: a digit 46 pixels tall in it is 18.0 there
    assert finer_side(numbers(46), shape, PipelineConfig(), 2560) == 1780  # 32 / 18.0 x 1000
    assert finer_side(numbers(30), shape, PipelineConfig(), 2560) == 2000  # 2,731 wanted: at most small_max_side
    assert finer_side(numbers(30), shape, PipelineConfig(small_max_side=2600), 2560) == 2560  # all it has
    assert finer_side(numbers(52), shape, PipelineConfig(), 2560) is None  # 20.3 there: not small
    assert finer_side(numbers(30), shape, PipelineConfig(), 1100) is None  # not 1.2 times larger at least
    assert finer_side(numbers(15), (480, 640, 3), PipelineConfig(), 640) is None  # read at its own size already
    assert finer_side(numbers(15), (480, 640, 3), PipelineConfig(), 2560) == 1365  # its image is larger
    assert finer_side([], shape, PipelineConfig(), 2560) is None
    assert finer_side(numbers(30, count=1), shape, PipelineConfig(), 2560) == 2000  # one digit is enough
    assert finer_side(numbers(30), shape, PipelineConfig(small_digits=None), 2560) is None


@needs_model
def test_a_whole_sheet_in_small_writing_is_read_again_larger(classifier, mnist_path):
    # 4 generated sheets of 2560 x 1920 pixels with digits 22-30 pixels tall: 9-12 once shrunk to 1000 px.
    rng = np.random.default_rng(1)
    config = SceneConfig(width=2560, height=1920, min_digit_height=22, max_digit_height=30, max_lines=6)
    sheets = [make_scene(rng, DigitSource.find(str(mnist_path)), config) for _ in range(4)]

    def found(config):
        return sum(sum(text in [n.text for n in read_frame(sheet.image, classifier, config)] for text in sheet.texts)
                   for sheet in sheets)
    # The shipped model: 14 of the 19 numbers (read at 2,000 px), 5 with small_digits=None.
    assert sum(len(sheet.texts) for sheet in sheets) == 19
    assert found(PipelineConfig()) >= 12 and found(PipelineConfig(small_digits=None)) <= 8
    # A blank ruled page on a table reads three unsure digits of grain and rules (0.58-0.85); read larger,
    # 56 numbers, their median digit read under 0.9, not kept.
    blank = make_scene(np.random.default_rng(0), None, dataclasses.replace(config, rules=1.0, table=1.0), texts=[])
    assert len(read_frame(blank.image, classifier)) <= 4
    assert len(read_frame(blank.image, classifier, PipelineConfig(small_sure=0.0))) >= 20


def test_a_whiteboards_frame_is_drawn_clear_of_the_writing():
    ink = np.zeros((120, 160), np.float32)
    ink[14:30, 40:60] = 1.0  # writing near the top, 14 px from it
    ink[60:80, 150:156] = 0.5  # ... and near the right side
    drawn = 0
    for seed in range(40):
        image = np.full((120, 160, 3), 240.0, np.float32)
        scenes._board_frame(image, ink, np.random.default_rng(seed))
        changed = (image != 240.0).any(axis=2)
        drawn += changed.any()
        assert not changed[8:36, 34:66].any() and not changed[54:86, 144:].any()  # 6 px clear of the writing
    # 60% of boards show a frame, on one of four sides; here only the left and the bottom have room.
    assert 5 <= drawn <= 20
    plain = make_scene(np.random.default_rng(3))
    board = make_scene(np.random.default_rng(3), config=SceneConfig(board=1.0), texts=["2024"])
    assert board.texts == ["2024"] and not np.array_equal(board.image, plain.image)


@needs_model
def test_reads_scene_numbers(classifier, mnist_path):
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(11)
    right = total = 0
    for _ in range(25):
        scene = make_scene(rng, digits)
        read = [n.text for n in read_frame(scene.image, classifier)]
        total += len(scene.texts)
        right += sum(text in read for text in scene.texts)
    assert right / total >= 0.7  # the shipped model reads 50/56 (0.89) here; issue 4 aims at 0.85


def _read_exactly(classifier, scenes, config: PipelineConfig | None = None) -> int:
    """How many of the generated scenes read as exactly their numbers, nothing else."""
    config = config or PipelineConfig()
    return sum([n.text for n in read_frame(s.image, classifier, config)] == s.texts for s in scenes)


def _touching_lines(mnist_path, seed: int, count: int = 60) -> list:
    """Generated lines whose neighbouring digits all touch."""
    return _generated_lines(mnist_path, seed, SceneConfig(touching=1.0), count)


def _generated_lines(mnist_path, seed: int, config: SceneConfig, count: int) -> list:
    """`count` generated numbers of `config`, each cropped to its line."""
    rng = np.random.default_rng(seed)
    digits = DigitSource.find(str(mnist_path))
    return [make_line(rng, digits, config) for _ in range(count)]


def _scans_read_exactly(classifier, scans, labels, config: PipelineConfig | None = None) -> int:
    """How many scans of one digit each read as exactly their label, nothing else."""
    config = config or PipelineConfig()
    return sum([n.text for n in read_frame(scan, classifier, config)] == [str(label)]
               for scan, label in zip(scans, labels, strict=True))


@needs_model
def test_reads_single_digit_photos(classifier, mnist_path):
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(12)
    right = _read_exactly(classifier, [make_single_digit(rng, digits) for _ in range(60)])
    assert right >= 52  # the shipped model reads 59/60 here; issue 4 aims at 98%


@needs_model
def test_a_digit_filling_the_photo_is_read_again_as_a_small_image(classifier, mnist_path):
    """Taken close, a digit's strokes are wider than the closing's kernel (1/12 of the frame): they are taken
    for paper and only faint outlines are left, read as nothing or as another digit. Such a frame, read
    empty or unsure, is read again shrunk under min_side (the small kernel)."""
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(16)
    scenes = [fill_frame(make_single_digit(rng, digits)) for _ in range(100)]
    right = _read_exactly(classifier, scenes)
    once = _read_exactly(classifier, scenes, PipelineConfig(filled_confidence=None))
    assert right >= 95 and right >= once + 5, (right, once)  # the shipped model: 98 and 92


@needs_model
def test_a_digit_filling_the_photo_broken_in_two_is_read_again(classifier, mnist_path):
    """A marker 2 filling a square crop comes apart, its top read as a 7 above its base read as a 2: two
    numbers, one above the other. A frame read as a few digits in several numbers is read again too
    (filled_digits: at most 3; 1, as here, leaves out every reading of two digits)."""
    (two,) = _filled_crops(mnist_path, 21, [10])
    assert two.texts == ["2"] and two.image.shape[:2] == (600, 600)
    assert [n.text for n in read_frame(two.image, classifier)] == ["2"]
    assert [n.text for n in read_frame(two.image, classifier, PipelineConfig(filled_digits=1))] == ["7", "2"]


@needs_model
def test_a_digit_filling_the_photo_read_as_a_sure_part_of_it_is_read_again(classifier, mnist_path):
    """A marker 7 filling a square crop: its thick bar is taken for paper, and its stem alone reads as a
    sure 1. The frame, with much thick ink in it, is read again, and the 7 read then, its box far larger
    than the 1's, is taken (filled_larger)."""
    (seven,) = _filled_crops(mnist_path, 23, [7])
    assert seven.texts == ["7"]
    assert [n.text for n in read_frame(seven.image, classifier)] == ["7"]
    (stem,) = read_frame(seven.image, classifier, PipelineConfig(filled_larger=None))
    assert stem.text == "1" and stem.confidence >= PipelineConfig().filled_unsure


@needs_model
def test_a_digit_filling_the_photo_read_surer_shrunk_is_taken_so(classifier, mnist_path):
    """Blurred grey digits filling square crops, read first as another digit (an 8 as a sure 0, a 6 as a 5,
    a 4 as an unsure 1) or as nothing, and read shrunk as themselves more surely though under
    filled_confidence: the surer reading is taken (filled_better)."""
    crops = _filled_crops(mnist_path, 603, [42, 203, 216]) + _filled_crops(mnist_path, 604, [91, 121, 220])
    assert [c.texts for c in crops] == [["8"], ["4"], ["6"], ["6"], ["4"], ["0"]]
    right = _read_exactly(classifier, crops)
    before = _read_exactly(classifier, crops, PipelineConfig(filled_better=None))
    assert right == 6 and before <= 3, (right, before)  # the shipped model: 6 and 1 (OpenCV 4: 6 and 3)


@needs_model
def test_grey_ink_on_yellow_paper_filling_the_photo_is_thick_ink_read_again(classifier, mnist_path):
    """A grey 4 on yellow paper filling a square crop: its crossing is taken for paper and its stem alone
    reads as a sure 1. Ink 0.2 darker than the paper the small kernel sees covers 7.3% of the frame, under
    the old thick_sure_share (8%), so the frame was not read again; ink 0.12 darker covers 11%. Shrunk, the
    frame reads as a sure 4."""
    (four,) = _filled_crops(mnist_path, 603, [82])
    assert four.texts == ["4"]
    assert [n.text for n in read_frame(four.image, classifier)] == ["4"]
    old = PipelineConfig(thick_darker=0.2, thick_sure_share=0.08)
    assert [n.text for n in read_frame(four.image, classifier, old)] == ["1"]


@needs_model
def test_a_digit_filling_the_photo_read_with_a_piece_inside_another_is_no_sure_number(classifier, mnist_path):
    """A faint 8 filling a square crop breaks: its body reads as a sure 3, the end of its upper loop, inside
    the 3's box, as a 1 that grouping leaves out. One sure number that leaves out a digit read is a broken
    digit's reading: the frame is read again shrunk (as an 8), as it is not after a 3 read alone."""
    (eight,) = _filled_crops(mnist_path, 600, [9])
    assert eight.texts == ["8"]
    assert [n.text for n in read_frame(eight.image, classifier)] == ["8"]
    grey, config = to_grey(eight.image), PipelineConfig()
    body, piece = Digit(3, 1.0, (122, 109, 404, 381)), Digit(1, 0.96, (238, 123, 94, 151))
    (again,) = _filled_frame(grey, [body, piece], classifier, config)
    assert again.digit == 8
    assert _filled_frame(grey, [body], classifier, config) == [body]


@needs_model
def test_a_soft_shadow_read_shrunk_as_a_1_on_a_blank_page_is_not_taken(classifier, mnist_path):
    """A blank yellow page with a soft shadow reads nothing; shrunk, the shadow reads as a 1 surer than
    filled_better. After nothing was read, a 1 must be read with filled_confidence to be taken."""
    rng = np.random.default_rng(8)
    digits = DigitSource.find(str(mnist_path))
    page = [make_scene(rng, digits, SceneConfig(), texts=[]).image for _ in range(10)][9]
    config = PipelineConfig()
    grey = to_grey(page)
    (again,) = read_frame(shrink(grey, config.min_side - 1)[0], classifier, config)
    assert again.text == "1" and config.filled_better <= again.confidence < config.filled_confidence
    assert read_frame(page, classifier) == []
    assert _filled_frame(grey, [], classifier, config) == []


@needs_model
def test_a_wide_digit_filling_the_photo_is_read_again_though_under_half_its_height(classifier, mnist_path):
    """A wide marker 5 filling a square crop is 0.45 of its height: read first as "7" above "5", shrunk it is
    a sure 5 whose longer side, its width, fills most of the frame. The share filled_height asks is of the
    frame's side along the digit's longer side: a square crop of a wide digit is that wide, not that tall."""
    (five,) = _filled_crops(mnist_path, 603, [92])
    assert five.texts == ["5"]
    assert [n.text for n in read_frame(five.image, classifier)] == ["5"]
    (number,) = read_frame(five.image, classifier)
    x, y, w, h = number.box
    assert h < PipelineConfig().filled_height * 600 <= w


@needs_model
def test_a_digit_filling_the_photo_joined_to_a_hard_shadow_when_shrunk_is_read_with_a_narrower_kernel(
        classifier, mnist_path):
    """Square crops of a 4, a 2 and a 7 under hard-edged shadows: read first as a 1, a 7 and an 8, and shrunk
    the small kernel (1/4 of the frame) takes the shadow's edge for ink joined to the digit, which then
    reaches the frame's edge and is not taken. Read once more with a kernel 1/6 of the frame wide, which
    follows the shadow's edge, each is its digit, clear of the edges (filled_edge_kernel)."""
    crops = _filled_crops(mnist_path, 600, [97, 146, 168])
    assert [c.texts for c in crops] == [["4"], ["2"], ["7"]]
    assert [[n.text for n in read_frame(c.image, classifier)] for c in crops] == [["4"], ["2"], ["7"]]
    config = PipelineConfig(filled_edge_kernel=None)
    assert [[n.text for n in read_frame(c.image, classifier, config)] for c in crops] == [["1"], ["7"], ["8"]]


@needs_model
def test_a_soft_shadow_read_shrunk_as_a_wide_digit_is_not_taken(classifier, mnist_path):
    """A blank page whose soft shadow, wider than half the frame and not half as tall, reads shrunk as a
    2 less sure than filled_confidence: a digit under half the frame's height is taken for its width only
    when read that sure."""
    rng = np.random.default_rng(10)
    digits = DigitSource.find(str(mnist_path))
    page = [make_scene(rng, digits, SceneConfig(), texts=[]).image for _ in range(13)][12]
    config = PipelineConfig()
    grey = to_grey(page)
    small, scale = shrink(grey, config.min_side - 1)
    (again,) = read_frame(small, classifier, config)
    x, y, w, h = again.box
    assert again.text == "2" and config.filled_better <= again.confidence < config.filled_confidence
    assert h < config.filled_height * small.shape[0] and w >= config.filled_height * small.shape[1]
    assert read_frame(page, classifier) == []
    assert _filled_frame(grey, [], classifier, config) == []


@needs_model
def test_a_digit_cropped_close_to_a_narrow_photo_is_read_again_as_a_small_image(classifier, mnist_path):
    """Cropped close round the digit (3% of paper), a marker 1, 1, 9 and 4 make photos about 1.6 times as tall
    as wide, narrower than small_aspect lets be squarish: read once, their strokes wider than the closing's
    kernel, they were nothing, a 0, a 0 and a 9. A frame taller than wide up to tall_aspect is one a digit
    may fill, and is read again shrunk as a square one is."""
    crops = _filled_crops(mnist_path, 700, [2, 45, 80, 105], margin=0.03, square=False)
    assert [c.texts for c in crops] == [["1"], ["1"], ["9"], ["4"]]
    assert all(PipelineConfig().small_aspect * c.image.shape[1] <= c.image.shape[0] for c in crops)
    assert [[n.text for n in read_frame(c.image, classifier)] for c in crops] == [["1"], ["1"], ["9"], ["4"]]
    config = PipelineConfig(tall_aspect=None)
    assert [[n.text for n in read_frame(c.image, classifier, config)] for c in crops] == [[], ["0"], ["0"], ["9"]]


@needs_model
def test_a_tall_strip_of_flat_paper_is_not_read_with_the_small_kernel(classifier, mnist_path):
    """The left 0.3 of a generated sheet, glare-white and blank (its number lies further right): 480x192 and
    as flat as a scan's paper. Read with the small kernel, as a squarish frame of flat paper is, its soft
    shadow's edge is a 7; a frame taller than small_aspect lets be squarish is only read again shrunk
    (_may_fill), and it reads nothing."""
    rng = np.random.default_rng(102)
    digits = DigitSource.find(str(mnist_path))
    sheet = [make_scene(rng, digits, SceneConfig()) for _ in range(40)][39]
    strip = sheet.image[:, :int(sheet.image.shape[1] * 0.3)]
    config = PipelineConfig()
    assert _flat_paper(to_grey(strip), config) and strip.shape[0] >= config.small_aspect * strip.shape[1]
    assert all(x >= strip.shape[1] for _, (x, _, _, _) in sheet.numbers)
    assert read_frame(strip, classifier) == []
    small_kernel = PipelineConfig(background_kernel=config.small_kernel)
    assert [n.text for n in read_frame(strip, classifier, small_kernel)] == ["7"]


def _filled_crops(mnist_path, seed: int, items: list[int], margin: float = 0.1, square: bool = True) -> list:
    """Items of the targets' square crops (single-digit photos cropped to a square 600 px wide, the digit
    filling it but a 10% margin) made from generator seed `seed`; or, not `square`, cropped to the digit's
    box with `margin` of it round (scenes.fill_frame)."""
    rng = np.random.default_rng(seed)
    digits = DigitSource.find(str(mnist_path))
    scenes = [make_single_digit(rng, digits) for _ in range(max(items) + 1)]
    return [fill_frame(scenes[i], margin=margin, side=600, square=square) for i in items]


@needs_model
def test_a_digit_filling_the_photo_broken_in_many_unsure_pieces_is_read_again(classifier, mnist_path):
    """A blurred grey 7 filling the frame comes apart in four pieces, each unsure (2, 5, 3, 8 at 0.52-0.76,
    as OpenCV 5 reads it; OpenCV 4 reads it whole). More than filled_digits digits are a page's, not read
    again, unless none is sure and there are at most filled_broken of them: read shrunk, the 7 is sure."""
    (seven,) = _filled_crops(mnist_path, 600, [179])
    assert seven.texts == ["7"]
    assert [n.text for n in read_frame(seven.image, classifier)] == ["7"]
    grey, config = to_grey(seven.image), PipelineConfig()
    pieces = [Digit(2, 0.76, (93, 96, 328, 85)), Digit(5, 0.52, (409, 162, 44, 69)),
              Digit(3, 0.55, (345, 240, 56, 87)), Digit(8, 0.69, (230, 454, 50, 61))]
    (again,) = _filled_frame(grey, pieces, classifier, config)
    assert again.digit == 7 and again.confidence >= config.filled_confidence
    assert _filled_frame(grey, pieces, classifier, dataclasses.replace(config, filled_broken=3)) == pieces
    one_sure = pieces[:3] + [Digit(8, config.filled_unsure, pieces[3].box)]
    assert _filled_frame(grey, one_sure, classifier, config) == one_sure  # a page's digits, one of them sure


@needs_model
def test_a_digit_filling_the_photo_read_again_alone_drops_what_was_read_beside_it(classifier, mnist_path):
    """A 6 filling a yellow square crop reads as a sure "56": the 6, and a dark corner of the paper read as
    a 5. Read shrunk, the frame is the 6 alone, at the 6's place: the second reading is taken, though its
    box is no larger than the first's number (filled_larger)."""
    (six,) = _filled_crops(mnist_path, 600, [89])
    assert six.texts == ["6"]
    (number,) = read_frame(six.image, classifier)
    assert number.text == "6"
    x, y, w, h = number.box
    assert w * h >= 0.2 * 600 * 600 and x > 100  # the 6 itself, not the corner at the top left


def test_thick_ink_is_a_marker_stroke_not_blank_paper_or_a_shadow():
    """The test that lets a frame be read again: ink wider than the closing's kernel and narrower than the
    small kernel. A marker 0 filling the frame has it; blank paper, and paper under a soft shadow, do not."""
    paper = np.full((400, 400), 225, np.uint8)
    zero = paper.copy()
    cv2.ellipse(zero, (200, 200), (110, 150), 0, 0, 360, 60, 40)  # a stroke a tenth of the frame wide
    shadowed = paper.astype(np.float32)
    shadowed[:, :200] *= 0.6
    shadowed = cv2.GaussianBlur(shadowed, (0, 0), 15).astype(np.uint8)
    thin = paper.copy()
    cv2.ellipse(thin, (200, 200), (110, 150), 0, 0, 360, 60, 8)  # a pen's stroke: the usual kernel takes it
    config = PipelineConfig()
    share = config.thick_share
    assert _thick_ink(zero, config, share) and _thick_ink(zero, config, config.thick_sure_share)
    assert not any(_thick_ink(image, config, share) for image in (paper, shadowed, thin))


def test_fill_frame_crops_a_single_digit_photo_round_its_digit():
    for seed in range(6):
        scene = make_single_digit(np.random.default_rng(seed))
        filled = fill_frame(scene, margin=0.15, side=400)
        (text, (x, y, w, h)), = filled.numbers
        height, width = filled.image.shape[:2]
        assert max(height, width) == 400 and text == scene.texts[0]
        assert filled.digits == [(int(text), (x, y, w, h))]
        assert 0 <= x and x + w <= width + 1 and 0 <= y and y + h <= height + 1  # the digit is in the crop ...
        assert max(height, width) <= 1.3 * max(w, h) + 2  # ... with at most 15% of its size each way round it
        assert max(w, h) >= 0.75 * 400  # only the scene's edge can make that margin less
        square = fill_frame(scene, margin=0.1, side=600, square=True)
        (_, (x, y, w, h)), = square.numbers
        assert square.image.shape[:2] == (600, 600)
        assert 0 <= x and x + w <= 601 and 0 <= y and y + h <= 601 and max(w, h) >= 600 / 1.2 - 2


@needs_model
def test_reads_single_digits_on_a_sheet_lying_on_a_table(classifier, mnist_path):
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(15)
    scenes = [make_single_digit(rng, digits, config=SceneConfig(table=1.0)) for _ in range(60)]

    with_frames_dropped = _read_exactly(classifier, scenes)
    kept = _read_exactly(classifier, scenes, PipelineConfig(frame_max_inner=0.0))
    assert with_frames_dropped >= 52  # the shipped model: 57/60
    assert with_frames_dropped >= kept + 4  # with the sheet's edge kept as a blob: 51/60


@needs_model
def test_a_blank_sheet_on_a_table_is_not_read_as_a_number(classifier, mnist_path):
    # All its ink touches the frame's border (the table's rim), so the frame is read again as a crop
    # of a digit, with paper round it: the rim is then one blob spanning the frame. Cut into two or
    # three, it read as a number on nearly every sheet; read whole, mostly as nothing sure.
    # The rim along the table's side is dropped first as what lies beyond the page (side_band).
    read = _numbers_on_blank_pages(classifier, mnist_path, SceneConfig(table=1.0))
    # The shipped model: 3 numbers on the 30 sheets; 3 with the rim cut, 5 with it kept, 27 with it
    # kept and cut as any other blob (6 and 31 before side_band).
    assert read(PipelineConfig()) <= 8
    assert read(PipelineConfig(crop_whole=None)) <= 8
    assert read(PipelineConfig(side_band=None)) <= 12
    assert read(PipelineConfig(crop_whole=None, side_band=None)) >= 20


def test_sheet_outline_is_the_table_round_a_sheet_not_a_box_drawn_on_paper():
    """An outline round nothing, 440 x 320 px in a 640 x 480 frame: the band of table along a sheet's edge
    (as dark as the table beyond it, the sheet's paper inside) is a sheet's outline; a box drawn in ink on
    paper, paper on both sides of it, is not, nor is the table's band in a frame four times as large."""
    ring = np.zeros((480, 640), np.int32)
    cv2.rectangle(ring, (100, 80), (540, 400), 1, 12)
    blob = Blob(cv2.boundingRect((ring > 0).astype(np.uint8)), (1,))
    table = np.full((480, 640), 90, np.uint8)
    table[92:389, 112:529] = 220  # the sheet, inside its band of table
    drawn = np.full((480, 640), 220, np.uint8)
    drawn[ring > 0] = 60
    config = PipelineConfig()
    assert _sheet_outline(table, ring, blob, config, 0)
    assert not _sheet_outline(drawn, ring, blob, config, 0)
    assert not _sheet_outline(table, ring, blob, PipelineConfig(edge_outline=None), 0)
    larger = np.pad(table, ((0, 960), (0, 1280)), constant_values=90)  # under a quarter of it each way
    assert not _sheet_outline(larger, np.pad(ring, ((0, 960), (0, 1280))), blob, config, 0)


@needs_model
def test_a_whole_blank_sheet_s_edge_on_a_darker_table_is_not_read_as_a_number(classifier, mnist_path):
    """A blank sheet lying whole on a darker table: the paper's estimate leaves a band of "ink" along its
    edge, a four-sided outline holding nothing, which drop_frames leaves (a frame holds a digit) and which
    was read whole or cut (_sheet_outline, edge_outline)."""
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(520)
    sheets = [make_scene(rng, digits, SceneConfig(table=1.0), texts=[]).image for _ in range(99)]
    outlines = [sheets[i] for i in (15, 27, 70, 98)]
    assert [read_frame(frame, classifier) for frame in outlines] == [[]] * 4
    kept = PipelineConfig(edge_outline=None)
    assert [[n.text for n in read_frame(frame, classifier, kept)] for frame in outlines] == [
        ["151"], ["51"], ["121"], ["121"]]


@needs_model
def test_a_blank_whiteboard_with_its_frame_and_a_glare_is_not_read_as_a_number(classifier, mnist_path):
    # With nothing written, the frame is read again as a crop with paper round it; the wall and the
    # board's frame along one side, and the rim the bright added paper leaves inside the board's darker
    # sides, are one blob spanning the frame, read whole as a 1, a 2 or a 5.
    read = _numbers_on_blank_pages(classifier, mnist_path, SceneConfig(board=1.0))
    # The shipped model: 2 numbers on the 30 boards, 11 with side_band=None.
    assert read(PipelineConfig()) <= 4
    assert read(PipelineConfig(side_band=None)) >= 8


def _pieces_of(ink: np.ndarray):
    """(labels, pieces, areas) of a binary ink image, as find_ink gives them."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    return labels, [Blob(tuple(int(v) for v in stats[i, :4]), (i,)) for i in range(1, count)], stats[:, 4]


def test_without_underlines_takes_out_a_line_drawn_under_digits_and_touching_them():
    ink = np.zeros((120, 400), np.uint8)
    for i, digit in enumerate("4075"):
        cv2.putText(ink, digit, (40 + 60 * i, 70), cv2.FONT_HERSHEY_SIMPLEX, 1.6, 1, 4)
    cv2.line(ink, (30, 69), (280, 72), 1, 4)  # sloping a little, touching the digits' feet
    labels, pieces, areas = _pieces_of(ink)
    assert len(pieces) == 1  # one piece: digits and line
    kept, grown, (line,) = without_underlines(labels, pieces, areas)
    assert sorted(p.box[0] // 60 for p in kept if p.box[3] >= 20) == [0, 1, 2, 3]  # the four digits, apart
    assert all(p.box[2] < 50 for p in kept) and len(grown) == labels.max() + 1
    assert all(grown[p.labels[0]] == np.count_nonzero(labels == p.labels[0]) for p in [*kept, line])
    assert (labels[69:71, 100:105] == line.labels[0]).all() and line.box[2] > 240  # the line: a label of its own
    # Turned off, or under a single digit, or a number's own wide piece with no line under it: as it was.
    labels, pieces, areas = _pieces_of(ink)
    assert without_underlines(labels, pieces, areas, PipelineConfig(underline_span=None))[0] == pieces
    one = np.zeros((120, 400), np.uint8)
    cv2.putText(one, "2", (40, 70), cv2.FONT_HERSHEY_SIMPLEX, 1.6, 1, 4)
    cv2.line(one, (30, 72), (90, 74), 1, 4)
    assert without_underlines(*_pieces_of(one))[0] == _pieces_of(one)[1]
    touching = np.zeros((120, 400), np.uint8)
    cv2.putText(touching, "2222", (40, 70), cv2.FONT_HERSHEY_SIMPLEX, 1.6, 1, 7)  # feet joined along the baseline
    assert without_underlines(*_pieces_of(touching))[0] == _pieces_of(touching)[1]
    struck = np.zeros((120, 400), np.uint8)  # a line through the digits' middle is no underline
    cv2.putText(struck, "4075", (40, 70), cv2.FONT_HERSHEY_SIMPLEX, 1.6, 1, 4)
    cv2.line(struck, (30, 55), (280, 55), 1, 4)
    assert without_underlines(*_pieces_of(struck))[0] == _pieces_of(struck)[1]
    # A line under the digits that does not touch them, sloping so its box reaches theirs, is dropped.
    apart = np.zeros((120, 400), np.uint8)
    cv2.putText(apart, "4075", (40, 60), cv2.FONT_HERSHEY_SIMPLEX, 1.6, 1, 4)
    cv2.line(apart, (30, 80), (280, 62), 1, 3)
    labels, pieces, areas = _pieces_of(apart)
    kept, _, (line,) = without_underlines(labels, pieces, areas)
    assert len(kept) == len(pieces) - 1 and all(p.box[2] < 50 for p in kept) and line.box[2] > 240
    assert without_underlines(labels, [p for p in pieces if p.box[2] > 200], areas)[0]  # alone, with no digits


def _struck(line_from, line_to, thickness=2, digits="4075"):
    """A strip of digits 50 px tall with a straight line drawn through them."""
    ink = np.zeros((120, 400), np.uint8)
    for i, digit in enumerate(digits):
        cv2.putText(ink, digit, (50 + 80 * i, 95), cv2.FONT_HERSHEY_SIMPLEX, 2.4, 1, 8)
    cv2.line(ink, line_from, line_to, 1, thickness)
    return ink


def test_free_from_lines_parts_digits_from_a_thin_line_the_border_cuts_or_too_long_for_them():
    paper = np.full((120, 400), 200, np.uint8)
    labels, pieces, areas = _pieces_of(_struck((0, 52), (399, 58)))  # a rule, sloping a little, across the strip
    assert len(pieces) == 1 and _touches_border(pieces[0].box, labels.shape)
    parted, grown = free_from_lines(paper, labels, pieces, areas, labels.shape)
    digits = [p for p in parted if p.box[3] >= 20]
    assert sorted(p.box[0] // 80 for p in digits) == [0, 1, 2, 3]  # apart ...
    assert all(not _touches_border(p.box, labels.shape) and p.box[2] < 60 for p in digits)  # ... and clear
    assert all(p.box[3] < 10 for p in parted if p not in digits)  # at most stubs of the line by the border
    assert len(grown) == labels.max() + 1 and all(grown[p.labels[0]] == np.count_nonzero(labels == p.labels[0])
                                                  for p in parted)
    assert labels[55, 200] not in {p.labels[0] for p in parted}  # the line between digits: a label of its own
    # An upright line down the strip through the 0, as a squared page's: the 0 is freed, the 4 left as it was.
    labels, pieces, areas = _pieces_of(_struck((150, 0), (152, 119), digits="40"))
    four = [p for p in pieces if not _touches_border(p.box, labels.shape)]
    parted, _ = free_from_lines(paper, labels, pieces, areas, labels.shape)
    assert four[0] in parted and sorted(p.box[0] // 80 for p in parted if p.box[3] >= 20) == [0, 1]
    assert not any(_touches_border(p.box, labels.shape) for p in parted if p.box[2] >= 10)
    # Clear of the border, a line over 4 times as long as the digits are tall (max_line_aspect): parted too.
    labels, pieces, areas = _pieces_of(_struck((20, 52), (380, 58)))
    assert len(pieces) == 1 and not _touches_border(pieces[0].box, labels.shape)
    parted, _ = free_from_lines(paper, labels, pieces, areas, labels.shape)
    assert sorted(p.box[0] // 80 for p in parted if p.box[3] >= 20) == [0, 1, 2, 3]
    # Turned off; a line as thick as the digits' strokes; a line along a step in the paper (a sheet's edge):
    # as they were.
    labels, pieces, areas = _pieces_of(_struck((0, 52), (399, 58)))
    off = PipelineConfig(line_thin=None)
    assert free_from_lines(paper, labels, pieces, areas, labels.shape, off)[0] == pieces
    labels, pieces, areas = _pieces_of(_struck((0, 52), (399, 58), thickness=8))
    assert free_from_lines(paper, labels, pieces, areas, labels.shape)[0] == pieces
    stepped = paper.copy()
    stepped[:54] = 120  # darker above the line: a table beyond the sheet
    labels, pieces, areas = _pieces_of(_struck((0, 54), (399, 54)))
    assert free_from_lines(stepped, labels, pieces, areas, labels.shape)[0] == pieces
    # A thin line from digits into a mass that the border cuts (a table's grain, a shadow): the mass outweighs them.
    ink = _struck((0, 52), (399, 52), digits="4")
    ink[:, :40] = 1
    labels, pieces, areas = _pieces_of(ink)
    assert free_from_lines(paper, labels, pieces, areas, labels.shape)[0] == pieces


@needs_model
def test_notebook_lines_keep_digits_that_a_missed_rule_or_grid_line_joins_to_the_border(classifier, mnist_path):
    """A line cropped close on ruled paper whose middle rule, broken by the digits, was not found as a rule and
    ran from "7329" to the border; a squared page's line down a strip through its 5 and its 2; and a line whose
    thick rule, erased, left its edges, tying "235" into one piece too wide for a digit once read again with paper
    round it. Each reads wrong without the stage under OpenCV 5; under OpenCV 4 the first one's rule is found."""
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(305)
    ruled = [make_line(rng, digits, SceneConfig(rules=1.0), margin=CLOSE) for _ in range(4)][3]
    rng = np.random.default_rng(304)
    lines = [make_line(rng, digits, SceneConfig(rules=1.0)) for _ in range(61)]
    squared, edged = lines[60], lines[11]
    assert ruled.texts == ["498287329"] and squared.texts == ["615629"] and edged.texts == ["235"]
    kept = PipelineConfig(line_thin=None)
    assert [n.text for n in read_frame(ruled.image, classifier)] == ["498287329"]
    assert [n.text for n in read_frame(squared.image, classifier)] == ["615629"]
    assert [n.text for n in read_frame(squared.image, classifier, kept)] == ["6169"]
    assert [n.text for n in read_frame(edged.image, classifier)] == ["235"]
    assert [n.text for n in read_frame(edged.image, classifier, kept)] == []


@needs_model
def test_a_squared_pages_lines_down_a_number_cropped_close_are_not_read_as_ones(classifier, mnist_path):
    """A number on squared paper cropped close: two of the page's lines run down it from edge to edge, cut
    by the border, and read again with paper round it each is a sure 1 spanning the frame, taller than the
    digits and thinner than their strokes (line_down)."""
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(305)
    squared = [make_line(rng, digits, SceneConfig(rules=1.0), margin=CLOSE) for _ in range(57)][56]
    assert squared.texts == ["5169214566"]
    assert [n.text for n in read_frame(squared.image, classifier)] == ["5169214566"]
    assert [n.text for n in read_frame(squared.image, classifier, PipelineConfig(line_down=None))] == ["516192114566"]


def test_without_lines_down_drops_thin_straight_ones_spanning_a_padded_frame_only():
    """A 1 spanning the frame inside its 10 px of added paper, 1.5 times the height of the digits beside it,
    as wide as a tenth of its height and half as thick as their strokes, is a line of the paper; a 1 as thick
    as they are, one slanting (wider than LINE_DOWN_WIDTH of its height), one clear of the frame's edges,
    and any 1 beside fewer than LINE_DOWN_MIN digits, or read with no paper added, are kept."""
    labels = np.zeros((80, 200), np.int32)
    pad = 10

    def bar(x, y, w, h, label):
        labels[y:y + h, x:x + w] = label
        return x, y, w, h
    # Digits 40 px tall with 4 px strokes: a box outline, ink on its edges only.
    boxes = []
    for k, x in enumerate((20, 60, 100)):
        for part in ((x, 20, 24, 4), (x, 56, 24, 4), (x, 20, 4, 40), (x + 20, 20, 4, 40)):
            bar(*part, k + 1)
        boxes.append((x, 20, 24, 40))
    digits = [Digit(8, 1.0, box) for box in boxes]
    line = Digit(1, 1.0, bar(140, pad, 2, 60, 4))
    thick = Digit(1, 1.0, bar(160, pad, 4, 60, 5))
    slanting = Digit(1, 1.0, (175, pad, 15, 60))
    bar(175, pad, 2, 60, 6)
    inside = Digit(1, 1.0, bar(192, pad + 5, 2, 50, 7))
    found = digits + [line, thick, slanting, inside]
    assert _without_lines_down(found, labels, pad, PipelineConfig()) == digits + [thick, slanting, inside]
    assert _without_lines_down(digits[:2] + [line], labels, pad, PipelineConfig()) == digits[:2]
    assert _without_lines_down(digits[:1] + [line], labels, pad, PipelineConfig()) == digits[:1] + [line]
    assert _without_lines_down(found, labels, 0, PipelineConfig()) == found
    assert _without_lines_down(found, labels, pad, PipelineConfig(line_down=None)) == found
    assert _without_lines_down(found, labels, pad, PipelineConfig(line_down=1.6)) == found


@needs_model
def test_numbers_underlined_by_hand_are_read(classifier, mnist_path):
    # Every number of 30 generated sheets underlined in its own ink, sloping a little, the line touching
    # most numbers: it joined them into one piece, read as a line or cut into digits and bits of it.
    def underline(image, rng, box, ink, pen):
        x, y, w, h = box
        below = y + h + rng.uniform(-0.05, 0.15) * h
        end = (int(x + w + 0.15 * h), int(below + rng.uniform(-0.04, 0.04) * w))
        cv2.line(image, (int(x - 0.15 * h), int(below)), end, ink, pen, cv2.LINE_AA)
    sheets = _marked_sheets(mnist_path, 1, underline, SceneConfig(max_lines=2))
    # The shipped model: 28 of the 43 numbers, 17 with underline_span=None.
    assert sum(len(texts) for _, texts in sheets) == 43
    assert _numbers_found(classifier, sheets) >= 24
    assert _numbers_found(classifier, sheets) >= _numbers_found(classifier, sheets, underline_span=None) + 7


def test_along_side_is_a_band_beyond_the_page_not_a_digit_touching_the_frames_edge():
    pad, height, width = 10, 100, 120

    def blob(*regions):
        labels = np.zeros((height + 2 * pad, width + 2 * pad), np.int32)
        inside = labels[pad:-pad, pad:-pad]
        for region in regions:
            inside[region] = 1
        rows, cols = np.nonzero(labels)
        box = (int(cols.min()), int(rows.min()), int(np.ptp(cols)) + 1, int(np.ptp(rows)) + 1)
        return labels, Blob(box, (1,))

    band = np.s_[80:, :]  # a wall along the bottom, a fifth of the frame deep
    rims = [np.s_[:, :3], np.s_[:3, :]]  # the thin rim inside the frame's left and top sides: the box spans it
    assert _along_side(*blob(band), pad, 0.9)
    assert _along_side(*blob(band, *rims), pad, 0.9)
    assert _along_side(*blob(np.s_[:, 100:]), pad, 0.9)  # along the right side
    assert not _along_side(*blob(np.s_[80:, 30:]), pad, 0.9)  # along only 75% of the side
    assert not _along_side(*blob(np.s_[:, :70]), pad, 0.9)  # more than half across: a digit filling a crop
    digit = [np.s_[10:80, 40:50], np.s_[10:80, 70:80], np.s_[10:20, 40:80], np.s_[70:80, 40:80]]  # a 0 on the band
    assert not _along_side(*blob(np.s_[90:, :], np.s_[80:90, 55:65], *digit), pad, 0.9)
    assert _along_side(*blob(np.s_[90:, :], np.s_[80:90, 55:65], *digit[:1]), pad, 0.9)  # a short stub on it


def _numbers_on_blank_pages(classifier, mnist_path, scene: SceneConfig):
    """A function of a PipelineConfig: how many numbers it reads on 30 generated pages with nothing
    written on them (seed 7)."""
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(7)
    pages = [make_scene(rng, digits, scene, texts=[]).image for _ in range(30)]
    return lambda config: sum(len(read_frame(image, classifier, config)) for image in pages)


@needs_model
def test_reads_numbers_and_digits_on_ruled_and_squared_paper(classifier, mnist_path):
    digits = DigitSource.find(str(mnist_path))
    ruled = SceneConfig(rules=1.0)

    def read(config):
        rng = np.random.default_rng(13)
        scenes = [make_scene(rng, digits, ruled) for _ in range(12)]
        numbers = sum(sum(text in [n.text for n in read_frame(s.image, classifier, config)] for text in s.texts)
                      for s in scenes)
        singles = _read_exactly(classifier, [make_single_digit(rng, digits, config=ruled) for _ in range(30)], config)
        return numbers, sum(len(s.texts) for s in scenes), singles

    numbers, total, singles = read(PipelineConfig())
    numbers_kept, _, singles_kept = read(PipelineConfig(rule_length=None))
    assert numbers >= 14 and singles >= 21  # the shipped model: 19/31 numbers (14 before rule_inked and
    # rule_darker), 26/30 digits. Without the rules taken out: 1 and 18 (OpenCV 4.14: 20/31 and 26 with
    # them, 1 and 19 without).
    assert numbers >= numbers_kept + 6 and singles >= singles_kept + 5


@needs_model
@pytest.mark.parametrize("seed, index", [(306, 2), (308, 43)])
def test_a_page_whose_rules_are_found_only_in_part_is_looked_at_again_for_fainter_ones(classifier, mnist_path,
                                                                                        seed, index):
    # These two notebook sheets' lines are found at the weak-ink level only where they are darkest; the rest,
    # left, joined both numbers on each page to the frame's border (none read). Looked for again at
    # `rule_fainter` of that level, they go.
    rng = np.random.default_rng(seed)
    scene = [make_scene(rng, DigitSource.find(str(mnist_path)), SceneConfig(rules=1.0)) for _ in range(index + 1)][-1]

    def read(config):
        return sum(text in [n.text for n in read_frame(scene.image, classifier, config)] for text in scene.texts)

    assert len(scene.texts) == 2
    assert read(PipelineConfig()) == 2
    assert read(PipelineConfig(rule_fainter=None)) == 0


@needs_model
def test_shadowed_cells_of_a_squared_page_are_not_filled_as_marker_strokes(classifier, mnist_path):
    # A shadow's edge across a grid leaves the shadowed cells enclosed by their lines; filled from the lit
    # paper nearby, as the inside of a marker stroke is, they became ink and were read as digits.
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(22)
    singles = [make_single_digit(rng, digits, config=SceneConfig(rules=1.0)) for _ in range(60)]

    assert _read_exactly(classifier, singles) >= 52  # the shipped model: 58 of 60
    # Most of those cells are dropped as a shadow's tip too, now that its rules are read through
    # (drop_shadows); without that test, 57 read right and 53 with every enclosed region filled.
    tips_kept = PipelineConfig(shadow_reach=None)
    assert _read_exactly(classifier, singles, tips_kept) >= _read_exactly(
        classifier, singles, dataclasses.replace(tips_kept, stroke_inside=None)) + 2


def test_digits_stems_down_a_strip_cropped_close_are_no_rules():
    """Three slanting stems spanning a strip, and nothing across it: no squared page's lines, though a
    grid's lines down a strip come three or more to it and span it as these do."""
    strip = np.full((40, 270), 255, np.uint8)
    for x in (60, 150, 240):
        cv2.line(strip, (x + 4, 0), (x - 4, 39), 40, 2)  # a 9's or a 1's stem, top to bottom
        cv2.ellipse(strip, (x - 25, 20), (12, 15), 0, 0, 360, 40, 2)  # a round digit beside it
    assert not np.any(remove_rules(strip) != strip)
    squared = strip.copy()
    squared[[5, 34], :] = 150  # the page's lines across the strip: now the stems' family is a grid's too
    assert np.any(remove_rules(squared)[:, 150] == 255)


@needs_realdev
@needs_model
def test_a_real_line_cropped_to_its_ink_reads_as_written(classifier):
    image = cv2.imread(str(REALDEV / "digit_strings" / "lines" / "page5_line0_64193796.png"), cv2.IMREAD_COLOR)
    for margin in (0, 1, 3):  # pixels of paper left round the ink (7..273 and 8..45 in the line's image)
        crop = image[8 - margin:46 + margin, 7 - margin:274 + margin]
        assert [n.text for n in read_frame(crop, classifier)] == ["64193796"], margin


@needs_model
def test_a_notebook_line_cropped_close_is_read_again_with_its_rule_found(classifier, mnist_path):
    """Cropped close, a line's last digit runs off the strip, so it is read again with paper added; there
    a faint rule crossing every digit, which the strip's first threshold left out, is ink that joins them
    all. It is found as a rule when its length, and the share of the strip it meets ink in, are measured
    without the paper added."""
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(305)
    lines = [make_line(rng, digits, SceneConfig(rules=1.0), margin=(0.0, 0.05)) for _ in range(40)]
    assert [n.text for n in read_frame(lines[36].image, classifier)] == ["1007776"]  # nothing before
    assert _read_exactly(classifier, lines) >= 23  # the shipped model: 25; 20 before


def test_a_rule_seen_in_a_few_short_runs_is_followed_at_the_slope_that_meets_its_ink():
    """A faint rule across a strip, found straight only in two short runs close together, each tilted by the
    strokes crossing it: the line fitted through them strays off the rule at the strip's ends, and its ink
    is met in too few columns. A line through the same runs a little flatter follows it; a row of digits'
    tops, with paper between them, is met at no slope."""
    ink = np.zeros((104, 296), np.uint8)
    xs = np.arange(296)
    ink[np.round(49 + 0.017 * xs).astype(int), xs] = 1  # the rule, gently rising
    near = cv2.dilate(ink, np.ones((9, 1), np.uint8))
    centres = np.array([[0.0, 0.0], [234.8, 51.7], [194.2, 53.6]])  # the runs as found: background, two runs
    widths = np.array([0, 44, 28])
    fitted = tuple(np.polyfit(centres[1:, 0], centres[1:, 1], 1))  # slope -0.047
    assert _inked_along(near, fitted, 200, 34) < 0.95
    line, share = _most_inked(near, fitted, [1, 2], centres, widths, 200, 34)
    assert share == _inked_along(near, line, 200, 34) >= 0.95 and abs(line[0] - 0.017) < 0.03
    tops = np.zeros_like(near)
    for left in range(34, 262, 30):
        tops[45:55, left:left + 18] = 1  # digits' tops: 18 px of ink, 12 of paper, along the strip
    assert _most_inked(tops, fitted, [1, 2], centres, widths, 200, 34)[1] < 0.7


@needs_model
def test_a_notebook_line_whose_rule_is_found_only_in_short_runs_is_read(classifier, mnist_path):
    """Read again with paper added, a close-cropped notebook line's faint rule is straight only in short runs
    between three of its eleven digits; before the line through them was tried at other slopes, the rule
    was not found, joined every digit into one blob too wide for a digit, and the line read nothing."""
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(305)
    lines = [make_line(rng, digits, SceneConfig(rules=1.0), margin=(0.0, 0.05)) for _ in range(75)]
    assert lines[74].texts == ["18412553771"]
    assert [n.text for n in read_frame(lines[74].image, classifier)] == ["18412553771"]


@needs_model
def test_a_squared_strip_read_again_finds_its_rules_in_runs_as_long_as_its_own_width_asks(classifier, mnist_path):
    """Read again with paper added, a close-cropped squared strip's faint rule is straight only in runs
    15-27 px long (at half size); a straight run had to be 6% of the padded width, 20 px, so too few were
    left to look for a rule, the grid was not taken out, and it joined every digit: the line read nothing.
    Runs are now measured against the strip's own width, as the rules' length is."""
    digits = DigitSource.find(str(mnist_path))
    line = make_line(np.random.default_rng(305), digits, SceneConfig(rules=1.0), margin=(0.0, 0.05))
    assert line.texts == ["49250097"]
    assert [n.text for n in read_frame(line.image, classifier)] == ["49250097"]


def test_a_1_far_thinner_than_the_digits_beside_it_is_a_sliver_not_a_digit():
    labels = np.zeros((60, 300), np.int32)
    digits = []
    for i, left in enumerate((20, 80, 140)):  # three digits drawn with a 6 px pen: rings 40 px tall
        cv2.rectangle(labels, (left, 10), (left + 30, 50), i + 1, 6)
        digits.append(Digit(0, 0.99, (left - 3, 7, 37, 47)))
    cv2.line(labels, (200, 10), (200, 50), 4, 1)  # a grid's line, 1 px wide
    cv2.line(labels, (250, 10), (250, 50), 5, 6)  # a 1 written with the same pen
    sliver, one = Digit(1, 0.99, (199, 10, 3, 41)), Digit(1, 0.98, (247, 10, 7, 41))  # strokes 1.0 and 6.2 px
    config = PipelineConfig()
    assert _without_slivers(digits + [sliver, one], labels, config) == digits + [one]
    assert _without_slivers(digits + [sliver], labels, dataclasses.replace(config, sliver_stroke=None)) == \
        digits + [sliver]
    assert _without_slivers(digits[:1] + [sliver], labels, config) == digits[:1]  # one digit beside it is enough
    assert _without_slivers([sliver], labels, config) == [sliver]  # nothing to judge it by
    short = Digit(0, 0.99, (20, 40, 10, 10))  # a digit a quarter of its height: not its size
    assert _without_slivers([short, short, sliver], labels, config) == [short, short, sliver]


@needs_model
def test_a_grid_line_left_at_a_close_cropped_strips_edge_is_not_read_as_a_1(classifier, mnist_path):
    """A squared strip cropped close keeps a sliver of the grid's line down its left edge; read again with
    paper added, it lies inside the frame and reads as a sure 1 before the number: "1677488". Its stroke,
    2 px, is under a quarter of the nearest digits' (8-10 px)."""
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(305)
    line = [make_line(rng, digits, SceneConfig(rules=1.0), margin=(0.0, 0.05)) for _ in range(32)][31]
    assert line.texts == ["677488"]
    assert [n.text for n in read_frame(line.image, classifier)] == ["677488"]
    assert [n.text for n in read_frame(line.image, classifier, PipelineConfig(sliver_stroke=None))] == ["1677488"]


@needs_model
def test_reads_numbers_cropped_to_their_line_on_ruled_and_squared_paper(classifier, mnist_path):
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(13)
    lines = [make_line(rng, digits, SceneConfig(rules=1.0)) for _ in range(80)]

    right = _read_exactly(classifier, lines)
    # The shipped model: 53/80 (OpenCV 4.14: 54); 35 before rules hidden by their digits were found and strokes
    # along a rule kept, 28 before a squared page's lines down a strip were taken out, rules across the whole frame,
    # short runs joined to them and thicker rules let in small crops.
    assert right >= 45
    assert right >= _read_exactly(classifier, lines, PipelineConfig(rule_inked=None)) + 6  # 43 (45)
    assert right >= _read_exactly(classifier, lines, PipelineConfig(rule_darker=None)) + 3  # 46 (48)
    without_rules_taken_out = _read_exactly(classifier, lines, PipelineConfig(rule_length=None))
    assert right >= without_rules_taken_out + 12  # 18 (19)


def test_cut_in_row_takes_a_digit_at_a_strip_s_end_not_a_fragment_a_shadow_s_edge_or_a_dark_margin():
    # Digits inside a strip, 25x40 each, along a line sloping down to the right.
    blobs = [Blob((40 + 40 * i, 20 + 10 * i, 25, 40), (1,)) for i in range(4)]
    areas = np.array([0, 300, 300, 300, 300, 300, 1900])

    def in_row(box, label=2, config=None):
        return _cut_in_row([Blob(box, (label,))], blobs, areas, config or PipelineConfig())

    assert in_row((200, 62, 24, 40))  # the last digit, touching the strip's right edge, in line with its neighbour
    assert in_row((0, 18, 24, 42))  # the first, touching the left edge
    assert not in_row((200, 62, 24, 40), config=PipelineConfig(cut_height=None))
    assert not in_row((80, 0, 25, 14), 3)  # a fragment of the line above: too short ...
    assert not in_row((80, 0, 25, 30), 4)  # ... or above the row
    assert not in_row((230, 0, 3, 110), 4)  # a grid's line down the strip's edge: too tall
    assert not in_row((60, 0, 90, 100), 5)  # a shadow's edge joined to the digits it crosses: too wide
    assert not in_row((200, 0, 20, 100), 6)  # a scan's dark margin: solid


def test_a_strip_read_again_has_its_own_edges_carried_on_round_it():
    # Paper from 120 on the left to 220 on the right, a stroke touching the left edge.
    strip = np.tile(np.linspace(120, 220, 300).astype(np.uint8), (60, 1))
    cv2.line(strip, (0, 20), (10, 40), 30, 4)
    padded = _add_paper(strip, 20, True, PipelineConfig())
    np.testing.assert_array_equal(padded[20:80, 20:320], strip)
    assert abs(int(padded[50, 5]) - 120) <= 10 and abs(int(padded[50, 315]) - 220) <= 10  # the paper carried on
    assert padded[25:55, :20].min() >= 100  # the stroke is not
    assert _add_paper(strip, 20, False, PipelineConfig())[50, 5] > 200  # else the brightest paper

    def blobs(edge, config=None):
        config = config or PipelineConfig()
        return [blob.box for blob in find_blobs(_add_paper(strip, 20, edge, config), config, pad=20).blobs]

    (_, _, width, _), = blobs(True)
    assert width <= 20  # the stroke alone is ink, not the dark paper beside bright paper, one blob with it
    assert [width > 100 for _, _, width, _ in blobs(False, PipelineConfig(step_line_share=None))] == [True]


def test_a_thick_stroke_touching_a_strips_edge_is_not_carried_on():
    """A 7 cut by the strip's right edge, its bar about as thick as the closing's kernel: the paper's
    estimate stays dark where the bar meets the edge, and carried on as it is, that band joined the 7 to
    the new border. The running median along the edge takes it out; the shadow's step stays."""
    strip = np.full((100, 300), 230, np.uint8)
    strip[:, :120] = 170  # a shadow's edge across the strip
    cv2.line(strip, (240, 20), (310, 20), 60, 18)  # the 7's thick bar, cut by the edge ...
    cv2.line(strip, (290, 20), (265, 90), 60, 10)  # ... and its stem
    strip = cv2.GaussianBlur(strip, (0, 0), 2)

    def read(config):
        padded = _add_paper(strip, 20, True, config)
        found = find_blobs(padded, config, pad=20)
        return padded, [blob.box for blob in found.blobs], [blob.box for blob in found.cut]

    padded, blobs, cut = read(PipelineConfig())
    assert padded[30:50, 330].min() >= 215 and abs(int(padded[70, 5]) - 170) <= 5  # paper beside the bar, and shade
    assert len(blobs) == 1 and blobs[0][0] + blobs[0][2] <= 320 and cut == []  # the 7 inside the strip
    padded, blobs, cut = read(PipelineConfig(edge_median=None))
    assert padded[30:50, 330].min() < 190 and blobs == [] and len(cut) == 1  # joined to the border, dropped


@needs_model
def test_reads_numbers_cropped_close_round_their_digits(classifier, mnist_path):
    """A number cropped to its digits' box: its end digits and its tallest touch the crop's edges, and were
    dropped as cut by the border. The strip is read again with its own edges carried on round it."""
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(11)
    lines = [make_line(rng, digits, margin=(0.0, 0.0)) for _ in range(40)]
    right = _read_exactly(classifier, lines)
    assert right >= 30  # the shipped model: 35
    assert right >= _read_exactly(classifier, lines, PipelineConfig(cut_height=None)) + 20  # 9
    assert right >= _read_exactly(classifier, lines, PipelineConfig(pad_edge=False)) + 2  # 30
    assert right > _read_exactly(classifier, lines, PipelineConfig(edge_median=None))  # 33


@needs_model
def test_touching_ones_are_read_as_two(classifier, mnist_path):
    """Two 1s that touch make a blob narrower than split_aspect, which was read whole, as a 1, 4, 6 or 0;
    the model calls it "not one digit" (split_not_digit), so it is cut as a wide blob is."""
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(5)
    texts = ["1111", "5117", "11", "611"]
    scenes = [make_scene(rng, digits, SceneConfig(touching=1.0, max_lines=1), texts=[texts[i % len(texts)]])
              for i in range(100)]
    right = _read_exactly(classifier, scenes)
    assert right >= 55  # the shipped model: 60
    assert right >= _read_exactly(classifier, scenes, PipelineConfig(split_not_digit=None)) + 4  # 53


@needs_model
def test_no_strokes_are_kept_along_the_rules_of_blank_notebook_pages(classifier, mnist_path):
    # Ink far darker than its rule is a stroke along it (rule_darker), measured against the paper beside
    # it: against white, the rules at a shadow's edge, where the paper's estimate lags, were kept as
    # strokes, and read as digits on 3 of these 30 pages.
    read = _numbers_on_blank_pages(classifier, mnist_path, SceneConfig(rules=1.0))
    found = read(PipelineConfig())
    assert found <= read(PipelineConfig(rule_darker=None))
    assert found <= 30  # the shipped model: 23 (26 with the darkness measured against white)


def realdev_rows(name):
    with open(REALDEV / name / "labels.csv") as stream:
        return list(csv.DictReader(stream))


@needs_model
@needs_realdev
def test_real_single_digit_photos(classifier):
    rows = realdev_rows("photos_single")
    right = 0
    for row in rows:
        image = cv2.imread(str(REALDEV / "photos_single" / row["file"]), cv2.IMREAD_COLOR)  # honours EXIF
        right += [n.text for n in read_frame(image, classifier)] == [row["label"]]
    assert right >= 38, f"{right}/40 read as exactly their one digit"  # the shipped model: 40


@needs_model
@needs_realdev
def test_real_single_digit_photos_cropped_round_their_digit(classifier):
    """Each photo cropped to its digit with paper round it half and a twentieth of the digit's height wide:
    a digit filling the frame (before rules had to span 90% of it when alone, a thin stem spanning half
    the frame was erased as a rule: 38 and 38 of 40)."""
    right = 0
    for row in realdev_rows("photos_single"):
        image = cv2.imread(str(REALDEV / "photos_single" / row["file"]), cv2.IMREAD_COLOR)
        x, y, w, h = max((d.box for n in read_frame(image, classifier) for d in n.digits), key=lambda box: box[3])
        for margin in (round(0.5 * h), round(0.05 * h)):
            crop = image[max(0, y - margin):y + h + margin, max(0, x - margin):x + w + margin]
            right += [n.text for n in read_frame(crop, classifier)] == [row["label"]]
    assert right >= 77, f"{right}/80"  # the shipped model: 79


@needs_model
@needs_realdev
def test_real_single_digit_photos_cropped_square_to_their_digit_are_read_again_as_crops(classifier):
    """Each photo cropped to a square the digit's box spans, with no paper beyond it, at 600 px: the digit
    touches the border, and specks of the paper inside were read as the digit (a 0 as "1", a 2 as "1").
    A frame about square (crop_square) is read again with paper round it, as a scan is, when a stroke
    the border cuts dwarfs every blob inside."""
    crops = []
    for row in realdev_rows("photos_single"):
        image = cv2.imread(str(REALDEV / "photos_single" / row["file"]), cv2.IMREAD_COLOR)
        (x, y, w, h), = [n.box for n in read_frame(image, classifier)]
        side = max(w, h)
        left, top = round(x + w / 2 - side / 2), round(y + h / 2 - side / 2)
        margin = max(0, -left, -top, left + side - image.shape[1], top + side - image.shape[0])
        image = cv2.copyMakeBorder(image, margin, margin, margin, margin, cv2.BORDER_REPLICATE)
        square = image[top + margin:top + margin + side, left + margin:left + margin + side]
        crops.append((cv2.resize(square, (600, 600), interpolation=cv2.INTER_AREA), row["label"]))

    def read(config):
        return sum([n.text for n in read_frame(crop, classifier, config)] == [label] for crop, label in crops)
    right = read(PipelineConfig())
    assert right >= 36 and right >= read(PipelineConfig(crop_square=None)) + 3, right  # the shipped model: 38, 34


@needs_model
@needs_realdev
def test_a_real_thin_pen_digit_cropped_close_and_small_is_read(classifier):
    """realdev's thin-pen 4 (michaelchu/four.jpg) cropped round its digit with 2% of paper, moved by up
    to 4 px, and shrunk to 250 and 300 px: its faint stem breaks in pieces, beside which its hook is no
    small piece, and it read "61" (`join_stem` None: 8 of 30; the shipped model: 23)."""
    image = cv2.imread(str(REALDEV / "photos_single" / "michaelchu" / "four.jpg"))
    (x, y, w, h), = [n.box for n in read_frame(image, classifier)]
    side = round(max(w, h) * 1.04)
    crops = [cv2.resize(image[top:top + side, left:left + side], (size, size), interpolation=cv2.INTER_AREA)
             for size in (250, 300) for dx in (-4, -2, 0, 2, 4) for dy in (-4, 0, 4)
             for left, top in [(round(x + w / 2 - side / 2) + dx, round(y + h / 2 - side / 2) + dy)]]

    def read(config):
        return sum([n.text for n in read_frame(crop, classifier, config)] == ["4"] for crop in crops)
    right = read(PipelineConfig())
    assert right >= 18 and right >= read(PipelineConfig(join_stem=None)) + 8, right


@needs_model
@needs_realdev
def test_a_real_page_turned_keeps_a_small_digit_beside_its_tall_edge(classifier):
    """realdev's first page turned 10 and 15 degrees either way (edge_app.changes.turned): its small 5
    was a speck beside the streak along the turned page's edge. Either of two filters keeps it: `speck_gap`
    leaves the streak out of the measure, `drop_sheet_edges` drops it (with neither, 3 of 4 lost it; 2 with
    the model shipped 2026-11-25)."""
    image = cv2.imread(str(REALDEV / "digit_strings" / "pages" / "page0_upright.png"))

    def read(config):
        return sum("8952481" in [n.text for n in read_frame(turned(image, degrees), classifier, config)]
                   for degrees in (-15, -10, 10, 15))
    assert read(PipelineConfig()) == 4
    assert read(PipelineConfig(speck_gap=None)) == read(PipelineConfig(edge_ratio=None)) == 4
    assert read(PipelineConfig(speck_gap=None, edge_ratio=None)) <= 2


def test_drop_edge_steps_drops_a_slanting_edges_staircase_but_not_ones_side_by_side():
    # A sheet's edge slanting 4-5 degrees, thresholded: slivers a pixel wide, 12 tall, each a pixel aside
    # and a row below the last (read alone, sure 1s); beside it a digit, three hairline 1s side by side
    # and two slivers one above the other, a stroke broken once.
    steps = [Blob((245 - k, 134 + 13 * k, 1, 12), (k + 1,)) for k in range(6)]
    digit = Blob((345, 215, 60, 124), (20,))
    ones = [Blob((300 + 20 * k, 40, 2, 30), (30 + k,)) for k in range(3)]
    broken = [Blob((500, 300, 2, 20), (40,)), Blob((501, 322, 2, 20), (41,))]
    kept = drop_edge_steps([*steps, digit, *ones, *broken])
    assert kept == [digit, *ones, *broken]
    assert drop_edge_steps(steps[:2] + [digit]) == steps[:2] + [digit]  # two steps are no chain
    spread = [Blob((245 - 3 * k, 134 + 13 * k, 1, 12), (k + 1,)) for k in range(6)]  # 3 px aside: no steps
    assert drop_edge_steps(spread) == spread
    assert drop_edge_steps(steps, PipelineConfig(step_chain=None)) == steps


def _on_table(photo: np.ndarray, share: float, degrees: float, centre, table, grain_seed: int = 0,
              shadow: float = 0.0, noise: float = 0.0) -> np.ndarray:
    """A photo of a sheet shrunk to `share` of a 640x480 frame, turned `degrees` about its centre, put at
    `centre` on a table of the colour `table` (BGR) with a little grain; the sheet's edge darkened where
    its pixels blend with the table. With `shadow`, the sheet lit from the top left casts a shadow that
    much darker than the table, 3 px wide, beside its other two edges, and its edge blends evenly with
    the table; `noise`: a camera's noise on the table, in grey levels."""
    scale = share * min(640 / photo.shape[1], 480 / photo.shape[0])
    sheet = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    h, w = sheet.shape[:2]
    move = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    move[:, 2] += (centre[0] - w / 2, centre[1] - h / 2)
    cover = cv2.warpAffine(np.ones((h, w), np.float32), move, (640, 480))[..., None]
    rng = np.random.default_rng(grain_seed)
    grain = cv2.GaussianBlur(rng.normal(0, 6, (480, 640)).astype(np.float32), (0, 0), 2)
    table = np.float32(table) + (grain + rng.normal(0, noise, grain.shape).astype(np.float32))[..., None]
    border = cv2.BORDER_CONSTANT  # black beyond the sheet: blended twice, its edge is darker than both sides
    if shadow:
        cast = np.zeros_like(cover)
        cast[3:, 3:] = cover[:-3, :-3]
        table = table * (1 - shadow * np.clip(cv2.GaussianBlur(cast, (0, 0), 1.0)[..., None] - cover, 0, 1))
        border = cv2.BORDER_REPLICATE
    sheet = cv2.warpAffine(sheet, move, (640, 480), borderMode=border)
    return np.clip(sheet * cover + table * (1 - cover), 0, 255).astype(np.uint8)


@needs_model
@needs_realdev
def test_a_real_digit_on_a_sheet_whose_edge_slants_on_a_table_is_read(classifier):
    """realdev's bold 7 on its grey paper, shrunk to 73% of a 640x480 frame, turned 5 degrees, on a
    mauve table a shade darker than the paper's shaded edge: the edge's staircase read as dozens of 1s."""
    photo = cv2.imread(str(REALDEV / "photos_single" / "agonzalezreyes" / "seven.png"))
    frame = _on_table(photo, 0.733, 5.15, (258, 259), (131, 117, 141))
    assert [n.text for n in read_frame(frame, classifier)] == ["7"]
    assert len(read_frame(frame, classifier, PipelineConfig(step_chain=None))) >= 10


def test_drop_sheet_edges_drops_the_line_along_a_step_to_a_darker_table_but_not_pen_strokes():
    # Paper (180) left of column 300, a table (120) right of it; the line the paper's estimate leaves
    # along the step, hardly darker than the table (112); a pen's 1 (50) on the paper; a 1 written
    # where a hard shadow's edge (paper at 100 right of column 160) meets it; a 4 (wide) on the table.
    grey = np.full((240, 400), 180, np.uint8)
    grey[:, 300:] = 120
    grey[:, 160:260] = 100
    labels = np.zeros(grey.shape, np.int32)
    strokes = {1: (296, 40, 4, 160, 112), 2: (60, 40, 4, 120, 50), 3: (157, 40, 5, 120, 40), 4: (330, 60, 50, 80, 50)}
    blobs = []
    for label, (x, y, w, h, level) in strokes.items():
        grey[y:y + h, x:x + w] = level
        labels[y:y + h, x:x + w] = label
        blobs.append(Blob((x, y, w, h), (label,)))
    edge, pen, shadowed, wide = blobs
    assert drop_sheet_edges(grey, labels, blobs) == [pen, shadowed, wide]
    assert drop_sheet_edges(grey, labels, blobs, PipelineConfig(edge_ratio=None)) == blobs
    at_border = Blob((1, 40, 4, 160), (1,))  # no strip of paper left of it: kept
    assert drop_sheet_edges(grey, labels, [at_border]) == [at_border]
    # With 100 px of paper added round the frame (read_frame's second reading), the edge's strip right of
    # it lies in that paper, an estimate: kept.
    assert drop_sheet_edges(grey, labels, [edge], pad=100) == [edge]


def _pieces(shape, strokes: dict) -> tuple[np.ndarray, list[Blob], np.ndarray]:
    """Labels, pieces and areas for strokes {label: [(x, y, w, h), ...]}, each label one piece of those boxes."""
    labels = np.zeros(shape, np.int32)
    for label, boxes in strokes.items():
        for x, y, w, h in boxes:
            labels[y:y + h, x:x + w] = label
    pieces = []
    for label in strokes:
        ys, xs = np.nonzero(labels == label)
        pieces.append(Blob((int(xs.min()), int(ys.min()), int(np.ptp(xs)) + 1, int(np.ptp(ys)) + 1), (label,)))
    return labels, pieces, np.bincount(labels.ravel(), minlength=len(strokes) + 1)


def test_drop_step_lines_drops_a_sheets_shadow_round_its_digit_but_not_strokes():
    # A sheet (paper at 180) on a table (120); the shadow it casts, 3 px wide, along its right and bottom
    # edges, as one piece holding the 0 written on the sheet inside its box; a piece of that shadow broken
    # off it, 2 px beyond its end; an underline on the sheet, as long as the shadow but on even paper.
    paper = np.full((480, 640), 120, np.uint8)
    paper[60:360, 100:400] = 180
    labels, pieces, areas = _pieces(paper.shape, {
        1: [(400, 60, 3, 303), (180, 360, 223, 3)],  # the shadow: an L
        2: [(220, 150, 8, 100), (272, 150, 8, 100), (220, 150, 60, 8), (220, 242, 60, 8)],  # a 0, 100 px tall
        3: [(100, 360, 78, 3)],  # the shadow's piece broken off
        4: [(120, 300, 270, 4)],  # an underline
    })
    shadow, zero, broken, underline = pieces
    assert drop_step_lines(paper, labels, pieces, areas) == [zero, underline]
    assert drop_step_lines(paper, labels, pieces, areas, PipelineConfig(step_line_share=None)) == pieces
    # The broken piece alone is shorter than the 0 and no line runs on from it: kept.
    assert drop_step_lines(paper, labels, [zero, broken], areas) == [zero, broken]
    # A 1 written along a hard shadow's edge beside a 4 of its height, on the same step: a digit, kept.
    shaded = np.full((480, 640), 180, np.uint8)
    shaded[:, 300:] = 100
    labels, pieces, areas = _pieces(shaded.shape, {1: [(298, 100, 4, 100)], 2: [(100, 100, 60, 100)]})
    assert drop_step_lines(shaded, labels, pieces, areas) == pieces
    # That 1 alone, or 1.4 times as tall as the 4, is a line along the shadow's edge: dropped; 1.2 times, kept.
    assert drop_step_lines(shaded, labels, pieces[:1], areas) == []
    for height, kept in ((140, 1), (120, 2)):
        labels, pieces, areas = _pieces(shaded.shape, {1: [(298, 100, 4, height)], 2: [(100, 100, 60, 100)]})
        assert drop_step_lines(shaded, labels, pieces, areas) == pieces[2 - kept:]
    # Paper striped by steps every 6 px (a striped cloth the estimate follows): a marker's 1 as tall, 40 px
    # wide, lies by a step all over, but holds too much ink for a line, and is kept; 6 px wide, dropped.
    striped = np.where(np.arange(640) // 6 % 2 == 0, 180, 120).astype(np.uint8)[None].repeat(480, axis=0)
    for width, kept in ((40, 2), (6, 1)):
        labels, pieces, areas = _pieces(striped.shape, {1: [(280, 100, width, 160)], 2: [(100, 100, 60, 100)]})
        assert drop_step_lines(striped, labels, pieces, areas) == pieces[2 - kept:]


@needs_model
def test_the_sheet_edge_filter_reads_no_more_numbers_on_blank_squared_pages(classifier, mnist_path):
    """30 blank ruled and squared pages (seed 8): a grid's line at the frame's edge, read again with paper
    added round the frame, looked like a sheet's edge against that paper; dropped, it no longer made specks
    of its broken pieces, and 13 numbers became 16 (strips in the added paper are not compared now)."""
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(8)
    pages = [make_scene(rng, digits, SceneConfig(rules=1.0), texts=[]).image for _ in range(30)]

    def numbers(config):
        return sum(len(read_frame(page, classifier, config)) for page in pages)
    assert numbers(PipelineConfig()) <= numbers(PipelineConfig(edge_ratio=None))


@needs_model
@needs_realdev
def test_a_real_digit_beside_its_sheets_edges_on_a_table_is_read_alone(classifier):
    """realdev's blue-ink 4 on blue paper, its photo shrunk to 82% of a 640x480 frame, turned 6 degrees,
    on an olive table, under 12 draws of the table's grain: the lines along the sheet's left and right
    edges read as 1s beside it ("41", "141", "411") under 6 of them with `edge_ratio` None."""
    photo = cv2.imread(str(REALDEV / "photos_single" / "svirskyi" / "ts_04.png"))
    frames = [_on_table(photo, 0.819, 5.87, (329, 252), (160, 138, 79), seed) for seed in range(12)]

    def alone(config):
        return sum([n.text for n in read_frame(frame, classifier, config)] == ["4"] for frame in frames)
    assert alone(PipelineConfig()) == 12
    assert alone(PipelineConfig(edge_ratio=None, step_line_share=None)) <= 8


@needs_model
@needs_realdev
def test_real_digits_on_sheets_casting_a_shadow_on_a_table_are_read_alone(classifier):
    """realdev's bold, blue-ink and red-ink singles (30 photos), each shrunk to 30-85% of a 640x480 frame,
    turned 3-8 degrees, on a table of a random colour with a camera's noise, the sheet casting a shadow 40%
    darker than the table beside its right and bottom edges: that shadow's pieces beside the sheet read
    as 1s ("31", "51", "11" for a 4), or its L held the digit in its box and the two were read as one
    blob: 25 of 30 read alone with `step_line_share` None."""
    rng = np.random.default_rng(4)
    frames = []
    for row in realdev_rows("photos_single"):
        if row["set"] == "michaelchu":  # his photos' own shadow ends at their edges, beside a lit table
            continue
        photo = cv2.imread(str(REALDEV / "photos_single" / row["file"]))
        share, degrees = rng.uniform(0.3, 0.85), rng.uniform(3, 8) * rng.choice([-1, 1])
        table = tuple(int(v) for v in rng.integers(40, 160, 3))
        height, width = (share * min(640 / photo.shape[1], 480 / photo.shape[0]) * np.array(photo.shape[:2]))
        centre = (320 + rng.uniform(-0.25, 0.25) * (640 - width), 240 + rng.uniform(-0.25, 0.25) * (480 - height))
        frames.append((_on_table(photo, share, degrees, centre, table, 0, shadow=0.4, noise=2.5), row["label"]))

    def alone(config):
        return sum([n.text for n in read_frame(frame, classifier, config)] == [label] for frame, label in frames)
    assert len(frames) == 30
    assert alone(PipelineConfig()) == 30
    assert alone(PipelineConfig(step_line_share=None)) <= 27


@needs_model
@needs_realdev
def test_real_lines_and_pages(classifier):
    rows = realdev_rows("digit_strings")
    lines = sum([n.text for n in read_frame(cv2.imread(str(REALDEV / "digit_strings" / "lines" / r["line_image"])),
                                             classifier)] == [r["string"]] for r in rows)
    assert lines == 6, f"{lines}/6 lines read exactly"
    for page in sorted({r["page_image"] for r in rows}):
        image = cv2.imread(str(REALDEV / "digit_strings" / "pages" / page))
        assert [n.text for n in read_frame(image, classifier)] == [r["string"] for r in rows
                                                                    if r["page_image"] == page]


@needs_model
@needs_realdev
def test_real_lines_cropped_close_round_their_number(classifier):
    """Each line cropped to the box of the number read in it, with 0-3 px of paper round it: its end digits
    touch the crop's edges."""
    def read(config=None):
        right = 0
        for row in realdev_rows("digit_strings"):
            image = cv2.imread(str(REALDEV / "digit_strings" / "lines" / row["line_image"]))
            x, y, w, h = read_frame(image, classifier)[0].box
            for margin in range(4):
                crop = image[max(0, y - margin):y + h + margin, max(0, x - margin):x + w + margin]
                right += [n.text for n in read_frame(crop, classifier, config or PipelineConfig())] == [row["string"]]
        return right

    right = read()
    assert right >= 20, f"{right}/24"  # the shipped model: 22 (one line's 9s read as 4 and 1 at 0 and 2 px)
    assert right >= read(PipelineConfig(cut_height=None, pad_edge=False)) + 8  # 11: at 0 and 1 px, none


# Half the light left of a slanting edge with a sharp penumbra: a digit or number crossing it, or touching
# the halo along it, used to be dropped with the halo (6/40, 0/6, 4/6). Noise of 12 grey levels: grain
# chained with thin-pen stems into rules, which were erased (36/40, 3/6, 4/6). Turned 10 degrees clockwise:
# the model shipped before read two 1s at 46% and 49%, below min_confidence when it was 0.5 (37/40). The
# sheets' numbers are read exactly, nothing else (None), or at least so many of them.
UNDER = {"a hard shadow": (lambda image: shadowed(image, 0.5, 1 / 150), 35, 4, None),  # shipped model: 39, 5
         "noise": (lambda image: noisy(image, 12.0), 38, 6, None),  # the shipped model: 40, 6
         # 40% light and noise of 12 grey levels: the noise, measured in grey levels, not against the dim
         # paper, left the frame unfiltered, and the ink's levels out of reach (26/40, 3/6, 0 of 6 numbers)
         "a dim room": (lambda image: noisy(dimmed(image, 0.4), 12.0), 38, 6, None),  # the shipped model: 40, 6
         # the shipped model: 38 (a 1 reads 7), 6, and 5 of 6 numbers (a 5 made a speck by the dark
         # strip turned in)
         "turned -10 degrees": (lambda image: turned(image, -10), 38, 6, 5)}


@needs_model
@needs_realdev
@pytest.mark.parametrize("condition", list(UNDER))
def test_real_photos_under_camera_like_changes(classifier, condition):
    change, least_singles, least_lines, least_numbers = UNDER[condition]

    def read(*path):
        return [n.text for n in read_frame(change(cv2.imread(str(REALDEV.joinpath(*path)))), classifier)]

    singles = sum(read("photos_single", row["file"]) == [row["label"]] for row in realdev_rows("photos_single"))
    assert singles >= least_singles, f"{singles}/40"
    rows = realdev_rows("digit_strings")
    lines = sum(read("digit_strings", "lines", r["line_image"]) == [r["string"]] for r in rows)
    assert lines >= least_lines, f"{lines}/6"
    pages = sorted({r["page_image"] for r in rows})
    read_on_pages = [n for page in pages for n in read("digit_strings", "pages", page)]
    if least_numbers is None:
        assert sorted(read_on_pages) == sorted(r["string"] for r in rows)
    else:
        assert sum(r["string"] in read_on_pages for r in rows) >= least_numbers


@needs_model
@needs_realdev
def test_a_digit_joined_to_a_shadows_edge_is_read_whole(classifier):
    """truta's red 6 under the hard shadow is one narrow blob with the shadow's edge beside it. The model
    shipped before 2026-11-24 called it "not one digit" and its cut read "16" but for
    split_piece_not_digit (tested with a stand-in below); read whole, it was a 6 until the model shipped
    2026-11-25 (long tails), which calls the whole "not one digit" too: it reads nothing, not "16"."""
    image = shadowed(cv2.imread(str(REALDEV / "photos_single" / "truta" / "six.png")), 0.5, 1 / 150)
    assert [n.text for n in read_frame(image, classifier)] in (["6"], [])


class EdgeBesideASix:
    """An eleven-output stand-in for a narrow blob, a ring with a bar joined to its side by a thin bridge:
    read whole (the first call) it is "not one digit", a little like a 6; cut, the bar's piece is a 1
    that is "not one digit" with `edge_not_digit`, the ring a sure 6, and any other piece poor."""

    def __init__(self, edge_not_digit):
        self.edge_not_digit, self.calls = edge_not_digit, 0

    def predict(self, crops):
        probabilities = np.full((len(crops), 11), 0.001, np.float32)
        for row, crop in zip(probabilities, crops, strict=True):
            _, _, w, h = cv2.boundingRect(crop)
            if self.calls == 0:
                row[10], row[6] = 0.98, 0.01
            elif w < 0.4 * h:
                row[10], row[1] = self.edge_not_digit, 0.04
            elif w > 0.75 * h:
                row[6] = 0.95
            else:
                row[10], row[2] = 0.9, 0.05
        self.calls += 1
        return probabilities


def _parted(mask, path):
    """Pairs of ink pixels a cut's path parts: side by side across it, and one above the other where it
    steps aside."""
    columns = np.arange(mask.shape[1])
    left = columns < path[:, None]
    beside = (mask[:, :-1] & mask[:, 1:] & left[:, :-1] & ~left[:, 1:]).sum()
    return int(beside + (mask[:-1] & mask[1:] & (left[:-1] != left[1:])).sum())


def test_a_cut_bends_round_the_tip_of_a_bar_reaching_past_its_column():
    h, w = 50, 34
    mask = np.zeros((h, w), bool)
    mask[:, 6:11] = True  # the left digit's stem
    mask[20:28, 6:18] = True  # its bar, 8 rows thick, the tip two columns past the cut's column (16)
    mask[:, 23:28] = True  # the right digit's stem
    mask[45:48, 10:23] = True  # a stroke at the foot joins them
    bent = _cut_paths(mask, [0, 16, w], PipelineConfig())
    straight = _cut_paths(mask, [0, 16, w], PipelineConfig(cut_reach=None))
    assert [p.tolist() for p in straight] == [[0] * h, [16] * h, [w] * h]
    assert bent[0].tolist() == [0] * h and bent[2].tolist() == [w] * h  # the blob's ends stay straight
    assert bent[1][20:28].min() >= 18 and bent[1].max() <= 23  # the bar stays left, the right stem right
    assert _parted(mask, bent[1]) == 3 < _parted(mask, straight[1]) == 11  # only the foot's stroke is cut


def test_cut_paths_part_no_more_ink_than_straight_cuts_and_never_cross():
    rng = np.random.default_rng(3)
    for _ in range(20):
        mask = np.zeros((40, 70), np.uint8)
        for _ in range(6):
            points = rng.integers([0, 0], [70, 40], size=(2, 2))
            cv2.line(mask, tuple(map(int, points[0])), tuple(map(int, points[1])), 1, int(rng.integers(2, 6)))
        mask = mask.astype(bool)
        cuts = [0, *sorted(rng.choice(np.arange(8, 62), 3, replace=False).tolist()), 70]
        bent = _cut_paths(mask, cuts, PipelineConfig())
        assert all((np.abs(np.diff(path)) <= 1).all() for path in bent)  # a column a row at most
        assert all((after >= before).all() for before, after in zip(bent[:-1], bent[1:], strict=True))
        for cut, path in zip(cuts[1:-1], bent[1:-1], strict=True):
            assert np.abs(path - cut).max() <= 4  # cut_reach: 0.1 of 40 rows
            assert _parted(mask, path) <= _parted(mask, np.full(40, cut))


def test_a_cut_s_path_is_the_cheapest_of_every_path_it_may_take(monkeypatch):
    """Checked against every path: each row's pairs of ink side by side across the cut, CUT_STRAY a column
    away from its column, and CUT_BEND and the pair one above the other it parts for each step aside."""
    monkeypatch.setattr("edge_app.vision.segment.CUT_BEND", 0.4)  # cheap, so that paths bend often
    rng = np.random.default_rng(4)
    config = PipelineConfig(cut_reach=0.25)  # 2 columns either way in 9 rows
    steps = np.array(list(itertools.product((-1, 0, 1), repeat=8)))
    every = np.concatenate([np.cumsum(np.column_stack([np.full(len(steps), start), steps]), axis=1)
                            for start in range(4, 9)])
    every = every[((every >= 4) & (every <= 8)).all(axis=1)]  # (paths, rows): the column of each row
    for _ in range(30):
        mask = rng.random((9, 12)) < 0.55
        path = _cut_paths(mask, [0, 6, 12], config)[1]
        assert np.abs(path - 6).max() <= 2
        assert _path_price(mask, path, 6)[0] == pytest.approx(_path_price(mask, every, 6).min())


def _path_price(mask, paths, cut):
    """What _cut_paths prices each of `paths` (rows: the column of each row) at, for a cut at column `cut`."""
    paths = np.atleast_2d(paths)
    rows = np.arange(mask.shape[0])
    beside = (mask[rows, paths - 1] & mask[rows, paths]).sum(axis=1)
    turned = paths[:, 1:] != paths[:, :-1]
    column = np.minimum(paths[:, 1:], paths[:, :-1])
    above = mask[rows[:-1], column] & mask[rows[1:], column] & turned
    return (beside + segment.CUT_STRAY * np.abs(paths - cut).sum(axis=1)
            + segment.CUT_BEND * turned.sum(axis=1) + above.sum(axis=1))


@needs_model
def test_touching_digits_read_better_cut_along_bent_paths(classifier, mnist_path):
    """A straight cut slices the bar or foot of a digit that reaches over its touching neighbour's column;
    a bent one goes round it."""
    lines = _touching_lines(mnist_path, 13)
    right = _read_exactly(classifier, lines)
    assert right >= 38  # the shipped model: 42
    assert right >= _read_exactly(classifier, lines, PipelineConfig(cut_reach=None)) + 3  # 38


def _ring_chain() -> tuple[np.ndarray, Blob]:
    """Labels and blob of seven rings 60 px tall joined in a row by thin bridges, as one blob."""
    mask = np.zeros((60, 330), np.uint8)
    for k in range(7):
        cv2.circle(mask, (25 + 46 * k, 30), 20, 1, 4)
        if k:
            cv2.line(mask, (25 + 46 * k - 26, 30), (25 + 46 * k - 20, 30), 1, 2)
    count, labels = cv2.connectedComponents(mask)
    assert count == 2  # one blob
    return labels, Blob((0, 0, 330, 60), (1,))


def test_a_long_chain_of_touching_digits_may_be_cut_at_every_neck():
    """Seven rings joined in a row by thin bridges: each bridge is a column of least ink, a cut
    to try, however many there are."""
    labels, blob = _ring_chain()
    bridges = [25 + 46 * k - 23 for k in range(1, 7)]

    def cut_at_every_bridge(config):
        cuts = _cut_columns(labels, blob, config)
        return all(min(abs(cut - bridge) for cut in cuts) <= 2 for bridge in bridges)
    assert cut_at_every_bridge(PipelineConfig())
    assert not cut_at_every_bridge(PipelineConfig(max_cuts=4))  # four minima and the even shares miss some


def test_runs_of_pieces_up_to_max_segment_aspect_heights_wide_may_be_one_digit():
    """A blob's runs of pieces between cuts are read as one digit up to max_segment_aspect of its heights
    wide, wider than max_digit_aspect: a digit that wide is penalised, not left unread."""
    labels, blob = _ring_chain()

    def widest(config):
        cuts = _cut_columns(labels, blob, config)
        return max(box[2] for _, _, box, _ in _segments(labels, blob, cuts, config))
    config = PipelineConfig()
    assert config.max_digit_aspect * 60 < widest(config) <= config.max_segment_aspect * 60
    assert widest(PipelineConfig(max_segment_aspect=config.max_digit_aspect)) <= config.max_digit_aspect * 60


@needs_model
def test_a_2_with_a_long_foot_touching_a_5_is_cut_from_it(classifier, mnist_path):
    """A tailed line (every 4, 7 and 9 with a long tail) where a 5 touches a 2 whose foot reaches 1.45 of
    its height: with runs of pieces only max_digit_aspect of the blob's height wide, the 2 could not be
    one, and "52" read whole as a "2"."""
    rng = np.random.default_rng(2)
    digits = DigitSource.find(str(mnist_path))
    line = [make_line(rng, digits, SceneConfig(descenders=1.0)) for _ in range(149)][148]
    assert line.texts == ["525752"]
    assert [n.text for n in read_frame(line.image, classifier)] == ["525752"]
    narrow = PipelineConfig(max_segment_aspect=PipelineConfig().max_digit_aspect)
    assert [n.text for n in read_frame(line.image, classifier, narrow)] == ["52572"]


@needs_model
def test_lines_of_touching_digits_read_better_cut_at_every_column_of_least_ink(classifier, mnist_path):
    lines = _touching_lines(mnist_path, 14)
    right = _read_exactly(classifier, lines)
    assert right >= 44  # the shipped model: 47
    assert right >= _read_exactly(classifier, lines, PipelineConfig(max_cuts=4)) + 3  # 41


def test_the_grouping_s_plain_python_medians_and_slopes_are_numpy_s_and_statistics_s():
    """_median_of_few and _fitted_slope stand in for statistics.median and np.polyfit, a few thousand calls
    a frame: the same medians, and slopes within rounding."""
    rng = np.random.default_rng(3)
    for size in range(1, 8):
        values = rng.uniform(-50, 500, size).tolist()
        assert _median_of_few(values) == statistics.median(values)
    for size in range(2, 14):
        x, y = rng.uniform(0, 640, size).tolist(), rng.uniform(0, 480, size).tolist()
        assert _fitted_slope(x, y) == pytest.approx(np.polyfit(x, y, 1)[0], rel=1e-9, abs=1e-12)
    assert _fitted_slope([0.0, 100.0, 200.0], [10.0, 15.0, 20.0]) == pytest.approx(0.05)


@needs_model
def test_runs_that_cannot_read_better_are_not_read_and_the_readings_are_as_if_all_were(classifier, mnist_path,
                                                                                       monkeypatch):
    """Lines of touching digits read the same, digit for digit, confidence for confidence, whether the runs
    of pieces that no path through could make read better are left unread or every run is read; far fewer
    crops are read."""
    lines = _touching_lines(mnist_path, 14, 30)
    counting = CountingClassifier(classifier)
    pruned = [read_frame(line.image, counting) for line in lines]
    fewer = counting.crops

    def every_run(index, box, count, runs, rows, probabilities, kind, config):
        return [k for k, (first, last, _, _) in enumerate(runs) if k not in rows and kind(first, last, count)]
    monkeypatch.setattr("edge_app.vision.segment._worth_reading", every_run)
    counting = CountingClassifier(classifier)
    assert [read_frame(line.image, counting) for line in lines] == pruned
    assert fewer < 0.8 * counting.crops  # the shipped model: 1,039 of 1,363 (never reading inner runs: 12
    # of the 30 lines read otherwise)


def test_worth_reading_leaves_the_runs_no_path_through_could_make_read_better():
    """Runs between cuts 0, 1, 2, 3 of a blob 75 px wide and 60 tall, each 25 px wide; a run scores its
    log-probability less split_margin (1.0). The whole blob (row 0) read at 0.5 scores -1.69: a cut path,
    two runs at least, scores under -2, so no run is read. Read at 0.1, -3.3: the end runs are worth
    reading; then the inner one only if a path of three runs through it may still read as well."""
    runs = [(first, last, (25 * first, 0, 25 * (last - first), 60), None)
            for first, last in [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3)]]
    ends, inner = RUN_KINDS

    def worth(rows, read, kind):
        probabilities = np.zeros((len(read), 10), np.float32)  # row 0 the whole blob, then the runs read
        probabilities[:, 0] = read
        return _worth_reading(0, (0, 0, 75, 60), 4, runs, rows, probabilities, kind, PipelineConfig())
    assert worth({}, [0.5], ends) == []
    assert worth({}, [0.1], ends) == [0, 1, 3, 4]
    # (0, 2) and (2, 3) read at 0.99, -2.02 together; (0, 1) and (1, 3) at 0.9: a path through the inner
    # run scores -3.1 at most
    assert worth({0: 1, 1: 2, 3: 3, 4: 4}, [0.1, 0.9, 0.99, 0.9, 0.99], inner) == []
    # ... (0, 2) and (1, 3) read at 0.3, -3.2 at best with the others; (0, 1) and (2, 3) read sure: a path
    # through the inner run may make -3.0
    assert worth({0: 1, 1: 2, 3: 3, 4: 4}, [0.1, 0.99, 0.3, 0.3, 0.99], inner) == [2]


def test_a_narrow_blob_is_cut_only_into_pieces_that_are_digits():
    frame = np.full((240, 320), 230, np.uint8)
    cv2.line(frame, (88, 60), (88, 172), 40, 6)  # the edge
    cv2.line(frame, (88, 150), (106, 150), 40, 2)  # the bridge
    cv2.circle(frame, (135, 140), 30, 40, 6)  # the 6's ring
    once = PipelineConfig(recheck=None)  # each crop read once: the stand-in answers by its call

    def read(edge_not_digit, config=once):
        return [n.text for n in read_frame(frame, EdgeBesideASix(edge_not_digit), config)]

    assert read(0.95) == ["6"]  # the edge's piece is "not one digit" at 90% or more: read whole
    assert read(0.95, dataclasses.replace(once, split_piece_not_digit=math.inf)) == ["16"]
    assert read(0.85) == ["16"]  # under 90%: the cut stands


def test_pipeline_config_is_frozen():
    with pytest.raises(AttributeError):
        PipelineConfig().min_confidence = 0.1


def tight_crop(image, margin):
    return cv2.copyMakeBorder(crop_to_ink(image), margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=0)


@needs_model
def test_a_tight_crop_with_a_loose_speck_inside_is_read_whole(classifier, mnist):
    """A scan cropped to the ink: the border cuts the 6 and a speck of its ink lies loose inside.
    The speck is tiny beside the cut stroke, so the crop is read again with paper around it."""
    (_, _), (x_test, y_test) = mnist
    assert y_test[22] == 6
    assert [n.text for n in read_frame(255 - tight_crop(x_test[22], 0), classifier)] == ["6"]


@needs_model
@pytest.mark.parametrize("name, make", [
    ("28x28 as MNIST", lambda image: image),
    ("cropped to the ink", lambda image: tight_crop(image, 0)),
    ("enlarged 4 times", lambda image: cv2.resize(image, (112, 112))),
])
def test_scanned_digits_dark_on_white(classifier, mnist, name, make):
    """Scans of single digits, as other collections (postal codes, forms) hold them: dark on white, cropped."""
    (_, _), (x_test, y_test) = mnist
    right = _scans_read_exactly(classifier, [255 - make(image) for image in x_test[:300]], y_test[:300])
    assert right >= 291, f"{name}: {right}/300"  # 97%; the shipped model reads 298-300; issue 4 aims at 98%


def test_dark_ground_is_light_ink_on_a_dark_frame_not_dark_ink_on_paper():
    config = PipelineConfig()
    board = np.full((480, 640), 45, np.uint8)  # a camera's frame
    cv2.putText(board, "47", (100, 350), cv2.FONT_HERSHEY_SIMPLEX, 9, 215, 20)
    board = cv2.add(board, np.random.default_rng(0).normal(0, 4, board.shape).clip(0, 40).astype(np.uint8))
    reach = _dark_ground(board, None, config)
    assert reach is not None and 0 < reach < config.light_strokes  # strokes 20 px wide
    assert _dark_ground(cv2.cvtColor(board, cv2.COLOR_GRAY2BGR), None, config) == reach
    assert _dark_ground(255 - board, None, config) is None  # dark ink on paper
    half = np.hstack([255 - board, board])  # a page beside a board: its region of interest decides
    assert _dark_ground(half, (640, 0, 640, 480), config) == reach
    assert _dark_ground(half, (0, 0, 640, 480), config) is None
    desk = np.full((480, 640), 50, np.uint8)
    desk[150:330, 220:500] = 230  # a note on a dark desk: light, and broad
    cv2.putText(desk, "3", (300, 300), cv2.FONT_HERSHEY_SIMPLEX, 5, 40, 12)
    assert _dark_ground(desk, None, config) >= config.light_strokes
    # No desk round a scan, a drawing or a crop: its light is ink, however broad.
    assert _dark_ground(cv2.resize(desk, (320, 240)), None, config) == 0.0
    mnist_like = np.zeros((28, 28), np.uint8)
    mnist_like[4:24, 13:16] = 255  # a thin 1, white on black: its ink under 10% of the frame
    assert _dark_ground(mnist_like, None, config) == 0.0 and _dark_ground(255 - mnist_like, None, config) is None
    for blank in (np.zeros((480, 640), np.uint8), np.full((480, 640), 255, np.uint8), np.zeros((0, 0), np.uint8)):
        assert _dark_ground(blank, None, config) is None
    assert _dark_ground(board, None, PipelineConfig(dark_ground=1e9)) is None


@needs_model
def test_digits_white_on_black_are_read_with_their_grey_levels_inverted(classifier, mnist):
    """MNIST's own images, white on black, as a drawing or another data set may hold digits."""
    (_, _), (x_test, y_test) = mnist
    right = _scans_read_exactly(classifier, x_test[:100], y_test[:100])
    as_dark_ink = _scans_read_exactly(classifier, x_test[:100], y_test[:100], PipelineConfig(dark_ground=None))
    assert right >= 96 and as_dark_ink <= 5, (right, as_dark_ink)  # 99 and 0


@needs_model
def test_chalk_on_a_blackboard_is_read(classifier, mnist_path):
    """The generator's blackboards (SceneConfig(chalk=1.0)): light, dusty strokes on a dark board, shaded
    as paper is. Taken as dark ink, the board between the strokes was read."""
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(300)
    photos = [make_single_digit(rng, digits, config=SceneConfig(chalk=1.0)) for _ in range(40)]
    right = _read_exactly(classifier, photos)
    as_dark_ink = _read_exactly(classifier, photos, PipelineConfig(dark_ground=None))
    assert right >= 35 and as_dark_ink <= 6, (right, as_dark_ink)  # 37 and 2
    sheet = make_scene(np.random.default_rng(301), digits, SceneConfig(chalk=1.0))
    assert [n.text for n in read_frame(sheet.image, classifier)] == sheet.texts == ["12433"]


def _on_dark_desk(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A photo shrunk to 30-55% and laid on a dark, grainy desk: a note photographed from further away."""
    h, w = image.shape[:2]
    scale = rng.uniform(0.3, 0.55)
    note = cv2.resize(image, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
    grain = cv2.GaussianBlur(rng.normal(0, 1, (h, w)), (0, 0), 2)[..., None] * rng.uniform(4, 15)
    desk = np.clip(rng.uniform(25, 90, 3) + grain, 0, 255).astype(np.uint8)
    y, x = int(rng.uniform(0, h - note.shape[0])), int(rng.uniform(0, w - note.shape[1]))
    desk[y:y + note.shape[0], x:x + note.shape[1]] = note
    return desk


@needs_model
def test_a_note_on_a_dark_desk_is_read_as_dark_ink_though_the_frame_is_mostly_dark(classifier, mnist_path):
    """The desk is the frame's median and the note its light tail, so it may be light ink on a dark ground
    (_dark_ground); read inverted, the note is one dark blob, and the reading of its digits is kept."""
    digits = DigitSource.find(str(mnist_path))
    rng = np.random.default_rng(12)
    notes = [_on_dark_desk(make_single_digit(rng, digits).image, rng) for _ in range(20)]
    config = PipelineConfig()
    assert all(_dark_ground(note, None, config) is not None for note in notes)
    read = [[n.text for n in read_frame(note, classifier)] for note in notes]
    as_dark_ink = [[n.text for n in read_frame(note, classifier, PipelineConfig(dark_ground=None))] for note in notes]
    assert sum(a == b for a, b in zip(read, as_dark_ink, strict=True)) >= 19, (read, as_dark_ink)


@needs_model
def test_small_scans_enlarged_in_blocks_are_read_as_tight_crops(classifier, mnist):
    """16x16 scans (USPS's size) shown 4 times larger in square blocks: the digit fills the frame and its
    strokes are a tenth of it thick, so the piece the border cuts fills more than half its box. Taken as a
    stroke (max_stroke_fill 0.7), it dwarfs the specks inside and the frame is read again with paper round
    it; taken as solid, as a scan's dark margin is (0.5), a speck was all that was read."""
    (_, _), (x_test, y_test) = mnist
    scans = [small_scan(image) for image in x_test[:100]]
    assert scans[0].shape == (64, 64) and np.array_equal(scans[0], np.kron(scans[0][::4, ::4], np.ones((4, 4))))
    # As shown, filling the frame (the scans are read now as the 16x16 scans they were, _unblocked, with paper
    # added round them before they are enlarged, scan_margin: below).
    as_shown = PipelineConfig(block_side=None, scan_margin=None)
    right = _scans_read_exactly(classifier, scans, y_test[:100], as_shown)
    # The sheet-edge filter drops some of the lines a solid margin leaves: 99 with it, 98 without.
    solid = _scans_read_exactly(classifier, scans, y_test[:100],
                                dataclasses.replace(as_shown, max_stroke_fill=0.5, edge_ratio=None))
    assert right >= 99 and right >= solid + 2, (right, solid)  # 100 and 98
    assert _scans_read_exactly(classifier, scans, y_test[:100]) >= 99


@needs_model
def test_large_scans_filling_the_frame_are_read_with_the_small_kernel(classifier, mnist):
    """A 16x16 scan enlarged smoothly to 300 px is no small image, but its strokes are a tenth of the frame
    wide, wider than the camera's kernel: on paper as even as a scan's (flat_paper) the small kernel holds
    them, as it does in the same scan shown at 255 px."""
    (_, _), (x_test, y_test) = mnist
    scans = [cv2.resize(small_scan(image, enlarge=1), (300, 300), interpolation=cv2.INTER_LINEAR)
             for image in x_test[:60]]
    right = _scans_read_exactly(classifier, scans, y_test[:60])
    camera_kernel = _scans_read_exactly(classifier, scans, y_test[:60], PipelineConfig(flat_paper=None))
    assert right >= 57 and right >= camera_kernel + 3, (right, camera_kernel)  # 60 and 54


def test_flat_paper_is_a_scan_s_even_paper_not_a_photo_s():
    config = PipelineConfig()
    scan = np.full((300, 300), 255, np.uint8)
    cv2.putText(scan, "8", (40, 270), cv2.FONT_HERSHEY_SIMPLEX, 10, 0, 30)
    assert _flat_paper(scan, config)
    assert not _flat_paper(shadow_scene(STROKES), config)  # lit unevenly, with grain
    grain = np.random.default_rng(0).normal(0, 3, scan.shape)
    assert not _flat_paper(np.clip(scan * 0.8 + grain, 0, 255).astype(np.uint8), config)  # over many levels
    assert _flat_paper(np.clip(scan + grain, 0, 255).astype(np.uint8), config)  # paper overexposed to white
    # A glare washing a third of a board out to white, the rest of it lit unevenly: no scan.
    board = np.clip(np.linspace(180, 240, 300)[None, :] + grain, 0, 255)
    board[:, 200:] = 255
    assert np.count_nonzero(board == 255) > 0.3 * board.size and not _flat_paper(board.astype(np.uint8), config)
    assert _flat_paper(board.astype(np.uint8), dataclasses.replace(config, flat_clipped=0.3))


def test_unblocked_finds_a_scan_enlarged_in_square_blocks():
    config = PipelineConfig()
    small = np.random.default_rng(0).integers(0, 256, (8, 8)).astype(np.uint8)
    zoomed = cv2.resize(small, (32, 32), interpolation=cv2.INTER_NEAREST)
    shown = cv2.copyMakeBorder(zoomed, 3, 5, 6, 2, cv2.BORDER_CONSTANT, value=255)  # paper of 3, 5, 6, 2 px
    image, side, corner = _unblocked(shown, config)
    # A pixel for each block, the paper's cut ones too: 2 (cut) + 1 columns left of the digit, 1 (cut) right;
    # 1 (cut) row above, 1 and 1 (cut) below. The first pixel's block would start 2 columns left of the image.
    assert side == 4 and corner == (-2, -1) and image.shape == (11, 11)
    assert np.array_equal(image[1:9, 2:10], small) and np.all(image[:, :2] == 255) and np.all(image[9:] == 255)
    assert np.array_equal(_unblocked(zoomed, config)[0], small) and _unblocked(zoomed, config)[1:] == (4, (0, 0))
    for size in (20, 28, 61):  # zooms by factors that are not whole, as OpenCV and Pillow make them
        for how in (cv2.INTER_NEAREST, cv2.INTER_NEAREST_EXACT):
            image, factor, corner = _unblocked(cv2.resize(small, (size, size), interpolation=how), config)
            assert np.array_equal(image, small) and factor == size / 8 and corner == (0, 0)
    frame = np.random.default_rng(1).integers(0, 256, (480, 640)).astype(np.uint8)  # a camera's grain
    assert _unblocked(frame, config) == (frame, 1, (0, 0))
    bar = np.full((300, 300), 255, np.uint8)
    bar[40:260, 120:160] = 0  # a flat bar: two steps each way, 40 and 220 px apart
    assert _unblocked(bar, config)[1] == 1
    assert _unblocked(cv2.resize(small, (16, 16), interpolation=cv2.INTER_NEAREST), config)[1] == 2
    assert _unblocked(zoomed, dataclasses.replace(config, block_side=9))[1] == 1  # 8 px shrunk: under 9
    assert _unblocked(zoomed, dataclasses.replace(config, block_side=None))[1] == 1


@needs_model
def test_a_small_scan_enlarged_in_blocks_is_read_as_the_scan_it_was(classifier, mnist):
    """MNIST digits as 8x8 scans (optdigits' size) shown 4 times larger in square blocks, or at 28x28: enlarged
    again smoothly, their blocks are staircases. Read as the 8x8 scans they were (_unblocked), each reads as
    the 8x8 scan does, its boxes as much larger (to a block: each is rounded to whole pixels of its frame)."""
    (_, _), (x_test, y_test) = mnist
    small = [small_scan(image, side=8, enlarge=1) for image in x_test[:200]]
    shown = [small_scan(image, side=8, enlarge=4) for image in x_test[:200]]
    for scan, zoomed in zip(small[:20], shown[:20], strict=True):
        as_scan, as_zoomed = read_frame(scan, classifier), read_frame(zoomed, classifier)
        assert [n.text for n in as_zoomed] == [n.text for n in as_scan]
        assert all(abs(a - 4 * b) <= 4 for n, m in zip(as_zoomed, as_scan, strict=True)
                   for a, b in zip(n.box, m.box, strict=True))
    # Zoomed to 28x28 (blocks of 3 and 4 pixels) by OpenCV's nearest neighbour: read as the 8x8 scan too.
    zoomed = [cv2.resize(scan, (28, 28), interpolation=cv2.INTER_NEAREST) for scan in small]
    for scan, image in zip(small[:20], zoomed[:20], strict=True):
        assert [n.text for n in read_frame(image, classifier)] == [n.text for n in read_frame(scan, classifier)]
    for images in (shown, zoomed):  # the shipped model: 197 and 183, 197 and 181
        right = _scans_read_exactly(classifier, images, y_test[:200])
        as_shown = _scans_read_exactly(classifier, images, y_test[:200], PipelineConfig(block_side=None))
        assert right >= 190 and right >= as_shown + 8, (right, as_shown)


@needs_model
def test_a_small_scan_gets_paper_round_it_before_it_is_enlarged(classifier, mnist):
    """MNIST digits as 8x8 scans, the digit filling the field: enlarged as they are, strokes that reach the
    edge are carried on past it, and the digit is read as one the border cuts. With an eighth of the scan's
    side of its paper round it first (scan_margin), they are rounded off there as elsewhere."""
    (_, _), (x_test, y_test) = mnist
    scans = [small_scan(image, side=8, enlarge=1) for image in x_test[:200]]
    right = _scans_read_exactly(classifier, scans, y_test[:200])
    bare = _scans_read_exactly(classifier, scans, y_test[:200], PipelineConfig(scan_margin=None))
    assert right >= 190 and right >= bare + 5, (right, bare)  # 197 and 188


def coarse_scan(image: np.ndarray, side: int) -> np.ndarray:
    """An MNIST digit as UCI's optdigits holds its digits (32x32 bitmaps with 4x4 blocks counted into 8x8),
    enlarged again to `side` pixels, dark on white: thick, soft strokes that fill the frame."""
    bitmap = cv2.copyMakeBorder(image, 2, 2, 2, 2, cv2.BORDER_CONSTANT, value=0) > 127
    counts = bitmap.reshape(8, 4, 8, 4).sum(axis=(1, 3)).astype(np.float32) * (255 / 16)
    return 255 - cv2.resize(counts, (side, side), interpolation=cv2.INTER_CUBIC).clip(0, 255).astype(np.uint8)


def in_a_form_box(image: np.ndarray, scale: int = 3, gap: int = 2) -> np.ndarray:
    """An MNIST digit enlarged `scale` times, dark on white, with `gap` px of paper round its 28x28 frame and a
    printed box 2 px thick along the middle of that (a form's box drawn close round it), 10 px of paper outside."""
    digit = 255 - cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    side = digit.shape[0] + 2 * gap
    form = np.full((side, side), 255, np.uint8)
    form[gap:gap + digit.shape[0], gap:gap + digit.shape[1]] = digit
    cv2.rectangle(form, (gap // 2, gap // 2), (side - gap // 2 - 1, side - gap // 2 - 1), 0, 2)
    return cv2.copyMakeBorder(form, 10, 10, 10, 10, cv2.BORDER_CONSTANT, value=255)


@needs_model
def test_scans_of_digits_in_a_form_s_box_are_read_without_the_box(classifier, mnist):
    """A box drawn close round a digit is a frame (drop_frames) only when the digit is clear of its sides
    by frame_margin of its size; the legs of 7s and 9s end closer than 5% of it to a form's box."""
    (_, _), (x_test, y_test) = mnist

    scans, labels = [in_a_form_box(image) for image in x_test[1000:1100]], y_test[1000:1100]
    # As the box runs along the frame's edge (no paper added round a small scan before it is enlarged): with
    # the paper (scan_margin) the box is clear of the edge and read as a frame either way, 98 and 98.
    edge = PipelineConfig(scan_margin=None)
    close = _scans_read_exactly(classifier, scans, labels, edge)
    wide = _scans_read_exactly(classifier, scans, labels, dataclasses.replace(edge, frame_margin=0.05))
    # The shipped model: 97 and 92 (of the first 500 test digits, 492 and 466; 98 of these 100 without a box).
    assert close >= 94 and close >= wide + 3
    assert _scans_read_exactly(classifier, scans, labels) >= close


@needs_model
def test_coarse_scans_with_thick_strokes_are_not_hollowed(classifier, mnist):
    """A stroke wider than the paper estimate's closing kernel is taken for paper and comes out as its
    outline. In a small image about as wide as tall, one digit fills the frame and its strokes are a
    large share of it, so the kernel is a quarter of the side there instead of a twelfth."""
    (_, _), (x_test, y_test) = mnist

    scans, labels = [coarse_scan(image, 32) for image in x_test[:100]], y_test[:100]
    wide = _scans_read_exactly(classifier, scans, labels)
    narrow = _scans_read_exactly(classifier, scans, labels, PipelineConfig(small_kernel=None))
    # The shipped model: 75 and 11 (the classifier reads 82 given its preprocessing directly).
    assert wide >= 70 and wide >= narrow + 40
