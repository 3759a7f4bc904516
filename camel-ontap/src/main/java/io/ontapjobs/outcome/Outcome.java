package io.ontapjobs.outcome;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ontapjobs.ontap.Job;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The end of one operation, published as a CloudEvents 1.0 JSON document.
 *
 * @param job        the job that decided the outcome (of the last attempt: the one that failed, else the last), or null
 * @param jobs       the last state seen of every job, in the order started (several attempts or a multi-job answer)
 * @param httpStatus the trigger's last HTTP status, when one came back
 * @param reason     why it ended this way, in words; {@code null} for a plain success
 * @param cancel     what happened to a cancel request (timeout or rule), or {@code null}
 * @param requestedBy who asked for the operation (an API client's name, inbox, queue), or {@code null}
 * @param simulator  the cluster was the in-process simulator: the source says so, so no one mistakes it for real work
 * @param query      the trigger's query parameters as requested ({@code return_timeout} aside), empty for none; an
 *                   outcome stored before it was recorded reads back with none
 */
public record Outcome(String operationId, String cluster, String method, String path, OutcomeStatus status,
                      Job job, List<Job> jobs, int attempts, int polls, Integer httpStatus, String reason, JsonNode cancel,
                      Instant time, String requestedBy, boolean simulator, Map<String, String> query) {

    public Outcome {
        query = query == null ? Map.of() : Map.copyOf(query);
    }

    public Outcome(String operationId, String cluster, String method, String path, OutcomeStatus status, Job job,
                   List<Job> jobs, int attempts, int polls, Integer httpStatus, String reason, JsonNode cancel, Instant time,
                   String requestedBy, boolean simulator) {
        this(operationId, cluster, method, path, status, job, jobs, attempts, polls, httpStatus, reason, cancel, time, requestedBy,
                simulator, Map.of());
    }

    public Outcome(String operationId, String cluster, String method, String path, OutcomeStatus status, Job job,
                   List<Job> jobs, int attempts, int polls, Integer httpStatus, String reason, JsonNode cancel, Instant time) {
        this(operationId, cluster, method, path, status, job, jobs, attempts, polls, httpStatus, reason, cancel, time, null, false,
                Map.of());
    }

    public static final String SOURCE = "ontap-jobs";
    /** The source of an outcome of the in-process simulator: {@code ontap-jobs/simulator/<cluster>}. */
    static final String SIMULATOR = "simulator/";
    private static final ObjectMapper JSON = new ObjectMapper();

    public String type() {
        return "ontap.operation." + status.word();
    }

    public ObjectNode toCloudEvent() {
        ObjectNode event = JSON.createObjectNode();
        event.put("specversion", "1.0");
        event.put("id", operationId); // one outcome per operation: stable, so consumers can deduplicate
        event.put("source", SOURCE + "/" + (simulator ? SIMULATOR : "") + cluster);
        event.put("type", type());
        event.put("subject", operationId);
        event.put("time", time.truncatedTo(ChronoUnit.MILLIS).toString());
        event.put("datacontenttype", "application/json");
        ObjectNode data = event.putObject("data");
        data.put("status", status.word());
        ObjectNode op = data.putObject("operation");
        op.put("id", operationId);
        op.put("cluster", cluster);
        op.put("method", method);
        op.put("path", path);
        if (!query.isEmpty()) {
            ObjectNode q = op.putObject("query");
            new TreeMap<>(query).forEach(q::put); // by name: the same document every time
        }
        data.set("job", job == null ? JSON.nullNode() : jobJson(job));
        if (jobs.size() > 1) {
            ArrayNode all = data.putArray("jobs");
            jobs.forEach(j -> all.add(jobJson(j)));
        }
        data.put("attempts", attempts);
        data.put("polls", polls);
        if (httpStatus != null) {
            data.put("http_status", httpStatus);
        }
        if (reason != null) {
            data.put("reason", reason);
        }
        if (cancel != null) {
            data.set("cancel", cancel);
        }
        if (requestedBy != null) {
            data.put("requested_by", requestedBy);
        }
        return event;
    }

    /** Reads back an outcome that {@link #toJson()} wrote (the store keeps outcomes so). */
    public static Outcome fromCloudEvent(JsonNode event) {
        JsonNode data = event.path("data");
        JsonNode op = data.path("operation");
        List<Job> jobs = new java.util.ArrayList<>();
        Job job = data.path("job").isObject() ? Job.from(data.get("job")) : null;
        if (data.path("jobs").isArray()) {
            data.get("jobs").forEach(j -> jobs.add(Job.from(j)));
        } else if (job != null) {
            jobs.add(job);
        }
        return new Outcome(op.path("id").asText(), op.path("cluster").asText(), op.path("method").asText(), op.path("path").asText(),
                OutcomeStatus.valueOf(data.path("status").asText().toUpperCase(java.util.Locale.ROOT)), job, List.copyOf(jobs),
                data.path("attempts").asInt(), data.path("polls").asInt(),
                data.hasNonNull("http_status") ? data.get("http_status").asInt() : null,
                data.hasNonNull("reason") ? data.get("reason").asText() : null,
                data.hasNonNull("cancel") ? data.get("cancel") : null, Instant.parse(event.path("time").asText()),
                data.hasNonNull("requested_by") ? data.get("requested_by").asText() : null,
                event.path("source").asText().startsWith(SOURCE + "/" + SIMULATOR), query(op.get("query")));
    }

    private static Map<String, String> query(JsonNode q) {
        Map<String, String> query = new LinkedHashMap<>();
        if (q != null && q.isObject()) {
            q.fields().forEachRemaining(e -> query.put(e.getKey(), e.getValue().asText()));
        }
        return query;
    }

    public String toJson() {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(toCloudEvent());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode jobJson(Job job) {
        ObjectNode j = JSON.createObjectNode();
        j.put("uuid", job.uuid());
        j.put("state", job.state());
        if (job.code() != null) {
            j.put("code", job.code());
        } else {
            j.putNull("code");
        }
        j.put("message", job.message());
        JsonNode error = job.raw() == null ? null : job.raw().get("error");
        j.set("error", error == null ? JSON.nullNode() : error);
        j.put("start_time", job.startTime());
        j.put("end_time", job.endTime());
        return j;
    }
}
