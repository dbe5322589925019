"""The paper's estimate and its grain, the threshold and the ink it finds."""

import dataclasses

import cv2
import numpy as np
import pytest
from conftest import needs_model

from edge_app.changes import noisy, turned
from edge_app.pipeline import PipelineConfig, _add_paper, find_blobs, read_frame
from edge_app.scenes import DigitSource, SceneConfig, make_line, make_scene, make_single_digit
from edge_app.vision.boxes import _touches_border
from edge_app.vision.ink import _ink_levels, _on_step, find_ink, threshold
from edge_app.vision.paper import (
    _grain,
    close_ellipse,
    denoise,
    divide_paper,
    even_illumination,
    paper_estimate,
    to_grey,
)


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
