from edge_app.pipeline import Digit, Number
from edge_app.tracking import Stabilizer, iou


def number(text, x=100, y=100):
    return Number(text, 0.9, (x, y, 20 * len(text), 30), tuple(Digit(int(c), 0.9, (x, y, 20, 30)) for c in text))


def test_iou():
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (20, 0, 10, 10)) == 0.0
    assert abs(iou((0, 0, 10, 10), (5, 0, 10, 10)) - 1 / 3) < 1e-9


def test_a_misread_frame_does_not_flicker():
    stabilizer = Stabilizer()
    readings = ["2024", "2024", "2021", "2024", "2024"]
    shown = [stabilizer.update([number(text, x=100 + i)]) for i, text in enumerate(readings)]
    assert shown[0] == []  # seen once: not yet reported
    assert [texts[0][0] for texts in shown[1:]] == ["2024"] * 4


def test_a_missed_frame_keeps_the_number_and_a_gone_number_goes():
    stabilizer = Stabilizer(max_missed=2)
    for _ in range(3):
        stabilizer.update([number("17")])
    assert [t for t, _ in stabilizer.update([])] == ["17"]
    stabilizer.update([])
    stabilizer.update([])
    assert stabilizer.update([]) == []


def test_two_numbers_are_tracked_apart_in_reading_order():
    stabilizer = Stabilizer()
    for _ in range(2):
        shown = stabilizer.update([number("9", x=300, y=200), number("31", x=50, y=40)])
    assert [t for t, _ in shown] == ["31", "9"]


def test_two_readings_in_turn_do_not_alternate():
    stabilizer = Stabilizer()
    readings = ["31", "37", "31", "37", "31", "37", "31", "37"]  # every second frame the votes tie
    shown = [[text for text, _ in stabilizer.update([number(reading)])] for reading in readings]
    assert shown[0] == []  # seen once: not reported yet
    assert shown[2:] == [["31"]] * 6  # once "31" leads, a tie keeps it instead of flipping to "37"
