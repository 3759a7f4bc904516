package io.ontapjobs.component;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ontapjobs.events.EventBookmarks;
import io.ontapjobs.events.EventBookmarks.Bookmark;
import io.ontapjobs.events.EventQueries;
import io.ontapjobs.ontap.OntapError;
import io.ontapjobs.ontap.OntapResponse;
import io.ontapjobs.operation.Cluster;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The EMS consumer's reads of a cluster (on its bounded pool) and its helpers for EMS records. */
final class EmsReads {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final long CALL_WAIT_MS = 10 * 60_000;

    private EmsReads() {
    }

    /** ONTAP's answer to a {@code message.name} its catalogue lacks. */
    static final class UnknownNameException extends Exception {
        UnknownNameException(String message) {
            super(message);
        }
    }

    /**
     * The exact names (without {@code *}) the cluster's catalogue ({@code GET /api/support/ems/messages?name=a|b})
     * does not know, as NetApp Harvest does: ONTAP answers a query naming one with error 262197.
     */
    static Set<String> unknownNames(Cluster cluster, String clusterName, List<String> names) throws Exception {
        List<String> exact = names.stream().filter(n -> !n.contains("*")).toList();
        Set<String> known = new HashSet<>();
        for (int i = 0; i < exact.size(); i += 100) {
            Map<String, String> q = new LinkedHashMap<>();
            q.put("name", String.join("|", exact.subList(i, Math.min(exact.size(), i + 100))));
            q.put("fields", "name");
            q.put("max_records", "1000");
            OntapResponse r = call(cluster, "/api/support/ems/messages", q);
            if (!r.isSuccess()) {
                throw new IllegalStateException("GET /api/support/ems/messages on cluster " + clusterName + ": HTTP " + r.status());
            }
            for (JsonNode m : r.body() == null ? JSON.createArrayNode() : r.body().path("records")) {
                known.add(m.path("name").asText().toLowerCase(java.util.Locale.ROOT));
            }
        }
        Set<String> unknown = new java.util.LinkedHashSet<>();
        exact.forEach(n -> {
            if (!known.contains(n.toLowerCase(java.util.Locale.ROOT))) {
                unknown.add(n);
            }
        });
        if (unknown.isEmpty()) {
            throw new IllegalStateException("cluster " + clusterName + " refuses an event name of option events, yet its catalogue"
                    + " knows them all");
        }
        return unknown;
    }

    /** The time of the cluster's newest event (on its clock); null: none. */
    static Instant newestTime(Cluster cluster) throws Exception {
        Map<String, String> newestQuery = new LinkedHashMap<>();
        newestQuery.put("fields", "node,index,time");
        newestQuery.put("order_by", "time desc");
        newestQuery.put("max_records", "1");
        OntapResponse r = call(cluster, EventQueries.PATH, newestQuery);
        JsonNode latest = r.body() == null ? null : r.body().path("records").path(0);
        return latest == null || latest.isMissingNode() ? null : time(latest);
    }

    /** The keys of every event from {@code floor}: each node's highest index into {@code marks}, where above its own. */
    static void highestPerNode(Cluster cluster, String clusterName, Instant floor, int maxRecords, Map<String, Bookmark> marks)
            throws Exception {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("time", ">=" + EventQueries.time(floor));
        keys.put("fields", "node,index,time");
        keys.put("message.severity", "*"); // debug events too: only their numbers matter here
        keys.put("max_records", String.valueOf(Math.max(maxRecords, 1000)));
        Map<String, JsonNode> seen = new LinkedHashMap<>();
        readAll(cluster, clusterName, keys, seen);
        for (JsonNode ev : seen.values()) {
            String uuid = ev.path("node").path("uuid").asText();
            long index = ev.path("index").asLong();
            Bookmark b = marks.get(uuid);
            if (b == null || index > b.index()) {
                marks.put(uuid, new Bookmark(index, time(ev)));
            }
        }
    }

    /** W: the newest time any bookmark holds minus the overlap, never before the first start's floor; null: none. */
    static Instant windowStart(Map<String, Bookmark> marks, Duration overlap) {
        Bookmark start = marks.get(EventBookmarks.START);
        Instant floor = start == null || start.time() == null ? Instant.EPOCH : start.time();
        Instant newestMark = null;
        for (var e : marks.entrySet()) {
            if (!e.getKey().equals(EventBookmarks.START) && e.getValue().time() != null) {
                newestMark = later(newestMark, e.getValue().time());
            }
        }
        Instant w = newestMark == null ? floor : later(floor, newestMark.minus(overlap));
        return w.equals(Instant.EPOCH) ? null : w;
    }

    /** Every page of one query, into {@code into} by event key. */
    static void readAll(Cluster cluster, String clusterName, Map<String, String> query, Map<String, JsonNode> into)
            throws Exception {
        OntapResponse r = call(cluster, EventQueries.PATH, query);
        Set<String> hrefs = new HashSet<>();
        while (true) {
            if (r.status() == 400 && query.containsKey("message.name")
                    && r.error().map(x -> "262197".equals(x.code())).orElse(false)) {
                throw new UnknownNameException(r.error().get().toString());
            }
            if (!r.isSuccess()) {
                String error = r.error().map(OntapError::toString).orElse("");
                throw new IllegalStateException("GET " + EventQueries.PATH + " on cluster " + clusterName + ": HTTP " + r.status()
                        + (error.isEmpty() ? "" : " " + error));
            }
            JsonNode body = r.body();
            if (body != null) {
                for (JsonNode ev : body.path("records")) {
                    into.putIfAbsent(ev.path("node").path("uuid").asText() + "/" + ev.path("index").asLong(), ev);
                }
            }
            String next = body == null ? null : body.path("_links").path("next").path("href").asText(null);
            if (next == null || !hrefs.add(next)) {
                return;
            }
            String href = next;
            r = onPool(cluster, () -> cluster.client().getHref(href));
        }
    }

    static OntapResponse call(Cluster cluster, String path, Map<String, String> query) throws Exception {
        return onPool(cluster, () -> cluster.client().get(path, query));
    }

    /** A call on the cluster's bounded pool (its maxConcurrentRequests), awaited here on the poll's thread. */
    private static OntapResponse onPool(Cluster cluster, Call call) throws Exception {
        CompletableFuture<OntapResponse> f = new CompletableFuture<>();
        cluster.calls().execute(() -> {
            try {
                f.complete(call.run());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        try {
            return f.get(CALL_WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof Exception x ? x : e;
        }
    }

    @FunctionalInterface
    private interface Call {
        OntapResponse run() throws Exception;
    }

    /** The records above their node's bookmark (or of a node without one). */
    static List<JsonNode> above(List<JsonNode> window, Map<String, Bookmark> marks) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode ev : window) {
            Bookmark b = marks.get(ev.path("node").path("uuid").asText());
            if (b == null || ev.path("index").asLong() > b.index()) {
                out.add(ev);
            }
        }
        return out;
    }

    /** The records in time order, each node's in index order (a bookmark moves forward only). */
    static List<JsonNode> inOrder(List<JsonNode> out) {
        out.sort(Comparator.comparing(EmsReads::timeOrMin));
        // within a node, index order (its bookmark moves forward only), keeping the time order between nodes
        Map<String, List<Integer>> positions = new LinkedHashMap<>();
        for (int i = 0; i < out.size(); i++) {
            positions.computeIfAbsent(out.get(i).path("node").path("uuid").asText(), k -> new ArrayList<>()).add(i);
        }
        JsonNode[] ordered = out.toArray(new JsonNode[0]);
        for (List<Integer> at : positions.values()) {
            List<JsonNode> mine = new ArrayList<>();
            at.forEach(i -> mine.add(out.get(i)));
            mine.sort(Comparator.comparingLong(e -> e.path("index").asLong()));
            for (int k = 0; k < at.size(); k++) {
                ordered[at.get(k)] = mine.get(k);
            }
        }
        return List.of(ordered);
    }

    static Map<String, String> parameters(JsonNode ev) {
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode p : ev.path("parameters")) {
            out.put(p.path("name").asText(), p.path("value").asText());
        }
        return out;
    }

    static Instant time(JsonNode ev) {
        String t = ev.path("time").asText(null);
        if (t == null || t.isBlank()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(t).toInstant();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static Instant timeOrMin(JsonNode ev) {
        Instant t = time(ev);
        return t == null ? Instant.MIN : t;
    }

    static Instant later(Instant a, Instant b) {
        return a == null ? b : b == null ? a : a.isAfter(b) ? a : b;
    }
}
