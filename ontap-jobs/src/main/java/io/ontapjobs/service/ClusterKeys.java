package io.ontapjobs.service;

import io.ontapjobs.ontap.ClusterConfig;
import io.ontapjobs.policy.Durations;
import io.ontapjobs.ontap.AllowList;
import io.ontapjobs.ontap.Urls;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.apache.camel.spi.PropertiesComponent;

/**
 * The service's clusters: reads {@code ontap.clusters.<name>.*} from Camel's properties: {@code config/application.properties}, then
 * {@code -Dkey=value}, then the environment ({@code ONTAP_CLUSTERS_DEFAULT_PASSWORD}), the later winning.
 */
final class ClusterKeys {
    static final String PREFIX = "ontap.clusters.";
    static final Set<String> KEYS = Set.of("url", "username", "password", "insecure", "truststore",
            "truststore-password", "max-concurrent-requests", "request-timeout", "allow", "unreachable-after");
    private static final String ENV_PREFIX = "ONTAP_CLUSTERS_";

    private ClusterKeys() {
    }

    /**
     * The clusters named anywhere in the configuration, each read whole.
     *
     * @throws IllegalArgumentException naming the key, for a cluster given settings but no {@code url} (a password
     *         alone must not leave requests to run somewhere else); {@code allow} alone is no cluster
     */
    public static Map<String, ClusterConfig> read(PropertiesComponent properties) {
        Set<String> names = new TreeSet<>();
        for (String key : properties.loadProperties(k -> k.startsWith(PREFIX)).stringPropertyNames()) {
            nameOf(key).ifPresent(names::add);
        }
        for (String key : System.getProperties().stringPropertyNames()) {
            if (key.startsWith(PREFIX)) {
                nameOf(key).ifPresent(names::add);
            }
        }
        for (String env : System.getenv().keySet()) {
            if (env.startsWith(ENV_PREFIX)) {
                for (String k : KEYS) {
                    String suffix = "_" + k.toUpperCase(Locale.ROOT).replace('-', '_');
                    if (env.endsWith(suffix) && env.length() > ENV_PREFIX.length() + suffix.length()) {
                        names.add(env.substring(ENV_PREFIX.length(), env.length() - suffix.length()).toLowerCase(Locale.ROOT));
                        break;
                    }
                }
            }
        }
        Map<String, ClusterConfig> clusters = new java.util.LinkedHashMap<>();
        for (String name : names) {
            Function<String, Optional<String>> get = k -> properties.resolveProperty(PREFIX + name + "." + k).filter(v -> !v.isBlank());
            if (get.apply("url").isEmpty()) {
                for (String k : new TreeSet<>(KEYS)) {
                    if (!k.equals("allow") && get.apply(k).isPresent()) {
                        throw new IllegalArgumentException(PREFIX + name + ".url: missing, but " + PREFIX + name + "." + k
                                + " is set (a cluster needs its URL; remove the other keys to drop it)");
                    }
                }
                continue; // only an allow list (the shipped one, for the simulator): no cluster
            }
            clusters.put(name, build(name, get));
        }
        return clusters;
    }

    static ClusterConfig build(String name, Function<String, Optional<String>> get) {
        String prefix = PREFIX + name + ".";
        try {
            URI url = Urls.parse(get.apply("url").orElseThrow(), prefix + "url");
            Duration timeout = get.apply("request-timeout").map(Durations::parse).orElse(ClusterConfig.DEFAULT_REQUEST_TIMEOUT);
            int max = get.apply("max-concurrent-requests").map(v -> parseInt(prefix + "max-concurrent-requests", v))
                    .orElse(ClusterConfig.DEFAULT_MAX_CONCURRENT_REQUESTS);
            return new ClusterConfig(name, url, get.apply("username").orElse("admin"), get.apply("password").orElse(null),
                    get.apply("insecure").map(v -> parseBoolean(prefix + "insecure", v)).orElse(false),
                    get.apply("truststore").map(Path::of).orElse(null), get.apply("truststore-password").orElse(null),
                    max, timeout, allow(name, get),
                    get.apply("unreachable-after").map(Durations::parse).orElse(ClusterConfig.DEFAULT_UNREACHABLE_AFTER));
        } catch (ClusterConfig.InvalidSetting e) { // checked there, once: named here as the key it came from
            throw new IllegalArgumentException(prefix + e.setting() + ": " + e.problem(), e);
        } catch (IllegalArgumentException e) {
            throw e.getMessage() != null && e.getMessage().startsWith(prefix) ? e // names its key already
                    : new IllegalArgumentException(prefix + "*: " + e.getMessage(), e);
        }
    }

    /** {@code ontap.clusters.<name>.allow}: what requests from the entry points may run there (none when unset). */
    public static AllowList allow(String name, Function<String, Optional<String>> get) {
        return AllowList.parse(get.apply("allow").orElse(null), PREFIX + name + ".allow");
    }

    /** The allow list configured for {@code name}, read from the properties (the simulator's cluster uses it). */
    public static AllowList allow(PropertiesComponent properties, String name) {
        return allow(name, k -> properties.resolveProperty(PREFIX + name + "." + k).filter(v -> !v.isBlank()));
    }

    private static Optional<String> nameOf(String key) {
        String rest = key.substring(PREFIX.length());
        int dot = rest.lastIndexOf('.');
        if (dot <= 0) {
            return Optional.empty();
        }
        String k = rest.substring(dot + 1);
        if (!KEYS.contains(k)) {
            throw new IllegalArgumentException("unknown key '" + key + "' (known: " + String.join(", ", new TreeSet<>(KEYS)) + ")");
        }
        return Optional.of(rest.substring(0, dot));
    }

    private static int parseInt(String key, String v) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": '" + v + "' is not a whole number");
        }
    }

    private static boolean parseBoolean(String key, String v) {
        if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
            throw new IllegalArgumentException(key + ": '" + v + "' is not true or false");
        }
        return Boolean.parseBoolean(v);
    }
}
