"""Serving until SIGTERM, then stopping without losing work.

On SIGTERM (or Ctrl-C): /readyz answers 503 and the port stops taking connections (Socket Mode:
the socket is closed); no new tick starts; listeners already running and the tick in progress
get up to GRACE seconds to finish their posts; whatever the tick still holds of the outbox goes
back to pending, so another replica takes it on its next tick rather than after the lease; then
the process exits 0.
"""
from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from waitress import wasyncore

log = logging.getLogger("crm")
GRACE = 10.0  # seconds


class Terminating(BaseException):
    """Raised in the main thread by the SIGTERM handler, out of whatever it waits on."""


class DrainingExecutor(ThreadPoolExecutor):
    """Bolt's listener executor, able to wait (with a bound) for the listeners still running."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._running: set[Future] = set()
        self._guard = threading.Lock()

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future = super().submit(fn, *args, **kwargs)
        with self._guard:
            self._running.add(future)
        future.add_done_callback(self._done)
        return future

    def _done(self, future: Future) -> None:
        with self._guard:
            self._running.discard(future)

    def idle(self) -> bool:
        with self._guard:
            return not self._running


def wait_until(done: Callable[[], bool], deadline: float) -> bool:
    """Polls (every 50 ms) until `done()` or the monotonic `deadline`. Not a timed Event.wait: its
    deadline is an absolute time that a shifted clock (libfaketime, as the tests run) can move."""
    while not done():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def _raise_terminating(_signum, _frame) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM does not cut the drain short
    raise Terminating


def serve(*, web, front, wsgi, socket_handler=None, scheduler, watch, readiness, listeners: DrainingExecutor, db,
          grace: float = GRACE) -> None:
    """`web`: the waitress server, already serving `front` from its own thread since the start began
    (bot/front.py); `wsgi`: the loaded app's (always health and metrics, in HTTP mode Slack's requests
    too), handed to `front` only once SIGTERM is handled here, so a request the app answered is one
    a stop drains. `socket_handler`: Bolt's SocketModeHandler in Socket Mode. Returns only by exiting
    the process."""
    signal.signal(signal.SIGTERM, _raise_terminating)
    try:
        front.open(wsgi)
        if socket_handler is not None:
            socket_handler.connect()
        while True:  # woken each second: the kernel may hand SIGTERM to any thread, and Python runs its handler
            time.sleep(1.0)  # in this one, which an untimed wait never wakes (the bot served on until killed)
    except (Terminating, KeyboardInterrupt):
        log.info("stopping: no new requests; up to %ss for posts in flight", grace)
    stop(web=web, socket_handler=socket_handler, scheduler=scheduler, watch=watch, readiness=readiness,
         listeners=listeners, db=db, grace=grace)


def close_listener(web, timeout: float = 2.0) -> None:
    """Close waitress's listening socket inside its own loop thread. Closed from this thread, the loop
    could be between `poll()` and `accept()` and log an `EBADF` traceback on every such stop; and
    `web.close()` would close the trigger too, which wakes the loop when a response taken earlier is
    ready. If the loop does not run the close within `timeout` (it never started), close it here."""
    closed = threading.Event()

    def close_in_loop() -> None:
        try:
            wasyncore.dispatcher.close(web)
        finally:
            closed.set()

    web.trigger.pull_trigger(close_in_loop)
    if not closed.wait(timeout):
        web.close()


def stop(*, web, socket_handler, scheduler, watch, readiness, listeners: DrainingExecutor, db, grace: float) -> None:
    deadline = time.monotonic() + grace
    readiness.stopping = True
    close_listener(web)  # requests already taken are still answered
    if socket_handler is not None:  # its first steps close the socket; its thread joins need not hold us up
        threading.Thread(target=socket_handler.close, name="crm-socket-close", daemon=True).start()
    scheduler.shutdown(wait=False)
    listeners_done = wait_until(listeners.idle, deadline)
    tick_done = wait_until(watch.idle.is_set, deadline)
    released = 0 if tick_done else watch.release_claims(db)
    log.info("stopped: listeners %s, tick %s, %d outbox claims handed back", "finished" if listeners_done else "cut short",
             "finished" if tick_done else "cut short", released)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # worker threads still blocked on Slack would otherwise hold the interpreter open
