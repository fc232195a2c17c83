"""A stand-in for the LambdaContext object the Python runtime passes to handlers."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

from local.template import Function, function_arn, local_name


@dataclass(frozen=True)
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    log_group_name: str
    deadline_ms: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_stream_name: str = "local/[$LATEST]0"
    identity: None = None
    client_context: None = None

    @classmethod
    def for_function(cls, function: Function) -> LambdaContext:
        name = local_name(function.logical_id)
        return cls(
            function_name=name,
            memory_limit_in_mb=function.memory_size,
            invoked_function_arn=function_arn(function.logical_id),
            log_group_name=f"/aws/lambda/{name}",
            deadline_ms=int(time.time() * 1000) + function.timeout * 1000,
        )

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self.deadline_ms - int(time.time() * 1000))
