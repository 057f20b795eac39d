"""EventBridge: ``Trigger``, a rule (a schedule or an event pattern) that starts one target,
with retries and an encrypted dead-letter queue, watched by the ``rule`` pack."""

from org_constructs.events._trigger import Trigger, TriggerTarget
from org_constructs.events._triggered import Triggered

__all__ = ["Trigger", "TriggerTarget", "Triggered"]
