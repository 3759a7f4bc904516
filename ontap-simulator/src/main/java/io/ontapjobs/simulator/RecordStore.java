package io.ontapjobs.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * The fake resources: records of every collection but the jobs (e.g. {@code /api/storage/volumes}), seeded or
 * changed by succeeded operations, and answered to GET with ONTAP's query semantics. Paths given here are already
 * normalized (no trailing slash).
 */
final class RecordStore {
    private static final Pattern UUID_LIKE = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    /** Collection path → record uuid → record. */
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, Query.Item>> collections = new ConcurrentHashMap<>();
    /** Shared with the jobs: one creation order for everything the simulator lists. */
    private final AtomicLong seq;

    RecordStore(AtomicLong seq) {
        this.seq = seq;
    }

    /** Adds records to a collection (creating it, even empty); records without a uuid get one. */
    void seed(String path, List<ObjectNode> records) {
        collections.computeIfAbsent(path, k -> new ConcurrentHashMap<>());
        for (ObjectNode r : records) {
            ObjectNode rec = r.deepCopy();
            if (!rec.path("uuid").isTextual()) {
                rec.put("uuid", UUID.randomUUID().toString());
            }
            addRecord(path, rec);
        }
    }

    /** Copies of a collection's records in creation order. */
    List<ObjectNode> list(String collectionPath) {
        Map<String, Query.Item> c = collections.get(collectionPath);
        List<ObjectNode> out = new ArrayList<>();
        if (c != null) {
            c.values().stream().sorted((a, b) -> Long.compare(a.seq, b.seq)).forEach(i -> out.add(i.json.deepCopy()));
        }
        return out;
    }

    /**
     * The answer to GET of {@code path}: a collection, one record of a known collection (or of any path ending in a
     * uuid), else an empty collection, since the simulator has no schema.
     */
    ObjectNode get(String path, QueryParams params) {
        Map<String, Query.Item> c = collections.get(path);
        if (c != null) {
            Query q = new Query(params, null);
            List<Query.Item> items = new ArrayList<>();
            for (Query.Item i : c.values()) {
                if (q.matches(i.json)) {
                    items.add(i);
                }
            }
            return q.answer(path, items, List.of("name"));
        }
        int slash = path.lastIndexOf('/');
        String parent = path.substring(0, slash);
        String last = path.substring(slash + 1);
        Map<String, Query.Item> pc = collections.get(parent);
        if (pc != null || UUID_LIKE.matcher(last).matches()) {
            Query.Item i = pc == null ? null : pc.get(last);
            if (i == null) {
                throw ApiError.notFound("uuid");
            }
            return new Query(params, null).project(i.json, null);
        }
        Query q = new Query(params, null);
        return q.answer(path, List.of(), List.of("name"));
    }

    /**
     * The records a POST body creates, each with its uuid (kept if given): one record, or one per element of the
     * bulk form {@code {"records": [...]}}. A bulk body must hold a non-empty array of objects and nothing else.
     */
    static List<ObjectNode> newRecords(ObjectNode body) {
        List<ObjectNode> out = new ArrayList<>();
        if (body != null && body.has("records")) {
            JsonNode records = body.get("records");
            if (!records.isArray() || records.isEmpty()) {
                throw new ApiError(400, OntapErrors.INVALID_VALUE,
                        "The value \"" + records + "\" is invalid for field \"records\": give a non-empty array of records.", "records");
            }
            Iterator<String> names = body.fieldNames();
            while (names.hasNext()) {
                String name = names.next();
                if (!name.equals("records")) { // fields beside the array would be ambiguous: which record do they belong to?
                    throw ApiError.unexpectedArgument(name);
                }
            }
            for (int i = 0; i < records.size(); i++) {
                if (!records.get(i).isObject()) {
                    throw new ApiError(400, OntapErrors.INVALID_VALUE,
                            "The value \"" + records.get(i) + "\" is invalid for field \"records[" + i + "]\": a record is a JSON object.", "records");
                }
                out.add(withUuid((ObjectNode) records.get(i)));
            }
            return out;
        }
        out.add(withUuid(body == null ? JsonNodeFactory.instance.objectNode() : body));
        return out;
    }

    private static ObjectNode withUuid(ObjectNode r) {
        ObjectNode rec = r.deepCopy();
        if (!rec.path("uuid").isTextual()) {
            rec.put("uuid", UUID.randomUUID().toString());
        }
        return rec;
    }

    /**
     * The {@code Location} of a record created in {@code collection}: like ONTAP, the collection path and a query on
     * the record's name ({@code /api/storage/volumes/?name=vol1}); records without a name are named by their uuid.
     */
    static String location(String collection, ObjectNode rec) {
        if (rec.path("name").isTextual()) {
            return collection + "/?name=" + URLEncoder.encode(rec.get("name").asText(), StandardCharsets.UTF_8).replace("+", "%20");
        }
        return collection + "/" + rec.get("uuid").asText();
    }

    /** Adds the records to the collection: run once the creating job succeeds. */
    Runnable creation(String collection, List<ObjectNode> recs) {
        return () -> recs.forEach(r -> addRecord(collection, r));
    }

    /** What a successful PATCH or DELETE does to the records, or null: run once its job succeeds. */
    Runnable mutation(String method, String path, ObjectNode body) {
        switch (method) {
            case "PATCH": {
                if (body == null) {
                    return null;
                }
                ObjectNode changes = body.deepCopy();
                return () -> {
                    int slash = path.lastIndexOf('/');
                    Map<String, Query.Item> c = collections.get(path.substring(0, slash));
                    if (c != null) {
                        c.computeIfPresent(path.substring(slash + 1), (k, item) -> {
                            ObjectNode merged = item.json.deepCopy();
                            merge(merged, changes);
                            merged.put("uuid", k);
                            return new Query.Item(item.seq, merged);
                        });
                    }
                };
            }
            default:
                return () -> {
                    int slash = path.lastIndexOf('/');
                    Map<String, Query.Item> c = collections.get(path.substring(0, slash));
                    if (c != null) {
                        c.remove(path.substring(slash + 1));
                    }
                };
        }
    }

    private static void merge(ObjectNode into, ObjectNode changes) {
        Iterator<Map.Entry<String, JsonNode>> it = changes.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode old = into.get(e.getKey());
            if (old instanceof ObjectNode && e.getValue() instanceof ObjectNode) {
                merge((ObjectNode) old, (ObjectNode) e.getValue());
            } else {
                into.set(e.getKey(), e.getValue());
            }
        }
    }

    private void addRecord(String collection, ObjectNode rec) {
        String uuid = rec.get("uuid").asText();
        ObjectNode r = rec.deepCopy();
        r.remove("_links");
        r.putObject("_links").putObject("self").put("href", collection + "/" + uuid);
        collections.computeIfAbsent(collection, k -> new ConcurrentHashMap<>()).put(uuid, new Query.Item(seq.incrementAndGet(), r));
    }
}
