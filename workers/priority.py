"""Workers run at a lower CPU priority than the web process: on a machine both share, a build takes the
cores the searches and page loads leave idle, and people browsing a map never wait behind its embedding.
ATLAS_WORKER_NICE (default 10; 0: the same priority) is added to each worker process's niceness."""

import logging
import os
from typing import Any

from celery.signals import worker_process_init
from django.conf import settings

log = logging.getLogger(__name__)


def lower_priority(increment: int) -> None:
    if increment > 0:
        niceness = os.nice(increment)
        log.info("worker process runs at niceness %d (ATLAS_WORKER_NICE)", niceness)


@worker_process_init.connect  # type: ignore[untyped-decorator]  # celery ships no type hints
def _lower_priority(**_: Any) -> None:
    lower_priority(settings.WORKER_NICE)
