package dev.cairn.schedule;

/** How a job run ended. Names are written into run records and never renamed. */
public enum RunOutcome {
    /** The job did everything it was asked. */
    SUCCESS,
    /** A backup wrote its snapshot, but some entries could not be read faithfully. */
    PARTIAL,
    /** The job failed (the run's message and error code say why): nothing restorable came of it. */
    FAILED
}
