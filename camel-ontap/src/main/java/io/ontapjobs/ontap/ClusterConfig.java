package io.ontapjobs.ontap;

import io.ontapjobs.ontap.AllowList;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How to reach one ONTAP cluster. {@link #toString()} never shows the password.
 *
 * @param requestTimeout          connect and response timeout of one REST call
 * @param maxConcurrentRequests   REST calls in flight to this cluster at most (ONTAP limits sessions per user)
 * @param allow                   what requests from the API, the inbox and the queue may run here
 * @param unreachableAfter        how long a trigger that cannot be sent at all (unknown host, refused connection) is
 *                                retried before the operation ends {@code lost}: a mistyped URL must not stall a caller
 */
public record ClusterConfig(String name, URI url, String username, String password, boolean insecure,
                            Path truststore, String truststorePassword, int maxConcurrentRequests,
                            Duration requestTimeout, AllowList allow, Duration unreachableAfter) {

    public static final int DEFAULT_MAX_CONCURRENT_REQUESTS = 2;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_UNREACHABLE_AFTER = Duration.ofSeconds(30);

    public ClusterConfig {
        if (url == null) {
            throw new InvalidSetting(name, "url", "is missing");
        }
        try {
            Urls.check(url, "url");
        } catch (IllegalArgumentException e) {
            throw new InvalidSetting(name, "url", e.getMessage().substring("url: ".length()));
        }
        String scheme = url.getScheme();
        if (!"https".equals(scheme) && !"http".equals(scheme)) {
            throw new InvalidSetting(name, "url", "must start with https:// or http://");
        }
        if (url.getHost() == null) {
            throw new InvalidSetting(name, "url", "has no host");
        }
        String path = url.getRawPath();
        if (path != null && !path.isEmpty() && !path.equals("/") || url.getRawQuery() != null || url.getRawFragment() != null) {
            // the client calls <scheme>://<host>:<port>/api/...: a path here would be dropped without a word
            throw new InvalidSetting(name, "url", "holds more than the cluster's address (" + (url.getRawQuery() != null
                    || url.getRawFragment() != null ? "a query or fragment" : "the path " + path) + "); give scheme, host and port"
                    + " only, e.g. https://cluster1.example.com (each request names its own /api/... path)");
        }
        if (insecure && truststore != null) {
            throw new InvalidSetting(name, "insecure", "cannot go with a truststore: choose one");
        }
        if (maxConcurrentRequests < 1) {
            throw new InvalidSetting(name, "max-concurrent-requests", "must be at least 1");
        }
        requestTimeout = requestTimeout == null ? DEFAULT_REQUEST_TIMEOUT : requestTimeout;
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new InvalidSetting(name, "request-timeout", "must be more than 0");
        }
        allow = allow == null ? AllowList.NONE : allow;
        unreachableAfter = unreachableAfter == null ? DEFAULT_UNREACHABLE_AFTER : unreachableAfter;
        if (unreachableAfter.isNegative() || unreachableAfter.isZero()) {
            throw new InvalidSetting(name, "unreachable-after", "must be more than 0");
        }
    }

    /**
     * A cluster setting no request could make right, found once, here, whichever way the cluster is defined: each way
     * names the setting its own way ({@link #setting()} is the {@code ontap.clusters.NAME.*} spelling, {@link #option()}
     * the endpoint option's).
     */
    public static final class InvalidSetting extends IllegalArgumentException {
        private final String setting;
        private final String problem;

        InvalidSetting(String cluster, String setting, String problem) {
            super("cluster '" + cluster + "': " + setting + " " + problem);
            this.setting = setting;
            this.problem = problem;
        }

        /** The setting at fault, as a property key ends: {@code url}, {@code max-concurrent-requests}, ... */
        public String setting() {
            return setting;
        }

        /** The same setting as an endpoint or component option: {@code maxConcurrentRequests}. */
        public String option() {
            StringBuilder b = new StringBuilder();
            for (String part : setting.split("-")) {
                b.append(b.length() == 0 ? part : Character.toUpperCase(part.charAt(0)) + part.substring(1));
            }
            return b.toString();
        }

        /** What is wrong with it, without the setting's name. */
        public String problem() {
            return problem;
        }
    }

    public ClusterConfig(String name, URI url, String username, String password, boolean insecure, Path truststore,
                         String truststorePassword, int maxConcurrentRequests, Duration requestTimeout) {
        this(name, url, username, password, insecure, truststore, truststorePassword, maxConcurrentRequests, requestTimeout,
                AllowList.NONE, DEFAULT_UNREACHABLE_AFTER);
    }

    public static ClusterConfig of(String name, String url, String username, String password) {
        return new ClusterConfig(name, URI.create(url), username, password, false, null, null,
                DEFAULT_MAX_CONCURRENT_REQUESTS, DEFAULT_REQUEST_TIMEOUT);
    }

    public ClusterConfig withMaxConcurrentRequests(int value) {
        return new ClusterConfig(name, url, username, password, insecure, truststore, truststorePassword,
                value, requestTimeout, allow, unreachableAfter);
    }

    public ClusterConfig withAllow(AllowList value) {
        return new ClusterConfig(name, url, username, password, insecure, truststore, truststorePassword,
                maxConcurrentRequests, requestTimeout, value, unreachableAfter);
    }

    public ClusterConfig withUnreachableAfter(Duration value) {
        return new ClusterConfig(name, url, username, password, insecure, truststore, truststorePassword,
                maxConcurrentRequests, requestTimeout, allow, value);
    }

    @Override
    public String toString() {
        return "ClusterConfig[" + name + " " + url + " user=" + username + " password=***"
                + (insecure ? " insecure" : "") + (truststore != null ? " truststore=" + truststore : "")
                + "]";
    }
}
