package io.ontapjobs.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The API's clients: {@code ontap.api.tokens.<client>.sha256} (the hex SHA-256 of the client's bearer token; the
 * token itself is never stored) and {@code ontap.api.tokens.<client>.roles} (any of submit, control, read, push).
 */
public final class ApiTokens {
    public static final String PREFIX = "ontap.api.tokens.";
    private static final String ENV_PREFIX = "ONTAP_API_TOKENS_";
    /** Client names are configuration keys and environment variable names: a small alphabet. */
    public static final Pattern CLIENT = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final SecureRandom RANDOM = new SecureRandom();

    public enum Role {
        SUBMIT, CONTROL, READ, PUSH;

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A client allowed in, with its roles. */
    public record Client(String name, Set<Role> roles) {
    }

    private record Entry(byte[] hash, Client client) {
    }

    private final java.util.List<Entry> entries;

    private ApiTokens(java.util.List<Entry> entries) {
        this.entries = java.util.List.copyOf(entries);
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    public java.util.List<String> clientNames() {
        return entries.stream().map(e -> e.client().name()).toList();
    }

    /**
     * The client whose token this is. Every configured hash is compared, in constant time, whatever matches: how long
     * the answer takes says nothing about which hash, or how much of one, a guess came close to.
     */
    public Optional<Client> find(String token) {
        if (token == null || token.isEmpty() || token.length() > 512) {
            return Optional.empty();
        }
        byte[] hash = sha256(token);
        Client found = null;
        for (Entry e : entries) {
            if (MessageDigest.isEqual(e.hash(), hash) && found == null) {
                found = e.client();
            }
        }
        return Optional.ofNullable(found);
    }

    /**
     * Reads the clients from the configuration ({@code names} are the client names found in property keys and the
     * environment; {@code get} resolves a key).
     *
     * @throws IllegalArgumentException naming the key at fault
     */
    public static ApiTokens read(Set<String> names, Function<String, Optional<String>> get) {
        java.util.List<Entry> entries = new java.util.ArrayList<>();
        for (String name : new TreeSet<>(names)) {
            String prefix = PREFIX + name + ".";
            if (!CLIENT.matcher(name).matches()) {
                throw new IllegalArgumentException(prefix + "sha256: the client name must be 1-64 lower-case letters, digits or '-'");
            }
            if (io.ontapjobs.operation.OperationRequest.SOURCES.contains(name)) { // it would own the entry point's ids
                throw new IllegalArgumentException(prefix + "sha256: '" + name + "' is the name of an entry point; choose another client name");
            }
            String hash = get.apply(prefix + "sha256").map(String::strip).orElseThrow(() ->
                    new IllegalArgumentException(prefix + "sha256: missing (java -jar ontap-jobs.jar token " + name + " prints it)"));
            if (!SHA256.matcher(hash.toLowerCase(Locale.ROOT)).matches()) {
                throw new IllegalArgumentException(prefix + "sha256: not a hex SHA-256 (64 characters 0-9a-f); put the token's hash"
                        + " here, never the token");
            }
            String roles = get.apply(prefix + "roles").map(String::strip).orElseThrow(() ->
                    new IllegalArgumentException(prefix + "roles: missing (any of submit, control, read, push)"));
            entries.add(new Entry(HexFormat.of().parseHex(hash.toLowerCase(Locale.ROOT)), new Client(name, roles(roles, prefix + "roles"))));
        }
        return new ApiTokens(entries);
    }

    /** Client names from property keys ({@code ontap.api.tokens.<client>.<key>}) and variables ({@code ONTAP_API_TOKENS_<CLIENT>_SHA256}). */
    public static Set<String> names(Iterable<String> propertyKeys, Iterable<String> environmentNames) {
        Set<String> names = new TreeSet<>();
        for (String key : propertyKeys) {
            if (key.startsWith(PREFIX)) {
                String rest = key.substring(PREFIX.length());
                int dot = rest.lastIndexOf('.');
                String k = dot < 0 ? "" : rest.substring(dot + 1);
                if (dot <= 0 || !(k.equals("sha256") || k.equals("roles"))) {
                    throw new IllegalArgumentException("unknown key '" + key + "' (use " + PREFIX + "<client>.sha256 and .roles)");
                }
                names.add(rest.substring(0, dot));
            }
        }
        for (String env : environmentNames) {
            for (String suffix : new String[] {"_SHA256", "_ROLES"}) {
                if (env.startsWith(ENV_PREFIX) && env.endsWith(suffix) && env.length() > ENV_PREFIX.length() + suffix.length()) {
                    names.add(env.substring(ENV_PREFIX.length(), env.length() - suffix.length()).toLowerCase(Locale.ROOT).replace('_', '-'));
                }
            }
        }
        return names;
    }

    static Set<Role> roles(String text, String key) {
        Set<Role> roles = EnumSet.noneOf(Role.class);
        for (String word : text.split(",")) {
            String w = word.strip().toLowerCase(Locale.ROOT);
            if (w.isEmpty()) {
                continue;
            }
            try {
                roles.add(Role.valueOf(w.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(key + ": '" + w + "' is not a role (use any of submit, control, read, push)");
            }
        }
        if (roles.isEmpty()) {
            throw new IllegalArgumentException(key + ": no role (use any of submit, control, read, push)");
        }
        return roles;
    }

    /** A new random token: 32 bytes from the system's secure random source, URL-safe base64. */
    public static String newToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return "ojt_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public static String sha256Hex(String token) {
        return HexFormat.of().formatHex(sha256(token));
    }

    private static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
