package io.ontapjobs.ontap;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the operator lets requests from the API, the inbox and the queue run on one cluster:
 * {@code ontap.clusters.<name>.allow}, a comma-separated list of entries {@code METHOD /api/path [?name&name=*]}.
 * An entry covers the whole request, method, path and query:
 * <ul>
 *   <li>a path segment {@code *} is exactly one request segment, {@code **} one or more (never none); neither matches
 *       a request segment holding {@code *} (ONTAP's wildcard and bulk key): such a segment is sent only where the entry
 *       names it in single quotes, e.g. {@code '*'};</li>
 *   <li>the query may carry {@code return_timeout} and the parameters the entry names after {@code ?}, joined by
 *       {@code &}; a value with ONTAP's query operators ({@code * | ! < > ..}) only for a name written {@code name=*};</li>
 *   <li>a PATCH or DELETE entry ends in a literal segment (it names that path, a collection included) or in {@code *}
 *       key segments that follow a collection's name; one ending in {@code **} is refused, since it would match
 *       collections, which ONTAP changes or deletes as a whole, filtered by the query; a PATCH or DELETE entry that ends
 *       in a name and names parameters needs one of them in the request (no unfiltered change of a collection).</li>
 * </ul>
 * E.g. {@code POST /api/storage/volumes ?return_records, PATCH /api/storage/volumes/* , PATCH /api/storage/volumes ?name&svm.name}.
 * Matched as plain strings against a path already checked to be canonical ({@code OperationRequest}); nothing is a
 * regular expression. Routes the operator writes are the operator's code and are not filtered.
 */
public final class AllowList {
    /** Allows nothing: a cluster without {@code allow} runs no request from the entry points. */
    public static final AllowList NONE = new AllowList(List.of());
    /** Always allowed in a trigger's query: how long ONTAP waits for the job before answering (0-120 s). */
    public static final String RETURN_TIMEOUT = "return_timeout";
    private static final Set<String> METHODS = Set.of("POST", "PATCH", "DELETE");
    /** What ONTAP reads as query operators in a value: wildcard, or, not, less, greater, range. */
    private static final List<String> OPERATORS = List.of("*", "|", "!", "<", ">", "..");
    /** A literal segment of an entry: the characters of a request segment ({@code OperationRequest}) but '*'. */
    private static final String SEGMENT_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.,:@~+=$-";
    /** A query parameter name: ONTAP's field paths (e.g. {@code svm.name}). */
    private static final String NAME_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-";

    private enum Kind { LITERAL, ONE, MANY }

    private record Segment(Kind kind, String text) {
        boolean isLiteral() {
            return kind == Kind.LITERAL;
        }
    }

    /**
     * @param params   the query parameters the entry names: name to whether its values may hold operators
     * @param filtered a PATCH or DELETE of a named path (a collection) with named parameters: the request must send
     *                 one of them, since without a filter ONTAP changes or deletes every object of the collection
     */
    private record Entry(String method, List<Segment> segments, Map<String, Boolean> params, boolean filtered, String text) {
    }

    /**
     * Why a request is refused.
     *
     * @param malformed the request asks for something no list entry could mean by a plain name (a {@code *} segment,
     *                  operators in a value): answered 400; otherwise it is not on the list: 403
     * @param field     {@code path} or {@code query}
     * @param message   names the method, the path (already checked to be plain) and a parameter only when it is a
     *                  plain word; never a query value
     */
    public record Refusal(boolean malformed, String field, String message) {
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
            if (!entry.isEmpty()) {
                entries.add(parseEntry(entry, key));
            }
        }
        return new AllowList(entries);
    }

    private static Entry parseEntry(String entry, String key) {
        String where = key + ": '" + entry + "'";
        int space = indexOfSpace(entry);
        if (space < 0) {
            throw new IllegalArgumentException(where + " is not 'METHOD /api/path [?name&name=*]' (e.g. POST /api/storage/volumes)");
        }
        String method = entry.substring(0, space).toUpperCase(Locale.ROOT);
        if (!METHODS.contains(method)) {
            throw new IllegalArgumentException(where + ": the method must be POST, PATCH or DELETE");
        }
        String rest = entry.substring(space).strip();
        int q = rest.indexOf('?');
        String path = (q < 0 ? rest : rest.substring(0, q)).strip();
        String query = q < 0 ? null : rest.substring(q + 1).strip();
        if (indexOfSpace(path) >= 0 || (query != null && indexOfSpace(query) >= 0)) {
            throw new IllegalArgumentException(where + " is not 'METHOD /api/path [?name&name=*]' (e.g. PATCH /api/storage/volumes/* ?name)");
        }
        if (!path.startsWith("/api/")) {
            throw new IllegalArgumentException(where + ": the path must start with /api/");
        }
        List<Segment> segments = new ArrayList<>();
        for (String s : path.substring(1).split("/", -1)) {
            segments.add(segment(s, where));
        }
        for (int i = 1; i < segments.size(); i++) {
            if (segments.get(i).kind == Kind.MANY && segments.get(i - 1).kind == Kind.MANY) {
                throw new IllegalArgumentException(where + ": write ** once (it is one or more segments)");
            }
        }
        if (method.equals("PATCH") || method.equals("DELETE")) {
            checkKeyed(segments, method, where);
        }
        Map<String, Boolean> params = new LinkedHashMap<>();
        if (query != null) {
            if (query.isEmpty()) {
                throw new IllegalArgumentException(where + ": name the query parameters after '?', joined by '&' (e.g. ?name&svm.name)");
            }
            for (String p : query.split("&", -1)) {
                boolean operators = p.endsWith("=*");
                String name = operators ? p.substring(0, p.length() - 2) : p;
                if (name.isEmpty() || !only(name, NAME_CHARS)) {
                    throw new IllegalArgumentException(where + ": a query parameter is a name (letters, digits, '_', '.', '-'),"
                            + " optionally with =* to allow ONTAP's query operators in its values; joined by '&'");
                }
                if (name.equals(RETURN_TIMEOUT)) {
                    throw new IllegalArgumentException(where + ": return_timeout is always allowed (0-120 seconds); do not list it");
                }
                params.merge(name, operators, Boolean::logicalOr);
            }
        }
        StringBuilder normal = new StringBuilder(method).append(' ').append(path);
        if (!params.isEmpty()) {
            normal.append(" ?");
            params.forEach((n, op) -> normal.append(normal.charAt(normal.length() - 1) == '?' ? "" : "&").append(n).append(op ? "=*" : ""));
        }
        boolean filtered = !method.equals("POST") && segments.get(segments.size() - 1).isLiteral() && !params.isEmpty();
        return new Entry(method, List.copyOf(segments), Map.copyOf(params), filtered, normal.toString());
    }

    private static Segment segment(String s, String where) {
        if (s.equals("*")) {
            return new Segment(Kind.ONE, s);
        }
        if (s.equals("**")) {
            return new Segment(Kind.MANY, s);
        }
        String literal = s.length() >= 3 && s.startsWith("'") && s.endsWith("'") ? s.substring(1, s.length() - 1) : null;
        if (literal != null && only(literal, SEGMENT_CHARS + "*") && !literal.equals(".") && !literal.equals("..")) {
            return new Segment(Kind.LITERAL, literal);
        }
        if (literal == null && !s.isEmpty() && only(s, SEGMENT_CHARS) && !s.equals(".") && !s.equals("..")) {
            return new Segment(Kind.LITERAL, s);
        }
        throw new IllegalArgumentException(where + ": a segment is a name, * (exactly one segment), ** (one or more) or a"
                + " name in single quotes for one holding '*' literally (e.g. '*', ONTAP's bulk key); no empty, '.' or '..'"
                + " segments, no characters a request path cannot hold");
    }

    /**
     * A PATCH or DELETE changes one object unless the entry names the path: it ends in a literal segment, or in
     * {@code *} keys right after a collection's literal name (not after {@code **} or {@code /api}, where the key could
     * land on a collection's name).
     */
    private static void checkKeyed(List<Segment> segments, String method, String where) {
        int last = segments.size() - 1;
        if (segments.get(last).kind == Kind.MANY) {
            throw new IllegalArgumentException(where + ": a " + method + " entry must not end in ** (it would match collections,"
                    + " which ONTAP changes or deletes as a whole, filtered by the query); end it in * (one object) or name the path");
        }
        int k = last;
        while (k >= 0 && segments.get(k).kind == Kind.ONE) {
            k--;
        }
        if (k < last && (k < 1 || !segments.get(k).isLiteral())) {
            throw new IllegalArgumentException(where + ": in a " + method + " entry the key * follows a collection's name"
                    + " (e.g. /api/storage/volumes/*), so that it never matches a collection");
        }
    }

    private static int indexOfSpace(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isWhitespace(s.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    private static boolean only(String s, String chars) {
        return s.chars().allMatch(c -> chars.indexOf(c) >= 0);
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** Whether {@code method path} with no query matches an entry. */
    public boolean allows(String method, String path) {
        return check(method, path, Map.of()).isEmpty();
    }

    /**
     * Why the request is refused, or empty when an entry covers it whole: its method, its path and every parameter
     * of its query (but {@code return_timeout}, a number of seconds).
     *
     * @param path a canonical ONTAP path (no dot segments, no '%': {@code OperationRequest.checkPath})
     */
    public Optional<Refusal> check(String method, String path, Map<String, String> query) {
        String rt = query.get(RETURN_TIMEOUT);
        if (rt != null && (rt.isEmpty() || rt.length() > 3 || !only(rt, "0123456789"))) {
            return Optional.of(new Refusal(true, "query", "return_timeout must be a whole number of seconds (0-120)"));
        }
        String[] segments = path.substring(1).split("/", -1);
        List<Entry> candidates = entries.stream()
                .filter(e -> e.method.equals(method) && matches(e.segments, 0, segments, 0)).toList();
        if (candidates.isEmpty()) {
            for (String s : segments) {
                if (s.contains("*")) {
                    return Optional.of(new Refusal(true, "path", method + " " + path + ": a path segment holding '*' (ONTAP's"
                            + " wildcard or bulk key: every object) is sent only where an entry names it in quotes"));
                }
            }
            return Optional.of(new Refusal(false, "path", method + " " + path + " is not allowed"));
        }
        TreeSet<String> names = new TreeSet<>(query.keySet());
        names.remove(RETURN_TIMEOUT);
        Refusal refusal = null;
        for (Entry e : candidates) {
            Refusal r = refusal(e, names, query, method, path);
            if (r == null) {
                return Optional.empty();
            }
            if (refusal == null || (r.malformed && !refusal.malformed)) {
                refusal = r;
            }
        }
        return Optional.of(refusal);
    }

    private static Refusal refusal(Entry e, TreeSet<String> names, Map<String, String> query, String method, String path) {
        for (String name : names) {
            Boolean operators = e.params.get(name);
            if (operators == null) {
                return new Refusal(false, "query", (plain(name) ? "parameter " + name : "a query parameter") + " is not allowed with "
                        + method + " " + path + " (its entry allows return_timeout"
                        + (e.params.isEmpty() ? " only" : ", " + String.join(", ", new TreeSet<>(e.params.keySet()))) + ")");
            }
            if (!operators && hasOperator(query.get(name))) {
                return new Refusal(true, "query", (plain(name) ? "parameter " + name : "a query parameter") + ": a value with ONTAP's"
                        + " query operators (* | ! < > ..) selects many objects, allowed only where an entry says "
                        + (plain(name) ? name : "name") + "=*");
            }
        }
        if (e.filtered && names.isEmpty()) {
            return new Refusal(false, "query", method + " " + path + " without a filter would change or delete every object: send one of "
                    + String.join(", ", new TreeSet<>(e.params.keySet())));
        }
        return null;
    }

    private static boolean plain(String name) {
        return !name.isEmpty() && name.length() <= 64 && only(name, NAME_CHARS);
    }

    private static boolean hasOperator(String value) {
        return OPERATORS.stream().anyMatch(value::contains);
    }

    /** {@code *} is one segment and {@code **} one or more, neither holding '*'; a literal is compared as written. */
    private static boolean matches(List<Segment> pattern, int p, String[] path, int i) {
        if (p == pattern.size()) {
            return i == path.length;
        }
        Segment s = pattern.get(p);
        if (s.kind == Kind.MANY) {
            for (int k = i + 1; k <= path.length && !path[k - 1].contains("*"); k++) {
                if (matches(pattern, p + 1, path, k)) {
                    return true;
                }
            }
            return false;
        }
        return i < path.length
                && (s.kind == Kind.ONE ? !path[i].contains("*") : s.text.equals(path[i]))
                && matches(pattern, p + 1, path, i + 1);
    }

    @Override
    public String toString() {
        return entries.isEmpty() ? "nothing" : String.join(", ", entries.stream().map(Entry::text).toList());
    }
}
