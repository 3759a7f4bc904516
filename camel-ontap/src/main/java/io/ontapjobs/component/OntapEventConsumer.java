package io.ontapjobs.component;

import static io.ontapjobs.component.EmsReads.later;
import static io.ontapjobs.component.EmsReads.time;

import com.fasterxml.jackson.databind.JsonNode;
import io.ontapjobs.events.EventBookmarks;
import io.ontapjobs.events.EventBookmarks.Bookmark;
import io.ontapjobs.events.EventQueries;
import io.ontapjobs.metrics.OntapMetrics;
import io.ontapjobs.operation.Cluster;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.support.ScheduledPollConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls the cluster's EMS log ({@code GET /api/support/ems/events}) and makes each new event one exchange.
 *
 * <p><b>Query.</b> One request per poll for the whole cluster (plus its {@code _links.next} pages; several only when
 * the name list is longer than one request line allows), with the filters on ONTAP's side: {@code message.name},
 * {@code message.severity}, {@code filter.name}, and {@code time>=W}, where the window start W is the newest event
 * time seen (on any node) minus {@code eventOverlap}, never before the first start's floor.
 *
 * <p><b>De-duplication.</b> ONTAP numbers events per node: the consumer keeps a bookmark per node (uuid: the highest
 * index whose exchange completed). A record of the window is new when its index is above its node's bookmark, or its
 * node has none (a node unseen before: every node that had events at the first start got a bookmark then). Times
 * only bound the window: two events of one second, or a node whose clock is behind (by less than the overlap), are
 * never skipped, and nothing is taken twice.
 *
 * <p><b>At least once in.</b> A node's bookmark moves past an event after its exchange completed, whether the route
 * succeeded or its error handler gave up (then a WARN names the event's key, and the next events flow).
 *
 * <p><b>Gaps.</b> See {@link EventGaps}: on the first poll after a start with bookmarks and after a failed poll,
 * one request per bookmarked node tells whether its bookmarked event is still in the log.
 */
public class OntapEventConsumer extends ScheduledPollConsumer {
    private static final Logger LOG = LoggerFactory.getLogger(OntapEventConsumer.class);

    private final List<String> names;
    private final List<String> severities;
    private final String emsFilter;
    private final int maxRecords;
    private final Duration overlap;
    private final Duration lookBack;
    private String consumerKey;
    private EventBookmarks bookmarks;
    private OntapMetrics metrics;
    /** The bookmarks as last loaded or saved; null before the first poll after a start. */
    private Map<String, Bookmark> marks;
    private boolean checkGapsNext = true;
    /** Whether this start's first poll (the first start's cut, or the decision that none is needed) is done. */
    private boolean started;
    private final AtomicReference<Instant> newest = new AtomicReference<>();
    /** Exact names of option events the cluster's catalogue lacked when last asked, and when that was. */
    private final Set<String> unknownNames = new java.util.LinkedHashSet<>();
    private Instant unknownCheckedAt = Instant.EPOCH;
    private static final Duration CATALOGUE_RECHECK = Duration.ofHours(1);

    public OntapEventConsumer(OntapEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
        OntapConfiguration options = endpoint.getConfiguration();
        this.names = EventQueries.words(options.getEvents());
        this.severities = EventQueries.words(options.getSeverities());
        this.emsFilter = options.getEmsFilter();
        this.maxRecords = options.getMaxRecords();
        this.overlap = Duration.ofMillis(options.getEventOverlap());
        this.lookBack = options.startFromLookBack();
        EventQueries.of(names, severities, emsFilter, Instant.EPOCH, maxRecords); // refuses a name too long for a request
    }

    @Override
    public OntapEndpoint getEndpoint() {
        return (OntapEndpoint) super.getEndpoint();
    }

    private String cluster() {
        return getEndpoint().getCluster();
    }

    /** The bookmarks' key: {@code <cluster>/<route id>}. */
    public String consumerKey() {
        return consumerKey;
    }

    @Override
    protected void doStart() throws Exception {
        OntapComponent component = getEndpoint().getComponent();
        component.clusterConfig(cluster()); // an unknown cluster stops the route's start, naming it, rather than every poll
        String routeId = getRouteId();
        consumerKey = cluster() + "/" + routeId;
        if (getRoute() != null && !getRoute().isCustomId()) {
            LOG.warn("EMS consumer of route {} on cluster {}: the route has no id of its own; its bookmarks are kept under"
                    + " '{}', which changes when routes are added or reordered: give the route an id (routeId)", routeId,
                    cluster(), consumerKey);
        }
        bookmarks = component.eventBookmarks();
        metrics = component.getMetrics() == null ? OntapMetrics.NONE : component.getMetrics();
        metrics.gauge("ontap.events.lag", "Seconds from the newest EMS event's time to now", "cluster", cluster(), "route",
                routeId, () -> {
                    Instant n = newest.get();
                    return n == null ? Double.NaN : Duration.between(n, component.clock().now()).toMillis() / 1000.0;
                });
        marks = null;
        started = false;
        checkGapsNext = true;
        super.doStart();
        hints = getEndpoint().getCamelContext().getExecutorServiceManager()
                .newSingleThreadScheduledExecutor(this, "ontap-events-hint-" + cluster());
        component.eventHints().add(cluster(), this);
    }

    /** The least time between two polls made for hints (EMS pushes), per consumer. */
    static final long HINT_GAP_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** One poll at a time: the scheduler's and a hint's. */
    private final java.util.concurrent.locks.ReentrantLock pollLock = new java.util.concurrent.locks.ReentrantLock();
    private final java.util.concurrent.atomic.AtomicBoolean hintQueued = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile long lastHintPoll = System.nanoTime() - HINT_GAP_NANOS;
    private volatile java.util.concurrent.ScheduledExecutorService hints;

    /**
     * Queues one poll now, or once a second has passed since the last poll made for a hint; one queued at most: a
     * flood of hints is one extra poll a second. The poll runs on the consumer's hint thread, as a scheduled one
     * would (Camel's {@link #run()}: its error handling, counters, suspension), never two polls at once.
     *
     * @return whether a poll was queued
     */
    boolean hint() {
        java.util.concurrent.ScheduledExecutorService executor = hints;
        if (executor == null || !isRunAllowed() || isSuspended() || !hintQueued.compareAndSet(false, true)) {
            return false;
        }
        long wait = Math.max(0, lastHintPoll + HINT_GAP_NANOS - System.nanoTime());
        try {
            executor.schedule(() -> {
                lastHintPoll = System.nanoTime();
                hintQueued.set(false);
                run();
            }, wait, TimeUnit.NANOSECONDS);
            return true;
        } catch (java.util.concurrent.RejectedExecutionException e) {
            hintQueued.set(false); // stopping
            return false;
        }
    }

    @Override
    protected void doStop() throws Exception {
        getEndpoint().getComponent().eventHints().remove(cluster(), this);
        if (hints != null) {
            getEndpoint().getCamelContext().getExecutorServiceManager().shutdown(hints);
            hints = null;
        }
        hintQueued.set(false);
        super.doStop();
    }

    @Override
    protected int poll() throws Exception {
        pollLock.lock();
        try {
            return pollOwned();
        } finally {
            pollLock.unlock();
        }
    }

    private int pollOwned() throws Exception {
        if (!getEndpoint().getComponent().ownership().mayPoll(cluster())) {
            // another replica owns the cluster (or this one's ownership is unconfirmed): it polls; this one waits, and
            // reads the bookmarks again when it owns the cluster, as that owner left them
            marks = null;
            checkGapsNext = true;
            return 0;
        }
        Cluster cluster = getEndpoint().getComponent().cluster(cluster());
        try {
            int n = pollOnce(cluster);
            metrics.eventsPoll(cluster(), "ok");
            return n;
        } catch (Exception e) {
            metrics.eventsPoll(cluster(), "error");
            checkGapsNext = true; // events may have fallen off the log while polls failed
            marks = null; // read them again: a store is the truth
            throw e;
        }
    }

    private int pollOnce(Cluster cluster) throws Exception {
        if (marks == null) {
            marks = new HashMap<>(bookmarks.load(consumerKey));
        }
        if (!started) {
            // startFrom=now: on every start of the consumer; else on the very first (no record of one)
            if (!marks.containsKey(EventBookmarks.START) || Duration.ZERO.equals(lookBack)) {
                firstStart(cluster);
                started = true;
                checkGapsNext = false;
                return 0; // what the log held at the start is history
            }
            started = true;
        }
        if (checkGapsNext) {
            checkGaps(cluster);
            checkGapsNext = false;
        }
        Instant from = windowStart();
        Map<String, JsonNode> records = new LinkedHashMap<>(); // by key: split queries may overlap (wildcards)
        try {
            readWindow(cluster, from, records);
        } catch (EmsReads.UnknownNameException e) {
            checkCatalogue(cluster); // ONTAP refuses a name its catalogue lacks: leave such names out, say so
            records.clear();
            readWindow(cluster, from, records);
        }
        List<JsonNode> fresh = fresh(new ArrayList<>(records.values()));
        int done = 0;
        for (JsonNode record : fresh) {
            if (!isRunAllowed()) {
                break; // stopping: the rest stay behind the bookmarks, for the next start
            }
            deliver(record);
            done++;
        }
        return done;
    }

    private void readWindow(Cluster cluster, Instant from, Map<String, JsonNode> records) throws Exception {
        List<String> asked = names;
        if (!unknownNames.isEmpty()) {
            if (getEndpoint().getComponent().clock().now().isAfter(unknownCheckedAt.plus(CATALOGUE_RECHECK))) {
                unknownNames.clear(); // an upgrade may have brought them: the next refusal checks again
            } else {
                asked = new ArrayList<>(names);
                asked.removeAll(unknownNames);
                if (asked.isEmpty()) {
                    return; // none of its names is known to the cluster (said at WARN when found)
                }
            }
        }
        for (Map<String, String> query : EventQueries.of(asked, severities, emsFilter, from, maxRecords)) {
            EmsReads.readAll(cluster, cluster(), query, records);
        }
    }

    /** Leaves out of the queries the exact names the cluster's catalogue lacks (see {@link EmsReads#unknownNames}). */
    private void checkCatalogue(Cluster cluster) throws Exception {
        Set<String> unknown = EmsReads.unknownNames(cluster, cluster(), names);
        LOG.warn("EMS consumer {}: cluster {} does not know the event name(s) {} (its catalogue, /api/support/ems/messages):"
                + " left out of the queries, checked again in {}", consumerKey, cluster(), unknown, CATALOGUE_RECHECK);
        unknownNames.clear();
        unknownNames.addAll(unknown);
        unknownCheckedAt = getEndpoint().getComponent().clock().now();
    }

    /**
     * The first start (or every start, with startFrom=now): the newest event's time T on the cluster's clock, then
     * the keys of every event from T minus the overlap: each node's highest index becomes its bookmark, so that
     * nothing the log held is acted on, whatever the local clock says. With a look-back (startFrom=1h), no bookmark:
     * the floor is T minus the look-back, and the next poll takes everything from there.
     */
    private void firstStart(Cluster cluster) throws Exception {
        Instant t = EmsReads.newestTime(cluster);
        Instant floor;
        if (lookBack != null && !lookBack.isZero()) {
            floor = t == null ? Instant.EPOCH : t.minus(lookBack);
            LOG.info("EMS consumer {}: first start, taking events from {} (startFrom {} before the cluster's newest event)",
                    consumerKey, floor, lookBack);
        } else {
            floor = t == null ? Instant.EPOCH : t.minus(overlap);
            if (t != null) {
                EmsReads.highestPerNode(cluster, cluster(), floor, maxRecords, marks);
            }
            marks.forEach((uuid, b) -> {
                if (!uuid.equals(EventBookmarks.START)) {
                    bookmarks.save(consumerKey, uuid, b.index(), b.time());
                }
            });
            LOG.info("EMS consumer {}: starting now (the cluster's newest event: {}); events logged before are not acted on",
                    consumerKey, t == null ? "none" : t);
        }
        bookmarks.save(consumerKey, EventBookmarks.START, 0, floor);
        marks.put(EventBookmarks.START, new Bookmark(0, floor));
        if (t != null) {
            newest.accumulateAndGet(t, EmsReads::later);
        }
    }

    /** W: the newest time any bookmark holds minus the overlap, never before the first start's floor; null: none. */
    private Instant windowStart() {
        return EmsReads.windowStart(marks, overlap);
    }

    /**
     * The records of the window not taken yet, in time order, each node's in index order. A record whose index is
     * at or below its node's bookmark but whose time is after the bookmark's cannot be an old one (a node numbers its
     * events in time order): the node was renumbered, and its bookmark starts again.
     */
    private List<JsonNode> fresh(List<JsonNode> window) {
        for (JsonNode ev : window) {
            String uuid = ev.path("node").path("uuid").asText();
            Bookmark b = marks.get(uuid);
            Instant t = time(ev);
            long index = ev.path("index").asLong();
            if (b != null && b.index() > 0 && index <= b.index() && b.time() != null && t != null && t.isAfter(b.time())) {
                gap(uuid, ev.path("node").path("name").asText(), "was renumbered: index " + index + " at " + t
                        + " is not above the bookmark " + b.index() + " at " + b.time() + "; taking its events from the window", 0);
                restart(uuid, b.time());
            }
        }
        return EmsReads.inOrder(EmsReads.above(window, marks));
    }

    /** One event, one exchange; the node's bookmark moves once it completed, however it ended. */
    private void deliver(JsonNode ev) throws Exception {
        String uuid = ev.path("node").path("uuid").asText();
        String node = ev.path("node").path("name").asText(null);
        long index = ev.path("index").asLong();
        Instant time = time(ev);
        String name = ev.path("message").path("name").asText(null);
        String severity = ev.path("message").path("severity").asText(null);
        String key = cluster() + "/" + uuid + "/" + index;
        LOG.info("EMS event {} {} ({}) on node {} at {}", key, name, severity, node, time);
        metrics.eventReceived(cluster(), name);
        if (time != null) {
            newest.accumulateAndGet(time, EmsReads::later);
        }

        Exchange exchange = createExchange(false);
        try {
            Message in = exchange.getIn();
            @SuppressWarnings("unchecked")
            Map<String, Object> body = EmsReads.JSON.convertValue(ev, Map.class);
            in.setBody(body);
            in.setHeader(OntapConstants.EVENT_NAME, name);
            in.setHeader(OntapConstants.EVENT_SEVERITY, severity);
            in.setHeader(OntapConstants.EVENT_NODE, node);
            in.setHeader(OntapConstants.EVENT_INDEX, index);
            in.setHeader(OntapConstants.EVENT_TIME, time);
            in.setHeader(OntapConstants.EVENT_KEY, key);
            in.setHeader(OntapConstants.EVENT_PARAMETERS, EmsReads.parameters(ev));
            in.setHeader(OntapConstants.CLUSTER, cluster());
            exchange.setProperty(OntapConstants.EVENT_KEY_PROPERTY, key);
            try {
                getProcessor().process(exchange);
            } catch (Exception e) {
                exchange.setException(e);
            }
            Exception failure = exchange.getException();
            if (failure != null) {
                // the error handler has given up: a poison event is skipped, never retried forever
                LOG.warn("EMS event {} ({}) failed and is skipped: {}", key, name, failure.toString());
                metrics.eventFailed(cluster(), name);
            }
        } finally {
            releaseExchange(exchange, false);
        }
        bookmarks.save(consumerKey, uuid, index, time);
        marks.put(uuid, new Bookmark(index, time));
    }

    /** Gaps, said out loud: see {@link EventGaps}. */
    private void checkGaps(Cluster cluster) throws Exception {
        EventGaps.check(cluster, marks, this::gap, this::restart);
    }


    /** A node's bookmark starts again (renumbered, or gone): its events in the window are taken as a new node's. */
    private void restart(String uuid, Instant time) {
        bookmarks.save(consumerKey, uuid, 0, time);
        marks.put(uuid, new Bookmark(0, time));
    }

    private void gap(String uuid, String node, String what, long missed) {
        LOG.warn("EMS gap on cluster {}, node {} ({}): {}", cluster(), node, uuid, what);
        metrics.eventsGap(cluster(), node, missed);
    }

}
