package io.ontapjobs.simulator;

/**
 * The ONTAP error codes the simulator answers with. Codes marked "simulator choice" are not given by the ONTAP
 * reference for that situation; they are stable and documented in docs/simulator.md.
 */
public final class OntapErrors {
    /** 404: entry doesn't exist (unknown or deleted job / record). */
    public static final long ENTRY_NOT_FOUND = 4;
    /** 401: user not authorized. */
    public static final long NOT_AUTHORIZED = 6691623;
    /** 400: invalid value for a field or query parameter (e.g. return_timeout out of 0..120, bad action). */
    public static final long INVALID_VALUE = 262197;
    /** 400: unexpected argument or unreadable JSON body. */
    public static final long UNEXPECTED_ARGUMENT = 262179;
    /** 400: {@code filter.name} on {@code /api/support/ems/events} names no EMS filter (ONTAP's code; HTTP 400 is the simulator's choice). */
    public static final long EMS_FILTER_NOT_FOUND = 983093;
    /** 409: creating an EMS filter or destination that exists: ONTAP's "duplicate entry" (HTTP 409 is the simulator's choice). */
    public static final long DUPLICATE_ENTRY = 1;
    /** 404/405: API path or method not found (simulator choice). */
    public static final long API_NOT_FOUND = 3;
    /** 414: request URI too long (simulator choice; real ONTAP's front end refuses such request lines). */
    public static final long URI_TOO_LONG = 414;
    /** Job PATCH: job is already in a terminal state. */
    public static final long JOB_TERMINAL = 458762;
    /** Job PATCH: the specified job is running (resume of a job that is not paused). */
    public static final long JOB_IS_RUNNING = 458771;
    /** Job PATCH: the specified job is not currently running (pause of a queued or paused job). */
    public static final long JOB_NOT_RUNNING = 458776;
    /** Job PATCH: this job does not support pause. */
    public static final long JOB_PAUSE_UNSUPPORTED = 458783;
    /** Job PATCH: this job does not support cancel. */
    public static final long JOB_CANCEL_UNSUPPORTED = 458784;
    /**
     * {@code code} of a job ended by {@code action=cancel} (simulator choice: the ONTAP reference gives no code for
     * a cancelled job; this one sits in the job manager's range and is unused by the documented codes).
     */
    public static final long JOB_CANCELLED = 458790;
    /** {@code message} of a job ended by {@code action=cancel}. */
    public static final String JOB_CANCELLED_MESSAGE = "Job cancelled by user";

    private OntapErrors() {
    }
}
