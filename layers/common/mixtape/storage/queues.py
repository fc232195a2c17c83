"""The profile-update queue (SQS): batched sends that retry the entries SQS reports as failed."""

import time
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from mixtape.errors import StorageUnavailableError
from mixtape.storage import clients
from mixtape.storage.dynamo.batch import chunks

MAX_SEND_ATTEMPTS = 5


class SqsProfileUpdateQueue:
    def __init__(self, queue_url: str, client: Any = None) -> None:
        self._url = queue_url
        self._client = client

    @property
    def client(self) -> Any:
        return self._client or clients.sqs()

    def send(self, messages: Sequence[str], delay_seconds: int = 0) -> None:
        for chunk in chunks(messages, 10):
            entries = [
                {"Id": str(i), "MessageBody": body, "DelaySeconds": delay_seconds}
                for i, body in enumerate(chunk)
            ]
            for attempt in range(MAX_SEND_ATTEMPTS):
                try:
                    response = self.client.send_message_batch(QueueUrl=self._url, Entries=entries)
                except ClientError as error:
                    raise StorageUnavailableError(
                        f"enqueue failed: {error.response['Error']['Code']}"
                    ) from error
                failed = {f["Id"] for f in response.get("Failed", [])}
                entries = [e for e in entries if e["Id"] in failed]
                if not entries:
                    break
                time.sleep(min(0.05 * 2**attempt, 1.0))
            else:
                raise StorageUnavailableError(
                    f"{len(entries)} profile-update message(s) could not be enqueued"
                )
