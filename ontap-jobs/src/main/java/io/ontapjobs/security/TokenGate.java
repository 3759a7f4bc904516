package io.ontapjobs.security;

import io.ontapjobs.api.ApiGate;
import io.ontapjobs.security.ApiTokens.Role;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's HTTP port, asked before any route: who may call what.
 * <ul>
 * <li>{@code /observe/health}, {@code /observe/health/live}, {@code /observe/health/ready} stay open for probes.</li>
 * <li>A path that is not plain (dot segments, {@code //}, {@code %}, a backslash) is refused 400: routes match
 *     normalised paths, so a check on the raw one could be walked around.</li>
 * <li>A request with an {@code Origin} other than the service's own is refused 403 (a form on another site, a
 *     DNS-rebinding page).</li>
 * <li>With tokens configured: {@code Authorization: Bearer <token>} (or HTTP Basic with the token as password, which
 *     browsers prompt for on the page) names the client, whose roles decide: {@code submit} to POST operations,
 *     {@code control} to cancel, pause or resume, {@code push} to POST EMS pushes ({@code /api/v1/ems/push/…}, whose
 *     URL may carry the token as its last segment, for ONTAP), {@code read} for the rest (lists, the page, metrics). No or an
 *     unknown token: 401 with {@code WWW-Authenticate}; a missing role: 403.</li>
 * <li>With no tokens the service listens on loopback only (start-up refuses anything else), and the Host header must
 *     name a loopback address or one of {@code ontap.api.allowed-hosts}: a DNS-rebinding page has another name.</li>
 * </ul>
 * The client's name is passed on in the {@value #CLIENT_HEADER} header, which is removed first from whatever the
 * client sent, so it cannot be forged.
 */
public final class TokenGate implements ApiGate {
    private static final Logger LOG = LoggerFactory.getLogger(TokenGate.class);
    /** The authenticated client's name, for the routes; never taken from the client. */
    public static final String CLIENT_HEADER = "X-Ontap-Client";
    /** Who calls when no token is configured: the service serves loopback only then. */
    public static final String LOCAL_CLIENT = "local";
    static final Set<String> OPEN = Set.of("/observe/health", "/observe/health/live", "/observe/health/ready");
    static final Set<String> LOOPBACK_HOSTS = Set.of("localhost", "127.0.0.1", "[::1]", "::1");
    private static final String REALM = "ontap-jobs";
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private final ApiTokens tokens;
    private final Set<String> allowedHosts;
    /** False from {@link #holdUntilReady()} until {@link #ready()}: the port listens before the routes are up. */
    private volatile boolean ready = true;

    /**
     * @param allowedHosts host names the Host header may carry (without port); empty: any when tokens are
     *                     configured, loopback names otherwise
     */
    public TokenGate(ApiTokens tokens, Set<String> allowedHosts) {
        this.tokens = tokens;
        this.allowedHosts = allowedHosts.isEmpty() && tokens.isEmpty() ? LOOPBACK_HOSTS
                : allowedHosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    /** Answers every request 503 with Retry-After until {@link #ready()}: not a misleading 404 while routes start. */
    public TokenGate holdUntilReady() {
        ready = false;
        return this;
    }

    /** The routes are started: requests go on to them. */
    public void ready() {
        ready = true;
    }

    @Override
    public boolean admit(HttpServerRequest request) {
        request.headers().remove(CLIENT_HEADER);
        if (!ready) {
            request.response().putHeader("Retry-After", "1");
            return refuse(request, 503, null, null, "the service is starting; try again in a moment");
        }
        String path = request.path() == null ? "" : request.path();
        if (OPEN.contains(path)) {
            return true;
        }
        if (!plain(path)) {
            return refuse(request, 400, null, "path", "not a plain path (no '.', '..' or empty segments, no '%' or '\\\\')");
        }
        String host = hostName(request.host());
        if (!allowedHosts.isEmpty() && (host == null || !allowedHosts.contains(host))) {
            return refuse(request, 403, null, "Host", "this service does not answer to that host name (ontap.api.allowed-hosts)");
        }
        String origin = request.getHeader("Origin");
        if (origin != null && !sameOrigin(origin, request)) {
            return refuse(request, 403, null, "Origin", "cross-site requests are refused");
        }
        if (tokens.isEmpty()) {
            request.headers().set(CLIENT_HEADER, LOCAL_CLIENT);
            return true;
        }
        String presented = token(request.getHeader("Authorization"));
        String shown = path; // what a log line may say: never a token
        String inPath = pushToken(path);
        if (inPath != null) {
            shown = path.substring(0, path.length() - inPath.length()) + "…";
            presented = presented == null ? inPath : presented;
        }
        Optional<ApiTokens.Client> client = tokens.find(presented);
        String lower = path.toLowerCase(Locale.ROOT);
        boolean page = lower.equals("/") || lower.equals("/ui") || lower.equals("/ui/");
        if (client.isEmpty()) {
            String challenge = "Bearer realm=\"" + REALM + "\"" + (page ? ", Basic realm=\"" + REALM + "\", charset=\"UTF-8\"" : "");
            return refuse(request, 401, challenge, "Authorization", "a valid bearer token is required (Authorization: Bearer <token>)");
        }
        Role needed = role(request.method(), lower);
        if (!client.get().roles().contains(needed)) {
            LOG.warn("API client {} refused: {} {} needs the role {}", client.get().name(), request.method(), shown, needed.word());
            return refuse(request, 403, null, "Authorization", "client '" + client.get().name() + "' lacks the role " + needed.word());
        }
        request.headers().set(CLIENT_HEADER, client.get().name());
        return true;
    }

    /**
     * The token of an EMS push's URL, {@code /api/v1/ems/push/{cluster}/{token}}, or null: ONTAP's {@code rest_api}
     * destination sends no Authorization header, so its URL carries the token; checked as any token (hashed, compared
     * in constant time) and never logged. Only the push path takes one.
     */
    static String pushToken(String path) {
        String prefix = "/api/v1/ems/push/";
        if (!path.startsWith(prefix)) {
            return null;
        }
        String[] rest = path.substring(prefix.length()).split("/", -1);
        return rest.length == 2 && !rest[0].isEmpty() && !rest[1].isEmpty() ? rest[1] : null;
    }

    /** submit: POST /api/v1/operations; control: POST /api/v1/operations/{id}/{action}; read: everything else. */
    static Role role(HttpMethod method, String lowerPath) {
        String p = lowerPath.endsWith("/") && lowerPath.length() > 1 ? lowerPath.substring(0, lowerPath.length() - 1) : lowerPath;
        if (method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS) {
            return Role.READ;
        }
        if (p.startsWith("/api/v1/ems/push/")) {
            return Role.PUSH;
        }
        if (p.equals("/api/v1/operations")) {
            return Role.SUBMIT;
        }
        if (p.startsWith("/api/v1/operations/")) {
            return Role.CONTROL;
        }
        return Role.READ;
    }

    static boolean plain(String path) {
        if (!path.startsWith("/") || path.contains("%") || path.contains("\\") || path.contains("//")) {
            return false;
        }
        for (String segment : path.substring(1).split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return path.chars().noneMatch(c -> c < 0x21 || c == 0x7f);
    }

    private static String token(String authorization) {
        if (authorization == null) {
            return null;
        }
        if (authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return authorization.substring(7).strip();
        }
        if (authorization.regionMatches(true, 0, "Basic ", 0, 6)) { // a browser on the page: any user, the token as password
            try {
                String pair = new String(Base64.getDecoder().decode(authorization.substring(6).strip()), StandardCharsets.UTF_8);
                int colon = pair.indexOf(':');
                return colon < 0 ? null : pair.substring(colon + 1);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return null;
    }

    /** The Host header's name without its port, lower case; null when absent. */
    static String hostName(String host) {
        if (host == null || host.isBlank()) {
            return null;
        }
        String h = host.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end < 0 ? null : h.substring(0, end + 1);
        }
        int colon = h.indexOf(':');
        return colon < 0 ? h : h.substring(0, colon);
    }

    private static boolean sameOrigin(String origin, HttpServerRequest request) {
        String own = (request.isSSL() ? "https://" : "http://") + (request.host() == null ? "" : request.host());
        return origin.equalsIgnoreCase(own);
    }

    private static boolean refuse(HttpServerRequest request, int status, String challenge, String field, String message) {
        var response = request.response();
        response.setStatusCode(status).putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store");
        if (challenge != null) {
            response.putHeader("WWW-Authenticate", challenge);
        }
        var body = JSON.createObjectNode();
        body.putObject("error").put("field", field).put("message", message);
        response.end(body.toString());
        return false;
    }
}
