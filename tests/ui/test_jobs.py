"""The one design for background work (ui/session/jobs.py): each job its own stop flag, reports on the
GUI thread, serial jobs in order, and a bounded wait at close that never destroys a running thread."""

import threading

from bpstudio.ui.session import jobs
from bpstudio.ui.session.jobs import JobRunner


def until_cancelled(started):
    def fn(progress, cancel):
        started.set()
        while not cancel.wait(0.005):
            progress(threading.current_thread().name)
        return "stopped"
    return fn


def test_a_new_job_cancels_the_one_before_and_keeps_its_own_flag(qtbot):
    runner, first_started, second_started = JobRunner(), threading.Event(), threading.Event()
    first = runner.run(until_cancelled(first_started))
    assert first_started.wait(5)
    second = runner.run(until_cancelled(second_started))   # the old job is still inside its loop
    assert second_started.wait(5)
    assert first.cancel.is_set() and not second.cancel.is_set()   # a shared flag cleared here let the first run on
    qtbot.waitUntil(lambda: not first.running, timeout=5000)
    assert second.running
    with qtbot.waitSignal(runner.done, timeout=5000) as done:
        runner.cancel()
    assert done.args == ["stopped"] and runner.shutdown()


def test_reports_arrive_on_the_gui_thread_and_only_from_the_newest_job(qtbot):
    runner, seen = JobRunner(), []
    runner.progressed.connect(lambda value: seen.append((value, threading.current_thread() is threading.main_thread())))
    started = threading.Event()
    runner.run(until_cancelled(started))
    assert started.wait(5)
    with qtbot.waitSignal(runner.done, timeout=5000) as done:
        runner.run(lambda progress, cancel: (progress("newest"), 42)[1])
    assert done.args == [42]
    qtbot.wait(50)
    assert seen and all(on_gui for _, on_gui in seen)
    assert [value for value, _ in seen] == ["newest"]   # the superseded job's reports are dropped
    assert runner.shutdown()


def test_serial_jobs_run_one_after_another_in_order(qtbot):
    runner, order = JobRunner(serial=True), []
    lock = threading.Lock()

    def job(name):
        def fn(progress, cancel):
            with lock:
                order.append(("start", name))
            cancel.wait(0.05)
            with lock:
                order.append(("end", name))
            return name
        return fn

    finished = []
    runner.finished.connect(lambda job: finished.append(job.result))
    for name in "abc":
        runner.run(job(name))
    qtbot.waitUntil(lambda: not runner.busy, timeout=5000)
    assert order == [(e, n) for n in "abc" for e in ("start", "end")] and finished == list("abc")


def test_closing_waits_with_a_bound_and_keeps_a_job_that_outlives_it(qtbot):
    runner, release, started = JobRunner(), threading.Event(), threading.Event()

    def stubborn(progress, cancel):   # a file being written: it does not look at cancel
        started.set()
        release.wait(30)
        return "written"

    job = runner.run(stubborn)
    assert started.wait(5)
    assert runner.shutdown(timeout_ms=100) is False   # did not end in time: detached, not destroyed
    assert job.running and len(jobs._detached) == 1 and not runner.busy
    del runner
    release.set()
    qtbot.waitUntil(lambda: not job.running, timeout=5000)
    assert job.result == "written" and len(jobs._detached) == 0
