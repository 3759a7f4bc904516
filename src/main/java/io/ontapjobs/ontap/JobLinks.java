package io.ontapjobs.ontap;

import com.fasterxml.jackson.databind.JsonNode;
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
}
