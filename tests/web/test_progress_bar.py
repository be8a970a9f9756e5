"""`greenloop demo`'s progress bar (webapp/progress_bar.py): redrawn in place on a terminal, a
plain line per tenth into a log."""
import io

from webapp.progress_bar import ProgressBar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_on_a_terminal_the_line_is_redrawn_in_place_a_few_times_a_second():
    out, clock = Terminal(), Clock()
    bar = ProgressBar("demo", out, clock)
    for step in range(1, 91):
        clock.now = step / 8  # a simulated day every eighth of a second
        bar(step, 90, step * 20)
    drawn = out.getvalue().split("\r")[1:]
    # Every other day (0.2 s apart at least: days 1, 3, …, 89), and the end always, on its own line.
    assert len(drawn) == 46
    assert drawn[-1] == "demo [" + "#" * 30 + "] 100%  day 90/90, 1800 cases, 11 s\n"
    assert "\n" not in "".join(drawn[:-1])
    assert drawn[22] == "demo [###############...............]  50%  day 45/90, 900 cases, 6 s, about 6 s left"


def test_into_a_log_it_prints_a_line_per_tenth():
    out, clock = io.StringIO(), Clock()
    bar = ProgressBar("demo", out, clock)
    for step in range(0, 91):
        clock.now = step
        bar(step, 90, step)
    lines = out.getvalue().splitlines()
    assert [line.split("]")[1].split("%")[0].strip() for line in lines] == [str(n) for n in range(0, 101, 10)]
    assert "\r" not in out.getvalue()
    assert lines[5].startswith("demo [###############...............]  50%  day 45/90, 45 cases, 45 s, about 45 s left")
