"""Real photos (../shared/data/realdev), as they are and under camera-like changes."""

import cv2
import pytest
from conftest import REALDEV, needs_model
from pipeline_helpers import needs_realdev, realdev_rows

from edge_app.changes import dimmed, noisy, shadowed, turned
from edge_app.pipeline import PipelineConfig, read_frame


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
    to 4 px, and shrunk to 250 and 300 px: its stem, 95% of the crop's height, is found as a lone rule down
    it; erased, and it read "61". As dark as the hook beside it, it is kept (`rule_lone_dark`): 30 of 30, 17
    without. (Before each rule's band was drawn where it lies, the band left pieces of the stem, which
    `join_stem` joined: 23.)"""
    image = cv2.imread(str(REALDEV / "photos_single" / "michaelchu" / "four.jpg"))
    (x, y, w, h), = [n.box for n in read_frame(image, classifier)]
    side = round(max(w, h) * 1.04)
    crops = [cv2.resize(image[top:top + side, left:left + side], (size, size), interpolation=cv2.INTER_AREA)
             for size in (250, 300) for dx in (-4, -2, 0, 2, 4) for dy in (-4, 0, 4)
             for left, top in [(round(x + w / 2 - side / 2) + dx, round(y + h / 2 - side / 2) + dy)]]

    def read(config):
        return sum([n.text for n in read_frame(crop, classifier, config)] == ["4"] for crop in crops)
    right = read(PipelineConfig())
    assert right >= 27 and right >= read(PipelineConfig(rule_lone_dark=None)) + 8, right


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
