"""Coalesce concurrent embedding requests in a web process: small requests for the same model and options
that arrive within a few milliseconds run as one model call, so many callers still fill the model's batches.

One worker thread takes whatever is queued, waits up to `wait_s` for more (up to `max_texts` texts), groups
the requests by model and options, runs each group once and hands every caller its own rows back.
"""

import logging
import queue
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

import numpy as np

from embedding.encoder import Embedded, Encoder

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Options:
    task_type: str | None
    dimensionality: int | None
    long_text_mode: str


@dataclass
class _Request:
    encoder: Encoder
    options: Options
    texts: list[str]
    result: Future[Embedded] = field(default_factory=Future)


@dataclass
class Counts:
    """How many requests came in and how many model calls served them (the batching's effect)."""

    requests: int = 0
    model_calls: int = 0


class Coalescer:
    def __init__(self, wait_s: float, max_texts: int) -> None:
        self.wait_s = wait_s
        self.max_texts = max_texts
        self.counts = Counts()
        self._queue: queue.Queue[_Request] = queue.Queue()
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None

    def embed(self, encoder: Encoder, texts: Sequence[str], options: Options) -> Embedded:
        """The encoder's answer for these texts alone, computed together with whatever else is queued."""
        request = _Request(encoder, options, list(texts))
        with self._lock:
            self.counts.requests += 1
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._serve, name="embedding-batcher", daemon=True)
                self._worker.start()
        self._queue.put(request)
        return request.result.result()

    def _serve(self) -> None:
        while True:
            for group in self._groups(self._collect()):
                self._run(group)

    def _collect(self) -> list[_Request]:
        taken = [self._queue.get()]
        count = len(taken[0].texts)
        deadline = time.monotonic() + self.wait_s
        while count < self.max_texts:
            # What is queued already is taken at once, even past the window; then wait out the window.
            remaining = deadline - time.monotonic()
            try:
                request = self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            taken.append(request)
            count += len(request.texts)
        return taken

    @staticmethod
    def _groups(requests: list[_Request]) -> list[list[_Request]]:
        groups: dict[tuple[int, Options], list[_Request]] = {}
        for request in requests:
            groups.setdefault((id(request.encoder), request.options), []).append(request)
        return list(groups.values())

    def _run(self, group: list[_Request]) -> None:
        first = group[0]
        texts = [text for request in group for text in request.texts]
        with self._lock:
            self.counts.model_calls += 1
        try:
            options = first.options
            embedded = first.encoder.embed(texts, options.task_type, options.dimensionality, options.long_text_mode)
        except Exception as exc:  # every caller in the group gets the failure, none waits forever
            for request in group:
                request.result.set_exception(exc)
            return
        log.debug("embedded %d texts for %d requests in one call", len(texts), len(group))
        start = 0
        for request in group:
            end = start + len(request.texts)
            tokens = embedded.tokens_per_text[start:end]
            request.result.set_result(Embedded(embedded.vectors[start:end], int(np.sum(tokens)), tokens))
            start = end


_coalescers: dict[tuple[float, int], Coalescer] = {}
_coalescers_lock = threading.Lock()


def coalescer(wait_s: float, max_texts: int) -> Coalescer:
    """The process's coalescer for these settings (one worker thread each)."""
    with _coalescers_lock:
        key = (wait_s, max_texts)
        if key not in _coalescers:
            _coalescers[key] = Coalescer(wait_s, max_texts)
        return _coalescers[key]
