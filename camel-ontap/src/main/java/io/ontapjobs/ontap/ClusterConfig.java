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
 * @param simulator               the cluster is the in-process ONTAP simulator (outcomes, the page and health say so)
 * @param unreachableAfter        how long a trigger that cannot be sent at all (unknown host, refused connection) is
 *                                retried before the operation ends {@code lost}: a mistyped URL must not stall a caller
 */
public record ClusterConfig(String name, URI url, String username, String password, boolean insecure,
                            Path truststore, String truststorePassword, int maxConcurrentRequests,
                            Duration requestTimeout, AllowList allow, boolean simulator, Duration unreachableAfter) {

    public static final int DEFAULT_MAX_CONCURRENT_REQUESTS = 2;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_UNREACHABLE_AFTER = Duration.ofSeconds(30);

    public ClusterConfig {
        if (url == null) {
            throw new IllegalArgumentException("cluster '" + name + "': url is missing (ontap.clusters." + name + ".url)");
        }
        Urls.check(url, "cluster '" + name + "': url");
        String scheme = url.getScheme();
        if (!"https".equals(scheme) && !"http".equals(scheme)) {
            throw new IllegalArgumentException("cluster '" + name + "': url must start with https:// or http://");
        }
        if (url.getHost() == null) {
            throw new IllegalArgumentException("cluster '" + name + "': url has no host");
        }
        if (insecure && truststore != null) {
            throw new IllegalArgumentException("cluster '" + name + "': choose insecure or a truststore, not both");
        }
        if (maxConcurrentRequests < 1) {
            throw new IllegalArgumentException("cluster '" + name + "': max-concurrent-requests must be at least 1");
        }
        allow = allow == null ? AllowList.NONE : allow;
        unreachableAfter = unreachableAfter == null ? DEFAULT_UNREACHABLE_AFTER : unreachableAfter;
        if (unreachableAfter.isNegative() || unreachableAfter.isZero()) {
            throw new IllegalArgumentException("cluster '" + name + "': unreachable-after must be positive");
        }
    }

    public ClusterConfig(String name, URI url, String username, String password, boolean insecure, Path truststore,
                         String truststorePassword, int maxConcurrentRequests, Duration requestTimeout) {
        this(name, url, username, password, insecure, truststore, truststorePassword, maxConcurrentRequests, requestTimeout,
                AllowList.NONE, false, DEFAULT_UNREACHABLE_AFTER);
    }

    public static ClusterConfig of(String name, String url, String username, String password) {
        return new ClusterConfig(name, URI.create(url), username, password, false, null, null,
                DEFAULT_MAX_CONCURRENT_REQUESTS, DEFAULT_REQUEST_TIMEOUT);
    }

    public ClusterConfig withMaxConcurrentRequests(int value) {
        return new ClusterConfig(name, url, username, password, insecure, truststore, truststorePassword,
                value, requestTimeout, allow, simulator, unreachableAfter);
    }

    public ClusterConfig withAllow(AllowList value) {
        return new ClusterConfig(name, url, username, password, insecure, truststore, truststorePassword,
                maxConcurrentRequests, requestTimeout, value, simulator, unreachableAfter);
    }

    public ClusterConfig withUnreachableAfter(Duration value) {
        return new ClusterConfig(name, url, username, password, insecure, truststore, truststorePassword,
                maxConcurrentRequests, requestTimeout, allow, simulator, value);
    }

    public ClusterConfig asSimulator() {
        return new ClusterConfig(name, url, username, password, insecure, truststore, truststorePassword,
                maxConcurrentRequests, requestTimeout, allow, true, unreachableAfter);
    }

    @Override
    public String toString() {
        return "ClusterConfig[" + name + " " + url + " user=" + username + " password=***"
                + (insecure ? " insecure" : "") + (truststore != null ? " truststore=" + truststore : "")
                + (simulator ? " simulator" : "") + "]";
    }
}
