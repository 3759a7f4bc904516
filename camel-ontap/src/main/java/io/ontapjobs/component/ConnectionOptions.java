package io.ontapjobs.component;

import io.ontapjobs.ontap.AllowList;
import io.ontapjobs.ontap.ClusterConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** The connection options of an {@link OntapConfiguration}: compared between definitions, and the cluster they define. */
final class ConnectionOptions {
    private ConnectionOptions() {
    }

    /**
     * The connection options by name, in a fixed order; the password travels here for comparison only and is never
     * put in a message.
     */
    static Map<String, Object> of(OntapConfiguration c) {
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("url", c.getUrl());
        options.put("username", c.getUsername());
        options.put("password", c.getPassword());
        options.put("insecure", c.isInsecure());
        options.put("truststore", c.getTruststore());
        options.put("truststorePassword", c.getTruststorePassword());
        options.put("allow", c.getAllow());
        options.put("maxConcurrentRequests", c.getMaxConcurrentRequests());
        options.put("requestTimeout", c.getRequestTimeout());
        options.put("unreachableAfter", c.getUnreachableAfter());
        return options;
    }

    /** The connection options set to something else than their default. */
    static List<String> set(OntapConfiguration c) {
        Map<String, Object> defaults = of(new OntapConfiguration());
        List<String> set = new ArrayList<>();
        of(c).forEach((name, value) -> {
            if (!Objects.equals(value, defaults.get(name))) {
                set.add(name);
            }
        });
        return set;
    }

    /** The connection options set to something else than {@code base}'s (the component's, which this copies). */
    static List<String> setApartFrom(OntapConfiguration c, OntapConfiguration base) {
        Map<String, Object> theirs = of(base == null ? new OntapConfiguration() : base);
        List<String> set = new ArrayList<>();
        of(c).forEach((name, value) -> {
            if (!name.equals("url") && !Objects.equals(value, theirs.get(name))) {
                set.add(name);
            }
        });
        return set;
    }

    /** The first connection option on which {@code other} differs, or {@code null}. */
    static String firstDifference(OntapConfiguration c, OntapConfiguration other) {
        Map<String, Object> theirs = of(other);
        for (var e : of(c).entrySet()) {
            if (!Objects.equals(e.getValue(), theirs.get(e.getKey()))) {
                return e.getKey();
            }
        }
        return null;
    }

    /**
     * The cluster these options define under {@code name}.
     *
     * @throws IllegalArgumentException naming the option at fault
     */
    static ClusterConfig clusterConfig(OntapConfiguration c, String name) {
        URI uri = io.ontapjobs.ontap.Urls.parse(c.getUrl(), "option url");
        try {
            return new ClusterConfig(name, uri, c.getUsername(), c.getPassword(), c.isInsecure(),
                    c.getTruststore() == null ? null : Path.of(c.getTruststore()), c.getTruststorePassword(),
                    c.getMaxConcurrentRequests(), Duration.ofMillis(c.getRequestTimeout()),
                    AllowList.parse(c.getAllow(), "option allow"), Duration.ofMillis(c.getUnreachableAfter()));
        } catch (ClusterConfig.InvalidSetting e) { // checked there, once: named here as the option it came from
            throw new IllegalArgumentException("option " + e.option() + ": " + e.problem(), e);
        }
    }
}
