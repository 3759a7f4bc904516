package io.ontapjobs.component;

import static io.ontapjobs.component.EmsReads.call;
import static io.ontapjobs.component.EmsReads.time;

import com.fasterxml.jackson.databind.JsonNode;
import io.ontapjobs.events.EventBookmarks;
import io.ontapjobs.events.EventBookmarks.Bookmark;
import io.ontapjobs.events.EventQueries;
import io.ontapjobs.ontap.OntapResponse;
import io.ontapjobs.operation.Cluster;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Gaps, said out loud. With name filters on ONTAP's side the indexes a consumer sees legitimately skip the events
 * that do not match, so a gap cannot be read from the indexes of its records. Instead, when events could have
 * fallen off the log unseen (the first poll after a start that found bookmarks, the first after a failed poll),
 * each bookmarked node is asked whether its bookmarked event is still there ({@code GET /events/{node}/{index}}):
 * ONTAP keeps a node's latest events, so if it is, nothing after it was lost. If it is not, the node's oldest
 * kept index O tells the range lost: bookmark+1 to O-1 (of any event, matching or not); O at or below the bookmark,
 * or the bookmarked index holding another event, means the node was renumbered; no event at all: the node was
 * replaced or its log cleared. Each is a WARN naming cluster, node and range, and a count in ontap.events.gaps;
 * the consumer carries on with what is there.
 */
final class EventGaps {
    /** What the check says: the consumer's WARN and count. */
    @FunctionalInterface
    interface Gap {
        void gap(String uuid, String node, String what, long missed);
    }

    private EventGaps() {
    }

    static void check(Cluster cluster, Map<String, Bookmark> marks, Gap sink, BiConsumer<String, Instant> restart)
            throws Exception {
        for (var e : new ArrayList<>(marks.entrySet())) {
            String uuid = e.getKey();
            Bookmark b = e.getValue();
            if (uuid.equals(EventBookmarks.START) || b.index() <= 0) {
                continue;
            }
            OntapResponse held = call(cluster, EventQueries.PATH + "/" + uuid + "/" + b.index(), Map.of("fields", "index,time,node"));
            if (held.isSuccess()) {
                Instant t = held.body() == null ? null : time(held.body());
                if (b.time() == null || t == null || t.equals(b.time())) {
                    continue; // still there: nothing after it fell off
                }
                sink.gap(uuid, held.body().path("node").path("name").asText(uuid), "was renumbered: index " + b.index()
                        + " is now an event at " + t + ", not the one at " + b.time() + "; taking its events from the window", 0);
                restart.accept(uuid, b.time());
                continue;
            }
            if (held.status() != 404) {
                throw new IllegalStateException("GET " + EventQueries.PATH + "/" + uuid + "/" + b.index() + ": HTTP " + held.status()
                        + held.error().map(x -> " " + x).orElse(""));
            }
            Map<String, String> oldest = new LinkedHashMap<>();
            oldest.put("node.uuid", uuid);
            oldest.put("message.severity", "*");
            oldest.put("fields", "index,time,node");
            oldest.put("order_by", "index asc");
            oldest.put("max_records", "1");
            OntapResponse r = call(cluster, EventQueries.PATH, oldest);
            if (!r.isSuccess()) {
                throw new IllegalStateException("GET " + EventQueries.PATH + " (oldest of node " + uuid + "): HTTP " + r.status());
            }
            JsonNode first = r.body() == null ? null : r.body().path("records").path(0);
            if (first == null || first.isMissingNode()) {
                sink.gap(uuid, uuid, "has no events any more (replaced, or its log cleared): what it logged after index "
                        + b.index() + " and before that is lost", 0);
                restart.accept(uuid, b.time()); // said once: the next start does not say it again
                continue;
            }
            long o = first.path("index").asLong();
            String nodeName = first.path("node").path("name").asText(uuid);
            if (o > b.index() + 1) {
                sink.gap(uuid, nodeName, "lost events " + (b.index() + 1) + " to " + (o - 1) + ": they fell off its EMS log"
                        + " before they were read (those among them that matched are not delivered)", o - 1 - b.index());
            } else if (o <= b.index()) {
                sink.gap(uuid, nodeName, "was renumbered: its oldest event is index " + o + ", its bookmark " + b.index()
                        + "; taking its events from the window", 0);
                restart.accept(uuid, b.time());
            }
            // o == bookmark + 1: the bookmarked event fell off, but nothing after it
        }
    }
}
