package io.ontapjobs.ontap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.Producer;
import org.apache.camel.component.http.HttpClientConfigurer;
import org.apache.camel.component.http.HttpConstants;
import org.apache.camel.support.jsse.KeyStoreParameters;
import org.apache.camel.support.jsse.SSLContextParameters;
import org.apache.camel.support.jsse.TrustAllTrustManager;
import org.apache.camel.support.jsse.TrustManagersParameters;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.HttpHostConnectException;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.ssl.NoopHostnameVerifier;

/**
 * The REST calls to one ONTAP cluster, sent through Camel's http component.
 *
 * <p>Every limit is explicit: connect and response timeouts, connections per cluster, no automatic retries by the
 * HTTP client (retrying is the tracker's and the policy's decision), preemptive basic auth so that no call is sent
 * twice for an authentication challenge. Calls are synchronous; callers keep them few (batched polls) and bounded.
 */
public class OntapClient {
    /** Names the caller to ONTAP, so that the cluster can tell our load from others'. */
    public static final String CLIENT_APP = io.ontapjobs.ontap.Version.userAgent();
    static final ObjectMapper JSON = new ObjectMapper();

    private final ClusterConfig cluster;
    private final Endpoint endpoint;
    private final Producer producer;
    private final String authorization;
    private final String userAgent;

    public OntapClient(CamelContext context, ClusterConfig cluster) throws Exception {
        this(context, cluster, io.ontapjobs.ontap.Version.userAgent());
    }

    /** @param userAgent the {@code User-Agent} of its calls, which ONTAP's audit log shows */
    public OntapClient(CamelContext context, ClusterConfig cluster, String userAgent) throws Exception {
        this.cluster = cluster;
        this.userAgent = userAgent;
        this.authorization = "Basic " + Base64.getEncoder().encodeToString(
                (nullToEmpty(cluster.username()) + ":" + nullToEmpty(cluster.password())).getBytes(StandardCharsets.UTF_8));
        this.endpoint = context.getEndpoint(endpointUri(context, cluster));
        this.producer = endpoint.createProducer();
        this.producer.start();
    }

    public ClusterConfig cluster() {
        return cluster;
    }

    /**
     * Sends one REST call and reads its answer, whatever its status.
     *
     * @param query names and values, not yet encoded; ONTAP's operators ({@code |}, {@code *}, {@code >}) are encoded here
     * @throws ClusterCallException when no usable answer came back
     */
    public OntapResponse call(String method, String path, Map<String, String> query, String body) throws ClusterCallException {
        Exchange exchange = endpoint.createExchange(ExchangePattern.InOut);
        var in = exchange.getIn();
        in.setHeader(HttpConstants.HTTP_METHOD, method);
        in.setHeader(HttpConstants.HTTP_PATH, path);
        String rawQuery = encodeQuery(query);
        if (!rawQuery.isEmpty()) {
            in.setHeader(HttpConstants.HTTP_RAW_QUERY, rawQuery);
        }
        in.setHeader("Accept", "application/json");
        in.setHeader("Authorization", authorization);
        in.setHeader("X-Dot-Client-App", CLIENT_APP);
        in.setHeader("User-Agent", userAgent); // camel-http sends it instead of the HTTP client's default
        if (body != null) {
            in.setHeader(HttpConstants.CONTENT_TYPE, "application/json");
            in.setBody(body);
        }
        try {
            producer.process(exchange);
        } catch (Exception e) {
            exchange.setException(e);
        }
        Exception failure = exchange.getException();
        if (failure != null) {
            throw classify(method, path, failure);
        }
        var out = exchange.getMessage();
        int status = out.getHeader(HttpConstants.HTTP_RESPONSE_CODE, 0, Integer.class);
        String text;
        try {
            text = out.getBody(String.class);
        } catch (RuntimeException e) {
            throw classify(method, path, e);
        }
        return new OntapResponse(status, parse(text), retryAfter(out.getHeader("Retry-After", String.class)));
    }

    public OntapResponse get(String path, Map<String, String> query) throws ClusterCallException {
        return call("GET", path, query, null);
    }

    /** GET of a link ONTAP gave ({@code _links.next.href}): a path with its own, encoded query. */
    public OntapResponse getHref(String href) throws ClusterCallException {
        int q = href.indexOf('?');
        Map<String, String> query = new LinkedHashMap<>();
        if (q >= 0) {
            for (String pair : href.substring(q + 1).split("&")) {
                int eq = pair.indexOf('=');
                query.put(decode(eq < 0 ? pair : pair.substring(0, eq)), eq < 0 ? "" : decode(pair.substring(eq + 1)));
            }
        }
        return get(q < 0 ? href : href.substring(0, q), query);
    }

    private static String decode(String s) {
        return java.net.URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    public void close() {
        try {
            producer.stop();
        } catch (Exception ignored) {
            // closing on shutdown: nothing left to do
        }
    }

    /** {@code a=b&c=d} with names and values percent-encoded (space as %20, as ONTAP expects). */
    public static String encodeQuery(Map<String, String> query) {
        if (query == null || query.isEmpty()) {
            return "";
        }
        return query.entrySet().stream()
                .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                .collect(Collectors.joining("&"));
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static JsonNode parse(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            return null; // an HTML error page from a proxy, or a cut body: the status still tells what happened
        }
    }

    static Duration retryAfter(String header) {
        if (header == null) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(header.trim())));
        } catch (NumberFormatException e) {
            return null; // an HTTP date: rare from ONTAP; the caller's own backoff applies
        }
    }

    private ClusterCallException classify(String method, String path, Throwable failure) {
        String what = method + " " + cluster.url() + path;
        if (hasCause(failure, SSLException.class)) {
            return new ClusterCallException(ClusterCallException.Kind.TLS, what + ": TLS failed ("
                    + rootMessage(failure) + "); check the certificate, or set a truststore or insecure", failure);
        }
        if (hasCause(failure, ConnectException.class) || hasCause(failure, HttpHostConnectException.class)
                || hasCause(failure, ConnectTimeoutException.class) || hasCause(failure, UnknownHostException.class)
                || hasCause(failure, NoRouteToHostException.class)) {
            return new ClusterCallException(ClusterCallException.Kind.NOT_SENT,
                    what + ": cannot connect (" + rootMessage(failure) + ")", failure);
        }
        return new ClusterCallException(ClusterCallException.Kind.UNCERTAIN,
                what + ": no usable answer (" + rootMessage(failure) + ")", failure);
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getClass().getSimpleName() + (c.getMessage() != null ? ": " + c.getMessage() : "");
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    /**
     * Binds {@code ontapHttpClientConfigurer}: no automatic retries (retrying is a decision of ours), no redirects,
     * no cookies. Every camel-http endpoint of ours refers to it.
     */
    public static void bindHttpClientConfigurer(CamelContext context) {
        if (context.getRegistry().lookupByName(CONFIGURER) == null) {
            context.getRegistry().bind(CONFIGURER, HttpClientConfigurer.class, (HttpClientConfigurer) OntapClient::configure);
        }
    }

    private static final String CONFIGURER = "ontapHttpClientConfigurer";

    /** The camel-http endpoint for one cluster, with its TLS settings bound in the registry by name. */
    private static String endpointUri(CamelContext context, ClusterConfig cluster) {
        long timeout = cluster.requestTimeout().toMillis();
        int connections = cluster.maxConcurrentRequests();
        String configurer = CONFIGURER;
        bindHttpClientConfigurer(context);
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("throwExceptionOnFailure", "false");
        options.put("connectTimeout", Math.min(timeout, 10_000));
        options.put("connectionRequestTimeout", timeout);
        options.put("responseTimeout", timeout);
        options.put("soTimeout", timeout);
        options.put("maxTotalConnections", connections);
        options.put("connectionsPerRoute", connections);
        options.put("httpClientConfigurer", "#" + configurer);
        if ("https".equals(cluster.url().getScheme())) {
            String tls = "ontapTls-" + cluster.name();
            context.getRegistry().bind(tls, SSLContextParameters.class, sslContext(cluster));
            options.put("sslContextParameters", "#" + tls);
            if (cluster.insecure()) {
                String verifier = "ontapNoHostnameCheck";
                context.getRegistry().bind(verifier, NoopHostnameVerifier.INSTANCE);
                options.put("x509HostnameVerifier", "#" + verifier);
            }
        }
        var url = cluster.url();
        String base = url.getScheme() + "://" + url.getHost() + (url.getPort() > 0 ? ":" + url.getPort() : "");
        return base + "?" + options.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("&"));
    }

    private static void configure(HttpClientBuilder builder) {
        // ontap-jobs/<version> in the cluster's audit log and a webhook receiver's, instead of Apache-HttpClient/x.y
        builder.setUserAgent(io.ontapjobs.ontap.Version.userAgent());
        builder.disableAutomaticRetries().disableRedirectHandling().disableCookieManagement();
    }

    private static SSLContextParameters sslContext(ClusterConfig cluster) {
        SSLContextParameters params = new SSLContextParameters();
        if (cluster.insecure()) {
            TrustManagersParameters trust = new TrustManagersParameters();
            trust.setTrustManager(TrustAllTrustManager.INSTANCE);
            params.setTrustManagers(trust);
        } else if (cluster.truststore() != null) {
            KeyStoreParameters store = new KeyStoreParameters();
            store.setResource("file:" + cluster.truststore().toAbsolutePath());
            if (cluster.truststorePassword() != null) {
                store.setPassword(cluster.truststorePassword());
            }
            TrustManagersParameters trust = new TrustManagersParameters();
            trust.setKeyStore(store);
            params.setTrustManagers(trust);
        }
        return params;
    }
}
