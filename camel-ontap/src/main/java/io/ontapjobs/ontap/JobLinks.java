package io.ontapjobs.ontap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/** Finds the job UUIDs in a trigger's answer: {@code {"job": {...}}} or, for query-based PATCH/DELETE, {@code {"jobs": [...]}}. */
public final class JobLinks {
    private JobLinks() {
    }

    public static List<String> uuids(JsonNode body) {
        List<String> uuids = new ArrayList<>();
        if (body == null) {
            return uuids;
        }
        JsonNode job = body.get("job");
        if (job != null && job.hasNonNull("uuid")) {
            uuids.add(job.get("uuid").asText());
        }
        for (JsonNode j : body.path("jobs")) {
            if (j.hasNonNull("uuid")) {
                uuids.add(j.get("uuid").asText());
            }
        }
        return uuids;
    }

    /** With {@code return_timeout}, ONTAP answers 200/201 with the finished job itself. */
    public static Job embeddedJob(JsonNode body) {
        JsonNode job = body == null ? null : body.get("job");
        return job != null && job.hasNonNull("state") ? Job.from(job) : null;
    }

    /**
     * The job that ended within the call ({@code return_timeout}), or null: either a 2xx carrying the finished job
     * (whose state may still be {@code failure}: a 2xx alone is no success), or an error answer that names the job
     * whose failure it reports, {@code {"error": {...}, "job": {"uuid", ...}}}. The latter becomes a failed job with
     * the error's code and message, so that it is judged like any failed job rather than as a refused request.
     */
    public static Job endedWithinCall(OntapResponse response) {
        JsonNode body = response.body();
        if (response.isSuccess()) {
            Job embedded = embeddedJob(body);
            return embedded != null && embedded.isFinished() ? embedded : null;
        }
        Job carried = embeddedJob(body);
        if (carried != null && carried.isFinished()) {
            return carried;
        }
        OntapError error = response.error().orElse(null);
        List<String> uuids = uuids(body);
        if (error == null || uuids.isEmpty()) {
            return null;
        }
        ObjectNode job = JsonNodeFactory.instance.objectNode();
        job.put("uuid", uuids.get(0));
        job.put("state", "failure");
        if (error.code() != null && error.code().matches("\\d{1,18}")) {
            job.put("code", Long.parseLong(error.code()));
        }
        if (error.message() != null) {
            job.put("message", error.message());
        }
        job.set("error", body.get("error").deepCopy());
        return Job.from(job);
    }
}
