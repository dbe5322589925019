"""The progress bar of long work: drawn in place on a terminal, silent elsewhere (logs, pipes, CI)."""

import io

from edge_app.progress import Progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_silent_unless_a_terminal():
    stream = io.StringIO()
    progress = Progress("bench", stream)
    assert list(progress.track("frames", range(3), 3)) == [0, 1, 2]
    progress.clear()
    assert stream.getvalue() == ""


def test_progress_redraws_one_line_in_place_and_always_draws_the_end():
    stream = Terminal()
    progress = Progress("bench", stream)
    assert list(progress.track("frames", range(4), 4)) == [0, 1, 2, 3]
    drawn = stream.getvalue()
    assert drawn.startswith("\r\033[Kbench: frames [" + "." * 24 + "] 0/4")
    assert drawn.endswith("\r\033[Kbench: frames [" + "#" * 24 + "] 4/4")  # the steps between may be skipped
    assert "\n" not in drawn
    progress.clear()
    assert stream.getvalue().endswith("\r\033[K")
