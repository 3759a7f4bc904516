package io.ontapjobs.simulator;

import java.time.Instant;

/**
 * One request under {@code /api/support/ems} that reached the simulator (see {@link OntapSimulator#emsRequests()}),
 * for tests that check which URLs an EMS consumer sends and how long they are.
 *
 * @param at        when it came, by the simulator's clock
 * @param method    the HTTP method
 * @param uri       the request URI as sent: raw path, and {@code ?} and the raw query if any
 * @param userAgent the {@code User-Agent} header, or null
 */
public record EmsRequest(Instant at, String method, String uri, String userAgent) {
    /** The length of {@link #uri()} in characters (bytes, for the ASCII a URI is). */
    public int length() {
        return uri.length();
    }

    /** The raw query, or "" when there is none. */
    public String query() {
        int q = uri.indexOf('?');
        return q < 0 ? "" : uri.substring(q + 1);
    }
}
