package io.ontapjobs.service;

import io.ontapjobs.ha.HaSettings;
import io.ontapjobs.ontap.AllowList;
import io.ontapjobs.ontap.ClusterConfig;
import io.ontapjobs.policy.Durations;
import io.ontapjobs.security.ApiTokens;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;

/**
 * The service's {@code ontap.*} configuration, read once from Camel's properties ({@code config/application.properties},
 * then {@code -Dkey=value}, then the environment, {@code ONTAP_CLUSTERS_DEFAULT_PASSWORD} for
 * {@code ontap.clusters.default.password}: Camel Main's properties component resolves each key that way) and checked
 * once: a mistake is a {@link OntapJobsConfiguration.ConfigurationError} naming the key (exit 2). Nothing else of the
 * service reads an {@code ontap.*} key.
 */
public record Settings(Api api, Broker broker, State state, Outcomes outcomes, Requests requests, Simulator simulator,
                       HaSettings ha, Policies policies, Map<String, ClusterConfig> clusters, AllowList defaultAllow,
                       String filesMode, long maxPendingDeliveries) {

    /** {@code ontap.api.*}. */
    public record Api(String host, String port, Set<String> allowedHosts, ApiTokens tokens, String tlsKeystore,
                      String tlsKeystorePassword, String maxConnections, String idleTimeout, String requestTimeout,
                      String headerTimeout) {
        boolean tls() {
            return !tlsKeystore.isEmpty();
        }
    }

    /** {@code ontap.broker.*} and the embedded broker's limits on {@code <ontap.requests.queue>.rejected}. */
    public record Broker(String url, String host, String port, String user, String password, String rejectedMaxSize,
                         String rejectedExpiry) {
        boolean embedded() {
            return url.isEmpty();
        }
    }

    /** {@code ontap.state.*}: the local state folder ({@code ""}: none) or a JDBC URL. */
    public record State(String dir, String jdbcUrl, String user, String password) {
        /** The lookup the store's factory reads its keys with. */
        Function<String, Optional<String>> lookup() {
            Map<String, String> values = new java.util.HashMap<>();
            values.put("ontap.state.dir", dir);
            values.put("ontap.state.jdbc-url", jdbcUrl);
            if (user != null) {
                values.put("ontap.state.user", user);
            }
            if (password != null) {
                values.put("ontap.state.password", password);
            }
            return k -> Optional.ofNullable(values.get(k));
        }
    }

    /** {@code ontap.outcomes.*} and {@code ontap.inbox.dir}. */
    public record Outcomes(String inboxDir, String dir, String jsonl, String queue, String webhookUrls, String webhookSecret,
                           Duration webhookTimeout, Duration webhookMaxAge, String deadLetterDir) {
    }

    /** {@code ontap.requests.queue}. */
    public record Requests(String queue) {
    }

    /** {@code ontap.simulator.*}. */
    public record Simulator(boolean enabled, String scenarios) {
    }

    /** {@code ontap.policies.file} (null: unset) and {@code ontap.poll.*}, the polling of policies that set none. */
    public record Policies(String file, io.ontapjobs.policy.PollSettings poll) {
    }

    /**
     * Reads and checks the whole configuration.
     *
     * @throws OntapJobsConfiguration.ConfigurationError naming the key at fault
     */
    public static Settings read(CamelContext context) {
        PropertiesComponent props = context.getPropertiesComponent();
        Function<String, Optional<String>> raw = props::resolveProperty;
        Function<String, String> text = k -> raw.apply(k).map(String::strip).orElse("");
        try {
            String host = raw.apply("ontap.api.host").map(String::strip).orElse("127.0.0.1");
            Set<String> hosts = new TreeSet<>();
            for (String h : text.apply("ontap.api.allowed-hosts").split(",")) {
                if (!h.isBlank()) {
                    hosts.add(h.strip().toLowerCase(java.util.Locale.ROOT));
                }
            }
            Api api = new Api(host, raw.apply("ontap.api.port").orElse("8080"), Set.copyOf(hosts), tokens(props),
                    text.apply("ontap.api.tls.keystore"), raw.apply("ontap.api.tls.keystore-password").orElse(""),
                    text.apply("ontap.api.max-connections"), text.apply("ontap.api.idle-timeout"),
                    text.apply("ontap.api.request-timeout"), text.apply("ontap.api.header-timeout"));
            Broker broker = new Broker(text.apply("ontap.broker.url"),
                    raw.apply("ontap.broker.host").map(String::strip).filter(h -> !h.isEmpty()).orElse("127.0.0.1"),
                    raw.apply("ontap.broker.port").map(String::strip).orElse("61616"),
                    raw.apply("ontap.broker.user").orElse(null), raw.apply("ontap.broker.password").orElse(null),
                    text.apply("ontap.requests.rejected.max-size"), text.apply("ontap.requests.rejected.expiry"));
            State state = new State(raw.apply("ontap.state.dir").orElse(""), raw.apply("ontap.state.jdbc-url").orElse(""),
                    raw.apply("ontap.state.user").orElse(null), raw.apply("ontap.state.password").orElse(null));
            Outcomes outcomes = new Outcomes(raw.apply("ontap.inbox.dir").orElse("inbox"),
                    nonBlank(raw, "ontap.outcomes.dir"), nonBlank(raw, "ontap.outcomes.jsonl"), nonBlank(raw, "ontap.outcomes.queue"),
                    raw.apply("ontap.outcomes.webhook.url").orElse(""), nonBlank(raw, "ontap.outcomes.webhook.secret"),
                    duration(raw, "ontap.outcomes.webhook.timeout", Duration.ofSeconds(10)),
                    duration(raw, "ontap.outcomes.webhook.max-age", Duration.ofHours(24)),
                    nonBlank(raw, "ontap.outcomes.dead-letter.dir"));
            Requests requests = new Requests(raw.apply("ontap.requests.queue").map(String::strip).filter(q -> !q.isEmpty())
                    .orElse("ontap.requests"));
            String enabled = raw.apply(OntapJobsConfiguration.SIMULATOR_ENABLED).map(String::strip).orElse("false");
            if (!enabled.equalsIgnoreCase("true") && !enabled.equalsIgnoreCase("false")) {
                throw new IllegalArgumentException(OntapJobsConfiguration.SIMULATOR_ENABLED + ": '" + enabled + "' is not true or false");
            }
            Simulator simulator = new Simulator(enabled.equalsIgnoreCase("true"), nonBlank(raw, "ontap.simulator.scenarios"));
            HaSettings ha = HaSettings.read(raw).orElse(null);
            Map<String, ClusterConfig> clusters = ClusterKeys.read(props);
            AllowList defaultAllow = ClusterKeys.allow(props, "default");
            long maxPending = raw.apply("ontap.health.max-pending-deliveries").map(String::strip).map(v -> {
                try {
                    return Long.parseLong(v);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("ontap.health.max-pending-deliveries: '" + v + "' is not a whole number");
                }
            }).orElse(1000L);
            return new Settings(api, broker, state, outcomes, requests, simulator, ha,
                    new Policies(nonBlank(raw, "ontap.policies.file"), poll(raw)), clusters, defaultAllow,
                    raw.apply(io.ontapjobs.files.FileModes.KEY).orElse(io.ontapjobs.files.FileModes.DEFAULT), maxPending);
        } catch (OntapJobsConfiguration.ConfigurationError e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new OntapJobsConfiguration.ConfigurationError(e.getMessage(), e);
        }
    }

    /**
     * {@code ontap.api.tokens.*} (properties, system properties and the environment,
     * {@code ONTAP_API_TOKENS_<CLIENT>_SHA256}).
     */
    private static ApiTokens tokens(PropertiesComponent props) {
        var keys = props.loadProperties(k -> k.startsWith(ApiTokens.PREFIX)).stringPropertyNames();
        var all = new TreeSet<>(keys);
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith(ApiTokens.PREFIX)).forEach(all::add);
        return ApiTokens.read(ApiTokens.names(all, System.getenv().keySet()), k -> props.resolveProperty(k).filter(v -> !v.isBlank()));
    }

    /** {@code ontap.poll.initial|max|multiplier|jitter}. */
    private static io.ontapjobs.policy.PollSettings poll(Function<String, Optional<String>> raw) {
        io.ontapjobs.policy.PollSettings d = io.ontapjobs.policy.PollSettings.DEFAULT;
        try {
            return new io.ontapjobs.policy.PollSettings(
                    raw.apply("ontap.poll.initial").map(Durations::parse).orElse(d.initial()),
                    raw.apply("ontap.poll.max").map(Durations::parse).orElse(d.max()),
                    raw.apply("ontap.poll.multiplier").map(Double::parseDouble).orElse(d.multiplier()),
                    raw.apply("ontap.poll.jitter").map(Double::parseDouble).orElse(d.jitter()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ontap.poll.*: " + e.getMessage(), e);
        }
    }

    private static String nonBlank(Function<String, Optional<String>> raw, String key) {
        return raw.apply(key).filter(v -> !v.isBlank()).orElse(null);
    }

    private static Duration duration(Function<String, Optional<String>> raw, String key, Duration otherwise) {
        return raw.apply(key).filter(v -> !v.isBlank()).map(v -> {
            try {
                return Durations.parse(v.strip());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
            }
        }).orElse(otherwise);
    }
}
