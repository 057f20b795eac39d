"""The alarm stack: where alarms go."""

from org_constructs import AbstractStack, AlarmTopic


class AlarmStack(AbstractStack):
    """Where alarms go: the encrypted topic, e-mailing the environment's alarm addresses."""

    def initialize(self) -> None:
        self.alarm_topic = AlarmTopic.from_config(self, "Alarms", self.config)
