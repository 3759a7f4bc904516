package io.ontapjobs.ontap;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Optional;

/**
 * One answer of the ONTAP REST API.
 *
 * @param body       the parsed JSON body, or {@code null} when there was none or it was not JSON
 * @param retryAfter the {@code Retry-After} header, when the cluster sent one
 */
public record OntapResponse(int status, JsonNode body, Duration retryAfter) {

    public boolean isSuccess() {
        return status >= 200 && status < 300;
    }

    /** ONTAP's error object, {@code {"error": {"code", "message", "target"}}}, when the body has one. */
    public Optional<OntapError> error() {
        return OntapError.from(body);
    }

    /** Throttling or overload: the cluster asks us to come back later. */
    public boolean isBackPressure() {
        return status == 429 || status == 503;
    }
}
