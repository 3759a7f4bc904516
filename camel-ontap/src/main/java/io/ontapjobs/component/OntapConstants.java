package io.ontapjobs.component;

import org.apache.camel.spi.Metadata;

/** Message headers set and read by the {@code ontap:} component. */
public final class OntapConstants {
    @Metadata(description = "The operation id (request id); read on input, set on output. Generated when absent.", javaType = "String")
    public static final String OPERATION_ID = "OntapOperationId";
    @Metadata(description = "How the operation ended: succeeded, failed, cancelled, timed_out, lost or rejected.", javaType = "String")
    public static final String STATUS = "OntapStatus";
    @Metadata(description = "The UUID of the job that decided the outcome.", javaType = "String")
    public static final String JOB_UUID = "OntapJobUuid";
    @Metadata(description = "The job's last state: success, failure, running, ...", javaType = "String")
    public static final String JOB_STATE = "OntapJobState";
    @Metadata(description = "The job's code (0 unless it failed).", javaType = "Long")
    public static final String JOB_CODE = "OntapJobCode";
    @Metadata(description = "The job's message (progress text, or the failure's message).", javaType = "String")
    public static final String JOB_MESSAGE = "OntapJobMessage";
    @Metadata(description = "The job's error.code, as ONTAP gives it (a string).", javaType = "String")
    public static final String ERROR_CODE = "OntapErrorCode";
    @Metadata(description = "The job's error.message.", javaType = "String")
    public static final String ERROR_MESSAGE = "OntapErrorMessage";
    @Metadata(description = "How many times the operation was triggered.", javaType = "Integer")
    public static final String ATTEMPTS = "OntapAttempts";
    @Metadata(description = "The trigger's last HTTP status.", javaType = "Integer")
    public static final String HTTP_STATUS = "OntapHttpStatus";
    @Metadata(description = "Why the operation ended this way, in words (absent for a plain success).", javaType = "String")
    public static final String REASON = "OntapReason";
    @Metadata(description = "With awaitJob=false: every job UUID the trigger answered with.", javaType = "java.util.List<String>")
    public static final String JOB_UUIDS = "OntapJobUuids";
    @Metadata(description = "With action=cancel|pause|resume: whether the cluster accepted it.", javaType = "Boolean")
    public static final String ACTION_ACCEPTED = "OntapActionAccepted";
    @Metadata(description = "The outcome object (io.ontapjobs.outcome.Outcome).", javaType = "io.ontapjobs.outcome.Outcome")
    public static final String OUTCOME = "OntapOutcome";

    /**
     * The exchange property (not a header: headers can come from outside) naming who asked for a request document's
     * operation, e.g. {@code inbox} or {@code queue}; recorded with it and put in its outcome as {@code requested_by}.
     */
    public static final String REQUESTED_BY = "OntapRequestedBy";

    private OntapConstants() {
    }
}
