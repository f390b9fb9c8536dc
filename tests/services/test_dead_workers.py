"""Which outbox claims belong to dead processes and can be released at once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from unittest.mock import MagicMock

from bot.core.clock import SystemClock
from bot.runtime.outbox_sender import OutboxSender, worker_is_gone


def test_a_finished_process_on_this_host_is_gone() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert worker_is_gone(f"{socket.gethostname()}:{child.pid}:abcd1234")


def test_live_processes_other_hosts_and_odd_ids_are_left_to_the_lease() -> None:
    host = socket.gethostname()
    assert not worker_is_gone(f"{host}:1:abcd1234")  # init: alive
    assert not worker_is_gone(f"another-host:{os.getpid()}:abcd1234")
    assert not worker_is_gone("killed")
    assert not worker_is_gone(f"{host}:notapid:x")


def test_in_this_process_only_senders_that_exist_are_alive() -> None:
    sender = OutboxSender(MagicMock(), MagicMock(), SystemClock())
    assert not worker_is_gone(sender.worker)
    # A restarted container reuses the pid of the process that died before it.
    assert worker_is_gone(f"{socket.gethostname()}:{os.getpid()}:deadbeef")
