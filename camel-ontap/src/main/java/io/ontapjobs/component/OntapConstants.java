package io.ontapjobs.component;

import org.apache.camel.spi.Metadata;

/**
 * Message headers set and read by the {@code ontap:} component, named in Camel's convention ({@code CamelOntap*}): the
 * default header filter strategies of Camel's HTTP and JMS components drop {@code Camel*} headers both ways, so these
 * neither come in from a request (HTTP parameters, JMS properties) nor go out on the wire. Those it reads steer it: a
 * route taking messages from a component that does not filter {@code Camel*} removes {@code CamelOntap*} headers first.
 * Every code header ({@link #JOB_CODE}, {@link #ERROR_CODE}) is a String.
 */
public final class OntapConstants {
    @Metadata(label = "producer", description = "Input: the operation to do with this message instead of the endpoint's"
            + " option operation: run, trigger, read, cancel, pause or resume (exactly so written).", javaType = "String")
    public static final String OPERATION = "CamelOntapOperation";
    @Metadata(label = "producer", description = "Input: the method of this message's trigger instead of the option method:"
            + " POST, PATCH or DELETE; GET for read. Only for an endpoint with the option path.", javaType = "String")
    public static final String METHOD = "CamelOntapMethod";
    @Metadata(label = "producer", description = "Input: the ONTAP REST path of this message instead of the option path, e.g."
            + " /api/storage/volumes/UUID; a plain path under /api/ (no dot segments, percent signs, query or fragment)."
            + " Only for an endpoint with the option path.", javaType = "String")
    public static final String PATH = "CamelOntapPath";
    @Metadata(label = "producer", description = "Input: headers whose names start with CamelOntapQuery. add a query parameter to"
            + " this message's call, or replace the option of that name: CamelOntapQuery.name set to vol1 sends name=vol1. The"
            + " value is sent as data (percent-encoded). Parameter names: letters, digits, underscore and dot. Only for an"
            + " endpoint with the option path.", javaType = "String")
    public static final String QUERY_PREFIX = "CamelOntapQuery.";
    @Metadata(label = "producer", description = "The operation id: read on input (generated when absent), set on output."
            + " Input of cancel, pause and resume: the operation whose running job they address.", javaType = "String")
    public static final String OPERATION_ID = "CamelOntapOperationId";
    @Metadata(label = "producer", description = "Output of run: how the operation ended, one of succeeded, failed, cancelled,"
            + " timed_out, lost or rejected.", javaType = "String")
    public static final String STATUS = "CamelOntapStatus";
    @Metadata(label = "producer", description = "Output of run: the UUID of the job that decided the outcome; of trigger: the"
            + " first job's UUID. Input of cancel, pause and resume: the job they address when CamelOntapOperationId is absent.",
            javaType = "String")
    public static final String JOB_UUID = "CamelOntapJobUuid";
    @Metadata(label = "producer", description = "Output of run: the job's last state, e.g. success, failure or running.",
            javaType = "String")
    public static final String JOB_STATE = "CamelOntapJobState";
    @Metadata(label = "producer", description = "Output of run: the job's code (0 unless it failed), as a String of its"
            + " digits, e.g. 917927: every code header is a String (ONTAP's JSON gives job codes as numbers, error codes as"
            + " strings); simple compares it with a number or a string alike (== 917927, == '917927').",
            javaType = "String")
    public static final String JOB_CODE = "CamelOntapJobCode";
    @Metadata(label = "producer", description = "Output of run: the job's message (progress text, or the failure's message).",
            javaType = "String")
    public static final String JOB_MESSAGE = "CamelOntapJobMessage";
    @Metadata(label = "producer", description = "Output: ONTAP's error code, as ONTAP gives it (a string, e.g. 917927), of the"
            + " job or of a refused call. A String, like CamelOntapJobCode.", javaType = "String")
    public static final String ERROR_CODE = "CamelOntapErrorCode";
    @Metadata(label = "producer", description = "Output: ONTAP's error message, of the job or of a refused call.",
            javaType = "String")
    public static final String ERROR_MESSAGE = "CamelOntapErrorMessage";
    @Metadata(label = "producer", description = "Output of run: how many times the operation was triggered.", javaType = "Integer")
    public static final String ATTEMPTS = "CamelOntapAttempts";
    @Metadata(label = "producer", description = "Output: the HTTP status of the last call (of run: the last trigger's).",
            javaType = "Integer")
    public static final String HTTP_STATUS = "CamelOntapHttpStatus";
    @Metadata(label = "producer", description = "Output of run: why the operation ended this way, in words (absent for a"
            + " plain success).", javaType = "String")
    public static final String REASON = "CamelOntapReason";
    @Metadata(label = "producer", description = "Output of trigger: every job UUID the trigger answered with.",
            javaType = "java.util.List<String>")
    public static final String JOB_UUIDS = "CamelOntapJobUuids";
    @Metadata(label = "producer", description = "Output of cancel, pause and resume: whether the cluster accepted it.",
            javaType = "Boolean")
    public static final String ACTION_ACCEPTED = "CamelOntapActionAccepted";
    @Metadata(label = "producer", description = "Output of run: the outcome object.", javaType = "io.ontapjobs.outcome.Outcome")
    public static final String OUTCOME = "CamelOntapOutcome";

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
            + " for the event. Sent to ontap: (run) without CamelOntapOperationId, the message's operation id is derived from it"
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
