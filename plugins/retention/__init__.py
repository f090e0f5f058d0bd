"""Built-in plugin: the retention policies ``max_age``, ``max_total_size`` and ``max_count``."""

from __future__ import annotations

from typing import Iterator

from faceclips import RetentionPolicySpec, hookimpl


@hookimpl
def faceclips_retention_policies() -> Iterator[RetentionPolicySpec]:
    yield RetentionPolicySpec(
        name="max_age",
        factory="faceclips.plugins.retention.policies:MaxAge",
        description="remove clips older than max_age (e.g. 30d)",
    )
    yield RetentionPolicySpec(
        name="max_total_size",
        factory="faceclips.plugins.retention.policies:MaxTotalSize",
        description="remove the oldest clips until the total is at most max_total_size (e.g. 50GiB)",
    )
    yield RetentionPolicySpec(
        name="max_count",
        factory="faceclips.plugins.retention.policies:MaxCount",
        description="remove the oldest clips until at most max_count remain",
    )
