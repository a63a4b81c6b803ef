"""Names of the events a step can fire; handlers are registered with ``Step.event_handler``."""


class Event:
    """Event identifiers, usable as ``@Step.event_handler(Event.SUCCESS)``."""

    DEPENDENCY_DISCOVERED = "event.core.dependency.discovered"
    DEPENDENCY_MISSING = "event.core.dependency.missing"
    DEPENDENCY_PRESENT = "event.core.dependency.present"
    BROKEN_STEP = "event.core.step.broken"
    START = "event.core.start"
    PROGRESS = "event.core.progress"
    FAILURE = "event.core.failure"
    SUCCESS = "event.core.success"
    PROCESSING_TIME = "event.core.processing_time"
    TIMEOUT = "event.core.timeout"
    PROCESS_FAILURE = "event.core.process_failure"
