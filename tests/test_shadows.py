"""Shadows: a shadow's tip taken out, alone or joined to a digit, and a pen's shadow across the page."""

import cv2
import numpy as np
from conftest import needs_model
from pipeline_helpers import _numbers_read, shadow_scene

from edge_app.pipeline import PipelineConfig, find_blobs
from edge_app.scenes import DigitSource, SceneConfig, make_scene
from edge_app.vision.shadows import drop_shadows, without_bands


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
