package io.ontapjobs.component;

import org.apache.camel.spi.Metadata;

/**
 * Message headers set and read by the {@code ontap:} component. Those it reads steer it: a route that takes messages
 * from outside (JMS properties, HTTP parameters) removes {@code Ontap*} headers first.
 */
public final class OntapConstants {
    @Metadata(label = "producer", description = "Input: the operation to do with this message instead of the endpoint's"
            + " option operation: run, trigger, read, cancel, pause or resume (exactly so written).", javaType = "String")
    public static final String OPERATION = "OntapOperation";
    @Metadata(label = "producer", description = "Input: the method of this message's trigger instead of the option method:"
            + " POST, PATCH or DELETE; GET for read. Only for an endpoint with the option path.", javaType = "String")
    public static final String METHOD = "OntapMethod";
    @Metadata(label = "producer", description = "Input: the ONTAP REST path of this message instead of the option path, e.g."
            + " /api/storage/volumes/UUID; a plain path under /api/ (no dot segments, percent signs, query or fragment)."
            + " Only for an endpoint with the option path.", javaType = "String")
    public static final String PATH = "OntapPath";
    @Metadata(label = "producer", description = "Input: headers whose names start with OntapQuery. add a query parameter to"
            + " this message's call, or replace the option of that name: OntapQuery.name set to vol1 sends name=vol1. The"
            + " value is sent as data (percent-encoded). Parameter names: letters, digits, underscore and dot. Only for an"
            + " endpoint with the option path.", javaType = "String")
    public static final String QUERY_PREFIX = "OntapQuery.";
    @Metadata(label = "producer", description = "The operation id: read on input (generated when absent), set on output."
            + " Input of cancel, pause and resume: the operation whose running job they address.", javaType = "String")
    public static final String OPERATION_ID = "OntapOperationId";
    @Metadata(label = "producer", description = "Output of run: how the operation ended, one of succeeded, failed, cancelled,"
            + " timed_out, lost or rejected.", javaType = "String")
    public static final String STATUS = "OntapStatus";
    @Metadata(label = "producer", description = "Output of run: the UUID of the job that decided the outcome; of trigger: the"
            + " first job's UUID. Input of cancel, pause and resume: the job they address when OntapOperationId is absent.",
            javaType = "String")
    public static final String JOB_UUID = "OntapJobUuid";
    @Metadata(label = "producer", description = "Output of run: the job's last state, e.g. success, failure or running.",
            javaType = "String")
    public static final String JOB_STATE = "OntapJobState";
    @Metadata(label = "producer", description = "Output of run: the job's code (0 unless it failed).", javaType = "Long")
    public static final String JOB_CODE = "OntapJobCode";
    @Metadata(label = "producer", description = "Output of run: the job's message (progress text, or the failure's message).",
            javaType = "String")
    public static final String JOB_MESSAGE = "OntapJobMessage";
    @Metadata(label = "producer", description = "Output: ONTAP's error code, as ONTAP gives it (a string), of the job or of a"
            + " refused call.", javaType = "String")
    public static final String ERROR_CODE = "OntapErrorCode";
    @Metadata(label = "producer", description = "Output: ONTAP's error message, of the job or of a refused call.",
            javaType = "String")
    public static final String ERROR_MESSAGE = "OntapErrorMessage";
    @Metadata(label = "producer", description = "Output of run: how many times the operation was triggered.", javaType = "Integer")
    public static final String ATTEMPTS = "OntapAttempts";
    @Metadata(label = "producer", description = "Output: the HTTP status of the last call (of run: the last trigger's).",
            javaType = "Integer")
    public static final String HTTP_STATUS = "OntapHttpStatus";
    @Metadata(label = "producer", description = "Output of run: why the operation ended this way, in words (absent for a"
            + " plain success).", javaType = "String")
    public static final String REASON = "OntapReason";
    @Metadata(label = "producer", description = "Output of trigger: every job UUID the trigger answered with.",
            javaType = "java.util.List<String>")
    public static final String JOB_UUIDS = "OntapJobUuids";
    @Metadata(label = "producer", description = "Output of cancel, pause and resume: whether the cluster accepted it.",
            javaType = "Boolean")
    public static final String ACTION_ACCEPTED = "OntapActionAccepted";
    @Metadata(label = "producer", description = "Output of run: the outcome object.", javaType = "io.ontapjobs.outcome.Outcome")
    public static final String OUTCOME = "OntapOutcome";

    @Metadata(label = "consumer", description = "Output of the EMS consumer: the event's message name, e.g."
            + " monitor.volume.full.", javaType = "String")
    public static final String EVENT_NAME = "CamelOntapEventName";
    @Metadata(label = "consumer", description = "Output of the EMS consumer: the event's severity, e.g. alert.",
            javaType = "String")
    public static final String EVENT_SEVERITY = "CamelOntapEventSeverity";
    @Metadata(label = "consumer", description = "Output of the EMS consumer: the name of the node that logged the event.",
            javaType = "String")
    public static final String EVENT_NODE = "CamelOntapEventNode";
    @Metadata(label = "consumer", description = "Output of the EMS consumer: the event's index (ONTAP numbers events per node).",
            javaType = "Long")
    public static final String EVENT_INDEX = "CamelOntapEventIndex";
    @Metadata(label = "consumer", description = "Output of the EMS consumer: the event's time, on the node's clock.",
            javaType = "java.time.Instant")
    public static final String EVENT_TIME = "CamelOntapEventTime";
    @Metadata(label = "consumer", description = "Output of the EMS consumer: the event's key, cluster/node uuid/index, unique"
            + " for the event. Sent to ontap: (run) without OntapOperationId, the message's operation id is derived from it"
            + " and the route id, so that an event delivered again never triggers a second operation.", javaType = "String")
    public static final String EVENT_KEY = "CamelOntapEventKey";
    @Metadata(label = "consumer", description = "Output of the EMS consumer: the event's parameters by name (values as"
            + " ONTAP gives them: data, never an expression).", javaType = "java.util.Map<String,String>")
    public static final String EVENT_PARAMETERS = "CamelOntapEventParameters";
    @Metadata(label = "consumer", description = "Output of the EMS consumer: the cluster's name (the endpoint's path).",
            javaType = "String")
    public static final String CLUSTER = "CamelOntapCluster";

    /**
     * The exchange property (not a header: headers can come from outside) naming who asked for a request document's
     * operation, e.g. {@code inbox} or {@code queue}; recorded with it and put in its outcome as {@code requested_by}.
     */
    public static final String REQUESTED_BY = "OntapRequestedBy";

    /**
     * The exchange property the EMS consumer sets to the event's key (as the header {@link #EVENT_KEY}): the producer
     * derives an operation id from it and the route id when the message has none. A property, not the header, because
     * headers can come from outside.
     */
    public static final String EVENT_KEY_PROPERTY = "CamelOntapEventKey";

    private OntapConstants() {
    }
}
