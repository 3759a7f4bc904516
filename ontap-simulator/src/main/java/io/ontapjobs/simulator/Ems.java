package io.ontapjobs.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * ONTAP's Event Management System: the nodes of the simulated cluster, each numbering its events 1, 2, 3… in a
 * bounded log; {@code /api/support/ems/events} with ONTAP's query semantics, {@code /messages} (the catalogue),
 * {@code /destinations} and {@code /filters} (with {@code /rules}); events emitted by the Java API, the control API and
 * scenario files (at once or on the simulator's clock); and pushes of matching events, as XML, to {@code rest_api}
 * destinations.
 */
final class Ems {
    static final String BASE = "/api/support/ems";
    static final String EVENTS = BASE + "/events";
    static final String MESSAGES = BASE + "/messages";
    static final String DESTINATIONS = BASE + "/destinations";
    static final String FILTERS = BASE + "/filters";
    /** ONTAP's severities, most severe first. */
    static final List<String> SEVERITIES = List.of("emergency", "alert", "error", "notice", "informational", "debug");
    static final Set<String> EVENT_FIELDS = Set.of("node", "node.name", "node.uuid", "node._links", "index", "time", "message",
            "message.name", "message.severity", "log_message", "parameters", "parameters.name", "parameters.value", "source",
            "_links", "filter.name");
    /** An event's keys, in every record whatever {@code fields} says (as ONTAP shows them). */
    static final List<String> KEY_FIELDS = List.of("node", "index");
    static final Set<String> MESSAGE_FIELDS = Set.of("name", "severity", "description", "_links");
    /** The event's {@code source}: ONTAP names the subsystem; the simulator names itself. */
    static final String SOURCE = "ontap-simulator";
    /** The XML namespace of pushed events (the simulator's shape, see docs/simulator.md). */
    static final String XML_NAMESPACE = "http://www.netapp.com/filer/admin";
    static final Duration PUSH_TIMEOUT = Duration.ofSeconds(2);
    /** Fill thresholds at which {@code monitor.volume.nearlyFull} and {@code monitor.volume.full} are emitted (ONTAP's defaults). */
    static final int NEARLY_FULL = 95;
    static final int FULL = 98;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    /** One node of the cluster: its own numbering, clock skew and bounded log. Guarded by the Ems lock. */
    static final class Node {
        final String name;
        final Duration skew;
        String uuid;
        int generation;
        long nextIndex = 1;
        final ArrayDeque<Query.Item> log = new ArrayDeque<>();

        Node(String name, Duration skew) {
            this.name = name;
            this.skew = skew;
            this.uuid = uuidOf(name, 0);
        }
    }

    record Message(String name, String severity, String description, String template) {
    }

    /** One rule of a filter; the implicit last rule of every filter is {@code exclude * *}. */
    static final class Rule {
        String type;
        String namePattern;
        String severities;
        String snmpTrapTypes;

        Rule(String type, String namePattern, String severities, String snmpTrapTypes) {
            this.type = type;
            this.namePattern = namePattern;
            this.severities = severities;
            this.snmpTrapTypes = snmpTrapTypes;
        }

        boolean matches(String message, String severity) {
            if (!Glob.compile(namePattern, true).matcher(message).matches()) {
                return false;
            }
            if (severities.trim().equals("*")) {
                return true;
            }
            for (String s : severities.split(",")) {
                if (s.trim().equalsIgnoreCase(severity)) {
                    return true;
                }
            }
            return false;
        }
    }

    static final class Filter {
        final String name;
        final boolean systemDefined;
        final List<Rule> rules = new ArrayList<>();

        Filter(String name, boolean systemDefined) {
            this.name = name;
            this.systemDefined = systemDefined;
        }
    }

    static final class Destination {
        final String name;
        final String type;
        String destination;
        List<String> filters = new ArrayList<>();
        JsonNode certificate;

        Destination(String name, String type) {
            this.name = name;
            this.type = type;
        }
    }

    /** An emission due later on the simulator's clock (scenario file {@code ems.events} and {@code ems.volumes}). */
    record Scheduled(long dueMs, long order, String node, String message, String severity, Map<String, String> parameters) {
    }

    private final Clock clock;
    private final SimulatorStats stats;
    private final int logSize;
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Message> catalogue = new LinkedHashMap<>();
    private final Map<String, Filter> filters = new LinkedHashMap<>();
    private final Map<String, Destination> destinations = new LinkedHashMap<>();
    private final List<Scheduled> scheduled = new ArrayList<>();
    private long scheduleOrder;
    private long seq;
    private final ExecutorService pushPool;
    /** Made on the first push: a simulator that never pushes starts no client threads. */
    private HttpClient pushClient;

    Ems(Clock clock, SimulatorStats stats, List<String> nodeNames, Map<String, Duration> skews, int logSize) {
        this.clock = clock;
        this.stats = stats;
        this.logSize = logSize;
        for (String n : nodeNames) {
            nodes.add(new Node(n, skews.getOrDefault(n, Duration.ZERO)));
        }
        for (String skewed : skews.keySet()) {
            if (!nodeNames.contains(skewed)) {
                throw new IllegalArgumentException("clockSkew names node '" + skewed + "', which is not one of " + nodeNames);
            }
        }
        builtInCatalogue();
        builtInFilters();
        AtomicInteger n = new AtomicInteger();
        pushPool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "ontap-sim-ems-push-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    static String uuidOf(String node, int generation) {
        return UUID.nameUUIDFromBytes(("ems-node:" + node + "#" + generation).getBytes(StandardCharsets.UTF_8)).toString();
    }

    void close() {
        pushPool.shutdownNow();
    }

    static boolean serves(String path) {
        return path.equals(BASE) || path.startsWith(BASE + "/");
    }

    /** The methods a path under /api/support/ems takes. */
    static String allowed(String path) {
        if (path.startsWith(DESTINATIONS) || path.startsWith(FILTERS)) {
            return "GET, HEAD, POST, PATCH, DELETE, OPTIONS";
        }
        return "GET, HEAD, OPTIONS";
    }

    // ------------------------------------------------------------------ catalogue and built-in filters

    private void builtInCatalogue() {
        String volTemplate = "Volume {name}@vserver:{vserver_uuid} is %s (using or reserving {percent_full_blocks}%% of space and"
                + " {percent_full_inodes}%% of inodes).";
        message("monitor.volume.nearlyFull", "error", "The volume is nearly full (about 95 % of its space used).",
                String.format(volTemplate, "nearly full"));
        message("monitor.volume.full", "alert", "The volume is full (about 98 % of its space used).", String.format(volTemplate, "full"));
        message("wafl.vol.full", "alert", "Writes to the volume failed: it is out of space.",
                "Insufficient space on volume {vol}@vserver:{volident} to perform operation. {requested} was requested but only {available} was available.");
        message("wafl.vol.autoSize.fail", "notice", "The volume could not be grown automatically.",
                "Unable to grow volume '{vol}' to recover space: {err}.");
        for (String op : List.of("update", "init", "resync", "restore", "release")) {
            message("smc.snapmir." + op + ".fail", "error", "A SnapMirror " + op + " failed.",
                    "SnapMirror " + op + " from source volume '{srcpath}' to destination volume '{dstpath}' failed with error '{error}'."
                            + " Relationship UUID '{relationshipID}'.");
        }
        message("sms.status.out.of.sync", "error", "A synchronous SnapMirror relationship went out of sync.",
                "Source volume and destination volume of relationship '{relationship_id}' are out of sync: {error_msg}.");
        message("sms.status.in.sync", "notice", "A synchronous SnapMirror relationship is in sync again.",
                "Source volume and destination volume of relationship '{relationship_id}' are in sync.");
        message("callhome.arw.activity.seen", "alert", "Ransomware activity suspected on a volume.",
                "Call home for ransomware activity seen on volume {volName} (uuid {volUuid}) in SVM {vserverName}.");
        message("mgmtgwd.jobmgr.jobcomplete.failure", "informational", "A job failed.",
                "Job \"{name}\" [id {jobid}] ({jobuuid}) completed unsuccessfully: {completion} ({code}).");
        message("mgmtgwd.jobmgr.high.jobs", "error", "The job manager has many jobs queued.",
                "The number of jobs ({jobs}) is close to the maximum ({max}).");
        message("sim.debug.heartbeat", "debug", "Simulator-defined debug event (for debug-exclusion tests).", "Heartbeat {count}.");
    }

    private void message(String name, String severity, String description, String template) {
        catalogue.put(name.toLowerCase(Locale.ROOT), new Message(name, severity, description, template));
    }

    private void builtInFilters() {
        Filter trap = new Filter("default-trap-events", true);
        trap.rules.add(new Rule("include", "*", "emergency,alert", "*"));
        trap.rules.add(new Rule("include", "*", "*", "standard,built_in"));
        Filter important = new Filter("important-events", true);
        important.rules.add(new Rule("include", "*", "emergency,alert", "*"));
        important.rules.add(new Rule("include", "callhome.*", "error", "*"));
        Filter noInfo = new Filter("no-info-debug-events", true);
        noInfo.rules.add(new Rule("include", "*", "emergency,alert,error,notice", "*"));
        for (Filter f : List.of(trap, important, noInfo)) {
            filters.put(f.name, f);
        }
    }

    /** {@code default-trap-events}' second rule is on SNMP trap types, which simulated events have none of. */
    private static boolean ruleApplies(Rule r) {
        return r.snmpTrapTypes == null || r.snmpTrapTypes.equals("*");
    }

    /** Rules in order, the first that matches decides; none matching: excluded (the implicit last rule). */
    private boolean filterMatches(Filter f, String message, String severity) {
        for (Rule r : f.rules) {
            if (ruleApplies(r) && r.matches(message, severity)) {
                return r.type.equals("include");
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ emitting

    synchronized EmittedEvent emit(String nodeName, String message, String severity, Map<String, String> parameters) {
        tick(clock.millis());
        return emitAt(nodeName, message, severity, parameters, clock.instant());
    }

    private EmittedEvent emitAt(String nodeName, String messageName, String severity, Map<String, String> parameters, Instant at) {
        if (messageName == null || messageName.isBlank()) {
            throw new IllegalArgumentException("an event needs a message name");
        }
        Node node = nodeName == null || nodeName.isBlank() ? nodes.get(0) : node(nodeName);
        Message m = catalogue.get(messageName.toLowerCase(Locale.ROOT));
        String sev = severity == null || severity.isBlank() ? (m != null ? m.severity() : "informational") : severity.trim().toLowerCase(Locale.ROOT);
        if (!SEVERITIES.contains(sev)) {
            throw new IllegalArgumentException("severity '" + severity + "' is not one of " + SEVERITIES);
        }
        if (m == null) { // a test's own event: it joins the catalogue, as a new event would after an upgrade
            m = new Message(messageName, sev, "Simulator-defined event.", null);
            catalogue.put(messageName.toLowerCase(Locale.ROOT), m);
        }
        Map<String, String> params = parameters == null ? Map.of() : parameters;
        long index = node.nextIndex++;
        Instant time = at.plus(node.skew);
        ObjectNode ev = F.objectNode();
        ObjectNode n = ev.putObject("node");
        n.put("name", node.name);
        n.put("uuid", node.uuid);
        n.putObject("_links").putObject("self").put("href", "/api/cluster/nodes/" + node.uuid);
        ev.put("index", index);
        ev.put("time", SimJob.time(time.toEpochMilli()));
        ObjectNode msg = ev.putObject("message");
        msg.put("name", m.name());
        msg.put("severity", sev);
        ev.put("log_message", logMessage(m, params));
        ArrayNode p = ev.putArray("parameters");
        params.forEach((k, v) -> p.addObject().put("name", k).put("value", v == null ? "" : v));
        ev.put("source", SOURCE);
        ev.putObject("_links").putObject("self").put("href", EVENTS + "/" + node.uuid + "/" + index);
        if (logSize > 0) {
            if (node.log.size() >= logSize) {
                node.log.removeFirst(); // the oldest falls off: a reader sees a gap in the indexes
            }
            node.log.addLast(new Query.Item(++seq, ev));
        }
        push(ev, m.name(), sev);
        return new EmittedEvent(node.name, node.uuid, index);
    }

    private static final java.util.regex.Pattern PLACEHOLDER = java.util.regex.Pattern.compile("\\{([A-Za-z_]+)}");

    /** The name, then the catalogue's text with the parameters put in, in one pass (a value is never read as a placeholder). */
    private static String logMessage(Message m, Map<String, String> params) {
        if (m.template() == null) {
            StringBuilder sb = new StringBuilder(m.name()).append(':');
            params.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
            return sb.toString();
        }
        java.util.regex.Matcher x = PLACEHOLDER.matcher(m.template());
        StringBuilder sb = new StringBuilder(m.name()).append(": "); // ONTAP's log_message starts with the event's name
        while (x.find()) {
            String v = params.get(x.group(1));
            x.appendReplacement(sb, java.util.regex.Matcher.quoteReplacement(v == null ? "-" : v));
        }
        x.appendTail(sb);
        return sb.toString();
    }

    private Node node(String name) {
        for (Node n : nodes) {
            if (n.name.equalsIgnoreCase(name)) {
                return n;
            }
        }
        List<String> names = new ArrayList<>();
        nodes.forEach(x -> names.add(x.name));
        throw new IllegalArgumentException("no node '" + name + "' in this cluster; nodes: " + names);
    }

    /** A new node in the old one's place: new uuid, empty log, numbering from 1 again. */
    synchronized String replaceNode(String name) {
        tick(clock.millis());
        Node n = node(name);
        n.generation++;
        n.uuid = uuidOf(n.name, n.generation);
        n.nextIndex = 1;
        n.log.clear();
        return n.uuid;
    }

    synchronized String nodeUuid(String name) {
        return node(name).uuid;
    }

    synchronized List<String> nodeNames() {
        List<String> out = new ArrayList<>();
        nodes.forEach(n -> out.add(n.name));
        return out;
    }

    /** Every event held, in emission order (copies). */
    synchronized List<ObjectNode> events() {
        tick(clock.millis());
        List<Query.Item> all = new ArrayList<>();
        nodes.forEach(n -> all.addAll(n.log));
        all.sort(Comparator.comparingLong(i -> i.seq));
        List<ObjectNode> out = new ArrayList<>();
        all.forEach(i -> out.add(i.json.deepCopy()));
        return out;
    }

    /** Schedules an emission {@code after} from now on the simulator's clock. */
    synchronized void schedule(Duration after, String node, String message, String severity, Map<String, String> parameters) {
        if (node != null) {
            node(node); // fail now, naming it, rather than when due
        }
        if (severity != null && !SEVERITIES.contains(severity.trim().toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("severity '" + severity + "' is not one of " + SEVERITIES);
        }
        scheduled.add(new Scheduled(clock.millis() + after.toMillis(), scheduleOrder++, node, message, severity,
                parameters == null ? Map.of() : Map.copyOf(parameters)));
    }

    /**
     * A volume whose fill rises from {@code start} % by {@code step} % every {@code every}: {@code monitor.volume.nearlyFull}
     * when it first reaches 95 % (unless it starts at 98 % or more), {@code monitor.volume.full} when it first reaches 98 %.
     */
    synchronized void scheduleVolumeFill(String name, String svm, String node, double start, double step, Duration every) {
        if (step <= 0 && start < FULL) {
            throw new IllegalArgumentException("step must be more than 0");
        }
        String svmUuid = UUID.nameUUIDFromBytes(("svm:" + svm).getBytes(StandardCharsets.UTF_8)).toString();
        if (start < FULL) {
            long k = start >= NEARLY_FULL ? 0 : (long) Math.ceil((NEARLY_FULL - start) / step);
            schedule(every.multipliedBy(k), node, "monitor.volume.nearlyFull", null, volumeParams(name, svmUuid, start + k * step));
        }
        long k = start >= FULL ? 0 : (long) Math.ceil((FULL - start) / step);
        schedule(every.multipliedBy(k), node, "monitor.volume.full", null, volumeParams(name, svmUuid, start + k * step));
    }

    private static Map<String, String> volumeParams(String name, String svmUuid, double percent) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("object_type", "VOL");
        p.put("name", name);
        p.put("vserver_uuid", svmUuid);
        p.put("percent_full_blocks", String.valueOf((int) Math.min(100, Math.floor(percent))));
        p.put("percent_full_inodes", "0");
        return p;
    }

    /** Emits every scheduled event due by {@code now}, in due order, each stamped with its due time. */
    synchronized void tick(long now) {
        if (scheduled.isEmpty()) {
            return;
        }
        scheduled.sort(Comparator.comparingLong(Scheduled::dueMs).thenComparingLong(Scheduled::order));
        Iterator<Scheduled> it = scheduled.iterator();
        while (it.hasNext()) {
            Scheduled s = it.next();
            if (s.dueMs() > now) {
                break;
            }
            it.remove();
            try {
                emitAt(s.node(), s.message(), s.severity(), s.parameters(), Instant.ofEpochMilli(s.dueMs()));
            } catch (IllegalArgumentException ignored) {
                // checked when scheduled
            }
        }
    }

    // ------------------------------------------------------------------ pushes

    private void push(ObjectNode ev, String message, String severity) {
        for (Destination d : destinations.values()) {
            if (!d.type.equals("rest_api") || d.destination == null) {
                continue;
            }
            boolean match = false;
            for (String fn : d.filters) {
                Filter f = filters.get(fn);
                if (f != null && filterMatches(f, message, severity)) {
                    match = true;
                    break;
                }
            }
            if (!match) {
                continue;
            }
            stats.emsPush();
            try {
                HttpRequest req = HttpRequest.newBuilder(URI.create(d.destination)).timeout(PUSH_TIMEOUT)
                        .header("Content-Type", "application/xml; charset=utf-8")
                        .POST(HttpRequest.BodyPublishers.ofString(xml(ev), StandardCharsets.UTF_8)).build();
                if (pushClient == null) {
                    pushClient = HttpClient.newBuilder().executor(pushPool).connectTimeout(PUSH_TIMEOUT).build();
                }
                pushClient.sendAsync(req, HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> {
                    if (e != null || r.statusCode() / 100 != 2) {
                        stats.emsPushFailure(); // no retry: ONTAP documents none
                    }
                });
            } catch (RuntimeException e) {
                stats.emsPushFailure();
            }
        }
    }

    /** The pushed XML: the simulator's own shape (NetApp does not document ONTAP's); every value escaped. */
    static String xml(ObjectNode ev) {
        StringBuilder sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
        sb.append("<netapp version=\"1.0\" xmlns=\"").append(XML_NAMESPACE).append("\"><ems-message-info>");
        element(sb, "event", ev.path("message").path("name").asText());
        element(sb, "severity", ev.path("message").path("severity").asText());
        element(sb, "node", ev.path("node").path("name").asText());
        element(sb, "node-uuid", ev.path("node").path("uuid").asText());
        element(sb, "index", ev.path("index").asText());
        element(sb, "time", ev.path("time").asText());
        element(sb, "source", ev.path("source").asText());
        element(sb, "log-message", ev.path("log_message").asText());
        sb.append("<parameters>");
        for (JsonNode p : ev.path("parameters")) {
            sb.append("<parameter>");
            element(sb, "name", p.path("name").asText());
            element(sb, "value", p.path("value").asText());
            sb.append("</parameter>");
        }
        sb.append("</parameters></ems-message-info></netapp>");
        return sb.toString();
    }

    private static void element(StringBuilder sb, String name, String value) {
        sb.append('<').append(name).append('>').append(escape(value)).append("</").append(name).append('>');
    }

    /** XML text escaping; characters XML 1.0 cannot carry at all become U+FFFD. */
    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<': sb.append("&lt;"); break;
                case '>': sb.append("&gt;"); break;
                case '&': sb.append("&amp;"); break;
                case '"': sb.append("&quot;"); break;
                case '\'': sb.append("&apos;"); break;
                default:
                    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0xFFFE || c == 0xFFFF) {
                        sb.append('\uFFFD');
                    } else if (Character.isSurrogate(c)) {
                        if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                            sb.append(c).append(s.charAt(++i));
                        } else {
                            sb.append('\uFFFD');
                        }
                    } else {
                        sb.append(c);
                    }
            }
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ HTTP

    /** @param path normalized, under /api/support/ems; method already checked against {@link #allowed} */
    Answer answer(String method, String path, QueryParams params, InputStream body) {
        ObjectNode json = method.equals("POST") || method.equals("PATCH") ? readBody(body) : null; // a slow body holds no lock
        return answerLocked(method, path, params, json);
    }

    private synchronized Answer answerLocked(String method, String path, QueryParams params, ObjectNode body) {
        tick(clock.millis());
        if (path.equals(EVENTS)) {
            stats.emsEventGet();
            return new Answer(200, listEvents(params));
        }
        if (path.startsWith(EVENTS + "/")) {
            return new Answer(200, oneEvent(path.substring(EVENTS.length() + 1), params));
        }
        if (path.equals(MESSAGES)) {
            return new Answer(200, listMessages(params));
        }
        if (path.startsWith(MESSAGES + "/")) {
            Message m = catalogue.get(path.substring(MESSAGES.length() + 1).toLowerCase(Locale.ROOT));
            if (m == null) {
                throw ApiError.notFound("name");
            }
            return new Answer(200, new Query(params, MESSAGE_FIELDS).project(json(m), null));
        }
        if (path.equals(FILTERS) || path.startsWith(FILTERS + "/")) {
            return filters(method, path.substring(FILTERS.length()), params, body);
        }
        if (path.equals(DESTINATIONS) || path.startsWith(DESTINATIONS + "/")) {
            return destinations(method, path.substring(DESTINATIONS.length()), params, body);
        }
        throw new ApiError(404, OntapErrors.API_NOT_FOUND, "API not found: " + path, "");
    }

    private ObjectNode listEvents(QueryParams params) {
        Query q = new Query(params, EVENT_FIELDS);
        q.keyFields = KEY_FIELDS;
        String filterName = q.filters.remove("filter.name");
        Filter named = null;
        if (filterName != null) {
            named = filters.get(filterName);
            if (named == null) {
                throw new ApiError(400, OntapErrors.EMS_FILTER_NOT_FOUND, "The specified filter name \"" + filterName + "\" does not exist.",
                        "filter.name");
            }
        }
        String names = q.filters.get("message.name");
        if (names != null) {
            for (String alt : names.split("\\|", -1)) {
                String n = alt.startsWith("!") ? alt.substring(1) : alt;
                if (!n.contains("*") && !n.isEmpty() && !catalogue.containsKey(n.toLowerCase(Locale.ROOT))) {
                    throw new ApiError(400, OntapErrors.INVALID_VALUE, "The value \"" + n + "\" is invalid for field \"message.name\":"
                            + " no such event in the catalogue (/api/support/ems/messages).", "message.name");
                }
            }
        }
        boolean debugToo = q.filters.containsKey("message.severity");
        long snapshot = snapshot(params);
        List<Query.Item> items = new ArrayList<>();
        for (Node n : nodes) {
            for (Query.Item i : n.log) {
                if (i.seq > snapshot) {
                    continue; // emitted after the first page: the next poll's, so pages do not shift
                }
                String sev = i.json.path("message").path("severity").asText();
                if (!debugToo && sev.equals("debug")) {
                    continue;
                }
                if (named != null && !filterMatches(named, i.json.path("message").path("name").asText(), sev)) {
                    continue;
                }
                if (q.matches(i.json)) {
                    items.add(i);
                }
            }
        }
        return q.answer(EVENTS, items, KEY_FIELDS, Query.START_SNAPSHOT, String.valueOf(snapshot));
    }

    private long snapshot(QueryParams params) {
        String s = params.get(Query.START_SNAPSHOT);
        if (s == null) {
            return seq;
        }
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw ApiError.invalidValue(Query.START_SNAPSHOT, s);
        }
    }

    private ObjectNode oneEvent(String rest, QueryParams params) {
        int slash = rest.indexOf('/');
        if (slash < 0) {
            throw ApiError.notFound("index");
        }
        String uuid = rest.substring(0, slash);
        String index = rest.substring(slash + 1);
        for (Node n : nodes) {
            if (n.uuid.equalsIgnoreCase(uuid)) {
                for (Query.Item i : n.log) {
                    if (i.json.path("index").asText().equals(index)) {
                        Query q = new Query(params, EVENT_FIELDS);
                        q.keyFields = KEY_FIELDS;
                        return q.project(i.json, null);
                    }
                }
            }
        }
        throw ApiError.notFound("index");
    }

    private ObjectNode listMessages(QueryParams params) {
        Query q = new Query(params, MESSAGE_FIELDS);
        List<Query.Item> items = new ArrayList<>();
        long i = 0;
        for (Message m : catalogue.values()) {
            ObjectNode j = json(m);
            i++;
            if (q.matches(j)) {
                items.add(new Query.Item(i, j));
            }
        }
        return q.answer(MESSAGES, items, List.of("name"));
    }

    private static ObjectNode json(Message m) {
        ObjectNode o = F.objectNode();
        o.put("name", m.name());
        o.put("severity", m.severity());
        o.put("description", m.description());
        o.putObject("_links").putObject("self").put("href", MESSAGES + "/" + m.name());
        return o;
    }

    // ---- filters

    private Answer filters(String method, String sub, QueryParams params, ObjectNode body) {
        String[] parts = sub.isEmpty() ? new String[0] : sub.substring(1).split("/");
        if (parts.length == 0) {
            switch (method) {
                case "GET": {
                    Query q = new Query(params, null);
                    List<Query.Item> items = new ArrayList<>();
                    long i = 0;
                    for (Filter f : filters.values()) {
                        ObjectNode j = json(f);
                        i++;
                        if (q.matches(j)) {
                            items.add(new Query.Item(i, j));
                        }
                    }
                    return new Answer(200, q.answer(FILTERS, items, List.of("name")));
                }
                case "POST": {
                    String name = requireText(body, "name");
                    if (filters.containsKey(name)) {
                        throw duplicate("filter", name);
                    }
                    Filter f = new Filter(name, false);
                    f.rules.addAll(rules(body == null ? null : body.get("rules"), "rules"));
                    filters.put(name, f);
                    return created(FILTERS + "/" + name, json(f), params);
                }
                default:
                    throw notAllowed(method, FILTERS);
            }
        }
        Filter f = filters.get(parts[0]);
        if (f == null) {
            throw ApiError.notFound("name");
        }
        if (parts.length == 1) {
            switch (method) {
                case "GET":
                    return new Answer(200, new Query(params, null).project(json(f), null));
                case "PATCH":
                    systemDefined(f);
                    only(body, Set.of("name", "rules"));
                    if (body != null && body.has("name") && !body.get("name").asText().equals(f.name)) {
                        throw ApiError.invalidValue("name", body.get("name").asText());
                    }
                    if (body != null && body.has("rules")) {
                        List<Rule> replaced = rules(body.get("rules"), "rules");
                        f.rules.clear();
                        f.rules.addAll(replaced);
                    }
                    return new Answer(200, F.objectNode());
                case "DELETE":
                    systemDefined(f);
                    for (Destination d : destinations.values()) {
                        if (d.filters.contains(f.name)) {
                            throw new ApiError(400, OntapErrors.INVALID_VALUE, "Filter \"" + f.name + "\" is used by destination \"" + d.name
                                    + "\": remove it from the destination first.", "name");
                        }
                    }
                    filters.remove(f.name);
                    return new Answer(200, F.objectNode());
                default:
                    throw notAllowed(method, FILTERS + "/" + f.name);
            }
        }
        if (!parts[1].equals("rules") || parts.length > 3) {
            throw new ApiError(404, OntapErrors.API_NOT_FOUND, "API not found: " + FILTERS + sub, "");
        }
        if (parts.length == 2) {
            switch (method) {
                case "GET": {
                    Query q = new Query(params, null);
                    List<Query.Item> items = new ArrayList<>();
                    ArrayNode all = ruleArray(f);
                    for (int i = 0; i < all.size(); i++) {
                        if (q.matches((ObjectNode) all.get(i))) {
                            items.add(new Query.Item(i, (ObjectNode) all.get(i)));
                        }
                    }
                    return new Answer(200, q.answer(FILTERS + "/" + f.name + "/rules", items, List.of("index", "type", "message_criteria")));
                }
                case "POST": {
                    systemDefined(f);
                    Rule r = rule(body, "body");
                    int at = f.rules.size() + 1;
                    if (body != null && body.has("index")) {
                        at = body.get("index").asInt(-1);
                        if (at < 1 || at > f.rules.size() + 1) {
                            throw ApiError.invalidValue("index", body.get("index").asText());
                        }
                    }
                    f.rules.add(at - 1, r);
                    return created(FILTERS + "/" + f.name + "/rules/" + at, ruleArray(f).get(at - 1).deepCopy(), params);
                }
                default:
                    throw notAllowed(method, FILTERS + "/" + f.name + "/rules");
            }
        }
        int index;
        try {
            index = Integer.parseInt(parts[2]);
        } catch (NumberFormatException e) {
            throw ApiError.notFound("index");
        }
        if (index < 1 || index > f.rules.size() + 1) {
            throw ApiError.notFound("index");
        }
        boolean implicit = index == f.rules.size() + 1;
        switch (method) {
            case "GET":
                return new Answer(200, new Query(params, null).project((ObjectNode) ruleArray(f).get(index - 1), null));
            case "PATCH": {
                systemDefined(f);
                if (implicit) {
                    throw implicitRule();
                }
                Rule r = f.rules.get(index - 1);
                only(body, Set.of("index", "type", "message_criteria"));
                if (body != null && body.has("type")) {
                    r.type = ruleType(body.get("type").asText());
                }
                if (body != null && body.path("message_criteria").isObject()) {
                    JsonNode mc = body.get("message_criteria");
                    if (mc.has("name_pattern")) {
                        r.namePattern = mc.get("name_pattern").asText();
                    }
                    if (mc.has("severities")) {
                        r.severities = severities(mc.get("severities"));
                    }
                    if (mc.has("snmp_trap_types")) {
                        r.snmpTrapTypes = mc.get("snmp_trap_types").asText();
                    }
                }
                if (body != null && body.has("index") && body.get("index").asInt() != index) {
                    int to = body.get("index").asInt(-1);
                    if (to < 1 || to > f.rules.size()) {
                        throw ApiError.invalidValue("index", body.get("index").asText());
                    }
                    f.rules.remove(index - 1);
                    f.rules.add(to - 1, r);
                }
                return new Answer(200, F.objectNode());
            }
            case "DELETE":
                systemDefined(f);
                if (implicit) {
                    throw implicitRule();
                }
                f.rules.remove(index - 1);
                return new Answer(200, F.objectNode());
            default:
                throw notAllowed(method, FILTERS + "/" + f.name + "/rules/" + index);
        }
    }

    private static ApiError implicitRule() {
        return new ApiError(400, OntapErrors.INVALID_VALUE, "The last rule of a filter (exclude everything) cannot be changed.", "index");
    }

    private static void systemDefined(Filter f) {
        if (f.systemDefined) {
            throw new ApiError(400, OntapErrors.INVALID_VALUE, "Filter \"" + f.name + "\" is system-defined and cannot be changed.", "name");
        }
    }

    private static ObjectNode json(Filter f) {
        ObjectNode o = F.objectNode();
        o.put("name", f.name);
        o.set("rules", ruleArray(f));
        o.put("system_defined", f.systemDefined);
        o.putObject("_links").putObject("self").put("href", FILTERS + "/" + f.name);
        return o;
    }

    /** The rules as ONTAP lists them, the implicit {@code exclude *} last. */
    private static ArrayNode ruleArray(Filter f) {
        ArrayNode a = F.arrayNode();
        List<Rule> all = new ArrayList<>(f.rules);
        all.add(new Rule("exclude", "*", "*", "*"));
        for (int i = 0; i < all.size(); i++) {
            Rule r = all.get(i);
            ObjectNode o = a.addObject();
            o.put("index", i + 1);
            o.put("type", r.type);
            ObjectNode mc = o.putObject("message_criteria");
            mc.put("name_pattern", r.namePattern);
            mc.put("severities", r.severities);
            mc.put("snmp_trap_types", r.snmpTrapTypes);
            o.putObject("_links").putObject("self").put("href", FILTERS + "/" + f.name + "/rules/" + (i + 1));
        }
        return a;
    }

    private static List<Rule> rules(JsonNode node, String where) {
        List<Rule> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isArray()) {
            throw ApiError.invalidValue(where, node.toString());
        }
        for (int i = 0; i < node.size(); i++) {
            out.add(rule(node.get(i), where + "[" + i + "]"));
        }
        return out;
    }

    /** A rule body: {@code type} and {@code message_criteria {name_pattern, severities, snmp_trap_types}}. */
    private static Rule rule(JsonNode r, String where) {
        if (r == null || !r.isObject()) {
            throw ApiError.invalidValue(where, String.valueOf(r));
        }
        JsonNode mc = r.path("message_criteria");
        String type = ruleType(r.path("type").asText("include"));
        return new Rule(type, mc.path("name_pattern").asText("*"), mc.has("severities") ? severities(mc.get("severities")) : "*",
                mc.path("snmp_trap_types").asText("*"));
    }

    private static String ruleType(String t) {
        if (!t.equals("include") && !t.equals("exclude")) {
            throw ApiError.invalidValue("type", t);
        }
        return t;
    }

    private static String severities(JsonNode v) {
        String s = v.isArray() ? join(v) : v.asText();
        for (String part : s.split(",")) {
            String p = part.trim().toLowerCase(Locale.ROOT);
            if (!p.equals("*") && !SEVERITIES.contains(p)) {
                throw ApiError.invalidValue("message_criteria.severities", s);
            }
        }
        return s.toLowerCase(Locale.ROOT).replace(" ", "");
    }

    private static String join(JsonNode array) {
        List<String> l = new ArrayList<>();
        array.forEach(x -> l.add(x.asText()));
        return String.join(",", l);
    }

    // ---- destinations

    private Answer destinations(String method, String sub, QueryParams params, ObjectNode body) {
        if (sub.isEmpty()) {
            switch (method) {
                case "GET": {
                    Query q = new Query(params, null);
                    List<Query.Item> items = new ArrayList<>();
                    long i = 0;
                    for (Destination d : destinations.values()) {
                        ObjectNode j = json(d);
                        i++;
                        if (q.matches(j)) {
                            items.add(new Query.Item(i, j));
                        }
                    }
                    return new Answer(200, q.answer(DESTINATIONS, items, List.of("name")));
                }
                case "POST": {
                    only(body, Set.of("name", "type", "destination", "filters", "certificate"));
                    String name = requireText(body, "name");
                    if (destinations.containsKey(name)) {
                        throw duplicate("destination", name);
                    }
                    String type = requireText(body, "type").replace('-', '_'); // ONTAP 9.9 and earlier spell it rest-api
                    if (!Set.of("email", "syslog", "rest_api").contains(type)) {
                        throw ApiError.invalidValue("type", body.get("type").asText());
                    }
                    Destination d = new Destination(name, type);
                    d.destination = destinationValue(type, requireText(body, "destination"));
                    d.filters = filterNames(body.get("filters"));
                    d.certificate = body.get("certificate");
                    destinations.put(name, d);
                    return created(DESTINATIONS + "/" + name, json(d), params);
                }
                default:
                    throw notAllowed(method, DESTINATIONS);
            }
        }
        String name = sub.substring(1);
        Destination d = destinations.get(name);
        if (d == null) {
            throw ApiError.notFound("name");
        }
        switch (method) {
            case "GET":
                return new Answer(200, new Query(params, null).project(json(d), null));
            case "PATCH": {
                only(body, Set.of("name", "type", "destination", "filters", "certificate"));
                if (body == null) {
                    return new Answer(200, F.objectNode());
                }
                if (body.has("name") && !body.get("name").asText().equals(d.name)) {
                    throw ApiError.invalidValue("name", body.get("name").asText());
                }
                if (body.has("type") && !body.get("type").asText().replace('-', '_').equals(d.type)) {
                    throw ApiError.invalidValue("type", body.get("type").asText());
                }
                String dest = body.has("destination") ? destinationValue(d.type, body.get("destination").asText()) : d.destination;
                List<String> fs = body.has("filters") ? filterNames(body.get("filters")) : d.filters;
                d.destination = dest; // checked before anything changes: a refused PATCH changes nothing
                d.filters = fs;
                if (body.has("certificate")) {
                    d.certificate = body.get("certificate");
                }
                return new Answer(200, F.objectNode());
            }
            case "DELETE":
                destinations.remove(d.name);
                return new Answer(200, F.objectNode());
            default:
                throw notAllowed(method, DESTINATIONS + "/" + d.name);
        }
    }

    private static String destinationValue(String type, String value) {
        if (type.equals("rest_api") && !(value.startsWith("http://") || value.startsWith("https://"))) {
            throw ApiError.invalidValue("destination", value);
        }
        if (type.equals("rest_api")) {
            try {
                URI.create(value);
            } catch (IllegalArgumentException e) {
                throw ApiError.invalidValue("destination", value);
            }
        }
        return value;
    }

    private List<String> filterNames(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isArray()) {
            throw ApiError.invalidValue("filters", node.toString());
        }
        Set<String> seen = new HashSet<>();
        for (JsonNode f : node) {
            String n = f.isTextual() ? f.asText() : f.path("name").asText("");
            if (!filters.containsKey(n)) {
                throw new ApiError(400, OntapErrors.INVALID_VALUE, "Filter \"" + n + "\" does not exist.", "filters.name");
            }
            if (seen.add(n)) {
                out.add(n);
            }
        }
        return out;
    }

    private static ObjectNode json(Destination d) {
        ObjectNode o = F.objectNode();
        o.put("name", d.name);
        o.put("type", d.type);
        o.put("destination", d.destination);
        ArrayNode fs = o.putArray("filters");
        for (String f : d.filters) {
            ObjectNode fo = fs.addObject();
            fo.put("name", f);
            fo.putObject("_links").putObject("self").put("href", FILTERS + "/" + f);
        }
        if (d.certificate != null && !d.certificate.isNull()) {
            o.set("certificate", d.certificate);
        }
        o.put("system_defined", false);
        o.putObject("_links").putObject("self").put("href", DESTINATIONS + "/" + d.name);
        return o;
    }

    // ---- shared

    private static Answer created(String location, ObjectNode record, QueryParams params) {
        ObjectNode out = F.objectNode();
        if ("true".equalsIgnoreCase(params.get("return_records"))) {
            out.put("num_records", 1);
            out.putArray("records").add(record);
        }
        Answer a = new Answer(201, out);
        a.headers.put("Location", location);
        return a;
    }

    /** Creating what exists: HTTP 409 with ONTAP's "duplicate entry" code 1 (the status is the simulator's choice). */
    private static ApiError duplicate(String what, String name) {
        return new ApiError(409, OntapErrors.DUPLICATE_ENTRY, "duplicate entry: " + what + " \"" + name + "\" already exists.", "name");
    }

    private static ApiError notAllowed(String method, String path) {
        return new ApiError(405, OntapErrors.API_NOT_FOUND, "The method " + method + " is not allowed on " + path + ".", "");
    }

    private static void only(ObjectNode body, Set<String> allowed) {
        if (body == null) {
            return;
        }
        Iterator<String> it = body.fieldNames();
        while (it.hasNext()) {
            String k = it.next();
            if (!allowed.contains(k)) {
                throw ApiError.unexpectedArgument(k);
            }
        }
    }

    private static String requireText(ObjectNode body, String field) {
        if (body == null || !body.path(field).isTextual() || body.get(field).asText().isBlank()) {
            throw new ApiError(400, OntapErrors.INVALID_VALUE, "Missing value for \"" + field + "\".", field);
        }
        return body.get(field).asText();
    }

    private static ObjectNode readBody(InputStream in) {
        String text;
        try {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        if (text.isBlank()) {
            return null;
        }
        try {
            JsonNode n = JSON.readTree(text);
            if (n instanceof ObjectNode) {
                return (ObjectNode) n;
            }
        } catch (JsonProcessingException e) {
            throw new ApiError(400, OntapErrors.UNEXPECTED_ARGUMENT, "Invalid JSON input: " + e.getOriginalMessage(), "body");
        }
        throw new ApiError(400, OntapErrors.UNEXPECTED_ARGUMENT, "Invalid JSON input: the request body must be a JSON object.", "body");
    }
}
