package io.ontapjobs.ontap;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What the operator lets requests from the API, the inbox and the queue run on one cluster:
 * {@code ontap.clusters.<name>.allow}, a comma-separated list of {@code METHOD /path/pattern} entries, where a
 * segment {@code *} matches one path segment and {@code **} any number of them (none included), e.g.
 * {@code POST /api/storage/volumes, POST /api/storage/volumes/*&#47;snapshots}. Matched as plain strings against a
 * path already checked to be canonical ({@code OperationRequest}); nothing is a regular expression.
 * Routes the operator writes are the operator's code and are not filtered.
 */
public final class AllowList {
    /** Allows nothing: a cluster without {@code allow} runs no request from the entry points. */
    public static final AllowList NONE = new AllowList(List.of());
    private static final Set<String> METHODS = Set.of("POST", "PATCH", "DELETE");

    private record Entry(String method, String[] segments, String text) {
    }

    private final List<Entry> entries;

    private AllowList(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /**
     * @param text the configured value
     * @param key  the configuration key, named in the error
     * @throws IllegalArgumentException naming the key and the entry at fault
     */
    public static AllowList parse(String text, String key) {
        if (text == null || text.isBlank()) {
            return NONE;
        }
        List<Entry> entries = new ArrayList<>();
        for (String raw : text.split(",")) {
            String entry = raw.strip();
            if (entry.isEmpty()) {
                continue;
            }
            String[] parts = entry.split("\\s+");
            if (parts.length != 2) {
                throw new IllegalArgumentException(key + ": '" + entry + "' is not 'METHOD /api/path' (e.g. POST /api/storage/volumes)");
            }
            String method = parts[0].toUpperCase(Locale.ROOT);
            if (!METHODS.contains(method)) {
                throw new IllegalArgumentException(key + ": '" + entry + "': the method must be POST, PATCH or DELETE");
            }
            String path = parts[1];
            if (!path.startsWith("/api/")) {
                throw new IllegalArgumentException(key + ": '" + entry + "': the path must start with /api/");
            }
            String[] segments = path.substring(1).split("/", -1);
            for (String s : segments) {
                if (s.isEmpty() || (s.contains("*") && !s.equals("*") && !s.equals("**"))) {
                    throw new IllegalArgumentException(key + ": '" + entry + "': a segment is a name, * (one segment) or ** (any number);"
                            + " no empty segments");
                }
            }
            entries.add(new Entry(method, segments, method + " " + path));
        }
        return new AllowList(entries);
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** Whether {@code method path} matches an entry; {@code path} is a canonical ONTAP path (no dot segments, no '%'). */
    public boolean allows(String method, String path) {
        String[] segments = path.substring(1).split("/", -1);
        for (Entry e : entries) {
            if (e.method.equals(method) && matches(e.segments, 0, segments, 0)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(String[] pattern, int p, String[] path, int i) {
        if (p == pattern.length) {
            return i == path.length;
        }
        if (pattern[p].equals("**")) {
            for (int k = i; k <= path.length; k++) {
                if (matches(pattern, p + 1, path, k)) {
                    return true;
                }
            }
            return false;
        }
        return i < path.length && (pattern[p].equals("*") || pattern[p].equals(path[i])) && matches(pattern, p + 1, path, i + 1);
    }

    @Override
    public String toString() {
        return entries.isEmpty() ? "nothing" : String.join(", ", entries.stream().map(Entry::text).toList());
    }
}
