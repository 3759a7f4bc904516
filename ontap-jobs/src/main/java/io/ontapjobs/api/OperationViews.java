package io.ontapjobs.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ontapjobs.ontap.Job;
import io.ontapjobs.operation.ClusterOwnership;
import io.ontapjobs.operation.OperationRequest;
import io.ontapjobs.operation.OperationRunner;
import io.ontapjobs.operation.OperationSnapshot;
import io.ontapjobs.operation.StoredOperation;
import io.ontapjobs.outcome.Outcome;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The API's read model: an operation as {@code GET /api/v1/operations[/{id}]} shows it, while it runs (the runner's
 * {@link OperationSnapshot}) and after it ended or when another process runs it (the repository's
 * {@link StoredOperation}).
 */
public final class OperationViews {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Operations of the store a list shows when other processes run some. */
    static final int LIST_LIMIT = 1000;

    private OperationViews() {
    }

    /** The operation as the API shows it, while it runs and after it ended. */
    public static Optional<ObjectNode> view(OperationRunner runner, String id) {
        Optional<OperationSnapshot> live = runner.snapshot(id);
        if (live.isPresent()) {
            return live.map(OperationViews::view);
        }
        // ended long ago, in an earlier run of the service, or not taken up here: the store knows it
        return runner.repository().find(id).map(OperationViews::view);
    }

    /** Operations known to this process, newest first; {@code status} filters (accepted, running, or an outcome word). */
    public static List<ObjectNode> list(OperationRunner runner, String status) {
        if (runner.ownership() == ClusterOwnership.EVERYTHING) {
            return runner.snapshots().stream()
                    .filter(s -> status == null || s.status().equals(status))
                    .map(OperationViews::view).toList();
        }
        // other processes run some: the store's latest too, this process's own view where it has one
        Map<String, ObjectNode> views = new LinkedHashMap<>();
        runner.snapshots().forEach(s -> views.put(s.request().id(), view(s)));
        runner.repository().recent(LIST_LIMIT).forEach(s -> views.computeIfAbsent(s.id(), id -> view(s)));
        return views.values().stream()
                .filter(v -> status == null || v.path("status").asText().equals(status))
                .sorted(Comparator.comparing((ObjectNode v) -> v.path("accepted_at").asText()).reversed())
                .toList();
    }

    static ObjectNode view(OperationSnapshot s) {
        Outcome o = s.outcome();
        ObjectNode v = o != null ? (ObjectNode) o.toCloudEvent().get("data") : JSON.createObjectNode();
        v.put("status", s.status());
        if (o != null && o.time() != null) { // when it ended: a cancelled or timed-out job may have no end_time
            v.put("ended_at", o.time().truncatedTo(ChronoUnit.MILLIS).toString());
        }
        if (o == null) {
            OperationRequest request = s.request();
            ObjectNode op = v.putObject("operation");
            op.put("id", request.id());
            op.put("cluster", s.cluster());
            op.put("method", request.method());
            op.put("path", request.path());
            putQuery(op, request.query());
            ArrayNode js = v.putArray("jobs");
            for (Job j : s.jobs()) {
                js.addObject().put("uuid", j.uuid()).put("state", j.state()).put("message", j.message());
            }
            v.put("attempts", s.attempts());
            if (request.requestedBy() != null) {
                v.put("requested_by", request.requestedBy());
            }
        }
        v.put("accepted_at", s.acceptedAt().toString());
        if (s.startedAt() != null) {
            v.put("started_at", s.startedAt().toString());
        }
        if (s.lastPollAt() != null) {
            v.put("last_poll_at", s.lastPollAt().toString());
        }
        return v;
    }

    /** The operation's query in its view, by name, as the outcome shows it; nothing for none. */
    private static void putQuery(ObjectNode operation, Map<String, String> query) {
        if (!query.isEmpty()) {
            ObjectNode q = operation.putObject("query");
            new java.util.TreeMap<>(query).forEach(q::put);
        }
    }

    static ObjectNode view(StoredOperation s) {
        Outcome o = s.readOutcome();
        ObjectNode v = o != null ? (ObjectNode) o.toCloudEvent().get("data") : JSON.createObjectNode();
        if (o == null) {
            OperationRequest r = OperationRequest.fromStored(s.request());
            putQuery(v.putObject("operation").put("id", r.id()).put("cluster", r.cluster()).put("method", r.method())
                    .put("path", r.path()), r.query());
            v.put("attempts", s.attempts());
            if (r.requestedBy() != null) {
                v.put("requested_by", r.requestedBy());
            }
        } else if (o.query().isEmpty() && v.path("operation").isObject()) {
            // an outcome stored before outcomes recorded the query: the stored request still holds it
            Map<String, String> query = new LinkedHashMap<>();
            try {
                JSON.readTree(s.request()).path("query").properties().forEach(e -> query.put(e.getKey(), e.getValue().asText()));
            } catch (java.io.IOException e) {
                throw new IllegalStateException("stored request of " + s.id() + " is unreadable", e);
            }
            query.remove("return_timeout");
            putQuery((ObjectNode) v.get("operation"), query);
        }
        v.put("status", s.status());
        v.put("accepted_at", s.acceptedAt().toString());
        return v;
    }
}
