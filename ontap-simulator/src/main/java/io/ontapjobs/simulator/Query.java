package io.ontapjobs.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * ONTAP collection query semantics: field filters ({@code *}, {@code |}, {@code !}, {@code <}, {@code >},
 * {@code <=}, {@code >=}), {@code fields}, {@code max_records} with {@code _links.next}, {@code return_records},
 * {@code order_by}.
 */
final class Query {
    static final String START_SEQ = "start.seq";
    static final String START_OFFSET = "start.offset";
    /** Paging cursor of listings that grow while a client pages (EMS events): the newest item the first page saw. */
    static final String START_SNAPSHOT = "start.snapshot";
    static final List<String> RESERVED = List.of("fields", "max_records", "return_records", "return_timeout", "order_by", START_SEQ, START_OFFSET,
            START_SNAPSHOT);

    /** A listed item: its insertion sequence number (default order, keyset paging) and its full JSON. */
    static final class Item {
        final long seq;
        final ObjectNode json;

        Item(long seq, ObjectNode json) {
            this.seq = seq;
            this.json = json;
        }
    }

    private static final class Order {
        final String field;
        final boolean desc;

        Order(String field, boolean desc) {
            this.field = field;
            this.desc = desc;
        }
    }

    final QueryParams params;
    final List<String> fields;
    final Map<String, String> filters = new LinkedHashMap<>();
    final Integer maxRecords;
    final boolean returnRecords;
    private final List<Order> orderBy = new ArrayList<>();
    /** Fields every projected record keeps besides {@code uuid} and {@code _links}: a collection's keys (EMS events: node, index). */
    List<String> keyFields = List.of();
    private final long startSeq;
    private final int startOffset;

    /**
     * @param known field names accepted in filters, {@code fields} and {@code order_by}; null accepts anything
     * @throws ApiError for an invalid parameter
     */
    Query(QueryParams params, Set<String> known) {
        this.params = params;
        String f = params.get("fields");
        if (f == null || f.isBlank()) {
            fields = null;
        } else {
            fields = new ArrayList<>();
            for (String name : f.split(",")) {
                String n = name.trim();
                if (n.isEmpty()) {
                    continue;
                }
                if (known != null && !n.equals("*") && !n.equals("**") && !known.contains(n)) {
                    throw ApiError.unexpectedArgument(n);
                }
                fields.add(n);
            }
        }
        String mr = params.get("max_records");
        if (mr != null) {
            try {
                maxRecords = Integer.parseInt(mr.trim());
            } catch (NumberFormatException e) {
                throw ApiError.invalidValue("max_records", mr);
            }
            if (maxRecords < 0) {
                throw ApiError.invalidValue("max_records", mr);
            }
        } else {
            maxRecords = null;
        }
        String rr = params.get("return_records");
        if (rr == null || rr.equalsIgnoreCase("true") || rr.equals("1")) {
            returnRecords = true;
        } else if (rr.equalsIgnoreCase("false") || rr.equals("0")) {
            returnRecords = false;
        } else {
            throw ApiError.invalidValue("return_records", rr);
        }
        String ob = params.get("order_by");
        if (ob != null && !ob.isBlank()) {
            for (String part : ob.split(",")) {
                String[] words = part.trim().split("[\\s+]+");
                if (words.length == 0 || words[0].isEmpty()) {
                    continue;
                }
                if (known != null && !known.contains(words[0])) {
                    throw ApiError.invalidValue("order_by", ob);
                }
                boolean desc = false;
                if (words.length == 2) {
                    if (words[1].equalsIgnoreCase("desc")) {
                        desc = true;
                    } else if (!words[1].equalsIgnoreCase("asc")) {
                        throw ApiError.invalidValue("order_by", ob);
                    }
                } else if (words.length > 2) {
                    throw ApiError.invalidValue("order_by", ob);
                }
                orderBy.add(new Order(words[0], desc));
            }
        }
        startSeq = parseLong(params.get(START_SEQ), START_SEQ, -1);
        startOffset = (int) parseLong(params.get(START_OFFSET), START_OFFSET, 0);
        for (Map.Entry<String, String> e : params.values.entrySet()) {
            if (RESERVED.contains(e.getKey())) {
                continue;
            }
            if (known != null && !known.contains(e.getKey())) {
                throw ApiError.unexpectedArgument(e.getKey());
            }
            filters.put(e.getKey(), e.getValue());
        }
    }

    private static long parseLong(String v, String name, long dflt) {
        if (v == null) {
            return dflt;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw ApiError.invalidValue(name, v);
        }
    }

    /** The uuids named by a plain {@code uuid=a|b|c} filter (no operators or wildcards), else null. */
    Set<String> exactUuids() {
        String v = filters.get("uuid");
        if (v == null || v.isEmpty() || v.matches(".*[*!<>].*")) {
            return null;
        }
        Set<String> s = new LinkedHashSet<>();
        for (String alt : v.split("\\|", -1)) {
            s.add(alt.toLowerCase());
        }
        return s;
    }

    boolean matches(ObjectNode json) {
        for (Map.Entry<String, String> f : filters.entrySet()) {
            if (!matchesFilter(leaves(json, f.getKey()), f.getValue())) {
                return false;
            }
        }
        return true;
    }

    /** The listing answer for already-filtered items. */
    ObjectNode answer(String path, List<Item> items, List<String> defaultListFields) {
        return answer(path, items, defaultListFields, new String[0]);
    }

    /** As above; {@code nextExtra} are raw name/value pairs added to the {@code next} link (e.g. a snapshot cursor). */
    ObjectNode answer(String path, List<Item> items, List<String> defaultListFields, String... nextExtra) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        String self = path + (params.raw.isEmpty() ? "" : "?" + params.raw);
        if (!returnRecords) {
            out.put("num_records", items.size());
            out.putObject("_links").putObject("self").put("href", self);
            return out;
        }
        List<Item> sorted = new ArrayList<>(items);
        boolean keyset = orderBy.isEmpty();
        if (keyset) {
            sorted.sort(Comparator.comparingLong(i -> i.seq));
            if (startSeq >= 0) {
                sorted.removeIf(i -> i.seq <= startSeq);
            }
        } else {
            sorted.sort(this::compare);
            if (startOffset > 0) {
                sorted = startOffset >= sorted.size() ? new ArrayList<>() : new ArrayList<>(sorted.subList(startOffset, sorted.size()));
            }
        }
        List<Item> page = sorted;
        boolean more = false;
        if (maxRecords != null && sorted.size() > maxRecords) {
            page = sorted.subList(0, maxRecords);
            more = true;
        }
        ArrayNode records = out.putArray("records");
        for (Item i : page) {
            records.add(project(i.json, defaultListFields));
        }
        out.put("num_records", page.size());
        ObjectNode links = out.putObject("_links");
        links.putObject("self").put("href", self);
        if (more && !page.isEmpty()) {
            List<String> cursor = new ArrayList<>(List.of(keyset ? START_SEQ : START_OFFSET,
                    keyset ? String.valueOf(page.get(page.size() - 1).seq) : String.valueOf(startOffset + page.size())));
            cursor.addAll(List.of(nextExtra));
            String next = params.rebuild(List.of(START_SEQ, START_OFFSET, START_SNAPSHOT), cursor.toArray(new String[0]));
            links.putObject("next").put("href", path + "?" + next);
        }
        return out;
    }

    /**
     * The fields to show: {@code uuid} and {@code _links} always; all with {@code *}/{@code **}; with no
     * {@code fields}, the defaults (null defaults = everything, used for single-record GETs).
     */
    ObjectNode project(ObjectNode full, List<String> defaults) {
        List<String> wanted = fields != null ? fields : defaults;
        if (wanted == null || wanted.contains("*") || wanted.contains("**")) {
            return full;
        }
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        if (full.has("uuid")) {
            out.set("uuid", full.get("uuid"));
        }
        for (String k : keyFields) {
            if (full.has(k)) {
                out.set(k, full.get(k));
            }
        }
        for (String f : wanted) {
            copyPath(full, out, f.split("\\."), 0);
        }
        if (full.has("_links")) {
            out.set("_links", full.get("_links"));
        }
        return out;
    }

    private static void copyPath(JsonNode from, ObjectNode to, String[] path, int i) {
        JsonNode v = from.get(path[i]);
        if (v == null) {
            return;
        }
        if (i == path.length - 1 || !v.isObject()) {
            if (i == path.length - 1) {
                to.set(path[i], v);
            }
            return;
        }
        JsonNode existing = to.get(path[i]);
        ObjectNode child = existing instanceof ObjectNode ? (ObjectNode) existing : to.putObject(path[i]);
        copyPath(v, child, path, i + 1);
    }

    // ---- filtering ----

    static List<JsonNode> leaves(JsonNode root, String dotted) {
        List<JsonNode> out = new ArrayList<>();
        collect(root, dotted.split("\\."), 0, out);
        return out;
    }

    private static void collect(JsonNode node, String[] path, int i, List<JsonNode> out) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return;
        }
        if (node.isArray()) {
            for (JsonNode e : node) {
                collect(e, path, i, out);
            }
            return;
        }
        if (i == path.length) {
            out.add(node);
            return;
        }
        collect(node.get(path[i]), path, i + 1, out);
    }

    static boolean matchesFilter(List<JsonNode> values, String filter) {
        for (String alt : filter.split("\\|", -1)) {
            if (alt.startsWith("!")) {
                String positive = alt.substring(1);
                boolean any = false;
                for (JsonNode v : values) {
                    if (matchesOne(v, positive)) {
                        any = true;
                        break;
                    }
                }
                if (!any) {
                    return true;
                }
            } else {
                for (JsonNode v : values) {
                    if (matchesOne(v, alt)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static boolean matchesOne(JsonNode v, String alt) {
        if (v.isContainerNode()) {
            return false;
        }
        String op = null;
        for (String candidate : new String[] {"<=", ">=", "<", ">"}) {
            if (alt.startsWith(candidate)) {
                op = candidate;
                break;
            }
        }
        if (op != null) {
            Integer c = compareValue(v, alt.substring(op.length()).trim());
            if (c == null) {
                return false;
            }
            switch (op) {
                case "<=": return c <= 0;
                case ">=": return c >= 0;
                case "<": return c < 0;
                default: return c > 0;
            }
        }
        String text = v.asText();
        if (alt.contains("*")) {
            return Glob.compile(alt, true).matcher(text).matches();
        }
        if (v.isNumber()) {
            try {
                return v.decimalValue().compareTo(new BigDecimal(alt.trim())) == 0;
            } catch (NumberFormatException e) {
                return false;
            }
        }
        if (v.isTextual()) {
            Instant a = parseTime(text);
            Instant b = a == null ? null : parseTime(alt);
            if (a != null && b != null) {
                return a.equals(b);
            }
        }
        return text.equalsIgnoreCase(alt);
    }

    /** Compares a field value with an operand: numeric, then as instants, then as strings; null = not comparable. */
    private static Integer compareValue(JsonNode v, String operand) {
        if (v.isNumber()) {
            try {
                return Integer.signum(v.decimalValue().compareTo(new BigDecimal(operand)));
            } catch (NumberFormatException e) {
                return null;
            }
        }
        String text = v.asText();
        Instant a = parseTime(text);
        if (a != null) {
            Instant b = parseTime(operand);
            if (b != null) {
                return Integer.signum(a.compareTo(b));
            }
        }
        return Integer.signum(text.compareTo(operand));
    }

    private static final Pattern LOOKS_LIKE_TIME = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T.*");

    /** ISO-8601 with offset or Z; a space before the offset (an undecoded '+') is tolerated; no offset = UTC. */
    static Instant parseTime(String s) {
        if (s == null || !LOOKS_LIKE_TIME.matcher(s).matches()) {
            return null;
        }
        String t = s.trim().replace(' ', '+');
        try {
            return OffsetDateTime.parse(t).toInstant();
        } catch (DateTimeParseException e) {
            try {
                return LocalDateTime.parse(t).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
    }

    private int compare(Item x, Item y) {
        for (Order o : orderBy) {
            List<JsonNode> a = leaves(x.json, o.field);
            List<JsonNode> b = leaves(y.json, o.field);
            int c;
            if (a.isEmpty() || b.isEmpty()) {
                c = a.isEmpty() == b.isEmpty() ? 0 : a.isEmpty() ? 1 : -1; // missing values last
                if (c != 0) {
                    return c;
                }
                continue;
            }
            JsonNode va = a.get(0);
            JsonNode vb = b.get(0);
            if (va.isNumber() && vb.isNumber()) {
                c = va.decimalValue().compareTo(vb.decimalValue());
            } else {
                Instant ta = parseTime(va.asText());
                Instant tb = ta == null ? null : parseTime(vb.asText());
                c = ta != null && tb != null ? ta.compareTo(tb) : va.asText().compareTo(vb.asText());
            }
            if (c != 0) {
                return o.desc ? -c : c;
            }
        }
        return Long.compare(x.seq, y.seq);
    }
}
