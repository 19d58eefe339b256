"""The event bus: record changes leave the core here, after their transaction has committed."""

from bastion.bus.events import EventBus, RecordEvent

__all__ = ["EventBus", "RecordEvent"]
