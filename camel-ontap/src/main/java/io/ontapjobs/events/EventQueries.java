package io.ontapjobs.events;

import io.ontapjobs.ontap.OntapClient;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The queries of one poll of {@code /api/support/ems/events}: the filters go to ONTAP, and a list of names too long
 * for one request line is split into several queries (disjoint lists of names), each under {@link #MAX_REQUEST_LINE}.
 */
public final class EventQueries {
    public static final String PATH = "/api/support/ems/events";
    /** The fields of every event read. */
    public static final String FIELDS = "node,index,time,message,log_message,parameters,source";
    /**
     * The budget of one request's path and query: 8 KiB is what ONTAP's front end (and the simulator) accepts; the
     * rest is left for the {@code _links.next} paging parameters ONTAP adds to the same query.
     */
    public static final int MAX_REQUEST_LINE = 7 * 1024;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX");

    private EventQueries() {
    }

    /** ONTAP's time form, second precision in UTC, e.g. {@code 2026-12-07T23:02:03+00:00}. */
    public static String time(Instant t) {
        return TIME.format(t.atOffset(ZoneOffset.UTC));
    }

    /** A comma-separated option as a list of trimmed, non-empty words, duplicates dropped. */
    public static List<String> words(String option) {
        List<String> out = new ArrayList<>();
        if (option != null) {
            for (String w : option.split(",")) {
                String s = w.strip();
                if (!s.isEmpty() && !out.contains(s)) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    /**
     * The queries of one poll.
     *
     * @param names      message name patterns ({@code *} wildcard); empty or {@code *}: no name filter
     * @param from       the window's start ({@code time>=}), or null for none
     * @throws IllegalArgumentException when a single name alone would not fit in one request
     */
    public static List<Map<String, String>> of(List<String> names, List<String> severities, String emsFilter, Instant from,
                                               int maxRecords) {
        Map<String, String> base = new LinkedHashMap<>();
        if (!severities.isEmpty()) {
            base.put("message.severity", String.join("|", severities));
        }
        if (emsFilter != null && !emsFilter.isBlank()) {
            base.put("filter.name", emsFilter.strip());
        }
        if (from != null) {
            base.put("time", ">=" + time(from));
        }
        base.put("fields", FIELDS);
        base.put("order_by", "time asc");
        base.put("max_records", String.valueOf(maxRecords));
        if (names.isEmpty() || names.contains("*")) {
            return List.of(base);
        }
        List<Map<String, String>> queries = new ArrayList<>();
        List<String> chunk = new ArrayList<>();
        for (String name : names) {
            chunk.add(name);
            if (length(with(base, chunk)) > MAX_REQUEST_LINE) {
                chunk.remove(chunk.size() - 1);
                if (chunk.isEmpty()) {
                    throw new IllegalArgumentException("option events: the name '" + name.substring(0, Math.min(40, name.length()))
                            + "…' alone makes a request longer than " + MAX_REQUEST_LINE + " bytes");
                }
                queries.add(with(base, chunk));
                chunk = new ArrayList<>(List.of(name));
                if (length(with(base, chunk)) > MAX_REQUEST_LINE) {
                    throw new IllegalArgumentException("option events: the name '" + name.substring(0, Math.min(40, name.length()))
                            + "…' alone makes a request longer than " + MAX_REQUEST_LINE + " bytes");
                }
            }
        }
        queries.add(with(base, chunk));
        return queries;
    }

    private static Map<String, String> with(Map<String, String> base, List<String> names) {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("message.name", String.join("|", names));
        q.putAll(base);
        return q;
    }

    /** The request line's path and query as the client sends them (percent-encoded). */
    public static int length(Map<String, String> query) {
        return PATH.length() + 1 + OntapClient.encodeQuery(query).length();
    }
}
