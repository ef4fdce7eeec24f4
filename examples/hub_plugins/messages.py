"""The JSON messages that travel between plugins and the hub (after zmq_plugin's schema)."""
from __future__ import annotations

import json
import uuid
from typing import Any

#: A message: {"header": {...}, "content": {...}}, as JSON.
Message = dict[str, Any]


def execute_request(source: str, target: str, command: str, **data: Any) -> Message:
    """Ask `target` to run `command(**data)`; the reply carries the same session."""
    session = uuid.uuid4().hex
    header = {"msg_type": "execute_request", "source": source, "target": target, "session": session}
    return {"header": header, "content": {"command": command, "data": data}}


def execute_reply(request: Message, result: Any = None, error: str | None = None) -> Message:
    """The reply to `request`, going back from its target to its source."""
    asked = request["header"]
    header = dict(asked, msg_type="execute_reply", source=asked["target"], target=asked["source"])
    if error is not None:
        return {"header": header, "content": {"status": "error", "error": error}}
    return {"header": header, "content": {"status": "ok", "result": result}}


def dumps(message: Any) -> bytes:
    return json.dumps(message).encode()


def loads(raw: bytes) -> Any:
    return json.loads(raw)
