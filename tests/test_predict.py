"""Still images: reading them as the camera saw them, and the predict command."""

import json
import subprocess
import sys

import cv2
import numpy as np
import pytest
from conftest import INT8, ROOT, needs_model

from edge_app.imageio import HALFTONE_LEVELS, MAX_PIXELS, ImageError, decode_image, read_image, smooth_halftone
from edge_app.pipeline import PipelineConfig
from edge_app.predict import annotated_names, read_numbers
from edge_app.scenes import DigitSource, SceneConfig, make_scene, make_single_digit

CLEAR = SceneConfig(touching=0.0)  # no touching digits: these tests check predict, not the pipeline's limits

EXIF_PHOTO = ROOT.parent / "shared" / "data" / "realdev" / "photos_single" / "michaelchu" / "one.jpg"


def encode(image, ext=".png"):
    ok, data = cv2.imencode(ext, image)
    assert ok
    return data.tobytes()


def test_png_alpha_is_composited_on_white():
    rgba = np.zeros((10, 10, 4), np.uint8)
    rgba[2:4, 2:4] = (0, 0, 0, 255)  # opaque black ink, transparent elsewhere
    image = decode_image(encode(rgba))
    assert image.shape == (10, 10, 3)
    assert (image[0, 0] == 255).all() and (image[3, 3] == 0).all()


def test_sixteen_bit_and_grey_images_become_bgr8():
    grey16 = np.full((8, 8), 40000, np.uint16)
    image = decode_image(encode(grey16))
    assert image.dtype == np.uint8 and image.shape == (8, 8, 3) and image[0, 0, 0] == 40000 >> 8
    assert decode_image(encode(np.full((5, 6), 7, np.uint8))).shape == (5, 6, 3)


def halftones(mode: str, count: int):
    """Generated single-digit photos (stroke font) saved by Pillow as halftone PNGs: "1" bits or the
    web "P"alette, both dithered by error diffusion. Yields (PNG bytes, expected digits)."""
    image_module = pytest.importorskip("PIL.Image")
    import io
    rng = np.random.default_rng(5)
    for _ in range(count):
        scene = make_single_digit(rng, DigitSource())
        buffer = io.BytesIO()
        image_module.fromarray(scene.image[:, :, ::-1]).convert(mode).save(buffer, "PNG")
        yield buffer.getvalue(), scene.texts


@pytest.mark.parametrize("mode", ["1", "P"])
def test_halftone_is_smoothed_back_into_tones(mode):
    for data, _ in halftones(mode, 3):
        raw = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        assert len(np.unique(raw)) <= HALFTONE_LEVELS  # the dots, before
        image = decode_image(data)
        assert image.shape == raw.shape and len(np.unique(image)) > HALFTONE_LEVELS


@needs_model
@pytest.mark.parametrize("mode", ["1", "P"])
def test_halftone_photos_read_once_smoothed(mode):
    from edge_app.classifier import Classifier
    from edge_app.pipeline import read_frame
    classifier = Classifier(INT8, num_threads=1)
    raw_right = smoothed_right = 0
    for data, expected in halftones(mode, 24):
        raw = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        raw_right += [n.text for n in read_frame(raw, classifier)] == expected
        smoothed_right += [n.text for n in read_frame(decode_image(data), classifier)] == expected
    assert smoothed_right >= 22 and smoothed_right >= raw_right + 2  # 23 against 7 ("1"), 24 against 21 ("P")


def test_photos_and_clean_drawings_are_not_smoothed():
    photo = make_single_digit(np.random.default_rng(5), DigitSource()).image
    assert smooth_halftone(photo) is photo
    drawing = np.full((200, 200, 3), 255, np.uint8)  # two levels, but solid strokes: no dots
    cv2.putText(drawing, "7", (40, 170), cv2.FONT_HERSHEY_SIMPLEX, 6, (0, 0, 0), 12)
    assert smooth_halftone(drawing) is drawing
    assert (decode_image(encode(drawing)) == drawing).all()


def with_exif_orientation(png: bytes, orientation: int) -> bytes:
    """A PNG with an eXIf chunk holding only an EXIF orientation tag."""
    import struct
    import zlib
    tiff = (b"II*\x00" + struct.pack("<IH", 8, 1) + struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0)
            + struct.pack("<I", 0))
    chunk = struct.pack(">I", len(tiff)) + b"eXIf" + tiff + struct.pack(">I", zlib.crc32(b"eXIf" + tiff))
    at = png.index(b"IDAT") - 4
    return png[:at] + chunk + png[at:]


def test_png_is_decoded_as_imread_color_does_and_its_exif_orientation_honoured():
    rng = np.random.default_rng(0)
    for image in (rng.integers(0, 256, (30, 50, 3), dtype=np.uint8), rng.integers(0, 256, (30, 50), dtype=np.uint8)):
        data = encode(image)
        assert (decode_image(data) == cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)).all()
    image = np.zeros((20, 40, 3), np.uint8)
    image[:, :10] = 255  # a white band on the left ...
    turned = decode_image(with_exif_orientation(encode(image), 6))  # 6: shown turned a quarter clockwise
    assert turned.shape == (40, 20, 3) and (turned[:10] == 255).all() and (turned[10:] == 0).all()  # ... on top


@pytest.mark.skipif(not EXIF_PHOTO.is_file(), reason="../shared/data/realdev is not here")
def test_exif_orientation_is_honoured():
    raw = cv2.imread(str(EXIF_PHOTO), cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    upright = read_image(EXIF_PHOTO)
    assert raw.shape[:2] == upright.shape[1::-1]  # the tag turns it a quarter


@pytest.mark.parametrize("data, reason", [
    (b"", "empty file"),
    (b"hello, I am text", "not an image"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not an image"),
])
def test_unreadable_bytes(data, reason):
    with pytest.raises(ImageError, match=reason):
        decode_image(data)


def test_truncated_jpeg_is_refused_or_partial_but_never_crashes():
    data = encode(make_scene(np.random.default_rng(0)).image, ".jpg")
    try:
        image = decode_image(data[: len(data) // 3])
    except ImageError:
        return
    assert image.ndim == 3


def test_decompression_bomb_is_refused_from_its_header():
    # A PNG that declares 20,000 x 20,000 pixels: refused before any decoding.
    small = encode(np.zeros((4, 4), np.uint8))
    header = small[:16] + (20000).to_bytes(4, "big") + (20000).to_bytes(4, "big") + small[24:]
    with pytest.raises(ImageError, match="too large"):
        decode_image(header)
    assert 20000 * 20000 > MAX_PIXELS


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ImageError, match="not found"):
        read_image(tmp_path / "absent.jpg")
    with pytest.raises(ImageError, match="is a folder"):
        read_image(tmp_path)


def test_predict_reads_the_images_in_a_folder_in_name_order(tmp_path):
    rng = np.random.default_rng(3)
    folder = tmp_path / "photos"
    (folder / "sub").mkdir(parents=True)
    for name in ("b.png", "a.jpg", "sub/c.png"):
        cv2.imwrite(str(folder / name), make_scene(rng, texts=["7"]).image)
    (folder / "notes.txt").write_text("not an image")
    (tmp_path / "empty").mkdir()
    result = run_predict(str(folder), str(tmp_path / "empty"), "--json")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["source"] for line in lines] == [str(folder / "a.jpg"), str(folder / "b.png"), str(tmp_path / "empty")]
    assert lines[0]["error"] is None and lines[1]["error"] is None and lines[0]["width"] == 640
    assert lines[2]["error"] == "is a folder, and holds no images" and result.returncode == 1
    assert "1 of 3 images could not be read" in result.stderr


def test_annotated_names_are_distinct():
    assert annotated_names(["a/x.jpg", "b/x.jpg", "y.png", "c/x.png"]) == ["x.png", "x-1.png", "y.png", "x-2.png"]


def run_predict(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "edge_app", "predict", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


@needs_model
def test_predict_json_lines_in_input_order(tmp_path):
    scene = make_scene(np.random.default_rng(3), texts=["4096", "31"])
    photo = tmp_path / "scene.png"
    cv2.imwrite(str(photo), scene.image)
    (tmp_path / "notes.txt").write_text("not an image")
    inputs = [str(photo), str(tmp_path / "notes.txt"), str(tmp_path / "absent.jpg"), str(photo)]
    result = run_predict(*inputs, "--json", "--annotate", str(tmp_path / "out"))
    assert result.returncode == 1  # two inputs failed
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["source"] for line in lines] == inputs
    good = lines[0]
    assert good["error"] is None and (good["width"], good["height"]) == (640, 480)
    assert set(good) == {"source", "width", "height", "numbers", "error"}
    for number in good["numbers"]:
        assert set(number) == {"text", "box", "confidence", "digits"}
        assert number["text"] == "".join(str(d["digit"]) for d in number["digits"])
        assert all(set(d) == {"digit", "confidence", "box"} for d in number["digits"])
    assert lines[1]["error"].startswith("not an image") and lines[1]["numbers"] == []
    assert lines[2]["error"] == "file not found"
    assert lines[3] == good
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["scene-1.png", "scene.png"]
    assert "2 of 4 images could not be read" in result.stderr


@needs_model
def test_predict_reads_a_clear_scene(tmp_path):
    scene = make_scene(np.random.default_rng(4), config=CLEAR, texts=["2024"])
    photo = tmp_path / "clear.png"
    cv2.imwrite(str(photo), scene.image)
    result = run_predict(str(photo), "--json")
    assert result.returncode == 0, result.stderr
    numbers = json.loads(result.stdout)["numbers"]
    assert [n["text"] for n in numbers] == ["2024"]
    x, y, w, h = numbers[0]["box"]
    tx, ty, tw, th = scene.numbers[0][1]
    assert abs(x - tx) < 0.2 * tw and abs(w - tw) < 0.3 * tw


@pytest.mark.parametrize("args, fragment", [
    (["x.png", "--model", "setup.cfg"], "not a loadable"),
    (["x.png", "--min-confidence", "2"], "between 0 and 1"),
    (["x.png", "--num-threads", "0"], "at least 1"),
])
def test_predict_bad_options_one_line(args, fragment):
    result = run_predict(*args, cwd=ROOT)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("digits-edge")]
    assert len(errors) == 1 and fragment in errors[0], result.stderr


@needs_model
def test_num_threads_sets_the_interpreters_and_opencvs_threads():
    import argparse

    from edge_app.cli import _classifier
    before = cv2.getNumThreads()
    try:
        cv2.setNumThreads(2)
        _classifier(argparse.Namespace(model=str(INT8), num_threads=1, delegate=None))
        assert cv2.getNumThreads() == 1
        cv2.setNumThreads(2)
        _classifier(argparse.Namespace(model=str(INT8), num_threads=None, delegate=None))
        assert cv2.getNumThreads() == 2  # not given: OpenCV keeps its own
    finally:
        cv2.setNumThreads(before)


def test_large_jpeg_is_decoded_reduced_with_full_size_kept(tmp_path):
    from edge_app.imageio import read_picture
    image = np.full((3000, 4000, 3), 230, np.uint8)
    cv2.rectangle(image, (1000, 1000), (1400, 1800), (20, 20, 20), 60)
    path = tmp_path / "big.jpg"
    cv2.imwrite(str(path), image)
    picture = read_picture(path, min_side=1280)
    assert (picture.width, picture.height) == (4000, 3000)
    assert picture.image.shape == (1500, 2000, 3) and picture.scale == 2.0
    assert read_picture(path).image.shape == (3000, 4000, 3)
    assert read_picture(path, min_side=5000).scale == 1.0


@pytest.mark.skipif(not EXIF_PHOTO.is_file(), reason="../shared/data/realdev is not here")
def test_reduced_decoding_keeps_exif_orientation_and_size():
    from edge_app.imageio import read_picture
    full = read_image(EXIF_PHOTO)
    picture = read_picture(EXIF_PHOTO, min_side=500)
    assert (picture.width, picture.height) == (full.shape[1], full.shape[0])
    assert picture.scale > 1 and picture.image.shape[0] > picture.image.shape[1]


@needs_model
def test_predict_boxes_are_in_full_image_pixels(tmp_path):
    scene = make_scene(np.random.default_rng(4), config=CLEAR, texts=["2024"])
    big = cv2.resize(scene.image, (3200, 2400), interpolation=cv2.INTER_CUBIC)
    path = tmp_path / "big.jpg"
    cv2.imwrite(str(path), big, [cv2.IMWRITE_JPEG_QUALITY, 92])
    result = run_predict(str(path), "--json")
    record = json.loads(result.stdout)
    assert (record["width"], record["height"]) == (3200, 2400)
    assert [n["text"] for n in record["numbers"]] == ["2024"]
    x, y, w, h = record["numbers"][0]["box"]
    tx, ty, tw, th = (v * 5 for v in scene.numbers[0][1])
    assert abs(x - tx) < 0.2 * tw and abs(w - tw) < 0.3 * tw


@needs_model
def test_a_jpeg_of_small_writing_is_decoded_again_larger_and_read(tmp_path, classifier, mnist_path):
    # A 2560 x 1920 photo of a sheet with digits 22-30 pixels tall, decoded at half its size for work_side
    # (1000): its digits 9-12 pixels tall there. It is decoded again whole and read at 2560 pixels.
    config = SceneConfig(width=2560, height=1920, min_digit_height=22, max_digit_height=30, max_lines=6)
    scene = make_scene(np.random.default_rng(3), DigitSource.find(str(mnist_path)), config)
    ok, data = cv2.imencode(".jpg", scene.image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    picture, numbers = read_numbers(data.tobytes(), classifier, PipelineConfig())
    assert picture.scale == 1.0 and picture.image.shape == (1920, 2560, 3)
    once, first = read_numbers(data.tobytes(), classifier, PipelineConfig(small_digits=None))
    assert once.scale == 2.0

    def found(numbers):
        return sum(text in [n.text for n in numbers] for text in scene.texts)
    # The shipped model: all 5 of its numbers, 1 read once.
    assert len(scene.texts) == 5 and found(numbers) >= 4 and found(first) <= 2
