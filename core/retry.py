"""One retry policy for every remote backend: exponential backoff with jitter on transient faults.

Backends raise :class:`~faceclips.errors.UnavailableError` for faults worth retrying
(throttling such as ``503 SlowDown``, connection resets, timeouts) and call their
operations through :meth:`RetryPolicy.call`. Retries use `tenacity`_, a well-kept
library, rather than a hand-written loop.

.. _tenacity: https://tenacity.readthedocs.io/
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Mapping, TypeVar

import tenacity

from .errors import ConfigError, UnavailableError

__all__ = ["RetryPolicy"]

log = logging.getLogger("faceclips.retry")
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a transient fault is retried.

    >>> RetryPolicy(attempts=1).call(lambda: 42)
    42
    """

    attempts: int = 5
    """Tries in all, the first included; 1 disables retrying."""
    initial_delay_s: float = 0.1
    max_delay_s: float = 5.0

    def __post_init__(self) -> None:
        if isinstance(self.attempts, bool) or not isinstance(self.attempts, int) or self.attempts < 1:
            raise ConfigError("retry attempts must be a whole number >= 1")
        if self.initial_delay_s < 0 or self.max_delay_s < self.initial_delay_s:
            raise ConfigError("retry delays must satisfy 0 <= initial_delay_s <= max_delay_s")

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> "RetryPolicy":
        """Read ``retry_attempts``, ``retry_initial_delay_s``, ``retry_max_delay_s`` from backend options."""
        try:
            return cls(
                attempts=int(options.get("retry_attempts", cls.attempts)),
                initial_delay_s=float(options.get("retry_initial_delay_s", cls.initial_delay_s)),
                max_delay_s=float(options.get("retry_max_delay_s", cls.max_delay_s)),
            )
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"invalid retry option: {exc}") from None

    def call(self, operation: Callable[[], T], *, description: str = "operation", retry_if: Callable[[], bool] = lambda: True) -> T:
        """Run ``operation``, retrying on :class:`UnavailableError` while ``retry_if()`` allows it.

        ``retry_if`` lets a caller refuse a retry that cannot be repeated safely (an upload
        from a stream that cannot be rewound).
        """

        def should_retry(exc: BaseException) -> bool:
            return isinstance(exc, UnavailableError) and retry_if()

        def before_sleep(state: tenacity.RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            log.warning("%s failed (attempt %d of %d), retrying: %s", description, state.attempt_number, self.attempts, error)

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.attempts),
            wait=tenacity.wait_exponential_jitter(multiplier=self.initial_delay_s, max=self.max_delay_s),
            retry=tenacity.retry_if_exception(should_retry),
            before_sleep=before_sleep,
            reraise=True,
        )
        return retrying(operation)
