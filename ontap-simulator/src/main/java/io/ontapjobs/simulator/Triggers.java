package io.ontapjobs.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Answers the requests that trigger an operation (POST/PATCH/DELETE under {@code /api/} outside the jobs API): the
 * matching scenario refuses it, answers it at once, or starts its job(s), which {@code return_timeout} waits for.
 */
final class Triggers {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** HTTP status of a request whose job failed within return_timeout (ONTAP's "request input … inappropriate"). */
    static final int FAILED_IN_TIME_STATUS = 400;

    private final Rules rules;
    private final JobTable jobs;
    private final RecordStore records;
    /** {@code svm.name} of jobs whose request body names no SVM. */
    private final String defaultSvm;
    /** Multi-record POSTs: job uuid → what it creates, for {@code GET <collection>?job_results_uuid=<uuid>}; the latest 10,000. */
    private final Map<String, BulkResult> bulkResults = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, BulkResult> eldest) {
            return size() > 10_000;
        }
    };

    private record BulkResult(String collection, List<String> uuids) {
    }

    /** Set when the simulator closes, so that no {@code return_timeout} wait holds a thread any longer. */
    private volatile boolean closed;

    Triggers(Rules rules, JobTable jobs, RecordStore records, String defaultSvm) {
        this.rules = rules;
        this.jobs = jobs;
        this.records = records;
        this.defaultSvm = defaultSvm;
    }

    void stopWaiting() {
        closed = true;
    }

    /** @param returnTimeout seconds to wait for the job(s), -1 for none (then the answer is always 202) */
    Answer answer(String method, String path, InputStream request, int returnTimeout) throws InterruptedException {
        String bodyText;
        try {
            bodyText = new String(request.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ObjectNode body = bodyText.isBlank() ? null : parseBody(bodyText);
        List<ObjectNode> created = method.equals("POST") ? RecordStore.newRecords(body) : List.of();
        Scenario sc = rules.scenarioFor(method, path, bodyText);
        if (sc.triggerStatus() != 0) {
            throw new ApiError(sc.triggerStatus(), sc.triggerCode(), sc.triggerMessage(), sc.triggerTarget());
        }
        Runnable work = method.equals("POST") ? records.creation(path, created) : records.mutation(method, path, body);
        // ONTAP names a created object in Location; a bulk create has no single object to name
        String location = created.size() == 1 ? RecordStore.location(path, created.get(0)) : null;
        if (sc.synchronousStatus() != 0) {
            if (work != null) {
                work.run();
            }
            return located(new Answer(sc.synchronousStatus(), JsonNodeFactory.instance.objectNode()), location);
        }
        String svmName = defaultSvm;
        String svmUuid = null;
        if (body != null && body.path("svm").isObject()) {
            svmName = body.path("svm").path("name").asText(svmName);
            if (body.path("svm").path("uuid").isTextual()) {
                svmUuid = body.path("svm").path("uuid").asText();
            }
        }
        if (svmUuid == null) {
            svmUuid = UUID.nameUUIDFromBytes(("svm:" + svmName).getBytes(StandardCharsets.UTF_8)).toString();
        }
        long now = jobs.clock.millis();
        List<SimJob> started = jobs.start(method + " " + path, svmName, svmUuid, sc, work, now);
        if (method.equals("POST") && body != null && body.has("records") && started.size() == 1) {
            SimJob j = started.get(0);
            List<String> uuids = new java.util.ArrayList<>();
            created.forEach(r -> uuids.add(r.get("uuid").asText()));
            synchronized (bulkResults) {
                bulkResults.put(j.uuid, new BulkResult(path, List.copyOf(uuids)));
            }
            j.resultsHref = path + "?" + JOB_RESULTS_UUID + "=" + j.uuid;
        }
        boolean done = returnTimeout >= 0 && awaitEnd(started, now + returnTimeout * 1000L,
                System.nanoTime() + returnTimeout * 1_000_000_000L);
        long t = jobs.clock.millis();
        if (done) {
            Answer failed = failedInTime(started, t);
            if (failed != null) {
                return failed;
            }
        }
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        if (started.size() == 1) {
            SimJob j = started.get(0);
            if (done) {
                j.settle(t);
            }
            out.set("job", done ? j.toJson(t) : j.link());
        } else {
            ArrayNode arr = out.putArray("jobs");
            for (SimJob j : started) {
                if (done) {
                    j.settle(t);
                }
                arr.add(done ? j.toJson(t) : j.link());
            }
            out.put("num_records", started.size());
        }
        return located(new Answer(done ? (method.equals("POST") ? 201 : 200) : 202, out), location);
    }

    static final String JOB_RESULTS_UUID = "job_results_uuid";

    /**
     * {@code GET <collection>?job_results_uuid=<job uuid>}: what a multi-record POST's job created. While the job runs,
     * no records; once it succeeded, the records it created (as they are now; {@code fields} applies); if it failed,
     * no records and {@code errors} [{code, message}], which NetApp's Python client raises as "One or more jobs failed".
     */
    Answer results(String collection, QueryParams params) {
        String jobUuid = params.get(JOB_RESULTS_UUID);
        BulkResult r;
        synchronized (bulkResults) {
            r = bulkResults.get(jobUuid == null ? "" : jobUuid.toLowerCase());
        }
        if (r == null || !r.collection().equals(collection)) {
            throw ApiError.notFound(JOB_RESULTS_UUID);
        }
        long now = jobs.clock.millis();
        jobs.settlePending(now);
        ObjectNode job = jobs.job(jobUuid.toLowerCase()).orElse(null);
        String state = job == null ? "success" : job.path("state").asText(); // a job deleted after retention had ended
        QueryParams rest = new QueryParams(params.rebuild(List.of(JOB_RESULTS_UUID)));
        Query q = new Query(rest, null);
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        ArrayNode recs = out.putArray("records");
        if (state.equals("success")) {
            for (ObjectNode rec : records.list(collection)) {
                if (r.uuids().contains(rec.path("uuid").asText())) {
                    recs.add(q.project(rec, null));
                }
            }
        }
        out.put("num_records", recs.size());
        if (state.equals("failure")) {
            JsonNode e = job.path("error");
            ObjectNode err = out.putArray("errors").addObject();
            err.put("code", e.path("code").asText(String.valueOf(job.path("code").asLong())));
            err.put("message", e.path("message").asText(job.path("message").asText()));
        }
        out.putObject("_links").putObject("self").put("href", collection + "?" + params.raw);
        return new Answer(200, out);
    }

    private static Answer located(Answer a, String location) {
        if (location != null) {
            a.headers.put("Location", location);
        }
        return a;
    }

    /**
     * A job that failed within {@code return_timeout} is answered as the failure it is, not as 200/201 (ONTAP documents
     * those only for requests that complete successfully in time): HTTP 400 with ONTAP's error object holding the
     * job's code, message and target. The job link(s) come along, as in a 202 answer, so that a client can tell a job
     * that failed from a request refused before any job started (HTTP status and job link are simulator choices,
     * see docs/simulator.md). Null when every job succeeded.
     */
    private static Answer failedInTime(List<SimJob> started, long t) {
        ObjectNode failedJob = null;
        for (SimJob j : started) {
            ObjectNode json = j.toJson(t);
            if (json.path("state").asText().equals("failure")) {
                failedJob = json;
                break;
            }
        }
        if (failedJob == null) {
            return null;
        }
        started.forEach(j -> j.settle(t)); // other jobs' work still happens, as it would on the cluster
        JsonNode e = failedJob.path("error");
        Answer a = Answer.error(FAILED_IN_TIME_STATUS, e.path("code").asText(String.valueOf(failedJob.path("code").asLong())),
                e.path("message").asText(failedJob.path("message").asText()), e.path("target").asText(""));
        ObjectNode body = (ObjectNode) a.body;
        if (started.size() == 1) {
            body.set("job", started.get(0).link());
        } else {
            ArrayNode arr = body.putArray("jobs");
            started.forEach(j -> arr.add(j.link()));
            body.put("num_records", started.size());
        }
        return a;
    }

    /** The request body, which must be a JSON object. */
    private static ObjectNode parseBody(String bodyText) {
        JsonNode parsed;
        try {
            parsed = JSON.readTree(bodyText);
        } catch (JsonProcessingException e) {
            throw new ApiError(400, OntapErrors.UNEXPECTED_ARGUMENT, "Invalid JSON input: " + firstLine(e.getOriginalMessage())
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")" : ""), "body");
        }
        if (parsed != null && !parsed.isObject()) {
            throw new ApiError(400, OntapErrors.UNEXPECTED_ARGUMENT, "Invalid JSON input: the request body must be a JSON object.", "body");
        }
        return (ObjectNode) parsed;
    }

    /**
     * Polls the clock (jobs have no thread to notify) until every job has ended; false at the deadline or on close.
     * {@code realDeadlineNanos} bounds the wait when the clock is a test's that does not move on its own.
     */
    private boolean awaitEnd(List<SimJob> started, long deadline, long realDeadlineNanos) throws InterruptedException {
        while (true) {
            long t = jobs.clock.millis();
            boolean done = true;
            for (SimJob j : started) {
                if (!j.state(t).terminal()) {
                    done = false;
                    break;
                }
            }
            if (done || t >= deadline || closed || System.nanoTime() - realDeadlineNanos >= 0) {
                return done;
            }
            Thread.sleep(Math.min(10, deadline - t));
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
