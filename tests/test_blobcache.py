"""Readings reused across video frames: only for blobs still as they were, and never for long."""

import cv2
import numpy as np
import pytest
from conftest import INT8, CountingClassifier

from edge_app.blobcache import BlobCache
from edge_app.pipeline import read_frame
from edge_app.scenes import make_scene, shake

BOX = (40, 30, 30, 50)


def page_with_bar(left=50):
    page = np.full((120, 160), 250, np.uint8)
    cv2.line(page, (left, 35), (left + 5, 75), 20, 6)
    return page


def test_a_blob_found_again_slightly_moved_takes_its_reading():
    cache = BlobCache()
    cache.next_frame()
    assert cache.find(page_with_bar(), BOX) is None
    cache.keep(page_with_bar(), BOX, "seven")
    cache.next_frame()
    moved = (41, 29, 30, 51)
    assert cache.find(page_with_bar(51), moved) == (BOX, "seven")
    cache.next_frame()  # still there in the frame after: it was found, so it was kept
    assert cache.find(page_with_bar(51), moved) == (BOX, "seven")


def test_a_changed_or_moved_blob_is_read_again():
    cache = BlobCache()
    cache.next_frame()
    cache.keep(page_with_bar(), BOX, "one")
    cache.next_frame()
    crossed = page_with_bar()
    cv2.line(crossed, (42, 50), (68, 50), 20, 4)  # a bar across the same box: a 1 become a 7
    assert cache.find(crossed, BOX) is None
    assert cache.find(page_with_bar(60), (50, 30, 30, 50)) is None  # ten pixels to the right


def test_a_reading_is_reused_for_at_most_max_age_frames_and_only_while_seen():
    cache = BlobCache(max_age=3)
    cache.next_frame()
    cache.keep(page_with_bar(), BOX, "one")
    for _ in range(2):
        cache.next_frame()
        assert cache.find(page_with_bar(), BOX) is not None
    cache.next_frame()
    assert cache.find(page_with_bar(), BOX) is None  # three frames old: read again
    cache.keep(page_with_bar(), BOX, "one")
    cache.next_frame()
    cache.next_frame()  # a frame without it
    assert cache.find(page_with_bar(), BOX) is None


def shaken_video(photo, classifier, frames=6):
    """A photo as a steady camera's video, shaken by a pixel or so a frame, read with one blob cache:
    (the numbers read, the crops classified) per frame."""
    counting, cache = CountingClassifier(classifier), BlobCache()
    read = []
    for dx, dy in np.random.default_rng(0).normal(0, 1.0, (frames, 2)):
        before = counting.crops
        read.append(([n.text for n in read_frame(shake(photo, dx, dy), counting, cache=cache)],
                     counting.crops - before))
    return read


@pytest.mark.skipif(not INT8.is_file(), reason="no shipped model yet: run `make models`")
def test_video_of_a_steady_page_reads_the_same_with_far_fewer_crops_classified():
    from edge_app.classifier import Classifier
    scene = make_scene(np.random.default_rng(4))
    rng = np.random.default_rng(0)
    frames = [shake(scene.image, dx, dy) for dx, dy in rng.normal(0, 1.0, (10, 2))]
    fresh, cached = CountingClassifier(Classifier(INT8)), CountingClassifier(Classifier(INT8))
    cache = BlobCache()
    plain = [[n.text for n in read_frame(frame, fresh)] for frame in frames]
    reused = [[n.text for n in read_frame(frame, cached, cache=cache)] for frame in frames]
    assert plain[0] and reused[0] == plain[0]  # the first frame is read in full either way
    agree = sum(a == b for a, b in zip(plain, reused, strict=True))
    assert agree >= 8, (plain, reused)  # where a shaken frame is read differently, the cache may keep the first
    assert cached.crops < 0.4 * fresh.crops, (cached.crops, fresh.crops)
    other = make_scene(np.random.default_rng(5))  # a new page in front of the camera is read in full
    assert [n.text for n in read_frame(other.image, cached, cache=cache)] == \
        [n.text for n in read_frame(other.image, fresh)]


def test_the_turned_cache_keeps_its_angle_while_the_slope_barely_moves():
    cache = BlobCache()
    child, angle = cache.turned(24.6)
    assert angle == 24.6 and cache.turned(25.3) == (child, 24.6)  # within a degree: turned as before
    assert cache.turned(26.0)[1] == 26.0  # more: the page moved
    cache.next_frame()
    assert child.frame == cache.frame  # kept in step


@pytest.mark.skipif(not INT8.is_file(), reason="no shipped model yet: run `make models`")
def test_video_of_a_page_held_askew_is_read_turned_level_as_a_still_image_is():
    from edge_app.changes import turned
    from edge_app.classifier import Classifier
    from edge_app.pipeline import PipelineConfig
    classifier = Classifier(INT8)
    unlevelled = PipelineConfig(level_angle=None)
    photos = [turned(make_scene(rng).image, 25) for rng in [np.random.default_rng(4)] for _ in range(12)]
    page = next(photo for photo in photos  # the first page that reads otherwise turned level (the fourth)
                if read_frame(photo, classifier) != read_frame(photo, classifier, unlevelled))
    still = [n.text for n in read_frame(page, classifier)]
    video = shaken_video(page, classifier)
    assert video[0][0] == still and sum(v[0] == still for v in video) >= 5, (still, video)
    assert max(crops for _, crops in video[1:]) < 0.3 * video[0][1], video  # both readings reused


def test_the_cache_of_a_frame_filling_digit_s_second_reading_holds_only_while_it_is_read_frame_by_frame():
    cache = BlobCache()
    cache.next_frame()
    first = cache.filled()
    cache.next_frame()
    assert cache.filled() is first  # read in the frame before: the same cache
    cache.next_frame()
    cache.next_frame()  # a frame without that reading
    assert cache.filled() is not first
    narrowed = cache.narrowed()  # the same reading once more with a narrower kernel: a cache of its own
    assert narrowed is not cache.filled()
    cache.next_frame()
    assert cache.narrowed() is narrowed


def test_video_of_a_digit_filling_the_frame_reuses_its_second_reading(monkeypatch):
    """A frame one thick digit fills is read again shrunk (pipeline._filled_frame): in video that reading
    has a blob cache of its own, as the first has."""
    from edge_app.classifier import Classifier
    from edge_app.scenes import DigitSource, fill_frame, make_single_digit
    classifier = Classifier(INT8)
    rng = np.random.default_rng(600)
    scenes = [make_single_digit(rng, DigitSource.find(None)) for _ in range(12)]  # the stroke font
    photo = fill_frame(scenes[11], margin=0.1, side=600, square=True).image  # an 8 read in 42 crops
    made = BlobCache.filled
    requests = []

    def counted(cache):
        requests.append(cache.frame)
        return made(cache)
    monkeypatch.setattr(BlobCache, "filled", counted)
    cached = shaken_video(photo, classifier)
    assert len(requests) == 6 and all(text == ["8"] for text, _ in cached), cached  # read again every frame
    assert max(crops for _, crops in cached[1:]) < 0.3 * cached[0][1], cached
    monkeypatch.setattr(BlobCache, "filled", lambda cache: BlobCache())  # a fresh cache every frame
    assert min(crops for _, crops in shaken_video(photo, classifier)[1:]) >= 0.5 * cached[0][1]


def test_the_paper_estimate_is_reused_while_the_frame_looks_the_same_and_never_for_long():
    from edge_app.blobcache import PAPER_AGE
    scene = make_scene(np.random.default_rng(4))
    grey = cv2.cvtColor(scene.image, cv2.COLOR_BGR2GRAY)
    made = []

    def estimate():
        made.append(cache.frame)
        return (np.zeros_like(grey), len(made))
    cache = BlobCache()
    cache.next_frame()
    first = cache.paper(grey, estimate)
    cache.next_frame()
    assert cache.paper(shake(grey, 0.5, -0.5), estimate) is first  # shaken by half a pixel: the same paper
    cache.next_frame()
    dimmed = (grey * 0.9).astype(np.uint8)  # the light changed
    assert cache.paper(dimmed, estimate) is not first and made == [1, 3]
    for _ in range(PAPER_AGE):
        cache.next_frame()
        cache.paper(dimmed, estimate)
    assert made == [1, 3, 3 + PAPER_AGE]  # made again PAPER_AGE frames on, however steady the frame
    cache.next_frame()
    covered = dimmed.copy()
    covered[100:300, 200:500] = 40  # a hand over a fifth of the page
    assert cache.paper(covered, estimate)[1] == 4
    cache.next_frame()
    assert cache.paper(covered[:, :400], estimate)[1] == 5  # another size: made anew


@pytest.mark.skipif(not INT8.is_file(), reason="no shipped model yet: run `make models`")
def test_video_of_a_steady_page_reads_as_with_its_paper_estimated_every_frame(monkeypatch):
    from edge_app import blobcache
    from edge_app.classifier import Classifier
    classifier = Classifier(INT8)
    photo = make_scene(np.random.default_rng(6)).image
    reused = shaken_video(photo, classifier, frames=8)
    monkeypatch.setattr(blobcache, "PAPER_AGE", 1)  # a new estimate every frame
    fresh = shaken_video(photo, classifier, frames=8)
    assert reused[0][0] and [text for text, _ in reused] == [text for text, _ in fresh]


@pytest.mark.skipif(not INT8.is_file(), reason="no shipped model yet: run `make models`")
def test_video_of_a_blackboard_is_read_inverted_with_a_cache_of_its_own(monkeypatch):
    """Chalk on a board is read with the frame's grey levels inverted (pipeline.read_frame): in video that
    reading has a blob cache of its own (BlobCache.inverted), as a frame read again shrunk has."""
    from edge_app.classifier import Classifier
    from edge_app.scenes import SceneConfig
    classifier = Classifier(INT8)
    photo = make_scene(np.random.default_rng(6), config=SceneConfig(chalk=1.0)).image  # the stroke font
    cached = shaken_video(photo, classifier, frames=8)
    read = [text for text, _ in cached]
    assert read[0] and all(text == read[0] for text in read), read
    assert max(crops for _, crops in cached[1:]) < 0.4 * cached[0][1], cached
    monkeypatch.setattr(BlobCache, "inverted", lambda cache: BlobCache())  # a fresh cache every frame
    fresh = shaken_video(photo, classifier, frames=8)
    # where a shaken frame reads a digit otherwise, the cache keeps the first reading
    assert sum(text == first for (text, _), first in zip(fresh, read, strict=True)) >= 6, (fresh, read)
    assert min(crops for _, crops in fresh[1:]) >= 0.5 * cached[0][1], fresh
