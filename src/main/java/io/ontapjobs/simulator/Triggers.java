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
import java.util.List;
import java.util.UUID;

/**
 * Answers the requests that trigger an operation (POST/PATCH/DELETE under {@code /api/} outside the jobs API): the
 * matching scenario refuses it, answers it at once, or starts its job(s), which {@code return_timeout} waits for.
 */
final class Triggers {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Rules rules;
    private final JobTable jobs;
    private final RecordStore records;
    /** {@code svm.name} of jobs whose request body names no SVM. */
    private final String defaultSvm;
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
        Scenario sc = rules.scenarioFor(method, path, bodyText);
        if (sc.triggerStatus() != 0) {
            throw new ApiError(sc.triggerStatus(), sc.triggerCode(), sc.triggerMessage(), sc.triggerTarget());
        }
        Runnable work = records.mutation(method, path, body);
        if (sc.synchronousStatus() != 0) {
            if (work != null) {
                work.run();
            }
            return new Answer(sc.synchronousStatus(), JsonNodeFactory.instance.objectNode());
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
        long now = System.currentTimeMillis();
        List<SimJob> started = jobs.start(method + " " + path, svmName, svmUuid, sc, work, now);
        boolean done = returnTimeout >= 0 && awaitEnd(started, now + returnTimeout * 1000L);
        long t = System.currentTimeMillis();
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
        return new Answer(done ? (method.equals("POST") ? 201 : 200) : 202, out);
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

    /** Polls the clock (jobs have no thread to notify) until every job has ended; false at the deadline or on close. */
    private boolean awaitEnd(List<SimJob> started, long deadline) throws InterruptedException {
        while (true) {
            long t = System.currentTimeMillis();
            boolean done = true;
            for (SimJob j : started) {
                if (!j.state(t).terminal()) {
                    done = false;
                    break;
                }
            }
            if (done || t >= deadline || closed) {
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
